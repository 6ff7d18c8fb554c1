"""``mdmtheory evaluate TABLE --sampler S --model SPEC``: the model is named in the output, the
numbers are the closed forms, bad specs exit 2 with one line (issue 11)."""

from __future__ import annotations

import json
from math import log

import pytest

import mdmtheory as m
from tests.conftest import run_cli as run


@pytest.fixture
def copy_file(tmp_path):
    f = tmp_path / "copy.npy"
    m.copy(2, 3).save(f)
    return str(f)


def test_model_json_closed_form(copy_file, capsys):
    """The product of marginals one position at a time on copy(2, 3): KL = log 3, all of it
    marginal error; the JSON names the model."""
    code, out, _ = run(["evaluate", copy_file, "--sampler", "left_to_right", "--param", "steps=2", "--model", "marginals",
                        "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and d["model"] == "marginals"
    assert d["kl"] == pytest.approx(log(3)) and d["marginal_error"] == pytest.approx(log(3))
    assert d["dependence_error"] == pytest.approx(0.0, abs=1e-15)
    assert d["reverse_kl"] == "inf"


def test_model_text_output_and_bits(copy_file, capsys):
    a = 0.3
    code, out, _ = run(["evaluate", copy_file, "--sampler", "left_to_right", "--param", "steps=2", "--model", f"smooth={a}",
                        "--base", "2"], capsys)
    assert code == 0 and "with the model smooth=0.3 (bits)" in out.splitlines()[0]
    kl = float(next(line.split()[1] for line in out.splitlines() if line.split()[:1] == ["kl"]))
    assert kl == pytest.approx(-log(1 - a * 2 / 3, 2), rel=1e-9)  # x1 given x0: (1 - a) + a/3 on the copy


def test_model_python_file(copy_file, tmp_path, capsys):
    f = tmp_path / "mymodel.py"
    f.write_text("import numpy as np\ndef uniform(mask, values):\n    return np.full((2, 3), 1 / 3)\n")
    code, out, _ = run(["evaluate", copy_file, "--sampler", "bisection", "--model", f"python:{f}:uniform", "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and d["model"] == "python:uniform"
    assert d["kl"] == pytest.approx(log(3))  # nu uniform on 9 cells, mu uniform on 3
    f.write_text("def bad(mask, values):\n    return [[1.0, 0.0, 0.0], [0.5, 0.0, 0.0]]\n")
    code, out, err = run(["evaluate", copy_file, "--sampler", "bisection", "--model", f"python:{f}:bad"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "sums to 0.5" in err


@pytest.mark.parametrize(
    "spec,msg",
    [
        ("sharpen=2", "valid: temperature=T, smooth=A, top_k=K, top_p=P, marginals, python:FILE.py:NAME"),
        ("temperature=-1", "temperature must be"),
        ("smooth=2", "smoothing weight alpha"),
        ("top_k=0", "top_k"),
        ("top_p=1.5", "top_p"),
        ("top_k=x", "takes an integer"),
        ("python:nofile.py:f", "no such Python file"),
        ("python:f", "write python:FILE.py:NAME"),
    ],
)
def test_bad_model_specs(copy_file, capsys, spec, msg):
    code, out, err = run(["evaluate", copy_file, "--sampler", "entropy", "--model", spec], capsys)
    assert code == 2 and out == ""
    assert err.startswith("mdmtheory: error: ") and err.count("\n") == 1 and msg in err


def test_refused_sampler_with_model(copy_file, capsys):
    code, out, err = run(["evaluate", copy_file, "--sampler", "punt", "--model", "smooth=0.1"], capsys)
    assert code == 2 and out == "" and "does not support punt" in err
