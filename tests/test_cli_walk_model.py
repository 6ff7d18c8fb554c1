"""``walk --model-noise`` / ``--model-kernel`` (issue 11): a misspecified model measured against
the true walk; every bad input is exit 2 with one ``mdmtheory: error:`` line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import run_cli as _run
from mdmtheory.markov import random_walk
from mdmtheory.walks import smoothed_chain

BASE = ["walk", "--graph", "cycle:6", "--length", "24", "--sampler", "confidence", "--param", "steps=6", "--samples",
        "200", "--seed", "3", "--json"]




def _one_line_error(code, out, err, match):
    assert code == 2, (code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mdmtheory: error: "), err
    assert match in lines[0], lines[0]
    assert "Traceback" not in err and out == ""


def test_model_noise_and_the_same_kernel_from_a_file_agree(capsys, tmp_path):
    """--model-noise EPS and --model-kernel with the smoothed kernel saved to a file give the same
    numbers (the start is the walk's in the file form, uniform-mixed in the noise form: a
    stationary start on a cycle is uniform, so both are the same chain)."""
    code, out, _ = _run(BASE + ["--model-noise", "0.2"], capsys)
    assert code == 0
    a = json.loads(out)
    f = tmp_path / "k.npy"
    np.save(f, smoothed_chain(random_walk("cycle:6", 24), 0.2).P)
    code, out, _ = _run(BASE + ["--model-kernel", f], capsys)
    assert code == 0
    b = json.loads(out)
    assert a["model"] == {"noise": 0.2} and b["model"] == {"kernel": str(f)}
    for k in ("kl_stepwise", "kl_log_ratio", "tv", "validity"):
        assert a[k] == pytest.approx(b[k], rel=1e-9, abs=1e-12)
    assert a["reverse_kl"] == "inf" and 0 < a["kl"] and a["validity"] < 1  # strict JSON infinity


def test_model_noise_zero_is_the_truth(capsys):
    code, out, _ = _run(BASE + ["--model-noise", "0"], capsys)
    a = json.loads(out)
    code2, out2, _ = _run(BASE, capsys)
    b = json.loads(out2)
    assert code == code2 == 0 and a["kl"] == b["kl"] and a["tv"] == b["tv"] and "model" not in b


@pytest.mark.parametrize("extra, match", [
    (["--model-noise", "1.5"], "--model-noise"),
    (["--model-noise", "nan"], "--model-noise"),
    (["--model-kernel", "/nonexistent/k.npy"], "no such file"),
    (["--model-noise", "0.1", "--model-kernel", "x.npy"], "not allowed with"),
])
def test_model_bad_input(capsys, extra, match):
    _one_line_error(*_run(BASE + extra, capsys), match)


def test_model_with_exact_is_refused(capsys):
    argv = ["walk", "--graph", "cycle:6", "--length", "6", "--sampler", "bisection", "--exact", "--model-noise", "0.1"]
    _one_line_error(*_run(argv, capsys), "drop --exact")


@pytest.mark.parametrize("content, match", [
    (np.ones((5, 5)) / 5, "6x6"),
    (np.full((6, 6), 0.5), "stochastic"),
    (np.array(["a"] * 36).reshape(6, 6), "numeric"),
    (None, "not a readable .npy"),
])
def test_model_kernel_file_errors(capsys, tmp_path, content, match):
    f = tmp_path / "k.npy"
    if content is None:
        f.write_text("not numpy")
    else:
        np.save(f, content)
    _one_line_error(*_run(BASE + ["--model-kernel", f], capsys), match)


def test_model_missing_an_edge_gives_an_infinite_kl_in_strict_json(capsys, tmp_path):
    """A model kernel without the edge 0 -> 1 of the 6-cycle cannot produce walks that use it: a
    chain sample using it proves KL(mu || nu) = inf, printed as the string "inf" (strict JSON)
    by both estimators."""
    truth = random_walk("cycle:6", 24)
    P = truth.P.copy()
    P[0, 1], P[0, 5] = 0.0, 1.0
    f = tmp_path / "k.npy"
    np.save(f, P)
    code, out, _ = _run(BASE + ["--model-kernel", f], capsys)
    assert code == 0
    assert "Infinity" not in out and "NaN" not in out
    a = json.loads(out)
    assert a["kl"] == a["kl_stepwise"] == a["kl_log_ratio"] == "inf"
    assert a["kl_interval"] == ["inf", "inf"]
    assert a["kl_stepwise_interval"] == a["kl_log_ratio_interval"] == ["inf", "inf"] and a["kl_stderr"] == 0.0
    assert 0 < a["tv"] <= 1
