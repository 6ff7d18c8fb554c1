"""Bisection on order-``m`` chains: when unmasking in rounds is exact.

:func:`block_bisection_partition` is bisection with separating blocks of ``m`` positions (exact on
every order-``m`` chain, about ``m log2(n / m)`` rounds); :func:`separated_rounds` checks the
separation condition of each step of any ordered partition.  ``m = 1`` is
:func:`mdmtheory.bisection_partition` (:mod:`mdmtheory.markov`).  Order-``m`` chains themselves:
:func:`mdmtheory.order_m_chain` (:mod:`mdmtheory.hmm`); the theory: ``docs/hmm.md``.

References
----------
.. [4] Bansal, Cholyeon, Kumar, Sanghavi, Sarkar, arXiv:2606.22976 (bisection on chains).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ._numeric import check_int, int_list, is_int
from .errors import InputError, check_memory

__all__ = ["block_bisection_partition", "separated_rounds"]


def block_bisection_partition(n: int, m: int, together: bool = False) -> list[list[int]]:
    """Bisection with separating blocks of ``m`` positions, for order-``m`` chains.

    Each level takes, in every maximal masked run ``a..b``, the middle block of ``m``
    consecutive positions (the whole run if it has at most ``m``).  With
    ``together=False`` (the exact version) a level is spread over ``m`` rounds, round ``k``
    revealing the ``k``-th position of every block; with ``together=True`` each level is one
    round revealing whole blocks.  ``m = 1`` is :func:`mdmtheory.bisection_partition`.

    Raises
    ------
    InputError
        ``n`` or ``m`` not a positive integer.

    Notes
    -----
    **Claim (order-m separation).** For an order-``m`` chain, a step unmasking ``S`` given
    ``x_T`` is exact (``TC(X_S | x_T) = 0`` for every ``x_T``) when every two members of
    ``S`` are separated by ``m`` consecutive positions of ``T``: given ``m`` consecutive
    values the past and future of an order-``m`` chain are independent, so the segments
    between such separators are conditionally independent.  (Sufficient, not necessary:
    :func:`separated_rounds` checks it.)  Every round of the ``together=False`` partition
    meets it (one position per run, runs separated by completed blocks), so its KL is 0,
    in ``m`` rounds per level, about ``m log2(n / m)`` rounds.  A ``together=True`` round
    reveals ``m`` adjacent positions at once and a plain bisection round ``>= 2`` has
    separators of one position: neither is exact in general for ``m >= 2`` (measured
    positive in ``tests/test_hmm.py``).

    Examples
    --------
    >>> block_bisection_partition(7, 1)
    [[3], [1, 5], [0, 2, 4, 6]]
    >>> block_bisection_partition(8, 2)
    [[3], [4], [0, 5], [1, 6], [2, 7]]
    >>> block_bisection_partition(8, 2, together=True)
    [[3, 4], [0, 1, 5, 6], [2, 7]]
    """
    for name, v in (("n", n), ("m", m)):
        if not is_int(v, 1):
            raise InputError(f"{name} must be a positive integer; got {v!r}")
    n, m = int(n), int(m)
    check_memory(64.0 * n, f"a partition of {n} positions")
    rounds: list[list[int]] = []
    runs = [(0, n - 1)]
    while runs:
        blocks, nxt = [], []
        for a, b in runs:
            L = b - a + 1
            if L <= m:
                blocks.append(list(range(a, b + 1)))
                continue
            s = a + (L - m) // 2
            blocks.append(list(range(s, s + m)))
            if s > a:
                nxt.append((a, s - 1))
            if s + m <= b:
                nxt.append((s + m, b))
        if together:
            rounds.append(sorted(i for blk in blocks for i in blk))
        else:
            for k in range(max(len(blk) for blk in blocks)):
                rounds.append([blk[k] for blk in blocks if k < len(blk)])
        runs = nxt
    return rounds


def separated_rounds(sets: Sequence[Sequence[int]], n: int, m: int) -> list[bool]:
    """For each step of an ordered partition, whether it meets the order-``m`` separation
    condition of :func:`block_bisection_partition` (then the step is exact on every
    order-``m`` chain).

    Raises
    ------
    InputError
        If ``sets`` is not an ordered partition of ``0..n-1`` or ``m < 1``.

    Examples
    --------
    >>> separated_rounds([[3], [1, 5], [0, 2, 4, 6]], 7, 1)
    [True, True, True]
    >>> separated_rounds([[3], [1, 5], [0, 2, 4, 6]], 7, 2)
    [True, False, False]
    """
    if not is_int(m, 1):
        raise InputError(f"m must be a positive integer; got {m!r}")
    n = check_int(n, "the length n", 1)
    check_memory(64.0 * n, f"a partition of {n} positions")
    seen = np.zeros(n, dtype=bool)
    out = []
    if isinstance(sets, (str, bytes, dict)) or not hasattr(sets, "__iter__"):
        raise InputError(f"sets must be a sequence of steps (lists of positions); got {sets!r}")
    for S in sets:
        S = sorted(int_list(S, "every step"))
        if not S or S[0] < 0 or S[-1] >= n or len(set(S)) != len(S) or seen[S].any():
            raise InputError(f"sets must partition 0..{n - 1} into non-empty steps; bad step {S}")
        ok = True
        for a, b in zip(S[:-1], S[1:]):
            run = best = 0
            for k in range(a + 1, b):
                run = run + 1 if seen[k] else 0
                best = max(best, run)
            if best < m:
                ok = False
                break
        out.append(ok)
        seen[S] = True
    if not seen.all():
        raise InputError(f"positions {np.flatnonzero(~seen)[:5].tolist()} are never unmasked; the sets must partition 0..{n - 1}")
    return out
