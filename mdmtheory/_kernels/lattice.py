"""Subset-entropy lattice kernel (numpy reference: ``tests/test_information.py``).

Conventions: subsets of positions are int64 bitmasks (bit ``i`` = position ``i``),
tables are C-ordered float64 arrays flattened, ``0 log 0 = 0`` is guarded explicitly.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

__all__: list[str] = []


@njit(cache=True)
def _marginalize_entropy(src, size, qa, inner, dst):
    """Sum axis (``qa`` values, stride ``inner``) of ``src[:size]`` into ``dst``.

    Returns ``(new_size, -sum dst log dst)``; the entropy is fused into the last pass.
    """
    outer = size // (qa * inner)
    h = 0.0
    for o in range(outer):
        bs = o * qa * inner
        bd = o * inner
        if qa == 1:
            for i in range(inner):
                x = src[bs + i]
                dst[bd + i] = x
                if x > 0.0:
                    h -= x * np.log(x)
            continue
        for i in range(inner):
            dst[bd + i] = src[bs + i]
        for v in range(1, qa - 1):
            s = bs + v * inner
            for i in range(inner):
                dst[bd + i] += src[s + i]
        s = bs + (qa - 1) * inner
        for i in range(inner):
            x = dst[bd + i] + src[s + i]
            dst[bd + i] = x
            if x > 0.0:
                h -= x * np.log(x)
    return size // qa, h


@njit(cache=True)
def _entropy_flat(p):
    h = 0.0
    for k in range(p.size):
        x = p[k]
        if x > 0.0:
            h -= x * np.log(x)
    return h


@njit(cache=True)
def _lattice_subtree(table, shape, inner_of, j0, out):
    """Entropies of every subset reached by removing ``j0`` first, then larger indices.

    Depth-first over the removal tree; each marginal is summed from its parent's.
    Memory: one buffer per level, at most ``2 * table.size`` in all for ``q >= 2``.
    """
    n = shape.size
    full = (np.int64(1) << n) - 1
    # per-level buffer sizes: level l has removed l positions, all >= j0
    off = np.zeros(n + 2, dtype=np.int64)
    sizes_sorted = np.sort(shape[j0:])
    cap = table.size
    for lvl in range(1, n - j0 + 1):
        cap = cap // sizes_sorted[lvl - 1]
        off[lvl + 1] = off[lvl] + cap
    ws = np.empty(max(off[n - j0 + 1], 1), dtype=np.float64)
    mask = np.zeros(n + 2, dtype=np.int64)
    nxt = np.zeros(n + 2, dtype=np.int64)
    size = np.zeros(n + 2, dtype=np.int64)
    sz, h = _marginalize_entropy(table, table.size, shape[j0], inner_of[j0], ws[off[1]:])
    m = full ^ (np.int64(1) << j0)
    out[m] = h
    mask[1] = m
    nxt[1] = j0 + 1
    size[1] = sz
    lvl = 1
    while lvl >= 1:
        j = nxt[lvl]
        if j >= n:
            lvl -= 1
            continue
        nxt[lvl] = j + 1
        sz, h = _marginalize_entropy(
            ws[off[lvl]:], size[lvl], shape[j], inner_of[j], ws[off[lvl + 1]:]
        )
        m = mask[lvl] ^ (np.int64(1) << j)
        out[m] = h
        lvl += 1
        mask[lvl] = m
        nxt[lvl] = j + 1
        size[lvl] = sz


@njit(cache=True, parallel=True)
def _lattice_entropies(table, shape, bins, nbins):
    """``out[mask] = H(X_mask)`` (nats) for all ``2^n`` subsets.

    The removal tree's ``n`` top subtrees (first removed position ``j0``) are split
    into ``nbins`` bins (``bins[j0]``) of about equal work; bins run in parallel.
    """
    n = shape.size
    inner_of = np.ones(n, dtype=np.int64)
    for j in range(n - 2, -1, -1):
        inner_of[j] = inner_of[j + 1] * shape[j + 1]
    out = np.zeros(np.int64(1) << n, dtype=np.float64)
    out[(np.int64(1) << n) - 1] = _entropy_flat(table)
    for b in prange(nbins):
        for j0 in range(n):
            if bins[j0] == b:
                _lattice_subtree(table, shape, inner_of, j0, out)
    return out


def _balanced_bins(shape: tuple[int, ...], nbins: int) -> np.ndarray:
    """Longest-processing-time assignment of the top subtrees to ``nbins`` bins.

    Subtree ``j0`` touches about ``prod_{l<j0} q_l * prod_{l>j0} (q_l + 1)`` cells.
    """
    n = len(shape)
    work = [
        float(np.prod(shape[:j0], dtype=float) * np.prod([q + 1 for q in shape[j0 + 1 :]], dtype=float))
        for j0 in range(n)
    ]
    load = [0.0] * nbins
    bins = np.zeros(n, dtype=np.int64)
    for j0 in sorted(range(n), key=lambda j: -work[j]):
        b = int(np.argmin(load))
        bins[j0] = b
        load[b] += work[j0]
    return bins


def lattice_entropies(table: np.ndarray) -> np.ndarray:
    """Entropies (nats) of all ``2^n`` subset marginals of ``table``, indexed by bitmask."""
    flat = np.ascontiguousarray(table, dtype=np.float64).ravel()
    shape = np.asarray(table.shape, dtype=np.int64)
    nbins = max(1, min(numba.get_num_threads(), len(table.shape)))
    bins = _balanced_bins(tuple(int(q) for q in table.shape), nbins)
    return _lattice_entropies(flat, shape, bins, nbins)
