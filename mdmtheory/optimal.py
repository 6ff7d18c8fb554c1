"""Exact optimal schedules: the minimum expected KL of random-order unmasking over all
schedules with a given number of steps, every step count at once, and the fewest steps
reaching a target error.

By Chen-Cong-Li Theorem 4 the expected KL of a schedule is the L1 error of the left-Riemann
(step) approximation of the information curve ``Z``, a sum of block costs
``c(a, b) = (P_b - P_{a-1}) - (b - a + 1) Z_a``.  Minimising it over ``k`` blocks is a
``k``-link shortest path; ``Z`` nondecreasing makes ``c`` Monge, so each of the ``k`` layers
is solved by divide and conquer (``O(n log n)``) instead of the plain ``O(n^2)`` scan.

References
----------
.. [1] Chen, Cong, Li, "Optimal inference schedules for masked diffusion models",
   COLT 2026, arXiv:2511.04647, Theorem 4 and Section 3.
.. [2] A. Aggarwal, M. Klawe, S. Moran, P. Shor, R. Wilber, "Geometric applications of a
   matrix-searching algorithm", Algorithmica 2 (1987) (monotone minima of Monge matrices).
"""

from __future__ import annotations

from dataclasses import dataclass

from ._lazy import lazy_function
from .curves import as_curve
from .divergence import expected_kl
from ._numeric import check_int
from .errors import InputError, check_memory
from .information import check_base
from .schedules import Schedule

backtrack, frontier_rows, layers_until, optimal_layers = (
    lazy_function("mdmtheory._kernels.schedules", f) for f in ("backtrack", "frontier_rows", "layers_until", "optimal_layers")
)

__all__ = ["Optimum", "optimal_schedule", "frontier", "min_steps"]


@dataclass(frozen=True)
class Optimum:
    """An optimal schedule and its exact expected KL (in the unit of the curve)."""

    schedule: Schedule
    expected_kl: float

    @property
    def steps(self) -> int:
        """Number of steps ``k``."""
        return self.schedule.k

    def as_dict(self) -> dict:
        """``{"steps", "expected_kl", "schedule"}`` (the JSON row of ``--frontier``)."""
        return {"steps": self.steps, "expected_kl": self.expected_kl, "schedule": list(self.schedule.steps)}


def _check_steps(steps, n: int, name: str = "steps") -> int:
    try:
        return check_int(steps, name, 1, n)
    except InputError:
        raise InputError(f"{name} must be an integer between 1 and n = {n}; got {steps!r}") from None


def _args_memory(k: int, n: int) -> float:
    return 4.0 * k * (n + 1) + 24.0 * (n + 1)


def optimal_schedule(curve_or_joint, steps: int, base: float | None = None, max_memory: float | None = None) -> Optimum:
    """The schedule with ``steps`` steps minimising the expected KL of random-order unmasking.

    Minimises ``E_S KL(mu || nu_S) = sum_t sum_{j=1}^{s_t} (Z_{N_{t-1}+j} - Z_{N_{t-1}+1})``
    (Chen-Cong-Li, Theorem 4) exactly over all ``C(n-1, k-1)`` schedules with ``k`` steps.

    Parameters
    ----------
    curve_or_joint : Joint, array_like or path
        A table (its curve is computed in ``base``), a curve ``Z_1..Z_n``, or a curve file
        (see :func:`~mdmtheory.curves.load_curve`).
    steps : int
        The number of steps ``k``, ``1 <= k <= n``.
    base : float, optional
        Logarithm base for a table (``2`` for bits); a curve keeps its own unit.
    max_memory : float, optional
        Ceiling in bytes for the ``k (n + 1)`` cut table (default 4 GiB).

    Returns
    -------
    Optimum
        ``schedule`` and its exact ``expected_kl`` (recomputed from Theorem 4).

    Raises
    ------
    InputError
        For an invalid curve or ``base``, ``steps`` outside ``1..n``, or too little memory.

    Notes
    -----
    Layer ``t`` of the dynamic programme is ``F_t(j) = min_{i<j} F_{t-1}(i) + c(i+1, j)``.
    ``Z`` nondecreasing gives ``c`` the quadrangle (Monge) inequality, so the leftmost best
    cut is monotone in ``j`` and each layer takes ``O(n log n)`` by divide and conquer:
    ``O(k n log n)`` time, ``O(k n)`` memory (int32 cuts).  The plain ``O(k n^2)`` DP is the
    reference in the tests.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> opt = optimal_schedule(copy(4, 2), 2, base=2)   # error (s_1 - 1) bits: first step 1
    >>> opt.schedule.steps, opt.expected_kl
    ((1, 3), 0.0)
    """
    z = as_curve(curve_or_joint, check_base(base))
    n = z.size
    k = _check_steps(steps, n)
    check_memory(_args_memory(k, n), f"the optimal-schedule cut table ({k} x {n + 1})", max_memory)
    _, args = optimal_layers(z, k, False)
    sched = Schedule(backtrack(args, k, n).tolist())
    return Optimum(sched, expected_kl(z, sched))


def frontier(curve_or_joint, base: float | None = None, max_steps: int | None = None, max_memory: float | None = None) -> list[Optimum]:
    """The optimal schedule for every number of steps ``k = 1..n`` (or ``1..max_steps``).

    The optimum is nonincreasing in ``k`` (splitting a block never adds error) and reaches 0
    at ``k = n``.

    Notes
    -----
    One run of the Monge divide-and-conquer DP with every layer kept: ``O(n^2 log n)`` time
    and ``4 n^2`` bytes for the full frontier (``O(K n log n)``, ``4 K n`` for ``max_steps = K``).

    Raises
    ------
    InputError
        For an invalid curve or ``base``, ``max_steps`` outside ``1..n``, or too little memory.

    Examples
    --------
    >>> from mdmtheory import parity
    >>> [round(o.expected_kl, 12) for o in frontier(parity(3), base=2)]
    [1.0, 0.0, 0.0]
    """
    z = as_curve(curve_or_joint, check_base(base))
    n = z.size
    K = n if max_steps is None else _check_steps(max_steps, n, "max_steps")
    check_memory(_args_memory(K, n), f"the frontier cut table ({K} x {n + 1})", max_memory)
    _, args = optimal_layers(z, K, True)
    flat, errors = frontier_rows(args, z)
    flat = flat.tolist()
    return [Optimum(Schedule._trusted(tuple(flat[k * (k - 1) // 2 : k * (k + 1) // 2])), float(errors[k - 1])) for k in range(1, K + 1)]


def min_steps(curve_or_joint, eps: float, base: float | None = None, max_memory: float | None = None) -> Optimum:
    """The fewest steps whose optimal schedule has expected KL at most ``eps``, with that schedule.

    Notes
    -----
    Layers are added until the optimum drops to ``eps``: ``O(k* n log n)`` for the answer
    ``k*`` (always ``<= n``, where the error is 0); the layer budget doubles from 64, so the
    cut table stays ``O(k* n)``.

    Raises
    ------
    InputError
        For an invalid curve or ``base``, ``eps`` not a number ``>= 0``, or too little memory.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> min_steps(copy(5, 2), 0.5, base=2).schedule.steps
    (1, 4)
    """
    z = as_curve(curve_or_joint, check_base(base))
    n = z.size
    try:
        eps_value = float(eps)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"eps must be a number >= 0; got {eps!r}") from None
    if isinstance(eps, bool) or not eps_value >= 0:
        raise InputError(f"eps must be a number >= 0; got {eps!r}")
    eps = eps_value
    tol = 1e-12 * max(1.0, float(z[-1]) * n)
    kmax = min(n, 64)
    while True:  # double the layer budget: at most twice the work of knowing k* in advance
        check_memory(_args_memory(kmax, n), f"the cut table ({kmax} x {n + 1})", max_memory)
        t, args = layers_until(z, eps + tol, kmax)
        if t < kmax or kmax == n or expected_kl(z, backtrack(args, t, n).tolist()) <= eps + tol:
            break
        kmax = min(n, 2 * kmax)
    sched = Schedule(backtrack(args, t, n).tolist())
    return Optimum(sched, expected_kl(z, sched))
