"""Optimal schedules: the Monge divide-and-conquer DP against brute force over every
schedule and against a plain O(k n^2) DP written independently here; closed forms."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory._kernels.schedules import optimal_layers, plain_dp
from mdmtheory.errors import InputError
from mdmtheory.divergence import expected_kl

from tests.conftest import tables


def block_error(z, steps) -> float:
    """Theorem 4 by its definition, block by block (no prefix sums)."""
    total, a = 0.0, 0
    for s in steps:
        total += sum(z[a + j] - z[a] for j in range(s))
        a += s
    return total


def brute_force(z, k):
    """Minimum over all C(n-1, k-1) schedules with k steps."""
    n = len(z)
    best = (math.inf, None)
    for cuts in itertools.combinations(range(1, n), k - 1):
        nodes = (0,) + cuts + (n,)
        steps = [b - a for a, b in zip(nodes[:-1], nodes[1:])]
        best = min(best, (block_error(z, steps), steps), key=lambda x: x[0])
    return best


def plain_reference(z, k) -> float:
    """The plain O(k n^2) DP over cut points, in numpy, block costs summed directly."""
    n = len(z)
    z = np.asarray(z, dtype=float)
    cost = np.full((n + 1, n + 1), np.inf)
    for i in range(n):
        for j in range(i + 1, n + 1):
            cost[i, j] = float(np.sum(z[i:j] - z[i]))
    F = np.full(n + 1, np.inf)
    F[0] = 0.0
    for _ in range(k):
        F = np.min(F[:, None] + cost, axis=0)
    return float(F[n])


@st.composite
def curves(draw, min_n: int = 1, max_n: int = 9):
    """Nondecreasing curves with Z_1 = 0: continuous increments, sparse jumps, or integer
    increments (many exact ties, where tie-breaking matters)."""
    n = draw(st.integers(min_n, max_n))
    seed = draw(st.integers(0, 2**32 - 1))
    kind = draw(st.sampled_from(["exp", "sparse", "int", "flat"]))
    rng = np.random.default_rng(seed)
    if kind == "exp":
        inc = rng.exponential(size=n)
    elif kind == "sparse":
        inc = rng.exponential(size=n) * (rng.random(n) < 0.3)
    elif kind == "int":
        inc = rng.integers(0, 3, size=n).astype(float)
    else:
        inc = np.zeros(n)
    z = np.cumsum(inc)
    return z - z[0]


@given(curves(max_n=9), st.data())
def test_optimal_matches_brute_force(z, data):
    """For every k, the optimum equals the minimum over all schedules, and the returned
    schedule has k steps, sums to n and achieves it."""
    n = len(z)
    k = data.draw(st.integers(1, n))
    opt = m.optimal_schedule(z, k)
    best, _ = brute_force(z, k)
    assert opt.schedule.k == k and opt.schedule.n == n
    assert opt.expected_kl == pytest.approx(best, abs=1e-12)
    assert block_error(z, opt.schedule.steps) == pytest.approx(opt.expected_kl, abs=1e-12)
    assert m.expected_kl(z, opt.schedule) == pytest.approx(opt.expected_kl, abs=1e-12)


@settings(max_examples=15)
@given(curves(min_n=10, max_n=60), st.data())
def test_optimal_matches_plain_dp(z, data):
    """Divide and conquer equals the plain DP (numpy reference and the numba plain kernel)."""
    n = len(z)
    k = data.draw(st.integers(1, n))
    ref = plain_reference(z, k)
    assert m.optimal_schedule(z, k).expected_kl == pytest.approx(ref, abs=1e-12 * max(1, z[-1] * n))
    value, _ = plain_dp(np.asarray(z, dtype=float), k)
    assert value == pytest.approx(ref, abs=1e-12 * max(1, z[-1] * n))


@settings(max_examples=15)
@given(curves(min_n=1, max_n=40))
def test_frontier_is_every_optimum(z):
    """frontier()[k-1] equals optimal_schedule(k); it is nonincreasing, starts at TC = sum Z
    (one step) and ends at 0 (all single steps)."""
    n = len(z)
    fr = m.frontier(z)
    assert [o.steps for o in fr] == list(range(1, n + 1))
    vals = [o.expected_kl for o in fr]
    assert vals[0] == pytest.approx(float(np.sum(z)), abs=1e-12)
    assert vals[-1] == 0.0
    assert all(b <= a + 1e-9 for a, b in zip(vals, vals[1:]))
    for k in sorted({1, max(1, n // 3), max(1, n // 2), n}):
        assert vals[k - 1] == pytest.approx(plain_reference(z, k), abs=1e-12 * max(1, z[-1] * n))
        assert block_error(z, fr[k - 1].schedule.steps) == pytest.approx(vals[k - 1], abs=1e-12)


@settings(max_examples=20)
@given(curves(min_n=1, max_n=30), st.floats(0, 1))
def test_min_steps_is_the_fewest(z, frac):
    """min_steps returns the smallest k whose optimum is at most eps."""
    eps = frac * float(np.sum(z))
    got = m.min_steps(z, eps)
    vals = [plain_reference(z, k) for k in range(1, len(z) + 1)]
    tol = 1e-9 * max(1.0, z[-1] * len(z))
    want = next(k for k, v in enumerate(vals, 1) if v <= eps + tol)
    assert got.steps == want
    assert got.expected_kl <= eps + tol


def test_min_steps_beyond_first_budget():
    """The layer budget doubles past 64 steps: a linear curve needs many steps for tiny eps."""
    z = np.arange(300, dtype=float)
    got = m.min_steps(z, 10.0)
    # For Z_j = j - 1, a block of size s costs s(s-1)/2: k blocks of sizes ~ n/k.
    assert got.steps > 64
    assert got.expected_kl <= 10.0
    assert m.optimal_schedule(z, got.steps - 1).expected_kl > 10.0


@given(tables(max_n=5))
def test_optimal_from_joint_matches_curve(joint):
    """A Joint and its curve give the same optimum; the optimum never exceeds the even schedule."""
    z = m.information_curve(joint)
    n = joint.n
    for k in range(1, n + 1):
        a = m.optimal_schedule(joint, k)
        b = m.optimal_schedule(z, k)
        assert a.expected_kl == pytest.approx(b.expected_kl, abs=1e-12)
        assert a.expected_kl <= m.expected_kl(z, m.schedule_family("even", n, k=k)) + 1e-9


def test_closed_forms():
    """Copy: k >= 2 reaches 0 with first step 1, k = 1 costs (n-1) log q; parity: 0 with a
    last step of 1; Reed-Solomon (one jump after k): 0 with two steps (k, n - k)."""
    for n in (3, 5):
        opt1 = m.optimal_schedule(m.copy(n, 3), 1, base=3)
        assert opt1.expected_kl == pytest.approx(n - 1, rel=1e-12, abs=1e-12)
        opt2 = m.optimal_schedule(m.copy(n, 3), 2, base=3)
        assert opt2.schedule.steps[0] == 1 and opt2.expected_kl == pytest.approx(0, abs=1e-12)
        par = m.optimal_schedule(m.parity(n), 2, base=2)
        assert par.schedule.steps[-1] == 1 and par.expected_kl == pytest.approx(0, abs=1e-12)
        assert m.optimal_schedule(m.parity(n), 1, base=2).expected_kl == pytest.approx(1.0, rel=1e-12, abs=1e-12)
    rs = m.optimal_schedule(m.reed_solomon(5, 2, 5), 2, base=5)
    assert rs.expected_kl == pytest.approx(0, abs=1e-12)
    assert rs.schedule.steps == (2, 3)


def test_large_n_linear_curve_closed_form():
    """Z_j = j - 1: a block of size s costs s (s - 1) / 2, so the optimum with k steps splits
    n as evenly as possible: sum over blocks of s(s-1)/2 with sizes floor/ceil(n/k)."""
    n, k = 10_000, 37
    z = np.arange(n, dtype=float)
    q, r = divmod(n, k)
    want = r * (q + 1) * q / 2 + (k - r) * q * (q - 1) / 2
    assert m.optimal_schedule(z, k).expected_kl == pytest.approx(want, rel=1e-12)


def test_kernel_layers_agree():
    """One-optimum mode and full-frontier mode of the kernel give the same optimum."""
    rng = np.random.default_rng(3)
    z = np.cumsum(rng.exponential(size=200))
    z -= z[0]
    full, _ = optimal_layers(z, 50, True)
    for k in (1, 7, 50):
        one, _ = optimal_layers(z, k, False)
        assert one[-1] == pytest.approx(full[k - 1], rel=1e-12)


def test_expected_kl_vectorised():
    """expected_kl (vectorised Theorem 4) equals the block-by-block definition."""
    rng = np.random.default_rng(0)
    z = np.concatenate([[0.0], np.cumsum(rng.random(19))])
    for steps in ([20], [1] * 20, [4, 5, 2, 2, 7], [19, 1]):
        assert expected_kl(z, steps) == pytest.approx(block_error(z, steps), abs=1e-12)


def test_bad_input():
    """Steps outside 1..n, a non-monotone curve, eps < 0 and a small memory cap are refused."""
    z = [0.0, 1.0, 2.0]
    for bad in (0, 4, 1.5, "x"):
        with pytest.raises(InputError, match="steps must be an integer"):
            m.optimal_schedule(z, bad)
    with pytest.raises(InputError, match="nondecreasing"):
        m.optimal_schedule([0.0, 2.0, 1.0], 2)
    with pytest.raises(InputError, match="eps"):
        m.min_steps(z, -1)
    with pytest.raises(InputError, match="memory"):
        m.frontier(np.arange(1000.0), max_memory=1000)
