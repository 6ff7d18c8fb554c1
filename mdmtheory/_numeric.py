"""Numerical conventions every engine shares: argument checks for integers and reals, and the
one tolerance for rounding noise below zero in quantities that are non-negative in exact
arithmetic (KL divergences, total correlations, entropies).

A leaf module: it imports nothing from the library but :mod:`mdmtheory.errors`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .tolerances import NONNEG_TOL, SUM_TOL, nonneg_tolerance  # noqa: F401 - re-exported
from .errors import InputError

__all__ = ["split_fields", "INTERVAL_METHOD", "rounding_margin", "COCHRAN_FACTOR", "sample_skewness", "too_skewed", "NONNEG_TOL", "SUM_TOL", "sum_tolerance", "clamp_nonneg", "check_int", "check_real", "check_seed", "is_int",
           "int_list", "as_rng"]




def sum_tolerance(dtype, size: int) -> float:
    """Tolerance on ``|sum - 1|`` for ``size`` probabilities stored as ``dtype``.

    ``max(SUM_TOL, 8 eps ceil(log2(size + 1)))`` with ``eps`` the dtype's machine epsilon: a
    float32 table normalised in float32 sums to 1 only within a few float32 ulps.

    Examples
    --------
    >>> sum_tolerance(np.float64, 8)
    1e-09
    >>> bool(sum_tolerance(np.float32, 8) > 1e-6)
    True
    """
    dt = np.dtype(dtype)
    eps = float(np.finfo(dt).eps) if dt.kind == "f" else 0.0
    return max(SUM_TOL, 8.0 * eps * max(1, int(np.ceil(np.log2(size + 1)))))


def clamp_nonneg(x, what: str, scale: float = 1.0, tol: float = NONNEG_TOL, terms: int = 1):
    """``x`` with rounding noise below zero set to 0; refuse a real negative value.

    Parameters
    ----------
    x : float or numpy.ndarray
        A value (or values) that is non-negative in exact arithmetic.
    what : str
        What ``x`` is (named in the message).
    scale : float, default 1
        Magnitude of the terms ``x`` was computed from (e.g. the entropies subtracted); the
        allowed noise is ``tol * max(1, scale)``.
    tol : float, default :data:`NONNEG_TOL`
        Relative rounding tolerance.
    terms : int, default 1
        How many numbers the sums behind ``x`` added (the entries of a table): the tolerance
        grows to ``terms * eps`` relative when that is larger
        (:func:`mdmtheory.tolerances.nonneg_tolerance`, the one rule).

    Returns
    -------
    float or numpy.ndarray
        ``x`` with entries in ``[-nonneg_tolerance(scale, terms, tol), 0]`` replaced by ``+0.0``
        (NaN is refused, ``inf`` kept).

    Raises
    ------
    InputError
        If some entry is NaN or below ``-nonneg_tolerance(scale, terms, tol)``: the inputs were not what the
        formula assumes (e.g. not probability tables) or are too ill-conditioned.

    Examples
    --------
    >>> clamp_nonneg(-1e-17, "a KL divergence"), clamp_nonneg(0.25, "a KL divergence")
    (0.0, 0.25)
    >>> clamp_nonneg(-0.1, "a KL divergence")
    Traceback (most recent call last):
    ...
    mdmtheory.errors.InputError: a KL divergence came out as -0.1 < 0, beyond the rounding tolerance 1e-12; its inputs are not valid distributions or are too ill-conditioned
    """
    limit = nonneg_tolerance(float(scale), int(terms), tol)
    arr = np.asarray(x, dtype=np.float64)
    if np.any(np.isnan(arr)):
        raise InputError(f"{what} came out as NaN; its inputs are not valid distributions")
    low = float(arr.min()) if arr.size else 0.0
    if low < -limit:
        raise InputError(
            f"{what} came out as {low:.6g} < 0, beyond the rounding tolerance {limit:.3g}; "
            "its inputs are not valid distributions or are too ill-conditioned"
        )
    if arr.ndim == 0:
        return float(arr) if arr > 0.0 else 0.0  # -0.0 and noise become +0.0
    return np.where(arr > 0.0, arr, 0.0)


def check_int(value, name: str, lo: int | None = None, hi: int | None = None) -> int:
    """``value`` as an ``int``, refusing non-integers, booleans, NaN, ``inf`` and values outside ``[lo, hi]``.

    Raises
    ------
    InputError
        Naming ``name`` and the allowed range.

    Examples
    --------
    >>> check_int(3.0, "n", 1), check_int(2, "k", 1, 5)
    (3, 2)
    """
    ok = False
    v = 0
    if isinstance(value, (numbers.Real, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        try:
            if isinstance(value, (numbers.Integral, np.integer)):
                v, ok = int(value), True
            elif math.isfinite(float(value)) and float(value) == int(value):
                v, ok = int(value), True
        except (TypeError, ValueError, OverflowError):  # pragma: no cover - exotic Real types
            ok = False
    if ok and ((lo is not None and v < lo) or (hi is not None and v > hi)):
        ok = False
    if not ok:
        if lo is not None and hi is not None:
            rng = f"between {lo} and {hi}"
        elif lo is not None:
            rng = f">= {lo}"
        elif hi is not None:
            rng = f"<= {hi}"
        else:
            rng = ""
        raise InputError(f"{name} must be an integer {rng}; got {value!r}".replace("integer ;", "integer;"))
    return v


def check_real(value, name: str, lo: float | None = None, lo_open: bool = False, hi: float | None = None) -> float:
    """``value`` as a finite ``float`` ``>= lo`` (``> lo`` if ``lo_open``) and ``<= hi``.

    Raises
    ------
    InputError
        For a non-number, a boolean, NaN, ``inf``, or a value out of range.

    Examples
    --------
    >>> check_real(0.5, "alpha", 0.0, lo_open=True)
    0.5
    """
    ok = isinstance(value, (numbers.Real, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    v = float(value) if ok else math.nan
    if not math.isfinite(v) or (lo is not None and (v <= lo if lo_open else v < lo)) or (hi is not None and v > hi):
        parts = ["a finite number"]
        if lo is not None:
            parts.append(f"{'>' if lo_open else '>='} {lo:g}")
        if hi is not None:
            parts.append(f"<= {hi:g}")
        raise InputError(f"{name} must be {' '.join(parts)}; got {value!r}")
    return v


def check_seed(seed) -> int:
    """A random seed: an integer ``>= 0`` (what :func:`numpy.random.default_rng` accepts).

    Raises
    ------
    InputError
        For a negative, non-integer or non-numeric seed.

    Examples
    --------
    >>> check_seed(7)
    7
    """
    return check_int(seed, "seed", 0)


def is_int(v, low: int) -> bool:
    """Whether ``v`` is an integer (``3`` or ``3.0``, not ``True``) that is ``>= low``.

    Examples
    --------
    >>> is_int(3.0, 1), is_int(True, 0), is_int(0, 1)
    (True, False, False)
    """
    try:
        check_int(v, "v", low)
    except InputError:
        return False
    return True


def int_list(v, name: str) -> list[int]:
    """A finite sequence of integers (positions, sizes, indices).

    Raises
    ------
    InputError
        Naming ``name``, for a string, a mapping, a non-sequence or a non-integer entry.

    Examples
    --------
    >>> int_list((1, 2.0), "positions")
    [1, 2]
    """
    if isinstance(v, (str, bytes, dict)) or not hasattr(v, "__iter__"):
        raise InputError(f"{name} must be a sequence of integers; got {v!r}")
    out = list(v)
    if not all(is_int(i, -(2**62)) for i in out):
        raise InputError(f"{name} must be a sequence of integers; got {v!r}")
    return [int(i) for i in out]


def as_rng(seed):
    """A seed for :func:`numpy.random.default_rng`: a non-negative integer or a Generator
    (returned as is).

    Raises
    ------
    InputError
        As :func:`check_seed`.

    Examples
    --------
    >>> int(as_rng(0).integers(10)) == int(np.random.default_rng(0).integers(10))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_seed(seed))


def t_quantile(confidence: float, dof: int) -> float:
    """The two-sided Student-t quantile of an interval of ``confidence`` with ``dof`` degrees of
    freedom (``t_{dof}`` at ``0.5 + confidence / 2``): the ``tq`` of :func:`mean_interval`.

    Examples
    --------
    >>> round(t_quantile(0.95, 1000), 3)
    1.962
    """
    # start-up time: scipy loads on first use, not with import mdmtheory
    from scipy.stats import t as student_t

    return float(student_t.ppf(0.5 + confidence / 2.0, dof))


def split_fields(text, what: str) -> list[str]:
    """The comma-separated fields of ``text``, stripped; an empty field (``2,,1``, a trailing
    comma, an empty text) is an error, never skipped.

    Raises
    ------
    InputError
        An empty field, naming ``what`` (the option) and its position.

    Examples
    --------
    >>> split_fields(" 2, 3,1 ", "--schedule")
    ['2', '3', '1']
    """
    parts = [p.strip() for p in str(text).split(",")]
    empty = [i + 1 for i, p in enumerate(parts) if not p]
    if empty:
        raise InputError(f"{what}: field {empty[0]} of {str(text)!r} is empty; write the list without empty "
                         "fields, e.g. 2,3,1")
    return parts


#: The name of the interval rule of :func:`mean_interval` (the ``interval_method`` of every estimate).
INTERVAL_METHOD = "hall_t"

#: Cochran's rule: the mean of ``n`` terms of skewness ``g`` is near normal only when ``n > 25 g^2``.
COCHRAN_FACTOR = 25.0


def sample_skewness(y) -> np.ndarray:
    """The sample skewness ``g = m_3 / s^3`` of the terms along the last axis (``m_3`` the mean
    cubed deviation, ``s`` the standard deviation with ``n - 1``); ``0`` where ``s = 0`` or a
    term is infinite.

    Examples
    --------
    >>> float(sample_skewness([1.0, 2.0, 3.0])), round(float(sample_skewness([0.0, 0.0, 0.0, 4.0])), 4)
    (0.0, 0.75)
    """
    y = np.asarray(y, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean = y.mean(axis=-1, keepdims=True)
        s = y.std(axis=-1, ddof=1)
        g = ((y - mean) ** 3).mean(axis=-1) / s**3
    return np.where(np.isfinite(g) & (s > 0), g, 0.0)


def too_skewed(n, skewness) -> bool:
    """Cochran's rule (Sampling Techniques, 3rd ed., 1977, eq. 2.56): ``n < 25 g^2``, the mean of
    ``n`` terms of skewness ``g`` too skewed for a normal-theory interval to hold its level, even
    corrected; rare large terms may not be in the sample at all.  Take more draws.

    Examples
    --------
    >>> too_skewed(200, 5.0), too_skewed(1000, 5.0)
    (True, False)
    """
    return bool(float(n) < COCHRAN_FACTOR * float(skewness) ** 2)


def rounding_margin(y) -> np.ndarray:
    """The floor on each arm of an interval for the mean of float terms ``y`` (last axis): the
    rounding noise of the terms, :func:`mdmtheory.tolerances.nonneg_tolerance` of their largest
    magnitude; ``0`` where every term is an integer (exact in float64: a count of model calls)
    or a term is not finite.  Terms that are all equal (a deterministic path: every draw gives
    the exact value) have standard error 0, and an interval of width 0 would miss the exact
    value computed by another engine by a few units in the last place.

    Examples
    --------
    >>> float(rounding_margin([0.25, 0.25])), float(rounding_margin([2.0, 3.0])), float(rounding_margin([50.5]))
    (1e-12, 0.0, 5.05e-11)
    """
    y = np.asarray(y, dtype=float)
    with np.errstate(invalid="ignore"):
        finite = np.all(np.isfinite(y), axis=-1)
        scale = np.where(finite, np.max(np.abs(y), axis=-1), 0.0)
        integral = np.all(y == np.round(y), axis=-1)
    return np.where(finite & ~integral, NONNEG_TOL * np.maximum(1.0, scale), 0.0)


def mean_interval(y, tq: float) -> tuple[float, float, tuple[float, float]]:
    """``(mean, standard error, (lo, hi))`` of i.i.d. per-draw terms ``y``: Hall's
    skewness-corrected Student-t interval (``tq`` the Student-t or normal quantile).  One
    ``+inf`` term proves the mean infinite: ``(inf, 0, (inf, inf))``.  The one interval rule of
    every Monte Carlo estimate (:data:`INTERVAL_METHOD`).

    Notes
    -----
    Hall (1992, J. R. Statist. Soc. B 54, 221-228) removes the skewness of the studentized mean
    ``T = (mean - mu) / se`` by the monotone transformation
    ``g(T) = T + a T^2 + a^2 T^3 / 3 + b`` with ``a = G / (3 sqrt(n))``, ``b = G / (6 sqrt(n))``
    and ``G`` the sample skewness (:func:`sample_skewness`); ``g(T)`` is near ``t_{n-1}``, so
    ``mu`` lies in ``[mean - se g^{-1}(tq), mean - se g^{-1}(-tq)]`` with
    ``g^{-1}(u) = ((1 + 3 a (u - b))^{1/3} - 1) / a``.  Symmetric terms (``G = 0``) give the
    Student-t interval ``mean +- tq se``; right-skewed terms (rare large values) a longer upper
    arm, as the Edgeworth expansion of ``T`` asks.  Its error in coverage is ``O(1/n)`` where the
    t interval's is ``O(1/sqrt(n))``; on terms too skewed for the sample size
    (:func:`too_skewed`) no interval built from the sample alone holds its level.  Neither arm is
    shorter than the terms' rounding noise (:func:`rounding_margin`).  Cost ``O(n)``.
    Works on the last axis of a 2-D ``y`` too (one interval a row: the arrays ``mean``, ``se``,
    ``lo``, ``hi``).

    Examples
    --------
    >>> mean_interval([1.0, 3.0], 2.0)
    (2.0, 1.0, (0.0, 4.0))
    >>> mean_interval([1.0, float("inf")], 2.0)
    (inf, 0.0, (inf, inf))
    >>> v, se, (lo, hi) = mean_interval([0.0] * 9 + [10.0], 2.0)   # right-skewed: a longer upper arm
    >>> hi - v > v - lo
    True
    """
    y = np.asarray(y, dtype=float)
    if y.ndim == 1 and np.any(np.isinf(y)):
        v = float(np.sum(y))  # +inf (the terms are never -inf)
        return v, 0.0, (v, v)
    n = y.shape[-1]
    mean = y.mean(axis=-1)
    se = y.std(axis=-1, ddof=1) / np.sqrt(n)
    g = sample_skewness(y)
    a = g / (3.0 * np.sqrt(n))
    b = g / (6.0 * np.sqrt(n))
    small = np.abs(a) < 1e-12
    a_safe = np.where(small, 1.0, a)

    def g_inv(u):
        return np.where(small, u - b, (np.cbrt(1.0 + 3.0 * a_safe * (u - b)) - 1.0) / a_safe)

    lo, hi = mean - se * g_inv(tq), mean - se * g_inv(-tq)
    r = rounding_margin(y)
    lo, hi = np.minimum(lo, mean - r), np.maximum(hi, mean + r)  # never narrower than the rounding
    if y.ndim == 1:
        return float(mean), float(se), (float(lo), float(hi))
    return mean, se, (lo, hi)