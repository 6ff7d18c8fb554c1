"""Optimal-schedule kernels: the ``k``-step dynamic programme over cut points
(numpy reference: ``tests/test_optimal.py``).

Nodes ``0 = N_0 < N_1 < ... < N_k = n``; a block from node ``i`` to node ``j`` (positions
``i+1..j``, 1-based) costs ``w(i, j) = (P_j - P_i) - (j - i) Z_{i+1}`` with ``P`` the prefix
sums of ``Z``.  Layer ``t`` is ``F_t(j) = min_{i < j} F_{t-1}(i) + w(i, j)``.

Because ``Z`` is nondecreasing, ``w(i, j) + w(i', j') - w(i, j') - w(i', j) = (j' - j)(Z_{i+1} -
Z_{i'+1}) <= 0`` for ``i < i' < j < j'`` (the quadrangle / Monge inequality), so the leftmost
minimising ``i`` is nondecreasing in ``j`` and one layer is solved by divide and conquer in
``O(n log n)`` instead of ``O(n^2)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__: list[str] = []


@njit(cache=True)
def _layer_dc(prev, z, P, t, jlo, jhi, cur, arg):
    """Fill ``cur[j]``, ``arg[j]`` for ``j`` in ``[jlo, jhi]`` from layer ``t - 1`` by divide and conquer.

    Candidates for ``j`` are ``i`` in ``[t - 1, j - 1]``; ties go to the smallest ``i``.
    """
    if jhi < jlo:
        return
    stack = np.empty((256, 4), dtype=np.int64)
    stack[0, 0] = jlo
    stack[0, 1] = jhi
    stack[0, 2] = t - 1
    stack[0, 3] = jhi - 1
    top = 1
    while top > 0:
        top -= 1
        lo = stack[top, 0]
        hi = stack[top, 1]
        olo = stack[top, 2]
        ohi = stack[top, 3]
        mid = (lo + hi) // 2
        last = min(mid - 1, ohi)
        best = np.inf
        bi = olo
        Pm = P[mid]
        for i in range(olo, last + 1):
            v = prev[i] + (Pm - P[i]) - (mid - i) * z[i]
            if v < best:
                best = v
                bi = i
        cur[mid] = best
        arg[mid] = bi
        if mid + 1 <= hi:
            stack[top, 0] = mid + 1
            stack[top, 1] = hi
            stack[top, 2] = bi
            stack[top, 3] = ohi
            top += 1
        if lo <= mid - 1:
            stack[top, 0] = lo
            stack[top, 1] = mid - 1
            stack[top, 2] = olo
            stack[top, 3] = bi
            top += 1


@njit(cache=True)
def _dp_arrays(z, k):
    """``(n, P, prev, cur, args)``: prefix sums ``P[j] = Z_1 + ... + Z_j``, the two DP layers
    (``prev`` = layer 0: 0 at node 0, inf elsewhere) and the ``k x (n + 1)`` cut table."""
    n = z.shape[0]
    P = np.zeros(n + 1)
    for j in range(n):
        P[j + 1] = P[j] + z[j]
    prev = np.full(n + 1, np.inf)
    cur = np.full(n + 1, np.inf)
    prev[0] = 0.0
    return n, P, prev, cur, np.zeros((k, n + 1), dtype=np.int32)


@njit(cache=True)
def optimal_layers(z, k, full):
    """Run layers ``1..k``; returns ``(values, args)``.

    ``values[t - 1]`` is ``F_t(n)``, the optimum with ``t`` steps; ``args[t - 1, j]`` the last
    cut before node ``j`` in layer ``t``.  With ``full`` false only the ``j`` that can still
    reach ``n`` in exactly ``k`` steps are computed (one optimum); with ``full`` true every
    ``j <= n`` is (the whole frontier ``t = 1..k``).
    """
    n, P, prev, cur, args = _dp_arrays(z, k)
    values = np.empty(k)
    for t in range(1, k + 1):
        for j in range(n + 1):
            cur[j] = np.inf
        jhi = n if full else n - (k - t)
        jlo = jhi if (t == k and not full) else t
        _layer_dc(prev, z, P, t, jlo, jhi, cur, args[t - 1])
        values[t - 1] = cur[n]
        prev, cur = cur, prev
    return values, args


@njit(cache=True)
def layers_until(z, eps, kmax):
    """Layers ``t = 1, 2, ...`` (every ``j``) until ``F_t(n) <= eps`` or ``t = kmax``.

    Returns ``(t, args[:t])``: the fewest steps reaching ``eps`` and the cut table to backtrack.
    """
    n, P, prev, cur, args = _dp_arrays(z, kmax)
    t = 0
    while t < kmax:
        t += 1
        for j in range(n + 1):
            cur[j] = np.inf
        _layer_dc(prev, z, P, t, t, n, cur, args[t - 1])
        prev, cur = cur, prev
        if prev[n] <= eps:
            break
    return t, args[:t]


@njit(cache=True)
def plain_dp(z, k):
    """The plain ``O(k n^2)`` dynamic programme (every candidate cut), for benchmarks.

    Returns ``(value, args)`` with the same layout as :func:`optimal_layers`.
    """
    n, P, prev, cur, args = _dp_arrays(z, k)
    for t in range(1, k + 1):
        for j in range(n + 1):
            cur[j] = np.inf
        for j in range(t, n + 1):
            best = np.inf
            bi = t - 1
            for i in range(t - 1, j):
                v = prev[i] + (P[j] - P[i]) - (j - i) * z[i]
                if v < best:
                    best = v
                    bi = i
            cur[j] = best
            args[t - 1, j] = bi
        prev, cur = cur, prev
    return prev[n], args


@njit(cache=True)
def backtrack(args, t, n):
    """Step sizes of the optimum with ``t`` steps ending at node ``n``."""
    steps = np.empty(t, dtype=np.int64)
    j = n
    for s in range(t, 0, -1):
        i = args[s - 1, j]
        steps[s - 1] = j - i
        j = i
    return steps


@njit(cache=True)
def frontier_rows(args, z):
    """Backtrack every layer ``t = 1..K`` to node ``n``; returns ``(flat steps, errors)``.

    Row ``t`` occupies ``flat[t (t - 1) / 2 : t (t + 1) / 2]``; ``errors[t - 1]`` is its
    Theorem 4 error recomputed from the steps (not the DP value).
    """
    K = args.shape[0]
    n = z.shape[0]
    flat = np.empty(K * (K + 1) // 2, dtype=np.int32)
    errors = np.empty(K)
    for t in range(1, K + 1):
        off = t * (t - 1) // 2
        j = n
        for s in range(t, 0, -1):
            i = args[s - 1, j]
            flat[off + s - 1] = j - i
            j = i
        a = 0
        err = 0.0
        for s in range(t):
            b = a + flat[off + s]
            for p in range(a, b):
                err += z[p] - z[a]
            a = b
        errors[t - 1] = err
    return flat, errors
