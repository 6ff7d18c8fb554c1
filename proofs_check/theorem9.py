"""Chen-Cong-Li Theorem 9: with ``TChat >= TC`` the TC schedule reaches expected KL ``eps``,
and with ``DTChat >= DTC`` the DTC schedule does, each in at most
``2 + (1 + ln n)(1 + ceil(hat / eps))`` steps.  Checked exactly (Theorem 4 on the exact
curve) on parity, linear codes of low dimension and low codimension, random subspaces and
random tables, for a grid of ``eps``."""

from __future__ import annotations

import math

from mdmtheory import dual_total_correlation, expected_kl, information_curve, total_correlation
from mdmtheory.bounds import theorem9_steps_bound
from mdmtheory.schedules import dtc, tc

from . import Claim
from ._cases import schedule_cases

NAME = "theorem9_tc_dtc_schedules"

FRACTIONS = (2.0, 1.0, 0.5, 0.25, 0.1, 0.05, 0.02, 0.01)


def check(quick: bool = False) -> Claim:
    worst_err = worst_steps = 0.0
    cases = 0
    failures = []
    for name, joint in schedule_cases(quick).items():
        z = information_curve(joint)
        n = joint.n
        for fam, hat, make in (("tc", total_correlation(joint), tc), ("dtc", dual_total_correlation(joint), dtc)):
            if hat <= 1e-12:
                continue
            for frac in FRACTIONS:
                eps = frac * hat
                sched = make(n, hat, eps)
                err = expected_kl(z, sched)
                bound = theorem9_steps_bound(n, 1 + math.ceil(hat / eps))
                assert abs(bound - (2 + (1 + math.log(n)) * (1 + math.ceil(hat / eps)))) < 1e-9
                worst_err = max(worst_err, err / eps)
                worst_steps = max(worst_steps, sched.k / bound)
                cases += 1
                if err > eps * (1 + 1e-9) or sched.k > bound:
                    failures.append(f"{fam} on {name} at eps={eps:.3g}: KL {err:.4g}, {sched.k} steps")
    return Claim(
        name=NAME,
        source="Chen-Cong-Li (COLT 2026) Theorem 9",
        passed=not failures,
        numbers={"cases": cases, "max_kl_over_eps": worst_err, "max_steps_over_bound": worst_steps, "failures": len(failures)},
        detail=(
            "TC schedule with TChat = TC and DTC schedule with DTChat = DTC, eps = hat x "
            f"{FRACTIONS}: expected KL <= eps and steps <= 2 + (1 + ln n)(1 + ceil(hat/eps)) on "
            "parity, low-dimension and low-codimension codes, random subspaces, Dirichlet tables."
            + (" Failures: " + "; ".join(failures[:3]) if failures else "")
        ),
    )
