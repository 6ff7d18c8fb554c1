"""advise / schedule --model on the command line (issue 19): transforms of a table (no torch)."""

import json

import numpy as np
import pytest

import mdmtheory as m
from mdmtheory.cli import main


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli_advise") / "ising5.npy"
    m.ising_chain(5, J=0.8, h=0.1).save(str(path))
    return str(path)


def test_advise_text_lists_every_setting(table, capsys, tmp_path):
    fig = tmp_path / "adv.png"
    assert main(["advise", "--model", "smooth=0.1", "--sampler", "confidence,llada", "--target-kl", "0.5",
                 "--truth", table, "--figure", str(fig)]) == 0
    out = capsys.readouterr().out
    assert "chosen" in out and fig.stat().st_size > 1000
    lines = [ln for ln in out.splitlines() if ln.strip().startswith(("confidence ", "llada "))]
    assert len(lines) == 10  # steps 1..5 for each


def test_advise_without_truth_needs_a_network(table, capsys):
    assert main(["advise", "--model", "smooth=0.1", "--sampler", "confidence", "--target-kl", "0.5"]) == 2
    assert "decoding law" in capsys.readouterr().err


def test_schedule_model_on_a_table_transform(table, capsys):
    assert main(["schedule", table, "--model", "smooth=0", "--steps", "2", "--samples", "400", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    exact = m.information_curve(m.load_joint(table))
    lo, hi = np.array(d["information_curve_interval"]).T
    assert np.mean((lo - 1e-12 <= exact) & (exact <= hi + 1e-12)) >= 0.6
    assert sum(d["schedule"]) == 5 and len(d["schedule"]) == 2
    assert d["consistency_gap_interval"][0] <= 0.0 <= d["consistency_gap_interval"][1]  # smooth=0 is the table: consistent
    assert main(["schedule", "--model", "smooth=0.1", "--steps", "2"]) == 2
    assert "JOINT.npy" in capsys.readouterr().err
