"""Every numerical tolerance of the library, defined once (a leaf: imports nothing).

The modules that use a tolerance import it from here (and the public ones re-export it under the
name users know: ``mdmtheory.samplers.TOL``, ``mdmtheory.graphs.STOCHASTIC_TOL``).  Kernels never
read these globals: the callers pass them as arguments, so a cached numba kernel cannot freeze
an old value.
"""

from __future__ import annotations

__all__ = [
    "SUM_TOL", "NONNEG_TOL", "FLOAT64_EPS", "nonneg_tolerance", "STOCHASTIC_TOL", "TOL", "KEY_DECIMALS", "CHAIN_RULE_RTOL", "SETTLE_TOL",
    "VIOLATION_TOL",
]

#: Tolerance on ``|sum - 1|`` for float64 probabilities (tables, transition rows, start
#: vectors) to count as a distribution; lower-precision dtypes: ``_numeric.sum_tolerance``.
SUM_TOL = 1e-9

#: A quantity that is non-negative in exact arithmetic (an entropy, a KL, a total correlation)
#: computed as a difference is compared with the magnitude ``scale`` of the terms it was computed
#: from: a value in ``[-nonneg_tolerance(scale, terms), 0)`` is rounding noise and becomes 0; a
#: value below that is an error, never silently clamped.
NONNEG_TOL = 1e-12

#: Machine epsilon of float64 (``numpy.finfo(numpy.float64).eps``).
FLOAT64_EPS = 2.220446049250313e-16


def nonneg_tolerance(scale: float = 1.0, terms: int = 1, tol: float = NONNEG_TOL) -> float:
    """The rounding noise allowed below 0 in a non-negative quantity of magnitude ``scale``
    computed from sums of ``terms`` float64 numbers (e.g. the entries of a table):
    ``max(tol, terms * FLOAT64_EPS) * max(1, scale)``.

    ``terms * eps`` is the worst-case relative error of summing ``terms`` numbers one by one, so
    the tolerance grows with the size of the table: a uniform ``3000 x 3000`` table (9e6 entries,
    total correlation 0 computed as ``2 log 3000 - log 9e6``, measured ``-3.6e-11``) is rounding
    noise, not an error; below ``1 / (eps / tol)``, about 4500 entries, it is ``tol`` times the
    scale.

    >>> nonneg_tolerance(16.0)
    1.6e-11
    >>> nonneg_tolerance(16.0, 9_000_000) > 3.6e-11
    True
    """
    if scale != scale or scale in (float("inf"), float("-inf")):
        return float("inf")
    return max(tol, terms * FLOAT64_EPS) * max(1.0, float(scale))

#: Tolerance on row sums of a float64 stochastic matrix and on the sum of a start vector (the
#: library's one normalisation rule; lower-precision dtypes: ``_numeric.sum_tolerance``).
STOCHASTIC_TOL = SUM_TOL

#: Slack on every threshold comparison of a sampler rule (tau, gamma, delta, eps, the Fast-dLLM
#: threshold and factor, the Frechet margin, top_p).
TOL = 1e-12

#: Ranking keys are rounded to this many decimals before sorting (ties -> lower position).
KEY_DECIMALS = 12

#: Relative tolerance of the chain-rule check ``KL(mu || nu) = sum mu(x_R) TC(X_S | x_R)``.
CHAIN_RULE_RTOL = 1e-9

#: The settle rule's tolerance: beyond the last stored power ``D``, ``P^d`` is replaced by
#: ``P^{settle(d)}`` (same residue mod the period ``L``) only when the two differ by at most
#: ``SETTLE_TOL`` in every row (L1 norm, so in every entry): see ``markov.Settling``.
SETTLE_TOL = 1e-14

#: A conjectured bound is violated when ``quantity > bound + VIOLATION_TOL * (1 + |bound|)``.
VIOLATION_TOL = 1e-9
