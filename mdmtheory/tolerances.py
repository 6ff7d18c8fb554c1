"""Every numerical tolerance of the library, defined once (a leaf: imports nothing).

The modules that use a tolerance import it from here (and the public ones re-export it under the
name users know: ``mdmtheory.samplers.TOL``, ``mdmtheory.graphs.STOCHASTIC_TOL``).  Kernels never
read these globals: the callers pass them as arguments, so a cached numba kernel cannot freeze
an old value.
"""

from __future__ import annotations

__all__ = [
    "SUM_TOL", "NONNEG_TOL", "STOCHASTIC_TOL", "TOL", "KEY_DECIMALS", "CHAIN_RULE_RTOL", "SETTLE_TOL",
    "VIOLATION_TOL",
]

#: Tolerance on ``|sum - 1|`` for float64 probabilities (tables, transition rows, start
#: vectors) to count as a distribution; lower-precision dtypes: ``_numeric.sum_tolerance``.
SUM_TOL = 1e-9

#: A quantity that is non-negative in exact arithmetic (an entropy, a KL, a total correlation)
#: computed as a difference is compared with the magnitude ``scale`` of the terms it was computed
#: from: a value in ``[-NONNEG_TOL * max(1, scale), 0)`` is rounding noise and becomes 0; a value
#: below that is an error, never silently clamped.
NONNEG_TOL = 1e-12

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
