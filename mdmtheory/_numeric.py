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

__all__ = ["NONNEG_TOL", "SUM_TOL", "sum_tolerance", "clamp_nonneg", "check_int", "check_real", "check_seed", "is_int",
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


def mean_interval(y, tq: float) -> tuple[float, float, tuple[float, float]]:
    """``(mean, standard error, (mean - tq se, mean + tq se))`` of i.i.d. per-draw terms ``y``
    (``tq`` the Student-t or normal quantile of the interval).  One ``+inf`` term proves the mean
    infinite: ``(inf, 0, (inf, inf))``.  The one interval rule of every Monte Carlo estimate.

    Examples
    --------
    >>> mean_interval([1.0, 3.0], 2.0)
    (2.0, 1.0, (0.0, 4.0))
    >>> mean_interval([1.0, float("inf")], 2.0)
    (inf, 0.0, (inf, inf))
    """
    y = np.asarray(y, dtype=float)
    if np.any(np.isinf(y)):
        v = float(np.sum(y))  # +inf (the terms are never -inf)
        return v, 0.0, (v, v)
    mean = float(y.mean())
    se = float(y.std(ddof=1) / np.sqrt(y.size))
    return mean, se, (mean - tq * se, mean + tq * se)
