"""``evaluate --samples``, ``walk --hmm`` and ``walk-info --hmm`` (issue 11): numbers against the
exact engines, and every bad input as exit 2 with one ``mdmtheory: error:`` line."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mdmtheory as m
from mdmtheory.cli import main

from tests.conftest import run_cli as run


def one_line_error(code, out, err, match):
    assert code == 2, (code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mdmtheory: error: ") and match in lines[0], err
    assert out == "" and "Traceback" not in err


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    f = tmp_path / "t.npy"
    m.Joint(rng.dirichlet(np.full(32, 2.0)).reshape((2,) * 5)).save(f)
    return f


def test_evaluate_samples_json_covers_the_exact_values(table, capsys):
    code, out, _ = run(["evaluate", table, "--sampler", "confidence", "--param", "steps=2", "--samples", 2000, "--seed", 3,
                        "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    exact = m.evaluate(m.load_joint(table), m.make_sampler("confidence", steps=2))
    for k in ("kl", "reverse_kl", "tv"):
        lo, hi = d[f"{k}_interval"]
        half = hi - lo
        assert lo - half <= exact[k] <= hi + half, (k, d[k], exact[k])  # twice the 95% half-width
        assert d[f"{k}_estimator"]
    assert d["mode"] == "estimate" and d["samples"] == 2000 and d["seed"] == 3 and d["unit"] == "nats"
    assert d["kl_estimator"].startswith("stepwise") and d["kl_log_ratio"] is not None
    assert d["expected_calls"] == 2


def test_evaluate_samples_text_and_bits(table, capsys):
    code, out, _ = run(["evaluate", table, "--sampler", "bisection", "--samples", 50, "--base", 2], capsys)
    assert code == 0 and "kl_interval" in out and "bits" in out and "Traceback" not in out


@pytest.mark.parametrize("extra, match", [
    (["--seed", "1"], "--seed goes with --samples"),
    (["--samples", "1"], "--samples"),
    (["--samples", "x"], "--samples"),
    (["--samples", "10", "--seed", "-1"], "--seed"),
])
def test_evaluate_samples_bad_input(table, capsys, extra, match):
    one_line_error(*run(["evaluate", table, "--sampler", "entropy", *extra], capsys), match)


def test_walk_hmm_estimate_and_exact(capsys):
    code, out, _ = run(["walk", "--hmm", "block:2,2,0.8,0.2", "--length", 6, "--sampler", "entropy", "--param",
                        "steps=3", "--samples", 3000, "--seed", 2, "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and d["mode"] == "estimate" and d["h"] == 4 and d["q"] == 4
    exact = m.evaluate(m.block_hmm(2, 2, 6, 0.8, 0.2).joint(), m.make_sampler("entropy", steps=3))
    lo, hi = d["kl_interval"]
    assert lo - (hi - lo) <= exact.kl <= hi + (hi - lo)
    code, out, _ = run(["walk", "--hmm", "block:2,2,0.8,0.2", "--length", 6, "--sampler", "entropy", "--param",
                        "steps=3", "--exact", "--json"], capsys)
    e = json.loads(out)
    assert code == 0 and e["mode"] == "exact" and e["kl"] == pytest.approx(exact.kl, rel=1e-12)


def test_walk_hmm_at_scale_file(tmp_path, capsys):
    f = tmp_path / "b.npz"
    m.block_hmm(4, 2, 10).save(f)
    code, out, _ = run(["walk", "--hmm", f, "--length", 300, "--sampler", "bisection", "--samples", 20, "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and d["length"] == 300 and np.isfinite(d["kl"]) and d["kl_interval"][0] <= d["kl"]
    assert d["expected_calls"] == 9  # ceil(log2(301))


@pytest.mark.parametrize("argv, match", [
    (["walk", "--hmm", "block:2,2", "--graph", "cycle:3", "--length", 5, "--sampler", "entropy"], "not allowed"),
    (["walk", "--length", 5, "--sampler", "entropy"], "--hmm"),
    (["walk", "--hmm", "nope:1", "--length", 5, "--sampler", "entropy"], "unknown HMM"),
    (["walk", "--hmm", "block:2", "--length", 5, "--sampler", "entropy"], "block"),
    (["walk", "--hmm", "missing.npz", "--length", 5, "--sampler", "entropy"], "no such file"),
    (["walk", "--hmm", "block:2,2", "--length", 5, "--sampler", "entropy", "--lazy", "0.5"], "--lazy"),
    (["walk", "--hmm", "block:2,2", "--length", 5, "--sampler", "entropy", "--start", "uniform"], "--start"),
    (["walk", "--hmm", "block:2,2", "--length", 5, "--sampler", "entropy", "--exact", "--seed", 3], "--seed"),
    (["walk", "--hmm", "block:2,2", "--length", 5, "--sampler", "nope"], "unknown sampler"),
    (["walk", "--hmm", "block:2,2", "--length", 0, "--sampler", "entropy"], "--length"),
    (["walk", "--hmm", "block:8,4", "--length", 40, "--sampler", "entropy", "--exact"], "dense"),
    (["walk-info", "--hmm", "block:2,2", "--length", 5, "--weighted"], "--weighted"),
    (["walk-info", "--hmm", "order:2", "--length", 5], "order"),
])
def test_hmm_bad_input(capsys, argv, match):
    one_line_error(*run(argv, capsys), match)


def test_walk_info_hmm_exact_and_estimated(capsys):
    code, out, _ = run(["walk-info", "--hmm", "block:2,2", "--length", 5, "--json"], capsys)
    d = json.loads(out)
    exact = m.information_summary(m.block_hmm(2, 2, 5).joint())
    assert code == 0 and d["mode"] == "exact"
    assert d["total_correlation"] == pytest.approx(exact["total_correlation"], rel=1e-12)
    code, out, _ = run(["walk-info", "--hmm", "block:2,2", "--length", 40, "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and d["mode"] == "estimate" and d["total_correlation_interval"][0] < d["total_correlation"]


def test_evaluate_samples_with_a_model_covers_the_exact_value(tmp_path, capsys):
    """--samples and --model together: the estimate is of the model's sampler against the truth,
    and its interval covers the exact evaluator's KL with the same model (seeded)."""
    import mdmtheory as m

    joint = m.random_joint(6, 2, seed=3)
    path = tmp_path / "j.npy"
    np.save(path, joint.table)
    exact = m.evaluate(joint, m.make_sampler("entropy", steps=3), model=m.model_oracle("smooth=0.2", joint)).kl
    code = main(["evaluate", str(path), "--sampler", "entropy", "--param", "steps=3", "--samples", "4000",
                 "--model", "smooth=0.2", "--json"])
    d = json.loads(capsys.readouterr().out)
    assert code == 0 and d["model"] == "smooth=0.2"
    lo, hi = d["kl_interval"]
    assert lo <= exact <= hi and d["kl"] != pytest.approx(m.evaluate(joint, m.make_sampler("entropy", steps=3)).kl, abs=1e-3)


@pytest.mark.parametrize("flag", [["--model-noise", "0.1"], ["--model-kernel", "k.npy"]])
def test_walk_hmm_refuses_the_walk_model_options(flag, capsys):
    code = main(["walk", "--hmm", "block:2,2", "--length", "6", "--sampler", "entropy", "--samples", "10", *flag])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("mdmtheory: error:") and flag[0] in err[0]
