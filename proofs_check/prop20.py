"""Chen-Cong-Li Prop. 20: the uniform distribution on a Reed-Solomon (MDS) code of dimension
``k`` over ``F_q`` has a one-jump information curve, ``Z_j = log2(q) [j > k]`` bits; so two
steps ``(k, n - k)`` are exact while any schedule whose first ``k + 1`` positions share a
step pays.

Compared: the closed form with the library's curve and with ``Z`` from its definition
(averaged mutual informations on the code's table); the two-step claim with the chain-rule
engine :func:`mdmtheory.fixed_order_kl` on every ordered partition ``(A, rest)``, ``|A| = k``
(each must be exact), and the cost of one first step of ``k + 1`` positions from Theorem 4
(``expected_kl``), which must be the jump, ``log2 q`` bits."""

from __future__ import annotations

import itertools
import math

import numpy as np

from mdmtheory import expected_kl, fixed_order_kl, information_curve, reed_solomon

from . import TOL, Claim, _brute

NAME = "prop20_reed_solomon_one_jump"
#: What the verdict checked (proofs_check.KINDS).
KIND = "confirmed"
SOURCE_READ = "reference notes"


def one_jump(n: int, k: int, q: int) -> np.ndarray:
    """The stated curve, bits: ``Z_j = log2(q) [j > k]`` (0-based array)."""
    return np.where(np.arange(1, n + 1) > k, math.log2(q), 0.0)


def check(quick: bool = False, curve_fn=information_curve, closed_form=one_jump) -> Claim:
    """``curve_fn(joint, base=2)`` and ``closed_form(n, k, q)`` are injectable, to show the check can fail."""
    codes = [(4, 2, 5), (5, 2, 5), (5, 3, 7)] if quick else [(4, 2, 5), (5, 2, 5), (5, 3, 7), (6, 3, 7), (7, 2, 7), (7, 4, 7)]
    worst = worst_def = two_step = worst_jump = 0.0
    partitions = 0
    for n, k, q in codes:
        joint = reed_solomon(n, k, q)
        z = np.asarray(curve_fn(joint, base=2), dtype=float)
        want = closed_form(n, k, q)
        worst = max(worst, float(np.max(np.abs(z - want))))
        if q**n <= 2e5:  # the definition enumerates n 2^(n-1) marginals of the q^n table
            worst_def = max(worst_def, float(np.max(np.abs(_brute.information_curve(joint.table) / math.log(2) - want))))
        for A in itertools.combinations(range(n), k):
            rest = [i for i in range(n) if i not in A]
            two_step = max(two_step, fixed_order_kl(joint, [list(A), rest], base=2))
            partitions += 1
        if k + 1 < n:
            worst_jump = max(worst_jump, float(abs(expected_kl(joint, [k + 1, n - k - 1], base=2) - want[-1])))
    return Claim(
        name=NAME,
        kind=KIND,
        source_read=SOURCE_READ,
        source="Chen-Cong-Li (COLT 2026) Prop. 20",
        passed=max(worst, worst_def, two_step, worst_jump) < TOL,
        numbers={"codes": len(codes), "max_abs_curve_error_bits": worst, "max_abs_definition_error_bits": worst_def,
                 "two_step_partitions": partitions, "max_two_step_kl_bits": two_step,
                 "max_abs_first_step_k+1_minus_log2q": worst_jump},
        detail="Z_j = log2(q) [j > k] bits for Reed-Solomon codes RS(n, k) over F_q "
        f"{codes} (library curve and the definition); every two-step order (A, rest) with |A| = k has KL 0 "
        "(chain-rule engine); a first step of k + 1 positions costs exactly log2 q bits.",
    )
