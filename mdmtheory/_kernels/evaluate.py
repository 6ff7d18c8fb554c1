"""Exact sampler evaluation and the optimal adaptive policy (numpy/recursive references:
``tests/test_evaluate.py``).

Layout: every subset ``M`` of positions (int64 bitmask) has its marginal table ``mu(x_M)``,
C-ordered over the positions of ``M`` in increasing order, stored flat at
``marg[off[M] : off[M + 1]]`` (``off`` has ``2^n + 1`` entries; ``off[M + 1] - off[M] =
prod_{i in M} q_i``; the total ``off[2^n] = prod_i (q_i + 1)``).  A partial assignment ``(R, x_R)`` is the cell ``off[R] + c``; the mass
arrays of the propagation use the same layout, so the conditional marginal of a masked position
is one division ``marg[off[R | i] + ...] / marg[off[R] + c]``: O(1) per value.

The selection rules are those of ``rules.py`` (one definition, shared with the walk engine and
``Sampler.select``); the tolerance and key scale arrive as arguments.  The oracle is uniform on
contexts of probability 0.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__: list[str] = []

from .rules import (
    ANCHORED, DEPENDENCE, DET, OPTIMAL, candidate_law, candidate_score, candidate_stats, draws_candidates, eligible,
    enumerate_spec, pairwise_dependent, punt_in_play, punt_is_anchor, punt_round, punt_round_runs, punt_rounds, select,
    stats, PUNT_SHRINKING,
)


@njit(cache=True)
def subset_marginals(flat, q, off):
    """Every subset marginal, each summed over one axis of a parent (one more position)."""
    n = q.size
    full = (1 << n) - 1
    out = np.empty(off[full + 1])
    out[off[full] :] = flat
    for M in range(full - 1, -1, -1):
        j = 0
        while (M >> j) & 1:
            j += 1
        P = M | (1 << j)
        a = 1
        b = 1
        for i in range(n):
            if (P >> i) & 1:
                if i < j:
                    a *= q[i]
                elif i > j:
                    b *= q[i]
        qj = q[j]
        po = off[P]
        mo = off[M]
        for x in range(a):
            for y in range(b):
                s = 0.0
                for v in range(qj):
                    s += out[po + (x * qj + v) * b + y]
                out[mo + x * b + y] = s
    return out


@njit(cache=True)
def _decode(R, c, q, x):
    """Values of the cell ``c`` of ``R`` into ``x`` (-1 elsewhere)."""
    for i in range(q.size - 1, -1, -1):
        if (R >> i) & 1:
            x[i] = c % q[i]
            c //= q[i]
        else:
            x[i] = -1


@njit(cache=True)
def _index(T, x, q):
    """Cell of ``x_T`` in the table of ``T``."""
    idx = 0
    for i in range(q.size):
        if (T >> i) & 1:
            idx = idx * q[i] + x[i]
    return idx


@njit(cache=True)
def _state(marg, off, q, R, c, losz, P, H, conf, marg_key):
    """Conditional marginals ``P[i]`` of the masked positions at cell ``c`` of ``R``, their
    entropies ``H``, confidences and margins; returns ``mu(x_R)``.  ``losz[i]`` receives
    ``prod_{j in R, j > i} q_j``."""
    n = q.size
    muR = marg[off[R] + c]
    lo = 1
    for i in range(n - 1, -1, -1):
        losz[i] = lo
        if (R >> i) & 1:
            lo *= q[i]
    for i in range(n):
        if (R >> i) & 1:
            continue
        qi = q[i]
        for v in range(P.shape[1]):
            P[i, v] = 0.0
        if muR > 0.0:
            base = off[R | (1 << i)] + (c // losz[i]) * qi * losz[i] + c % losz[i]
            for v in range(qi):
                P[i, v] = marg[base + v * losz[i]] / muR
        else:
            for v in range(qi):
                P[i, v] = 1.0 / qi
        conf[i], marg_key[i], H[i] = stats(P[i], qi)
    return muR


@njit(cache=True)
def _pair_mi(marg, off, q, R, c, muR, losz, i, j, H):
    """``I(X_i; X_j | x_R)`` for masked ``i < j`` (0 on a context of probability 0)."""
    if muR <= 0.0:
        return 0.0
    T = R | (1 << i) | (1 << j)
    Li = losz[i]
    Lj = losz[j]
    a = c // Li
    rem = c % Li
    b = rem // Lj
    low = rem % Lj
    mid = Li // Lj
    hij = 0.0
    for v in range(q[i]):
        for w in range(q[j]):
            p = marg[off[T] + (((a * q[i] + v) * mid + b) * q[j] + w) * Lj + low] / muR
            if p > 0.0:
                hij -= p * np.log(p)
    return H[i] + H[j] - hij


@njit(cache=True)
def _spread(q, R, S, x, P, w, nxt, off, marg, muR, spos, stepof, t1, one_pass):
    """Unmask ``S`` independently from ``P`` (``x`` holds ``x_R``) with mass ``w`` into ``nxt``
    (``one_pass``: record the call count ``t1`` of the cells reached); returns
    ``sum_{x_S} mu(x_T) log(mu(x_T) / mu(x_R))`` (the chain-rule term; 0 if ``muR = 0``)."""
    T = R | S
    k = 0
    for i in range(q.size):
        if (S >> i) & 1:
            spos[k] = i
            x[i] = 0
            k += 1
    acc = 0.0
    while True:
        p = w
        for a in range(k):
            p *= P[spos[a], x[spos[a]]]
        if p > 0.0:
            idx = off[T] + _index(T, x, q)
            nxt[idx] += p
            if one_pass:  # -2 marks a state reached after two different numbers of calls
                s0 = stepof[idx]
                if s0 == -1:
                    stepof[idx] = t1
                elif s0 != t1:
                    stepof[idx] = -2
            if muR > 0.0:
                mt = marg[idx]
                if mt > 0.0:
                    acc += mt * np.log(mt / muR)
        a = k - 1
        while a >= 0:
            i = spos[a]
            x[i] += 1
            if x[i] < q[i]:
                break
            x[i] = 0
            a -= 1
        if a < 0:
            break
    for a in range(k):
        x[spos[a]] = -1
    return acc


@njit(cache=True)
def _punt_filter(marg, off, q, R, c, muR, losz, H, e, chosen, delta, tol):
    """``punt_pairwise``: keep the ranked ``chosen[:e]`` not dependent (``I > delta + tol``) on an
    earlier-ranked one (the oracle's exact pairwise test); returns the bitmask."""
    S = 0
    for a in range(e):
        i = chosen[a]
        dependent = False
        for b in range(a):
            j = chosen[b]
            lo = i if i < j else j
            hi = j if i < j else i
            if pairwise_dependent(_pair_mi(marg, off, q, R, c, muR, losz, lo, hi, H), delta, tol):
                dependent = True
                break
        if not dependent:
            S |= 1 << i
    return S


@njit(cache=True)
def _punt_anchored(marg, off, q, R, P, x, e, chosen, eps, tol, shrink, Pc, kept):
    """The published ``punt``: ``(keep, calls)``, the members of the ranked ``chosen[:e]`` that no
    anchor/test round drops as a bitmask (``rules.punt_round``, the rounds every engine runs) and
    the rounds run (model calls: ``rules.punt_round_runs``; ``shrink`` for ``rounds =
    "shrinking"``).  ``x`` holds ``x_R`` and every candidate; ``P[j]`` is ``p_j(.|x_R)``.  In a
    round this engine's oracle answers from the tables: ``Pc[j] = mu(x_R, y_A, v) / mu(x_R, y_A)``
    for the tested ``j``, the anchors in play ``A`` at their candidate values; impossible when
    ``mu(x_R, y_A) = 0``."""
    for a in range(e):
        kept[a] = True
    calls = 0
    for rnd in range(punt_rounds(e)):
        if not punt_round_runs(e, rnd, kept, shrink):
            continue
        calls += 1
        A = R
        for a in range(e):
            if punt_is_anchor(a, rnd) and punt_in_play(a, kept, shrink):
                A |= 1 << chosen[a]
        d = marg[off[A] + _index(A, x, q)]
        if d > 0.0:
            for a in range(e):
                if punt_is_anchor(a, rnd) or not punt_in_play(a, kept, shrink):
                    continue
                j = chosen[a]
                T = A | (1 << j)
                xj = x[j]
                for v in range(q[j]):
                    x[j] = v
                    Pc[j, v] = marg[off[T] + _index(T, x, q)] / d
                x[j] = xj
        punt_round(e, chosen, rnd, P, Pc, d > 0.0, q, eps, tol, kept, shrink)
    keep = 0
    for a in range(e):
        if kept[a]:
            keep |= 1 << chosen[a]
    return keep, calls


@njit(cache=True)
def propagate(marg, off, q, order, code, ip, fp, sizes, tol, keyscale, deterministic, one_pass, policy, kbudget,
              max_calls, lay, stepof, seen, nu, steps_prob, dep, use_model, mrows, have, need, merr):
    """Push a sampler's probability mass, one model call at a time, through the partial
    assignments (layer ``t`` = the mass after ``t`` calls), with the rules of ``rules.py``.

    Candidate rules enumerate every candidate vector of the eligible positions (probability
    ``prod_i W_i(y_i)``) and every set of the selection law; the others enumerate the selection
    law and draw ``x_S`` from the marginals.  A step of the published ``punt`` costs one call
    plus the rounds it runs (``punt_rounds(m)`` at most; fewer under ``rounds = "shrinking"``,
    where the count depends on the candidates): its mass moves that many layers ahead (``lay`` is a ring of
    layers, ``lay[t % D]`` the mass after ``t`` calls).  On return ``nu`` is the output law (flat, the
    layout of the full set), ``steps_prob[t]`` the probability of ``t`` calls and, for
    ``deterministic`` rules, ``dep[t]`` the chain-rule sum ``sum mu(x_R) TC(X_S | x_R)`` of the
    states met at call ``t``.  Returns ``(max_state_tc, calls_mu, states_visited, ok)``; ``ok``
    is False when mass is left after ``max_calls`` calls.

    ``one_pass`` (every call unmasks at least one position and a state's number of calls is a
    function of the state: the rules without candidates): one array, one sweep over the masks
    by increasing size, each cell's call count kept in ``stepof`` (less memory, no layers).
    The caller allocates the mass layers ``lay`` (zeros, shape ``(D, cells)``: ``D = 1`` in one
    pass, 2 for one call per step, ``2 + punt_rounds(n)`` for ``punt``; numpy's zeroed pages
    are only touched where mass goes), ``stepof`` (int16, -1; one
    entry per cell in one pass) and ``seen`` (bool, one per cell in layers).

    With ``use_model`` the sampler selects and samples from a *model*: at a cell of positive
    ``mu(x_R)`` the masked rows are ``mrows[cell]`` (``have[cell]`` says they are filled; an
    unfilled cell sets ``need[cell]``, its mass is dropped and the caller fills and runs again);
    on contexts of probability 0 the rows stay uniform, as for the truth.  The chain-rule terms
    then use the truth: ``dep[t]`` gets ``mu(x_R) TC(X_S | x_R)`` and ``merr[t]`` gets
    ``mu(x_R) sum_{i in S} KL(mu_i(.|x_R) || model_i(.|x_R))`` (inf where the model gives 0 to a
    value of positive truth probability).
    """
    n = q.size
    full = (1 << n) - 1
    total = off[full + 1]
    qmax = 1
    for i in range(n):
        if q[i] > qmax:
            qmax = q[i]
    P = np.zeros((n, qmax))
    Q = np.zeros((n, qmax))
    Wc = np.zeros((n, qmax))
    H = np.zeros(n)
    Ht = np.zeros(n)
    mkl = np.zeros(n)
    conf = np.zeros(n)
    margk = np.zeros(n)
    score = np.zeros(n)
    losz = np.zeros(n, dtype=np.int64)
    x = np.full(n, -1, dtype=np.int64)
    pos = np.zeros(n, dtype=np.int64)
    key = np.zeros(n)
    chosen = np.zeros(n, dtype=np.int64)
    elig = np.zeros(n, dtype=np.int64)
    y = np.zeros(n, dtype=np.int64)
    w = np.zeros(n)
    spos = np.zeros(n, dtype=np.int64)
    cand = draws_candidates(code)
    nbuf = 1 if (deterministic or code == OPTIMAL) else (1 << n)
    pcs = np.zeros((n, qmax))
    kept = np.zeros(n, dtype=np.bool_)
    D = lay.shape[0]
    sets = np.zeros(nbuf, dtype=np.int64)
    probs = np.zeros(nbuf)
    dpbuf = np.zeros(nbuf)
    livel = np.zeros((D, full + 1), dtype=np.bool_)
    cur = lay[0]
    nxt = lay[1 % D]
    live_cur = livel[0]
    live_nxt = livel[1 % D]
    if one_pass:
        stepof[off[0]] = 0
    cur[off[0]] = 1.0
    live_cur[0] = True
    worst = 0.0
    calls_mu = 0.0
    visited = 0
    t = 0
    while True:
        live = False
        for R in order:
            if R == full or not live_cur[R]:
                continue
            live_cur[R] = False
            m = 0
            for i in range(n):
                if not (R >> i) & 1:
                    pos[m] = i
                    m += 1
            for c in range(off[R + 1] - off[R]):
                wgt = cur[off[R] + c]
                if wgt <= 0.0:
                    continue
                cur[off[R] + c] = 0.0
                live = True
                if one_pass:
                    t = stepof[off[R] + c]
                    if t < 0:
                        return worst, calls_mu, visited, False
                    visited += 1
                elif not seen[off[R] + c]:
                    seen[off[R] + c] = True
                    visited += 1
                _decode(R, c, q, x)
                muR = _state(marg, off, q, R, c, losz, P, H, conf, margk)
                for i in range(n):
                    Ht[i] = H[i]
                    mkl[i] = 0.0
                if use_model and muR > 0.0:
                    cell = off[R] + c
                    if not have[cell]:
                        need[cell] = True
                        continue
                    for i in range(n):
                        if (R >> i) & 1:
                            continue
                        kl = 0.0
                        for v in range(q[i]):
                            pt = P[i, v]
                            pm = mrows[cell, i, v]
                            if pt > 0.0:
                                if pm > 0.0:
                                    kl += pt * np.log(pt / pm)
                                else:
                                    kl = np.inf
                            P[i, v] = pm
                        mkl[i] = kl
                        conf[i], margk[i], H[i] = stats(P[i], q[i])
                if code == OPTIMAL:
                    S = policy[kbudget - t, off[R] + c]
                    kind = DET
                elif cand:
                    e = eligible(code, ip, t, m, pos, elig)
                    for a in range(e):
                        i = elig[a]
                        candidate_law(code, ip, fp, P[i], q[i], Q[i], Wc[i], tol, keyscale)
                        candidate_stats(code, ip, Q[i], q[i], i, conf, margk, H)
                        y[a] = 0
                    while True:  # every candidate vector of the eligible positions
                        py = wgt
                        for a in range(e):
                            py *= Wc[elig[a], y[a]]
                        if py > 0.0:
                            for a in range(e):
                                score[elig[a]] = candidate_score(code, ip, Q[elig[a]], q[elig[a]], y[a])
                            kind, k, e2 = select(code, ip, fp, t, sizes, m, pos, conf, margk, H, score, tol, keyscale,
                                                 key, chosen, w)
                            for a in range(e):
                                x[elig[a]] = y[a]
                            if kind == ANCHORED:
                                keep, rounds = _punt_anchored(marg, off, q, R, P, x, e2, chosen, fp[0], tol,
                                                              ip[0] == PUNT_SHRINKING, pcs, kept)
                                sets[0] = keep
                                dt = 1 + rounds
                                probs[0] = 1.0
                                r = 1
                            else:
                                dt = 1
                                r = enumerate_spec(kind, k, e2, chosen, w, sets, probs, dpbuf)
                            dest = lay[(t + dt) % D]
                            for b in range(r):
                                T = R | sets[b]
                                dest[off[T] + _index(T, x, q)] += py * probs[b]
                                livel[(t + dt) % D, T] = True
                            _decode(R, c, q, x)
                        a = e - 1
                        while a >= 0:
                            y[a] += 1
                            if y[a] < q[elig[a]]:
                                break
                            y[a] = 0
                            a -= 1
                        if a < 0:
                            break
                    continue
                else:
                    kind, k, e2 = select(code, ip, fp, t, sizes, m, pos, conf, margk, H, score, tol, keyscale,
                                         key, chosen, w)
                    S = 0
                    if kind == DEPENDENCE:
                        S = _punt_filter(marg, off, q, R, c, muR, losz, H, e2, chosen, fp[0], tol)
                        kind = DET
                    elif kind == DET:
                        for a in range(k):
                            S |= 1 << chosen[a]
                if kind == DET:
                    acc = _spread(q, R, S, x, P, wgt, nxt, off, marg, muR, spos, stepof, t + 1, one_pass)
                    live_nxt[R | S] = True
                    if deterministic and muR > 0.0:
                        tc = acc
                        me = 0.0
                        for i in range(n):
                            if (S >> i) & 1:
                                tc += muR * Ht[i]
                                me += mkl[i]
                        dep[t] += tc
                        merr[t] += muR * me
                        calls_mu += muR
                        if tc / muR > worst:
                            worst = tc / muR
                else:
                    r = enumerate_spec(kind, k, e2, chosen, w, sets, probs, dpbuf)
                    for b in range(r):
                        _spread(q, R, sets[b], x, P, wgt * probs[b], nxt, off, marg, -1.0, spos, stepof, t + 1, one_pass)
                        live_nxt[R | sets[b]] = True
        if one_pass:
            lo = off[full]
            for idx in range(lo, total):
                if cur[idx] > 0.0:
                    if stepof[idx] < 0:
                        return worst, calls_mu, visited, False
                    steps_prob[stepof[idx]] += cur[idx]
                    nu[idx - lo] += cur[idx]
            return worst, calls_mu, visited, True
        if not live:
            pending = False
            for d in range(D):
                for M in range(full + 1):
                    if livel[d, M]:
                        pending = True
            if not pending:
                break
        t += 1
        if t > max_calls:
            return worst, calls_mu, visited, False
        cur = lay[t % D]
        nxt = lay[(t + 1) % D]
        live_cur = livel[t % D]
        live_nxt = livel[(t + 1) % D]
        if live_cur[full]:
            lo = off[full]
            for idx in range(lo, total):
                if cur[idx] > 0.0:
                    steps_prob[t] += cur[idx]
                    nu[idx - lo] += cur[idx]
                    cur[idx] = 0.0
            live_cur[full] = False
    return worst, calls_mu, visited, True


@njit(cache=True)
def conditional_rows(marg, off, q, out):
    """``out[cell, i]`` = the truth's ``mu(X_i = . | x_R)`` for every incomplete cell and masked
    ``i`` (uniform on contexts of probability 0, as :func:`propagate`); other rows untouched."""
    n = q.size
    full = (1 << n) - 1
    qmax = out.shape[2]
    P = np.zeros((n, qmax))
    H = np.zeros(n)
    conf = np.zeros(n)
    margk = np.zeros(n)
    losz = np.zeros(n, dtype=np.int64)
    for R in range(full):
        for c in range(off[R + 1] - off[R]):
            _state(marg, off, q, R, c, losz, P, H, conf, margk)
            for i in range(n):
                if not (R >> i) & 1:
                    for v in range(qmax):
                        out[off[R] + c, i, v] = P[i, v]


@njit(cache=True)
def optimal_level(marg, off, q, b, Wp, Ep, Wc, Ec, policy, tol):
    """Level ``b`` of the best deterministic adaptive policy with at most ``b`` calls.

    ``W_b(R, x_R) = min_S [ mu(x_R) TC(X_S | x_R) + sum_{x_S} W_{b-1}(R u S, x_{R u S}) ]`` with
    ``W_0 = 0`` on the full set and ``W_1`` forced to ``S = all masked``; values are weighted by
    ``mu(x_R)`` (``Wp``/``Ep``: level ``b - 1``; ``Wc``/``Ec``: level ``b``; ``E`` the expected
    calls under ``mu``).  Ties (within ``tol * mu(x_R)``) go to fewer expected calls, then to
    the smaller bitmask.  States with fewer than ``b`` masked positions copy level ``b - 1``
    (a call unmasks at least one position).  Contexts of probability 0 unmask everything.
    Fills ``policy[b, cell]``.
    """
    n = q.size
    full = (1 << n) - 1
    qmax = 1
    for i in range(n):
        if q[i] > qmax:
            qmax = q[i]
    P = np.zeros((n, qmax))
    H = np.zeros(n)
    conf = np.zeros(n)
    margk = np.zeros(n)
    losz = np.zeros(n, dtype=np.int64)
    x = np.full(n, -1, dtype=np.int64)
    spos = np.zeros(n, dtype=np.int64)
    for R in range(full):
        comp = full & ~R
        m = 0
        for i in range(n):
            if (comp >> i) & 1:
                m += 1
        for c in range(off[R + 1] - off[R]):
            cell = off[R] + c
            muR = marg[cell]
            if muR <= 0.0:
                policy[b, cell] = comp
                Wc[cell] = 0.0
                Ec[cell] = 0.0
                continue
            if m < b:
                policy[b, cell] = policy[b - 1, cell]
                Wc[cell] = Wp[cell]
                Ec[cell] = Ep[cell]
                continue
            _decode(R, c, q, x)
            _state(marg, off, q, R, c, losz, P, H, conf, margk)
            best = np.inf
            beste = np.inf
            bestS = comp
            S = comp if b == 1 else (-comp) & comp  # submasks of comp, increasing
            while True:
                T = R | S
                k = 0
                cost = 0.0
                for i in range(n):
                    if (S >> i) & 1:
                        spos[k] = i
                        x[i] = 0
                        cost += muR * H[i]
                        k += 1
                fut = 0.0
                est = muR
                while True:
                    idx = off[T] + _index(T, x, q)
                    mt = marg[idx]
                    if mt > 0.0:
                        cost += mt * np.log(mt / muR)
                        fut += Wp[idx]
                        est += Ep[idx]
                    a = k - 1
                    while a >= 0:
                        i = spos[a]
                        x[i] += 1
                        if x[i] < q[i]:
                            break
                        x[i] = 0
                        a -= 1
                    if a < 0:
                        break
                for a in range(k):
                    x[spos[a]] = -1
                cost += fut
                eps = tol * muR
                if cost < best - eps or (cost <= best + eps and est < beste - eps):
                    best = cost
                    beste = est
                    bestS = S
                if S == comp:
                    break
                S = (S - comp) & comp
            policy[b, cell] = bestS
            Wc[cell] = best
            Ec[cell] = beste
    for cell in range(off[full], off[full + 1]):
        Wc[cell] = 0.0
        Ec[cell] = 0.0


@njit(cache=True)
def tradeoff_dp(marg, off, q, order, lam, W, E, policy, tol):
    """Best deterministic adaptive policy for ``KL + lam * E_mu[calls]`` (no call budget).

    ``W(R, x_R) = min_S [ mu(x_R) (TC(X_S | x_R) + lam) + sum_{x_S} W(R u S, x_{R u S}) ]``,
    weighted by ``mu(x_R)``, over the masks of ``order`` taken from the largest down (each ``R u S``
    is done before ``R``).  ``E`` receives the weighted expected calls of the minimiser; ties as
    :func:`optimal_level`.  Returns ``W(empty) - lam E(empty)``, the KL of the minimiser.
    """
    n = q.size
    full = (1 << n) - 1
    qmax = 1
    for i in range(n):
        if q[i] > qmax:
            qmax = q[i]
    P = np.zeros((n, qmax))
    H = np.zeros(n)
    conf = np.zeros(n)
    margk = np.zeros(n)
    losz = np.zeros(n, dtype=np.int64)
    x = np.full(n, -1, dtype=np.int64)
    spos = np.zeros(n, dtype=np.int64)
    for cell in range(off[full], off[full + 1]):
        W[cell] = 0.0
        E[cell] = 0.0
    for a_r in range(order.size - 1, -1, -1):
        R = order[a_r]
        if R == full:
            continue
        comp = full & ~R
        for c in range(off[R + 1] - off[R]):
            cell = off[R] + c
            muR = marg[cell]
            if muR <= 0.0:
                policy[cell] = comp
                W[cell] = 0.0
                E[cell] = 0.0
                continue
            _decode(R, c, q, x)
            _state(marg, off, q, R, c, losz, P, H, conf, margk)
            best = np.inf
            beste = np.inf
            bestS = comp
            S = (-comp) & comp
            while True:
                T = R | S
                k = 0
                cost = muR * lam
                for i in range(n):
                    if (S >> i) & 1:
                        spos[k] = i
                        x[i] = 0
                        cost += muR * H[i]
                        k += 1
                est = muR
                while True:
                    idx = off[T] + _index(T, x, q)
                    mt = marg[idx]
                    if mt > 0.0:
                        cost += mt * np.log(mt / muR) + W[idx]
                        est += E[idx]
                    a = k - 1
                    while a >= 0:
                        i = spos[a]
                        x[i] += 1
                        if x[i] < q[i]:
                            break
                        x[i] = 0
                        a -= 1
                    if a < 0:
                        break
                for a in range(k):
                    x[spos[a]] = -1
                eps = tol * muR
                if cost < best - eps or (cost <= best + eps and est < beste - eps):
                    best = cost
                    beste = est
                    bestS = S
                if S == comp:
                    break
                S = (S - comp) & comp
            policy[cell] = bestS
            W[cell] = best
            E[cell] = beste
    return W[0] - lam * E[0]
