"""Information measures of a joint table: the subset-entropy lattice, the average entropy
curve ``Hbar``, the information curve ``Z``, total and dual total correlation, and
conditional measures.

All functions take ``base`` (``None`` = natural log, nats; ``2`` = bits).

References
----------
.. [1] Chen, Cong, Li, "Optimal inference schedules for masked diffusion models",
   COLT 2026, arXiv:2511.04647, Section 3 (information curve, Lemma 8).
.. [2] T. S. Han, "Nonnegative entropy measures of multivariate symmetric correlations",
   Information and Control 36 (1978) (monotonicity of ``Z``).
"""

from __future__ import annotations

from math import comb, log
from typing import Sequence

import numpy as np

from ._lazy import lazy_function, lazy_module
from ._numeric import check_real, clamp_nonneg
from .errors import InputError, check_memory
from .joint import Joint, check_positions

lattice_entropies = lazy_function("mdmtheory._kernels.lattice", "lattice_entropies")
numba = lazy_module("numba")

__all__ = [
    "unit_name",
    "subset_entropies",
    "avg_entropy",
    "curve_from_avg_entropy",
    "information_curve",
    "entropy",
    "conditional_entropy",
    "mutual_information",
    "total_correlation",
    "dual_total_correlation",
    "conditional_total_correlation",
    "information_summary",
]


def check_base(base) -> float | None:
    """Validate a logarithm base: ``None`` (nats) or a finite number ``> 1``.

    The one rule for ``base=`` everywhere: a base in ``(0, 1)`` is a logarithm base but turns
    every entropy negative, so it is refused with ``<= 0``, ``1``, NaN and ``inf``.

    Raises
    ------
    InputError
        For any other base.

    Examples
    --------
    >>> check_base(2), check_base(None)
    (2.0, None)
    """
    if base is None:
        return None
    try:
        return check_real(base, "base", 1.0, lo_open=True)
    except InputError:
        raise InputError(f"base must be a finite number > 1 (2 for bits, omit for nats); got {base!r}") from None


def unit_scale(base: float | None) -> float:
    """``1 / log(base)`` (1 for ``None``, nats); refuses invalid bases (:func:`check_base`)."""
    b = check_base(base)
    return 1.0 if b is None else 1.0 / log(b)




def unit_name(base: float | None) -> str:
    """The unit of information for ``base``: ``"nats"`` (None or e), ``"bits"`` (2), ``"hartleys"`` (10).

    Raises
    ------
    InputError
        If ``base`` is not ``None`` or a finite number ``> 1``.

    Examples
    --------
    >>> unit_name(None), unit_name(2)
    ('nats', 'bits')
    """
    base = check_base(base)
    if base is None or abs(base - np.e) < 1e-12:
        return "nats"
    if base == int(base):
        base = int(base)
    return {2: "bits", 10: "hartleys"}.get(base, f"log{base} units")  # type: ignore[arg-type]


def check_joint(joint, name: str = "joint") -> Joint:
    """``joint`` itself if it is a :class:`~mdmtheory.joint.Joint`; otherwise an :class:`InputError`
    naming ``name`` and the fix (wrap the table with ``Joint(table)``)."""
    if not isinstance(joint, Joint):
        raise InputError(f"{name} must be a Joint; got {type(joint).__name__} (wrap a probability table with Joint(table))")
    return joint


def _popcounts(n: int) -> np.ndarray:
    masks = np.arange(1 << n, dtype=np.int64)
    pc = np.zeros_like(masks)
    for b in range(n):
        pc += (masks >> b) & 1
    return pc


def lattice_memory(joint: Joint) -> float:
    """Bytes the subset-entropy lattice of ``joint`` needs: the table, the output, and per
    thread one buffer per level of the removal tree (level ``l`` holds at most the table size
    over the product of the ``l`` smallest alphabet sizes)."""
    size = float(joint.table.size)
    per_thread, cap = 0.0, size
    for q in sorted(joint.q):
        cap /= q
        per_thread += cap
    threads = min(numba.get_num_threads(), joint.n)
    return 8.0 * (2.0**joint.n + size + threads * per_thread)


#: Tables with at most this many positions take the plain numpy lattice (:func:`_small_lattice`):
#: at ``2^n <= 256`` subsets it finishes before the numba kernel would have loaded.
SMALL_LATTICE_N = 8


def _small_lattice(table: np.ndarray) -> np.ndarray:
    """The same removal-tree walk as the numba kernel in plain numpy (each marginal summed from
    the parent with one more position, here the lowest missing one), for tables of a few
    positions; ``H[0]`` is left for the caller to set."""
    n = table.ndim
    full = (1 << n) - 1
    H = np.empty(1 << n)
    marg = {full: np.asarray(table, dtype=float)}
    for A in range(full, -1, -1):
        if A != full:
            j = (~A & full & -(~A & full)).bit_length() - 1  # lowest position not in A
            parent = marg[A | (1 << j)]
            marg[A] = parent.sum(axis=bin(A & ((1 << j) - 1)).count("1"))
        p = marg[A].ravel()
        p = p[p > 0]
        H[A] = -float(np.dot(p, np.log(p)))
    return H


def subset_entropies(joint: Joint, base: float | None = None, max_memory: float | None = None) -> np.ndarray:
    """``H(X_A)`` for all ``2^n`` subsets ``A``, indexed by bitmask (bit ``i`` = position ``i``).

    Notes
    -----
    One pass over the subset lattice in a numba kernel: the subsets are visited depth-first
    in a removal tree (positions removed in decreasing index order), and each subset's
    marginal is summed from its parent's (one more position), never from the full table.
    Work is ``sum_A q^|A| = prod_i (q_i + 1)`` cells (each one ``p log p``, with a vectorised
    logarithm accurate to 1 ulp), memory ``O(q^n)`` per thread.  Tables of at most
    :data:`SMALL_LATTICE_N` positions take the same walk in plain numpy (no kernel to load).  The top subtrees run on all
    cores (``numba.set_num_threads``), largest first.  ``H(empty) = 0``; rounding can leave a
    deterministic marginal at ``-1e-16``: that noise is set to 0 (:func:`~mdmtheory._numeric.clamp_nonneg`).

    Raises
    ------
    InputError
        If ``joint`` is not a :class:`Joint`, ``base`` is invalid, or the lattice would need
        more than ``max_memory`` bytes (default 4 GiB).

    Examples
    --------
    >>> from mdmtheory import parity
    >>> H = subset_entropies(parity(3), base=2)
    >>> [round(float(H[m]), 12) for m in (0b001, 0b011, 0b111)]
    [1.0, 2.0, 2.0]
    """
    check_joint(joint)
    scale = unit_scale(base)
    small = joint.n <= SMALL_LATTICE_N  # the numpy walk keeps every marginal: prod (1 + q_i) cells
    need = 8.0 * (2.0**joint.n + float(np.prod([1.0 + q for q in joint.q]))) if small else lattice_memory(joint)
    check_memory(need, f"the subset-entropy lattice of a table of shape {joint.q}", max_memory)
    if small:
        H = _small_lattice(joint.table)
    else:
        H = lattice_entropies(joint.table)
    H[0] = 0.0
    H = clamp_nonneg(H, "a subset entropy", scale=float(H.max()), terms=joint.table.size)
    return H * scale


def _check_lattice(H) -> np.ndarray:
    try:
        H = np.asarray(H, dtype=float)
    except (TypeError, ValueError):
        H = np.zeros((0,))
    if H.ndim != 1 or H.size < 2 or H.size & (H.size - 1):
        raise InputError(
            "give a Joint or a subset-entropy lattice (a 1-D array of 2^n entropies, from subset_entropies)"
        )
    if not np.all(np.isfinite(H)) or H[0] != 0.0 or np.any(H < 0):
        raise InputError("a subset-entropy lattice holds finite entropies >= 0 with H[0] = 0 (the empty set)")
    return H


def avg_entropy(joint: Joint | np.ndarray, base: float | None = None, max_memory: float | None = None) -> np.ndarray:
    """``Hbar_k = mean_{|A| = k} H(X_A)`` for ``k = 0..n`` (``Hbar_0 = 0``).

    ``joint`` may be a :class:`Joint` or a lattice from :func:`subset_entropies` (then
    ``base`` is ignored: the lattice carries its unit).

    Raises
    ------
    InputError
        If ``joint`` is neither a :class:`Joint` nor a finite, non-negative lattice of
        ``2^n`` entropies (``H[0] = 0``), or ``base`` is invalid.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> [round(float(h), 12) for h in avg_entropy(copy(3, 2), base=2)]
    [0.0, 1.0, 1.0, 1.0]
    """
    if isinstance(joint, Joint):
        H = subset_entropies(joint, base, max_memory)
    else:
        unit_scale(base)
        H = _check_lattice(joint)
    n = int(round(np.log2(H.size)))
    pc = _popcounts(n)
    sums = np.bincount(pc, weights=H, minlength=n + 1)
    return sums / np.array([comb(n, k) for k in range(n + 1)], dtype=float)


def curve_from_avg_entropy(hbar: np.ndarray) -> np.ndarray:
    """``Z_j = Hbar_1 + Hbar_{j-1} - Hbar_j`` for ``j = 1..n`` (returned 0-based: ``Z[j-1]``).

    Examples
    --------
    >>> curve_from_avg_entropy([0.0, 1.0, 1.0, 1.0])    # the copy distribution, bits
    array([0., 1., 1.])

    Raises
    ------
    InputError
        If ``hbar`` is not a finite 1-D array ``Hbar_0..Hbar_n`` with ``n >= 1`` and ``Hbar_0 = 0``.
    """
    try:
        hbar = np.asarray(hbar, dtype=float)
    except (TypeError, ValueError):
        hbar = np.zeros((0,))
    if hbar.ndim != 1 or hbar.size < 2 or not np.all(np.isfinite(hbar)) or hbar[0] != 0.0:
        raise InputError("Hbar is a finite 1-D list Hbar_0..Hbar_n with n >= 1 and Hbar_0 = 0")
    return hbar[1] + hbar[:-1] - hbar[1:]


def information_curve(joint: Joint, base: float | None = None, max_memory: float | None = None) -> np.ndarray:
    """The information curve ``Z_1..Z_n`` of Chen-Cong-Li (Section 3), as an array ``Z[j-1]``.

    ``Z_j = E_{|S| = j-1, i not in S} I(X_i ; X_S) = Hbar_1 + Hbar_{j-1} - Hbar_j``.
    ``Z_1 = 0`` and ``Z`` is nondecreasing (Han's inequality); ``sum_j Z_j = TC`` and
    ``n Z_n - TC = DTC`` (Lemma 8).

    Raises
    ------
    InputError
        If ``joint`` is not a :class:`Joint`, ``base`` is invalid, or the lattice is too large.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> Z = information_curve(copy(3, 2), base=2)
    >>> [round(float(z), 12) for z in Z]
    [0.0, 1.0, 1.0]
    """
    hbar = avg_entropy(joint, base, max_memory)  # Z_j are mutual informations: rounding noise below 0 cleared
    return clamp_nonneg(curve_from_avg_entropy(hbar), "the information curve", scale=float(hbar[-1]), terms=joint.table.size)


def entropy(joint: Joint, positions: Sequence[int] | None = None, base: float | None = None) -> float:
    """Shannon entropy ``H(X_A) = -sum p log p`` of the positions ``A`` (all by default).

    Raises
    ------
    InputError
        If ``joint`` is not a :class:`Joint`, a position is out of range, not an integer or
        repeated, or ``base`` is invalid.

    Examples
    --------
    >>> from mdmtheory import parity
    >>> round(entropy(parity(3), base=2), 12), round(entropy(parity(3), [0, 1], base=2), 12)
    (2.0, 2.0)
    """
    # start-up time: scipy loads on first use, not with import mdmtheory
    from scipy.special import entr

    check_joint(joint)
    scale = unit_scale(base)
    t = joint.table if positions is None else joint.marginal(positions)
    return float(entr(t).sum()) * scale


def conditional_entropy(joint: Joint, A: Sequence[int], B: Sequence[int], base: float | None = None) -> float:
    """``H(X_A | X_B) = H(X_{A u B}) - H(X_B)``.

    ``A`` and ``B`` may overlap; each lists distinct positions.

    Raises
    ------
    InputError
        If ``joint`` is not a :class:`Joint`, a position is out of range, not an integer or
        repeated within ``A`` or ``B``, or ``base`` is invalid.

    Examples
    --------
    >>> from mdmtheory import parity
    >>> round(conditional_entropy(parity(3), [2], [0, 1], base=2), 12)   # the last bit is determined
    0.0
    """
    check_joint(joint)
    A, B = check_positions(A, joint.n, "A"), check_positions(B, joint.n, "B")
    hab, hb = entropy(joint, sorted(set(A) | set(B)), base), entropy(joint, B, base)
    return clamp_nonneg(hab - hb, "a conditional entropy", scale=hab, terms=joint.table.size)


def mutual_information(joint: Joint, A: Sequence[int], B: Sequence[int], base: float | None = None) -> float:
    """``I(X_A ; X_B) = H(X_A) + H(X_B) - H(X_{A u B})``.

    Raises
    ------
    InputError
        If ``joint`` is not a :class:`Joint`, a position is out of range, not an integer or
        repeated within ``A`` or ``B``, or ``base`` is invalid.

    Examples
    --------
    >>> from mdmtheory import parity
    >>> round(mutual_information(parity(3), [0], [1], base=2), 12), round(mutual_information(parity(3), [0], [1, 2], base=2), 12)
    (0.0, 1.0)
    """
    check_joint(joint)
    A, B = check_positions(A, joint.n, "A"), check_positions(B, joint.n, "B")
    ha, hb = entropy(joint, A, base), entropy(joint, B, base)
    return clamp_nonneg(ha + hb - entropy(joint, sorted(set(A) | set(B)), base), "a mutual information", scale=ha + hb, terms=joint.table.size)


def total_correlation(joint: Joint, base: float | None = None) -> float:
    """``TC = sum_i H(X_i) - H(X)`` (Watanabe's total correlation; area under ``Z``).

    Raises
    ------
    InputError
        If ``joint`` is not a :class:`Joint` or ``base`` is invalid.

    Examples
    --------
    >>> from mdmtheory import parity
    >>> round(total_correlation(parity(4), base=2), 12)
    1.0
    """
    check_joint(joint)
    singles = sum(entropy(joint, [i], base) for i in range(joint.n))
    return clamp_nonneg(singles - entropy(joint, None, base), "a total correlation", scale=singles, terms=joint.table.size)


def dual_total_correlation(joint: Joint, base: float | None = None) -> float:
    """``DTC = H(X) - sum_i H(X_i | X_-i) = sum_i H(X_-i) - (n - 1) H(X)`` (Han's dual TC).

    Raises
    ------
    InputError
        If ``joint`` is not a :class:`Joint` or ``base`` is invalid.

    Examples
    --------
    >>> from mdmtheory import parity
    >>> round(dual_total_correlation(parity(4), base=2), 12)
    3.0
    """
    check_joint(joint)
    n = joint.n
    rest = sum(entropy(joint, [j for j in range(n) if j != i], base) if n > 1 else 0.0 for i in range(n))
    return clamp_nonneg(rest - (n - 1) * entropy(joint, None, base), "a dual total correlation", scale=rest, terms=joint.table.size)


def conditional_total_correlation(
    joint: Joint, S: Sequence[int], pinned: dict[int, int] | None = None, base: float | None = None
) -> float:
    """``TC(X_S | x_T) = sum_{i in S} H(X_i | x_T) - H(X_S | x_T)`` given the pinning ``x_T``.

    This is the dependence error of unmasking ``S`` in one step from the revealed state
    ``x_T`` (docs/theory.md section 2).

    Raises
    ------
    InputError
        If ``joint`` is not a :class:`Joint`, ``S`` has positions out of range, not
        integers or repeated, ``S`` meets the pinned positions, the pinning is not a dict of
        integer positions and values in range or has probability 0, or ``base`` is invalid.

    Examples
    --------
    >>> from mdmtheory import parity
    >>> round(conditional_total_correlation(parity(3), [0, 1], {2: 1}, base=2), 12)
    1.0
    """
    check_joint(joint)
    if pinned is None:
        pinned = {}
    if not isinstance(pinned, dict):
        raise InputError(f"pinned must be a dict {{position: value}}; got {pinned!r}")
    S = check_positions(S, joint.n, "S")
    if set(S) & set(pinned):
        raise InputError(f"positions {sorted(set(S) & set(pinned))} are both in S and pinned; S must be masked positions")
    cond = joint.conditional(pinned) if pinned else joint
    free = [i for i in range(joint.n) if i not in pinned]
    idx = [free.index(i) for i in S]
    singles = sum(entropy(cond, [i], base) for i in idx)
    return clamp_nonneg(singles - entropy(cond, idx, base), "a conditional total correlation", scale=singles, terms=cond.table.size)


def information_summary(joint: Joint, base: float | None = None, max_memory: float | None = None) -> dict:
    """Everything ``mdmtheory info`` prints, from one lattice pass.

    Returns a dict with ``n``, ``q``, ``unit``, ``entropy``, ``total_correlation``,
    ``dual_total_correlation``, ``avg_entropy`` (length ``n+1``), ``information_curve``
    (length ``n``).

    Raises
    ------
    InputError
        If ``joint`` is not a :class:`Joint`, ``base`` is invalid, or the lattice is too large.

    Examples
    --------
    >>> from mdmtheory import parity
    >>> s = information_summary(parity(3), base=2)
    >>> s["unit"], round(s["total_correlation"], 12), round(s["dual_total_correlation"], 12)
    ('bits', 1.0, 2.0)
    """
    H = subset_entropies(joint, base, max_memory)
    n = joint.n
    full = (1 << n) - 1
    singles = float(sum(H[1 << i] for i in range(n)))
    rest = float(sum(H[full ^ (1 << i)] for i in range(n)))
    tc = clamp_nonneg(singles - H[full], "a total correlation", scale=singles, terms=joint.table.size)
    dtc = clamp_nonneg(rest - (n - 1) * H[full], "a dual total correlation", scale=rest, terms=joint.table.size)
    hbar = avg_entropy(H)
    return {
        "n": n,
        "q": list(joint.q),
        "unit": unit_name(base),
        "entropy": float(H[full]),
        "total_correlation": float(tc),
        "dual_total_correlation": float(dtc),
        "avg_entropy": [float(x) for x in hbar],
        "information_curve": [float(z) for z in clamp_nonneg(curve_from_avg_entropy(hbar), "the information curve",
                                                             scale=float(H[full]), terms=joint.table.size)],
    }

