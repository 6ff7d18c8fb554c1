"""The rounds of the published ``punt`` (a leaf beside ``rules.py``): how many rounds, who is an
anchor, who is still in play, the test and one round, the one definition every engine runs (the
exact evaluator's kernel, :func:`mdmtheory.samplers.punt_kept` for the Python engines).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__: list[str] = []


@njit(cache=True)
def punt_rounds(e):
    """Number of anchor/test rounds of ``punt`` with ``e`` ranked candidates: ``ceil(log2 e)``
    (0 for ``e <= 1``), one per bit of the rank ``0..e-1``.  Under ``rounds = "independent"``
    each is a model call; under ``"shrinking"`` it is the most (:func:`punt_round_runs`)."""
    r = 0
    while (1 << r) < e:
        r += 1
    return r


@njit(cache=True)
def punt_is_anchor(rank, rnd):
    """Whether the candidate of 0-based confidence rank ``rank`` is an anchor in round ``rnd``
    (bit ``rnd`` of the rank is 0; else it is tested).  Rank 0 is an anchor in every round, so
    the top candidate is never dropped."""
    return ((rank >> rnd) & 1) == 0


@njit(cache=True)
def punt_in_play(a, kept, shrink):
    """Whether rank ``a`` takes part in a round: every rank under ``rounds = "independent"``;
    under ``"shrinking"`` only the ranks still in ``R`` (not dropped by an earlier round: the
    published ``decode_punt``'s ``R_mask``)."""
    return kept[a] or not shrink


@njit(cache=True)
def punt_round_runs(e, rnd, kept, shrink):
    """Whether round ``rnd`` over the ranked ``e`` candidates is run (one model call).  Always
    under ``"independent"``; under ``"shrinking"`` only when both its anchor group and its tested
    group among the ranks still in ``R`` are non-empty (``decode_punt`` skips the round, no
    forward pass, otherwise)."""
    if not shrink:
        return True
    anchor = False
    tested = False
    for a in range(e):
        if not kept[a]:
            continue
        if punt_is_anchor(a, rnd):
            anchor = True
        else:
            tested = True
    return anchor and tested


@njit(cache=True)
def punt_kl(p, pc, qi):
    """``KL(p || pc)`` in nats over ``qi`` values (``0 log 0 = 0``; ``inf`` when ``pc`` misses
    mass of ``p``): ``p = p_j(.|x)``, ``pc = p_j(.|x, y_anchors)``."""
    s = 0.0
    for v in range(qi):
        if p[v] > 0.0:
            if pc[v] <= 0.0:
                return np.inf
            s += p[v] * np.log(p[v] / pc[v])
    return s


@njit(cache=True)
def punt_drops(kl, eps, tol, strict):
    """The test of ``punt``: the token is dropped when ``KL >= eps`` (slack ``tol``:
    ``KL >= eps - tol``), or, ``strict`` (the published code's ``kl > epsilon``), when
    ``KL > eps + tol``."""
    if strict:
        return kl > eps + tol
    return kl >= eps - tol


@njit(cache=True)
def punt_round(e, chosen, rnd, P, Pc, possible, q, eps, tol, kept, shrink):
    """Round ``rnd`` of ``punt`` over the ranked ``chosen[:e]``, the one definition every engine
    runs: each tested member ``j`` in play (bit ``rnd`` of its rank set, :func:`punt_is_anchor`;
    :func:`punt_in_play`) is dropped (``kept[a] = False``) when :func:`punt_drops` holds for
    ``KL(P[j] || Pc[j])``, ``Pc[j] = p_j(.|x_R, y_anchors)`` the oracle's marginal given the
    candidate values of the anchors in play, or when those values are impossible (``possible``
    False: the conditional does not exist).  ``shrink`` (``rounds = "shrinking"``): only the
    ranks still kept take part and the comparison is strict.  The engine asks its oracle for
    ``Pc`` (rows of the tested members) between rounds, one model call a round it runs
    (:func:`punt_round_runs`)."""
    for a in range(e):
        if punt_is_anchor(a, rnd) or not punt_in_play(a, kept, shrink):
            continue
        j = chosen[a]
        if not possible or punt_drops(punt_kl(P[j], Pc[j], q[j]), eps, tol, shrink):
            kept[a] = False
