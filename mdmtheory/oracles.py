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

from ._numeric import check_int, check_real
from .errors import ImpossibleContext, InputError
from .joint import Joint
from .tolerances import SUM_TOL, TOL
from .usercode import load_bound

__all__ = [
    "TableOracle", "as_oracle", "check_oracle_values", "temperature_rows", "smooth_rows", "top_k_rows", "top_p_rows",
    "ROW_TRANSFORMS", "check_model_rows", "ModelOracle", "TemperatureOracle", "SmoothedOracle", "TopKOracle",
    "TopPOracle", "MarginalsOracle", "CallableOracle", "MODEL_KINDS", "model_oracle", "batch_marginals",
    "check_batch_values",
]

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
        if not isinstance(rng, np.random.Generator):
            from ._numeric import check_seed

            rng = np.random.default_rng(check_seed(rng))
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
    from .markov import MarkovChain

    if isinstance(obj, Joint):
        return TableOracle(obj)
    if isinstance(obj, MarkovChain):
        from .markov import ChainOracle

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


def _check_rows(P, q) -> tuple[np.ndarray, np.ndarray]:
    try:
        P = np.asarray(P, dtype=float)
        qa = np.asarray(q)
        ok = qa.dtype.kind in "iu" and P.ndim >= 2 and qa.shape == (P.shape[-2],) and bool(np.all(np.isfinite(P)))
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise InputError(f"rows must be a finite array of shape (..., n, qmax) with n integer alphabet sizes q; got {P!r:.60}, q = {q!r:.40}")
    qa = qa.astype(np.int64)
    if np.any(qa < 1) or np.any(qa > P.shape[-1]):
        raise InputError(f"rows must have shape (..., n, qmax) with n alphabet sizes 1..qmax; got shape {P.shape}, q = {qa.tolist()}")
    return P, qa


def _alphabet(P: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Boolean mask of the entries ``v < q_i`` of each row (broadcast to ``P``)."""
    return np.broadcast_to(np.arange(P.shape[-1])[None, :] < q[:, None], P.shape)


def _normalised(out: np.ndarray) -> np.ndarray:
    """Rows divided by their sums; all-zero rows (revealed positions in a stack) stay zero."""
    tot = out.sum(axis=-1, keepdims=True)
    return np.divide(out, tot, out=np.zeros_like(out), where=tot > 0)


def temperature_rows(P, q, temperature: float) -> np.ndarray:
    """Rows tempered: ``p(v)^(1/T) / sum_w p(w)^(1/T)`` (zeros stay zero).

    ``T = 1`` is the identity; ``T = 0`` is the limit ``T -> 0``: the uniform distribution on the
    most likely values, a value counting as most likely when ``p(v) >= max p - TOL``
    (:data:`mdmtheory.samplers.TOL`).  Computed as ``exp((log p - log max p) / T)``, so no
    underflow to an all-zero row.

    Parameters
    ----------
    P : array, shape (..., n, qmax)
        Rows that are distributions on ``0..q_i - 1`` (0 past ``q_i``).
    q : sequence of int, length n
        Alphabet sizes.
    temperature : float
        ``T >= 0``.

    Raises
    ------
    InputError
        A negative, NaN or infinite temperature, or rows of the wrong shape.

    Examples
    --------
    >>> temperature_rows([[0.8, 0.2]], [2], 0.5).round(6).tolist()
    [[0.941176, 0.058824]]
    >>> temperature_rows([[0.4, 0.4, 0.2]], [3], 0.0).tolist()
    [[0.5, 0.5, 0.0]]
    """
    T = check_real(temperature, "the temperature", 0.0)
    P, qa = _check_rows(P, q)
    on = _alphabet(P, qa) & (P > 0)
    top = P.max(axis=-1, keepdims=True)
    if T == 0.0:
        out = np.where(on & (P >= top - TOL), 1.0, 0.0)
    else:
        with np.errstate(divide="ignore"):
            out = np.where(on, np.exp((np.log(np.where(on, P, 1.0)) - np.log(np.where(top > 0, top, 1.0))) / T), 0.0)
    return _normalised(out)


def smooth_rows(P, q, alpha: float) -> np.ndarray:
    """Rows smoothed toward uniform: ``(1 - a) p(v) + a / q_i`` on ``0..q_i - 1``.

    Parameters
    ----------
    P : array, shape (..., n, qmax)
    q : sequence of int, length n
    alpha : float
        ``0 <= a <= 1`` (0: the identity, 1: uniform).

    Raises
    ------
    InputError
        ``alpha`` outside ``[0, 1]`` or rows of the wrong shape.

    Examples
    --------
    >>> smooth_rows([[1.0, 0.0]], [2], 0.5).tolist()
    [[0.75, 0.25]]
    """
    a = check_real(alpha, "the smoothing weight alpha", 0.0, hi=1.0)
    P, qa = _check_rows(P, q)
    return np.where(_alphabet(P, qa), (1.0 - a) * P + a / qa[:, None], 0.0)


def _keep_renormalised(P: np.ndarray, keep: np.ndarray) -> np.ndarray:
    return _normalised(np.where(keep, P, 0.0))


def top_k_rows(P, q, k: int) -> np.ndarray:
    """Rows truncated to their ``k`` most likely values and renormalised.

    Ties: every value tied with the ``k``-th largest probability is kept (``p(v) >= p_(k) -
    TOL``, :data:`mdmtheory.samplers.TOL`), so a row keeps more than ``k`` values only on a tie
    at the boundary; the rule does not depend on the order of the values.

    Parameters
    ----------
    P : array, shape (..., n, qmax)
    q : sequence of int, length n
    k : int
        ``k >= 1`` (``k >= q_i`` keeps the row).

    Raises
    ------
    InputError
        ``k`` not a positive integer, or rows of the wrong shape.

    Examples
    --------
    >>> top_k_rows([[0.5, 0.3, 0.2]], [3], 2).round(6).tolist()
    [[0.625, 0.375, 0.0]]
    >>> top_k_rows([[0.4, 0.3, 0.3]], [3], 2).tolist()   # a tie at the boundary: both kept
    [[0.4, 0.3, 0.3]]
    """

    k = check_int(k, "top_k", lo=1)
    P, qa = _check_rows(P, q)
    if k >= P.shape[-1]:
        return P.copy()
    kth = -np.sort(-P, axis=-1)[..., k - 1 : k]
    return _keep_renormalised(P, (P >= kth - TOL) & (P > 0))


def top_p_rows(P, q, p: float) -> np.ndarray:
    """Rows truncated to their nucleus: the smallest set of most likely values with mass
    ``>= p``, renormalised.

    The values are taken in decreasing probability until the mass reaches ``p - TOL``
    (:data:`mdmtheory.samplers.TOL`); every value tied with the last one taken (``p(v) >=
    p_last - TOL``) is kept too, so the rule does not depend on the order of the values.

    Parameters
    ----------
    P : array, shape (..., n, qmax)
    q : sequence of int, length n
    p : float
        ``0 < p <= 1`` (1 keeps every value of positive probability).

    Raises
    ------
    InputError
        ``p`` outside ``(0, 1]`` or rows of the wrong shape.

    Examples
    --------
    >>> top_p_rows([[0.5, 0.3, 0.2]], [3], 0.7).round(6).tolist()
    [[0.625, 0.375, 0.0]]
    >>> top_p_rows([[0.5, 0.3, 0.2]], [3], 0.5).tolist()
    [[1.0, 0.0, 0.0]]
    """
    p = check_real(p, "top_p", 0.0, lo_open=True, hi=1.0)
    P, qa = _check_rows(P, q)
    srt = -np.sort(-P, axis=-1)
    before = np.cumsum(srt, axis=-1) - srt  # mass of the values strictly ahead in the order
    last = np.where(before < p - TOL, srt, np.inf).min(axis=-1, keepdims=True)
    return _keep_renormalised(P, (P >= last - TOL) & (P > 0))


#: Row transforms by the name the CLI's ``--model NAME=VALUE`` uses.
ROW_TRANSFORMS = {"temperature": temperature_rows, "smooth": smooth_rows, "top_k": top_k_rows, "top_p": top_p_rows}


def check_model_rows(rows, mask: np.ndarray, q, what: str = "the model") -> np.ndarray:
    """The validated ``(n, qmax)`` marginals a model returned for the revealed ``mask``.

    Masked rows must be finite, non-negative, 0 past ``q_i`` and sum to 1 within
    :data:`mdmtheory._numeric.SUM_TOL` (they are renormalised, clearing that rounding); revealed
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
        R = np.array(rows, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{what} must return an (n, qmax) = ({n}, {qmax}) array of probabilities; got {type(rows).__name__}") from None
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
        s = float(row.sum())
        if abs(s - 1.0) > SUM_TOL:
            raise InputError(f"{what}'s row for masked position {i} sums to {s!r}, not 1 (tolerance {SUM_TOL:g}); normalise it")
        out[i] = row / s
    return out


class ModelOracle:
    """Base of the model oracles: a base oracle (the truth) whose masked rows are transformed.

    Subclasses set ``kind`` and ``param`` and define :meth:`rows`, the transform of a stack of
    rows ``(..., n, qmax)`` of the base's conditionals (the one definition the exact evaluator
    applies to every context at once).  ``conditional_marginals`` follows the oracle protocol:
    revealed rows are point masses.  ``spec`` is the ``--model`` text of the model.
    """

    kind = ""
    param = None

    def __init__(self, base):
        self.base = as_oracle(base)
        self.n = int(self.base.n)
        q = getattr(self.base, "q", None)
        if q is None:
            raise InputError(f"a model oracle needs a base oracle with alphabet sizes q; {type(self.base).__name__} has none")
        self.q = tuple(int(v) for v in np.broadcast_to(np.asarray(q), (self.n,)))

    @property
    def spec(self) -> str:
        return self.kind if self.param is None else f"{self.kind}={self.param:g}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r}, base={self.base!r})"

    def rows(self, P: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def conditional_marginals(self, revealed_mask, values) -> np.ndarray:
        """The model's ``p_i(v | x_R)``: the transformed base rows (revealed rows: point masses).

        Raises
        ------
        InputError
            Bad mask or values, or the base oracle's refusal (a context of probability 0 under a
            :class:`TableOracle`).
        """
        mask, vals = check_oracle_values(revealed_mask, values, self.n, self.q)
        out = np.array(self.rows(self.base.conditional_marginals(mask, vals)), dtype=float)
        for i in np.flatnonzero(mask):
            out[i] = 0.0
            out[i, vals[i]] = 1.0
        return out


    def conditional_marginals_batch(self, revealed_masks, values) -> np.ndarray:
        """The batched call: :meth:`rows` applied to the base's batched rows (its native batch
        call where it has one, :func:`batch_marginals`), revealed rows point masses; a row of
        probability 0 under the base is all NaN.

        Raises
        ------
        InputError
            Bad masks or values.
        """
        masks, vals = check_batch_values(revealed_masks, values, self.n, self.q)
        base = batch_marginals(self.base, masks, vals)
        bad = np.isnan(base).any(axis=(1, 2))
        out = np.full(base.shape, np.nan)
        if np.any(~bad):
            out[~bad] = np.asarray(self.rows(base[~bad]), dtype=float)
        rows, cols = np.nonzero(masks & ~bad[:, None])
        out[rows, cols] = 0.0
        out[rows, cols, vals[rows, cols]] = 1.0
        return out


class _RowTransformOracle(ModelOracle):
    def __init__(self, base, param):
        super().__init__(base)
        ROW_TRANSFORMS[self.kind](np.ones((1, 1)), [1], param)  # validates the parameter
        self.param = param

    def rows(self, P):
        return ROW_TRANSFORMS[self.kind](P, self.q, self.param)


class TemperatureOracle(_RowTransformOracle):
    """The base oracle at temperature ``T``: ``p(v)^(1/T) / Z`` (:func:`temperature_rows`;
    ``T = 0``: uniform on the most likely values).

    Raises
    ------
    InputError
        A bad base oracle or a negative, NaN or infinite ``T``.

    Examples
    --------
    >>> from mdmtheory import Joint
    >>> o = TemperatureOracle(Joint([[0.4, 0.1], [0.1, 0.4]]), 0.5)
    >>> o.conditional_marginals(np.array([False, False]), np.array([-1, -1])).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """

    kind = "temperature"


class SmoothedOracle(_RowTransformOracle):
    """The base oracle smoothed toward uniform: ``(1 - a) p + a / q_i`` (:func:`smooth_rows`).

    Raises
    ------
    InputError
        A bad base oracle or ``alpha`` outside ``[0, 1]``.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> o = SmoothedOracle(copy(2), 0.5)
    >>> o.conditional_marginals(np.array([True, False]), np.array([1, -1])).tolist()
    [[0.0, 1.0], [0.25, 0.75]]
    """

    kind = "smooth"


class TopKOracle(_RowTransformOracle):
    """The base oracle truncated to its ``k`` most likely values (:func:`top_k_rows`; ties at
    the boundary all kept).

    Raises
    ------
    InputError
        A bad base oracle or ``k`` not a positive integer.

    Examples
    --------
    >>> from mdmtheory import Joint
    >>> o = TopKOracle(Joint([0.5, 0.3, 0.2]), 1)
    >>> o.conditional_marginals(np.array([False]), np.array([-1])).tolist()
    [[1.0, 0.0, 0.0]]
    """

    kind = "top_k"


class TopPOracle(_RowTransformOracle):
    """The base oracle truncated to its nucleus of mass ``p`` (:func:`top_p_rows`; ties with
    the last value taken all kept).

    Raises
    ------
    InputError
        A bad base oracle or ``p`` outside ``(0, 1]``.

    Examples
    --------
    >>> from mdmtheory import Joint
    >>> o = TopPOracle(Joint([0.5, 0.3, 0.2]), 0.8)
    >>> o.conditional_marginals(np.array([False]), np.array([-1])).round(6).tolist()
    [[0.625, 0.375, 0.0]]
    """

    kind = "top_p"


class MarginalsOracle(ModelOracle):
    """The product of the base's marginals: every masked row is the unconditional marginal
    ``p_i(v) = mu(X_i = v)``, whatever is revealed (the model that ignores the context).

    Raises
    ------
    InputError
        A bad base oracle.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> o = MarginalsOracle(copy(2))
    >>> o.conditional_marginals(np.array([True, False]), np.array([1, -1])).tolist()
    [[0.0, 1.0], [0.5, 0.5]]
    """

    kind = "marginals"

    def __init__(self, base):
        super().__init__(base)
        self._marg = np.array(self.base.conditional_marginals(np.zeros(self.n, bool), np.full(self.n, -1)), dtype=float)

    def rows(self, P):
        return np.broadcast_to(self._marg, np.shape(P)).copy()


class CallableOracle:
    """Any Python function ``fn(revealed_mask, values) -> (n, qmax) marginals`` as an oracle,
    validated on every call (:func:`check_model_rows`: shape, finite, non-negative, 0 past
    ``q_i``, masked rows summing to 1 within ``SUM_TOL``).  Revealed rows are set to the
    protocol's point masses whatever ``fn`` returns there.

    Parameters
    ----------
    fn : callable
        ``fn(revealed_mask, values)``; ``values`` has ``-1`` at masked positions.
    q : sequence of int
        The alphabet sizes (its length is ``n``).
    name : str, optional
        How results name the model (default ``fn.__name__``).

    Raises
    ------
    InputError
        ``fn`` not callable or bad ``q``; the calls raise it on a bad return value (naming the
        problem) and on an exception raised by ``fn``.

    Examples
    --------
    >>> o = CallableOracle(lambda mask, values: np.full((2, 2), 0.5), (2, 2))
    >>> o.conditional_marginals(np.array([True, False]), np.array([0, -1])).tolist()
    [[1.0, 0.0], [0.5, 0.5]]
    """

    kind = "python"

    def __init__(self, fn, q, name: str | None = None):
        if not callable(fn):
            raise InputError(f"a model must be callable as fn(revealed_mask, values) -> marginals; got {type(fn).__name__}")
        try:
            qa = [check_int(v, "an alphabet size", lo=1) for v in q]
        except TypeError:
            raise InputError(f"q must be a list of alphabet sizes (positive integers); got {q!r}") from None
        if not qa:
            raise InputError("q must list at least one alphabet size")
        self.fn = fn
        self.q = tuple(qa)
        self.n = len(qa)
        self.name = name or getattr(fn, "__name__", type(fn).__name__)

    @property
    def spec(self) -> str:
        return f"python:{self.name}"

    def __repr__(self) -> str:
        return f"CallableOracle({self.name!r}, q={list(self.q)})"

    def conditional_marginals(self, revealed_mask, values) -> np.ndarray:
        """``fn``'s rows, validated (revealed rows: point masses).

        Raises
        ------
        InputError
            Bad mask or values, an exception from ``fn``, or a bad return value.
        """
        mask, vals = check_oracle_values(revealed_mask, values, self.n, self.q)
        try:
            rows = self.fn(mask.copy(), vals.copy())
        except InputError:
            raise
        except Exception as exc:  # the user's code: report, do not crash
            raise InputError(f"the model {self.name} raised {type(exc).__name__}: {exc}") from None
        out = check_model_rows(rows, mask, self.q, f"the model {self.name}")
        for i in np.flatnonzero(mask):
            out[i, vals[i]] = 1.0
        return out


#: The ``--model`` specs of :func:`model_oracle`.
MODEL_KINDS = ("temperature", "smooth", "top_k", "top_p", "marginals", "python")


def model_oracle(spec: str, base):
    """A model oracle from its text ``spec`` over the truth ``base``.

    ``temperature=T``, ``smooth=A``, ``top_k=K``, ``top_p=P``, ``marginals`` or
    ``python:FILE.py:NAME`` (the function ``NAME(revealed_mask, values)`` of a Python file,
    loaded as the conjecture tester loads a bound file).

    Raises
    ------
    InputError
        An unknown kind or a bad value (the message lists the valid specs), or a Python file
        that does not load or has no such function.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> model_oracle("smooth=0.1", copy(2)).spec
    'smooth=0.1'
    """
    hint = "valid: temperature=T, smooth=A, top_k=K, top_p=P, marginals, python:FILE.py:NAME"
    if not isinstance(spec, str) or not spec.strip():
        raise InputError(f"a model spec must be a non-empty string; got {spec!r}; {hint}")
    spec = spec.strip()
    base = as_oracle(base)
    if spec == "marginals":
        return MarginalsOracle(base)
    if spec.startswith("python:"):
        path, sep, name = spec[len("python:"):].rpartition(":")
        if not sep or not path or not name.isidentifier():
            raise InputError(f"model spec {spec!r}: write python:FILE.py:NAME (NAME a function of the file)")
        fn = load_bound(path, attr=name)
        return CallableOracle(fn, tuple(int(v) for v in np.broadcast_to(np.asarray(base.q), (base.n,))), name)
    kind, sep, text = spec.partition("=")
    classes = {"temperature": TemperatureOracle, "smooth": SmoothedOracle, "top_k": TopKOracle, "top_p": TopPOracle}
    if kind.strip() not in classes or not sep:
        raise InputError(f"unknown model spec {spec!r}; {hint}")
    kind = kind.strip()
    try:
        value = int(text) if kind == "top_k" else float(text)
    except ValueError:
        raise InputError(f"model spec {spec!r}: {kind} takes {'an integer' if kind == 'top_k' else 'a number'}; got {text!r}") from None
    return classes[kind](base, value)


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
