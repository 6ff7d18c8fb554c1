"""``mdmtheory walk`` and ``mdmtheory walk-info``: JSON contract, agreement with the library,
errors as one line and exit code 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mdmtheory as m
from mdmtheory.cli import main
from mdmtheory.markov import random_walk
from mdmtheory.samplers import make_sampler

KEYS = {"kl", "validity", "valid_transition_fraction", "kernel_tv", "expected_steps", "max_steps", "unit"}


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_walk_exact_json(capsys):
    """Exact mode on a small walk: the library's exact numbers, every documented key."""
    r = _json(capsys, ["walk", "--graph", "cycle:5", "--length", "6", "--start", "vertex:0", "--sampler", "confidence",
                       "--param", "steps=3", "--exact", "--json"])
    assert KEYS <= set(r)
    want = m.exact_walk_metrics(random_walk("cycle:5", 6, start="vertex:0"), make_sampler("confidence", steps=3))
    for k in ("kl", "validity", "valid_transition_fraction", "kernel_tv", "expected_steps", "max_steps"):
        assert r[k] == pytest.approx(want[k])
    assert r["unit"] == "nats" and r["mode"] == "exact"
    assert 0 <= r["validity"] <= 1 and r["kl"] > 0


def test_walk_exact_bisection_large(capsys):
    """Bisection at n = 5000: KL 0 in ceil(log2(5001)) = 13 calls, in bits too."""
    r = _json(capsys, ["walk", "--graph", "grid:4x4", "--length", "5000", "--sampler", "bisection", "--exact", "--json",
                       "--base", "2"])
    assert r["kl"] == 0.0 and r["max_steps"] == 13 and r["validity"] == 1.0 and r["unit"] == "bits"


def test_walk_simulation_json(capsys):
    """Simulation mode is seeded and reports the interval and the sample count."""
    argv = ["walk", "--graph", "barbell:4", "--length", "40", "--lazy", "0.2", "--sampler", "eb", "--param", "gamma=0.5",
            "--param", "proxy=margin", "--samples", "300", "--seed", "7", "--json"]
    a = _json(capsys, argv)
    b = _json(capsys, argv)
    assert a == b
    assert KEYS <= set(a) and a["samples"] == 300 and a["seed"] == 7
    # a deterministic rule: KL is an unbiased estimate with its interval (issue 11), no longer null
    assert a["kl_interval"][0] <= a["kl"] <= a["kl_interval"][1]
    assert a["kl"] == a["kl_stepwise"] and a["kl_estimator"].startswith("stepwise")
    lo, hi = a["validity_interval"]
    assert lo <= a["validity"] <= hi
    assert a["params"] == {"gamma": 0.5, "proxy": "margin", "temperature": 1.0, "entropy_of": "untempered"}


def test_walk_table_output(capsys):
    """Without --json: a titled key/value table."""
    assert main(["walk", "--graph", "path:5", "--length", "9", "--sampler", "bisection", "--samples", "50"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("bisection on a walk of length 9 on path:5 (simulation)")
    assert "validity" in out and "kernel_tv" in out


def test_walk_info_matches_table_engine(capsys):
    """walk-info at small n prints what `mdmtheory info` would print for the dense table."""
    r = _json(capsys, ["walk-info", "--graph", "star:4", "--length", "5", "--start", "vertex:1", "--json", "--base", "2"])
    want = m.information_summary(random_walk("star:4", 5, start="vertex:1").joint(), base=2)
    assert np.allclose(r["information_curve"], want["information_curve"], atol=1e-10)
    for k in ("entropy", "total_correlation", "dual_total_correlation"):
        assert r[k] == pytest.approx(want[k], abs=1e-10)
    assert r["unit"] == "bits" and r["n"] == 5 and r["q"] == 4


def test_walk_info_large(capsys):
    """n = 20000: the curve has n points, Z_1 = 0, nondecreasing, TC + DTC = n Z_n."""
    r = _json(capsys, ["walk-info", "--graph", "regular:3,20,seed=1", "--length", "20000", "--json"])
    z = np.array(r["information_curve"])
    assert z.size == 20000 and abs(z[0]) < 1e-12 and np.all(np.diff(z) > -1e-9)
    assert r["total_correlation"] + r["dual_total_correlation"] == pytest.approx(20000 * z[-1], rel=1e-8)


@pytest.mark.parametrize(
    "argv, msg",
    [
        (["walk", "--graph", "moebius:4", "--length", "5", "--sampler", "random"], "unknown graph family"),
        (["walk", "--graph", "cycle:4", "--length", "5", "--sampler", "random", "--start", "vertex:9"], "outside the vertex set"),
        (["walk", "--graph", "cycle:4", "--length", "5", "--sampler", "nope"], "unknown sampler"),
        (["walk", "--graph", "cycle:4", "--length", "5", "--sampler", "random", "--param", "steps"], "KEY=VALUE"),
        (["walk", "--graph", "cycle:4", "--length", "5", "--sampler", "random", "--param", "tau=0.5"], "unknown parameter"),
        (["walk", "--graph", "cycle:4", "--length", "5", "--sampler", "optimal"], "optimal"),
        (["walk", "--graph", "cycle:4", "--length", "5", "--sampler", "random", "--lazy", "1.5"], "lazy"),
        (["walk", "--graph", "cycle:4", "--length", "0", "--sampler", "random"], "positive integer"),
        (["walk", "--graph", "cycle:4", "--length", "5", "--sampler", "random", "--exact", "--samples", "3"], "not allowed"),
        (["walk", "--graph", "cycle:4", "--length", "500", "--sampler", "entropy", "--exact"], "adaptive"),
        (["walk-info", "--graph", "cycle:4", "--length", "5", "--start", "sideways"], "unknown start"),
    ],
)
def test_errors_one_line_exit_2(capsys, argv, msg):
    """Bad input: exit 2, one line on stderr naming the problem, nothing on stdout."""
    assert main(argv) == 2
    cap = capsys.readouterr()
    assert cap.out == ""
    lines = cap.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mdmtheory: error:") and msg in lines[0]


def test_walk_published_samplers(capsys):
    """walk accepts llada / fast_dllm / dream: simulation at any n, exact from the dense law at small n."""
    from mdmtheory.cli import main

    code = main(["walk", "--graph", "cycle:4", "--length", "40", "--sampler", "llada", "--param", "steps=8",
                 "block_length=10", "temperature=1", "--samples", "50", "--json"])
    out, _ = capsys.readouterr()
    d = json.loads(out)
    assert code == 0 and d["mode"] == "simulation" and d["max_steps"] <= 8
    code = main(["walk", "--graph", "cycle:4", "--length", "5", "--sampler", "dream", "--param", "steps=2", "alg=maskgit_plus",
                 "temperature=1", "--exact", "--json"])
    out, _ = capsys.readouterr()
    d = json.loads(out)
    assert code == 0 and d["mode"] == "exact" and d["max_steps"] == 2 and 0 <= d["validity"] <= 1


def test_walk_simulation_refuses_punt(capsys):
    """punt needs conditionals given its anchors, which the walk engine does not compute: walk
    simulation says so in one line (exit 2) and names the alternatives; --exact at small n works."""
    assert main(["walk", "--graph", "cycle:4", "--length", "6", "--sampler", "punt", "--samples", "10"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("mdmtheory: error:") and "punt_pairwise" in err and err.count("\n") == 1
    r = _json(capsys, ["walk", "--graph", "cycle:4", "--length", "5", "--sampler", "punt", "--exact", "--json"])
    want = m.exact_walk_metrics(random_walk("cycle:4", 5), make_sampler("punt"))
    assert r["kl"] == pytest.approx(want["kl"]) and r["max_steps"] == want["max_steps"]
