"""Lavenant and Zanella (arXiv 2510.25544): geometric schedules against the exact optimum.

Only the abstract and third-party summaries were reachable: the paper gives KL bounds that depend
only on the average number of tokens per step and analyses geometric schedules explicitly.  Their
bounds are not checked here (their constants were not reachable); what is compared is the family
they analyse: for every number of steps ``k`` the best geometric schedule (ratios on a grid, both
growing and shrinking steps, :func:`mdmtheory.schedules.geometric`) against the exact optimal
schedule (Chen-Cong-Li Theorem 4 minimised by dynamic programming), on every built-in family.
The check is that no geometric schedule beats the optimum, and the numbers are how close the best
geometric schedule comes (``max_excess``: the largest ``geometric - optimal`` in nats)."""

from __future__ import annotations

import numpy as np

from mdmtheory import expected_kl, information_curve, optimal_schedule
from mdmtheory.schedules import geometric

from . import TOL, Claim
from ._families import builtin_families

NAME = "lavenant_zanella_geometric"
#: What the verdict checked (proofs_check.KINDS): their bounds were not reachable: geometric schedules are
#: compared with the toolkit's own exact optimum.
KIND = "consistency"
SOURCE_READ = "abstract, summary"
SOURCE = (
    "H. Lavenant and G. Zanella (2025), arXiv 2510.25544; only the abstract and summaries were reachable: their "
    "bounds are not checked, their geometric schedules are compared with the exact optimum"
)

RATIOS = tuple(np.round(np.concatenate([np.geomspace(0.25, 0.95, 8), [1.0], np.geomspace(1.05, 4.0, 10)]), 4))


def best_geometric(z: np.ndarray, k: int, schedule=geometric) -> tuple[float, float]:
    """``(ratio, expected KL)`` of the best geometric schedule with ``k`` steps on the grid."""
    best = (1.0, float("inf"))
    for r in RATIOS:
        e = expected_kl(z, schedule(z.size, float(r), k))
        if e < best[1]:
            best = (float(r), e)
    return best


def check(quick: bool = False, optimum=optimal_schedule, schedule=geometric) -> Claim:
    """Optimum <= every geometric schedule at every k; the best geometric schedule's excess."""
    worst_violation, excess = 0.0, {}
    growing = 0
    total = 0
    for name, joint in builtin_families(quick).items():
        z = information_curve(joint)
        fam_excess = 0.0
        for k in range(1, z.size + 1):
            opt = optimum(z, k).expected_kl
            r, g = best_geometric(z, k, schedule)
            worst_violation = max(worst_violation, opt - g)
            fam_excess = max(fam_excess, g - opt)
            growing += r > 1.0
            total += 1
        excess[f"max_excess[{name}]"] = fam_excess
    return Claim(
        name=NAME,
        kind=KIND,
        source_read=SOURCE_READ,
        source=SOURCE,
        passed=worst_violation <= TOL,
        numbers={"cases": total, "max_optimal_minus_geometric": worst_violation, "best_ratio_growing_fraction": growing / total, **excess},
        detail=(
            "On every built-in family and every k, no geometric schedule (ratios 0.25..4) beats the exact optimal "
            "schedule; max_excess[...] is the largest gap (nats) between the best geometric schedule and the optimum."
        ),
    )
