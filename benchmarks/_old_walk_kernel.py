"""The walk kernel as it was before incremental reveals (commit dbb50e6), kept only to measure
the speed-up in the same benchmark run (``bench_walk_estimates``); not part of the library.

Everything it shares with today's kernel (the bridge oracle, the statistics, the possibility
test, the full scan) is imported; only the step loop and the ``punt_pairwise`` test are the old
ones."""

from __future__ import annotations

import numpy as np
from numba import njit

from mdmtheory._kernels.markov import _oracle, _pair_mi, _possible, _scan, _stats
from mdmtheory._kernels.rules import (
    CONF, DEPENDENCE, EB, ENTROPY, MARGIN, PUNT_PAIRWISE, THRESH, candidate_law, candidate_score, draws_candidates, eligible,
    sample_spec, select,
)


@njit(cache=True)
def _choose(code, ip, fp, t, sizes, m, pos, left, right, tol, keyscale, Pw, D, L, mu, vals, conf, margk, H, score, key,
            chosen, w, possible):
    """Fill ``chosen`` with the positions to unmask (the rule of ``rules.select``, drawn with
    ``rules.sample_spec``); returns how many.

    ``punt_pairwise`` (``DEPENDENCE``): given the gap's boundary values the masked run is a Markov chain,
    so ``I(X_i; X_j | x_R)`` can only decrease as ``j`` moves away from ``i`` (data processing):
    ``i`` is dependent on an earlier-ranked position iff it is on the nearest earlier-ranked one
    on either side (the oracle's test, answered in ``O(q^2)``)."""
    kind, k, e = select(code, ip, fp, t, sizes, m, pos, conf, margk, H, score, tol, keyscale, key, chosen, w)
    if kind != DEPENDENCE:
        return sample_spec(kind, k, e, chosen, w)
    n = vals.shape[0]
    delta = fp[0]
    seen = np.zeros(n, dtype=np.bool_)
    kk = 0
    for a in range(e):
        i = chosen[a]
        dependent = False
        if possible:
            j = i - 1
            while j > left[i] and not seen[j]:
                j -= 1
            if j > left[i] and _pair_mi(Pw, D, L, mu, vals, j, i, left[i], right[i], H) > delta + tol:
                dependent = True
            if not dependent:
                j = i + 1
                hi = right[i] if right[i] >= 0 else n
                while j < hi and not seen[j]:
                    j += 1
                if j < hi and _pair_mi(Pw, D, L, mu, vals, i, j, left[i], right[i], H) > delta + tol:
                    dependent = True
        seen[i] = True
        if not dependent:
            chosen[kk] = i
            kk += 1
    return kk


@njit(cache=True)
def simulate_walks(Pw, D, L, mu, n, code, ip, fp, sizes, tol, keyscale, walks, seed, xs, calls, forced, lognu):
    """Run the sampler ``walks`` times with the exact oracle; ``xs[w]`` the sample, ``calls[w]``
    its number of model calls.  Marginals are cached per position and recomputed only for the
    gaps a step changed.  Rules that draw candidates draw one for every eligible position at
    every call and unmask with it.  Seeded (numba's generator), single-threaded, reproducible.

    ``lognu[w]`` receives ``sum log p_i(x_i | x_R)`` over the unmasked positions (the oracle's
    marginal of the value each one took; ``-inf`` for a value of probability 0), which is
    ``log nu(x)`` for a rule whose selection is a function of the revealed values.  When
    ``forced[w, 0] >= 0`` the values are not drawn but taken from ``forced[w]`` (the rule's path
    on a given sequence; rules that draw candidates ignore it)."""
    np.random.seed(seed)
    q = Pw.shape[1]
    vals = np.empty(n, dtype=np.int64)
    marg = np.empty((n, q))
    Q = np.empty(q)
    Wr = np.empty(q)
    valid = np.zeros(n, dtype=np.bool_)
    conf = np.zeros(n)
    margk = np.zeros(n)
    H = np.zeros(n)
    score = np.zeros(n)
    cand = np.zeros(n, dtype=np.int64)
    left = np.empty(n, dtype=np.int64)
    right = np.empty(n, dtype=np.int64)
    pos = np.empty(n, dtype=np.int64)
    elig = np.empty(n, dtype=np.int64)
    key = np.empty(n)
    w = np.zeros(n)
    chosen = np.empty(n, dtype=np.int64)
    draw = np.empty(n, dtype=np.int64)
    draws = draws_candidates(code)
    adaptive = code == CONF or code == MARGIN or code == ENTROPY or code == THRESH or code == EB or code == PUNT_PAIRWISE or draws
    need_h = code == ENTROPY or code == EB or code == PUNT_PAIRWISE
    for wk in range(walks):
        for i in range(n):
            vals[i] = -1
            valid[i] = False
        lognu[wk] = 0.0
        force = forced[wk, 0] >= 0
        masked = n
        t = 0
        possible = True
        while masked > 0:
            m = _scan(vals, left, right, pos)
            if possible and not _possible(Pw, D, L, mu, vals):
                possible = False  # stays so: every later context extends this one
                for i in range(n):
                    valid[i] = False
            if adaptive:
                for a in range(m):
                    i = pos[a]
                    if not valid[i]:
                        _oracle(Pw, D, L, mu, vals, i, left[i], right[i], marg[i], possible)
                        _stats(marg[i], i, conf, margk, H, need_h)
                        valid[i] = True
            if draws:
                e = eligible(code, ip, t, m, pos, elig)
                for a in range(e):
                    i = elig[a]
                    candidate_law(code, ip, fp, marg[i], q, Q, Wr, tol, keyscale)
                    u = np.random.random()
                    acc = 0.0
                    x = q - 1
                    for v in range(q):
                        acc += Wr[v]
                        if u < acc:
                            x = v
                            break
                    while Wr[x] <= 0.0 and x > 0:  # rounding guard
                        x -= 1
                    cand[i] = x
                    score[i] = candidate_score(code, ip, Q, q, x)
            k = _choose(code, ip, fp, t, sizes, m, pos, left, right, tol, keyscale, Pw, D, L, mu, vals, conf, margk, H,
                        score, key, chosen, w, possible)
            for c in range(k):
                i = chosen[c]
                if draws:
                    draw[c] = cand[i]
                    continue
                if not valid[i]:
                    _oracle(Pw, D, L, mu, vals, i, left[i], right[i], marg[i], possible)
                    valid[i] = True
                if force:
                    x = forced[wk, i]
                else:
                    u = np.random.random()
                    acc = 0.0
                    x = q - 1
                    for v in range(q):
                        acc += marg[i, v]
                        if u < acc:
                            x = v
                            break
                    while marg[i, x] <= 0.0 and x > 0:  # rounding guard: never draw a zero-probability value
                        x -= 1
                p = marg[i, x]
                if p > 0.0:
                    lognu[wk] += np.log(p)
                else:
                    lognu[wk] = -np.inf
                draw[c] = x
            for c in range(k):
                vals[chosen[c]] = draw[c]
            for c in range(k):
                i = chosen[c]
                hi = right[i] - 1 if right[i] >= 0 else n - 1
                for j in range(left[i] + 1, hi + 1):
                    valid[j] = False
            masked -= k
            t += 1
        for i in range(n):
            xs[wk, i] = vals[i]
        calls[wk] = t
