"""Small kernels of :mod:`mdmtheory.batch_step` (a leaf): one drawn step of a batch of runs
in lockstep (:func:`step_uniforms`, :func:`draw_steps`, :func:`sample_specs`): a loop over the
runs around the rule functions of :mod:`mdmtheory._kernels.rules`, the same calls in the same
order for every run (:meth:`mdmtheory.samplers.Sampler.draw` is the batch of one run).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .rules import (
    candidate_stats, draw_candidate, eligible, marginal_stats, noisy_confidence, ranks_by_stats, sample_spec, select,
)

__all__: list[str] = []


@njit(cache=True)
def _masked(mask, pos):
    """The masked positions of ``mask`` into ``pos`` (increasing); returns how many."""
    m = 0
    for i in range(mask.size):
        if not mask[i]:
            pos[m] = i
            m += 1
    return m


@njit(cache=True)
def step_uniforms(code, ip, fp, ts, masks, candidates, point_mass, width, out):
    """``out[b]``: how many uniforms run ``b``'s step draws for its candidates, in ``Sampler.draw``'s
    order: ``width`` a eligible position with :func:`noisy_confidence` (LLaDA's Gumbels), else one
    a position (none for a point mass); 0 for a rule without candidates."""
    B, n = masks.shape
    pos = np.empty(n, dtype=np.int64)
    elig = np.empty(n, dtype=np.int64)
    noisy = noisy_confidence(code, ip, fp)
    for b in range(B):
        out[b] = 0
        if not candidates:
            continue
        m = _masked(masks[b], pos)
        if m == 0:
            continue
        e = eligible(code, ip, ts[b], m, pos[:m], elig)
        if noisy:
            out[b] = e * width
        elif not point_mass:
            out[b] = e


@njit(cache=True)
def draw_steps(code, ip, fp, sizes, ts, P, qs, masks, U, candidates, point_mass, tol, keyscale,
               kinds, ks, es, chosen, w, cand, candp):
    """One step of each of ``B`` runs (``Sampler.draw`` up to the draw from the selection spec):
    the marginals' statistics where the rule reads them, the candidates of the eligible positions
    drawn with the run's uniforms ``U[b]`` (:func:`step_uniforms` of them), the selection spec
    ``(kinds[b], ks[b], es[b])`` over ``chosen[b]`` with weights ``w[b]``; ``cand[b, i]`` and
    ``candp[b, i]`` the candidate of position ``i`` and its probability.  A run with nothing
    masked gets ``kinds[b] = -1``.  ``P`` is ``(B, n, width)``, ``masks`` ``(B, n)``."""
    B, n, width = P.shape
    pos = np.empty(n, dtype=np.int64)
    elig = np.empty(n, dtype=np.int64)
    by_stats = ranks_by_stats(code, ip)
    noisy = noisy_confidence(code, ip, fp)
    conf, margk, H, key, score = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    Q, W, G = np.zeros(width), np.zeros(width), np.zeros(width)
    for b in range(B):
        m = _masked(masks[b], pos)
        if m == 0:
            kinds[b] = -1
            ks[b] = 0
            es[b] = 0
            continue
        pm = pos[:m]
        t = ts[b]
        conf[:] = 0.0  # each run starts from zeros, as a call of draw does
        margk[:] = 0.0
        H[:] = 0.0
        key[:] = 0.0
        score[:] = 0.0
        if by_stats:
            marginal_stats(P[b], qs, pm, conf, margk, H)
        if candidates:
            e = eligible(code, ip, t, m, pm, elig)
            Q[:] = 0.0
            W[:] = 0.0
            G[:] = 0.0
            for a in range(e):
                i = elig[a]
                if noisy:  # LLaDA's Gumbel-noised confidence: one uniform per value
                    for v in range(width):
                        G[v] = U[b, a * width + v]
                    u = 0.0
                else:
                    u = 0.5 if point_mass else U[b, a]
                y, wy, sc = draw_candidate(code, ip, fp, P[b, i], qs[i], Q, W, tol, keyscale, u, G)
                cand[b, i] = y
                candp[b, i] = wy
                score[i] = sc
                candidate_stats(code, ip, Q, qs[i], i, conf, margk, H)
        kind, k, e = select(code, ip, fp, t, sizes, m, pm, conf, margk, H, score, tol, keyscale, key, chosen[b], w[b])
        kinds[b] = kind
        ks[b] = k
        es[b] = e


@njit(cache=True)
def sample_specs(kinds, ks, es, chosen, w, seeds):
    """For every run with ``seeds[b] >= 0``: numba's generator seeded with it, then the set drawn
    from the run's spec (``sample_spec``; ``ks[b]`` its size, the set in ``chosen[b, :ks[b]]``)."""
    for b in range(kinds.size):
        if seeds[b] >= 0:
            np.random.seed(seeds[b])
            ks[b] = sample_spec(kinds[b], ks[b], es[b], chosen[b], w[b])
