"""The evaluate / frontier commands: JSON contract, numbers from closed forms, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from math import log

import pytest

import mdmtheory as m
from mdmtheory.registry import ORIGIN_KINDS, Origin
from tests.conftest import run_cli as run


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
    assert code == 0 and d["unit"] == "bits" and d["params"] == {"gamma": 0.8, "proxy": "entropy", "temperature": 1.0, "entropy_of": "untempered"}
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


def test_evaluate_published_samplers_json(copy_file, capsys):
    """The issue's command: llada with steps, blocks and temperature prints the usual keys (no
    chain-rule keys: the selection reads the drawn candidates); fast_dllm and dream too."""
    base = {"sampler", "params", "unit", "kl", "reverse_kl", "tv", "expected_steps", "max_steps", "steps_distribution",
            "states_visited"}
    for argv in (["--sampler", "llada", "--param", "steps=4", "block_length=2", "temperature=1"],
                 ["--sampler", "fast_dllm", "--param", "factor=1.5", "temperature=0.5"],
                 ["--sampler", "dream", "--param", "steps=3", "alg=entropy", "temperature=1", "top_p=0.9", "alg_temp=none"]):
        code, out, _ = run(["evaluate", copy_file, *argv, "--json"], capsys)
        assert code == 0
        d = json.loads(out)
        assert set(d) == base, argv
        assert sum(r["probability"] for r in d["steps_distribution"]) == pytest.approx(1.0)
    code, out, _ = run(["evaluate", copy_file, "--sampler", "llada", "--param", "steps=4", "block_length=2", "temperature=1",
                        "--json"], capsys)
    d = json.loads(out)
    assert d["params"] == {"steps": 4, "block_length": 2, "temperature": 1.0, "remasking": "low_confidence",
                           "confidence_noise": False}
    assert d["max_steps"] == 4 and d["expected_steps"] == 4.0


@pytest.mark.parametrize(
    "argv,msg",
    [
        (["--sampler", "llada", "--param", "steps=2.5"], "llada parameter steps takes an integer"),
        (["--sampler", "llada", "--param", "block_length=3"], "block_length=3 must divide n=4"),
        (["--sampler", "llada", "--param", "steps=3", "block_length=2"], "multiple of the 2 blocks"),
        (["--sampler", "dream", "--param", "alg=greedy"], "alg must be one of origin"),
        (["--sampler", "fast_dllm", "--param", "threshold=0.5", "factor=1"], "not both"),
    ],
)
def test_evaluate_published_samplers_bad_input(copy_file, capsys, argv, msg):
    """Bad parameters of the new samplers: exit 2 and one line naming the problem."""
    code, out, err = run(["evaluate", copy_file, *argv], capsys)
    assert code == 2 and out == ""
    assert err.startswith("mdmtheory: error:") and msg in err and err.count("\n") == 1


def test_samplers_command_lists_every_sampler(capsys):
    """mdmtheory samplers --json: every registered rule with typed parameters, defaults, units and
    the source it follows; the table form names them too."""
    code, out, _ = run(["samplers", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert [s["name"] for s in d["samplers"]] == list(m.SAMPLER_NAMES)
    by = {s["name"]: s for s in d["samplers"]}
    assert "get_num_transfer_tokens" in by["llada"]["source"] and "get_transfer_index" in by["fast_dllm"]["source"]
    assert "sample_tokens" in by["dream"]["source"]
    llada = {p["name"]: p for p in by["llada"]["params"]}
    assert llada["steps"]["default"] == 2 and llada["steps"]["type"] == "int" and llada["remasking"]["choices"] == [
        "low_confidence", "random"]
    assert by["dream"]["random_selection"] and by["llada"]["candidates"] and not by["eb"]["candidates"]
    code, out, _ = run(["samplers"], capsys)
    assert code == 0 and all(name in out for name in m.SAMPLER_NAMES)


def test_samplers_name_their_origin_and_departure(capsys):
    """Every built-in rule names what it follows (code at a 40-hex commit, or why no commit; the
    paper; the toolkit) and one line on where it departs from the paper, in --json (keys ``origin``
    and ``departs``, ``source`` still a string) and in the table."""
    code, out, _ = run(["samplers", "--json"], capsys)
    by = {s["name"]: s for s in json.loads(out)["samplers"]}
    assert code == 0 and set(by) == set(m.SAMPLER_NAMES)
    for name, s in by.items():
        o = s["origin"]
        assert isinstance(s["source"], str) and s["departs"] and o["follows"] in ORIGIN_KINDS, name
        if o["follows"] in ("code", "third-party code"):
            assert o["repository"] and o["path"] and o["functions"], name
            assert len(o["commit"]) == 40 or o["note"], name
    assert by["llada"]["origin"]["repository"] == "ML-GSAI/LLaDA" and by["llada"]["origin"]["commit"].startswith("41760b91")
    assert by["fast_dllm"]["origin"]["path"] == "llada/generate.py" and "get_transfer_index_dynamic" in by["fast_dllm"]["origin"]["functions"]
    assert by["frechet_profile"]["origin"]["commit"].startswith("518b90f4") and by["eb"]["origin"]["follows"] == "paper"
    code, out, _ = run(["samplers"], capsys)
    assert "follows code: ML-GSAI/LLaDA, generate.py: generate, get_num_transfer_tokens" in out and "@ 41760b91240e" in out
    assert out.count("departs from the paper:") == len(m.SAMPLER_NAMES)
    with pytest.raises(m.InputError, match="commit"):
        Origin("code", repository="r", path="p", functions=("f",))
    with pytest.raises(m.InputError, match="40-hex"):
        Origin("code", repository="r", path="p", functions=("f",), commit="abc")
    with pytest.raises(m.InputError, match="follows"):
        Origin("hearsay")


def test_frontier_includes_published_samplers(copy_file, capsys):
    """frontier sweeps llada's steps and fast_dllm's threshold (temperature 1)."""
    code, out, _ = run(["frontier", copy_file, "--samplers", "llada,fast_dllm", "--json"], capsys)
    d = json.loads(out)
    assert code == 0
    assert [p["value"] for p in d["points"] if p["sampler"] == "llada"] == [1, 2, 3, 4]
    llada4 = [p for p in d["points"] if p["sampler"] == "llada" and p["value"] == 4][0]
    assert llada4["max_steps"] == 4


def test_evaluate_punt_json_and_bad_input(copy_file, capsys):
    """The published punt from the command line: on copy(4, 2) only the top candidate survives the
    first step's 2 anchor/test rounds (3 calls), the other three go together after 1 + 2 calls:
    KL 0 in exactly 6 calls.  A negative eps or the pairwise rule's parameter: exit 2, one line."""
    for rounds in ("shrinking", "independent"):  # copy: every round runs and drops alike under both readings
        argv = ["--param", "eps=0.1"] + ([] if rounds == "shrinking" else ["--param", f"rounds={rounds}"])
        code, out, _ = run(["evaluate", copy_file, "--sampler", "punt", *argv, "--json"], capsys)
        assert code == 0
        d = json.loads(out)
        assert d["params"] == {"eps": 0.1, "rounds": rounds} and d["kl"] == pytest.approx(0.0, abs=1e-12)
        assert d["steps_distribution"] == [{"steps": 6, "probability": pytest.approx(1.0)}]
    for argv, msg in ((["--param", "eps=-1"], "eps must be >= 0"), (["--param", "delta=0.1"], "valid parameters: eps"),
                      (["--param", "rounds=batched"], "rounds must be one of shrinking, independent")):
        code, out, err = run(["evaluate", copy_file, "--sampler", "punt", *argv], capsys)
        assert code == 2 and out == "" and err.startswith("mdmtheory: error:") and msg in err and err.count("\n") == 1
