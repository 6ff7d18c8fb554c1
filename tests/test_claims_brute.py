"""The brute-force helpers of proofs_check/_brute.py (the claims' independent side) against the
test references of tests/reference.py and closed forms, on random tables with zeros and unequal
alphabets."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory.proofs_check import _brute

from . import reference as ref
from .conftest import tables


def _ref_curve(t: np.ndarray) -> np.ndarray:
    """Z_j = E I(X_i ; X_S) with I = H(X_i) + H(X_S) - H(X_{S+i}) from the reference entropies."""
    n = t.ndim
    out = []
    for j in range(1, n + 1):
        vals = [ref.subset_entropy(t, [i]) + ref.subset_entropy(t, S) - ref.subset_entropy(t, list(S) + [i])
                for S in itertools.combinations(range(n), j - 1) for i in range(n) if i not in S]
        out.append(np.mean(vals))
    return np.array(out)


@given(tables(max_n=4, max_q=3, max_cells=200), st.data())
@settings(max_examples=30)
def test_fixed_order_law_matches_reference(joint, data):
    """The law of a random ordered partition equals the reference built with cond_prob."""
    order = data.draw(st.permutations(range(joint.n)))
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, joint.n - 1)), max_size=joint.n - 1)) - {joint.n})
    blocks = [list(order[a:b]) for a, b in zip([0] + cuts, cuts + [joint.n]) if b > a]
    assert np.allclose(_brute.fixed_order_law(joint.table, blocks), ref.fixed_order_law(joint.table, blocks), atol=1e-12)


@given(tables(max_n=4, max_q=3, max_cells=200))
@settings(max_examples=30)
def test_curve_tc_dtc_match_reference(joint):
    """Z, TC and DTC from their definitions equal the reference-entropy formulas."""
    t, n = joint.table, joint.n
    assert np.allclose(_brute.information_curve(t), _ref_curve(t), atol=1e-10)
    full = ref.subset_entropy(t, range(n))
    tc = sum(ref.subset_entropy(t, [i]) for i in range(n)) - full
    dtc = sum(ref.subset_entropy(t, [j for j in range(n) if j != i]) for i in range(n)) - (n - 1) * full
    assert _brute.total_correlation(t) == pytest.approx(tc, abs=1e-10)
    assert _brute.dual_total_correlation(t) == pytest.approx(dtc, abs=1e-10)


@given(tables(max_n=4, max_q=3, max_cells=200), st.data())
@settings(max_examples=30)
def test_expected_conditional_tc_matches_reference(joint, data):
    """E TC(X_S | X_T) = sum_i H(X_i | X_T) - H(X_S | X_T) from reference entropies."""
    n = joint.n
    T = sorted(data.draw(st.sets(st.integers(0, n - 1), max_size=n - 1)))
    rest = [i for i in range(n) if i not in T]
    S = sorted(data.draw(st.sets(st.sampled_from(rest), min_size=1)))
    t = joint.table
    HT = ref.subset_entropy(t, T)
    want = sum(ref.subset_entropy(t, T + [i]) - HT for i in S) - (ref.subset_entropy(t, T + S) - HT)
    assert _brute.expected_conditional_tc(t, S, T) == pytest.approx(want, abs=1e-10)


@pytest.mark.parametrize("n, sizes", [(4, [2, 2]), (5, [1, 3, 1]), (4, [4]), (3, [1, 1, 1])])
def test_ordered_partitions_count(n, sizes):
    """Every ordered partition once: the multinomial count, all distinct, each a partition."""
    parts = list(_brute.ordered_partitions(n, sizes))
    want = math.factorial(n) // math.prod(math.factorial(s) for s in sizes)
    assert len(parts) == want == len({tuple(map(tuple, p)) for p in parts})
    assert all(sorted(sum(p, [])) == list(range(n)) and [len(b) for b in p] == sizes for p in parts)


def test_closed_forms():
    """Copy: Z = (0, log q, ..., log q), TC = (n-1) log q; parity(n): DTC = (n-1) log 2; copy with one
    step of s then singles: expected KL (s - 1) log q."""
    t = m.copy(4, 3).table
    assert np.allclose(_brute.information_curve(t), [0] + [math.log(3)] * 3)
    assert _brute.total_correlation(t) == pytest.approx(3 * math.log(3))
    assert _brute.dual_total_correlation(m.parity(4).table) == pytest.approx(3 * math.log(2))
    laws = _brute.order_laws(m.copy(3, 2).table, [2, 1])
    assert np.mean([_brute.kl(m.copy(3, 2).table, nu) for nu in laws]) == pytest.approx(math.log(2))


@given(st.lists(st.floats(0, 1, allow_subnormal=False), min_size=1, max_size=7), st.data())
@settings(max_examples=40)
def test_plain_dp_is_the_minimum_over_all_schedules(incs, data):
    """The plain DP equals the minimum of the Theorem 4 error over every schedule with k steps
    (enumerated), zeros and ties included."""
    z = np.cumsum([0.0] + [x if x > 0.5 else 0.0 for x in incs[1:]])
    n = z.size
    k = data.draw(st.integers(1, n))
    best = min(
        sum(z[a + j] - z[a] for a, b in zip((0,) + c, c + (n,)) for j in range(b - a))
        for c in itertools.combinations(range(1, n), k - 1)
    )
    assert _brute.optimal_expected_kl(z, n)[k - 1] == pytest.approx(best, abs=1e-12)
