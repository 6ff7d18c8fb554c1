"""Test-side references of the walk engine (moved out of ``mdmtheory.walks``).

* :func:`reference_sample_walks`: the slow, obvious reference of
  :func:`mdmtheory.walks.sample_walks` (numpy forward-backward, then ``Sampler.transitions``
  per walk);
* :func:`select_on_state`: one selection of the walk kernel on a given partial walk, composed
  here in plain Python from the kernel's public pieces (``oracle``, ``stats``, ``choose`` of
  ``mdmtheory/_kernels/markov.py``), so that tests can compare it with ``Sampler.select`` and the
  rules of ``tests/rules_reference.py``;
* :func:`fb_numpy` and :func:`pair_mi_fn`: the plain numpy bridge marginals and pairwise
  information they use.
"""

from __future__ import annotations

import numpy as np
from scipy.special import entr

from mdmtheory import InputError
from mdmtheory._kernels.markov import choose, oracle, stats
from mdmtheory.markov import MarkovChain
from mdmtheory.samplers import KEY_DECIMALS, TOL, Sampler, SamplerState, make_sampler
from mdmtheory.walks import settled_powers


def _as_sampler(sampler) -> Sampler:
    return make_sampler(sampler) if isinstance(sampler, str) else sampler


def fb_numpy(P: np.ndarray, start: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """Plain numpy scaled forward-backward for a batch: ``vals`` ``(W, n)`` -> ``(W, n, q)``
    conditionals (rows of revealed positions 0; uniform rows on an impossible context, the
    convention of :mod:`mdmtheory.exact`)."""
    W, n = vals.shape
    q = P.shape[0]
    ev = np.ones((W, n, q))
    rev = vals >= 0
    ev[rev] = 0.0
    w_idx, i_idx = np.nonzero(rev)
    ev[w_idx, i_idx, vals[rev]] = 1.0
    f = np.empty((W, n, q))
    bad = np.zeros(W, dtype=bool)
    a = np.broadcast_to(start, (W, q))
    for i in range(n):
        if i > 0:
            a = f[:, i - 1] @ P
        a = a * ev[:, i]
        tot = a.sum(axis=1, keepdims=True)
        bad |= tot[:, 0] <= 0
        f[:, i] = a / np.where(tot > 0, tot, 1.0)
    b = np.ones((W, q))
    out = np.empty((W, n, q))
    for i in range(n - 1, -1, -1):
        g = f[:, i] * b
        tot = g.sum(axis=1, keepdims=True)
        out[:, i] = g / np.where(tot > 0, tot, 1.0)
        b = (b * ev[:, i]) @ P.T
        top = b.max(axis=1, keepdims=True)
        b = b / np.where(top > 0, top, 1.0)
    out[bad] = 1.0 / q
    out[rev] = 0.0
    return out


def pair_mi_fn(Pw, mu, vals, possible: bool):
    """Exact ``I(X_i; X_j | x_R)``: zero across gaps, a bridge in one gap (``Pw[d] = P^d``,
    ``mu[d] = start P^d``)."""
    rev = np.flatnonzero(vals >= 0)

    def mi(i: int, j: int) -> float:
        i, j = min(i, j), max(i, j)
        if not possible or np.any((rev > i) & (rev < j)):
            return 0.0
        left = rev[rev < i]
        right = rev[rev > j]
        a = Pw[i - left[-1]][vals[left[-1]]] if left.size else mu[i]
        b = Pw[right[0] - j][:, vals[right[0]]] if right.size else np.ones(len(a))
        pj = a[:, None] * Pw[j - i] * b[None, :]
        pj = pj / pj.sum()
        return float(entr(pj.sum(1)).sum() + entr(pj.sum(0)).sum() - entr(pj).sum())

    return mi


def reference_sample_walks(chain: MarkovChain, sampler, samples: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The slow, obvious reference of :func:`mdmtheory.walks.sample_walks`: numpy forward-backward
    for all walks at each call, then a draw from ``sampler.transitions`` on each walk's
    :class:`SamplerState` (``random`` draws a uniform subset of the step's size, the law
    ``select`` lists).  Different random stream: compare laws, not samples."""
    sampler = _as_sampler(sampler)
    sampler.kernel_args(chain.n)  # validates the parameters against n
    rng = np.random.default_rng(seed)
    n, q = chain.n, chain.q
    vals = np.full((samples, n), -1, dtype=np.int64)
    calls = np.zeros(samples, dtype=np.int64)
    sizes = sampler.sizes(n)
    Pw = [np.linalg.matrix_power(chain.P, d) for d in range(n + 1)]
    mu = [chain.start @ M for M in Pw]
    while np.any(vals < 0):
        active = np.flatnonzero((vals < 0).any(axis=1))
        marg = fb_numpy(chain.P, chain.start, vals[active])
        for w, M in zip(active, marg):
            revealed = vals[w] >= 0
            t = int(calls[w])
            if sampler.name == "random":
                masked = np.flatnonzero(~revealed)
                s = sizes[t] if t < len(sizes) else masked.size
                S = rng.choice(masked, size=max(1, min(s, masked.size)), replace=False)
            else:
                ok = bool(chain.is_valid_partial(vals[w]))
                state = SamplerState(n, revealed, vals[w].copy(), M, t, pair_mi=pair_mi_fn(Pw, mu, vals[w], ok))
                law = sampler.transitions(state)
                _, S, given = law[rng.choice(len(law), p=np.array([p for p, _, _ in law]) / sum(p for p, _, _ in law))]
                S = np.array(S, dtype=np.int64)
                if given is not None:
                    vals[w, S] = given
                    calls[w] += 1
                    continue
            x = [rng.choice(q, p=M[i] / M[i].sum()) for i in S]
            vals[w, S] = x
            calls[w] += 1
    np.maximum(calls, sampler.min_calls(), out=calls)
    return vals, calls


def _possible(chain: MarkovChain, vals: np.ndarray) -> bool:
    """Whether the revealed values have positive probability (first value possible, each pair of
    consecutive revealed values joined by a path of the right length), by matrix powers."""
    rev = np.flatnonzero(vals >= 0)
    if rev.size == 0:
        return True
    if (chain.start @ np.linalg.matrix_power(chain.P, int(rev[0])))[vals[rev[0]]] <= 0:
        return False
    return all(np.linalg.matrix_power(chain.P, int(b - a))[vals[a], vals[b]] > 0 for a, b in zip(rev[:-1], rev[1:]))


def select_on_state(chain: MarkovChain, sampler, values, step: int = 0) -> tuple[tuple[int, ...], np.ndarray]:
    """The walk kernel's choice on one partial walk: ``(set, marginals)``, the marginals those the
    kernel's ``oracle`` gives the masked positions (revealed rows 0).  Rules without candidates
    only (a rule that draws candidates selects at random: compare laws there)."""
    sampler = _as_sampler(sampler)
    if sampler.rule.candidates:
        raise InputError(f"{sampler.name} draws candidates: its selection is random; compare laws, not one selection")
    code, ip, fp, sizes = sampler.kernel_args(chain.n)
    n, q = chain.n, chain.q
    vals = np.asarray(values, dtype=np.int64)
    Pw, D, L, mu = settled_powers(chain.P, chain.start, n)
    # nearest revealed neighbour on each side (-1 if none); every position is its own gap
    left = np.array([max([j for j in range(i) if vals[j] >= 0], default=-1) for i in range(n)], dtype=np.int64)
    right = np.array([min([j for j in range(i + 1, n) if vals[j] >= 0], default=-1) for i in range(n)], dtype=np.int64)
    pos = np.flatnonzero(vals < 0).astype(np.int64)
    m = int(pos.size)
    possible = _possible(chain, vals)
    marg = np.zeros((n, q))
    conf, margk, H, score = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    for i in pos:
        oracle(Pw, D, L, mu, vals, int(i), int(left[i]), int(right[i]), marg[i], possible)
        stats(marg[i], int(i), conf, margk, H, True)
    if m == 0:
        return (), marg
    pos_full = np.zeros(n, dtype=np.int64)
    pos_full[:m] = pos
    chosen = np.empty(n, dtype=np.int64)
    k = choose(code, ip, fp, int(step), sizes, m, pos_full, np.arange(n, dtype=np.int64), left, right, TOL,
               10.0**KEY_DECIMALS, Pw, D, L, mu, vals, conf, margk, H, score, np.empty(n), chosen, np.zeros(n), possible,
               np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), np.empty((n, 2), dtype=np.int64),
               np.full((n, 2), -2, dtype=np.int64), np.empty((n, 4), dtype=np.int64), np.zeros((n, 2)))
    return tuple(sorted(int(i) for i in chosen[:k])), marg
