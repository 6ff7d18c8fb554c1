"""Tang et al. (arXiv:2602.19619): few-step samplers are not correct with an exact HMM oracle, and a
good sample NLL does not mean a correct sampler (issue 18).  The claim passes with the exact
evaluator and fails with a wrong ingredient; its NLL is checked against brute force."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

import mdmtheory as m
from mdmtheory.proofs_check import tang_sampler_correctness as claim


def test_claim_passes_and_reports_its_curves():
    c = claim.check(quick=True)
    assert c.passed, c.numbers
    label = claim.hmms(True)[0][0]
    rand = c.numbers[f"{label}: random_mixture KL by steps 1..n"]
    assert len(rand) == 8 and min(rand[:-1]) > 1e-9 and abs(rand[-1]) < 1e-9
    assert rand == c.numbers[f"{label}: llada_random KL by steps 1..n"]
    assert min(c.numbers[f"{label}: llada KL by steps 1..n"]) > 0.1  # never correct, steps = n included
    assert c.numbers["its_nll_minus_H(mu)"] <= 1e-10
    assert "corrected" in c.detail


def test_low_confidence_with_one_position_per_step_by_hand():
    """Two independent positions, p = (0.9, 0.1) each, llada(steps=2, T=1): candidates y_0, y_1 ~ p;
    the first step unmasks the position whose candidate is likelier (a tie: position 0) with its
    candidate, the second draws the other from p.  Worked by hand over the four candidate pairs:
    nu = [[0.729 + 0.081 + 0.081, 0.081 + 0.009], [0.009 + 0.009, 0.001]], not mu."""
    mu = m.product([[0.9, 0.1], [0.9, 0.1]])
    r = m.evaluate(mu, m.make_sampler("llada", steps=2, temperature=1.0, remasking="low_confidence"))
    assert np.allclose(r.law.table, [[0.891, 0.09], [0.018, 0.001]], atol=1e-15)
    assert r.kl > 0.01
    assert m.evaluate(mu, m.make_sampler("llada", steps=2, temperature=1.0, remasking="random")).kl < 1e-12


def test_sample_nll_by_brute_force():
    """E_{x ~ nu}[-log mu(x)] summed cell by cell, = H(nu) + KL(nu || mu); infinite off mu's support."""
    rng = np.random.default_rng(3)
    mu, nu = rng.dirichlet(np.ones(12)), rng.dirichlet(np.ones(12) * 0.5)
    want = sum(-nu[i] * math.log(mu[i]) for i in range(12) if nu[i] > 0)
    assert claim.sample_nll(nu, mu) == pytest.approx(want, rel=1e-12)
    h_nu = -sum(p * math.log(p) for p in nu if p > 0)
    assert claim.sample_nll(nu, mu) == pytest.approx(h_nu + m.kl_divergence(nu, mu), rel=1e-12)
    assert claim.sample_nll([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert claim.sample_nll([1.0, 0.0], [0.5, 0.5]) == pytest.approx(math.log(2))


def truth_evaluator(joint, sampler):
    """A wrong evaluator: every sampler returns the truth (KL 0 at every step count: low-confidence
    remasking would look correct)."""
    return SimpleNamespace(kl=0.0, expected_kl=0.0, law=joint)


def product_evaluator(joint, sampler):
    """A wrong evaluator: the product of the marginals at every step count (never exact)."""
    law = m.product([joint.marginal([i]).ravel() for i in range(joint.n)])
    kl = m.kl_divergence(joint.table, law.table)
    return SimpleNamespace(kl=kl, expected_kl=kl, law=law)


@pytest.mark.parametrize("wrong", [
    {"evaluate_fn": truth_evaluator},  # few-step samplers correct: the first statement fails
    {"evaluate_fn": product_evaluator},  # not exact at steps = n
    {"nll_fn": lambda nu, mu: claim.sample_nll(mu, mu) + m.kl_divergence(mu, nu)},  # an NLL never below H(mu)
])
def test_claim_can_fail(wrong):
    c = claim.check(quick=True, **wrong)
    assert c.passed is False and c.verdict == "FAIL"
