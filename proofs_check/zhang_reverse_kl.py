"""Zhang et al. (arXiv 2602.00286): factorised parallel decoding can have arbitrarily large
reverse KL while the forward KL stays bounded.

The family is :func:`mdmtheory.noisy_copy` (all positions equal, except with probability
``delta`` a uniform string).  One-step factorised decoding samples every position from its
(uniform) marginal; the exact evaluator's output law gives ``KL(nu || mu)`` and ``KL(mu || nu)``,
compared with the closed form of the reverse KL and with ``TC`` for the forward one, for
``delta = 10^-1 .. 10^-d``: the reverse KL grows like ``(1 - q^(1-n)) log(1/delta)``."""

from __future__ import annotations

import math

from mdmtheory import evaluate, make_sampler, noisy_copy, total_correlation

from . import TOL, Claim

NAME = "zhang_reverse_kl"
#: What the verdict checked (proofs_check.KINDS).
KIND = "confirmed"
SOURCE_READ = "abstract"
SOURCE = (
    "S. Zhang, L. Yu, R. Brekelmans, L. Tang, S. Asif, G. Ver Steeg (2026), arXiv 2602.00286, "
    "insight (2) of the abstract; only the abstract was reachable, so the family (noisy copy) and "
    "its closed form are ours"
)


def reverse_kl_closed_form(n: int, q: int, delta: float) -> float:
    """``KL(uniform || noisy_copy(n, q, delta))`` in nats (derivation in ``noisy_copy``)."""
    frac = float(q) ** (1 - n)
    diag = (1.0 - delta) / q + delta * float(q) ** -n
    return (1.0 - frac) * math.log(1.0 / delta) + frac * math.log(float(q) ** -n / diag)


def check(quick: bool = False, family=noisy_copy, engine=evaluate, closed_form=reverse_kl_closed_form) -> Claim:
    """Closed form = exact reverse KL; forward KL <= TC; reverse KL grows by the stated slope."""
    decades = 4 if quick else 8
    shapes = [(4, 2), (3, 3)] if quick else [(4, 2), (3, 3), (6, 2)]
    worst_gap, worst_forward, worst_slope = 0.0, -math.inf, 0.0
    largest = {}
    for n, q in shapes:
        one_step = make_sampler("random", schedule=[n])
        prev = None
        for d in range(1, decades + 1):
            delta = 10.0**-d
            joint = family(n, q, delta)
            r = engine(joint, one_step)
            exact_rev = r["reverse_kl"]
            worst_gap = max(worst_gap, abs(exact_rev - closed_form(n, q, delta)) / max(1.0, exact_rev))
            worst_forward = max(worst_forward, r["kl"] - total_correlation(joint))
            if prev is not None and d == decades:  # last decade: slope against (1 - q^(1-n)) log 10
                slope = (exact_rev - prev) / math.log(10.0)
                worst_slope = max(worst_slope, abs(slope - (1.0 - float(q) ** (1 - n))))
            prev = exact_rev
        largest[f"reverse_kl(n={n},q={q},delta=1e-{decades})"] = prev
        largest[f"forward_bound_TC_max(n={n},q={q})"] = (n - 1) * math.log(q)
    passed = worst_gap <= TOL and worst_forward <= TOL and worst_slope <= 1e-3
    return Claim(
        name=NAME,
        kind=KIND,
        source_read=SOURCE_READ,
        source=SOURCE,
        passed=passed,
        numbers={
            "max_rel_gap_closed_form": worst_gap,
            "max_forward_minus_TC": worst_forward,
            "slope_error_last_decade": worst_slope,
            **largest,
        },
        detail=(
            "One-step factorised decoding of noisy_copy(n, q, delta): the exact reverse KL (evaluate) equals "
            "(1 - q^(1-n)) log(1/delta) + q^(1-n) log(q^-n / ((1-delta)/q + delta q^-n)) and grows by "
            "(1 - q^(1-n)) log 10 per decade of delta, while the forward KL stays <= TC <= (n-1) log q (nats)."
        ),
    )
