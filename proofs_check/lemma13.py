"""The one-step identity behind Theorem 4 (our reading of Chen-Cong-Li Lemma 13; THEORY.md
does not state the lemma): for a uniformly random revealed set ``T`` of size ``t`` and a
uniformly random set ``S`` of ``s`` further positions,

    E_{T,S} E_x TC(X_S | X_T = x_T) = sum_{j=1}^{s} (Z_{t+j} - Z_{t+1}).

Checked by enumerating every ``(T, S)`` on the subset-entropy lattice."""

from __future__ import annotations

import itertools

import numpy as np

from mdmtheory import information_curve, parity, random_joint, subset_entropies

from . import Claim


def _mask(positions) -> int:
    return sum(1 << i for i in positions)


def check(quick: bool = False) -> Claim:
    tables = [parity(4)] + [random_joint(n, 2, alpha=a, seed=s) for s, (n, a) in enumerate([(4, 0.3), (5, 1.0), (5, 0.1)])]
    if not quick:
        tables += [random_joint(6, 2, alpha=0.2, seed=9), random_joint(4, 3, alpha=0.5, seed=10)]
    worst, cases = 0.0, 0
    for joint in tables:
        n = joint.n
        H = subset_entropies(joint)
        z = information_curve(joint)
        for t in range(n):
            for s in range(1, n - t + 1):
                vals = []
                for T in itertools.combinations(range(n), t):
                    rest = [i for i in range(n) if i not in T]
                    mT = _mask(T)
                    for S in itertools.combinations(rest, s):
                        # E_x TC(X_S | X_T) = sum_{i in S} H(X_i | X_T) - H(X_S | X_T)
                        single = sum(H[mT | 1 << i] - H[mT] for i in S)
                        vals.append(single - (H[mT | _mask(S)] - H[mT]))
                lhs = float(np.mean(vals))
                rhs = float(np.sum(z[t : t + s] - z[t]))
                worst = max(worst, abs(lhs - rhs))
                cases += 1
    return Claim(
        name="lemma13_one_step_identity",
        source="Chen-Cong-Li (COLT 2026) Lemma 13 (as read here: the one-step identity)",
        passed=worst < 1e-10,
        numbers={"cases": cases, "max_abs_difference": worst},
        detail="The expected conditional TC of unmasking s random positions after t random ones "
        "equals sum_{j<=s} (Z_{t+j} - Z_{t+1}); THEORY.md does not state Lemma 13, so this is "
        "our reading of it (nats).",
    )
