"""What the two sampler kernels (``evaluate`` on tables, ``markov`` on walks) share with
:mod:`mdmtheory.samplers`: the rule codes, the ranking key and the threshold slack.

Codes are the index of the name in :data:`mdmtheory.samplers.SAMPLER_NAMES`.  The ranking key
of a masked position is ``rint(key * 10^KEY_DECIMALS)`` (lower ranks first; ties by position),
so rankings agree whichever code computed the marginals.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..samplers import KEY_DECIMALS, SAMPLER_NAMES, TOL

__all__: list[str] = []

RANDOM, LEFT, CONF, MARGIN, ENTROPY, THRESH, EB, PUNT, BISECT, OPTIMAL = (
    SAMPLER_NAMES.index(name)
    for name in ("random", "left_to_right", "confidence", "margin", "entropy", "threshold", "eb", "punt",
                 "bisection", "optimal")
)
KEYSCALE = 10.0**KEY_DECIMALS
TOL = float(TOL)


@njit(cache=True)
def rank_key(code, proxy, conf, margin, entropy):
    """The ranking key of one masked position under rule ``code`` (EB: ``proxy`` 0 = entropy,
    1 = confidence, 2 = margin); left-to-right ranks by position alone."""
    if code == LEFT:
        return 0.0
    if code == MARGIN or (code == EB and proxy == 2):
        return np.rint(-margin * KEYSCALE)
    if code == ENTROPY or (code == EB and proxy == 0):
        return np.rint(entropy * KEYSCALE)
    return np.rint(-conf * KEYSCALE)  # confidence, threshold, punt, EB with proxy 1
