"""Issue 20, the smaller items: dream's model calls in every engine, the unit of a curve file,
one-command schedules of walks and HMMs, ``walk --exact``'s missing values, the conjecture
tester's saved results, and the command-line papercuts (a closed pipe, Python reprs, numbers cut
mid-value, empty list fields, ``--param`` before a positional argument, the sweep result)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mdmtheory as m
from mdmtheory.cli import main
from mdmtheory.cli.check import numbers_line
from mdmtheory.markov import random_walk
from mdmtheory.sampler_estimate import estimate_sampler_divergences
from mdmtheory.sweeps import SweepResult
from mdmtheory.walks import exact_walk_metrics, simulate

ROOT = Path(__file__).resolve().parent.parent
TOO_TIGHT = str(ROOT / "examples" / "conjectures" / "too_tight.py")


def _cli(*args, cwd=None):
    """``(exit code, stdout, stderr)`` of the command in a fresh interpreter."""
    p = subprocess.run([sys.executable, "-m", "mdmtheory", *map(str, args)], capture_output=True, text=True,
                       cwd=cwd, timeout=300)
    return p.returncode, p.stdout, p.stderr


def _run(capsys, *args):
    """``(exit code, stdout, stderr)`` of the command run in this process (faster than ``_cli``)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


# -- dream counts one model call per step, in every engine ------------------------------------------


def test_dream_origin_two_steps_on_one_position_makes_two_calls_in_every_engine():
    """Dream's ``_sample`` calls the model at each of its ``steps`` steps even when a step unmasks
    nothing: on a one-position table, ``steps = 2`` is 2 calls, never fewer."""
    joint = m.Joint(np.array([0.3, 0.7]))
    dream = m.make_sampler("dream", alg="origin", steps=2)
    ev = m.evaluate(joint, dream)
    assert ev.expected_steps == 2.0 and ev.max_steps == 2
    est = estimate_sampler_divergences(joint, dream, samples=300, seed=3)
    assert est.expected_calls.value == 2.0 and est.expected_calls.stderr == 0.0
    chain = random_walk("cycle:3", 1)
    assert simulate(chain, dream, 300, seed=1)["expected_steps"] == 2.0
    assert exact_walk_metrics(chain, dream)["expected_steps"] == 2.0
    wide = m.Joint(np.random.default_rng(0).dirichlet(np.ones(8)).reshape(2, 2, 2))
    for steps in (1, 2, 5):  # more steps than positions: the empty steps are calls too
        assert m.evaluate(wide, m.make_sampler("dream", alg="origin", steps=steps)).expected_steps == steps


def test_the_engines_read_the_declaration_not_the_name():
    """The same dream without ``calls_every_step`` stops when the sequence is complete:
    ``1 + P(the first step unmasks nothing) = 1 + s/t`` with ``s/t = 0.5005`` (timesteps
    ``linspace(1, 0.001, 3)``), the number the issue saw."""
    assert m.RULES["dream"].calls_every_step and m.RULES["llada"].calls_every_step
    assert not any(m.RULES[k].calls_every_step for k in ("entropy", "confidence", "fast_dllm", "punt"))
    joint = m.Joint(np.array([0.3, 0.7]))
    dream = m.make_sampler("dream", alg="origin", steps=2)
    dream.rule = dataclasses.replace(dream.rule, calls_every_step=False)
    assert dream.min_calls() == 0
    assert m.evaluate(joint, dream).expected_steps == pytest.approx(1.0 + (1.0 + 0.001) / 2.0, abs=1e-6)


# -- units of a curve file ---------------------------------------------------------------------------


def test_schedule_curve_prints_numbers_in_the_unit_it_labels(tmp_path, capsys):
    """Three copies of a fair bit: ``Z = (0, 1, 1)`` bits; one step loses ``TC = 2`` bits.  The
    curve written in nats (a list: nats by default, or stated by --curve-unit or the file) and
    printed with --base 2 says 2 bits; a file in bits printed in nats says 2 ln 2."""
    ln2 = math.log(2.0)
    nats = tmp_path / "z.json"
    nats.write_text(json.dumps([0.0, ln2, ln2]))
    bits_csv = tmp_path / "z.csv"
    bits_csv.write_text("0\n1\n1\n")
    stated = tmp_path / "stated.json"
    stated.write_text(json.dumps({"unit": "bits", "information_curve": [0, 1, 1]}))
    cases = [([nats, "--base", "2"], "bits", 2.0), ([nats, "--curve-unit", "nats", "--base", "2"], "bits", 2.0),
             ([bits_csv, "--curve-unit", "bits", "--base", "2"], "bits", 2.0),
             ([bits_csv, "--curve-unit", "bits"], "nats", 2 * ln2), ([stated], "nats", 2 * ln2),
             ([stated, "--base", "2"], "bits", 2.0)]
    for args, unit, value in cases:
        code, out, err = _run(capsys, "schedule", "--curve", *args, "--steps", "1")
        assert code == 0, err
        assert out.splitlines()[0].endswith(unit)
        line = [ln for ln in out.splitlines() if ln.strip().startswith("expected_kl")][0]
        assert float(line.split()[1]) == pytest.approx(value, rel=1e-9), (args, line)
    code, _, err = _run(capsys, "schedule", "--curve", stated, "--curve-unit", "nats", "--steps", "1")
    assert code == 2 and "says its unit is bits" in err


# -- one-command optimal schedules of a walk and an HMM ---------------------------------------------


def _compositions(n, k):
    for cuts in itertools.combinations(range(1, n), k - 1):
        yield [b - a for a, b in zip((0, *cuts), (*cuts, n))]


def test_schedule_graph_and_hmm_give_the_optimum_over_every_schedule(capsys):
    """``schedule --graph/--hmm SPEC --length n --steps k`` against every composition of ``n``
    into ``k`` steps, each scored by Theorem 4 on the model's exact curve."""
    for source, z in ((["--graph", "cycle:5"], random_walk("cycle:5", 7).information_curve(2)),
                      (["--hmm", "block:2,2"], m.block_hmm(2, 2, 7).information_curve(2))):
        code, out, err = _run(capsys, "schedule", *source, "--length", "7", "--steps", "3", "--base", "2", "--json")
        assert code == 0, err
        d = json.loads(out)
        best = min(m.expected_kl(z, c) for c in _compositions(7, 3))
        assert d["expected_kl"] == pytest.approx(best, rel=1e-9, abs=1e-12) and d["unit"] == "bits"
        assert sum(d["schedule"]) == 7 and len(d["schedule"]) == 3
        assert m.expected_kl(z, d["schedule"]) == pytest.approx(best, rel=1e-9, abs=1e-12)
    code, _, err = _run(capsys, "schedule", "--graph", "cycle:5", "--steps", "2")
    assert code == 2 and "--length" in err
    code, _, err = _run(capsys, "schedule", "--graph", "cycle:5", "--hmm", "block:2,2", "--length", "4", "--steps", "2")
    assert code == 2 and "exactly one source" in err


def test_walk_exact_random_prints_null_with_the_reason(capsys):
    code, out, err = _run(capsys, "walk", "--graph", "cycle:4", "--length", "30", "--sampler", "random", "--param", "steps=2",
                          "--exact")
    assert code == 0, err
    assert "None" not in out and "{'" not in out
    assert any(ln.split()[:2] == ["kl", "null"] for ln in out.splitlines())
    assert "not_computed_reason" in out and "mixture over orders" in out
    code, out, _ = _run(capsys, "walk", "--graph", "cycle:4", "--length", "30", "--sampler", "random", "--param", "steps=2",
                        "--exact", "--json")
    d = json.loads(out)
    assert d["kl"] is None and "kl" in d["not_computed"] and d["expected_kl"] > 0


# -- the conjecture tester keeps a saved result --------------------------------------------------------


def test_conjecture_never_overwrites_without_force_and_names_its_replay(tmp_path):
    args = ["conjecture", TOO_TIGHT, "--quantity", "expected_kl", "--family", "constant", "--param", "s=2",
            "--max-tables", "40", "--n", "2-3", "--q", "2-2", "--out", "found"]
    code, out, err = _cli(*args, cwd=tmp_path)
    assert code == 1, err
    record_path = tmp_path / "found" / "worst.json"
    first = record_path.read_bytes()
    record = json.loads(first)
    assert record["bound_file"] == TOO_TIGHT
    assert record["command"].startswith("mdmtheory conjecture ") and TOO_TIGHT in record["command"]
    assert "--force" in record["command"] and "--max-tables 40" in record["command"]
    code, _, err = _cli(*args[:-1], "found", "--seed", "5", cwd=tmp_path)
    assert code == 2 and "--force" in err
    assert record_path.read_bytes() == first  # untouched
    # the recorded command replays the search (a count-limited search: the same on every machine)
    cmd = record["command"].split()[1:]
    code, _, err = _cli(*cmd, cwd=tmp_path)
    assert code == 1, err
    replayed = json.loads(record_path.read_text())
    assert replayed["ratio"] == record["ratio"] and replayed["schedule"] == record["schedule"]


# -- command-line papercuts ---------------------------------------------------------------------------


def test_a_closed_pipe_is_not_an_error():
    """``mdmtheory samplers | head -1``: the reader closes the pipe before the output is written."""
    p = subprocess.Popen([sys.executable, "-m", "mdmtheory", "samplers"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdout.close()  # before the interpreter has started: every write meets a closed pipe
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert b"Traceback" not in err and b"error" not in err


def test_text_output_has_no_python_reprs(tmp_path, capsys):
    table = tmp_path / "t.npy"
    np.save(table, np.full((2, 2, 2), 1 / 8))
    for args in (["evaluate", table, "--sampler", "dream", "--param", "steps=2"],
                 ["evaluate", table, "--sampler", "llada", "--param", "steps=3"],
                 ["walk", "--graph", "cycle:4", "--length", "4", "--sampler", "random", "--param", "steps=2",
                  "--exact"]):
        code, out, err = _run(capsys, *args)
        assert code == 0, err
        for repr_mark in ("None", "{'", "': ", "True", "False", "[{"):
            assert repr_mark not in out, (args, repr_mark)
        assert "null" in out  # the missing values are there, written as JSON writes them
    code, out, _ = _run(capsys, "samplers")
    assert code == 0 and "=None" not in out and "top_p=null" in out  # (the docs may say "None: off")
    code, out, _ = _run(capsys, "bounds", "--graph", "cycle:5", "--length", "6", "--schedule", "3,3")
    assert code == 0 and "True" not in out and "true" in out


def test_claim_numbers_are_never_cut_mid_value():
    numbers = {f"key_{i}": 1.0 / 7 * 10 ** i for i in range(12)} | {"rows": [1.5, 2.25], "label": "a b"}
    line = numbers_line(numbers, 90)
    shown, _, rest = line.partition(" (+")
    whole = [f"{k}={v:.4g}" if isinstance(v, float) else None for k, v in numbers.items()]
    items = shown.split(", ")
    assert items == [w for w in whole[:len(items)]]  # whole items, in order
    assert rest.startswith(f"{len(numbers) - len(items)} more") and len(shown) <= 90
    assert numbers_line({"a": 0.5}, 90) == "a=0.5"


def test_an_empty_list_field_is_an_error(tmp_path, capsys):
    table = tmp_path / "t.npy"
    np.save(table, np.full((2, 2, 2), 1 / 8))
    for args in (["kl", table, "--schedule", "2,,1"], ["kl", table, "--schedule", "2,1,"],
                 ["kl", table, "--schedule", "1,1,1", "--order", "0,,1"],
                 ["evaluate", table, "--sampler", "left_to_right", "--param", "schedule=2,,1"]):
        code, out, err = _run(capsys, *args)
        assert code == 2 and out == "" and err.startswith("mdmtheory: error:"), (args, err)
    with pytest.raises(m.InputError, match="empty"):
        m.parse_schedule("2,,1", 3)


def test_param_does_not_swallow_a_table_path_after_it(tmp_path, capsys):
    table = tmp_path / "t.npy"
    rng = np.random.default_rng(0)
    np.save(table, rng.dirichlet(np.ones(8)).reshape(2, 2, 2))
    assert main(["evaluate", "--sampler", "llada", "--param", "steps=2", str(table), "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    assert main(["evaluate", str(table), "--sampler", "llada", "--param", "steps=2", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert after == before and after["params"]["steps"] == 2
    assert main(["evaluate", "--sampler", "llada", "--param", "steps=2", "temperature=0", str(table), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["params"]["temperature"] == 0


def test_sweep_result_has_a_length_and_records_without_pandas(monkeypatch):
    r = SweepResult([{"model": "a", "kl": 0.5}, {"model": "b", "kl": 0.25, "tv": 0.1}], 2, 0, 0, 0.0,
                    columns=["model", "kl", "tv"])
    assert len(r) == 2
    assert r.to_records() == [{"model": "a", "kl": 0.5, "tv": None}, {"model": "b", "kl": 0.25, "tv": 0.1}]
    assert list(r) == r.to_records()
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if pandas were not installed
    with pytest.raises(m.InputError, match="to_records"):
        r.to_pandas()


def test_sweep_returns_a_sized_result(tmp_path):
    spec = {"sweep": {"metrics": ["kl", "expected_steps"]}, "model": [{"family": "ising_chain", "n": 4}],
            "sampler": [{"name": "entropy", "grid": {"steps": [1, 2]}}]}
    r = m.sweep(spec, show_progress=False)
    assert len(r) == 2 == len(r.to_records())
    assert all(set(row) >= {"kl", "expected_steps"} for row in r.to_records())
    assert os.path.basename(TOO_TIGHT) == "too_tight.py"
