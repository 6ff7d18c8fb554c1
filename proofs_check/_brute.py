"""Brute-force quantities straight from a probability table, for the claims to compare the
library's engines against.

Nothing here uses the subset-entropy lattice, the information curve or the evaluator: every
number is computed from its definition on the table itself (conditionals by slicing and
summing, output laws cell by cell, divergences with :func:`scipy.special.rel_entr`).  Meant for
small tables (``n <= 6``); the cost is exponential in ``n``.
"""

from __future__ import annotations

import itertools
from math import comb

import numpy as np
from scipy.special import entr, rel_entr

__all__ = [
    "H",
    "kl",
    "conditional",
    "ordered_partitions",
    "fixed_order_law",
    "order_laws",
    "expected_conditional_tc",
    "information_curve",
    "total_correlation",
    "dual_total_correlation",
]


def H(p: np.ndarray) -> float:
    """Entropy (nats) of a probability array, ``0 log 0 = 0``."""
    return float(np.sum(entr(np.asarray(p, dtype=float))))


def kl(p: np.ndarray, q: np.ndarray) -> float:
    """``KL(p || q)`` in nats (``inf`` if ``q`` misses mass of ``p``)."""
    return float(np.sum(rel_entr(np.asarray(p, dtype=float), np.asarray(q, dtype=float))))


def marginal(table: np.ndarray, keep) -> np.ndarray:
    """The marginal table of the positions ``keep`` (in increasing order)."""
    drop = tuple(a for a in range(table.ndim) if a not in set(keep))
    return table.sum(axis=drop) if drop else table


def conditional(table: np.ndarray, x, revealed, i: int) -> np.ndarray:
    """``mu(X_i | X_R = x_R)`` as a vector, by slicing and summing the table (uniform where
    ``mu(x_R) = 0``)."""
    n = table.ndim
    sub = table[tuple(x[a] if a in revealed else slice(None) for a in range(n))]
    free = [a for a in range(n) if a not in revealed]
    mass = float(sub.sum())
    if mass <= 0:
        return np.full(table.shape[i], 1.0 / table.shape[i])
    return sub.sum(axis=tuple(b for b, a in enumerate(free) if a != i)) / mass


def ordered_partitions(n: int, sizes):
    """Every ordered partition of ``range(n)`` into blocks of the given sizes (each once; the
    uniform law on them is the random order of Chen-Cong-Li)."""

    def rec(rest, sizes):
        if not sizes:
            yield []
            return
        for S in itertools.combinations(rest, sizes[0]):
            for tail in rec([a for a in rest if a not in S], sizes[1:]):
                yield [list(S)] + tail

    yield from rec(list(range(n)), list(sizes))


def fixed_order_law(table: np.ndarray, blocks, oracle=conditional) -> np.ndarray:
    """``nu_S(x) = prod_t prod_{i in S_t} oracle(x_i | x_{T_t})``, cell by cell.

    ``oracle(table, x, revealed, i)`` returns the vector the sampler draws ``x_i`` from; the
    default is the exact conditional.  Calls are memoised per context ``(R, x_R, i)``.
    """
    cache: dict = {}
    nu = np.zeros(table.shape)
    for x in itertools.product(*[range(q) for q in table.shape]):
        p, rev = 1.0, ()
        for block in blocks:
            for i in block:
                key = (rev, tuple(x[a] for a in rev), i)
                if key not in cache:
                    cache[key] = oracle(table, x, rev, i)
                p *= cache[key][x[i]]
            rev = tuple(sorted(rev + tuple(block)))
        nu[x] = p
    return nu


def order_laws(table: np.ndarray, steps, oracle=conditional) -> list[np.ndarray]:
    """The fixed-order law of every ordered partition with block sizes ``steps``."""
    return [fixed_order_law(table, blocks, oracle) for blocks in ordered_partitions(table.ndim, steps)]


def expected_conditional_tc(table: np.ndarray, S, T) -> float:
    """``E_{x_T ~ mu} TC(X_S | X_T = x_T)``, each conditional table sliced out of ``mu``.

    ``TC(X_S | x_T) = KL(mu(X_S | x_T) || prod_{i in S} mu(X_i | x_T))``, computed as a KL.
    """
    n = table.ndim
    S, T = sorted(S), sorted(T)
    total = 0.0
    for xT in itertools.product(*[range(table.shape[a]) for a in T]):
        sub = table[tuple(xT[T.index(a)] if a in T else slice(None) for a in range(n))]
        mass = float(sub.sum())
        if mass <= 0:
            continue
        free = [a for a in range(n) if a not in T]
        joint = marginal(sub / mass, [free.index(a) for a in S])
        prod = np.ones(())
        for i in S:
            prod = np.multiply.outer(prod, marginal(sub / mass, [free.index(i)]))
        total += mass * kl(joint, prod)
    return total


def _mutual_information(table: np.ndarray, i: int, S) -> float:
    """``I(X_i ; X_S) = KL(mu(X_i, X_S) || mu(X_i) mu(X_S))``."""
    if not S:
        return 0.0
    keep = sorted(set(S) | {i})
    pair = np.moveaxis(marginal(table, keep), keep.index(i), 0)
    return kl(pair, np.multiply.outer(marginal(table, [i]), marginal(table, sorted(S))))


def information_curve(table: np.ndarray) -> np.ndarray:
    """``Z_j = E_{|S| = j-1, i not in S} I(X_i ; X_S)`` (nats), by averaging every pair."""
    n = table.ndim
    z = np.zeros(n)
    for j in range(1, n + 1):
        vals = [
            _mutual_information(table, i, S)
            for S in itertools.combinations(range(n), j - 1)
            for i in range(n)
            if i not in S
        ]
        assert len(vals) == comb(n, j - 1) * (n - j + 1)
        z[j - 1] = float(np.mean(vals))
    return z


def total_correlation(table: np.ndarray) -> float:
    """``TC = KL(mu || prod_i mu_i)``."""
    prod = np.ones(())
    for i in range(table.ndim):
        prod = np.multiply.outer(prod, marginal(table, [i]))
    return kl(table, prod)


def dual_total_correlation(table: np.ndarray) -> float:
    """``DTC = H(X) - sum_i H(X_i | X_-i)``, the conditional entropies from the table's
    full conditionals ``mu(x_i | x_-i)``."""
    out = H(table)
    for i in range(table.ndim):
        rest = table.sum(axis=i, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            cond = np.where(table > 0, table / np.where(rest > 0, rest, 1.0), 1.0)
        out -= float(-np.sum(table * np.log(cond)))
    return out


def optimal_expected_kl(z, kmax: int) -> np.ndarray:
    """``[min over schedules with k steps of the Theorem 4 error of Z, for k = 1..kmax]`` by the
    plain ``O(k n^2)`` dynamic programme over the end of the last step (no Monge speed-up).

    A step covering positions ``a..b`` costs ``sum_{j=a}^{b} (Z_j - Z_a)``.  Memory ``n^2``.
    """
    z = np.asarray(z, dtype=float)
    n = z.size
    P = np.concatenate([[0.0], np.cumsum(z)])
    a = np.arange(n)[:, None]  # 0-based start
    b = np.arange(n)[None, :]  # 0-based end
    cost = np.where(b >= a, P[b + 1] - P[a] - (b - a + 1) * z[a], np.inf)
    best = cost[0].copy()  # one step covering 0..b
    out = [best[-1]]
    for _ in range(1, min(kmax, n)):
        prev = np.concatenate([[np.inf], best[:-1]])  # best with the previous steps ending at a - 1
        best = np.min(prev[:, None] + cost, axis=0)
        out.append(best[-1])
    return np.array(out + [0.0] * (kmax - len(out)))
