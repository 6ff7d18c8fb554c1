"""Fuzz suite over the public API (issue 21): row transforms, model oracles (``CallableOracle``
through ``evaluate`` and the estimators), ``HMM`` construction and archives, ``Joint`` at the
tolerance, the writers.  A bad input raises InputError (never another exception, never a
warning); a valid one gives a result checked against its definition here."""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory._numeric import sum_tolerance
from mdmtheory.errors import InputError
from mdmtheory.models import ROW_TRANSFORMS

from .fuzz_support import FUZZ, api_outcome

pytestmark = pytest.mark.fuzz

DIR = Path(tempfile.mkdtemp(prefix="mdm-fuzz-api-"))
atexit.register(shutil.rmtree, DIR, True)  # the folder goes with the test process

EXTREME = st.sampled_from([0.0, -0.0, 5e-324, 1e-320, 1e-300, 1e-13, 1e-12, 0.3, 0.5, 1.0, 1.5, 2.0, 1e9, 1e308,
                           float("inf"), float("nan"), -1.0, -1e-300])


def _rows_ok(out, P, q):
    """Transformed rows: real, finite, non-negative, 0 past q_i, each a distribution (never zero)."""
    out = np.asarray(out)
    assert out.dtype == np.float64 and out.shape == P.shape
    assert np.all(np.isfinite(out)) and np.all(out >= 0)
    for i, qi in enumerate(q):
        assert np.all(out[..., i, qi:] == 0)
    assert np.allclose(out.sum(axis=-1), 1.0, atol=1e-12)


@st.composite
def row_stacks(draw):
    n = draw(st.integers(1, 3))
    q = [draw(st.integers(1, 4)) for _ in range(n)]
    qmax = max(q)
    rng = np.random.default_rng(draw(st.integers(0, 10**6)))
    P = np.zeros((n, qmax))
    for i, qi in enumerate(q):
        w = rng.gamma(draw(st.sampled_from([0.05, 1.0])), size=qi)
        if draw(st.booleans()):
            w[rng.random(qi) < 0.5] = 0.0
        if w.sum() == 0:
            w[0] = 1.0
        if draw(st.booleans()):  # exact ties
            w[:] = np.round(w * 2) / 2 + 0.5
        P[i, :qi] = w / w.sum()
    return P, q


@FUZZ
@given(rows=row_stacks(), kind=st.sampled_from(["temperature", "smooth", "top_k", "top_p"]), value=EXTREME)
def test_fuzz_row_transforms(rows, kind, value):
    P, q = rows
    fn = ROW_TRANSFORMS[kind]
    arg = value if kind != "top_k" or not np.isfinite(value) else max(1, int(min(value, 10**9)))
    status, out = api_outcome(fn, P, q, arg)
    if status == "ok":
        _rows_ok(out, P, q)


@pytest.mark.parametrize("p", [1e-13, 1e-300, 5e-324])
def test_top_p_tiny_keeps_the_most_likely_values(p):
    """A nucleus of tiny mass is the most likely value (ties kept), never an empty row."""
    assert m.top_p_rows([[0.5, 0.5]], [2], p).tolist() == [[0.5, 0.5]]
    assert m.top_p_rows([[0.2, 0.7, 0.1]], [3], p).tolist() == [[0.0, 1.0, 0.0]]


@pytest.mark.parametrize("T", [1e-320, 5e-324, 1e-301])
def test_tiny_temperature_refused_with_the_range(T):
    with pytest.raises(InputError, match="1e-300"):
        m.temperature_rows([[0.5, 0.5]], [2], T)


@pytest.mark.parametrize("P", [[[0.5 + 0j, 0.5]], np.array([[0.5, 0.5]], dtype=object), [["a", "b"]]])
def test_transforms_refuse_non_real_rows(P):
    assert api_outcome(m.smooth_rows, P, [2], 0.1)[0] == "error"


# ----------------------------------------------------------------------------- model oracles
RETURNS = {
    "ok": lambda n, q: np.full((n, q), 1.0 / q),
    "complex": lambda n, q: np.full((n, q), 1.0 / q) + 0j,
    "complex_zero_imag": lambda n, q: np.full((n, q), 1.0 / q).astype(complex),
    "object": lambda n, q: np.full((n, q), 1.0 / q).astype(object),
    "longdouble": lambda n, q: np.full((n, q), 1.0 / q, dtype=np.longdouble),
    "float32": lambda n, q: np.full((n, q), 1.0 / q, dtype=np.float32),
    "strings": lambda n, q: np.full((n, q), "0.5"),
    "list": lambda n, q: [[1.0 / q] * q for _ in range(n)],
    "ragged": lambda n, q: [[1.0 / q] * q for _ in range(n - 1)] + [[1.0]],
    "negative": lambda n, q: np.full((n, q), -1.0 / q),
    "nan": lambda n, q: np.full((n, q), np.nan),
    "sum_off": lambda n, q: np.full((n, q), 1.0 / q) * (1 + 1e-6),
    "sum_within": lambda n, q: np.full((n, q), 1.0 / q) * (1 + 1e-10),
    "none": lambda n, q: None,
    "scalar": lambda n, q: 0.5,
    "huge": lambda n, q: np.full((n, q), 1e308),
}
BEHAVIOURS = ["return", "exit0", "exit3", "raise", "print"]


def _model(kind, behaviour, q):
    def fn(mask, values):
        if behaviour == "exit0":
            raise SystemExit(0)
        if behaviour == "exit3":
            raise SystemExit(3)
        if behaviour == "raise":
            raise ZeroDivisionError("in the model")
        if behaviour == "print":
            print("from the model")
        return RETURNS[kind](len(mask), q)
    fn.__name__ = f"fuzzmodel_{kind}"
    return fn


@FUZZ
@given(kind=st.sampled_from(sorted(RETURNS)), behaviour=st.sampled_from(BEHAVIOURS),
       use=st.sampled_from(["call", "evaluate", "estimate"]), seed=st.integers(0, 50))
def test_fuzz_callable_oracles(kind, behaviour, use, seed):
    joint = m.random_joint(3, 2, seed=seed)
    fn = _model(kind, behaviour, 2)
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        status, out = _use(use, fn, joint, seed)
    assert "from the model" not in stdout.getvalue()  # the model's print never reaches standard output
    valid = behaviour in ("return", "print") and kind in ("ok", "float32", "list", "sum_within")
    assert status == ("ok" if valid else "error"), (kind, behaviour, use, out)
    if status == "error":
        assert "fuzzmodel_" in out  # the message names the model
    elif use == "call":
        assert np.allclose(out, 0.5)


def _use(use, fn, joint, seed):
    if use == "call":
        oracle = m.CallableOracle(fn, (2, 2, 2))
        status, out = api_outcome(oracle.conditional_marginals, np.zeros(3, bool), np.full(3, -1))
    elif use == "evaluate":
        status, out = api_outcome(m.evaluate, joint, m.make_sampler("confidence", steps=2), model=fn)
    else:
        status, out = api_outcome(m.estimate_sampler_divergences, joint, "confidence", 8, seed,
                                  model=m.CallableOracle(fn, (2, 2, 2)))
    return status, out


def test_callable_oracle_time_limit():
    import time

    def slow(mask, values):
        time.sleep(30)

    oracle = m.CallableOracle(slow, (2, 2), timeout=0.2)
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="more than 0.2 s"):
        oracle.conditional_marginals(np.zeros(2, bool), np.full(2, -1))
    assert time.perf_counter() - t0 < 5
    with pytest.raises(InputError, match="time limit"):
        m.CallableOracle(slow, (2, 2), timeout=-1)


# ----------------------------------------------------------------------------- HMM construction
ARRAY_KINDS = st.sampled_from(["ok", "complex", "object", "float32", "float16", "longdouble", "huge_longdouble", "nan",
                               "negative", "ragged", "string", "unnormalised", "within", "int", "empty", "3d"])


def _array(kind, rows, cols, rng):
    A = rng.dirichlet(np.ones(cols), size=rows) if rows else rng.dirichlet(np.ones(cols))
    with np.errstate(all="ignore"):
        return {"ok": A, "complex": A + 1j * 0.0, "object": A.astype(object), "float32": A.astype(np.float32),
                "float16": A.astype(np.float16), "longdouble": A.astype(np.longdouble),
                "huge_longdouble": np.full(A.shape, np.longdouble(10) ** 4000),
                "nan": np.where(A > -1, np.nan, A), "negative": -A, "ragged": [[0.5, 0.5], [1.0]], "string": A.astype(str),
                "unnormalised": A * 1.1, "within": A * (1 + 5e-10), "int": np.eye(cols, dtype=np.int64)[: max(rows, 1)]
                if rows else np.eye(1, cols, dtype=np.int64)[0], "empty": np.zeros((0, cols)), "3d": A[None]}[kind]


@FUZZ
@given(tk=ARRAY_KINDS, ek=ARRAY_KINDS, sk=st.sampled_from(["ok", "uniform", "stationary", "complex", "bogus", "float32"]),
       n=st.sampled_from([1, 5, 0, -1, 2**48, 2**48 + 1, 10**30, 2.5, float("nan"), True]), seed=st.integers(0, 99))
def test_fuzz_hmm_construction(tk, ek, sk, n, seed):
    rng = np.random.default_rng(seed)
    h, q = 3, 2
    T, E = _array(tk, h, h, rng), _array(ek, h, q, rng)
    S = {"ok": rng.dirichlet(np.ones(h)), "uniform": "uniform", "stationary": "stationary", "complex": np.ones(h) / h + 0j,
         "bogus": "bogus", "float32": (np.ones(h) / h).astype(np.float32)}[sk]
    status, out = api_outcome(m.HMM, T, E, S, n)
    good = {"ok", "float32", "float16", "longdouble", "within"}
    valid = (tk in good | {"int"} and ek in good | {"int"} and sk in ("ok", "uniform", "stationary", "float32")
             and isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 2**48)
    if tk == "int" or ek == "int":  # identity rows: valid only when square enough
        valid = valid and status == "ok"
    assert status == ("ok" if valid else "error"), (tk, ek, sk, n, out)
    if status == "ok":
        for A in (out.transition, out.emission, out.start):
            assert A.dtype == np.float64 and np.allclose(A.sum(axis=-1), 1.0, atol=1e-15)


def test_hmm_huge_length_refused_before_work():
    with pytest.raises(InputError, match="between 1 and"):
        m.HMM(np.eye(2), np.eye(2), "uniform", 10**30)


def test_hmm_float32_arrays_accepted_and_normalised_in_float64():
    hm = m.block_hmm(2, 2, 5)
    T32, E32 = hm.transition.astype(np.float32), hm.emission.astype(np.float32)
    h32 = m.HMM(T32, E32, hm.start.astype(np.float32), 5)
    assert h32.transition.dtype == np.float64
    assert np.array_equal(h32.transition, T32.astype(np.float64) / T32.astype(np.float64).sum(axis=1, keepdims=True))


# ----------------------------------------------------------------------------- HMM archives (API)
@FUZZ
@given(names=st.lists(st.sampled_from(["transition.npy", "emission.npy", "start.npy", "x.npy", "readme", "a/b.npy",
                                       "transition"]), min_size=0, max_size=4, unique=True),
       body=st.sampled_from(["array", "garbage", "header_only", "object"]), max_memory=st.sampled_from([None, 1e3, 1e9]))
def test_fuzz_hmm_archive_members(names, body, max_memory):
    path = DIR / "a.npz"
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            buf = io.BytesIO()
            if body == "garbage":
                buf.write(b"\x93NUMPY garbage")
            elif body == "header_only":
                np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)})
            elif body == "object":
                np.lib.format.write_array(buf, np.array([None, 1], dtype=object), allow_pickle=True)
            else:
                np.lib.format.write_array(buf, np.full((2, 2), 0.5) if name != "start.npy" else np.full(2, 0.5))
            zf.writestr(name, buf.getvalue())
    status, out = api_outcome(m.load_hmm, path, 4, max_memory)
    valid = sorted(names) == ["emission.npy", "start.npy", "transition.npy"] and body == "array" and max_memory != 1e3
    assert status == ("ok" if valid else "error"), (names, body, out)
    if body == "object" and status == "error":
        assert "pickle" not in out.lower() or "not numeric" in out


# ----------------------------------------------------------------------------- tables at the tolerance
@FUZZ
@given(dev=st.floats(-3e-9, 3e-9), seed=st.integers(0, 10**4), dtype=st.sampled_from(["float64", "float32"]))
def test_fuzz_joint_tolerance_and_the_engines(dev, seed, dtype):
    t = (m.random_joint(3, 2, seed=seed).table * (1 + dev)).astype(dtype)
    tol = sum_tolerance(t.dtype, t.size)
    status, J = api_outcome(m.Joint, t)
    total = float(t.astype(np.float64).sum())
    if abs(abs(total - 1) - tol) > 1e-11:
        assert status == ("ok" if abs(total - 1) <= tol else "error"), (total, J)
    if status == "ok":
        assert abs(J.table.sum() - 1.0) < 1e-14
        for f in (m.total_correlation, m.dual_total_correlation, m.information_summary,
                  lambda j: m.expected_kl(j, [2, 1]), lambda j: m.mixture_kl(j, [1, 2]),
                  lambda j: m.evaluate(j, m.make_sampler("confidence", steps=2))):
            assert api_outcome(f, J)[0] == "ok"


def test_subset_entropies_refuses_its_memory_limit_again():
    with pytest.raises(InputError, match="would need"):
        m.subset_entropies(m.parity(3), max_memory=1)


# ----------------------------------------------------------------------------- writers
@FUZZ
@given(which=st.sampled_from(["hmm", "joint"]), name=st.sampled_from(["out", "out.npz", "out.npy", "x.bin"]),
       planted=st.sampled_from(["symlink", "dangling", "dir", "none"]))
def test_fuzz_writers_refuse_planted_paths(which, name, planted):
    folder = Path(tempfile.mkdtemp(dir=DIR))
    victim = folder / "victim"
    victim.write_bytes(b"keep")
    suffix = ".npz" if which == "hmm" else ".npy"
    target = folder / (name if name.endswith(suffix) else name + suffix)
    if planted == "symlink":
        os.symlink(victim, target)
    elif planted == "dangling":
        os.symlink(folder / "nowhere", target)
    elif planted == "dir":
        target.mkdir()
    obj = m.block_hmm(2, 2, 5) if which == "hmm" else m.parity(3)
    status, _ = api_outcome(obj.save, folder / name)
    assert status == ("ok" if planted == "none" else "error")
    assert victim.read_bytes() == b"keep" and not (folder / "nowhere").exists()
    assert not [p for p in os.listdir(folder) if p.endswith(".tmp")]


# ----------------------------------------------------------------------------- spec strings (API)
SPEC_TEXT = st.text(alphabet="order:blocknisy,.0123456789-e+=x ", max_size=16)


@FUZZ
@given(spec=st.one_of(SPEC_TEXT, st.sampled_from(["order:1,1", "order:2,1,-1", "order:1,99", "block:0,2", "block:2,0",
                                                  "noisy:2:cycle:4", "noisy:0.1:", "order:2,3,7,1e308", "block:1e3,2"])),
       n=st.sampled_from([1, 4, 0, 10**30]))
def test_fuzz_parse_hmm_specs(spec, n):
    status, out = api_outcome(m.parse_hmm, spec, n)
    if status == "ok":
        assert isinstance(out, m.HMM) and out.n == n


@FUZZ
@given(spec=st.one_of(st.text(alphabet="temprausmohk_=0123456789.e-+:", max_size=18),
                      st.sampled_from(["top_p=1e-300", "temperature=1e-320", "top_k=0", "smooth=nan", "marginals"])))
def test_fuzz_model_oracle_specs(spec):
    joint = m.random_joint(2, 2, seed=0)
    status, model = api_outcome(m.model_oracle, spec, joint)
    if status == "ok":
        status, rows = api_outcome(model.conditional_marginals, np.zeros(2, bool), np.full(2, -1))
        assert status == "ok"
        _rows_ok(rows, rows, (2, 2))
