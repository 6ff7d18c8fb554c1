"""Chen-Cong-Li Lemma 8: TC and DTC are the areas under and above the information curve,
``TC = sum_j Z_j`` and ``DTC = n Z_n - TC``."""

from __future__ import annotations

from mdmtheory import copy, dual_total_correlation, information_curve, parity, random_joint, reed_solomon, total_correlation

from . import Claim

NAME = "lemma8_tc_dtc_areas"


def check(quick: bool = False) -> Claim:
    tables = {"copy(5,3)": copy(5, 3), "parity(6)": parity(6), "reed_solomon(5,2,5)": reed_solomon(5, 2, 5)}
    for s in range(4 if quick else 12):
        tables[f"dirichlet(6,seed={s})"] = random_joint(6 if s % 2 else 5, 2 + s % 2, alpha=(0.1, 0.5, 2.0)[s % 3], seed=s)
    worst_tc = worst_dtc = 0.0
    for joint in tables.values():
        z = information_curve(joint)
        tc = total_correlation(joint)  # sum_i H(X_i) - H(X), from the marginals directly
        dtc = dual_total_correlation(joint)  # sum_i H(X_-i) - (n-1) H(X)
        worst_tc = max(worst_tc, abs(z.sum() - tc))
        worst_dtc = max(worst_dtc, abs(joint.n * z[-1] - z.sum() - dtc))
    return Claim(
        name=NAME,
        source="Chen-Cong-Li (COLT 2026) Lemma 8",
        passed=max(worst_tc, worst_dtc) < 1e-10,
        numbers={"tables": len(tables), "max_abs_tc_error": worst_tc, "max_abs_dtc_error": worst_dtc},
        detail="sum_j Z_j = TC and n Z_n - sum_j Z_j = DTC, with TC and DTC computed from marginal "
        "entropies, on closed-form families and random tables (nats).",
    )
