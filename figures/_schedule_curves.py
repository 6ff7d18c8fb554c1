"""Exact information curves the schedule figures use beyond table sizes.

``symmetric_chain_curve(n, p)``: the stationary binary symmetric Markov chain (flip
probability ``p``).  By docs/theory.md section 5.4, ``H(X_A) = H(pi) + sum`` over consecutive members
``i < j`` of ``A`` of ``h(j - i)``, with ``h(d) = h2((1 - (1 - 2p)^d) / 2)``; a pair at distance
``d`` is consecutive in a uniform ``k``-subset with probability ``C(n-d-1, k-2) / C(n, k)``, and
there are ``n - d`` such pairs.  Tested against the table engine in ``tests/test_figures_schedules.py``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from mdmtheory.information import curve_from_avg_entropy


def _h2(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-300, 1.0)
    q = np.clip(1.0 - p, 1e-300, 1.0)
    return -(p * np.log(p) + q * np.log(q))


def _log_comb(a, b):
    return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)


def symmetric_chain_curve(n: int, p: float) -> np.ndarray:
    """``Z_1..Z_n`` (nats) of the stationary binary symmetric chain with flip probability ``p``."""
    d = np.arange(1, n)
    h = _h2((1.0 - (1.0 - 2.0 * p) ** d) / 2.0)
    hbar = np.zeros(n + 1)
    hbar[1:] = np.log(2.0)
    for k in range(2, n + 1):
        valid = n - d - 1 >= k - 2
        dd = d[valid]
        prob = np.exp(_log_comb(n - dd - 1, k - 2) - _log_comb(n, k))
        hbar[k] += float(np.sum((n - dd) * prob * h[valid]))
    return curve_from_avg_entropy(hbar)
