"""The one-step identity behind Theorem 4 (our reading of Chen-Cong-Li Lemma 13, stated
in docs/theory.md section 3.3): for a uniformly random revealed set ``T`` of size ``t`` and a
uniformly random set ``S`` of ``s`` further positions,

    E_{T,S} E_x TC(X_S | X_T = x_T) = sum_{j=1}^{s} (Z_{t+j} - Z_{t+1}).

The left side is computed from its definition, independently of the subset-entropy lattice:
for every ``(T, S)`` and every ``x_T``, the conditional table ``mu(X_S | x_T)`` is sliced out of
``mu`` and its total correlation taken as ``KL(mu(X_S | x_T) || prod_i mu(X_i | x_T))``.  The
right side is the library's information curve (:func:`mdmtheory.information_curve`).  The
identity is not a property of every set function: replacing the curve by one from random
numbers breaks it (``tests/test_claims_can_fail.py``)."""

from __future__ import annotations

import itertools

import numpy as np

from mdmtheory import information_curve, parity, random_joint

from . import TOL, Claim
from ._brute import expected_conditional_tc

NAME = "lemma13_one_step_identity"
#: What the verdict checked (proofs_check.KINDS): our reading of Lemma 13 (an identity of the information
#: curve); the printed statement was not read.
KIND = "consistency"
SOURCE_READ = "reference notes"


def check(quick: bool = False, curve_fn=information_curve) -> Claim:
    """Compare both sides on parity and Dirichlet tables; ``curve_fn(joint) -> Z`` is the
    engine under test (injectable, to show the check can fail)."""
    tables = [parity(4)] + [random_joint(n, 2, alpha=a, seed=s) for s, (n, a) in enumerate([(4, 0.3), (5, 1.0), (5, 0.1)])]
    if not quick:
        tables += [random_joint(6, 2, alpha=0.2, seed=9), random_joint(4, 3, alpha=0.5, seed=10),
                   random_joint(4, [2, 3, 2, 3], alpha=0.3, seed=11)]
    worst, cases = 0.0, 0
    for joint in tables:
        n = joint.n
        z = np.asarray(curve_fn(joint), dtype=float)
        for t in range(n):
            for s in range(1, n - t + 1):
                vals = [
                    expected_conditional_tc(joint.table, S, T)
                    for T in itertools.combinations(range(n), t)
                    for S in itertools.combinations([i for i in range(n) if i not in T], s)
                ]
                lhs = float(np.mean(vals))
                rhs = float(np.sum(z[t : t + s] - z[t]))
                worst = max(worst, abs(lhs - rhs))
                cases += 1
    return Claim(
        name=NAME,
        kind=KIND,
        source_read=SOURCE_READ,
        source="Chen-Cong-Li (COLT 2026) Lemma 13 (as read here: the one-step identity)",
        passed=worst < TOL,
        numbers={"tables": len(tables), "cases": cases, "max_abs_difference": worst},
        detail="The expected conditional TC of unmasking s random positions after t random ones, each "
        "conditional table sliced from mu, equals sum_{j<=s} (Z_{t+j} - Z_{t+1}) of the library's curve; "
        "the statement is our reading of Lemma 13 (docs/theory.md section 3.3), in nats.",
    )
