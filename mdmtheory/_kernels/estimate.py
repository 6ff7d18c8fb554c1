"""Small kernels of :mod:`mdmtheory.sampler_estimate` (a leaf): the seed of numba's generator
(which :func:`mdmtheory._kernels.rules.sample_spec` draws with).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__: list[str] = []


@njit(cache=True)
def seed(s):
    """Seed numba's generator."""
    np.random.seed(s)
