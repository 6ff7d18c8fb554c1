"""Distributions shared by the schedule claims: random tables, parity, linear codes of low
dimension and low codimension, random subspaces (all exact tables, seeded)."""

from __future__ import annotations

import numpy as np

from mdmtheory import Joint, linear_code, parity, random_joint


def _full_rank_rows(rng, k: int, n: int, q: int) -> np.ndarray:
    """A random ``k x n`` generator matrix of rank ``k`` over ``F_q``."""
    while True:
        G = rng.integers(0, q, size=(k, n))
        if _rank_mod_p(G, q) == k:
            return G


def _rank_mod_p(G: np.ndarray, p: int) -> int:
    A = G.copy() % p
    r = 0
    rows, cols = A.shape
    for c in range(cols):
        piv = next((i for i in range(r, rows) if A[i, c] % p), None)
        if piv is None:
            continue
        A[[r, piv]] = A[[piv, r]]
        A[r] = (A[r] * pow(int(A[r, c]), -1, p)) % p
        for i in range(rows):
            if i != r and A[i, c]:
                A[i] = (A[i] - A[i, c] * A[r]) % p
        r += 1
        if r == rows:
            break
    return r


def schedule_cases(quick: bool) -> dict[str, Joint]:
    """Named tables for the Theorem 9 / Li-Cai checks."""
    n = 8 if quick else 10
    rng = np.random.default_rng(2026)
    cases: dict[str, Joint] = {f"parity({n})": parity(n)}
    G = _full_rank_rows(rng, 2, n, 2)
    cases[f"code(n={n},dim=2)"] = linear_code(G, 2)
    G = _full_rank_rows(rng, n - 2, n, 2)
    cases[f"code(n={n},dim={n - 2})"] = linear_code(G, 2)
    for s in range(2 if quick else 4):
        d = int(rng.integers(1, n))
        cases[f"subspace(n={n},dim={d},seed={s})"] = linear_code(_full_rank_rows(rng, d, n, 2), 2)
    m = 6 if quick else 7
    cases[f"subspace(n={m},q=3,dim=3)"] = linear_code(_full_rank_rows(rng, 3, m, 3), 3)
    for s, alpha in enumerate((0.1, 0.5, 2.0) if quick else (0.05, 0.1, 0.3, 1.0, 5.0)):
        cases[f"dirichlet(n={n - 2},a={alpha})"] = random_joint(n - 2, 2, alpha=alpha, seed=s)
    return cases
