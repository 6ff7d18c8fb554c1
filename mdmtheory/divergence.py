"""Exact KL between the true law and a parallel sampler's output, for schedules.

* :func:`expected_kl` -- random order, Chen-Cong-Li Theorem 4 (left-Riemann error of ``Z``).
* :func:`fixed_order_kl` -- a fixed ordered partition, by the chain rule (docs/theory.md section 2).
* :func:`mixture_kl` / :func:`output_distribution` -- the random-order *mixture* law ``nu``
  itself, by a dynamic programme over revealed sets and their values.
* :func:`kl_divergence`, :func:`total_variation`, :func:`divergences` -- between two tables.

Conventions (as :func:`scipy.special.rel_entr`): ``0 log(0/q) = 0``, ``p log(p/0) = inf``.
The oracle is undefined on contexts of probability 0 under ``mu``; there we use the uniform
distribution.  ``KL(mu || nu)``, reverse KL and TV do not depend on that choice (mass that
passes through an impossible context ends outside the support of ``mu``).

References
----------
.. [1] Chen, Cong, Li, "Optimal inference schedules for masked diffusion models",
   COLT 2026, arXiv:2511.04647, Theorem 4.
"""

from __future__ import annotations

import itertools
from math import comb
from typing import Sequence

import numpy as np

from ._lazy import lazy_function
from ._numeric import check_int, clamp_nonneg, sum_tolerance
from .curves import as_curve
from .errors import InputError, check_memory
from .information import check_joint, unit_scale
from .joint import Joint
from .progress import progress
from .schedules import Schedule, as_schedule

rel_entr = lazy_function("scipy.special", "rel_entr")

__all__ = [
    "expected_kl",
    "fixed_order_kl",
    "ordered_partition",
    "mixture_kl",
    "output_distribution",
    "kl_divergence",
    "total_variation",
    "divergences",
]


def _curve(joint_or_curve, base) -> np.ndarray:
    """The validated curve of a table (in ``base``) or a given curve (``Z_1 = 0``, nondecreasing)."""
    unit_scale(base)
    if isinstance(joint_or_curve, (str, bytes)):
        raise InputError("give a Joint or an information curve Z_1..Z_n (a list of numbers), not a string")
    return as_curve(joint_or_curve, base)


def expected_kl(joint_or_curve, schedule, base: float | None = None) -> float:
    """Expected KL of random-order unmasking with ``schedule`` (Chen-Cong-Li, Theorem 4).

    ``E_S KL(mu || nu_S) = sum_t sum_{j=1}^{s_t} (Z_{N_{t-1}+j} - Z_{N_{t-1}+1})``: the L1
    error of the left-Riemann approximation of the information curve.  ``O(n)`` from ``Z``.

    Parameters
    ----------
    joint_or_curve : Joint or array_like
        A table (its curve is computed in ``base``) or a curve ``Z_1..Z_n`` (any unit; the
        result is in the same unit and ``base`` is ignored).
    schedule : Schedule or sequence of int
        Step sizes summing to ``n``.

    Raises
    ------
    InputError
        If the curve is not an information curve (finite, ``Z_1 = 0``, nondecreasing, see
        :func:`~mdmtheory.curves.validate_curve`), the schedule does not sum to ``n``, or
        ``base`` is invalid.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> round(expected_kl(copy(4, 2), [3, 1], base=2), 12)   # (s_1 - 1) log q
    2.0
    """
    z = _curve(joint_or_curve, base)
    sched = as_schedule(schedule, z.size)
    starts = np.repeat(np.asarray(sched.nodes[:-1]), sched.steps)  # N_{t-1} for every j of step t
    return float(np.sum(z - z[starts]))


def ordered_partition(order: Sequence[int], schedule, n: int) -> list[list[int]]:
    """Cut the permutation ``order`` of ``0..n-1`` into consecutive blocks of sizes ``schedule``.

    Raises
    ------
    InputError
        If ``order`` is not a permutation of ``0..n-1`` or ``schedule`` does not sum to ``n``.

    Examples
    --------
    >>> ordered_partition([3, 0, 1, 2], [1, 3], 4)
    [[3], [0, 1, 2]]
    """
    n = check_int(n, "n", 1)
    if isinstance(order, (str, bytes, dict)) or not hasattr(order, "__iter__"):
        raise InputError(f"order must be a permutation of 0..{n - 1}; got {order!r}")
    order = [check_int(i, "a position in order", 0, n - 1) for i in order]
    if sorted(order) != list(range(n)):
        raise InputError(f"order must be a permutation of 0..{n - 1} (each position once); got {order}")
    nodes = as_schedule(schedule, n).nodes
    return [order[a:b] for a, b in zip(nodes[:-1], nodes[1:])]


def _check_partition(sets: Sequence[Sequence[int]], n: int) -> list[list[int]]:
    bad = isinstance(sets, (str, bytes, dict)) or not hasattr(sets, "__iter__")
    if not bad:
        sets = list(sets)
        bad = any(isinstance(S, (str, bytes, dict)) or not hasattr(S, "__iter__") for S in sets)
    if bad:
        raise InputError(f"sets must be a list of lists of positions partitioning 0..{n - 1}; got {sets!r}")
    blocks = [[check_int(i, "a position in sets", 0, n - 1) for i in S] for S in sets]
    flat = [i for S in blocks for i in S]
    if any(len(S) == 0 for S in blocks):
        raise InputError("every step of an ordered partition must unmask at least one position")
    if sorted(flat) != list(range(n)):
        raise InputError(f"the sets must partition the positions 0..{n - 1}, each exactly once; got {blocks}")
    return blocks


class _Marginals:
    """Subset marginals, each summed from a cached parent (one more position)."""

    def __init__(self, joint: Joint):
        self.joint = joint
        self.full = (1 << joint.n) - 1
        self.cache: dict[int, np.ndarray] = {self.full: joint.table}

    def __call__(self, mask: int) -> np.ndarray:
        got = self.cache.get(mask)
        if got is not None:
            return got
        j = next(b for b in range(self.joint.n) if not mask >> b & 1)
        parent = self(mask | 1 << j)
        axis = bin(mask & ((1 << j) - 1)).count("1")
        out = parent.sum(axis=axis)
        self.cache[mask] = out
        return out


def _positions(mask: int, n: int) -> list[int]:
    return [i for i in range(n) if mask >> i & 1]


def _expand(arr: np.ndarray, mask: int, target: int, q: tuple[int, ...]) -> np.ndarray:
    """View ``arr`` (axes = positions of ``mask``) broadcastable over the positions of ``target``."""
    n = len(q)
    return arr.reshape([q[i] if mask >> i & 1 else 1 for i in range(n) if target >> i & 1])


def _conditional(marg: _Marginals, R: int, i: int) -> np.ndarray:
    """``mu(x_i | x_R)`` as a table over ``R u {i}``; uniform where ``mu(x_R) = 0``."""
    q = marg.joint.q
    num = marg(R | 1 << i)
    den = _expand(marg(R), R, R | 1 << i, q)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1.0), 1.0 / q[i])
    return out


def _step(marg: _Marginals, F: np.ndarray, R: int, S: int) -> np.ndarray:
    """Law on ``R u S`` after unmasking ``S`` independently from ``mu(. | x_R)``."""
    q = marg.joint.q
    T = R | S
    out = _expand(F, R, T, q)
    for i in _positions(S, len(q)):
        out = out * _expand(_conditional(marg, R, i), R | 1 << i, T, q)
    return np.broadcast_to(out, [q[i] for i in _positions(T, len(q))])


def _fixed_order_law(joint: Joint, blocks: list[list[int]]) -> np.ndarray:
    marg = _Marginals(joint)
    F, R = np.ones(()), 0
    for S in blocks:
        Sm = sum(1 << i for i in S)
        F, R = _step(marg, F, R, Sm), R | Sm
    return np.array(F)


#: Bytes of bookkeeping per array the mixture DP keeps (numpy header, dict entry, key).
ARRAY_OVERHEAD_BYTES = 250

#: Factor on the counted bytes of the mixture DP for the allocator's slack: many small arrays
#: are freed and made again, and freed memory is not all returned.  Measured (max RSS of
#: ``mdmtheory kl --mixture`` over the process's baseline): binary n = 16, schedules 8,8 and
#: 4,4,4,4, peaks 3-4% above the counted bytes.
ALLOCATOR_SLACK = 1.25

#: Fixed bytes of the mixture DP whatever its size: the Python objects of its loops (index
#: tuples, views, the progress bar) and what its first call imports.
MIXTURE_FIXED_BYTES = 2**20


def _largest_cells(q: Sequence[int], m: int) -> float:
    """Cells of the largest marginal on ``m`` positions: the product of the ``m`` largest sizes."""
    return float(np.prod(sorted(q, reverse=True)[:m], dtype=float)) if m else 1.0


def _mixture_cache_sets(n: int, schedule: Schedule) -> list[int]:
    """How many subset marginals of each size ``m = 0..n`` :class:`_Marginals` holds at the end
    of the mixture DP.

    The DP asks for every set of size ``N_t`` and ``N_t + 1`` (``t < k``); each request also
    caches its parents, a set plus its lowest missing positions, up to the full set.  So a set
    ``M`` of size ``m`` is cached iff ``M`` contains ``{0, ..., m - k - 1}`` for the largest
    requested size ``k <= m``: ``C(n - m + k, k)`` sets.
    """
    asked = sorted({N for N in schedule.nodes[:-1]} | {N + 1 for N in schedule.nodes[:-1]})
    counts = [0] * (n + 1)
    for m in range(n + 1):
        below = [k for k in asked if k <= m]
        if below:
            k = below[-1]
            counts[m] = comb(n - m + k, k)
    counts[n] = 1  # the table itself
    return counts


def mixture_memory(q: Sequence[int], schedule) -> float:
    """Bytes the random-order mixture DP (:func:`output_distribution` without ``order``) needs.

    Counted: the cached subset marginals (:func:`_mixture_cache_sets`, each at most the
    product of the largest sizes; exact for equal sizes), the two DP levels alive at once
    (``C(n, N_t)`` laws on ``N_t`` positions), the temporaries of one step (three laws on
    ``N_{t+1}`` positions, three conditionals on ``N_t + 1``), the output law and its
    normalised copy, and :data:`ARRAY_OVERHEAD_BYTES` per array; times :data:`ALLOCATOR_SLACK`,
    plus :data:`MIXTURE_FIXED_BYTES`.  ``tests/test_cli_bad_input.py`` checks it against the
    peak measured by ``tracemalloc``.

    Examples
    --------
    >>> mixture_memory((2, 2), [1, 1]) > 0
    True
    """
    q = tuple(int(x) for x in q)
    n = len(q)
    sched = as_schedule(schedule, n)
    counts = _mixture_cache_sets(n, sched)
    cells = sum(c * _largest_cells(q, m) for m, c in enumerate(counts))
    arrays = float(sum(counts))
    nodes = sched.nodes
    step_peak = 0.0
    for a, b in zip(nodes[:-1], nodes[1:]):
        here = comb(n, a) * _largest_cells(q, a) + comb(n, b) * _largest_cells(q, b)
        temps = 3 * _largest_cells(q, b) + 3 * _largest_cells(q, min(a + 1, n))
        step_peak = max(step_peak, here + temps)
        arrays += comb(n, a) + comb(n, b)
    out = 2 * _largest_cells(q, n)
    return ALLOCATOR_SLACK * (8.0 * (cells + step_peak + out) + ARRAY_OVERHEAD_BYTES * arrays) + MIXTURE_FIXED_BYTES


def check_mixture_memory(q: Sequence[int], schedule, max_memory: float | None = None) -> None:
    """Refuse a mixture DP over ``max_memory`` bytes (:func:`mixture_memory`) before any work.

    Raises
    ------
    InputError
        If it would need more.
    """
    sched = as_schedule(schedule, len(q))
    check_memory(
        mixture_memory(q, sched),
        f"the random-order mixture DP for shape {tuple(q)} and schedule {list(sched.steps)} (with its cached marginals)",
        max_memory,
    )


def _mixture_law(joint: Joint, schedule: Schedule, max_memory: float | None = None) -> np.ndarray:
    n, q = joint.n, joint.q
    check_mixture_memory(q, schedule, max_memory)
    marg = _Marginals(joint)
    level: dict[int, np.ndarray] = {0: np.ones(())}
    nodes = schedule.nodes
    bar = progress(total=sum(comb(n, a) for a in nodes[:-1]), desc="mixture DP")
    for s in schedule.steps:
        nxt: dict[int, np.ndarray] = {}
        for R, F in level.items():
            bar.update(1)
            free = [i for i in range(n) if not R >> i & 1]
            w = 1.0 / comb(len(free), s)
            for S in itertools.combinations(free, s):
                Sm = sum(1 << i for i in S)
                add = _step(marg, F, R, Sm) * w
                T = R | Sm
                if T in nxt:
                    nxt[T] = nxt[T] + add
                else:
                    nxt[T] = np.array(add)
        level = nxt
    bar.close()
    return level[(1 << n) - 1]


def output_distribution(
    joint: Joint, schedule, order: Sequence[int] | None = None, max_memory: float | None = None
) -> Joint:
    """The sampler's output law ``nu`` as a :class:`Joint`.

    With ``order``: the fixed-order law ``nu_S(x) = prod_t prod_{i in S_t} mu(x_i | x_{T_t})``
    for the blocks of ``order`` cut by ``schedule``.  Without: the random-order mixture
    ``nu = mean_S nu_S`` over ordered partitions with sizes ``schedule``, by a DP over revealed
    sets ``R`` and values ``x_R`` (``O(sum_t C(n, N_t) C(n - N_t, s_{t+1}) q^{N_{t+1}})``),
    not by enumerating orders, with a progress bar on a terminal.

    Raises
    ------
    InputError
        A bad schedule or order, or a mixture DP needing more than ``max_memory`` bytes
        (default 4 GiB; :func:`mixture_memory`, cached marginals included).

    Examples
    --------
    >>> from mdmtheory import copy
    >>> nu = output_distribution(copy(2, 2), [2])     # both unmasked together: independent halves
    >>> nu.table.tolist()
    [[0.25, 0.25], [0.25, 0.25]]

    Raises
    ------
    InputError
        If ``joint`` is not a :class:`Joint`, the schedule does not sum to ``n``, ``order``
        is not a permutation of ``0..n-1``, or the mixture DP would be too large.
    """
    check_joint(joint)
    sched = as_schedule(schedule, joint.n)
    if order is not None:
        law = _fixed_order_law(joint, ordered_partition(order, sched, joint.n))
    else:
        law = _mixture_law(joint, sched, max_memory)
    return Joint(law, normalize=True)


def _table(p, name: str) -> np.ndarray:
    """A probability table: a :class:`Joint`'s, or an array checked like one (any real
    floating dtype, judged at its precision; see :func:`~mdmtheory._numeric.sum_tolerance`)."""
    if isinstance(p, Joint):
        return p.table
    try:
        raw = np.asarray(p)
    except (TypeError, ValueError):
        raw = None
    if raw is None or raw.dtype.kind not in "biuf" or raw.size == 0:
        raise InputError(f"{name} must be a probability table (a Joint or a non-empty array of real numbers); got {p!r}")
    t = raw.astype(np.float64)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise InputError(f"{name} must have finite entries >= 0 (a probability table)")
    total = float(t.sum())
    tol = sum_tolerance(raw.dtype, t.size)
    if abs(total - 1.0) > tol:
        raise InputError(f"{name} sums to {total!r}, not 1 (tolerance {tol:.3g}); normalize it first")
    return t


def _pair(p, q) -> tuple[np.ndarray, np.ndarray]:
    a, b = _table(p, "p"), _table(q, "q")
    if a.shape != b.shape:
        raise InputError(f"the two tables have different shapes {a.shape} and {b.shape}; compare laws on the same positions")
    return a, b


def kl_divergence(p, q, base: float | None = None) -> float:
    """``KL(p || q) = sum p log(p / q)``; ``inf`` when ``q = 0 < p`` somewhere.

    Raises
    ------
    InputError
        If ``p`` or ``q`` is not a probability table (finite, ``>= 0``, summing to 1), the
        shapes differ, or ``base`` is invalid.

    Examples
    --------
    >>> round(kl_divergence([0.5, 0.5], [0.25, 0.75], base=2), 6)
    0.207519
    >>> kl_divergence([0.5, 0.5], [1.0, 0.0])
    inf
    """
    scale = unit_scale(base)
    p, q = _pair(p, q)
    terms = rel_entr(p, q)
    total = float(np.sum(terms))
    if np.isinf(total):
        return total * scale
    # rel_entr terms are >= p - q; their sum can round a hair below 0 when p == q
    return clamp_nonneg(total, "a KL divergence", scale=float(np.sum(np.abs(terms))), terms=terms.size) * scale


def total_variation(p, q) -> float:
    """``TV(p, q) = (1/2) sum |p - q|``.

    Raises
    ------
    InputError
        If ``p`` or ``q`` is not a probability table or the shapes differ (no broadcasting).

    Examples
    --------
    >>> total_variation([0.5, 0.5], [0.25, 0.75])
    0.25
    """
    p, q = _pair(p, q)
    return 0.5 * float(np.abs(p - q).sum())


def divergences(mu, nu, base: float | None = None) -> dict[str, float]:
    """``{"kl": KL(mu||nu), "reverse_kl": KL(nu||mu), "tv": TV(mu, nu)}``.

    Raises
    ------
    InputError
        As :func:`kl_divergence`.

    Examples
    --------
    >>> d = divergences([0.5, 0.5], [1.0, 0.0])
    >>> d["kl"], d["reverse_kl"], d["tv"]
    (inf, 0.6931471805599453, 0.5)
    """
    return {"kl": kl_divergence(mu, nu, base), "reverse_kl": kl_divergence(nu, mu, base), "tv": total_variation(mu, nu)}


def fixed_order_kl(joint: Joint, sets: Sequence[Sequence[int]], base: float | None = None) -> float:
    """Exact ``KL(mu || nu_S)`` for the ordered partition ``sets = (S_1, ..., S_k)``.

    By the chain rule (docs/theory.md section 2.2), with ``T_t = S_1 u ... u S_{t-1}``:
    ``KL = sum_t [ sum_{i in S_t} H(X_i | X_{T_t}) - H(X_{S_t} | X_{T_t}) ]``, the expected
    conditional total correlation of each block.  Needs only subset entropies; always finite.

    Raises
    ------
    InputError
        If ``joint`` is not a :class:`Joint`, ``sets`` do not partition ``0..n-1`` into
        non-empty blocks, or ``base`` is invalid.

    Examples
    --------
    >>> from mdmtheory import parity
    >>> round(fixed_order_kl(parity(3), [[0], [1, 2]], base=2), 12)
    1.0
    """
    check_joint(joint)
    scale = unit_scale(base)
    blocks = _check_partition(sets, joint.n)
    marg = _Marginals(joint)
    ent = lambda m: float(np.sum(-rel_entr(marg(m), 1.0)))  # noqa: E731  H of a marginal
    total, size, T = 0.0, 0.0, 0
    for S in blocks:
        hT = ent(T)
        Sm = sum(1 << i for i in S)
        singles = sum(ent(T | 1 << i) - hT for i in S)
        total += singles - (ent(T | Sm) - hT)
        size += abs(singles) + hT
        T |= Sm
    return clamp_nonneg(total, "a fixed-order KL", scale=size, terms=joint.table.size) * scale


def mixture_kl(joint: Joint, schedule, base: float | None = None, max_memory: float | None = None) -> float:
    """Exact ``KL(mu || nu)`` where ``nu`` is the random-order mixture law for ``schedule``.

    By convexity ``mixture_kl <= expected_kl`` (docs/theory.md section 2.3).

    Raises
    ------
    InputError
        As :func:`output_distribution` and :func:`kl_divergence`.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> bool(mixture_kl(copy(3, 2), [2, 1]) <= expected_kl(copy(3, 2), [2, 1]) + 1e-12)
    True
    """
    unit_scale(base)
    nu = output_distribution(joint, schedule, max_memory=max_memory)
    return kl_divergence(joint, nu, base)
