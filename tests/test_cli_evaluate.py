"""The evaluate / frontier commands: JSON contract, numbers from closed forms, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from math import log

import pytest

import mdmtheory as m
from mdmtheory.cli import main


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def copy_file(tmp_path):
    f = tmp_path / "copy.npy"
    m.copy(4, 2).save(f)
    return str(f)


def test_evaluate_json_contract(copy_file, capsys):
    """The documented keys; confidence with first step 2 on the copy law loses log 2."""
    code, out, _ = run(["evaluate", copy_file, "--sampler", "confidence", "--param", "schedule=2,1,1", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert {"sampler", "params", "unit", "kl", "reverse_kl", "tv", "expected_steps", "max_steps"} <= set(d)
    assert d["sampler"] == "confidence" and d["params"] == {"schedule": [2, 1, 1]} and d["unit"] == "nats"
    assert d["kl"] == pytest.approx(log(2)) and d["max_steps"] == 3
    assert d["reverse_kl"] == "inf"  # nu puts mass on disagreeing pairs: strict JSON string
    assert "law" not in d


def test_evaluate_bits_and_defaults(copy_file, capsys):
    """--base 2 gives bits; parameters default when not given."""
    code, out, _ = run(["evaluate", copy_file, "--sampler", "eb", "--param", "gamma=0.8", "--base", "2", "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and d["unit"] == "bits" and d["params"] == {"gamma": 0.8, "proxy": "entropy"}
    assert d["kl"] == pytest.approx(1.0)  # gamma >= log 2 nats: the first two bits together
    code, out, _ = run(["evaluate", copy_file, "--sampler", "optimal", "--param", "k=2", "--json"], capsys)
    d = json.loads(out)
    assert d["kl"] == pytest.approx(0.0, abs=1e-12) and d["max_steps"] <= 2


def test_evaluate_table_output(copy_file, capsys):
    code, out, _ = run(["evaluate", copy_file, "--sampler", "bisection"], capsys)
    assert code == 0 and "expected_steps" in out and "nats" in out


@pytest.mark.parametrize(
    "argv,msg",
    [
        (["--sampler", "greedy"], "valid samplers: random, left_to_right"),
        (["--sampler", "eb", "--param", "tau=0.5"], "valid parameters: gamma, proxy"),
        (["--sampler", "eb", "--param", "gamma"], "KEY=VALUE"),
        (["--sampler", "threshold", "--param", "tau=2"], "tau must be a probability"),
        (["--sampler", "confidence", "--param", "schedule=2,1"], "sums to"),
    ],
)
def test_evaluate_bad_input_exit_2(copy_file, capsys, argv, msg):
    """Unknown sampler or parameter, bad values: exit 2, one line naming the valid choices."""
    code, out, err = run(["evaluate", copy_file, *argv], capsys)
    assert code == 2 and out == ""
    assert err.startswith("mdmtheory: error:") and msg in err and err.count("\n") == 1


def test_frontier_json(copy_file, capsys):
    """frontier: points for every requested sampler; optimal(1) = TC = 3 log 2 on copy(4)."""
    code, out, _ = run(["frontier", copy_file, "--samplers", "eb,confidence,optimal", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert d["unit"] == "nats"
    names = {p["sampler"] for p in d["points"]}
    assert names == {"eb", "confidence", "optimal"}
    opt = {p["value"]: p["kl"] for p in d["points"] if p["sampler"] == "optimal"}
    assert opt[1] == pytest.approx(3 * log(2)) and opt[2] == pytest.approx(0.0, abs=1e-12)
    for p in d["points"]:
        assert {"sampler", "param", "value", "expected_steps", "max_steps", "kl"} <= set(p)


def test_frontier_unknown_sampler_exit_2(copy_file, capsys):
    code, _, err = run(["frontier", copy_file, "--samplers", "eb,nope"], capsys)
    assert code == 2 and "valid samplers" in err


def test_console_script_subprocess(copy_file):
    """The installed entry point runs the command (no traceback on bad input)."""
    p = subprocess.run([sys.executable, "-m", "mdmtheory", "evaluate", copy_file, "--sampler", "x"], capture_output=True, text=True)
    assert p.returncode == 2 and "Traceback" not in p.stderr and "valid samplers" in p.stderr
