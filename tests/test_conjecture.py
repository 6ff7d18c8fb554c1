"""The conjecture tester: a true bound survives, a false one is caught and replays."""

from __future__ import annotations

import json
import shlex

import numpy as np
import pytest

import mdmtheory as m
from mdmtheory.cli import main
from mdmtheory.conjecture import Quantity, hunt
from mdmtheory.usercode import load_bound

EXAMPLES = "examples/conjectures"


def test_true_bound_li_cai_has_no_violation(tmp_path):
    bound = load_bound(f"{EXAMPLES}/li_cai.py")
    r = hunt(bound, Quantity("expected_kl", family="constant", params={"s": 2}), budget=120, seed=1,
             n_range=(2, 5), q_range=(2, 3), max_tables=250, out_dir=tmp_path)
    assert not r.violated and r.violations == 0
    assert r.tried == 250 and r.stages["random"] > 50 and r.stages["optimise"] > 50
    assert r.worst["ratio"] <= 1 + 1e-9


def test_false_bound_is_found_saved_and_replayed(tmp_path, capsys):
    code = main(["conjecture", f"{EXAMPLES}/too_tight.py", "--quantity", "expected_kl", "--family", "constant",
                 "--param", "s=2", "--budget", "120", "--max-tables", "150", "--n", "2-4", "--q", "2-3",
                 "--out", str(tmp_path), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["violated"] and out["violations"] >= 1
    record = json.loads((tmp_path / "worst.json").read_text())
    table = m.load_joint(tmp_path / "worst.npy")
    # replay independently: the exact expected KL exceeds the conjectured bound on the saved table
    z = m.information_curve(table)
    tc, dtc = m.total_correlation(table), m.dual_total_correlation(table)
    value = m.expected_kl(z, record["schedule"])
    half_li_cai = 0.5 * (2 ** int(np.ceil(np.log2(max(record["schedule"])))) - 1) / table.n * (tc + dtc)
    assert value > half_li_cai + 1e-9
    assert value == pytest.approx(record["value"], rel=1e-9)
    # and the replay command in the record prints the same number
    args = shlex.split(record["replay"])[1:] + ["--json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["expected_kl"] == pytest.approx(record["value"], rel=1e-9)


def test_sampler_quantity_and_mixture(tmp_path):
    r = hunt(lambda ctx: ctx.tc + 1e-12, Quantity("mixture_kl", family="even", params={"k": 2}), budget=2,
             n_range=(2, 3), q_range=(2, 2))
    assert not r.violated  # KL(mu || mixture) <= E KL <= TC
    r = hunt(lambda ctx: 0.0, Quantity("sampler_kl", sampler="entropy", params={"steps": 1}), budget=2,
             n_range=(2, 3), q_range=(2, 2))
    assert r.violated and r.worst["value"] > 0  # one step loses TC > 0 on a correlated table


@pytest.mark.parametrize(
    "argv,match",
    [
        (["conjecture", "missing.py", "--quantity", "expected_kl", "--family", "even"], "no such bound file"),
        (["conjecture", f"{EXAMPLES}/li_cai.py", "--quantity", "expected_kl"], "needs a schedule family"),
        (["conjecture", f"{EXAMPLES}/li_cai.py", "--quantity", "sampler_kl"], "needs a sampler"),
        (["conjecture", f"{EXAMPLES}/li_cai.py", "--quantity", "sampler_kl", "--sampler", "nope"], "unknown sampler"),
        (["conjecture", f"{EXAMPLES}/li_cai.py", "--quantity", "expected_kl", "--family", "even", "--budget", "0"],
         "--budget"),
    ],
)
def test_conjecture_errors(argv, match, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("mdmtheory: error:") and match in err[0]


def test_bound_that_raises_is_reported(tmp_path):
    f = tmp_path / "bad.py"
    f.write_text("def bound(ctx):\n    return 1 / 0\n")
    with pytest.raises(m.InputError, match="ZeroDivisionError"):
        hunt(load_bound(f), Quantity("expected_kl", family="even", params={"k": 1}), budget=1)
    g = tmp_path / "nobound.py"
    g.write_text("x = 1\n")
    with pytest.raises(m.InputError, match="defines no function bound"):
        load_bound(g)


@pytest.mark.slow  # CI only (make test skips it unless CI=true); tests/test_readme.py runs all of docs/tour.md
def test_tour_conjecture_example_is_what_the_command_prints(tmp_path):
    """The conjecture transcript of docs/tour.md (with --max-tables, machine-independent) is what
    the command prints today: the count, the tables tried, the worst case and the replay command."""
    import re
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).parent.parent
    tour = (root / "docs" / "tour.md").read_text()
    shutil.copytree(root / "examples", tmp_path / "examples")
    cmd = tour.split("$ mdmtheory conjecture ")[1].split("\n")[0].split("#")[0]  # a trailing "# exit 1"
    out = subprocess.run([sys.executable, "-m", "mdmtheory", "conjecture", *cmd.split()], cwd=tmp_path,
                         capture_output=True, text=True)
    assert out.returncode == 1, out.stderr
    for line in out.stdout.splitlines():
        want = re.sub(r"in [0-9.]+ s", "in ", line)
        assert any(re.sub(r"in [0-9.]+ s", "in ", r) == want for r in tour.splitlines()), line
    replay = tour.split("$ mdmtheory kl conjecture_out/worst.npy ")[1].split()[0:2]
    assert json.loads((tmp_path / "conjecture_out" / "worst.json").read_text())["replay"].endswith(" ".join(replay))
