"""Convexity for stochastic samplers (docs/theory.md section 2.3): the random-order output law is the
mixture ``nu = mean_S nu_S`` and ``KL(mu || nu) <= E_S KL(mu || nu_S)``.

Brute force, independent of the DP of :mod:`mdmtheory.divergence` and of the evaluator: every one
of the ``n!`` orders gives a fixed-order law built cell by cell from the conditionals; their
average is the mixture.  Compared with ``mixture_kl``, ``expected_kl`` (Theorem 4) and the
evaluator's ``random`` sampler.  Also counted: cases where the mixture beats the best
deterministic adaptive policy with the same number of calls (``optimal_kl``), which convexity
allows: the optimal policy is the floor of deterministic samplers only."""

from __future__ import annotations

import numpy as np

from mdmtheory import evaluate, expected_kl, make_sampler, mixture_kl, optimal_kl, random_joint
from mdmtheory.divergence import kl_divergence

from . import MARGIN, TOL, Claim
from ._brute import kl, order_laws

NAME = "mixture_convexity"
#: What the verdict checked (proofs_check.KINDS).
KIND = "consistency"
SOURCE_READ = "none"


def brute_mixture(table: np.ndarray, steps: tuple[int, ...]) -> tuple[np.ndarray, float]:
    """``(mean over ordered partitions of nu_S, mean over them of KL(mu || nu_S))``."""
    laws = order_laws(table, steps)
    return np.mean(laws, axis=0), float(np.mean([kl(table, nu) for nu in laws]))


def check(quick: bool = False, mixture_kl_fn=mixture_kl) -> Claim:
    """``mixture_kl_fn(joint, steps)`` is the engine under test (injectable, to show the check can fail)."""
    shapes = [(2, 2, 2), (3, 2, 2)] if quick else [(2, 2, 2), (3, 2, 2), (2, 2, 2, 2), (3, 3, 2, 2)]
    worst_law = worst_thm4 = worst_eval = 0.0
    worst_gap = -np.inf
    cases = below_floor = per_order_below = 0
    for s, shape in enumerate(shapes):
        for alpha in (0.3, 1.0):
            joint = random_joint(len(shape), list(shape), alpha=alpha, seed=200 + s)
            floor = optimal_kl(joint)
            for k in range(1, joint.n + 1):
                steps = make_sampler("random", steps=k).sizes(joint.n)
                mix, mean_kl = brute_mixture(joint.table, steps)
                mkl = kl_divergence(joint, mix)
                worst_law = max(worst_law, abs(mkl - mixture_kl_fn(joint, steps)))
                worst_thm4 = max(worst_thm4, abs(mean_kl - expected_kl(joint, steps)))
                worst_gap = max(worst_gap, mkl - mean_kl)  # convexity: <= 0
                worst_eval = max(worst_eval, abs(evaluate(joint, make_sampler("random", steps=k))["kl"] - mkl))
                below_floor += int(mkl < floor[k - 1] - MARGIN)
                per_order_below += int(mean_kl < floor[k - 1] - MARGIN)  # impossible: each order is a policy
                cases += 1
    return Claim(
        name=NAME,
        kind=KIND,
        source_read=SOURCE_READ,
        source="Convexity of KL (Chen-Cong-Li arXiv 2511.04647; docs/theory.md section 2.3)",
        passed=worst_gap <= TOL and max(worst_law, worst_thm4, worst_eval) < TOL and per_order_below == 0,
        numbers={
            "cases": cases,
            "max_mixture_kl_minus_mean_kl": worst_gap,
            "max_abs_mixture_vs_brute": worst_law,
            "max_abs_theorem4_vs_brute": worst_thm4,
            "max_abs_evaluator_vs_brute": worst_eval,
            "cases_mixture_below_optimal_floor": below_floor,
            "cases_mean_kl_below_optimal_floor": per_order_below,
        },
        detail="KL(mu || mean_S nu_S) <= mean_S KL(mu || nu_S) on every case; mixture_kl, expected_kl and the "
        "evaluator's random sampler equal the brute force over all orders.  The per-order mean never falls "
        f"below optimal(k); the mixture falls below it in {below_floor} of {cases} cases here (convexity allows "
        "it): the optimal policy is the floor of deterministic samplers and of the per-order expected KL, not "
        "of the mixture.",
    )
