"""Exact KL of schedules: Theorem 4, fixed orders and the mixture law, against brute force."""

from __future__ import annotations

import itertools
from math import log

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from tests.conftest import tables
from tests.reference import fixed_order_law, kl, ordered_partitions


def compositions(n: int):
    """Every schedule (ordered tuple of positive sizes) summing to n."""
    for k in range(1, n + 1):
        for cuts in itertools.combinations(range(1, n), k - 1):
            b = (0,) + cuts + (n,)
            yield [b[i + 1] - b[i] for i in range(k)]


def brute_force(joint, sizes):
    """Average of KL(mu || nu_S) and the mixture law, over every ordered partition."""
    laws = [fixed_order_law(joint.table, blocks) for blocks in ordered_partitions(joint.n, sizes)]
    avg_kl = float(np.mean([kl(joint.table, nu) for nu in laws]))
    return avg_kl, np.mean(laws, axis=0)


@settings(max_examples=25)
@given(tables(max_n=4, max_q=3, max_cells=100), st.data())
def test_theorem4_equals_brute_force(joint, data):
    """Chen-Cong-Li Theorem 4: the left-Riemann error equals the average KL over orders."""
    sizes = data.draw(st.sampled_from(list(compositions(joint.n))))
    avg_kl, mix = brute_force(joint, sizes)
    assert m.expected_kl(joint, sizes) == pytest.approx(avg_kl, abs=1e-12)
    assert m.mixture_kl(joint, sizes) == pytest.approx(kl(joint.table, mix), abs=1e-12)
    np.testing.assert_allclose(m.output_distribution(joint, sizes).table, mix, atol=1e-12)
    assert m.mixture_kl(joint, sizes) <= m.expected_kl(joint, sizes) + 1e-10


@pytest.mark.parametrize("sizes", [[2, 3], [1, 2, 2], [3, 1, 1], [5]])
def test_theorem4_n5(sizes):
    joint = m.random_joint(5, 2, alpha=0.4, seed=sum(sizes) * 7 + len(sizes))
    avg_kl, mix = brute_force(joint, sizes)
    assert m.expected_kl(joint, sizes) == pytest.approx(avg_kl, abs=1e-12)
    assert m.mixture_kl(joint, sizes) == pytest.approx(kl(joint.table, mix), abs=1e-12)


@settings(max_examples=25)
@given(tables(max_n=4, max_q=3, max_cells=100), st.data())
def test_fixed_order_equals_reference(joint, data):
    """Chain-rule KL of a fixed order equals KL to the cell-by-cell product law."""
    sizes = data.draw(st.sampled_from(list(compositions(joint.n))))
    order = data.draw(st.permutations(range(joint.n)))
    blocks = m.ordered_partition(order, sizes, joint.n)
    nu = fixed_order_law(joint.table, blocks)
    assert m.fixed_order_kl(joint, blocks) == pytest.approx(kl(joint.table, nu), abs=1e-12)
    np.testing.assert_allclose(m.output_distribution(joint, sizes, order=order).table, nu, atol=1e-12)
    d = m.divergences(joint, m.output_distribution(joint, sizes, order=order))
    assert d["kl"] == pytest.approx(kl(joint.table, nu), abs=1e-12)
    rev = kl(nu, joint.table)
    assert d["reverse_kl"] == rev if np.isinf(rev) else d["reverse_kl"] == pytest.approx(rev, abs=1e-12)
    assert d["tv"] == pytest.approx(0.5 * np.abs(joint.table - nu).sum(), rel=1e-12, abs=1e-12)


@given(tables(max_n=5, max_q=3))
def test_one_step_is_tc_and_single_steps_are_zero(joint):
    n = joint.n
    tc = m.total_correlation(joint)
    assert m.expected_kl(joint, [n]) == pytest.approx(tc, abs=1e-12)
    assert m.mixture_kl(joint, [n]) == pytest.approx(tc, abs=1e-12)
    assert m.fixed_order_kl(joint, [list(range(n))]) == pytest.approx(tc, abs=1e-12)
    assert m.expected_kl(joint, [1] * n) == pytest.approx(0, abs=1e-12)
    assert m.mixture_kl(joint, [1] * n) == pytest.approx(0, abs=1e-12)
    assert m.fixed_order_kl(joint, [[i] for i in range(n)]) == pytest.approx(0, abs=1e-12)


@given(tables(max_n=5, max_q=3), st.integers(1, 5))
def test_constant_step_bound(joint, s):
    """Constant step s: E KL <= (s - 1) Z_n."""
    n = joint.n
    s = min(s, n)
    sched = [s] * (n // s) + ([n % s] if n % s else [])
    z = m.information_curve(joint)
    assert m.expected_kl(z, sched) <= (s - 1) * z[-1] + 1e-10


@pytest.mark.parametrize("n,q", [(3, 2), (4, 3), (5, 2)])
def test_copy_closed_form(n, q):
    """Copy: random-order expected KL is (s_1 - 1) log q, for every schedule."""
    j = m.copy(n, q)
    for sizes in compositions(n):
        assert m.expected_kl(j, sizes) == pytest.approx((sizes[0] - 1) * log(q), abs=1e-12)


@pytest.mark.parametrize("n", [3, 4, 5])
def test_parity_closed_form(n):
    """Even parity: expected KL is log 2 when the last step has size >= 2, else 0."""
    j = m.parity(n)
    for sizes in compositions(n):
        want = log(2) if sizes[-1] >= 2 else 0.0
        assert m.expected_kl(j, sizes) == pytest.approx(want, abs=1e-12)
        assert m.mixture_kl(j, sizes) <= want + 1e-10


def test_product_is_exact_for_every_schedule():
    j = m.product([[0.1, 0.9], [0.3, 0.3, 0.4], [0.5, 0.5], [0.2, 0.8]])
    for sizes in compositions(4):
        assert m.expected_kl(j, sizes) == pytest.approx(0, abs=1e-12)
        assert m.mixture_kl(j, sizes) == pytest.approx(0, abs=1e-12)


def test_copy_mixture_has_infinite_reverse_kl():
    """Two copies unmasked together put mass off the support: reverse KL is inf, KL finite."""
    j = m.copy(2, 2)
    nu = m.output_distribution(j, [2])
    d = m.divergences(j, nu, base=2)
    assert d["kl"] == pytest.approx(1.0, rel=1e-12, abs=1e-12)
    assert d["reverse_kl"] == float("inf")
    assert d["tv"] == pytest.approx(0.5, rel=1e-12, abs=1e-12)


def test_curve_input_and_errors():
    z = [0.0, 0.1, 0.3, 0.3]
    assert m.expected_kl(z, [2, 2]) == pytest.approx(0.1 + 0.0, rel=1e-12, abs=1e-12)
    with pytest.raises(m.InputError, match="sums to 3"):
        m.expected_kl(z, [2, 1])
    with pytest.raises(m.InputError, match="positive"):
        m.expected_kl(z, [4, 0])
    with pytest.raises(m.InputError, match="permutation"):
        m.ordered_partition([0, 0, 1, 2], [2, 2], 4)
    with pytest.raises(m.InputError, match="partition"):
        m.fixed_order_kl(m.parity(3), [[0], [1]])
    with pytest.raises(m.InputError, match="would need"):
        m.mixture_kl(m.random_joint(6, 3), [3, 3], max_memory=1000)
