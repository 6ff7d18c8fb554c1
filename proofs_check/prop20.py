"""Chen-Cong-Li Prop. 20: the uniform distribution on a Reed-Solomon (MDS) code of dimension
``k`` over ``F_q`` has a one-jump information curve, ``Z_j = log2(q) [j > k]`` bits; so two
steps ``(k, n - k)`` are exact while any schedule whose first ``k + 1`` positions share a
step pays."""

from __future__ import annotations

import math

import numpy as np

from mdmtheory import information_curve, optimal_schedule, reed_solomon

from . import Claim

NAME = "prop20_reed_solomon_one_jump"


def check(quick: bool = False) -> Claim:
    codes = [(4, 2, 5), (5, 2, 5), (5, 3, 7)] if quick else [(4, 2, 5), (5, 2, 5), (5, 3, 7), (6, 3, 7), (7, 2, 7), (7, 4, 7)]
    worst = 0.0
    two_step = 0.0
    for n, k, q in codes:
        z = information_curve(reed_solomon(n, k, q), base=2)
        want = np.where(np.arange(1, n + 1) > k, math.log2(q), 0.0)
        worst = max(worst, float(np.max(np.abs(z - want))))
        two_step = max(two_step, optimal_schedule(z, 2).expected_kl)
    return Claim(
        name=NAME,
        source="Chen-Cong-Li (COLT 2026) Prop. 20",
        passed=worst < 1e-9 and two_step < 1e-9,
        numbers={"codes": len(codes), "max_abs_curve_error_bits": worst, "max_optimal_two_step_kl_bits": two_step},
        detail="Z_j = log2(q) [j > k] bits for Reed-Solomon codes RS(n, k) over F_q "
        f"{codes}; the optimal two-step schedule has expected KL 0.",
    )
