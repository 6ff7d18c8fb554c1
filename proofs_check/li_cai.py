"""Li and Cai (arXiv 2505.21400): ``E KL <= (2^ceil(log2 s_max) - 1) / n (TC + DTC)`` for every
schedule.  Checked exactly on the schedule-check tables for every family schedule and random
schedules: the left side from Theorem 4 on the library's curve, ``TC + DTC`` from its
definitions on the table (``KL(mu || prod mu_i)`` and ``H(X) - sum_i H(X_i | X_-i)``), not from
the curve (``TC + DTC = n Z_n`` would make the bound a statement about the curve alone)."""

from __future__ import annotations

import math

import numpy as np

from mdmtheory import expected_kl, information_curve
from mdmtheory.schedules import Schedule, schedule_family

from . import TOL, Claim, _brute
from ._cases import schedule_cases

NAME = "li_cai_bound"
#: What the verdict checked (proofs_check.KINDS).
KIND = "confirmed"
SOURCE_READ = "reference notes"


def _schedules(n: int, rng) -> list[Schedule]:
    out = []
    for k in range(1, n + 1):
        for fam in ("even", "linear", "cosine", "dream"):
            out.append(schedule_family(fam, n, k=k))
        out.append(schedule_family("austin", n, k=k))
    for s in range(1, n + 1):
        out.append(schedule_family("constant", n, s=s))
    for _ in range(20):
        k = int(rng.integers(1, n + 1))
        cuts = np.sort(rng.choice(np.arange(1, n), size=k - 1, replace=False)) if k > 1 else np.array([], int)
        out.append(Schedule(np.diff(np.concatenate([[0], cuts, [n]])).tolist()))
    return out


def published_bound(s_max: int, n: int, tc_plus_dtc: float) -> float:
    """The bound as stated: ``(2^ceil(log2 s_max) - 1) / n * (TC + DTC)``."""
    return (2 ** math.ceil(math.log2(s_max)) - 1) / n * tc_plus_dtc


def check(quick: bool = False, bound_fn=published_bound) -> Claim:
    """``bound_fn(s_max, n, TC + DTC)`` is the statement under test (injectable, to show the check can fail)."""
    rng = np.random.default_rng(7)
    worst, tightest, cases = 0.0, 0.0, 0
    for joint in schedule_cases(quick).values():
        z = information_curve(joint)
        n = joint.n
        total = _brute.total_correlation(joint.table) + _brute.dual_total_correlation(joint.table)
        for sched in _schedules(n, rng):
            bound = bound_fn(sched.max_step, n, total)
            exact = expected_kl(z, sched)
            worst = max(worst, exact - bound)
            if bound > 1e-12:
                tightest = max(tightest, exact / bound)
            cases += 1
    return Claim(
        name=NAME,
        kind=KIND,
        source_read=SOURCE_READ,
        source="Li and Cai (2025), arXiv 2505.21400",
        passed=worst <= TOL,
        numbers={"cases": cases, "max_exact_minus_bound": worst, "max_exact_over_bound": tightest},
        detail="(2^ceil(log2 s_max) - 1)/n (TC + DTC) bounds the exact expected KL of every family "
        "schedule and random schedules on codes, subspaces and Dirichlet tables; TC + DTC from the table (nats).",
    )
