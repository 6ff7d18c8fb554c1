"""Small kernels of :mod:`mdmtheory.sampler_estimate` (a leaf: only the rule kernels are imported).

The marginal statistics every rule ranks by (:func:`mdmtheory._kernels.rules.stats`) for all the
masked positions in one compiled loop, and the seed of numba's generator (which
:func:`mdmtheory._kernels.rules.sample_spec` draws with).  Their reference is the Python loop of
:meth:`mdmtheory.samplers.Sampler.transitions`; the tests compare the estimator's runs with the
exact evaluator, which uses the same rule kernels.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .rules import stats

__all__: list[str] = []


@njit(cache=True)
def marginal_stats(P, q, pos, conf, margk, H):
    """``conf[i], margk[i], H[i] = stats(P[i], q[i])`` for every ``i`` in ``pos``."""
    for a in range(pos.size):
        i = pos[a]
        c, mk, h = stats(P[i], q[i])
        conf[i] = c
        margk[i] = mk
        H[i] = h


@njit(cache=True)
def seed(s):
    """Seed numba's generator."""
    np.random.seed(s)
