"""Markov-chain kernels (numpy references: ``tests/test_markov.py``, ``tests/test_walks.py``).

Conventions: a chain is ``(P, start)`` with ``P`` row-stochastic ``(q, q)``; positions are
``0..n-1``; ``values[i] = -1`` marks a masked position.  Matrix powers are kept *settled*:
only ``P^0..P^D`` are stored, and ``P^d`` for ``d > D`` is ``P^{settle(d)}`` where
``settle`` folds ``d`` back by the chain period ``L`` (``P^D ~= P^{D-L}`` to ``1e-14``).
``0 log 0 = 0`` is guarded explicitly.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__: list[str] = []


@njit(cache=True)
def settle(d, D, L):
    """Index into the stored powers ``0..D`` standing for ``P^d``."""
    if d <= D:
        return d
    return D - L + 1 + (d - D - 1) % L


@njit(cache=True)
def bridge_marginals(P, start, values, out):
    """Exact ``mu(x_i | x_R)`` for every masked ``i`` by scaled forward-backward.

    ``out`` ``(n, q)`` receives the marginals (rows of revealed positions set to 0).
    Returns ``False`` when the revealed values have probability 0.  ``O(n q^2)``.
    """
    n = values.shape[0]
    q = P.shape[0]
    f = np.empty(q)
    g = np.empty(q)
    # forward: out[i] = law of x_i given the revealed values at positions <= i
    for i in range(n):
        if i == 0:
            for v in range(q):
                f[v] = start[v]
        else:
            for v in range(q):
                s = 0.0
                for u in range(q):
                    s += out[i - 1, u] * P[u, v]
                f[v] = s
        x = values[i]
        if x >= 0:
            if f[x] <= 0.0:
                return False
            for v in range(q):
                out[i, v] = 0.0
            out[i, x] = 1.0
        else:
            tot = 0.0
            for v in range(q):
                tot += f[v]
            if tot <= 0.0:
                return False
            for v in range(q):
                out[i, v] = f[v] / tot
    # backward: b = law-free likelihood of the revealed values at positions > i, scaled
    b = np.ones(q)
    for i in range(n - 1, -1, -1):
        if values[i] < 0:
            tot = 0.0
            for v in range(q):
                out[i, v] *= b[v]
                tot += out[i, v]
            if tot <= 0.0:
                return False
            for v in range(q):
                out[i, v] /= tot
        if i == 0:
            break
        # g = P (b * evidence_i)
        x = values[i]
        for u in range(q):
            s = 0.0
            if x >= 0:
                s = P[u, x] * b[x]
            else:
                for v in range(q):
                    s += P[u, v] * b[v]
            g[u] = s
        m = 0.0
        for u in range(q):
            if g[u] > m:
                m = g[u]
        if m <= 0.0:
            return False
        for u in range(q):
            b[u] = g[u] / m
    for i in range(n):
        if values[i] >= 0:
            for v in range(q):
                out[i, v] = 0.0
    return True


@njit(cache=True)
def avg_entropy_kernel(Hmu, G, n, stationary):
    """``Hbar_k`` for ``k = 0..n`` from ``Hmu[i] = H(X_{i+1})`` and ``G[d] = sum_i H(X_{i+d} | X_i)``.

    ``Hbar_k = sum_i Pr(min A = i) H(X_i) + sum_d Pr(i, i+d consecutive in A) G[d]`` with
    ``Pr(min A = i) = C(n-i, k-1)/C(n, k)`` and ``C(n-d-1, k-2)/C(n, k)`` per pair, each
    weight obtained from the previous one by its ratio.  A sum stops once its geometric tail
    is below ``1e-18`` of the total weight: ``O(n log n)`` terms in all.
    """
    out = np.zeros(n + 1)
    for k in range(1, n + 1):
        first = 0.0
        if stationary:
            first = Hmu[0]
        else:
            w = k / n
            i = 1
            while True:
                first += w * Hmu[i - 1]
                if i >= n - k + 1:
                    break
                w *= (n - i - k + 1) / (n - i)
                i += 1
                if k > 1 and w * n <= 1e-18 * (k - 1):
                    break
        pairs = 0.0
        if k >= 2:
            w = k * (k - 1) / (n * (n - 1.0))
            d = 1
            while True:
                pairs += w * G[d]
                if d >= n - k + 1:
                    break
                w *= (n - d - k + 1) / (n - d - 1.0)
                d += 1
                if w * n * n <= 1e-18 * (k - 1):
                    break
        out[k] = first + pairs
    return out


@njit(cache=True)
def _link(l, r, mu, hrow, Hmu, D, L):
    """Entropy term of consecutive revealed positions ``l < r``: ``H(X_r | X_l)``;
    ``H(X_r)`` when ``l = -1``; 0 when ``r = -1``."""
    if r < 0:
        return 0.0
    if l < 0:
        return Hmu[settle(r, D, L)]
    a = settle(l, D, L)
    b = settle(r - l, D, L)
    s = 0.0
    for v in range(mu.shape[1]):
        s += mu[a, v] * hrow[b, v]
    return s


@njit(cache=True)
def fixed_order_tc(step, mu, hrow, Hmu, D, L):
    """``KL(mu || nu_S) = sum_t E TC(X_{S_t} | X_{T_t})`` for the ordered partition given by
    ``step[i]`` (the step at which position ``i`` is unmasked), by gaps.

    Given ``T_t``, the positions of ``S_t`` fall into gaps ``(l, r)`` between revealed
    neighbours; gaps are conditionally independent, and a gap with members ``s_1 < ... < s_m``
    contributes ``sum_j H(X_{s_j} | X_l, X_r) - H(X_{s_1..s_m} | X_l, X_r)``, each term a
    short chain of ``H(X_b | X_a)`` (``mu`` row ``a`` times the entropies of the rows of
    ``P^{b-a}``).  Gaps with one member contribute exactly 0.  ``O(n q + n log n)``.
    """
    n = step.shape[0]
    prev = np.empty(n, dtype=np.int64)
    nxt = np.empty(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    top = 0
    for i in range(n):  # previous position with a strictly smaller step
        while top > 0 and step[stack[top - 1]] >= step[i]:
            top -= 1
        prev[i] = stack[top - 1] if top > 0 else -1
        stack[top] = i
        top += 1
    top = 0
    for i in range(n - 1, -1, -1):
        while top > 0 and step[stack[top - 1]] >= step[i]:
            top -= 1
        nxt[i] = stack[top - 1] if top > 0 else -1
        stack[top] = i
        top += 1
    order = np.argsort(step, kind="mergesort")
    total = 0.0
    a = 0
    while a < n:
        b = a + 1
        while b < n and step[order[b]] == step[order[a]] and prev[order[b]] == prev[order[a]]:
            b += 1
        if b - a >= 2:
            l = prev[order[a]]
            r = nxt[order[a]]
            lr = _link(l, r, mu, hrow, Hmu, D, L)
            singles = 0.0
            for j in range(a, b):
                s = order[j]
                singles += _link(l, s, mu, hrow, Hmu, D, L) + _link(s, r, mu, hrow, Hmu, D, L) - lr
            joint = _link(l, order[a], mu, hrow, Hmu, D, L) + _link(order[b - 1], r, mu, hrow, Hmu, D, L) - lr
            for j in range(a, b - 1):
                joint += _link(order[j], order[j + 1], mu, hrow, Hmu, D, L)
            total += singles - joint
        a = b
    return total
