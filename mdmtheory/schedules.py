"""Unmasking schedules: step sizes ``s_1..s_k`` summing to ``n``.

References
----------
.. [1] Chen, Cong, Li, "Optimal inference schedules for masked diffusion models",
   COLT 2026, arXiv:2511.04647, Section 3.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ._kernels import codes as _c
from ._lazy import lazy_module
from ._numeric import check_int
from .curves import validate_curve
from .errors import InputError, check_memory

_dream_kernel = lazy_module("mdmtheory._kernels.dream")  # start-up time: numba loads on first use

__all__ = [
    "Schedule",
    "as_schedule",
    "parse_schedule",
    "FAMILIES",
    "schedule_family",
    "constant",
    "even",
    "linear",
    "cosine",
    "loglinear",
    "dream",
    "dream_counts",
    "DREAM_COUNT_DTYPES",
    "geometric",
    "tc",
    "dtc",
    "tc_lambda",
    "tc_schedule_zeta",
    "dtc_schedule_zeta",
    "theorem9_candidates",
    "sweep",
    "austin",
]


def _from_text(value):
    """An integer written as text (``"2"``, from a command line) as an ``int``; anything else unchanged."""
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    return value


@dataclass(frozen=True)
class Schedule:
    """Validated step sizes: positive integers summing to ``n``.

    Parameters
    ----------
    steps : sequence of int
        The number of positions unmasked at each step, in order (integers, or integers
        written as text such as ``"2"``).
    n : int, optional
        The sequence length the schedule must sum to (checked when given).

    Raises
    ------
    InputError
        If ``steps`` is not a non-empty list of positive integers (no strings, NaN, ``inf``
        or fractions), or does not sum to ``n``.

    Examples
    --------
    >>> s = Schedule([4, 5, 2, 2])
    >>> s.n, s.k, s.max_step, s.nodes
    (13, 4, 5, (0, 4, 9, 11, 13))
    """

    steps: tuple[int, ...]

    def __init__(self, steps: Sequence[int], n: int | None = None):
        if isinstance(steps, (str, bytes, dict)) or not hasattr(steps, "__iter__"):
            raise InputError(f"a schedule is a list of positive integers; got {steps!r}")
        steps = list(steps)
        try:
            arr = [check_int(_from_text(s), "a schedule step size") for s in steps]
        except InputError:
            raise InputError(f"schedule step sizes must be integers (finite, no fractions); got {steps!r}") from None
        if not arr:
            raise InputError("a schedule needs at least one step")
        if min(arr) < 1:
            raise InputError(f"schedule steps must be positive (no zero or negative sizes); got {arr}")
        if n is not None:
            n = check_int(n, "the sequence length n", 1)
        if n is not None and sum(arr) != n:
            raise InputError(f"schedule {arr} sums to {sum(arr)}, but n = {n}; the step sizes must sum to n")
        object.__setattr__(self, "steps", tuple(arr))

    @classmethod
    def _trusted(cls, steps: tuple[int, ...]) -> "Schedule":
        """Wrap step sizes already known to be valid (internal: skips the checks)."""
        obj = object.__new__(cls)
        object.__setattr__(obj, "steps", steps)
        return obj

    @property
    def n(self) -> int:
        """Sequence length ``sum s_t``."""
        return sum(self.steps)

    @property
    def k(self) -> int:
        """Number of steps (model calls)."""
        return len(self.steps)

    @property
    def max_step(self) -> int:
        """Largest step size ``s_max``."""
        return max(self.steps)

    @property
    def nodes(self) -> tuple[int, ...]:
        """Partial sums ``N_0 = 0, N_1, ..., N_k = n``."""
        return tuple(int(x) for x in np.concatenate([[0], np.cumsum(self.steps)]))

    def __len__(self) -> int:
        return self.k

    def __iter__(self):
        return iter(self.steps)


def as_schedule(schedule, n: int | None = None) -> Schedule:
    """Coerce a :class:`Schedule` or a sequence of ints, checking it sums to ``n``.

    Raises
    ------
    InputError
        As :class:`Schedule`.

    Examples
    --------
    >>> as_schedule([2, 1], n=3).nodes
    (0, 2, 3)
    """
    if isinstance(schedule, Schedule):
        if n is not None:
            n = check_int(n, "the sequence length n", 1)
        if n is not None and schedule.n != n:
            raise InputError(f"schedule {list(schedule.steps)} sums to {schedule.n}, but n = {n}; the step sizes must sum to n")
        return schedule
    return Schedule(schedule, n)


def parse_schedule(text: str, n: int | None = None) -> Schedule:
    """Parse ``"2,3,1"`` into a :class:`Schedule`.

    Raises
    ------
    InputError
        If the text is not comma-separated positive integers (summing to ``n`` when given).

    Examples
    --------
    >>> parse_schedule("2,3,1").steps
    (2, 3, 1)
    """
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    try:
        steps = [int(p) for p in parts]
    except ValueError:
        raise InputError(f"--schedule takes comma-separated positive integers like 2,3,1; got {text!r}") from None
    return Schedule(steps, n)


# ---------------------------------------------------------------------------------------
# Schedule families.  Each takes the sequence length ``n`` first and returns a Schedule.
# ---------------------------------------------------------------------------------------


#: Bytes per schedule step held while a family builds it (a Python int in a list, generously).
_STEP_BYTES = 64.0


def _positive_int(value, name: str, lo: int = 1, hi: int | None = None) -> int:
    return check_int(value, name, lo, hi)


def _length(n) -> int:
    """The sequence length ``n`` of a family: a positive integer."""
    return check_int(n, "n", 1)


def _steps(count: float) -> None:
    """Refuse, before building it, a schedule of ``count`` steps that would not fit in memory."""
    check_memory(_STEP_BYTES * float(count), f"a schedule of {int(count)} steps")


def _theorem9_steps(n: int, zeta: int) -> float:
    """Theorem 9's bound on the steps of the TC / DTC schedule: ``min(n, 2 + (1 + ln n) zeta)``."""
    return min(float(n), 2.0 + (1.0 + float(np.log(n))) * zeta)


def _positive_float(value, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not (v > 0 and np.isfinite(v)):
        raise InputError(f"{name} must be a positive finite number; got {value!r}")
    return v


def constant(n: int, s: int) -> Schedule:
    """Constant step ``s``: ``floor(n/s)`` steps of ``s``, then the remainder ``n mod s`` (if any).

    Chen-Cong-Li: its expected KL is at most ``(s - 1) Z_n``.

    Raises
    ------
    InputError
        If an argument is out of range (the message names it and the allowed values).

    Examples
    --------
    >>> constant(7, 3).steps
    (3, 3, 1)
    """
    n = _length(n)
    s = _positive_int(s, "the step size s", 1, n)
    _steps(n // s + 1)
    return Schedule([s] * (n // s) + ([n % s] if n % s else []))


def even(n: int, k: int) -> Schedule:
    """``k`` steps as equal as possible, the remainder to the first steps (LLaDA's
    ``get_num_transfer_tokens``): ``s_i = floor(n/k) + [i <= n mod k]``.

    Raises
    ------
    InputError
        If an argument is out of range (the message names it and the allowed values).

    Examples
    --------
    >>> even(10, 4).steps
    (3, 3, 2, 2)
    """
    n = _length(n)
    k = _positive_int(k, "the number of steps k", 1, n)
    _steps(k)
    return Schedule([n // k + (1 if i < n % k else 0) for i in range(k)])


def _from_masked(n: int, k: int, masked_fraction: np.ndarray) -> Schedule:
    """Integer schedule from the masked fraction ``gamma_i`` at ``k + 1`` times (``gamma_0 ~ 1``,
    ``gamma_k ~ 0``): masked counts ``m_i = floor(n gamma_i)``, ``m_0 = n``, ``m_k = 0``, then
    clamped to ``k - i <= m_i <= m_{i-1} - 1`` so that every one of the ``k`` steps unmasks at
    least one position (MaskGIT's clamp)."""
    m = np.floor(n * np.asarray(masked_fraction, dtype=float) + 1e-9).astype(np.int64)
    m[0], m[-1] = n, 0
    for i in range(1, k):
        m[i] = min(m[i - 1] - 1, max(int(m[i]), k - i))
    return Schedule((m[:-1] - m[1:]).tolist())


def linear(n: int, k: int) -> Schedule:
    """Linear masking rate: masked fraction ``1 - i/k`` after step ``i`` (MDLM / LLaDA).

    Masked counts ``floor(n (1 - i/k))``, each step at least one position.

    Raises
    ------
    InputError
        If an argument is out of range (the message names it and the allowed values).

    Examples
    --------
    >>> linear(10, 4).steps
    (3, 2, 3, 2)
    """
    n = _length(n)
    k = _positive_int(k, "the number of steps k", 1, n)
    _steps(k)
    return _from_masked(n, k, 1.0 - np.arange(k + 1) / k)


def cosine(n: int, k: int) -> Schedule:
    """Cosine masking rate (MaskGIT, Chang et al. 2022): masked fraction ``cos(pi i / (2k))``
    after step ``i``; small steps first, large steps last.

    Raises
    ------
    InputError
        If an argument is out of range (the message names it and the allowed values).

    Examples
    --------
    >>> cosine(10, 4).steps
    (1, 2, 4, 3)
    """
    n = _length(n)
    k = _positive_int(k, "the number of steps k", 1, n)
    _steps(k)
    return _from_masked(n, k, np.cos(0.5 * np.pi * np.arange(k + 1) / k))


def loglinear(n: int, k: int, eps: float = 1e-3) -> Schedule:
    """MDLM's log-linear noise ``sigma(t) = -log(1 - (1 - eps) t)`` on ``t = 1 - i/k``.

    The masking probability ``1 - exp(-sigma(t)) = (1 - eps) t`` is linear in ``t``: the
    schedule differs from :func:`linear` only by the ``eps`` shift (sampling starts fully
    masked, as in MDLM).

    Raises
    ------
    InputError
        If an argument is out of range (the message names it and the allowed values).

    Examples
    --------
    >>> loglinear(10, 4).steps
    (3, 3, 2, 2)
    """
    n = _length(n)
    k = _positive_int(k, "the number of steps k", 1, n)
    _steps(k)
    eps = _positive_float(eps, "eps")
    t = 1.0 - np.arange(k + 1) / k
    sigma = -np.log1p(-(1.0 - eps) * t)
    return _from_masked(n, k, -np.expm1(-sigma))


#: ``count_dtype`` of :func:`dream_counts` and of the ``dream`` rule: the arithmetic of the counts.
DREAM_COUNT_DTYPES = {"float32": _c.DREAM_FLOAT32, "float64": _c.DREAM_FLOAT64, "float32_unfused": _c.DREAM_FLOAT32_UNFUSED}


def dream_counts(n: int, steps: int, eps: float = 1e-3, count_dtype: str = "float32") -> tuple[int, ...]:
    """Tokens Dream unmasks at each of its ``steps`` calls on ``n`` masked positions (the
    deterministic ``alg`` values; ``origin`` draws them): ``int(m * (1 - s / t))`` with ``m`` the
    positions still masked and ``t, s`` consecutive entries of ``torch.linspace(1, eps, steps +
    1)``, all the rest at the last call (``_sample`` of Dream's ``generation_utils.py``).

    ``count_dtype="float32"`` computes as the published code does: ``timesteps`` a float32
    tensor (torch's default dtype, with ``torch.linspace``'s own arithmetic: ``start + step * i``
    for the first half, ``end - step * (steps - i)`` for the second, each a fused multiply-add as
    torch's AVX2/AVX512 CPU kernels compute it) and ``num_mask_token`` a float32 quotient, every
    operation rounded to float32; ``"float32_unfused"`` the same with the multiply and the add
    rounded apart (torch's DEFAULT CPU build); ``"float64"`` the real-number
    ``linspace``, ``t = 1 + i (eps - 1) / steps``, in float64 (the toolkit's reading before
    issue 18).  The two differ at some settings, e.g. ``n = 1024, steps = 1023``: in float32 the
    first call unmasks 1 token (``1 - s/t = 2^-10`` exactly), in float64 none.  O(steps).

    Raises
    ------
    InputError
        ``n < 0``, ``steps < 1``, ``eps`` outside ``(0, 1]`` or an unknown ``count_dtype``.

    Examples
    --------
    >>> dream_counts(1024, 1023)[:2], dream_counts(1024, 1023, count_dtype="float64")[:2]
    ((1, 0), (0, 1))
    >>> sum(dream_counts(10, 4))
    10
    """
    n, steps = int(n), int(steps)
    if n < 0 or steps < 1:
        raise InputError(f"dream_counts takes n >= 0 and steps >= 1; got n={n}, steps={steps}")
    if not 0.0 < float(eps) <= 1.0:
        raise InputError(f"dream_counts: eps must be in (0, 1] (the final timestep); got {eps!r}")
    if count_dtype not in DREAM_COUNT_DTYPES:
        raise InputError(f"dream_counts: count_dtype must be one of {', '.join(DREAM_COUNT_DTYPES)}; got {count_dtype!r}")
    dtype = DREAM_COUNT_DTYPES[count_dtype]
    out, m = [], n
    for i in range(steps):
        k = int(_dream_kernel.dream_count(m, i, steps, float(eps), dtype))
        out.append(k)
        m -= k
    return tuple(out)


def dream(n: int, k: int, eps: float = 1e-3, count_dtype: str = "float32") -> Schedule:
    """Dream's rule: ``t = linspace(1, eps, k + 1)``; at step ``i`` with ``m`` positions still
    masked, unmask ``floor(m (1 - t_{i+1} / t_i))``, and all that remain at the last step, in
    the arithmetic of the published code (``count_dtype``: see :func:`dream_counts`, whose
    counts these are).

    A step of size 0 is a model call that unmasks nothing; it adds no error and is dropped,
    so the schedule can have fewer than ``k`` steps.

    Raises
    ------
    InputError
        If an argument is out of range (the message names it and the allowed values).

    Examples
    --------
    >>> dream(10, 4).steps
    (2, 2, 2, 4)
    """
    n = _length(n)
    k = _positive_int(k, "the number of steps k", 1, n)
    _steps(k)
    eps = _positive_float(eps, "eps")
    return Schedule([s for s in dream_counts(n, k, eps, count_dtype) if s > 0])


#: The range of geometric's ratio: ``[MIN_RATIO, MAX_RATIO]``.
MIN_RATIO, MAX_RATIO = 1e-9, 1e9


def geometric(n: int, ratio: float, k: int | None = None) -> Schedule:
    """Step sizes growing (``ratio > 1``) or shrinking (``ratio < 1``) geometrically.

    With ``k``: nodes ``N_i = round(n (r^i - 1) / (r^k - 1))`` (``ratio = 1``: even), kept
    strictly increasing.  Without ``k`` (``ratio > 1``): ``N_i = round((r^i - 1) / (r - 1))``,
    steps ``1, r, r^2, ...`` until ``n`` (the last one cut).

    Raises
    ------
    InputError
        If an argument is out of range (the message names it and the allowed values; ``ratio``
        between ``1e-9`` and ``1e9``, :data:`MIN_RATIO`).

    Examples
    --------
    >>> geometric(15, 2).steps
    (1, 2, 4, 8)
    >>> geometric(15, 0.5, 4).steps
    (8, 4, 2, 1)
    """
    n = _length(n)
    r = _positive_float(ratio, "ratio")
    if not MIN_RATIO <= r <= MAX_RATIO:
        raise InputError(f"geometric's ratio must be between {MIN_RATIO:g} and {MAX_RATIO:g} (past the length "
                         f"every ratio gives the same steps; beyond, r^k leaves the float range); got {ratio!r}")
    if k is None:
        if not r > 1:
            raise InputError(f"geometric without k needs ratio > 1 (steps 1, r, r^2, ...); got {ratio!r}; give k for ratio <= 1")
        # nodes (r^i - 1) / (r - 1) reach n after log(1 + n (r - 1)) / log r steps (each step >= 1)
        _steps(min(float(n), np.ceil(np.logaddexp(0.0, np.log(n) + np.log(r - 1.0)) / np.log(r)) + 2.0))
        nodes, i = [0], 1
        while nodes[-1] < n:
            with np.errstate(over="ignore"):  # r^i beyond float range: the node is past n
                v = (np.float64(r) ** i - 1.0) / (r - 1.0)
            nodes.append(min(n, max(nodes[-1] + 1, int(round(v)) if v < n else n)))
            i += 1
        return Schedule(np.diff(nodes).tolist())
    k = _positive_int(k, "the number of steps k", 1, n)
    _steps(k)
    if abs(r - 1.0) < 1e-12:
        return even(n, k)
    i = np.arange(k + 1)
    if r > 1:  # (r^i - 1) / (r^k - 1) = r^(i-k) (1 - r^-i) / (1 - r^-k), without overflow
        lr = np.log(r)
        frac = np.exp((i - k) * lr) * np.expm1(-i * lr) / np.expm1(-k * lr)
    else:
        frac = (r**i - 1.0) / (r**k - 1.0)
    nodes = np.rint(n * frac).astype(np.int64)
    nodes[0], nodes[-1] = 0, n
    for i in range(1, k):  # strictly increasing, room left for the remaining steps
        nodes[i] = min(max(int(nodes[i]), int(nodes[i - 1]) + 1), n - (k - i))
    return Schedule(np.diff(nodes).tolist())


def _zeta(hat, eps, what: str) -> int:
    try:
        h, e = float(hat), float(eps)
    except (TypeError, ValueError):
        h, e = float("nan"), float("nan")
    if not (h >= 0 and np.isfinite(h)):
        raise InputError(f"{what} (an upper estimate) must be a finite number >= 0; got {hat!r}")
    if not (e > 0 and np.isfinite(e)):
        raise InputError(f"eps (the target expected KL) must be a positive number; got {eps!r}")
    with np.errstate(over="ignore"):
        ratio = h / e
    if not ratio <= 2.0**62:  # zeta = 1 + ceil(ratio) is an integer; any zeta > n already gives one position a step
        raise InputError(f"{what} / eps must be at most 2**62 (zeta = 1 + ceil({what} / eps) is an integer; any value "
                         f"past the length n gives one position a step); got {what}={hat!r}, eps={eps!r}")
    return 1 + int(np.ceil(ratio))


def tc_lambda(n: int, zeta: int) -> float:
    """``lambda = floor(log(n - zeta + 1) / log(1 / (1 - 1/zeta))) + 2`` of Theorem 9
    (``inf`` for ``zeta = 1``; 0 when ``zeta > n``): the number of geometric steps of the TC
    schedule before it goes one position per step.

    Examples
    --------
    >>> tc_lambda(20, 3)   # floor(log 18 / log 1.5) + 2
    9

    Raises
    ------
    InputError
        If ``n`` or ``zeta`` is not a positive integer.
    """
    n, zeta = check_int(n, "n", 1), check_int(zeta, "zeta", 1)
    if zeta <= 1:
        return float("inf")
    if zeta > n:
        return 0
    return int(np.floor(np.log(n - zeta + 1) / -np.log1p(-1.0 / zeta))) + 2


def tc_schedule_zeta(n: int, zeta: int) -> Schedule:
    """The TC schedule of Theorem 9 for a given ``zeta >= 1`` (see :func:`tc`).

    Notes
    -----
    Integer arithmetic: ``floor(N + (n - N) / zeta) = N + (n - N) // zeta``.  ``O(k)``.

    Raises
    ------
    InputError
        If an argument is out of range (the message names it and the allowed values).

    Examples
    --------
    >>> tc_schedule_zeta(10, 2).steps
    (5, 2, 1, 1, 1)
    """
    n = _length(n)
    zeta = _positive_int(zeta, "zeta")
    _steps(_theorem9_steps(n, zeta))
    lam = tc_lambda(n, zeta)
    N, steps, i = 0, [], 0
    while i < lam and N < n:
        s = (n - N) // zeta  # N_i = floor(N_{i-1} + (n - N_{i-1}) / zeta), exactly in integers
        if s == 0:
            break
        steps.append(s)
        N += s
        i += 1
    steps += [1] * (n - N)
    return Schedule(steps)


def dtc_schedule_zeta(n: int, zeta: int) -> Schedule:
    """The DTC schedule of Theorem 9 for a given ``zeta >= 1`` (see :func:`dtc`).

    Notes
    -----
    Integer arithmetic: ``ceil(M (1 - 1/zeta)) = M - M // zeta``.  ``O(k)``.

    Raises
    ------
    InputError
        If an argument is out of range (the message names it and the allowed values).

    Examples
    --------
    >>> dtc_schedule_zeta(10, 2).steps
    (1, 1, 1, 2, 5)
    """
    n = _length(n)
    zeta = _positive_int(zeta, "zeta")
    _steps(_theorem9_steps(n, zeta))
    M, back = n, []
    while M >= zeta and M > 0:
        nxt = M - M // zeta  # N'_i = ceil(N'_{i-1} (1 - 1/zeta)), exactly in integers
        back.append(M - nxt)
        M = nxt
    return Schedule([1] * M + back[::-1])


def tc(n: int, tc_hat: float, eps: float) -> Schedule:
    """The TC schedule of Chen-Cong-Li Theorem 9 (decreasing steps).

    ``zeta = 1 + ceil(TChat / eps)``; ``N_i = floor(N_{i-1} + (n - N_{i-1}) / zeta)`` for
    ``i <= lambda = floor(log(n - zeta + 1) / log(1 / (1 - 1/zeta))) + 2``, then one position
    per step (steps of size 0 are skipped: once ``n - N < zeta`` the rest go one by one).

    Guarantee: ``E KL <= eps`` whenever ``TC <= TChat``, with at most
    ``2 + (1 + ln n)(1 + ceil(TChat / eps))`` steps (see :mod:`mdmtheory.bounds`).

    Raises
    ------
    InputError
        If an argument is out of range (the message names it and the allowed values).

    Examples
    --------
    >>> tc(20, 1.0, 0.5).steps
    (6, 4, 3, 2, 1, 1, 1, 1, 1)
    """
    return tc_schedule_zeta(n, _zeta(tc_hat, eps, "tc_hat"))


def dtc(n: int, dtc_hat: float, eps: float) -> Schedule:
    """The DTC schedule of Chen-Cong-Li Theorem 9 (increasing steps), the mirror of :func:`tc`.

    ``zeta = 1 + ceil(DTChat / eps)``; counting back from the end, ``N'_0 = n`` and
    ``N'_i = ceil(N'_{i-1} (1 - 1/zeta))`` are the nodes (revealed counts) while
    ``N' >= zeta``; the first ``N' < zeta`` positions go one per step.

    Guarantee: ``E KL <= eps`` whenever ``DTC <= DTChat``, with at most
    ``2 + (1 + ln n)(1 + ceil(DTChat / eps))`` steps.

    Raises
    ------
    InputError
        If an argument is out of range (the message names it and the allowed values).

    Examples
    --------
    >>> dtc(20, 1.0, 0.5).steps
    (1, 1, 1, 1, 1, 2, 3, 4, 6)
    """
    return dtc_schedule_zeta(n, _zeta(dtc_hat, eps, "dtc_hat"))


def theorem9_candidates(n: int, max_steps: int) -> list[tuple[str, int, Schedule]]:
    """The TC and DTC schedules for ``zeta = 1 + 2^j`` (``j = -inf, 0, 1, ...``, i.e.
    ``TChat/eps`` a power of two) that take at most ``max_steps`` steps, as
    ``(family, zeta, schedule)``.  ``zeta = 1`` (one step) always fits.

    Raises
    ------
    InputError
        If an argument is out of range (the message names it and the allowed values).

    Examples
    --------
    >>> [(f, z, s.steps) for f, z, s in theorem9_candidates(8, 5)]
    [('tc', 1, (8,)), ('tc', 2, (4, 2, 1, 1)), ('dtc', 2, (1, 1, 2, 4))]
    """
    n = _length(n)
    max_steps = _positive_int(max_steps, "max_steps")
    out: list[tuple[str, int, Schedule]] = [("tc", 1, Schedule([n]))]
    j = 0
    while 1 + 2 ** (j - 1) <= n:
        zeta = 1 + 2**j
        for name, make in (("tc", tc_schedule_zeta), ("dtc", dtc_schedule_zeta)):
            s = make(n, zeta)
            if s.k <= max_steps:
                out.append((name, zeta, s))
        j += 1
    return out


def sweep(n: int, max_steps: int, curve=None) -> Schedule:
    """Theorem 9 without knowing TC or DTC: sweep ``TChat / eps`` over powers of two and keep
    the best candidate of :func:`theorem9_candidates` within ``max_steps`` steps.

    "Best" is the smallest exact expected KL when ``curve`` (``Z_1..Z_n``) is given (an oracle
    choice: what tuning the single knob on the true distribution achieves); without a curve,
    the fitting TC schedule with the largest ``zeta`` (the smallest guarantee ``TC/(zeta-1)``).

    Raises
    ------
    InputError
        If an argument is out of range (the message names it and the allowed values).

    Examples
    --------
    >>> sweep(16, 6).steps
    (8, 4, 2, 1, 1)
    """
    cands = theorem9_candidates(n, max_steps)
    if curve is None:
        return max((c for c in cands if c[0] == "tc"), key=lambda c: (c[1], -c[2].k))[2]
    z = validate_curve(curve)
    if z.size != n:
        raise InputError(f"the curve has {z.size} values but n = {n}")

    def err(s: Schedule) -> float:
        starts = np.repeat(np.asarray(s.nodes[:-1]), s.steps)
        return float(np.sum(z - z[starts]))

    return min(cands, key=lambda c: (err(c[2]), c[2].k))[2]


def austin(n: int, k: int, l: int = 1) -> Schedule:
    """Austin-type two-phase schedule: ``k - 1`` single steps, then the remaining
    ``n - k + 1`` positions in ``l`` near-equal steps (remainder first); ``l = 1`` is the
    classic two-phase schedule (Chen-Cong-Li Theorem 10).

    Raises
    ------
    InputError
        If an argument is out of range (the message names it and the allowed values).

    Examples
    --------
    >>> austin(10, 3).steps, austin(10, 3, l=3).steps
    ((1, 1, 8), (1, 1, 3, 3, 2))
    """
    n = _length(n)
    k = _positive_int(k, "k", 1, n)
    m = n - k + 1
    l = _positive_int(l, "l (the number of final steps)", 1, m)
    _steps(k - 1 + l)
    return Schedule([1] * (k - 1) + [m // l + (1 if i < m % l else 0) for i in range(l)])


#: Schedule families by name: ``FAMILIES[name](n, **params)``.
FAMILIES = {
    "constant": constant,
    "even": even,
    "linear": linear,
    "cosine": cosine,
    "loglinear": loglinear,
    "dream": dream,
    "geometric": geometric,
    "tc": tc,
    "dtc": dtc,
    "sweep": sweep,
    "austin": austin,
}


def schedule_family(name: str, n: int, curve=None, **params) -> Schedule:
    """The schedule of family ``name`` for length ``n`` with ``params`` (see :data:`FAMILIES`).

    ``curve`` is passed to the families that use it (``sweep``).

    Raises
    ------
    InputError
        For an unknown family, wrong parameters (the message lists the right ones), or
        parameters whose arithmetic overflows (``geometric`` with ``ratio=1e308``).

    Examples
    --------
    >>> schedule_family("even", 10, k=4).steps
    (3, 3, 2, 2)
    """
    if name not in FAMILIES:
        raise InputError(f"unknown schedule family {name!r}; choose one of {', '.join(FAMILIES)}")
    fn = FAMILIES[name]
    sig = inspect.signature(fn)
    names = [p for p in sig.parameters if p not in ("n", "curve")]
    required = [p for p in names if sig.parameters[p].default is inspect.Parameter.empty]
    unknown = sorted(set(params) - set(names))
    missing = [p for p in required if p not in params]
    if unknown or missing:
        usage = ", ".join(p if p in required else f"{p}={sig.parameters[p].default}" for p in names)
        what = f"unknown parameter(s) {', '.join(unknown)}" if unknown else f"missing parameter(s) {', '.join(missing)}"
        raise InputError(f"schedule family {name!r}: {what}; it takes {usage}")
    if "curve" in sig.parameters:
        params["curve"] = curve
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return fn(n, **params)
    except (OverflowError, FloatingPointError, ZeroDivisionError):  # e.g. geometric ratio=1e308
        shown = ", ".join(f"{k}={v}" for k, v in params.items() if k != "curve")
        raise InputError(f"schedule family {name!r} with {shown}: the numbers overflow; use smaller parameter values") from None
