"""Every claim of proofs_check/ can fail: fed one deliberately wrong ingredient (a perturbed
curve, random numbers in place of entropies, a swapped formula, the printed wrong form), its
check returns ``passed is False``.  The correct ingredients pass (tests/test_cli.py runs every
claim in quick mode)."""

from __future__ import annotations

import itertools
import math
from math import ceil, comb, log2

import numpy as np
import pytest

import mdmtheory as m
from mdmtheory.proofs_check import (
    MARGIN,
    austin,
    bisection_exact,
    chain_rule,
    eb_bound,
    entropy_vs_random,
    lemma8,
    lemma13,
    li_cai,
    mixture_convexity,
    oracle_decoupling,
    prop20,
    symbolic_sympy,
    theorem4,
    theorem9,
    theorem30,
)
from mdmtheory.schedules import Schedule
from mdmtheory.walks import exact_walk_metrics


def random_lattice_curve(joint):
    """The curve of random numbers in place of the subset entropies (``H(empty) = 0``): every
    identity that holds for any set function still holds for it."""
    H = np.random.default_rng(joint.n).random(1 << joint.n)
    H[0] = 0.0
    return m.curve_from_avg_entropy(m.avg_entropy(H))


def perturbed_curve(joint, base=None):
    """The true curve with its last value raised by 1e-6 (still nondecreasing)."""
    z = m.information_curve(joint, base=base).copy()
    z[-1] += 1e-6
    return z


def left_to_right(n):
    """As many contiguous blocks as bisection has rounds."""
    nodes = np.linspace(0, n, ceil(log2(n + 1)) + 1).round().astype(int)
    return [list(range(a, b)) for a, b in zip(nodes[:-1], nodes[1:])]


def entropy_as_bisection(chain, sampler):
    """Gives the entropy sampler an exact sampler's numbers: entropy would win everywhere."""
    return exact_walk_metrics(chain, m.make_sampler("bisection") if sampler.name == "entropy" else sampler)


def ignores_sampler(chain, sampler):
    """Every sampler gets the random sampler's numbers: no winner anywhere."""
    return exact_walk_metrics(chain, m.make_sampler("random", steps=sampler.params["steps"]))


def symbolic_increment_curve(p, xs, n):
    """The swapped formula ``Hbar_j - Hbar_{j-1}`` in place of ``Z_j = Hbar_1 + Hbar_{j-1} - Hbar_j``."""
    hbar = [sum(symbolic_sympy._H(p, xs, A) for A in itertools.combinations(range(n), k)) / comb(n, k)
            for k in range(n + 1)]
    return [hbar[j] - hbar[j - 1] for j in range(1, n + 1)]


def one_jump_curve(n, eps):
    """A single jump: two steps are exact, so no Omega(eps) floor."""
    z = np.zeros(n)
    z[n // 2 :] = 0.5
    return z


WRONG = {
    "theorem4 (steps reversed)": (theorem4, {"expected_kl_fn": lambda j, s: m.expected_kl(j, list(s.steps[::-1]))}),
    "theorem4 (perturbed curve)": (theorem4, {"expected_kl_fn": lambda j, s: m.expected_kl(perturbed_curve(j), s)}),
    "lemma8 (random lattice)": (lemma8, {"curve_fn": random_lattice_curve}),
    "lemma8 (perturbed curve)": (lemma8, {"curve_fn": perturbed_curve}),
    "lemma13 (random lattice)": (lemma13, {"curve_fn": random_lattice_curve}),
    "lemma13 (perturbed curve)": (lemma13, {"curve_fn": perturbed_curve}),
    "theorem9 (bound without 1 + ln n)": (theorem9, {"steps_bound": lambda n, hat, eps: 2 + math.ceil(hat / eps)}),
    "theorem9 (one-step schedule)": (theorem9, {"schedules": {"tc": lambda n, hat, eps: Schedule([n]), "dtc": theorem9.dtc}}),
    "li_cai (floor for ceil)": (li_cai, {"bound_fn": lambda s, n, x: (2 ** math.floor(math.log2(s)) - 1) / n * x}),
    "austin (printed form as exact)": (austin, {"exact_form": austin.austin_bound}),
    "austin (exact form as printed)": (austin, {"printed_form": austin.theorem4_form}),
    "austin (perturbed curve)": (austin, {"curve_fn": perturbed_curve}),
    "austin (random lattice)": (austin, {"curve_fn": random_lattice_curve}),
    "prop20 (jump at j >= k)": (prop20, {"closed_form": lambda n, k, q: np.where(np.arange(1, n + 1) >= k, math.log2(q), 0.0)}),
    "prop20 (perturbed curve)": (prop20, {"curve_fn": perturbed_curve}),
    "theorem30 (one jump)": (theorem30, {"curve_fn": one_jump_curve}),
    "theorem30 (no 1/ln n)": (theorem30, {"curve_fn": lambda n, eps: theorem30.staircase_curve(n, eps) * math.log(n)}),
    "chain_rule (unconditional TC)": (chain_rule, {"tc_fn": lambda j, S, pinned: m.conditional_total_correlation(j, S)}),
    "mixture_convexity (Theorem 4 for the mixture)": (mixture_convexity, {"mixture_kl_fn": m.expected_kl}),
    "eb_bound (half the bound)": (eb_bound, {"bound_fn": lambda h: (sum(h) - max(h)) / 2}),
    "oracle_decoupling (printed form as the right one)": (
        oracle_decoupling, {"forms": (oracle_decoupling.printed_form, oracle_decoupling.right_form)}),
    "oracle_decoupling (perturbed engine)": (
        oracle_decoupling, {"expected_kl_fn": lambda j, s: m.expected_kl(perturbed_curve(j), s)}),
    "oracle_decoupling (mixture engine for the per-order KL)": (oracle_decoupling, {"expected_kl_fn": m.mixture_kl}),
    "bisection_exact (left to right)": (bisection_exact, {"partition_fn": left_to_right}),
    "entropy_vs_random (entropy wins everywhere)": (entropy_vs_random, {"metrics_fn": entropy_as_bisection}),
    "entropy_vs_random (sampler ignored)": (entropy_vs_random, {"metrics_fn": ignores_sampler}),
    "symbolic_sympy (swapped curve formula)": (symbolic_sympy, {"curve_fn": symbolic_increment_curve}),
}


# the entropy_vs_random cases take most of a minute each: CI only (make test skips slow tests unless CI=true)
@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c.startswith("entropy_vs_random") else c
                                  for c in sorted(WRONG)])
def test_wrong_ingredient_fails(case):
    """The check reports FAIL when fed the wrong ingredient."""
    module, kwargs = WRONG[case]
    claim = module.check(quick=True, **kwargs)
    assert claim.passed is False, (case, claim.numbers)
    assert claim.verdict == "FAIL"


def test_every_claim_takes_an_ingredient():
    """Every claim module's check takes at least one injectable ingredient besides ``quick``, and
    every module listed here has a wrong one above."""
    import importlib
    import inspect

    from mdmtheory.proofs_check import claim_modules

    for name in claim_modules():
        params = inspect.signature(importlib.import_module(f"mdmtheory.proofs_check.{name}").check).parameters
        assert set(params) - {"quick"}, name
    covered = {module.__name__.rsplit(".", 1)[1] for module, _ in WRONG.values()}
    assert covered <= set(claim_modules()) and len(covered) == 15


def test_random_lattice_still_satisfies_the_telescoping_identities():
    """Why lemma8/lemma13 compute one side from the table: with random numbers in place of the
    entropies, sum Z = n Hbar_1 - Hbar_n still holds, so comparing lattice with lattice proves nothing."""
    joint = m.random_joint(4, 2, seed=1)
    H = np.random.default_rng(4).random(16)
    H[0] = 0.0
    z, hbar = random_lattice_curve(joint), m.avg_entropy(H)
    assert z.sum() == pytest.approx(4 * hbar[1] - hbar[4])
    assert abs(z.sum() - m.total_correlation(joint)) > 1e-3


def test_oracle_decoupling_numbers_match_its_detail():
    """The verdict's numbers are the detail's: the swapped form is off by exactly twice the error."""
    c = oracle_decoupling.check(quick=True)
    assert c.passed
    assert c.numbers["max_gap_per_order_form"] < 1e-10
    assert c.numbers["max_abs_swapped_gap_minus_2_error"] < 1e-10
    assert c.numbers["min_gap_swapped_form"] > MARGIN
    fails, cases = map(int, c.numbers["mixture_form_fails"].split("/"))
    assert 0 < fails <= cases and f"{fails} of {cases}" in c.detail


def test_oracle_decoupling_sides_on_a_product_law():
    """On a product law every exact-oracle KL is 0, so both imperfect-oracle KLs equal the error."""
    joint = m.product([[0.3, 0.7], [0.5, 0.5], [0.2, 0.8]])
    d = oracle_decoupling.sides(joint, [2, 1], eps=0.5, seed=0)
    assert d["E_kl"] == pytest.approx(0, abs=1e-12) and d["mixture_kl"] == pytest.approx(0, abs=1e-12)
    assert d["E_kl_hat"] == pytest.approx(d["error"], abs=1e-12) and d["error"] > 1e-3


def test_austin_printed_form_on_parity():
    """README's example: parity(4), k = 2: the error is log 2, the printed form 3 log 2."""
    z = m.information_curve(m.parity(4))
    assert austin.theorem4_form(z, 2) == pytest.approx(math.log(2))
    assert austin.austin_bound(z, 2) == pytest.approx(3 * math.log(2))


def test_entropy_vs_random_winners_are_computed():
    """The winners come from the numbers: path from an end and tree from its root go to entropy."""
    c = entropy_vs_random.check(quick=True)
    assert c.passed
    assert c.numbers["n=7 k=3: entropy wins"] == ["path:5/vertex:0", "tree:2/vertex:0"]
    assert c.numbers["n=7 k=3: random better"] > 0
