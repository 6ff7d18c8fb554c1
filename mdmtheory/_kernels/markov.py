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


# ---------------------------------------------------------------------------------------------
# Monte Carlo engine: samplers on walks with exact bridge conditionals; the selection rules are
# those of rules.py (codes, parameters, tolerance and key scale passed as arguments).
from .rules import (  # noqa: E402
    DEPENDENCE, candidate_stats, draw_candidate, draw_value, pairwise_dependent, draws_candidates, eligible,
    needs_entropy, noisy_confidence, ranks_by_stats, row_entropy, sample_spec, select, top_two,
)


@njit(cache=True)
def oracle(Pw, D, L, mu, vals, i, l, r, row, possible):
    """The exact oracle: the bridge on a possible context, uniform on an impossible one (the
    convention of ``mdmtheory.evaluate``)."""
    if possible:
        _bridge(Pw, D, L, mu, vals, i, l, r, row)
    else:
        for v in range(row.shape[0]):
            row[v] = 1.0 / row.shape[0]


@njit(cache=True)
def _bridge(Pw, D, L, mu, vals, i, l, r, row):
    """``row[v] = mu(x_i = v | x_l, x_r)`` from settled powers (``l``/``r`` = -1 when absent)."""
    q = Pw.shape[1]
    tot = 0.0
    for v in range(q):
        if l >= 0:
            a = Pw[settle(i - l, D, L), vals[l], v]
        else:
            a = mu[settle(i, D, L), v]
        if r >= 0:
            a *= Pw[settle(r - i, D, L), v, vals[r]]
        row[v] = a
        tot += a
    if tot > 0.0:
        for v in range(q):
            row[v] /= tot
    else:  # impossible context (cannot happen on a possible partial walk)
        for v in range(q):
            row[v] = 1.0 / q


@njit(cache=True)
def stats(row, i, conf, margk, H, need_h):
    """``rules.stats`` of ``row`` into slot ``i``, the entropy only when ``need_h`` (else 0)."""
    q = row.shape[0]
    b1, b2 = top_two(row, q)
    conf[i] = b1
    margk[i] = b1 - b2
    H[i] = row_entropy(row, q) if need_h else 0.0


@njit(cache=True)
def _open_gap_stats(Pw, need_h):
    """``(conf, margk, H)[d, x]``: the statistics (:func:`stats`) of the marginal of a position
    ``d`` after a revealed ``x`` with nothing revealed to its right, the row ``x`` of ``P^d``
    normalised exactly as :func:`_bridge` does (the same operations in the same order, so the
    same bits).  Such a gap is the one a left-to-right progression keeps splitting."""
    nd = Pw.shape[0]
    q = Pw.shape[1]
    conf = np.zeros((nd, q))
    margk = np.zeros((nd, q))
    H = np.zeros((nd, q))
    row = np.empty(q)
    for d in range(nd):
        for x in range(q):
            tot = 0.0
            for v in range(q):
                row[v] = Pw[d, x, v]
                tot += row[v]
            if tot > 0.0:
                for v in range(q):
                    row[v] /= tot
            else:
                for v in range(q):
                    row[v] = 1.0 / q
            stats(row, x, conf[d], margk[d], H[d], need_h)
    return conf, margk, H


@njit(cache=True)
def _pair_mi(Pw, D, L, mu, vals, i, j, l, r, H):
    """``I(X_i; X_j | x_l, x_r)`` for ``l < i < j < r`` in one gap (``H`` = marginal entropies)."""
    q = Pw.shape[1]
    d = settle(j - i, D, L)
    # P(x_i = u, x_j = v | x_l, x_r) is proportional to a[u] P^d[u, v] b[v]
    a = np.empty(q)
    b = np.empty(q)
    for u in range(q):
        a[u] = Pw[settle(i - l, D, L), vals[l], u] if l >= 0 else mu[settle(i, D, L), u]
        b[u] = Pw[settle(r - j, D, L), u, vals[r]] if r >= 0 else 1.0
    tot = 0.0
    for u in range(q):
        if a[u] > 0.0:
            for v in range(q):
                tot += a[u] * Pw[d, u, v] * b[v]
    hij = 0.0
    for u in range(q):
        if a[u] > 0.0:
            for v in range(q):
                p = a[u] * Pw[d, u, v] * b[v] / tot
                if p > 0.0:
                    hij -= p * np.log(p)
    return H[i] + H[j] - hij


@njit(cache=True)
def _split(i, gid, gapL, gapR, n, next_id):
    """Reveal position ``i`` of its gap ``g = gid[i]``: ``g`` keeps the larger side, the smaller
    side gets the id ``next_id`` (its positions relabelled: ``O(n log n)`` per walk in all)."""
    g = gid[i]
    l = gapL[g]
    r = gapR[g]
    hi = r - 1 if r >= 0 else n - 1
    if i - 1 - l <= hi - i:  # the left side is the smaller one
        for j in range(l + 1, i):
            gid[j] = next_id
        gapL[next_id] = l
        gapR[next_id] = i
        gapL[g] = i
    else:
        for j in range(i + 1, hi + 1):
            gid[j] = next_id
        gapL[next_id] = i
        gapR[next_id] = r
        gapR[g] = i


@njit(cache=True)
def _pair_possible(Pw, D, L, mu, vals, a, b):
    """Whether revealed ``b`` is possible after revealed ``a < b`` (``a = -1``: ``b`` first)."""
    if a < 0:
        return mu[settle(b, D, L), vals[b]] > 0.0
    return Pw[settle(b - a, D, L), vals[a], vals[b]] > 0.0


@njit(cache=True)
def choose(code, ip, fp, t, sizes, m, pos, gid, gapL, gapR, tol, keyscale, Pw, D, L, mu, vals, conf, margk, H, score, key,
           chosen, w, possible, rank, stack, near, mi_with, mi_gap, mi_val):
    """Fill ``chosen`` with the positions to unmask (the rule of ``rules.select``, drawn with
    ``rules.sample_spec``); returns how many.  A masked ``i`` lies in the gap ``gid[i]`` between
    the revealed ``gapL[gid[i]]`` and ``gapR[gid[i]]`` (``-1`` when absent).

    ``punt_pairwise`` (``DEPENDENCE``): given the gap's boundary values the masked run is a Markov chain,
    so ``I(X_i; X_j | x_R)`` can only decrease as ``j`` moves away from ``i`` (data processing):
    ``i`` is dependent on an earlier-ranked position iff it is on the nearest earlier-ranked one
    on either side (the oracle's test, answered in ``O(q^2)``).  Those neighbours are the previous
    and next position of smaller rank (two stack passes, ``O(m)``); a pair's information is kept
    in ``mi_val[i, side]`` with its partner ``mi_with`` and gap boundaries ``mi_gap`` (the
    information is a function of them), so an unchanged gap costs no new ``O(q^2)`` test."""
    kind, k, e = select(code, ip, fp, t, sizes, m, pos, conf, margk, H, score, tol, keyscale, key, chosen, w)
    if kind != DEPENDENCE:
        return sample_spec(kind, k, e, chosen, w)
    for a in range(e):
        rank[chosen[a]] = a
    for side in range(2):  # nearest position of smaller rank on the left (side 0), right (side 1)
        top = 0
        for b in range(m):
            i = pos[b] if side == 0 else pos[m - 1 - b]
            while top > 0 and rank[stack[top - 1]] > rank[i]:
                top -= 1
            near[i, side] = stack[top - 1] if top > 0 else -1
            stack[top] = i
            top += 1
    n = vals.shape[0]
    delta = fp[0]
    kk = 0
    for a in range(e):
        i = chosen[a]
        l = gapL[gid[i]]
        r = gapR[gid[i]]
        dependent = False
        if possible:
            for side in range(2):
                j = near[i, side]
                if side == 0:
                    inside = j >= 0 and j > l
                else:
                    inside = j >= 0 and j < (r if r >= 0 else n)
                if not inside:
                    continue
                if not (mi_with[i, side] == j and mi_gap[i, 2 * side] == l and mi_gap[i, 2 * side + 1] == r):
                    if side == 0:
                        mi_val[i, 0] = _pair_mi(Pw, D, L, mu, vals, j, i, l, r, H)
                    else:
                        mi_val[i, 1] = _pair_mi(Pw, D, L, mu, vals, i, j, l, r, H)
                    mi_with[i, side] = j
                    mi_gap[i, 2 * side] = l
                    mi_gap[i, 2 * side + 1] = r
                if pairwise_dependent(mi_val[i, side], delta, tol):
                    dependent = True
                    break
        if not dependent:
            chosen[kk] = i
            kk += 1
    return kk


@njit(cache=True)
def _log_positive(A):
    """``log A`` where ``A > 0``, 0 elsewhere (never read there: callers test ``A > 0``)."""
    out = np.zeros_like(A)
    flat = A.ravel()
    of = out.ravel()
    for a in range(flat.size):
        if flat[a] > 0.0:
            of[a] = np.log(flat[a])
    return out


@njit(cache=True)
def _step_tc(Tw, logTw, TD, TL, tmu, vals, srt, k, gid, gapL, gapR, marg, has_model, cur, prev, wv, lw):
    """The exact per-step term of the stepwise KL estimator for the chosen positions ``srt[:k]``
    (increasing) on the revealed values ``vals`` (a context of positive probability under the
    truth ``(Tw, TD, TL, tmu)``, ``logTw = log Tw`` where positive): ``TC(X_S | x_R)`` under the
    truth, plus with a model (``has_model``) ``sum_{i in S} KL(mu_i(.|x_R) || marg[i])`` against
    the model's marginals (``inf`` when a model marginal misses mass of the truth's; then
    ``log nu(x) = -inf`` too).

    Gaps are conditionally independent, and the members ``s_1 < ... < s_m`` of one gap ``(l, r)``
    form a Markov chain given ``x_l, x_r``, so its TC is ``sum_j I(X_{s_j}; X_{s_{j+1}} | x_l,
    x_r) = sum_j [H(X_{s_{j+1}} | x_l, x_r) - H(X_{s_{j+1}} | X_{s_j}, x_r)]``, the conditional
    law of ``X_{s_{j+1}}`` given ``X_{s_j} = u`` being ``K[u, .] = k_u / Z_u`` with
    ``k_u[v] = P^d[u, v] w[v]``, ``w[v] = P^{r - s_{j+1}}[v, x_r]`` (1 without ``r``), whose
    entropy is ``log Z_u - sum_v k_u[v] (log P^d[u, v] + log w[v]) / Z_u``.  ``O(k q^2)``
    arithmetic and ``O(k q)`` logarithms."""
    q = Tw.shape[1]
    total = 0.0
    for a in range(k):
        s = srt[a]
        g = gid[s]
        l = gapL[g]
        r = gapR[g]
        _bridge(Tw, TD, TL, tmu, vals, s, l, r, cur)
        if has_model:
            for v in range(q):
                if cur[v] > 0.0:
                    if marg[s, v] <= 0.0:
                        total = np.inf
                    else:
                        total += cur[v] * np.log(cur[v] / marg[s, v])
        if a > 0 and gid[srt[a - 1]] == g:  # the next member of the same gap: I(X_prev; X_s | x_l, x_r)
            d = settle(s - srt[a - 1], TD, TL)
            for v in range(q):
                if r >= 0:
                    wv[v] = Tw[settle(r - s, TD, TL), v, vals[r]]
                    lw[v] = np.log(wv[v]) if wv[v] > 0.0 else 0.0
                else:
                    wv[v] = 1.0
                    lw[v] = 0.0
            hcond = 0.0
            for u in range(q):
                if prev[u] <= 0.0:
                    continue
                tot = 0.0
                sk = 0.0
                for v in range(q):
                    kv = Tw[d, u, v] * wv[v]
                    if kv > 0.0:
                        tot += kv
                        sk += kv * (logTw[d, u, v] + lw[v])
                if tot > 0.0:
                    hcond += prev[u] * (np.log(tot) - sk / tot)
            total += row_entropy(cur, cur.shape[0]) - hcond
        for v in range(q):
            prev[v] = cur[v]
    return total


@njit(cache=True)
def simulate_walks(Pw, D, L, mu, n, code, ip, fp, sizes, tol, keyscale, walks, seed, xs, calls, forced, lognu, tc, Tw, TD,
                   TL, tmu, has_model):
    """Run the sampler ``walks`` times with the oracle ``(Pw, D, L, mu)``; ``xs[w]`` the sample,
    ``calls[w]`` its number of model calls.  Rules that draw candidates draw one for every
    eligible position at every call and unmask with it.  Seeded (numba's generator),
    single-threaded, reproducible.

    ``lognu[w]`` receives ``sum log p_i(x_i | x_R)`` over the unmasked positions (the oracle's
    marginal of the value each one took; ``-inf`` for a value of probability 0), which is
    ``log nu(x)`` for a rule whose selection is a function of the revealed values.  When
    ``forced[w, 0] >= 0`` the values are not drawn but taken from ``forced[w]`` (the rule's path
    on a given sequence; rules that draw candidates ignore it), and ``tc[w]`` receives the sum
    over the path's steps of :func:`_step_tc` against the truth ``(Tw, TD, TL, tmu)`` (the oracle
    itself unless ``has_model``); ``tc[w]`` is ``nan`` in free runs.

    Incremental reveals: a masked position knows its gap by an id (``gid``) whose boundaries
    are kept (a reveal relabels the smaller side only); a marginal is cached with the gap it was
    computed in and recomputed only when that gap changed; whether the revealed values are
    possible is tested only on the pairs a step created; the list of masked positions loses a
    revealed prefix in ``O(1)``.  Per walk: ``O(n log n)`` bookkeeping, the ``O(q)`` marginals of
    the positions of changed gaps (rules that read them; rules that draw candidates only for
    the eligible positions), and the rule's ranking (``rules.select``, ``O(m log m)`` per call).
    In the open gap after the last revealed position the statistics the rules rank by come from
    :func:`_open_gap_stats` in ``O(1)`` (the same bits), so a rule progressing left to right
    costs ``O(n)`` per call there instead of ``O(n q)``; once the revealed values are impossible
    every marginal is uniform and its statistics are set once."""
    np.random.seed(seed)
    q = Pw.shape[1]
    vals = np.empty(n, dtype=np.int64)
    marg = np.empty((n, q))
    Q = np.empty(q)
    Wr = np.empty(q)
    G = np.zeros(q)
    noisy = noisy_confidence(code, ip, fp)
    conf = np.zeros(n)
    margk = np.zeros(n)
    H = np.zeros(n)
    score = np.zeros(n)
    cand = np.zeros(n, dtype=np.int64)
    pos = np.empty(n, dtype=np.int64)
    elig = np.empty(n, dtype=np.int64)
    key = np.empty(n)
    w = np.zeros(n)
    chosen = np.empty(n, dtype=np.int64)
    draw = np.empty(n, dtype=np.int64)
    gid = np.empty(n, dtype=np.int64)
    gapL = np.empty(n + 1, dtype=np.int64)
    gapR = np.empty(n + 1, dtype=np.int64)
    mg = np.empty((n, 2), dtype=np.int64)  # the gap boundaries marg[i] was computed in (-2: none)
    row_ok = np.zeros(n, dtype=np.bool_)  # marg[i] itself computed (an open gap's statistics come from a table)
    conf1 = np.zeros(1)
    margk1 = np.zeros(1)
    H1 = np.zeros(1)
    newly = np.zeros(n, dtype=np.int64)  # stamp of the step that revealed a position
    rank = np.empty(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    near = np.empty((n, 2), dtype=np.int64)
    mi_with = np.empty((n, 2), dtype=np.int64)
    mi_gap = np.empty((n, 4), dtype=np.int64)
    mi_val = np.zeros((n, 2))
    cur = np.empty(q)
    prev = np.empty(q)
    wv = np.empty(q)
    lw = np.empty(q)
    logTw = _log_positive(Tw) if walks > 0 and forced[0, 0] >= 0 else np.zeros((1, 1, 1))
    draws = draws_candidates(code)
    adaptive = ranks_by_stats(code, ip)
    need_h = needs_entropy(code, ip)
    if adaptive:
        oconf, omargk, oH = _open_gap_stats(Pw, need_h)
    else:
        oconf = omargk = oH = np.zeros((1, 1))
    stamp = 0
    for wk in range(walks):
        for i in range(n):
            vals[i] = -1
            gid[i] = 0
            pos[i] = i
            mg[i, 0] = -2
            mi_with[i, 0] = -2
            mi_with[i, 1] = -2
        gapL[0] = -1
        gapR[0] = -1
        next_id = 1
        lognu[wk] = 0.0
        force = forced[wk, 0] >= 0
        tc[wk] = 0.0 if force else np.nan
        off = 0
        m = n
        t = 0
        possible = True
        while m > 0:
            pm = pos[off:off + m]
            if (adaptive and possible) or draws:
                e = m
                if draws:
                    e = eligible(code, ip, t, m, pm, elig)
                for a in range(e):
                    i = elig[a] if draws else pm[a]
                    g = gid[i]
                    if mg[i, 0] != gapL[g] or mg[i, 1] != gapR[g]:
                        if possible and not draws and gapL[g] >= 0 and gapR[g] < 0:  # open gap: table lookup
                            d = settle(i - gapL[g], D, L)
                            x = vals[gapL[g]]
                            conf[i] = oconf[d, x]
                            margk[i] = omargk[d, x]
                            H[i] = oH[d, x]
                            row_ok[i] = False
                        else:
                            oracle(Pw, D, L, mu, vals, i, gapL[g], gapR[g], marg[i], possible)
                            stats(marg[i], i, conf, margk, H, need_h)
                            row_ok[i] = True
                        mg[i, 0] = gapL[g]
                        mg[i, 1] = gapR[g]
                    if draws:
                        if noisy:  # LLaDA's Gumbel-noised confidence: one uniform per value
                            for v in range(q):
                                G[v] = np.random.random()
                        x, _, sc = draw_candidate(code, ip, fp, marg[i], q, Q, Wr, tol, keyscale,
                                                  0.0 if noisy else np.random.random(), G)
                        candidate_stats(code, ip, Q, q, i, conf, margk, H)
                        cand[i] = x
                        score[i] = sc
            k = choose(code, ip, fp, t, sizes, m, pm, gid, gapL, gapR, tol, keyscale, Pw, D, L, mu, vals, conf, margk, H,
                        score, key, chosen, w, possible, rank, stack, near, mi_with, mi_gap, mi_val)
            for c in range(k):
                i = chosen[c]
                if draws:
                    draw[c] = cand[i]
                    continue
                g = gid[i]
                if mg[i, 0] != gapL[g] or mg[i, 1] != gapR[g] or not row_ok[i]:
                    oracle(Pw, D, L, mu, vals, i, gapL[g], gapR[g], marg[i], possible)
                    mg[i, 0] = gapL[g]
                    mg[i, 1] = gapR[g]
                    row_ok[i] = True
                if force:
                    x = forced[wk, i]
                else:
                    x = draw_value(marg[i], q, np.random.random())
                p = marg[i, x]
                if p > 0.0:
                    lognu[wk] += np.log(p)
                else:
                    lognu[wk] = -np.inf
                draw[c] = x
            if force and not draws and (k > 1 or has_model):
                srt = np.sort(chosen[:k])
                tc[wk] += _step_tc(Tw, logTw, TD, TL, tmu, vals, srt, k, gid, gapL, gapR, marg, has_model, cur, prev, wv, lw)
            stamp += 1
            for c in range(k):
                i = chosen[c]
                vals[i] = draw[c]
                newly[i] = stamp
                _split(i, gid, gapL, gapR, n, next_id)
                next_id += 1
            if possible:  # the consecutive revealed pairs this step created
                for c in range(k):
                    i = chosen[c]
                    a = -1 if i == 0 else (i - 1 if vals[i - 1] >= 0 else gapL[gid[i - 1]])
                    if not _pair_possible(Pw, D, L, mu, vals, a, i):
                        possible = False
                        break
                    b = -1 if i == n - 1 else (i + 1 if vals[i + 1] >= 0 else gapR[gid[i + 1]])
                    if b >= 0 and newly[b] != stamp and not _pair_possible(Pw, D, L, mu, vals, i, b):
                        possible = False
                        break
                if not possible:  # stays so: every later context extends this one
                    for i in range(n):
                        mg[i, 0] = -2
                    if adaptive and not draws:  # every marginal is uniform from now on: set the statistics once
                        oracle(Pw, D, L, mu, vals, 0, -1, -1, cur, False)
                        stats(cur, 0, conf1, margk1, H1, need_h)
                        for i in range(n):
                            if vals[i] < 0:
                                conf[i] = conf1[0]
                                margk[i] = margk1[0]
                                H[i] = H1[0]
                                row_ok[i] = False
            # drop the revealed positions from the masked list (a revealed prefix in O(1))
            a = off
            while a < off + m and vals[pos[a]] >= 0:
                a += 1
            m -= a - off
            rest = k - (a - off)
            off = a
            if rest > 0:
                kk = off
                for b in range(off, off + m):
                    if vals[pos[b]] < 0:
                        pos[kk] = pos[b]
                        kk += 1
                m -= rest
            t += 1
        for i in range(n):
            xs[wk, i] = vals[i]
        calls[wk] = t
