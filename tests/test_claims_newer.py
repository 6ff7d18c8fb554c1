"""The claims of issue 18: Fast-dLLM Theorem 1 part 2, Fast-dLLM++ Lemma 4.6 / Corollary 4.7 and
the sharpness of its certificate, Fang et al.'s entropy of low-confidence remasking.  Each passes,
its pieces agree with references written here, and a wrong ingredient makes it FAIL."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory.proofs_check import fang_entropy, fast_dllm_bounds, fast_dllm_pp_mode


@pytest.mark.parametrize("module", [fast_dllm_bounds, fast_dllm_pp_mode, fang_entropy])
def test_new_claims_pass_quick(module):
    claim = module.check(quick=True)
    assert claim.passed, claim.numbers
    assert claim.kind == module.KIND and claim.source_read == module.SOURCE_READ


# --- Fast-dLLM Theorem 1 part 2 -------------------------------------------------------------


def test_vertices_of_two_bits_are_the_frechet_endpoints():
    """Two bits with P(X1 = 0) = a, P(X2 = 0) = b: the joints are p(00) = t on [max(0, a+b-1), min(a, b)];
    the two vertices are the endpoints."""
    a, b = 0.7, 0.6
    V = fast_dllm_bounds.vertices([np.array([a, 1 - a]), np.array([b, 1 - b])])
    lo, hi = max(0.0, a + b - 1), min(a, b)
    expect = sorted([[t, a - t, b - t, 1 - a - b + t] for t in (lo, hi)])
    assert np.allclose(sorted(V.tolist()), expect, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([(2, 2), (3, 2), (2, 3)]), st.integers(0, 10_000))
def test_vertex_maxima_bound_every_joint(shape, seed):
    """TV, D_2 and KL(p || q) are convex in p on the joints with fixed marginals: the maxima over the
    enumerated vertices are at least the values of any table with those marginals (a missed vertex
    would show)."""
    n, q = shape
    t = m.random_joint(n, q, alpha=0.5, seed=seed).table
    margs = [t.sum(axis=tuple(b for b in range(n) if b != a)) for a in range(n)]
    prod = margs[0]
    for p in margs[1:]:
        prod = np.multiply.outer(prod, p)
    tv, d2, kl, _ = fast_dllm_bounds.worst_case(margs, None)
    assert tv >= 0.5 * np.abs(t - prod).sum() - 1e-12
    assert d2 >= np.sqrt(((t - prod) ** 2).sum()) - 1e-12
    ref = float(np.sum(np.where(t > 0, t * np.log(np.where(t > 0, t, 1) / prod), 0.0)))
    assert kl >= ref - 1e-12


def test_fast_dllm_kl_bound_fails_on_copied_bits_past_the_scope():
    """Two copied fair bits: marginals 1/2 > 1 - eps for eps = 0.6, KL = ln 2 > H_b(0.6); at eps = 1/2 the
    bound is ln 2 itself (the strict form is approached, not broken)."""
    assert math.log(2) > fast_dllm_bounds.kl_bound(2, 2, 0.6)
    assert fast_dllm_bounds.kl_bound(2, 2, 0.5) == pytest.approx(math.log(2))
    assert fast_dllm_bounds.kl_bound(3, 4, 0.1) == pytest.approx(2 * (-0.1 * math.log(0.1) - 0.9 * math.log(0.9) + 0.1 * math.log(3)))


def test_fast_dllm_bounds_claim_fails_with_a_smaller_kl_bound():
    claim = fast_dllm_bounds.check(quick=True, kl_form=lambda n, q, eps: 0.5 * fast_dllm_bounds.kl_bound(n, q, eps))
    assert not claim.passed and claim.numbers["bound_failures_in_scope"] > 0


def test_fast_dllm_bounds_claim_fails_when_required_past_its_scope():
    claim = fast_dllm_bounds.check(quick=True, in_scope=lambda q, eps: True)
    assert not claim.passed and claim.numbers["bound_failures_in_scope"] > 0


def test_fast_dllm_bounds_claim_fails_with_a_smaller_tv_bound():
    claim = fast_dllm_bounds.check(quick=True, tv=lambda n, q, eps: (n - 1) * eps / 2)
    assert not claim.passed and claim.numbers["bound_failures_in_scope"] > 0


# --- Fast-dLLM++ ------------------------------------------------------------------------------


def test_extremal_joint_by_hand():
    """c = (0.9, 0.8): disjoint failures, P(00) = 0.7 = L_2, P(10) = 0.1, P(01) = 0.2 = U_2; three
    fair-ish positions c = (0.5, 0.5, 0.5): the arcs cover the circle, P(x*) = 0."""
    T = fast_dllm_pp_mode.extremal_joint([0.9, 0.8])
    assert np.allclose(T, [[0.7, 0.2], [0.1, 0.0]], atol=1e-15)
    T = fast_dllm_pp_mode.extremal_joint([0.5, 0.5, 0.5])
    assert T[0, 0, 0] == 0 and T[1, 0, 1] == pytest.approx(0.5) and T[0, 1, 0] == pytest.approx(0.5)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.5, 1.0), min_size=2, max_size=6))
def test_extremal_joint_has_the_confidences_and_p_star_L(c):
    c = sorted(c, reverse=True)
    T = fast_dllm_pp_mode.extremal_joint(c)
    n = len(c)
    assert T.sum() == pytest.approx(1.0, abs=1e-12) and (T >= 0).all()
    for a in range(n):
        assert T.sum(axis=tuple(b for b in range(n) if b != a))[0] == pytest.approx(c[a], abs=1e-12)
    assert T[(0,) * n] == pytest.approx(max(0.0, sum(c) - (n - 1)), abs=1e-12)


def test_mode_gap_by_hand():
    assert fast_dllm_pp_mode.mode_gap(np.array([[0.5, 0.2], [0.2, 0.1]])) == pytest.approx(0.3)
    assert fast_dllm_pp_mode.mode_gap(np.array([0.4, 0.4, 0.2])) == 0.0


def test_fast_dllm_pp_claim_fails_with_a_looser_certificate():
    """U_n = 1 - c_(1) (the strongest token) certifies profiles whose extremal joint has a tie or worse."""
    claim = fast_dllm_pp_mode.check(quick=True, certificate=lambda c: (max(0.0, sum(c) - (len(c) - 1)), 1.0 - c[0]))
    assert not claim.passed and claim.numbers["certificate_not_sharp"] > 0


def test_fast_dllm_pp_claim_fails_with_a_stricter_certificate():
    claim = fast_dllm_pp_mode.check(quick=True, certificate=lambda c: (max(0.0, sum(c) - (len(c) - 1)) - 0.1, 1.0 - c[-1]))
    assert not claim.passed and claim.numbers["certificate_not_sharp"] > 0


def test_fast_dllm_pp_claim_fails_with_the_wrong_gap():
    """Delta taken as Q(x*) (no competitor subtracted): the condition admits sets whose joint mode moved."""
    claim = fast_dllm_pp_mode.check(quick=True, gap_fn=lambda Q: float(Q.max()))
    assert not claim.passed and claim.numbers["of_which_not_joint_mode"] > 0


# --- Fang et al. --------------------------------------------------------------------------------


def test_low_confidence_law_by_hand():
    """Independent X1 ~ (0.9, 0.1), X2 ~ (1/2, 1/2): X1 is committed first iff its candidate is 0
    (0.9 > 1/2); else X2 goes first and X1 is redrawn: P(X1 = 1) = 0.1 * 0.1."""
    t = np.outer([0.9, 0.1], [0.5, 0.5])
    expect = np.outer([0.99, 0.01], [0.5, 0.5])
    assert np.allclose(fang_entropy.low_confidence_law(t), expect, atol=1e-15)
    law = m.evaluate(m.Joint(t), m.make_sampler("llada", steps=2, temperature=1.0)).law.table
    assert np.allclose(law, expect, atol=1e-12)


@pytest.mark.parametrize("shape,seed", list(itertools.product([(2, 2, 2), (3, 2, 2)], [0, 1])))
def test_low_confidence_law_matches_the_evaluator(shape, seed):
    joint = m.random_joint(len(shape), list(shape), alpha=0.5, seed=seed)
    law = m.evaluate(joint, m.make_sampler("llada", steps=joint.n, temperature=1.0)).law.table
    assert np.allclose(fang_entropy.low_confidence_law(joint.table), law, atol=1e-12)


def test_fang_counterexample_by_hand():
    """mu(01) = mu(10) = 0.45, mu(11) = 0.1: X1 is committed first when its candidate is 1 (0.55 >= any),
    then X2 | X1 = 1; when y1 = 0 and y2 = 1, X2 = 1 goes first; when both are 0 (a tie) X1 = 0 goes
    first and X2 = 1 follows: nu = (0, 0.405, 0.45, 0.145), whose entropy exceeds H(mu)."""
    cx = fang_entropy.COUNTEREXAMPLE
    nu = np.array([[0.0, 0.45 * 0.55 * 0.45 / 0.55 + 0.45 * 0.45], [0.45, 0.1 + 0.45 * 0.55 * 0.1 / 0.55]])
    assert np.allclose(nu, [[0, 0.405], [0.45, 0.145]])
    assert np.allclose(fang_entropy.low_confidence_law(cx), nu, atol=1e-15)
    law = m.evaluate(m.Joint(cx), m.make_sampler("llada", steps=2, temperature=1.0)).law.table
    assert np.allclose(law, nu, atol=1e-12)
    h = lambda p: -sum(x * math.log(x) for x in np.ravel(p) if x > 0)  # noqa: E731
    assert h(nu) - h(cx) > 0.05


def test_fang_claim_fails_with_random_remasking_under_test():
    """Random remasking samples mu at one token per call: never strictly below H(mu), and the
    counterexample is not reproduced."""
    claim = fang_entropy.check(quick=True, remasking="random")
    assert not claim.passed and claim.numbers["one_per_call_lower_than_H_mu"] == 0


def test_fang_claim_fails_without_its_counterexample():
    """A table where low-confidence remasking does lower the entropy is no counterexample."""
    claim = fang_entropy.check(quick=True, counterexample=np.outer([0.9, 0.1], [0.5, 0.5]))
    assert not claim.passed and claim.numbers["counterexample_H_nu_minus_H_mu"] < 0
