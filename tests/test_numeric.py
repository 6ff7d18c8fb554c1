"""The shared numerical conventions (issue 9): the rounding-noise clamp, integer / real / seed
checks, the one base rule, float32 tables, Wilson intervals containing their estimate."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory import InputError
from mdmtheory._numeric import NONNEG_TOL, SUM_TOL, check_int, check_real, clamp_nonneg, sum_tolerance


# -- clamp_nonneg ------------------------------------------------------------------------------


@given(st.floats(0.0, 1.0), st.floats(1.0, 1e6))
def test_clamp_keeps_nonnegative_and_zeroes_noise(frac, scale):
    """Values >= 0 pass unchanged; -tol*scale <= x < 0 becomes exactly +0.0; below that raises."""
    limit = NONNEG_TOL * scale
    assert clamp_nonneg(frac, "x", scale) == frac
    got = clamp_nonneg(-frac * limit, "x", scale)
    assert got == 0.0 and not math.copysign(1.0, got) < 0
    with pytest.raises(InputError, match="beyond the rounding tolerance"):
        clamp_nonneg(-limit * (1.0 + 1e-6) - 1e-300, "x", scale)


def test_clamp_arrays_nan_and_inf():
    np.testing.assert_array_equal(clamp_nonneg(np.array([-1e-17, 0.5, 0.0]), "H"), [0.0, 0.5, 0.0])
    assert clamp_nonneg(math.inf, "KL") == math.inf
    with pytest.raises(InputError, match="NaN"):
        clamp_nonneg(math.nan, "KL")
    with pytest.raises(InputError):
        clamp_nonneg(np.array([0.1, -0.1]), "H")


def test_no_max_zero_clamps_left_in_the_library_scope():
    """The former max(x, 0) clamps of KL / TC in the library go through clamp_nonneg."""
    import inspect
    import re

    import sys

    from mdmtheory import bounds, divergence, graphs, information, joint, markov, optimal, schedules
    import mdmtheory.exact  # noqa: F401 - the module of evaluate

    for mod in (bounds, divergence, graphs, information, joint, markov, optimal, schedules, sys.modules["mdmtheory.exact"]):
        src = inspect.getsource(mod)
        assert not re.search(r"max\([^()]*,\s*0(\.0)?\)", src), mod.__name__
        assert "np.maximum(" not in src and "np.clip(" not in src, mod.__name__


# -- check_int / check_real --------------------------------------------------------------------


def test_check_int_and_real():
    assert check_int(3.0, "n", 1) == 3 and check_int(np.int64(5), "n") == 5 and check_int(2**70, "n") == 2**70
    for bad in (True, 2.5, math.nan, math.inf, "3", None, [1]):
        with pytest.raises(InputError, match="must be an integer"):
            check_int(bad, "n")
    with pytest.raises(InputError, match="between 1 and 3"):
        check_int(4, "k", 1, 3)
    assert check_real(0.25, "a", 0.0, lo_open=True) == 0.25
    for bad in (0.0, -1.0, math.nan, math.inf, "x", False):
        with pytest.raises(InputError, match="finite number"):
            check_real(bad, "a", 0.0, lo_open=True)


# -- base ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("base", [0.5, 1, 1.0, 0, -2, math.nan, math.inf])
def test_base_must_exceed_one(base):
    """The message says what a base must be: > 1 (2 for bits)."""
    with pytest.raises(InputError, match=r"base must be a finite number > 1 \(2 for bits"):
        m.entropy(m.parity(3), base=base)


def test_unit_names():
    assert [m.unit_name(b) for b in (None, math.e, 2, 2.0, np.float64(2.0), 10, 3)] == [
        "nats", "nats", "bits", "bits", "bits", "hartleys", "log3 units"]
    assert m.entropy(m.parity(3), base=1.5) == pytest.approx(2 * math.log(2) / math.log(1.5), rel=1e-14)


# -- float32 and overflow in Joint -----------------------------------------------------------------


@given(st.integers(0, 2**32 - 1), st.integers(2, 4), st.integers(1, 4))
def test_float32_tables_summing_to_one_in_float32_are_accepted(seed, q, n):
    """A float32 table normalised in float32 is accepted (judged at float32 precision) and
    stored in float64, re-normalised: it sums to 1 within float64 rounding."""
    rng = np.random.default_rng(seed)
    t = rng.gamma(0.5, size=(q,) * n).astype(np.float32)
    t[rng.random(t.shape) < 0.3] = 0
    if t.sum() == 0:
        t.ravel()[0] = 1
    t = t / t.sum(dtype=np.float32)
    j = m.Joint(t)
    assert j.table.dtype == np.float64
    assert abs(float(j.table.sum()) - 1.0) <= 1e-15
    np.testing.assert_allclose(j.table, t.astype(np.float64), rtol=1e-6)


def test_float_tolerances_by_dtype():
    """float64 keeps the 1e-9 rule; float32 and float16 are judged at their own precision, and
    a float32 table off by much more than its precision is still refused."""
    assert sum_tolerance(np.float64, 10**6) == SUM_TOL
    assert 1e-7 < sum_tolerance(np.float32, 8) < 1e-5
    assert sum_tolerance(np.float16, 8) > 1e-3
    m.Joint(np.array([0.5, 0.5 + 2e-7], dtype=np.float32))  # 1 float32 ulp off: fine
    with pytest.raises(InputError, match="float32"):
        m.Joint(np.array([0.5, 0.51], dtype=np.float32))
    with pytest.raises(InputError, match="sums to"):
        m.Joint(np.array([0.5, 0.5 + 1e-8]))  # float64: 1e-8 > 1e-9


def test_normalize_overflowing_sum():
    """Finite entries whose sum overflows: normalized by the largest first, not to all zeros."""
    np.testing.assert_array_equal(m.Joint([1e308, 1e308], normalize=True).table, [0.5, 0.5])
    np.testing.assert_allclose(m.Joint([1.7e308, 1.7e308, 0.0, 1.7e307], normalize=True).table,
                               np.array([10, 10, 0, 1]) / 21, rtol=1e-15)


# -- divergences refuse non-distributions ----------------------------------------------------------


def test_kl_and_tv_need_distributions_of_one_shape():
    with pytest.raises(InputError, match="sums to"):
        m.kl_divergence([0.5, 0.1], [0.9, 0.9])
    with pytest.raises(InputError, match="different shapes"):
        m.total_variation(np.full((2, 1), 0.5), [0.5, 0.5])
    assert m.kl_divergence(np.array([0.5, 0.5], dtype=np.float32), [0.25, 0.75]) == pytest.approx(
        0.5 * math.log(2) + 0.5 * math.log(2 / 3), rel=1e-14)
    assert m.kl_divergence([0.3, 0.7], [0.3, 0.7]) == 0.0


def test_expected_kl_refuses_decreasing_curves():
    """A decreasing 'curve' gave a negative expected KL; it is not an information curve."""
    with pytest.raises(InputError, match="nondecreasing"):
        m.expected_kl([0.0, 1.0, 0.5], [3])


def test_check_bounds_unit_of_a_curve():
    """A table's unit comes from base; a given curve's is unknown unless base declares it."""
    assert m.check_bounds(m.copy(3, 2), [3], base=2)["unit"] == "bits"
    assert m.check_bounds(m.copy(3, 2), [3])["unit"] == "nats"
    assert m.check_bounds([0.0, 1.0, 1.0], [3])["unit"] == "curve units"
    assert m.check_bounds([0.0, 1.0, 1.0], [3], base=2)["unit"] == "bits"


# -- Wilson intervals --------------------------------------------------------------------------------


@given(st.integers(1, 10**6), st.data(), st.floats(0.1, 6.0))
def test_wilson_contains_its_estimate(N, data, z):
    """lo <= k/N <= hi, within [0, 1]; exactly 0 below at k = 0 and exactly 1 above at k = N."""
    k = data.draw(st.integers(0, N))
    lo, hi = m.wilson_interval(k, N, z=z)
    assert 0.0 <= lo <= k / N <= hi <= 1.0
    if k == 0:
        assert lo == 0.0
    if k == N:
        assert hi == 1.0
    if 0 < k < N:
        assert lo > 0.0 and hi < 1.0


def test_wilson_closed_form_at_zero_successes():
    """k = 0: the upper end is z^2 / (N + z^2) (the Wilson interval's closed form)."""
    z = 1.959963984540054
    for N in (1, 7, 100, 10**6):
        lo, hi = m.wilson_interval(0, N)
        assert lo == 0.0 and hi == pytest.approx(z * z / (N + z * z), rel=1e-12)
        lo, hi = m.wilson_interval(N, N)
        assert hi == 1.0 and lo == pytest.approx(N / (N + z * z), rel=1e-12)


def test_float32_file_loads(tmp_path):
    """A float32 .npy table normalised in float32 loads (it was refused at float64 precision)."""
    t = np.random.default_rng(3).gamma(0.5, size=(3, 4, 5)).astype(np.float32)
    t /= t.sum(dtype=np.float32)
    assert abs(float(t.astype(np.float64).sum()) - 1.0) > SUM_TOL  # refused when judged at float64
    np.save(tmp_path / "t32.npy", t)
    j = m.load_joint(tmp_path / "t32.npy")
    assert j.table.dtype == np.float64 and abs(float(j.table.sum()) - 1.0) <= 1e-15
    np.testing.assert_allclose(j.table, t, rtol=1e-6)
    off = (t * np.float32(1.001)).astype(np.float32)
    np.save(tmp_path / "off.npy", off)
    with pytest.raises(InputError, match="float32"):
        m.load_joint(tmp_path / "off.npy")


def test_joint_of_a_joint():
    j = m.parity(3)
    np.testing.assert_array_equal(m.Joint(j).table, j.table)


def test_float32_transition_matrices_and_starts():
    """The same normalisation rule for chains: a float32 P and start normalised in float32."""
    rng = np.random.default_rng(5)
    P = rng.gamma(0.5, size=(6, 6)).astype(np.float32)
    P /= P.sum(axis=1, keepdims=True, dtype=np.float32)
    start = rng.gamma(0.5, size=6).astype(np.float32)
    start /= start.sum(dtype=np.float32)
    chain = m.MarkovChain(P, start, 4)
    np.testing.assert_allclose(chain.P.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert chain.P.dtype == np.float64 and abs(chain.start.sum() - 1.0) <= 1e-15
    with pytest.raises(InputError, match="row-stochastic"):
        m.MarkovChain(P * np.float32(1.001), start, 4)


def test_schedule_families_refuse_by_step_count_not_by_n():
    """A family with few steps works at n = 10^12 (steps summing to n, exact integers); one that
    would build ~n steps is refused before building them; Theorem 9's step bound holds."""
    from mdmtheory import schedules as S

    n = 10**12
    for sched in (S.even(n, 3), S.linear(n, 2), S.cosine(n, 4), S.geometric(n, 2, 3), S.geometric(n, 2), S.austin(n, 2)):
        assert sched.n == n and sched.k <= 64
    assert S.even(n, 3).steps == (333333333334, 333333333333, 333333333333)
    for call in (lambda: S.constant(n, 1), lambda: S.tc(n, 1e6, 1e-6), lambda: S.dtc_schedule_zeta(n, 10**11),
                 lambda: S.geometric(n, 1 + 1e-12)):
        with pytest.raises(InputError, match="schedule of"):
            call()
    with pytest.raises(InputError, match="at most 2[*][*]62"):  # tc_hat / eps past any integer zeta (issue 21)
        S.tc(n, 1e300, 1e-300)
    for q in list(range(1, 120)) + [1000, 4097]:
        for zeta in (1, 2, 3, 5, 17, 100, 1000):
            for make in (S.tc_schedule_zeta, S.dtc_schedule_zeta):
                assert make(q, zeta).k <= S._theorem9_steps(q, zeta)


@pytest.mark.parametrize("limit", [float("nan"), -5, 0, "4G", True, [1]])
def test_check_memory_refuses_a_limit_that_is_not_a_positive_number(limit):
    from mdmtheory.errors import check_memory

    with pytest.raises(InputError, match="max_memory"):
        check_memory(10, "a table", limit)


def test_check_memory_counts_an_uncountable_estimate_as_too_large():
    from mdmtheory.errors import check_memory

    for nbytes in (10**400, float("nan"), float("inf")):
        with pytest.raises(InputError, match="more memory than can be counted"):
            check_memory(nbytes, "a table")
