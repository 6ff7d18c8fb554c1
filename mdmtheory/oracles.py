"""Oracles: the conditional marginals a masked diffusion model is queried for.

An *oracle* is any object with a length ``n`` and a method
``conditional_marginals(revealed_mask, values) -> (n, qmax)`` array: row ``i`` is the law of
``X_i`` given the revealed values (a point mass at the value for a revealed ``i``; entries past
``q_i`` are 0).  The estimators also use ``sample(rng, m)`` (``m`` exact draws of the truth) and
``log_prob(x)`` (``log mu`` of full sequences) where they need them.  On revealed values of
probability 0 an oracle raises :class:`~mdmtheory.errors.ImpossibleContext`; the engines then use
the uniform law (a model run off the truth's support), while any other error stops them.

The batched call ``conditional_marginals_batch(revealed_masks, values) -> (B, n, qmax)`` answers
``B`` contexts at once (the engines advance ``B`` runs in lockstep); a row of probability 0 is all
NaN there, so one impossible row does not stop the others.  :func:`batch_marginals` uses it where
an oracle has it and loops over single calls otherwise.

The truths of the toolkit behind this protocol:

* :class:`TableOracle` -- a dense :class:`~mdmtheory.joint.Joint` (any ``n`` whose table fits);
* :class:`mdmtheory.hmm.HMM` and :class:`mdmtheory.markov.ChainOracle` (a Markov chain) -- any ``n``.

:func:`as_oracle` turns a :class:`Joint`, a :class:`~mdmtheory.MarkovChain` or an oracle into an
oracle, so every estimator takes all three.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ._numeric import as_rng, check_int, sum_tolerance
from .errors import ImpossibleContext, InputError
from .joint import Joint

__all__ = ["TableOracle", "as_oracle", "check_oracle_values", "check_model_rows", "batch_marginals", "check_batch_values"]

#: Conditional-marginal arrays a :class:`TableOracle` keeps (least recently used dropped first).
TABLE_CACHE_ENTRIES = 65_536


def check_oracle_values(revealed_mask, values, n: int, q) -> tuple[np.ndarray, np.ndarray]:
    """``(mask, vals)``: ``revealed_mask`` as ``n`` booleans and ``values`` as ``n`` int64 with
    ``-1`` at masked positions, each revealed value in ``0..q_i - 1``.

    Raises
    ------
    InputError
        Wrong shapes or dtypes, a revealed position without a value, or a value out of range.

    Examples
    --------
    >>> m, v = check_oracle_values([True, False], [1, 7], 2, (2, 2))
    >>> m.tolist(), v.tolist()
    ([True, False], [1, -1])
    """
    mask = np.asarray(revealed_mask)
    if mask.shape != (n,) or mask.dtype.kind != "b":
        raise InputError(f"revealed_mask must be {n} booleans; got shape {mask.shape}, dtype {mask.dtype}")
    arr = np.asarray(values)
    if arr.shape != (n,) or arr.dtype.kind not in "iu":
        raise InputError(f"values must be {n} integers (-1 at masked positions); got shape {arr.shape}, dtype {arr.dtype}")
    vals = np.where(mask, arr.astype(np.int64), -1)
    qa = np.broadcast_to(np.asarray(q, dtype=np.int64), (n,))
    bad = mask & ((vals < 0) | (vals >= qa))
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"revealed position {i} has value {int(vals[i])}; it must be a token 0..{int(qa[i]) - 1}")
    return mask, vals


class TableOracle:
    """A dense joint law behind the oracle protocol, with exact conditionals and sampling.

    ``conditional_marginals(mask, values)`` slices the table at the revealed values
    (``O(prod_{i masked} q_i)`` per masked position) and keeps the result in a bounded cache
    (:data:`TABLE_CACHE_ENTRIES` contexts), so the many runs of a sampler that share their early
    contexts pay for them once.

    Parameters
    ----------
    joint : Joint
        The law ``mu``.

    Raises
    ------
    InputError
        ``joint`` not a :class:`~mdmtheory.joint.Joint`; the methods raise it on bad masks,
        values, counts or seeds and on a context of probability 0.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> o = TableOracle(copy(3))
    >>> o.conditional_marginals(np.array([True, False, False]), np.array([1, -1, -1])).tolist()
    [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
    """

    def __init__(self, joint: Joint):
        if not isinstance(joint, Joint):
            raise InputError(f"TableOracle wraps a mdmtheory.Joint; got {type(joint).__name__}")
        self.joint = joint
        self.n = joint.n
        self.q = joint.q
        self._qmax = max(self.q)
        self._flat = joint.table.ravel()
        self._cdf = None
        self._cache: OrderedDict = OrderedDict()

    def __repr__(self) -> str:
        return f"TableOracle(n={self.n}, q={list(self.q)})"

    def conditional_marginals(self, revealed_mask, values) -> np.ndarray:
        """``mu(X_i = v | x_R)`` for every position (revealed rows: point masses).

        Raises
        ------
        InputError
            Bad mask or values, or revealed values of probability 0.
        """
        mask, vals = check_oracle_values(revealed_mask, values, self.n, self.q)
        key = (mask.tobytes(), vals.tobytes())
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit.copy()
        sub = self.joint.table[tuple(int(v) if m else slice(None) for m, v in zip(mask, vals))]
        mass = float(sub.sum())
        if not mass > 0:
            raise ImpossibleContext("the revealed values have probability 0 under the table; reveal a possible assignment")
        out = np.zeros((self.n, self._qmax))
        free = [i for i in range(self.n) if not mask[i]]
        for a, i in enumerate(free):
            others = tuple(b for b in range(len(free)) if b != a)
            out[i, : self.q[i]] = (sub.sum(axis=others) if others else sub) / mass
        for i in np.flatnonzero(mask):
            out[i, vals[i]] = 1.0
        self._cache[key] = out
        if len(self._cache) > TABLE_CACHE_ENTRIES:
            self._cache.popitem(last=False)
        return out.copy()

    def conditional_marginals_batch(self, revealed_masks, values) -> np.ndarray:
        """The batched oracle call: ``(B, n, qmax)`` conditionals of ``B`` partial assignments
        (row ``b`` as :meth:`conditional_marginals` gives it, through the same cache); a row of
        probability 0 is all NaN instead of raising.

        Raises
        ------
        InputError
            Bad masks or values.
        """
        masks, vals = check_batch_values(revealed_masks, values, self.n, self.q)
        out = np.empty((masks.shape[0], self.n, self._qmax))
        for b in range(masks.shape[0]):
            try:
                out[b] = self.conditional_marginals(masks[b], vals[b])
            except ImpossibleContext:
                out[b] = np.nan
        return out

    def sample(self, rng, m: int) -> np.ndarray:
        """``m`` exact draws (``(m, n)`` int64) from ``rng`` (a seed or a numpy Generator).

        Raises
        ------
        InputError
            A bad count or seed.
        """
        m = check_int(m, "the number of samples", lo=1)
        rng = as_rng(rng)
        if self._cdf is None:
            self._cdf = np.cumsum(self._flat)
        cells = np.searchsorted(self._cdf, rng.random(m) * self._cdf[-1], side="right")
        cells = np.minimum(cells, self._flat.size - 1)
        return np.stack(np.unravel_index(cells, self.q), axis=1).astype(np.int64)

    def log_prob(self, x) -> np.ndarray:
        """``log mu(x)`` of full sequences (rows); ``-inf`` where ``mu(x) = 0``.

        Raises
        ------
        InputError
            Rows of the wrong length or values out of range.
        """
        x = np.atleast_2d(np.asarray(x))
        if x.ndim != 2 or x.shape[1] != self.n or x.dtype.kind not in "iu" or np.any(x < 0) or np.any(x >= np.array(self.q)):
            raise InputError(f"x must be rows of n = {self.n} tokens, position i in 0..q_i - 1 (q = {list(self.q)})")
        with np.errstate(divide="ignore"):
            return np.log(self.joint.table[tuple(x.T)])


def as_oracle(obj):
    """An oracle for ``obj``: a :class:`Joint` gives a :class:`TableOracle`, a
    :class:`~mdmtheory.MarkovChain` a :class:`~mdmtheory.markov.ChainOracle`; an object that
    already has ``n`` and ``conditional_marginals`` (an :class:`~mdmtheory.hmm.HMM`, your model)
    is returned as it is.

    Raises
    ------
    InputError
        Anything else.

    Examples
    --------
    >>> from mdmtheory import parity
    >>> as_oracle(parity(3))
    TableOracle(n=3, q=[2, 2, 2])
    """
    # start-up time: markov (graphs, networkx on first use) loads only when a chain is given
    from .markov import MarkovChain

    if isinstance(obj, Joint):
        return TableOracle(obj)
    if isinstance(obj, MarkovChain):
        from .markov import ChainOracle  # start-up time: as above

        return ChainOracle(obj)
    n = getattr(obj, "n", None)
    if callable(getattr(obj, "conditional_marginals", None)) and isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1:
        return obj
    raise InputError(
        "expected a Joint, a MarkovChain, an HMM or an oracle (an object with a positive length n and "
        f"conditional_marginals(revealed_mask, values)); got {type(obj).__name__}"
    )


# ----------------------------------------------------------------------------------------------
# Model oracles: a model that is not the truth (issue 11, "any oracle").
#
# The per-row transforms are defined once, here, as plain functions on arrays of rows; the model
# classes apply them to their base oracle's masked rows and the exact evaluator applies the same
# functions to every context's rows at once (mdmtheory.evaluate).


def check_model_rows(rows, mask: np.ndarray, q, what: str = "the model") -> np.ndarray:
    """The validated ``(n, qmax)`` marginals a model returned for the revealed ``mask``.

    ``rows`` must be a real array (bool, integer or float up to 64 bits: complex, object, string
    and ``float128`` arrays are refused, never cast with a warning).  Masked rows must be finite,
    non-negative, 0 past ``q_i`` and sum to 1 within the tolerance of their dtype
    (:func:`mdmtheory._numeric.sum_tolerance`: :data:`mdmtheory._numeric.SUM_TOL` for float64, a
    few ulps for float32); they are renormalised in float64, clearing that rounding; revealed
    rows are ignored (the protocol's point masses are put back by the caller).

    Raises
    ------
    InputError
        Bad ``mask`` or ``q``; naming the problem: not an array of the right shape, a NaN or infinite entry, a negative
        entry, mass past a position's alphabet, or a row not summing to 1.

    Examples
    --------
    >>> check_model_rows([[0.5, 0.5], [0.0, 0.0]], np.array([False, True]), (2, 2)).tolist()
    [[0.5, 0.5], [0.0, 0.0]]
    """

    try:
        qa = np.asarray(q)
        ok = qa.ndim == 1 and qa.size >= 1 and qa.dtype.kind in "iu" and bool(np.all(qa >= 1))
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise InputError(f"q must be a list of alphabet sizes (positive integers); got {q!r:.60}")
    qa = qa.astype(np.int64)
    n, qmax = qa.size, int(qa.max())
    mask = np.asarray(mask)
    if mask.shape != (n,) or mask.dtype.kind != "b":
        raise InputError(f"the revealed mask must be {n} booleans; got shape {mask.shape}, dtype {mask.dtype}")
    try:
        R = np.asarray(rows)
    except (TypeError, ValueError, OverflowError):
        R = None
    if R is None or R.dtype.kind not in "biuf" or R.dtype.itemsize > 8:
        got = type(rows).__name__ if R is None else f"{type(rows).__name__} of dtype {R.dtype}"
        raise InputError(f"{what} must return an (n, qmax) = ({n}, {qmax}) array of real probabilities (float64); "
                         f"got {got}")
    tol = sum_tolerance(R.dtype, qmax)  # float32 rows judged at their own precision, then renormalised in float64
    R = R.astype(np.float64)
    if R.shape != (n, qmax):
        raise InputError(f"{what} must return an (n, qmax) = ({n}, {qmax}) array of probabilities; got shape {R.shape}")
    out = np.zeros((n, qmax))
    for i in np.flatnonzero(~mask):
        row = R[i]
        if not np.all(np.isfinite(row)):
            raise InputError(f"{what} returned a NaN or infinite probability for masked position {i}; return finite probabilities")
        if np.any(row < 0):
            raise InputError(f"{what} returned a negative probability for masked position {i}: {row.min()!r}")
        if np.any(row[qa[i]:] != 0):
            raise InputError(f"{what} put mass on values past the alphabet of position {i} (q_{i} = {qa[i]}); entries past q_i must be 0")
        with np.errstate(over="ignore"):  # huge entries: the sum is inf, refused below
            s = float(row.sum())
        if not abs(s - 1.0) <= tol:
            raise InputError(f"{what}'s row for masked position {i} sums to {s!r}, not 1 (tolerance {tol:.3g}); normalise it")
        out[i] = row / s
    return out


def check_batch_values(revealed_masks, values, n: int, q) -> tuple[np.ndarray, np.ndarray]:
    """``(masks, vals)``: ``(B, n)`` booleans and ``(B, n)`` int64 with ``-1`` at masked
    positions (:func:`check_oracle_values` for a batch; ``B >= 1``).

    Raises
    ------
    InputError
        Wrong shapes or dtypes, or a revealed value out of range.

    Examples
    --------
    >>> m, v = check_batch_values([[True, False]], [[1, 7]], 2, (2, 2))
    >>> v.tolist()
    [[1, -1]]
    """
    masks = np.asarray(revealed_masks)
    if masks.ndim != 2 or masks.shape[1] != n or masks.shape[0] < 1 or masks.dtype.kind != "b":
        raise InputError(f"revealed_masks must be (B, {n}) booleans; got shape {masks.shape}, dtype {masks.dtype}")
    arr = np.asarray(values)
    if arr.shape != masks.shape or arr.dtype.kind not in "iu":
        raise InputError(f"values must be {masks.shape} integers (-1 at masked positions); got shape {arr.shape}, "
                         f"dtype {arr.dtype}")
    vals = np.where(masks, arr.astype(np.int64), -1)
    qa = np.broadcast_to(np.asarray(q, dtype=np.int64), (n,))
    bad = masks & ((vals < 0) | (vals >= qa[None, :]))
    if np.any(bad):
        b, i = (int(v[0]) for v in np.nonzero(bad))
        raise InputError(f"row {b}: revealed position {i} has value {int(vals[b, i])}; it must be a token "
                         f"0..{int(qa[i]) - 1}")
    return masks, vals


def batch_marginals(oracle, revealed_masks, values) -> np.ndarray:
    """The batched oracle call on any oracle: ``(B, n, qmax)`` marginals of ``B`` partial
    assignments.

    The oracle's own ``conditional_marginals_batch`` where it has one (tables, chains, HMMs,
    model transforms), else a loop of ``conditional_marginals`` calls (a
    :class:`CallableOracle`, your model).  Row ``b`` is what ``conditional_marginals(
    revealed_masks[b], values[b])`` returns; a row whose context has probability 0 (the single
    call raises :class:`~mdmtheory.errors.ImpossibleContext`) is all NaN, so one impossible row
    does not stop the others (``np.isnan(P).any(axis=(1, 2))`` finds them; the engines then use
    the uniform law, the convention of :func:`mdmtheory.evaluate`).

    Parameters
    ----------
    oracle : oracle
        An object with ``n`` and ``conditional_marginals`` (:func:`as_oracle` is applied).
    revealed_masks : array_like of bool, shape (B, n)
    values : array_like of int, shape (B, n)
        Entries at masked positions are ignored.

    Returns
    -------
    numpy.ndarray
        Shape ``(B, n, qmax)``, a new array.

    Raises
    ------
    InputError
        A bad oracle, masks or values, or any error of the oracle other than an impossible
        context.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> P = batch_marginals(copy(2), [[True, False], [True, True]], [[1, -1], [0, 1]])
    >>> P[0].tolist(), bool(np.isnan(P[1]).all())
    ([[0.0, 1.0], [0.0, 1.0]], True)
    """
    oracle = as_oracle(oracle)
    n = int(oracle.n)
    q = getattr(oracle, "q", None)
    masks, vals = check_batch_values(revealed_masks, values, n, q if q is not None else np.iinfo(np.int64).max)
    native = getattr(oracle, "conditional_marginals_batch", None)
    if callable(native):
        return np.array(native(masks, vals), dtype=float)
    rows = []
    for b in range(masks.shape[0]):
        try:
            rows.append(np.asarray(oracle.conditional_marginals(masks[b], vals[b]), dtype=float))
        except ImpossibleContext:
            rows.append(None)
    shapes = {r.shape for r in rows if r is not None}
    if len(shapes) > 1:
        raise InputError(f"the oracle returned marginals of different shapes {sorted(shapes)}; expected (n, qmax)")
    shape = shapes.pop() if shapes else (n, int(np.max(q)) if q is not None else 1)
    out = np.empty((masks.shape[0],) + shape)
    for b, r in enumerate(rows):
        out[b] = np.nan if r is None else r
    return out
