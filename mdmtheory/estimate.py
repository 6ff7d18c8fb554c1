"""Monte Carlo estimates: the one result type, the shared input checks, and the exact chain rule
for any oracle.

* :class:`Estimate` -- one unbiased estimate (value, standard error, interval, sample count,
  seed, estimator, unit; the interval's method and the terms' skewness, with a flag where they
  are too skewed for the sample size): every Monte Carlo number of the package is one
  (:mod:`mdmtheory.oracle_estimates`, :mod:`mdmtheory.sampler_estimate`,
  :func:`mdmtheory.walk_divergences`); :func:`mean_estimate` builds it from i.i.d. per-draw terms
  with :func:`mdmtheory._numeric.mean_interval`, the one interval rule;
* the checks every estimator shares: :func:`check_samples`, :func:`check_confidence`,
  :func:`check_oracle`, :func:`oracle_call`, and :func:`inf_safe` (strict JSON numbers);
* :func:`set_entropy` and :func:`set_total_correlation`: ``H(X_S | x_R)`` and ``TC(X_S | x_R)``
  of a small set for any "oracle" (an object with ``n`` and
  ``conditional_marginals(revealed_mask, values)``) by the chain rule, breadth first (one
  batched oracle call a level); :func:`set_entropy_batch` and :func:`set_total_correlation_batch`
  the same for many contexts and sets at once (the stepwise estimator's per-step terms).

The estimators themselves: :mod:`mdmtheory.oracle_estimates` (the information curve, fixed- and
random-order divergences, TC and DTC of any oracle with samples) and
:mod:`mdmtheory.sampler_estimate` (every sampler's divergences).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ._lazy import lazy_function
from ._numeric import (INTERVAL_METHOD, clamp_nonneg, int_list, is_int, mean_interval, sample_skewness, t_quantile,
                       too_skewed)
from .errors import ImpossibleContext, InputError, check_memory
from .information import unit_scale
from .oracles import batch_marginals, check_batch_values

entr = lazy_function("scipy.special", "entr")

__all__ = [
    "Estimate",
    "ScalarEstimate",
    "mean_estimate",
    "inf_safe",
    "check_samples",
    "check_confidence",
    "check_oracle",
    "oracle_call",
    "MAX_SET_CALLS",
    "set_entropy",
    "set_total_correlation",
    "set_entropy_batch",
    "set_total_correlation_batch",
]

#: Most oracle calls :func:`set_entropy` makes before refusing (``q^(|S|-1)`` of them).
MAX_SET_CALLS = 100_000


def inf_safe(v: float):
    """JSON-strict number: infinities as the string ``"inf"`` (``"-inf"``).

    Examples
    --------
    >>> inf_safe(float("inf")), inf_safe(-float("inf")), inf_safe(2)
    ('inf', '-inf', 2.0)
    """
    v = float(v)
    return ("inf" if v > 0 else "-inf") if np.isinf(v) else v


@dataclass(frozen=True)
class Estimate:
    """One unbiased estimate with its standard error and interval: the one result type of every
    Monte Carlo number (the oracle estimators, :func:`mdmtheory.estimate_sampler_divergences`,
    :func:`mdmtheory.walk_divergences`).

    Attributes
    ----------
    value, stderr : float
        The mean of the per-draw terms and its standard error.
    interval : tuple of float
        At ``confidence``: Hall's skewness-corrected Student-t interval
        (:func:`mdmtheory._numeric.mean_interval`; ``value ± t * stderr`` on symmetric terms).
    samples, seed : int
    confidence : float
    unit, estimator : str
    quantity : str
        What is estimated, in words.
    interval_method : str
        ``"hall_t"`` (:data:`mdmtheory._numeric.INTERVAL_METHOD`) or ``"wilson"`` (a proportion).
    skewness : float
        The sample skewness ``G`` of the per-draw terms (0 when they are all equal).
    too_skewed : bool (property)
        Cochran's rule ``samples < 25 G^2`` (:func:`mdmtheory._numeric.too_skewed`): the terms
        are too skewed for the sample size, and the interval may cover less than ``confidence``
        (rare large terms may be missing from the sample); take more draws.  ``to_dict`` carries
        ``interval_method``, ``skewness`` and ``too_skewed``.

    Examples
    --------
    >>> est = mean_estimate([1.0, 3.0], 0.95, 0, 1.0, "nats", "a mean", "E[Y]")
    >>> est.value, est.stderr, sorted(est.to_dict())
    (2.0, 1.0, ['confidence', 'estimator', 'interval', 'interval_method', 'quantity', 'samples', 'seed', 'skewness', 'stderr', 'too_skewed', 'unit', 'value'])
    >>> {k: np.round(v, 3).tolist() for k, v in est.flat("y").items()}    # t_1 quantile 12.706
    {'y': 2.0, 'y_stderr': 1.0, 'y_interval': [-10.706, 14.706]}
    """

    value: float
    stderr: float
    interval: tuple
    samples: int
    seed: int
    confidence: float
    unit: str
    estimator: str
    quantity: str
    interval_method: str = INTERVAL_METHOD
    skewness: float = 0.0

    @property
    def too_skewed(self) -> bool:
        """Cochran's rule ``samples < 25 skewness^2``: too skewed for the sample size."""
        return too_skewed(self.samples, self.skewness)

    def to_dict(self) -> dict:
        """JSON-ready dict (strict: infinities as ``"inf"``).

        Raises
        ------
        InputError
            Never: a result holds validated values only.
        """
        return {
            "value": inf_safe(self.value), "stderr": inf_safe(self.stderr),
            "interval": [inf_safe(v) for v in self.interval], "samples": int(self.samples), "seed": int(self.seed),
            "confidence": float(self.confidence), "unit": self.unit, "estimator": self.estimator,
            "quantity": self.quantity, "interval_method": self.interval_method, "skewness": float(self.skewness),
            "too_skewed": self.too_skewed,
        }

    def flat(self, key: str, strict: bool = False) -> dict:
        """``{key: value, key_stderr: stderr, key_interval: [lo, hi]}``: the estimate as flat keys
        of a larger result (the walk and command-line outputs); ``strict``: infinities as
        ``"inf"``, as in :meth:`to_dict`.

        Raises
        ------
        InputError
            Never: a result holds validated values only.
        """
        f = inf_safe if strict else float
        return {key: f(self.value), f"{key}_stderr": f(self.stderr), f"{key}_interval": [f(v) for v in self.interval]}


#: The name of :class:`Estimate` before it became the one result type (kept: public API).
ScalarEstimate = Estimate


def mean_estimate(y, confidence: float, seed: int, scale: float, unit: str, estimator: str,
                  quantity: str) -> Estimate:
    """The :class:`Estimate` of the mean of i.i.d. per-draw terms ``scale * y`` (Hall's
    skewness-corrected Student-t interval, :func:`mdmtheory._numeric.mean_interval`, the one
    interval rule), with the terms' skewness.

    Raises
    ------
    InputError
        Never for validated arguments (the callers check ``confidence`` and the sample count).

    Examples
    --------
    >>> mean_estimate([0.0, 2.0], 0.95, 7, 0.5, "bits", "halved", "E[Y] / 2").to_dict()["value"]
    0.5
    """
    y = np.asarray(y, dtype=float)
    v, se, iv = mean_interval(y * scale, t_quantile(confidence, y.size - 1))
    return Estimate(v, se, tuple(iv), int(y.size), seed, float(confidence), unit, estimator, quantity,
                    INTERVAL_METHOD, float(sample_skewness(y)))


def check_samples(samples, n: int) -> int:
    """``samples >= 2`` draws of length ``n`` that fit in memory (every estimator's check).

    Raises
    ------
    InputError
        ``samples`` not an integer ``>= 2``, or too many to hold.

    Examples
    --------
    >>> check_samples(100.0, 10)
    100
    """
    if not is_int(samples, 2):
        raise InputError(f"samples must be an integer >= 2 (the interval needs a spread); got {samples!r}")
    check_memory(8.0 * float(samples) * n * 2, f"{samples} samples of length {n}")
    return int(samples)


def check_confidence(confidence) -> float:
    """A confidence level in ``(0, 1)`` (every estimator's check).

    Raises
    ------
    InputError
        Not a number strictly between 0 and 1.

    Examples
    --------
    >>> check_confidence(0.9)
    0.9
    """
    if isinstance(confidence, (bool, str)) or not isinstance(confidence, (int, float, np.integer, np.floating)) \
            or not 0.0 < float(confidence) < 1.0:
        raise InputError(f"confidence must be a number in (0, 1), e.g. 0.95; got {confidence!r}")
    return float(confidence)


def oracle_call(oracle, mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``oracle.conditional_marginals(mask, values)`` as floats, checked to be ``(n, q)``.

    Raises
    ------
    InputError
        The oracle returned another shape.

    Examples
    --------
    >>> from mdmtheory import block_hmm
    >>> oracle_call(block_hmm(2, 2, 3), np.zeros(3, dtype=bool), np.zeros(3, dtype=int)).shape
    (3, 4)
    """
    marg = np.asarray(oracle.conditional_marginals(mask, values), dtype=np.float64)
    if marg.ndim != 2 or marg.shape[0] != oracle.n:
        raise InputError(f"the oracle returned marginals of shape {marg.shape}; expected (n, q) with n = {oracle.n}")
    return marg


def check_oracle(oracle, needs: tuple[str, ...] = ("conditional_marginals",)) -> int:
    """The length ``n`` of an oracle object (an :class:`~mdmtheory.hmm.HMM`, a
    :class:`~mdmtheory.markov.ChainOracle` or a user's model) that has the methods ``needs``.

    Raises
    ------
    InputError
        No positive integer ``n`` or a method of ``needs`` missing.

    Examples
    --------
    >>> from mdmtheory import block_hmm
    >>> check_oracle(block_hmm(2, 2, 5), ("conditional_marginals", "sample"))
    5
    """
    missing = [name for name in needs if not callable(getattr(oracle, name, None))]
    if missing or not is_int(getattr(oracle, "n", None), 1):
        raise InputError(
            f"the oracle must have a positive length n and the methods {', '.join(needs)} "
            f"(an HMM, a ChainOracle or your own model); got {type(oracle).__name__}"
        )
    return int(oracle.n)


def set_entropy(oracle, revealed_mask, values, positions: Sequence[int], base: float | None = None,
                max_calls: int = MAX_SET_CALLS) -> float:
    """``H(X_S | x_R)`` of masked positions ``S`` given revealed values, for any oracle.

    Parameters
    ----------
    oracle : object
        Has ``n`` and ``conditional_marginals(revealed_mask, values)`` (an :class:`~mdmtheory.hmm.HMM`, a
        :class:`~mdmtheory.markov.ChainOracle`, or a user's model).
    revealed_mask : array_like of bool
        The revealed set ``R``.
    values : array_like of int
        Values at the revealed positions (others ignored).
    positions : sequence of int
        The set ``S``, disjoint from ``R``.
    base : float, optional
        Logarithm base (nats by default).
    max_calls : int
        Refuse when the ``q^(|S|-1)`` oracle calls would exceed it.

    Raises
    ------
    InputError
        ``S`` overlaps ``R``, positions out of range, or too many calls.

    Notes
    -----
    Chain rule: ``H(X_S | x_R) = H(X_{s_1} | x_R) + sum_v p(v) H(X_{S - s_1} | x_R, x_{s_1} = v)``,
    recursing over values of positive probability: at most ``1 + q + ... + q^(|S|-1)`` oracle
    rows, level by level (:func:`set_entropy_batch` with one row: ``|S|`` batched calls).

    Examples
    --------
    >>> from mdmtheory import HMM
    >>> m = HMM([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=3)
    >>> no = np.zeros(3, dtype=bool)
    >>> round(set_entropy(m, no, np.zeros(3, dtype=int), [0, 1, 2], base=2), 12)
    1.0
    """
    mask, vals, S = _check_single(oracle, revealed_mask, values, positions)
    if not S:
        return 0.0
    return _single_chain_rule(oracle, mask, vals, S, max_calls)[0] * unit_scale(base)


def _check_single(oracle, revealed_mask, values, positions) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """``(mask, values, S)`` of :func:`set_entropy`'s arguments, checked."""
    n = check_oracle(oracle)
    try:
        mask = np.array(revealed_mask)
        vals = np.array(values)
    except (TypeError, ValueError, OverflowError):
        raise InputError("revealed_mask and values must be arrays of length n") from None
    if mask.shape != (n,) or vals.shape != (n,) or mask.dtype.kind != "b" or vals.dtype.kind not in "iu":
        raise InputError(f"revealed_mask must be {n} booleans and values {n} integers")
    vals = vals.astype(np.int64)
    S = int_list(positions, "positions")
    if len(set(S)) != len(S) or any(not 0 <= i < n for i in S):
        raise InputError(f"positions must be distinct and in 0..{n - 1}; got {list(positions)}")
    if any(mask[i] for i in S):
        raise InputError("the set S must be masked positions (it overlaps the revealed set)")
    return mask, vals, S


def _single_chain_rule(oracle, mask: np.ndarray, vals: np.ndarray, S: list[int], max_calls) -> tuple[float, np.ndarray]:
    """``(H(X_S | x_R) in nats, the marginals at x_R)`` of one non-empty set, by :func:`_chain_rule`."""
    H, P0 = _chain_rule(oracle, mask[None], vals[None], [S], max_calls)
    if np.isnan(H[0]):
        raise ImpossibleContext("the revealed values have probability 0 under the oracle (not a possible context)")
    return float(H[0]), P0[0]


def set_total_correlation(oracle, revealed_mask, values, positions: Sequence[int], base: float | None = None,
                          max_calls: int = MAX_SET_CALLS) -> float:
    """``TC(X_S | x_R) = sum_{i in S} H(X_i | x_R) - H(X_S | x_R)``: the dependence error of
    unmasking ``S`` in one step from ``x_R`` (docs/theory.md section 2), for any oracle.

    Same parameters and cost as :func:`set_entropy`; clamps rounding noise to 0
    (:func:`mdmtheory._numeric.clamp_nonneg`).

    Raises
    ------
    InputError
        As :func:`set_entropy`.

    Examples
    --------
    >>> from mdmtheory import HMM
    >>> m = HMM([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=3)
    >>> no = np.zeros(3, dtype=bool)
    >>> round(set_total_correlation(m, no, np.zeros(3, dtype=int), [0, 1, 2], base=2), 12)
    2.0
    """
    mask, vals, S = _check_single(oracle, np.array(revealed_mask, dtype=bool), np.array(values, dtype=np.int64),
                                  positions)
    if S:  # the chain rule's first call gives the marginals too
        joint_h, marg = _single_chain_rule(oracle, mask, vals, S, max_calls)
    else:
        joint_h, marg = 0.0, oracle_call(oracle, mask, vals)
    singles = float(sum(entr(marg[int(i)]).sum() for i in S))
    return clamp_nonneg(singles - joint_h, "a conditional total correlation", scale=singles) * unit_scale(base)


def set_entropy_batch(oracle, revealed_masks, values, positions, base: float | None = None,
                      max_calls: int = MAX_SET_CALLS) -> np.ndarray:
    """``H(X_{S_b} | x_{R_b})`` of ``B`` contexts and sets at once: :func:`set_entropy` row by row,
    with level ``k`` of every row's chain rule one batched oracle call.

    Parameters
    ----------
    oracle : object
        Has ``n`` and ``conditional_marginals`` (and ideally ``conditional_marginals_batch``:
        :func:`mdmtheory.oracles.batch_marginals` is the call).
    revealed_masks : array_like of bool, shape (B, n)
    values : array_like of int, shape (B, n)
        Values at the revealed positions (others ignored).
    positions : sequence of B sequences of int
        The sets ``S_b``, each disjoint from its ``R_b``; sizes may differ.
    base : float, optional
        Logarithm base (nats by default).
    max_calls : int
        Refuse when a row's ``q^(|S_b|-1)`` oracle rows would exceed it (the limit of
        :func:`set_entropy`, per row).

    Returns
    -------
    numpy.ndarray
        Shape ``(B,)``; 0 for an empty set (no call); NaN where the context has probability 0
        (the batch form of :class:`~mdmtheory.errors.ImpossibleContext`).

    Raises
    ------
    InputError
        Bad masks, values or sets, or too many calls.

    Notes
    -----
    The recursion of :func:`set_entropy` breadth first: the nodes of level ``k`` (the contexts
    ``x_R, x_{s_1}, ..., x_{s_k}`` of positive probability, every row together) are one call,
    then the entropies are folded bottom-up in the recursion's order (the same sums).  At most
    ``max_b |S_b|`` calls of ``sum_b (1 + q + ... + q^(|S_b|-1))`` rows in all.

    Examples
    --------
    >>> from mdmtheory import HMM
    >>> m = HMM([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=3)
    >>> no = np.zeros((2, 3), dtype=bool)
    >>> set_entropy_batch(m, no, np.zeros((2, 3), dtype=int), [[0, 1, 2], [1]], base=2).round(12).tolist()
    [1.0, 1.0]
    """
    sc = unit_scale(base)
    masks, vals, sets = _check_batch(oracle, revealed_masks, values, positions)
    return _chain_rule(oracle, masks, vals, sets, max_calls)[0] * sc


def set_total_correlation_batch(oracle, revealed_masks, values, positions, base: float | None = None,
                                max_calls: int = MAX_SET_CALLS) -> np.ndarray:
    """``TC(X_{S_b} | x_{R_b})`` of ``B`` contexts and sets at once: :func:`set_total_correlation`
    row by row, through :func:`set_entropy_batch`'s breadth-first chain rule.

    Same parameters as :func:`set_entropy_batch`.  Rows with ``|S_b| <= 1`` give 0 with no
    oracle call; the others ``sum_{i in S_b} H(X_i | x_{R_b}) - H(X_{S_b} | x_{R_b})``, clamped
    as :func:`set_total_correlation` clamps it (NaN where the context has probability 0).

    Raises
    ------
    InputError
        As :func:`set_entropy_batch`.

    Examples
    --------
    >>> from mdmtheory import HMM
    >>> m = HMM([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=3)
    >>> no = np.zeros((2, 3), dtype=bool)
    >>> set_total_correlation_batch(m, no, np.zeros((2, 3), dtype=int), [[0, 1, 2], [2]], base=2).round(12).tolist()
    [2.0, 0.0]
    """
    sc = unit_scale(base)
    masks, vals, sets = _check_batch(oracle, revealed_masks, values, positions)
    big = [S if len(S) > 1 else [] for S in sets]
    H, P0 = _chain_rule(oracle, masks, vals, big, max_calls)
    out = np.zeros(masks.shape[0])
    rows = np.array([b for b, S in enumerate(big) if S], dtype=np.int64)
    if rows.size == 0:
        return out
    width = max(len(big[b]) for b in rows)
    Spad = np.array([big[b] + [big[b][0]] * (width - len(big[b])) for b in rows])
    h1 = entr(P0[rows[:, None], Spad]).sum(axis=2)  # H(X_i | x_R) of each row's positions
    sizes = np.array([len(big[b]) for b in rows])
    singles = np.zeros(rows.size)
    for k in range(width):  # summed position by position, in the order of S
        singles += np.where(k < sizes, h1[:, k], 0.0)
    tc = singles - H[rows]
    for a in np.flatnonzero(tc <= 0.0):  # rounding noise below 0 clamped, a real negative value refused
        tc[a] = clamp_nonneg(tc[a], "a conditional total correlation", scale=singles[a])
    out[rows] = tc
    return out * sc


#: Most numbers (nodes x n x (q + 2)) one group of a level of :func:`set_entropy_batch` holds at
#: once: the entries are processed in groups whose worst case fits (about 32 MB).
_CHAIN_GROUP_FLOATS = 1 << 22


def _check_batch(oracle, revealed_masks, values, positions):
    """``(masks, values, sets)`` of a batch call, checked: the oracle, the ``(B, n)`` masks and
    values (within the oracle's alphabets where it states them) and the sets (:func:`_check_sets`)."""
    n = check_oracle(oracle)
    q = getattr(oracle, "q", None)
    masks, vals = check_batch_values(revealed_masks, values, n, q if q is not None else np.iinfo(np.int64).max)
    return masks, vals, _check_sets(positions, masks)


def _check_sets(positions, masks: np.ndarray) -> list[list[int]]:
    """The sets ``S_b`` of a batch: distinct masked positions in range, one list per row."""
    B, n = masks.shape
    if isinstance(positions, (str, bytes)) or not hasattr(positions, "__len__") or len(positions) != B:
        raise InputError(f"positions must be a sequence of {B} sets (one per row of revealed_masks)")
    sets = []
    for b, S in enumerate(positions):
        S = int_list(S, f"positions[{b}]")
        if len(set(S)) != len(S) or any(not 0 <= i < n for i in S):
            raise InputError(f"positions[{b}] must be distinct and in 0..{n - 1}; got {list(S)}")
        if any(masks[b, i] for i in S):
            raise InputError(f"row {b}: the set S must be masked positions (it overlaps the revealed set)")
        sets.append(S)
    return sets


def _oracle_rows(oracle, masks: np.ndarray, vals: np.ndarray, width: int = 1) -> np.ndarray:
    """:func:`mdmtheory.oracles.batch_marginals` checked to be ``(B, n, q)`` (NaN rows impossible;
    ``width`` columns for an impossible single row).  One row is the single call (the same row:
    a batch of one costs several times more on some oracles)."""
    if masks.shape[0] == 1:
        try:
            return oracle_call(oracle, masks[0], vals[0])[None]
        except ImpossibleContext:
            return np.full((1, masks.shape[1], width), np.nan)
    P = batch_marginals(oracle, masks, vals)
    if P.ndim != 3 or P.shape[:2] != masks.shape:
        raise InputError(f"the oracle returned marginals of shape {P.shape[1:]}; expected (n, q) with n = {masks.shape[1]}")
    return P


def _chain_rule(oracle, masks: np.ndarray, vals: np.ndarray, sets: list, max_calls: int):
    """``(H, P0)``: ``H[b] = H(X_{S_b} | x_{R_b})`` in nats by the chain rule, breadth first
    (level ``k`` of every row one batched call), NaN where a context of the recursion has
    probability 0; ``P0`` the ``(B, n, q)`` marginals of the rows (``None`` if no set is
    non-empty).  The sets are validated; rows with an empty set give 0 with no call."""
    if isinstance(max_calls, bool) or not isinstance(max_calls, (int, float, np.integer, np.floating)):
        raise InputError(f"max_calls must be a number of oracle calls; got {max_calls!r}")
    B, n = masks.shape
    H = np.zeros(B)
    rows = np.array([b for b in range(B) if sets[b]], dtype=np.int64)
    if rows.size == 0:
        return H, None
    got = _oracle_rows(oracle, masks[rows], vals[rows])
    P0 = np.full((B,) + got.shape[1:], np.nan)
    P0[rows] = got
    w = got.shape[2]
    for b in rows:
        if float(w) ** (len(sets[b]) - 1) > max_calls:
            k = len(sets[b])
            raise InputError(f"H(X_S | x_R) of {k} positions needs up to {w}^{k - 1} oracle calls (limit {max_calls}); "
                             "use a smaller set")
    worst = np.array([float(w) ** (len(sets[b]) - 1) for b in rows]) * n * (w + 2)
    group = [[]]
    total = 0.0
    for b, cost in zip(rows, worst):  # groups of rows whose deepest level fits _CHAIN_GROUP_FLOATS
        if group[-1] and total + cost > _CHAIN_GROUP_FLOATS:
            group.append([])
            total = 0.0
        group[-1].append(int(b))
        total += cost
    for g in group:
        H[g] = _chain_levels(oracle, masks[g], vals[g], [sets[b] for b in g], P0[g], w)
    return H, P0


def _chain_levels(oracle, masks, vals, sets, P, w: int) -> np.ndarray:
    """The breadth-first chain rule of one group (see :func:`_chain_rule`): level ``k``'s nodes
    are the contexts ``x_R, x_{s_1..s_k}`` of positive probability; a node's entropy is
    ``H(X_{s_{k+1}} | node) + sum_v p(v) H(child_v)``, folded bottom-up in the order of the
    depth-first recursion (values ascending), so the sums are the same as a recursion's."""
    G = len(sets)
    size = np.array([len(S) for S in sets], dtype=np.int64)
    Spad = np.full((G, int(size.max())), -1, dtype=np.int64)
    for g, S in enumerate(sets):
        Spad[g, :len(S)] = S
    entry = np.arange(G)
    levels = []  # per level: (h, parent, p of the value, value)
    parent = pv = value = None
    k = 0
    while True:
        pos = Spad[entry, k]
        p = P[np.arange(entry.size), pos]  # (N, w)
        h = entr(p).sum(axis=1)
        levels.append((h, parent, pv, value))
        grow = np.flatnonzero(size[entry] > k + 1)
        node, v = np.nonzero(p[grow] > 0)  # row-major: a node's values ascending
        if node.size == 0:
            break
        node = grow[node]
        masks, vals = masks[node], vals[node]
        cols = pos[node]
        masks[np.arange(node.size), cols] = True
        vals[np.arange(node.size), cols] = v
        parent, pv, value, entry = node, p[node, v], v, entry[node]
        P = _oracle_rows(oracle, masks, vals, w)
        if P.shape[2] != w:
            raise InputError(f"the oracle returned marginals of {P.shape[2]} columns after {w}; expected the same q")
        k += 1
    acc = levels[-1][0]
    for k in range(len(levels) - 1, 0, -1):  # fold level k into level k - 1
        _, parent, pv, value = levels[k]
        up = levels[k - 1][0].copy()
        for v in range(w):  # a parent has one child a value: the values ascending, as the recursion adds them
            s = value == v
            up[parent[s]] += pv[s] * acc[s]
        acc = up
    return acc
