"""Exact sampler evaluation and the optimal adaptive policy (numpy/recursive references:
``tests/test_evaluate.py``).

Layout: every subset ``M`` of positions (int64 bitmask) has its marginal table ``mu(x_M)``,
C-ordered over the positions of ``M`` in increasing order, stored flat at
``marg[off[M] : off[M + 1]]`` (``off`` has ``2^n + 1`` entries; ``off[M + 1] - off[M] =
prod_{i in M} q_i``; the total ``off[2^n] = prod_i (q_i + 1)``).  A partial assignment ``(R, x_R)`` is the cell ``off[R] + c``; the mass
arrays of the propagation use the same layout, so the conditional marginal of a masked position
is one division ``marg[off[R | i] + ...] / marg[off[R] + c]``: O(1) per value.

The selection rules repeat :mod:`mdmtheory.samplers` exactly (codes = index in
``SAMPLER_NAMES``); ties by position, keys ``rint(key * 1e12)``, thresholds with slack ``TOL``.
The oracle is uniform on contexts of probability 0.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__: list[str] = []

from .rules import BISECT, EB, OPTIMAL, PUNT, RANDOM, THRESH, TOL, rank_key


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
        h = 0.0
        b1 = 0.0
        b2 = 0.0
        for v in range(qi):
            p = P[i, v]
            if p > 0.0:
                h -= p * np.log(p)
            if p > b1:
                b2 = b1
                b1 = p
            elif p > b2:
                b2 = p
        H[i] = h
        conf[i] = b1
        marg_key[i] = b1 - b2
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
def _sort_by_key(pos, key, m):
    """Insertion sort of ``pos[:m]`` (increasing positions) by ``key``; stable (ties: lower position)."""
    for a in range(1, m):
        p = pos[a]
        k = key[a]
        b = a - 1
        while b >= 0 and key[b] > k:
            pos[b + 1] = pos[b]
            key[b + 1] = key[b]
            b -= 1
        pos[b + 1] = p
        key[b + 1] = k


@njit(cache=True)
def _select(code, marg, off, q, R, c, muR, losz, H, conf, margk, size, tau, gamma, proxy, delta, pos, key):
    """The set (bitmask) a deterministic sampler unmasks at this state."""
    n = q.size
    m = 0
    for i in range(n):
        if not (R >> i) & 1:
            pos[m] = i
            m += 1
    if size > m:
        size = m
    if size < 1:
        size = 1
    S = 0
    if code == BISECT:
        start = pos[0]
        for a in range(1, m + 1):
            if a == m or pos[a] != pos[a - 1] + 1:
                S |= 1 << ((start + pos[a - 1]) // 2)
                if a < m:
                    start = pos[a]
        return S
    if code == THRESH:
        for a in range(m):
            if conf[pos[a]] >= tau - TOL:
                S |= 1 << pos[a]
        if S != 0:
            return S
    for a in range(m):
        i = pos[a]
        key[a] = rank_key(code, proxy, conf[i], margk[i], H[i])
    _sort_by_key(pos, key, m)
    if code == THRESH:
        return 1 << pos[0]
    if code == EB:
        total = 0.0
        top = 0.0
        for a in range(m):
            h = H[pos[a]]
            total += h
            if h > top:
                top = h
            if a > 0 and total - top > gamma + TOL:
                break
            S |= 1 << pos[a]
        return S
    if code == PUNT:
        for a in range(m):
            i = pos[a]
            dependent = False
            for b in range(a):
                j = pos[b]
                lo = i if i < j else j
                hi = j if i < j else i
                if _pair_mi(marg, off, q, R, c, muR, losz, lo, hi, H) > delta + TOL:
                    dependent = True
                    break
            if not dependent:
                S |= 1 << i
        return S
    for a in range(size):
        S |= 1 << pos[a]
    return S


@njit(cache=True)
def _spread(marg, off, q, R, S, c, x, P, w, muR, mass, stepof, t, steps_prob, full, spos):
    """Unmask ``S`` independently from ``P`` at cell ``c`` of ``R`` carrying mass ``w``.

    Adds to ``mass`` on ``R | S``; returns ``(sum_{x_S} mu(x_T) log(mu(x_T)/mu(x_R)), conflict)``.
    """
    T = R | S
    k = 0
    for i in range(q.size):
        if (S >> i) & 1:
            spos[k] = i
            x[i] = 0
            k += 1
    acc = 0.0
    conflict = False
    while True:
        p = w
        for a in range(k):
            p *= P[spos[a], x[spos[a]]]
        if p > 0.0:
            idx = off[T] + _index(T, x, q)
            mass[idx] += p
            if T == full:
                steps_prob[t + 1] += p
            elif stepof[idx] < 0:
                stepof[idx] = t + 1
            elif stepof[idx] != t + 1:
                conflict = True
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
    return acc, conflict


@njit(cache=True)
def propagate(marg, off, q, order, code, sizes, tau, gamma, proxy, delta, policy, kbudget, mass, stepof, steps_prob, dep):
    """Push the sampler's probability mass through every reachable partial assignment.

    ``order`` lists the masks by increasing size.  On return ``mass[off[full]:]`` is the output
    law ``nu``, ``steps_prob[t]`` the probability of ``t`` model calls, and ``dep[t]`` (deterministic
    samplers) ``sum mu(x_R) TC(X_S | x_R)`` over the states met at step ``t``.  Returns
    ``(max_state_tc, conflict, calls_mu)``; ``conflict`` flags a state reached at two different
    steps; ``calls_mu`` (deterministic samplers) is ``sum mu(x_R)`` over the visited incomplete
    states, the expected number of calls on data ``x ~ mu``.
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
    pos = np.zeros(n, dtype=np.int64)
    key = np.zeros(n)
    spos = np.zeros(n, dtype=np.int64)
    mass[off[0]] = 1.0
    stepof[off[0]] = 0
    worst = 0.0
    calls_mu = 0.0
    conflict = False
    for R in order:
        if R == full:
            continue
        m = 0
        comp = full & ~R
        for i in range(n):
            if (comp >> i) & 1:
                m += 1
        for c in range(off[R + 1] - off[R]):
            w = mass[off[R] + c]
            if w <= 0.0:
                continue
            t = stepof[off[R] + c]
            _decode(R, c, q, x)
            muR = _state(marg, off, q, R, c, losz, P, H, conf, margk)
            size = m
            if t < sizes.size:
                size = sizes[t]
            if code == RANDOM:
                if size > m:
                    size = m
                # 1 / C(m, size)
                ways = 1.0
                for a in range(size):
                    ways = ways * (m - a) / (a + 1)
                sub = comp
                while sub > 0:
                    cnt = 0
                    for i in range(n):
                        if (sub >> i) & 1:
                            cnt += 1
                    if cnt == size:
                        _, cf = _spread(marg, off, q, R, sub, c, x, P, w / ways, -1.0, mass, stepof, t, steps_prob, full, spos)
                        conflict = conflict or cf
                    sub = (sub - 1) & comp
                _decode(R, c, q, x)
                continue
            if code == OPTIMAL:
                S = policy[kbudget - t, off[R] + c]
            else:
                S = _select(code, marg, off, q, R, c, muR, losz, H, conf, margk, size, tau, gamma, proxy, delta, pos, key)
            acc, cf = _spread(marg, off, q, R, S, c, x, P, w, muR, mass, stepof, t, steps_prob, full, spos)
            conflict = conflict or cf
            if muR > 0.0:
                tc = acc
                for i in range(n):
                    if (S >> i) & 1:
                        tc += muR * H[i]
                dep[t] += tc
                calls_mu += muR
                if tc / muR > worst:
                    worst = tc / muR
    return worst, conflict, calls_mu


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
