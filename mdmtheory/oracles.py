"""Oracles: the conditional marginals a masked diffusion model is queried for.

An *oracle* is any object with a length ``n`` and a method
``conditional_marginals(revealed_mask, values) -> (n, qmax)`` array: row ``i`` is the law of
``X_i`` given the revealed values (a point mass at the value for a revealed ``i``; entries past
``q_i`` are 0).  The estimators also use ``sample(rng, m)`` (``m`` exact draws of the truth) and
``log_prob(x)`` (``log mu`` of full sequences) where they need them.

The truths of the toolkit behind this protocol:

* :class:`TableOracle` -- a dense :class:`~mdmtheory.joint.Joint` (any ``n`` whose table fits);
* :class:`mdmtheory.hmm.HMM` and :class:`mdmtheory.hmm.ChainOracle` (a Markov chain) -- any ``n``.

:func:`as_oracle` turns a :class:`Joint`, a :class:`~mdmtheory.MarkovChain` or an oracle into an
oracle, so every estimator takes all three.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ._numeric import check_int
from .errors import InputError
from .joint import Joint

__all__ = ["TableOracle", "as_oracle", "check_oracle_values"]

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
            raise InputError("the revealed values have probability 0 under the table; reveal a possible assignment")
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
    :class:`~mdmtheory.MarkovChain` a :class:`~mdmtheory.hmm.ChainOracle`; an object that
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
        from .hmm import ChainOracle

        return ChainOracle(obj)
    n = getattr(obj, "n", None)
    if callable(getattr(obj, "conditional_marginals", None)) and isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1:
        return obj
    raise InputError(
        "expected a Joint, a MarkovChain, an HMM or an oracle (an object with a positive length n and "
        f"conditional_marginals(revealed_mask, values)); got {type(obj).__name__}"
    )
