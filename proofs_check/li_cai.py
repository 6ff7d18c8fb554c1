"""Li and Cai (arXiv 2505.21400): ``E KL <= (2^ceil(log2 s_max) - 1) / n (TC + DTC)`` for every
schedule.  Checked exactly on the schedule-check tables for every family schedule and random
schedules, with the exact TC and DTC."""

from __future__ import annotations

import math

import numpy as np

from mdmtheory import dual_total_correlation, expected_kl, information_curve, total_correlation
from mdmtheory.schedules import Schedule, schedule_family

from . import Claim
from ._cases import schedule_cases

NAME = "li_cai_bound"


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


def check(quick: bool = False) -> Claim:
    rng = np.random.default_rng(7)
    worst, tightest, cases = 0.0, 0.0, 0
    for joint in schedule_cases(quick).values():
        z = information_curve(joint)
        n = joint.n
        total = total_correlation(joint) + dual_total_correlation(joint)
        for sched in _schedules(n, rng):
            bound = (2 ** math.ceil(math.log2(sched.max_step)) - 1) / n * total
            exact = expected_kl(z, sched)
            worst = max(worst, exact - bound)
            if bound > 1e-12:
                tightest = max(tightest, exact / bound)
            cases += 1
    return Claim(
        name=NAME,
        source="Li and Cai (2025), arXiv 2505.21400",
        passed=worst <= 1e-9,
        numbers={"cases": cases, "max_exact_minus_bound": worst, "max_exact_over_bound": tightest},
        detail="(2^ceil(log2 s_max) - 1)/n (TC + DTC) bounds the exact expected KL of every family "
        "schedule and random schedules on codes, subspaces and Dirichlet tables (nats).",
    )
