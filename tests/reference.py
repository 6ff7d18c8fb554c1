"""Slow, obviously-correct references used by the tests (plain numpy, no shortcuts)."""

from __future__ import annotations

import itertools
from math import log

import numpy as np


def H(p: np.ndarray) -> float:
    """Entropy in nats of a probability array, 0 log 0 = 0."""
    p = np.asarray(p, dtype=float).ravel()
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def subset_entropy(t: np.ndarray, subset) -> float:
    """H(X_A) by marginalising the full table directly."""
    drop = tuple(i for i in range(t.ndim) if i not in set(subset))
    return H(t.sum(axis=drop) if drop else t)


def all_subset_entropies(t: np.ndarray) -> np.ndarray:
    n = t.ndim
    return np.array([subset_entropy(t, [i for i in range(n) if m >> i & 1]) for m in range(1 << n)])


def cond_prob(t: np.ndarray, x: tuple, known: set, i: int) -> float:
    """mu(x_i | x_known) by summing the table; uniform on a zero-probability context."""
    n = t.ndim
    idx = tuple(x[j] if j in known else slice(None) for j in range(n))
    ctx = t[idx]
    den = ctx.sum()
    if den <= 0:
        return 1.0 / t.shape[i]
    idx2 = tuple(x[j] if (j in known or j == i) else slice(None) for j in range(n))
    return float(t[idx2].sum() / den)


def fixed_order_law(t: np.ndarray, blocks) -> np.ndarray:
    """nu_S(x) = prod_t prod_{i in S_t} mu(x_i | x_{T_t}), cell by cell."""
    nu = np.zeros_like(t)
    for x in itertools.product(*[range(q) for q in t.shape]):
        p, known = 1.0, set()
        for S in blocks:
            for i in S:
                p *= cond_prob(t, x, known, i)
            known |= set(S)
        nu[x] = p
    return nu


def ordered_partitions(n: int, sizes):
    """Every ordered partition of range(n) into blocks of the given sizes."""
    def rec(rest, sizes):
        if not sizes:
            yield []
            return
        for S in itertools.combinations(sorted(rest), sizes[0]):
            for tail in rec(rest - set(S), sizes[1:]):
                yield [list(S)] + tail
    yield from rec(set(range(n)), list(sizes))


def kl(p: np.ndarray, q: np.ndarray) -> float:
    p, q = np.asarray(p).ravel(), np.asarray(q).ravel()
    tot = 0.0
    for a, b in zip(p, q):
        if a > 0:
            if b <= 0:
                return float("inf")
            tot += a * log(a / b)
    return tot
