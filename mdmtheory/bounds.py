"""Published upper bounds on the expected KL of random-order unmasking, each a function of the
information curve and the schedule, and a table comparing them with the exact value.

With ``Z_1..Z_n`` the information curve, ``TC = sum_j Z_j`` and ``TC + DTC = n Z_n``
(Chen-Cong-Li Lemma 8), the exact expected KL is the left-Riemann error of ``Z``
(Theorem 4); every bound here is checked against it by :func:`check_bounds`.

References
----------
.. [1] Chen, Cong, Li, "Optimal inference schedules for masked diffusion models",
   COLT 2026, arXiv:2511.04647, Theorems 4, 9, 10.
.. [2] G. Li, C. Cai, "A convergence theory for diffusion language models", arXiv:2505.21400.
"""

from __future__ import annotations

import math

import numpy as np

from ._numeric import check_int, check_real
from .curves import as_curve, validate_curve
from .divergence import expected_kl
from .errors import InputError
from .information import check_base, unit_name
from .joint import Joint
from .schedules import Schedule, as_schedule, dtc_schedule_zeta, tc_schedule_zeta

__all__ = [
    "li_cai_bound",
    "constant_step_bound",
    "theorem9_error_bound",
    "theorem9_steps_bound",
    "theorem9_zeta",
    "austin_bound",
    "austin_k",
    "check_bounds",
]


def _z_sched(curve, schedule) -> tuple[np.ndarray, Schedule]:
    z = validate_curve(curve)
    return z, as_schedule(schedule, z.size)


def _family(family) -> str:
    if family not in ("tc", "dtc"):
        raise InputError(f"family must be 'tc' or 'dtc'; got {family!r}")
    return family


def li_cai_bound(curve, schedule) -> float:
    """Li and Cai: ``E KL <= (2^ceil(log2 s_max) - 1) / n * (TC + DTC)``.

    With ``TC + DTC = n Z_n`` this is ``(2^ceil(log2 s_max) - 1) Z_n``.

    Raises
    ------
    InputError
        If ``curve`` is not an information curve or ``schedule`` does not sum to ``n``.

    Examples
    --------
    >>> li_cai_bound([0.0, 1.0, 1.0], [3])   # s_max = 3 -> (4 - 1) * Z_n
    3.0
    """
    z, s = _z_sched(curve, schedule)
    return float((2 ** math.ceil(math.log2(s.max_step)) - 1) * z[-1])


def constant_step_bound(curve, schedule) -> float:
    """``E KL <= (s_max - 1) Z_n`` (Chen-Cong-Li, stated for constant step ``s``).

    It holds for every schedule with largest step ``s_max``: a block starting at ``a`` costs
    at most ``(s_t - 1)(Z_{next start} - Z_a)``, and these increments telescope to ``Z_n``.

    Raises
    ------
    InputError
        If ``curve`` is not an information curve or ``schedule`` does not sum to ``n``.

    Examples
    --------
    >>> constant_step_bound([0.0, 1.0, 1.0], [2, 1])
    1.0
    """
    z, s = _z_sched(curve, schedule)
    return float((s.max_step - 1) * z[-1])


def theorem9_zeta(schedule, family: str, max_tries: int = 4096) -> int | None:
    """The largest ``zeta >= 2`` whose Theorem 9 ``family`` (``"tc"`` or ``"dtc"``) schedule is
    ``schedule``, or ``None``.

    The first TC step (last DTC step) is ``floor(n / zeta)``, which pins ``zeta`` to an
    interval; at most ``max_tries`` candidates are generated and compared.

    Raises
    ------
    InputError
        For an invalid schedule, ``family`` other than ``"tc"`` / ``"dtc"``, or ``max_tries < 1``.

    Examples
    --------
    >>> from mdmtheory.schedules import tc_schedule_zeta
    >>> theorem9_zeta(tc_schedule_zeta(20, 3), "tc"), theorem9_zeta([5, 5], "tc")
    (3, None)
    """
    s = as_schedule(schedule)
    n = s.n
    make = tc_schedule_zeta if _family(family) == "tc" else dtc_schedule_zeta
    max_tries = check_int(max_tries, "max_tries", 1)
    edge = s.steps[0] if family == "tc" else s.steps[-1]
    if edge == n:
        return None  # one step: zeta = 1, no finite guarantee below TC
    hi = n // edge
    lo = max(2, n // (edge + 1) + 1)
    for zeta in range(hi, max(lo, hi - max_tries) - 1, -1):
        if make(n, zeta).steps == s.steps:
            return zeta
    return None


def theorem9_error_bound(curve, zeta: int, family: str) -> float:
    """Theorem 9's guarantee for the ``zeta`` schedule: ``E KL <= TC / (zeta - 1)`` (TC
    schedule) or ``DTC / (zeta - 1)`` (DTC schedule), i.e. ``eps`` for ``TChat = TC`` and the
    smallest ``eps`` with ``1 + ceil(TC / eps) = zeta``.

    Raises
    ------
    InputError
        If ``curve`` is not an information curve, ``zeta`` is not an integer ``>= 2``, or
        ``family`` is not ``"tc"`` / ``"dtc"``.

    Examples
    --------
    >>> theorem9_error_bound([0.0, 1.0, 1.0], 3, "tc")   # TC = 2
    1.0
    """
    z = validate_curve(curve)
    zeta = check_int(zeta, "zeta", 2)
    _family(family)
    tc = float(np.sum(z))
    measure = tc if family == "tc" else z.size * float(z[-1]) - tc
    return measure / (zeta - 1)


def theorem9_steps_bound(n: int, zeta: int) -> float:
    """Theorem 9's step count: ``k <= 2 + (1 + ln n)(1 + ceil(TChat / eps)) = 2 + (1 + ln n) zeta``.

    Raises
    ------
    InputError
        If ``n`` or ``zeta`` is not a positive integer.

    Examples
    --------
    >>> round(theorem9_steps_bound(1, 3), 12)
    5.0
    """
    n, zeta = check_int(n, "n", 1), check_int(zeta, "zeta", 1)
    return 2.0 + (1.0 + math.log(n)) * zeta


def austin_k(schedule) -> int | None:
    """``k`` if ``schedule`` is the two-phase schedule ``(1, ..., 1, n - k + 1)`` (``k - 1``
    ones), else ``None``.

    Raises
    ------
    InputError
        For an invalid schedule.

    Examples
    --------
    >>> austin_k([1, 1, 5]), austin_k([2, 5])
    (3, None)
    """
    s = as_schedule(schedule)
    if all(x == 1 for x in s.steps[:-1]):
        return s.k
    return None


def austin_bound(curve, k: int) -> float:
    """``(n - k + 1)(Z_n - Z_k)`` for the two-phase schedule with ``k - 1`` single steps.

    The printed statement calls it the exact error (docs/theory.md section 8.1).  It is an upper bound: the exact error
    (Theorem 4) is ``sum_{j=k+1}^{n} (Z_j - Z_k) <= (n - k)(Z_n - Z_k)``, equal to
    ``(n - k + 1)(Hbar_k - Hbar_{k-1}) - (Hbar_n - Hbar_{k-1})`` (the expected conditional
    total correlation of the last step); the printed form is exact only when both are 0.

    Raises
    ------
    InputError
        If ``curve`` is not an information curve or ``k`` is not in ``1..n``.

    Examples
    --------
    >>> austin_bound([0.0, 0.0, 1.0], 2)   # exact: (Z_2 - Z_2) + (Z_3 - Z_2) = 1
    2.0
    """
    z = validate_curve(curve)
    n = z.size
    k = check_int(k, "k", 1, n)
    return float((n - k + 1) * (z[-1] - z[k - 1]))


def check_bounds(curve_or_joint, schedule, base: float | None = None, tol: float = 1e-9) -> dict:
    """Every applicable bound for ``schedule`` next to the exact expected KL.

    Rows: ``li_cai`` and ``constant_step`` (every schedule); ``theorem9_tc`` /
    ``theorem9_dtc`` error guarantee and ``theorem9_tc_steps`` / ``theorem9_dtc_steps`` step
    count (when the schedule is a Theorem 9 schedule for some ``zeta >= 2``, with
    ``TChat = TC``, ``DTChat = DTC``); ``austin`` (two-phase schedules).

    Returns
    -------
    dict
        ``expected_kl``, ``unit``, ``steps``, ``schedule`` and ``bounds``.  ``unit`` is
        :func:`~mdmtheory.information.unit_name` of ``base`` for a table; a curve keeps its
        own unit, so for a curve it is ``unit_name(base)`` only when ``base`` is given (the
        caller declaring the curve's unit), else ``"curve units"``.  ``bounds`` is a list of
        ``{"name", "value", "holds", "compared_with", "ratio"}``; ``ratio`` is value / exact
        (``inf`` when the exact value is 0 and the bound is not), ``holds`` allows a
        relative slack ``tol``.

    Raises
    ------
    InputError
        For an invalid curve, schedule or ``base``, or ``tol`` not a finite number ``>= 0``.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> t = check_bounds(copy(4, 2), [2, 2], base=2)
    >>> t["expected_kl"], [(b["name"], b["value"], b["holds"]) for b in t["bounds"]]
    (1.0, [('li_cai', 1.0, True), ('constant_step', 1.0, True)])
    """
    base = check_base(base)
    tol = check_real(tol, "tol", 0.0)
    z = as_curve(curve_or_joint, base)
    sched = as_schedule(schedule, z.size)
    n = z.size
    exact = expected_kl(z, sched)
    slack = tol * max(1.0, abs(exact), float(z[-1]) * n)
    rows = []

    def add(name: str, value: float, against: str = "expected_kl") -> None:
        actual = exact if against == "expected_kl" else float(sched.k)
        holds = actual <= value + (slack if against == "expected_kl" else 1e-9)
        if actual > 0:
            ratio = value / actual
        else:
            ratio = 1.0 if value <= slack else math.inf
        rows.append({"name": name, "value": float(value), "holds": bool(holds), "compared_with": against, "ratio": ratio})

    add("li_cai", li_cai_bound(z, sched))
    add("constant_step", constant_step_bound(z, sched))
    for fam in ("tc", "dtc"):
        zeta = theorem9_zeta(sched, fam)
        if zeta is not None:
            add(f"theorem9_{fam}", theorem9_error_bound(z, zeta, fam))
            add(f"theorem9_{fam}_steps", theorem9_steps_bound(n, zeta), against="steps")
    k = austin_k(sched)
    if k is not None and sched.k > 1:
        add("austin", austin_bound(z, k))
    return {
        "schedule": list(sched.steps),
        "steps": sched.k,
        "unit": unit_name(base) if isinstance(curve_or_joint, Joint) or base is not None else "curve units",
        "expected_kl": exact,
        "bounds": rows,
    }


# --- lower bounds from the wider literature (issue 12) -----------------------------------------



def li_cai_scales(n: int) -> int:
    """Number of dyadic scales ``J = ceil(log2 n)`` in :func:`li_cai_lower_bound` (0 for ``n = 1``).

    Raises
    ------
    InputError
        If ``n`` is not a positive integer.

    Examples
    --------
    >>> li_cai_scales(1), li_cai_scales(8), li_cai_scales(9)
    (0, 3, 4)
    """
    n = check_int(n, "n", 1)
    return (n - 1).bit_length()


def li_cai_lower_bound(curve, s_max: int) -> float:
    """Li and Cai's lower bound, as quoted in issue 12:
    ``s_max / (16 n) * sum_i sum_{j=1}^{J} 2^-j E I(X_i ; X o W_j^(-i))``.

    Our reading of the mask (the theorem's text was not reachable): ``W_j^(-i)`` reveals each
    position other than ``i`` independently with probability ``2^-j``, ``j = 1..J`` with
    ``J = ceil(log2 n)``.  Averaged over ``i``, a revealed set of size ``m`` carries
    ``E I(X_i ; X_W) = Z_{m+1}`` (Chen-Cong-Li, the information curve), so

        ``bound = s_max / 16 * sum_j 2^-j sum_{m=0}^{n-1} Binom(n-1, 2^-j)(m) Z_{m+1}``.

    Parameters
    ----------
    curve : array_like or Joint
        The information curve ``Z_1..Z_n`` (or a table; nats).
    s_max : int
        The largest step size, ``1 <= s_max <= n``.

    Returns
    -------
    float
        The bound, in the unit of the curve.

    Raises
    ------
    InputError
        For an invalid curve or ``s_max`` outside ``1..n``.

    References
    ----------
    .. [1] G. Li, C. Cai, arXiv:2505.21400, Theorem 2 (lower bound).

    Examples
    --------
    >>> round(li_cai_lower_bound([0.0, 1.0], 2), 12)   # J = 1: 2/16 * 1/2 * (1/2 Z_1 + 1/2 Z_2)
    0.03125
    """
    # start-up time: scipy loads on first use, not with import mdmtheory
    from scipy.stats import binom

    z = as_curve(curve)
    n = z.size
    try:
        ok = int(s_max) == s_max and 1 <= s_max <= n
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(f"s_max must be an integer between 1 and n = {n}; got {s_max!r}")
    m = np.arange(n)
    total = 0.0
    for j in range(1, li_cai_scales(n) + 1):
        total += 2.0**-j * float(np.dot(binom.pmf(m, n - 1, 2.0**-j), z))
    return float(s_max) / 16.0 * total


__all__ += ["li_cai_scales", "li_cai_lower_bound"]
