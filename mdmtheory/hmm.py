"""Hidden Markov models and order-m chains: exact conditionals, sampling, curve estimates.

An :class:`HMM` is the law of tokens ``x_1..x_n`` emitted by a hidden chain
``z_1 ~ start``, ``z_{t+1} ~ transition[z_t, .]``, ``x_t ~ emission[z_t, .]`` (``h`` hidden
states, ``q`` tokens).  Everything a masked diffusion sampler needs is exact at any ``n``:

* the conditional law of every masked position given any revealed set (scaled
  forward-backward, one ``O(n h^2)`` pass for all masked positions).  Unlike a visible chain,
  the gaps between revealed positions are *not* conditionally independent: the hidden chain
  carries information across revealed tokens;
* ``log mu(x)`` of a full sequence and ``log mu(x_R)`` of a partial assignment; exact
  seeded sampling; the dense law as a :class:`~mdmtheory.joint.Joint` at small ``n``;
* ``H(X_i | x_R)`` for every masked ``i`` and ``H(X_S | x_R)``, ``TC(X_S | x_R)`` of a small
  set by the chain rule (``q^(|S|-1)`` oracle calls: pairs cost ``q``).

Built-in families: :func:`block_hmm` (block-structured, after Zhang et al.),
:func:`order_m_chain` (an order-``m`` token chain as an HMM) and :func:`noisy_walk` (a walk
on a graph seen through a noisy channel).  :func:`estimate_information_curve` estimates the
information curve ``Z`` of *any* "oracle with samples" (an object with ``n``,
``sample(rng, m)`` and ``conditional_marginals(revealed_mask, values)``) without bias, with
intervals; :func:`block_bisection_partition` and :func:`separated_rounds` state and check
when bisection is exact on an order-``m`` chain.

References
----------
.. [1] Rabiner, "A tutorial on hidden Markov models and selected applications in speech
   recognition", Proc. IEEE 77(2), 1989 (scaled forward-backward, section V.A).
.. [2] Chen, Cong, Li, COLT 2026, arXiv:2511.04647, Section 3 (the information curve ``Z``).
.. [3] Zhang, Yu, Brekelmans, Tang, Asif, Ver Steeg, "Generation order and parallel decoding
   in masked diffusion models: an information-theoretic perspective", arXiv:2602.00286
   (the Block-HMM experiments; only the abstract was reachable, see :func:`block_hmm`).
.. [4] Bansal, Cholyeon, Kumar, Sanghavi, Sarkar, arXiv:2606.22976 (bisection on chains).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from itertools import product as _cartesian
from typing import Sequence

import numpy as np

from ._lazy import lazy_function
from ._numeric import check_int, check_real, check_seed, clamp_nonneg
from ._numeric import mean_interval as _mean_interval, t_quantile
from .errors import ImpossibleContext, InputError
from .files import check_input_file
from .errors import check_memory
from .graphs import STOCHASTIC_TOL, make_graph, stationary_distribution, walk_matrix
from .information import _scale
from .information import unit_name
from .joint import Joint

entr = lazy_function("scipy.special", "entr")
posterior_marginals, posterior_marginals_rows, leave_one_out_marginals, log_marginal, log_marginal_rows = (
    lazy_function("mdmtheory._kernels.hmm", f)
    for f in ("posterior_marginals", "posterior_marginals_rows", "leave_one_out_marginals", "log_marginal",
              "log_marginal_rows")
)
posterior_marginals_batch, suffix_emissions = (lazy_function("mdmtheory._kernels.hmm", f)
                                               for f in ("posterior_marginals_batch", "suffix_emissions"))

__all__ = [
    "HMM",
    "HMMBatchCursor",
    "load_hmm",
    "block_hmm",
    "order_m_chain",
    "noisy_walk",
    "random_order_m_kernel",
    "HMM_FAMILIES",
    "parse_hmm",
    "ChainOracle",
    "CurveEstimate",
    "estimate_information_curve",
    "DivergenceEstimate",
    "estimate_fixed_order_divergences",
    "ScalarEstimate",
    "estimate_random_order_kl",
    "estimate_total_correlation",
    "estimate_dual_total_correlation",
    "set_entropy",
    "set_total_correlation",
    "block_bisection_partition",
    "separated_rounds",
]

#: Most oracle calls :func:`set_entropy` makes before refusing (``q^(|S|-1)`` of them).
MAX_SET_CALLS = 100_000


def _stochastic(M, name: str, ndim: int) -> np.ndarray:
    """Validate a row-stochastic array (rows along the last axis); renormalise rows only within
    :data:`mdmtheory.graphs.STOCHASTIC_TOL`, refuse above it."""
    try:
        M = np.array(M, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"the {name} must be an array of probabilities") from None
    if M.ndim != ndim or M.size == 0:
        raise InputError(f"the {name} must be a non-empty {ndim}-d array; got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise InputError(f"the {name} has NaN or infinite entries; it must hold probabilities")
    if np.any(M < 0):
        raise InputError(f"the {name} has negative entries (smallest {M.min():.3g}); probabilities must be >= 0")
    sums = M.sum(axis=-1)
    dev = np.abs(sums - 1.0)
    if dev.max() > STOCHASTIC_TOL:
        where = np.unravel_index(int(np.argmax(dev)), dev.shape)
        row = "" if not where else f" row {where[0] if len(where) == 1 else where}"
        raise InputError(
            f"the {name} is not stochastic:{row} sums to {float(sums[where])!r}, not 1 "
            f"(tolerance {STOCHASTIC_TOL}); divide by the sum"
        )
    return M / sums[..., None]


def _check_samples(samples, n: int) -> int:
    """``samples >= 2`` draws of length ``n`` that fit in memory."""
    if not _is_int(samples, 2):
        raise InputError(f"samples must be an integer >= 2 (the interval needs a spread); got {samples!r}")
    check_memory(8.0 * float(samples) * n * 2, f"{samples} samples of length {n}")
    return int(samples)


def _check_confidence(confidence) -> float:
    if isinstance(confidence, (bool, str)) or not isinstance(confidence, (int, float, np.integer, np.floating)) \
            or not 0.0 < float(confidence) < 1.0:
        raise InputError(f"confidence must be a number in (0, 1), e.g. 0.95; got {confidence!r}")
    return float(confidence)


def _prob(v, name: str) -> float:
    """A probability in ``[0, 1]``."""
    return check_real(v, name, 0.0, hi=1.0)


def _seed(seed):
    """A seed for :func:`numpy.random.default_rng`: a non-negative integer or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_seed(seed))


def _int_list(v, name: str) -> list[int]:
    """A finite sequence of integers (positions, sizes, indices)."""
    if isinstance(v, (str, bytes, dict)) or not hasattr(v, "__iter__"):
        raise InputError(f"{name} must be a sequence of integers; got {v!r}")
    out = list(v)
    if not all(_is_int(i, -(2**62)) for i in out):
        raise InputError(f"{name} must be a sequence of integers; got {v!r}")
    return [int(i) for i in out]


def _sets(sets, n: int) -> list[list[int]]:
    """An ordered partition of ``0..n-1`` (non-empty steps)."""
    if isinstance(sets, (str, bytes, dict)) or not hasattr(sets, "__iter__"):
        raise InputError(f"the sets must be a sequence of steps (lists of positions); got {sets!r}")
    blocks = [_int_list(S, "every step") for S in sets]
    if any(len(S) == 0 for S in blocks) or sorted(i for S in blocks for i in S) != list(range(n)):
        raise InputError(f"the sets must partition the positions 0..{n - 1} into non-empty steps, each exactly once")
    return blocks


def _is_int(v, low: int) -> bool:
    """Whether ``v`` is an integer (``3`` or ``3.0``, not ``True``) that is ``>= low``."""
    try:
        check_int(v, "v", low)
    except InputError:
        return False
    return True


def _check_n(n) -> int:
    if n is None:
        raise InputError("give the sequence length n (HMM(..., n=...))")
    return check_int(n, "the length n", 1)


class HMM:
    """The law of tokens ``x_1..x_n`` emitted by a hidden Markov chain.

    ``z_1 ~ start``, ``z_{t+1} ~ transition[z_t, .]`` and, independently given the hidden
    path, ``x_t ~ emission[z_t, .]``.  The length ``n`` is stored (as in
    :class:`mdmtheory.MarkovChain`); :meth:`with_length` gives the same model at another ``n``.

    Parameters
    ----------
    transition : array_like
        Row-stochastic ``(h, h)`` hidden transition matrix.
    emission : array_like
        Row-stochastic ``(h, q)`` emission matrix (``h`` and ``q`` may differ).
    start : array_like or str
        Law of ``z_1``: a probability vector of length ``h``, ``"uniform"``, or
        ``"stationary"`` (needs a transition with one closed class).
    n : int
        Sequence length (positions ``0..n-1``); required.

    Raises
    ------
    InputError
        Bad shapes, NaN, negative entries, rows not summing to 1 beyond
        :data:`mdmtheory.graphs.STOCHASTIC_TOL` (``1e-9``; rows within it are renormalised),
        a bad start, ``n < 1``.

    Notes
    -----
    ``mu(x) = sum_z start[z_1] B[z_1, x_1] prod_t A[z_{t-1}, z_t] B[z_t, x_t]``.  A visible
    Markov chain is the HMM with ``emission = I`` (:meth:`from_chain`).

    Examples
    --------
    >>> m = HMM([[0.9, 0.1], [0.1, 0.9]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=3)
    >>> m.h, m.q, m.n
    (2, 2, 3)
    >>> round(float(np.exp(m.log_prob([0, 0, 0])[0])), 12)    # 1/2 * 0.9 * 0.9
    0.405
    """

    def __init__(self, transition, emission, start="uniform", n: int | None = None):
        self.transition = _stochastic(transition, "transition", 2)
        h = self.transition.shape[0]
        if self.transition.shape != (h, h):
            raise InputError(f"the transition must be square (h, h); got shape {self.transition.shape}")
        self.emission = _stochastic(emission, "emission", 2)
        if self.emission.shape[0] != h:
            raise InputError(
                f"the emission must have one row per hidden state: shape ({h}, q); got {self.emission.shape}"
            )
        if isinstance(start, str):
            key = start.strip().lower()
            if key == "uniform":
                start = np.full(h, 1.0 / h)
            elif key in ("stationary", "pi"):
                start = stationary_distribution(self.transition)
            else:
                raise InputError(f"unknown start {start!r}; give 'uniform', 'stationary' or a probability vector")
        self.start = _stochastic(start, "start", 1)
        if self.start.shape != (h,):
            raise InputError(f"the start must have one entry per hidden state (length {h}); got shape {self.start.shape}")
        self.n = _check_n(n)
        for arr in (self.transition, self.emission, self.start):
            arr.setflags(write=False)

    # ------------------------------------------------------------------ basics
    @property
    def h(self) -> int:
        """Number of hidden states."""
        return self.transition.shape[0]

    @property
    def q(self) -> int:
        """Number of tokens (alphabet size)."""
        return self.emission.shape[1]

    def __repr__(self) -> str:
        return f"HMM(h={self.h}, q={self.q}, n={self.n})"

    def with_length(self, n: int) -> "HMM":
        """The same model at length ``n``.

        Raises
        ------
        InputError
            ``n`` not a positive integer.

        Examples
        --------
        >>> block_hmm(2, 2, 5).with_length(1000)
        HMM(h=4, q=4, n=1000)
        """
        return HMM(self.transition, self.emission, self.start, n)

    @classmethod
    def from_chain(cls, chain) -> "HMM":
        """A visible :class:`mdmtheory.MarkovChain` as an HMM (identity emission).

        Raises
        ------
        InputError
            Never for a valid chain (its arrays are validated again).

        Examples
        --------
        >>> from mdmtheory import random_walk
        >>> HMM.from_chain(random_walk("cycle:4", 5))
        HMM(h=4, q=4, n=5)
        """
        return cls(chain.P, np.eye(chain.q), chain.start, chain.n)

    # ------------------------------------------------------------- save / load
    def save(self, path: str | os.PathLike) -> None:
        """Save as ``.npz`` with arrays ``transition``, ``emission``, ``start`` (``n`` is not
        stored: the length is chosen when loading, see :func:`load_hmm`).

        Raises
        ------
        InputError
            Never for a valid path (an unwritable one raises the ``OSError`` of
            :func:`numpy.savez`).

        Examples
        --------
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "b.npz")
        >>> block_hmm(2, 2, 5).save(path)
        >>> sorted(np.load(path).files)
        ['emission', 'start', 'transition']
        """
        np.savez(path, transition=self.transition, emission=self.emission, start=self.start)

    # ------------------------------------------------------------ values
    def _values(self, values, revealed_mask=None) -> np.ndarray:
        """Revealed values as an int64 vector with ``-1`` at masked positions."""
        if isinstance(values, dict):
            if revealed_mask is not None:
                raise InputError("give values as a dict {position: value} or as (revealed_mask, values), not both")
            vals = np.full(self.n, -1, dtype=np.int64)
            for i, v in values.items():
                if not 0 <= int(i) < self.n:
                    raise InputError(f"revealed position {i} is out of range 0..{self.n - 1}")
                vals[int(i)] = int(v)
        else:
            arr = np.asarray(values)
            if arr.shape != (self.n,) or arr.dtype.kind not in "iu":
                raise InputError(
                    f"values must be {self.n} integers (-1 at masked positions); got shape {arr.shape}, dtype {arr.dtype}"
                )
            vals = arr.astype(np.int64)
            if revealed_mask is not None:
                mask = np.asarray(revealed_mask)
                if mask.shape != (self.n,) or mask.dtype.kind != "b":
                    raise InputError(f"revealed_mask must be {self.n} booleans; got shape {mask.shape}, dtype {mask.dtype}")
                if np.any(mask & (vals < 0)):
                    raise InputError("a revealed position (revealed_mask True) has a negative value; give its token")
                vals = np.where(mask, vals, -1)
        if np.any(vals < -1) or np.any(vals >= self.q):
            raise InputError(f"revealed values must be tokens 0..{self.q - 1} (or -1 for masked)")
        return vals

    # ------------------------------------------------------------ conditionals
    def conditionals(self, values) -> np.ndarray:
        """``mu(x_i = v | x_R)`` for every position, as an ``(n, q)`` array.

        Parameters
        ----------
        values : array_like of int or dict
            Length ``n`` with ``-1`` at masked positions, or ``{position: value}``.

        Returns
        -------
        numpy.ndarray
            Row ``i`` is the conditional law of ``x_i`` given ``x_R``; the row of a revealed
            position is the point mass at its value.

        Raises
        ------
        InputError
            Bad positions or values, or revealed values of probability 0.

        Notes
        -----
        Scaled forward-backward [1]_: ``alpha_t(z) ∝ mu(x_{R<=t}, z_t = z)``,
        ``beta_t(z) ∝ mu(x_{R>t} | z_t = z)``, ``gamma_t ∝ alpha_t beta_t`` and
        ``mu(x_i = v | x_R) = sum_z gamma_i(z) emission[z, v]``, with every message rescaled to
        sum 1.  One pass gives all positions: ``O(n h^2 + n h q)`` time, ``O(n h)`` memory.

        Examples
        --------
        >>> m = HMM([[0.0, 1.0], [1.0, 0.0]], [[0.9, 0.1], [0.1, 0.9]], "uniform", n=3)
        >>> m.conditionals([0, -1, 0])[1].round(6).tolist()   # hidden state alternates
        [0.1, 0.9]
        """
        return self._marginals(self._values(values))

    def conditionals_batch(self, values) -> np.ndarray:
        """:meth:`conditionals` for many partial sequences at once (one compiled loop).

        Parameters
        ----------
        values : array_like of int
            Shape ``(W, n)``, ``-1`` at masked positions.

        Returns
        -------
        numpy.ndarray
            Shape ``(W, n, q)``.

        Raises
        ------
        InputError
            Bad shape or values, or a row of probability 0 (the first one is named).

        Examples
        --------
        >>> m = HMM([[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=2)
        >>> m.conditionals_batch([[0, -1], [-1, 0]])[:, :, 1].tolist()
        [[0.0, 1.0], [1.0, 0.0]]
        """
        vals = np.asarray(values)
        if vals.ndim != 2 or vals.shape[1] != self.n or vals.dtype.kind not in "iu":
            raise InputError(f"values must be integer rows of length n = {self.n} (-1 = masked); got shape {vals.shape}")
        vals = np.ascontiguousarray(vals, dtype=np.int64)
        if np.any(vals < -1) or np.any(vals >= self.q):
            raise InputError(f"revealed values must be tokens 0..{self.q - 1} (or -1 for masked)")
        check_memory(8.0 * vals.shape[0] * self.n * self.q, f"conditionals of {vals.shape[0]} sequences")
        out = np.empty((vals.shape[0], self.n, self.q))
        ll = np.empty(vals.shape[0])
        posterior_marginals_rows(self.transition, self.emission, self.start, vals, out, ll)
        if np.any(ll == -np.inf):
            raise InputError(
                f"row {int(np.argmax(ll == -np.inf))} of the revealed values has probability 0 under this HMM"
            )
        return out

    def conditional_marginals(self, revealed_mask, values) -> np.ndarray:
        """The oracle protocol: ``conditionals`` with the revealed set given as a boolean mask
        (entries of ``values`` at masked positions are ignored).

        Raises
        ------
        InputError
            As :meth:`conditionals`, and a mask that is not ``n`` booleans.

        Examples
        --------
        >>> m = HMM([[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=3)
        >>> m.conditional_marginals(np.array([True, False, False]), np.array([1, 0, 0]))[2].tolist()
        [0.0, 1.0]
        """
        return self._marginals(self._values(values, revealed_mask))

    def _marginals(self, vals: np.ndarray) -> np.ndarray:
        check_memory(8.0 * self.n * (self.q + self.h), f"the conditionals of an HMM with n={self.n}, h={self.h}, q={self.q}")
        out = np.empty((self.n, self.q))
        if posterior_marginals(self.transition, self.emission, self.start, vals, out) == -np.inf:
            raise ImpossibleContext("the revealed values have probability 0 under this HMM (not a possible partial sequence)")
        return out

    def conditional_marginals_batch(self, revealed_masks, values) -> np.ndarray:
        """The batched oracle call: :meth:`conditional_marginals` for ``B`` partial sequences.

        Parameters
        ----------
        revealed_masks : array_like of bool, shape (B, n)
        values : array_like of int, shape (B, n)
            Entries at masked positions are ignored.

        Returns
        -------
        numpy.ndarray
            Shape ``(B, n, q)``: row ``b`` is ``conditional_marginals(revealed_masks[b],
            values[b])``; a row whose revealed values have probability 0 is all NaN (the batch
            form of :class:`~mdmtheory.errors.ImpossibleContext`: one impossible row does not
            stop the others).

        Raises
        ------
        InputError
            Bad shapes or values.

        Notes
        -----
        One compiled scaled forward-backward per row, ``O(B (n h^2 + n h q))``; a run advancing
        step by step should hold a :meth:`batch_cursor`, which recomputes only what changed.

        Examples
        --------
        >>> m = HMM([[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=2)
        >>> P = m.conditional_marginals_batch([[True, False], [True, True]], [[0, -1], [0, 0]])
        >>> P[0, 1].tolist(), bool(np.isnan(P[1]).all())
        ([0.0, 1.0], True)
        """
        masks = np.asarray(revealed_masks)
        size = masks.shape[0] if masks.ndim == 2 else 0
        return np.array(self.batch_cursor(max(size, 1)).conditional_marginals_batch(masks, values))

    def _suffix_emissions(self) -> np.ndarray:
        """``A^k B`` for ``k = 0..n`` (``(n + 1, h, q)``, computed once, read-only): the
        marginals of a masked suffix for :class:`HMMBatchCursor`."""
        C = getattr(self, "_suffix_table", None)
        if C is None:
            check_memory(8.0 * (self.n + 1) * self.h * self.q, f"A^k B for k <= n = {self.n} (h={self.h}, q={self.q})")
            C = np.empty((self.n + 1, self.h, self.q))
            suffix_emissions(self.transition, self.emission, self.n, C)
            C.setflags(write=False)
            self._suffix_table = C
        return C

    def batch_cursor(self, size: int) -> "HMMBatchCursor":
        """An :class:`HMMBatchCursor` of ``size`` rows: the batched call for runs advancing step
        by step, keeping each row's messages between calls.

        Raises
        ------
        InputError
            ``size`` not a positive integer, or buffers past the memory limit.

        Examples
        --------
        >>> block_hmm(2, 2, 6).batch_cursor(4)
        HMMBatchCursor(size=4, HMM(h=4, q=4, n=6))
        """
        return HMMBatchCursor(self, size)

    def leave_one_out(self, values) -> np.ndarray:
        """Like :meth:`conditionals`, but the row of a revealed ``i`` is
        ``mu(x_i = . | x_{R - i})``, its law given the *other* revealed values.

        With every position revealed this gives all ``mu(x_i | x_{-i})`` in one pass (the
        terms of DTC and of ``Z_n``); it is also what a remasking sampler asks.

        Raises
        ------
        InputError
            As :meth:`conditionals`.

        Notes
        -----
        ``mu(x_i = v | x_{R-i}) ∝ sum_z (alpha_{i-1} A)(z) beta_i(z) B[z, v]``: the forward
        message before ``x_i``'s emission times the backward one; ``O(n h^2 + n h q)``.

        Examples
        --------
        >>> m = HMM([[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=3)
        >>> m.leave_one_out([0, 1, 0]).tolist()       # each token is forced by its neighbours
        [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
        """
        vals = self._values(values)
        out = np.empty((self.n, self.q))
        if leave_one_out_marginals(self.transition, self.emission, self.start, vals, out) == -np.inf:
            raise ImpossibleContext("the revealed values have probability 0 under this HMM (not a possible partial sequence)")
        return out

    def conditional_entropies(self, values, base: float | None = None) -> np.ndarray:
        """``H(X_i | x_R)`` for every position (0 at revealed ones), from one oracle call.

        Raises
        ------
        InputError
            As :meth:`conditionals`, or a bad ``base``.

        Examples
        --------
        >>> m = HMM([[0.5, 0.5], [0.5, 0.5]], [[0.5, 0.5], [0.5, 0.5]], "uniform", n=2)
        >>> m.conditional_entropies([-1, 1], base=2).tolist()
        [1.0, 0.0]
        """
        return entr(self.conditionals(values)).sum(axis=1) * _scale(base)

    def conditional_total_correlation(self, positions: Sequence[int], values=None, base: float | None = None) -> float:
        """``TC(X_S | x_R) = sum_{i in S} H(X_i | x_R) - H(X_S | x_R)`` of masked ``S``
        (see :func:`set_total_correlation`; ``q^(|S|-1)`` oracle calls).

        Raises
        ------
        InputError
            ``S`` not masked positions, impossible values, or too many oracle calls.

        Examples
        --------
        >>> m = HMM([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=3)
        >>> round(m.conditional_total_correlation([0, 2], base=2), 12)   # a frozen hidden state: copies
        1.0
        """
        vals = self._values(np.full(self.n, -1) if values is None else values)
        return set_total_correlation(self, vals >= 0, vals, positions, base)

    # ------------------------------------------------------------------ laws
    def log_prob(self, x) -> np.ndarray:
        """``log mu(x)`` of each full sequence (a row of ``x``), ``-inf`` if impossible.

        Raises
        ------
        InputError
            Rows of the wrong length or tokens out of range (``-1`` is not allowed: use
            :meth:`log_marginal` for partial assignments).

        Examples
        --------
        >>> m = HMM([[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=3)
        >>> np.exp(m.log_prob([[0, 1, 0], [0, 0, 0]])).tolist()
        [0.5, 0.0]
        """
        x = np.atleast_2d(np.asarray(x))
        if x.ndim != 2 or x.shape[1] != self.n or x.dtype.kind not in "iu":
            raise InputError(f"x must be integer sequences of length n = {self.n}; got shape {x.shape}")
        if np.any(x < 0) or np.any(x >= self.q):
            raise InputError(f"every token must be in 0..{self.q - 1} in a full sequence")
        out = np.empty(x.shape[0])
        log_marginal_rows(self.transition, self.emission, self.start, np.ascontiguousarray(x, dtype=np.int64), out)
        return out

    def log_marginal(self, values) -> float:
        """``log mu(x_R)``, the log-probability of the revealed values (``-1`` = masked),
        ``-inf`` if impossible: one scaled forward pass, ``O(n h^2)``.

        Raises
        ------
        InputError
            Bad positions or values.

        Examples
        --------
        >>> m = HMM([[0.5, 0.5], [0.5, 0.5]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=4)
        >>> round(float(np.exp(m.log_marginal([0, -1, 1, -1]))), 12)
        0.25
        """
        return float(log_marginal(self.transition, self.emission, self.start, self._values(values)))

    def sample(self, rng, m: int) -> np.ndarray:
        """``m`` exact draws, an ``(m, n)`` int64 array (the oracle protocol's sampler).

        Parameters
        ----------
        rng : numpy.random.Generator or int
            Source of randomness (an int is a seed).
        m : int
            Number of sequences.

        Raises
        ------
        InputError
            ``m`` not a non-negative integer.

        Notes
        -----
        Ancestral sampling (hidden chain, then emissions), vectorised over the ``m``
        sequences: ``O(m n (h + q))``.

        Examples
        --------
        >>> m = HMM([[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [1.0, 0.0], n=4)
        >>> m.sample(0, 2).tolist()
        [[0, 1, 0, 1], [0, 1, 0, 1]]
        """
        rng = _seed(rng)
        if not _is_int(m, 0):
            raise InputError(f"the number of samples must be a non-negative integer; got {m!r}")
        m = int(m)
        check_memory(8.0 * m * (self.n + self.h + self.q), f"{m} samples of length {self.n}")
        cumA = np.cumsum(self.transition, axis=1)
        cumB = np.cumsum(self.emission, axis=1)
        draw = lambda cum, u: np.minimum((cum <= u[:, None]).sum(axis=1), cum.shape[1] - 1)  # noqa: E731
        z = np.minimum(np.searchsorted(np.cumsum(self.start), rng.random(m), side="right"), self.h - 1)
        x = np.empty((m, self.n), dtype=np.int64)
        for t in range(self.n):
            if t:
                z = draw(cumA[z], rng.random(m))
            x[:, t] = draw(cumB[z], rng.random(m))
        return x

    def joint(self, max_memory: float | None = None) -> Joint:
        """The dense law as a :class:`~mdmtheory.joint.Joint` (small ``n`` only).

        Raises
        ------
        InputError
            If the ``h q^n`` working table would exceed ``max_memory``
            (:func:`mdmtheory.errors.check_memory`).

        Notes
        -----
        Forward over full assignments: ``T_t[z, x_1..x_t]``, ``O(n h^2 q^n)`` time.

        Examples
        --------
        >>> m = HMM([[0.5, 0.5], [0.5, 0.5]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=2)
        >>> m.joint().table.tolist()
        [[0.25, 0.25], [0.25, 0.25]]
        """
        check_memory(8.0 * self.h * float(self.q) ** self.n * 3, f"a dense HMM table of {self.q}^{self.n} cells", max_memory)
        T = self.start[:, None] * self.emission  # (h, q)
        for _ in range(1, self.n):
            T = (self.transition.T @ T)[:, :, None] * self.emission[:, None, :]
            T = T.reshape(self.h, -1)
        table = T.sum(axis=0).reshape((self.q,) * self.n)
        return Joint(table, normalize=True)

    def information_curve(self, base: float | None = None, max_memory: float | None = None) -> np.ndarray:
        """The exact curve ``Z_1..Z_n`` through the dense law (small ``n``;
        :func:`mdmtheory.information_curve`).  At large ``n`` use
        :func:`estimate_information_curve`.

        Raises
        ------
        InputError
            If the dense table would not fit (``max_memory``) or a bad ``base``.

        Examples
        --------
        >>> m = HMM([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=3)
        >>> m.information_curve(base=2).round(12).tolist()      # copy of a uniform bit
        [0.0, 1.0, 1.0]
        """
        from .information import information_curve

        _scale(base)
        return information_curve(self.joint(max_memory), base, max_memory)


class HMMBatchCursor:
    """The batched oracle call of an :class:`HMM` for ``size`` runs advancing step by step.

    Row ``b`` of every call is one run; the cursor keeps, per row, the scaled forward messages
    ``alpha_t``, the backward messages ``beta_t`` and the values they were computed for.  A call
    compares each row with its previous values: with ``f`` the first and ``l`` the last changed
    position, ``alpha_t`` (``t < f``) and ``beta_t`` (``t >= l``) depend on unchanged values only
    and are reused; after the last revealed position ``T`` the backward messages are uniform and
    the marginals are ``alpha_T A^(t-T) B`` (``A^k B`` precomputed once), so the messages are
    computed up to ``T`` only, and ``beta`` only down to the first masked position (revealed
    rows are point masses); an unchanged row (a finished run waiting for the others) costs one
    comparison.  The numbers are those of
    :meth:`HMM.conditional_marginals` up to rounding (the tests compare them).

    Parameters
    ----------
    hmm : HMM
    size : int
        Rows ``B`` of every call.

    Raises
    ------
    InputError
        ``hmm`` not an :class:`HMM`, ``size`` not a positive integer, or the buffers
        (``8 B n (2h + q + 2)`` bytes) past the memory limit.

    Notes
    -----
    Cost of a call: ``O(n)`` to compare a row, at most ``O(n h^2 + n h q)`` to update it, and
    ``O((T - f) h^2 + (n - T) h q)`` when the run reveals left to right (``f`` past the first masked
    position).  Memory ``O(B n (h + q) + n h q)``.

    Examples
    --------
    >>> m = block_hmm(2, 2, 6)
    >>> cur = m.batch_cursor(2)
    >>> masks = np.zeros((2, 6), dtype=bool); vals = np.full((2, 6), -1)
    >>> masks[0, 0], vals[0, 0] = True, 1
    >>> P = cur.conditional_marginals_batch(masks, vals)
    >>> bool(np.allclose(P[0], m.conditional_marginals(masks[0], vals[0])))
    True
    """

    def __init__(self, hmm: HMM, size: int):
        if not isinstance(hmm, HMM):
            raise InputError(f"HMMBatchCursor needs an HMM; got {type(hmm).__name__}")
        self.hmm = hmm
        self.size = check_int(size, "the batch size", lo=1)
        n, h, q = hmm.n, hmm.h, hmm.q
        check_memory(8.0 * self.size * n * (2 * h + q + 2), f"a batch cursor of {self.size} rows (n={n}, h={h}, q={q})")
        self._AT = np.ascontiguousarray(hmm.transition.T)
        self._C = hmm._suffix_emissions()
        self._tops = np.full(self.size, -1, dtype=np.int64)
        self._lows = np.zeros(self.size, dtype=np.int64)
        self._known = np.full((self.size, n), -2, dtype=np.int64)
        self._alpha = np.zeros((self.size, n, h))
        self._logc = np.zeros((self.size, n))
        self._beta = np.zeros((self.size, n, h))
        self._out = np.zeros((self.size, n, q))
        self._loglik = np.zeros(self.size)

    def __repr__(self) -> str:
        return f"HMMBatchCursor(size={self.size}, {self.hmm!r})"

    def conditional_marginals_batch(self, revealed_masks, values) -> np.ndarray:
        """:meth:`HMM.conditional_marginals_batch` on this cursor's rows, reusing the messages of
        the previous call.

        Returns
        -------
        numpy.ndarray
            Shape ``(size, n, q)``, read-only: a view of the cursor's buffer, overwritten by the
            next call (copy what you keep).  Impossible rows are all NaN.

        Raises
        ------
        InputError
            Masks or values not of shape ``(size, n)``, or a revealed value out of range.
        """
        hmm = self.hmm
        masks = np.asarray(revealed_masks)
        vals = np.asarray(values)
        shape = (self.size, hmm.n)
        if masks.shape != shape or masks.dtype.kind != "b":
            raise InputError(f"revealed_masks must be {shape} booleans; got shape {masks.shape}, dtype {masks.dtype}")
        if vals.shape != shape or vals.dtype.kind not in "iu":
            raise InputError(f"values must be {shape} integers (-1 at masked positions); got shape {vals.shape}, "
                             f"dtype {vals.dtype}")
        vals = np.where(masks, vals.astype(np.int64), -1)
        if np.any(masks & ((vals < 0) | (vals >= hmm.q))):
            raise InputError(f"revealed values must be tokens 0..{hmm.q - 1}")
        posterior_marginals_batch(hmm.transition, self._AT, hmm.emission, hmm.start, self._C, vals, self._known,
                                  self._alpha, self._logc, self._beta, self._tops, self._lows, self._out, self._loglik)
        bad = self._loglik == -np.inf
        if np.any(bad):
            self._out[bad] = np.nan
        view = self._out.view()
        view.flags.writeable = False
        return view


def load_hmm(path: str | os.PathLike, n: int) -> HMM:
    """Load an :class:`HMM` saved by :meth:`HMM.save` (``.npz`` with ``transition``,
    ``emission``, ``start``), at length ``n``.

    Raises
    ------
    InputError
        Missing or unreadable file, missing or extra arrays, object arrays, or arrays that
        are not a valid HMM.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "m.npz")
    >>> noisy_walk("cycle:4", 0.1, 5).save(path)
    >>> load_hmm(path, 8)
    HMM(h=4, q=4, n=8)
    """
    path = check_input_file(path, "a .npz file with arrays transition, emission, start", " (HMM.save)")
    try:
        with np.load(path, allow_pickle=False) as data:
            if not hasattr(data, "files"):
                raise InputError(f"{path!r} is a .npy array, not a .npz archive; save HMMs with HMM.save")
            names = set(data.files)
            need = {"transition", "emission", "start"}
            if names != need:
                raise InputError(
                    f"{path!r} holds arrays {sorted(names)}; an HMM file holds exactly {sorted(need)}"
                )
            arrays = {k: data[k] for k in need}
    except InputError:
        raise
    except Exception as exc:  # zipfile / numpy format errors of every kind
        raise InputError(f"{path!r} is not a readable .npz file ({type(exc).__name__}: {exc}); save HMMs with HMM.save") from None
    for k, a in arrays.items():
        if a.dtype.kind not in "biuf":
            raise InputError(f"array {k!r} in {path!r} is not numeric; it must hold probabilities")
    return HMM(arrays["transition"], arrays["emission"], arrays["start"], n)


# ---------------------------------------------------------------------- families
def block_hmm(blocks: int, size: int, n: int, stay: float = 0.9, eps: float = 0.1) -> HMM:
    """A block-structured HMM (our definition; see Notes).

    Hidden states are ``(b, j)`` for ``blocks`` blocks of ``size`` states; tokens likewise
    (``q = h = blocks * size``), block ``b`` owning tokens ``b*size .. b*size + size - 1``.

    Parameters
    ----------
    blocks, size : int
        Number of blocks and states (tokens) per block, ``>= 1``.
    n : int
        Sequence length.
    stay : float, default 0.9
        From ``(b, j)`` the chain moves to ``(b, j+1 mod size)`` with probability ``stay``
        and to a uniformly random state of another block otherwise (with one block, it
        always stays).
    eps : float, default 0.1
        State ``(b, j)`` emits its own token with probability ``1 - eps`` and a uniform
        token of its block otherwise.  The start is uniform.

    Raises
    ------
    InputError
        Sizes below 1, ``stay`` or ``eps`` outside ``[0, 1]``.

    Notes
    -----
    Zhang et al. [3]_ validate their theory on "a controlled Block-HMM"; only the abstract
    was reachable, so this construction is ours: deterministic-ish motion inside a block
    (low-entropy, easy tokens once the block is known) and rare jumps between blocks
    (high-entropy positions), which is what makes generation order matter.

    Examples
    --------
    >>> block_hmm(3, 2, 10)
    HMM(h=6, q=6, n=10)
    """
    for name, v in (("blocks", blocks), ("size", size)):
        if not _is_int(v, 1):
            raise InputError(f"{name} must be a positive integer; got {v!r}")
    stay, eps = _prob(stay, "stay"), _prob(eps, "eps")
    K, s = int(blocks), int(size)
    h = K * s
    check_memory(24.0 * float(min(h, 10**15)) ** 2, f"a block HMM with {h} states")
    A = np.zeros((h, h))
    B = np.zeros((h, h))
    for b in range(K):
        own = slice(b * s, (b + 1) * s)
        for j in range(s):
            z = b * s + j
            if K > 1:
                A[z] = (1.0 - stay) / (h - s)
                A[z, own] = 0.0
                A[z, b * s + (j + 1) % s] += stay
            else:
                A[z, b * s + (j + 1) % s] = 1.0
            B[z, own] = eps / s
            B[z, z] += 1.0 - eps
    return HMM(A, B, "uniform", n)


def order_m_chain(P_m, n: int, start="uniform") -> HMM:
    """An order-``m`` token chain ``x_{t+m} ~ P_m[x_t, ..., x_{t+m-1}, .]`` as an HMM.

    Parameters
    ----------
    P_m : array_like
        Shape ``(q,) * (m + 1)``: ``P_m[a_1, ..., a_m, b]`` is the probability of the next
        token ``b`` after the ``m`` tokens ``a_1..a_m``; stochastic along the last axis.
    n : int
        Sequence length.
    start : array_like or str, default "uniform"
        Law of the first ``m`` tokens: shape ``(q,) * m`` (or flattened to ``q^m``),
        ``"uniform"``, or ``"stationary"`` (the stationary law of the window chain; needs
        one closed class).

    Raises
    ------
    InputError
        ``P_m`` not a cube of side ``q`` with ``m >= 1``, not stochastic, or a bad start.

    Notes
    -----
    The hidden state is a window of ``m`` tokens: ``z_t = (x_t, ..., x_{t+m-1})`` (the last
    ``m`` tokens at time ``t+m-1``; ``h = q^m``, index ``sum_k x_{t+k} q^(m-1-k)``).  It
    moves by shifting in ``x_{t+m} ~ P_m[z_t, .]`` and emits its first token ``x_t``, so the
    emitted ``x_1..x_n`` follow the order-``m`` chain exactly (windows reaching past ``n``
    are summed out).  With ``m = 1`` this is the visible chain.

    Examples
    --------
    >>> P2 = np.full((2, 2, 2), 0.5); P2[0, 0] = [0.0, 1.0]      # no 0 after two 0s
    >>> m = order_m_chain(P2, 3)
    >>> float(np.exp(m.log_prob([0, 0, 0])[0]))
    0.0
    """
    try:
        P = np.array(P_m, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise InputError("P_m must be an array of probabilities of shape (q,) * (m + 1)") from None
    if P.ndim < 2 or len(set(P.shape)) != 1:
        raise InputError(f"P_m must have shape (q,) * (m + 1) with m >= 1; got shape {P.shape}")
    q, m = P.shape[0], P.ndim - 1
    P = _stochastic(P, "order-m kernel P_m", P.ndim)
    h = q**m
    check_memory(8.0 * h * (h + q) * 2, f"an order-{m} chain over {q} tokens ({h} hidden windows)")
    z = np.arange(h)
    A = np.zeros((h, h))
    rows = P.reshape(h, q)
    nxt = (z[:, None] * q) % h + np.arange(q)[None, :]  # shift the window, append b
    A[np.repeat(z, q), nxt.ravel()] = rows.ravel()
    B = np.zeros((h, q))
    B[z, z // q ** (m - 1)] = 1.0
    if isinstance(start, str):
        s = start
    else:
        try:
            s = np.asarray(start, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            raise InputError("the start of an order-m chain must be 'uniform', 'stationary' or an array") from None
        if s.shape not in ((q,) * m, (h,)):
            raise InputError(f"the start of an order-{m} chain has shape {(q,) * m} (or {h} flat); got {s.shape}")
        s = s.reshape(h)
    return HMM(A, B, s, n)


def noisy_walk(graph, eps: float, n: int, start="stationary", lazy: float = 0.0) -> HMM:
    """A random walk on a graph seen through a noisy channel.

    The hidden chain is the walk on ``mdmtheory.graphs.make_graph(graph)`` (``P = D^-1 A``,
    optionally lazy); each position shows the current vertex with probability ``1 - eps``
    and a uniformly random vertex otherwise (so the true vertex has ``1 - eps + eps/q``).

    Parameters
    ----------
    graph : str, networkx.Graph or array_like
        A spec such as ``"grid:4x4"`` (see :func:`mdmtheory.graphs.parse_graph`).
    eps : float
        Noise level in ``[0, 1]``; ``eps = 0`` is the visible walk.
    n : int
        Walk length.
    start : str or array_like, default "stationary"
        ``"stationary"`` (``pi ∝ degree``, defined even for a disconnected graph),
        ``"uniform"`` or a vector over the vertices.
    lazy : float, default 0
        Holding probability of the walk.

    Raises
    ------
    InputError
        Bad graph spec, ``eps`` outside ``[0, 1]``, bad start.

    Examples
    --------
    >>> w = noisy_walk("path:3", 0.0, 3, start="uniform")
    >>> float(np.exp(w.log_prob([0, 2, 1])[0]))                  # 0 -> 2 is not an edge
    0.0
    """
    eps = _prob(eps, "eps")
    G = make_graph(graph)
    P = walk_matrix(G, lazy=lazy)
    q = P.shape[0]
    if isinstance(start, str) and start.strip().lower() in ("stationary", "pi"):
        deg = np.array([G.degree(v) for v in range(q)], dtype=float)
        start = deg / deg.sum() if deg.sum() > 0 else "uniform"
    B = (1.0 - eps) * np.eye(q) + eps / q
    return HMM(P, B, start, n)


def random_order_m_kernel(q: int, m: int, seed: int = 0, alpha: float = 1.0) -> np.ndarray:
    """A random order-``m`` kernel ``P_m`` of shape ``(q,) * (m + 1)``: every row drawn from
    a symmetric Dirichlet(``alpha``) (seeded), for :func:`order_m_chain`.

    Raises
    ------
    InputError
        ``q``, ``m`` not positive integers, ``alpha <= 0``, or a table over the memory limit.

    Examples
    --------
    >>> random_order_m_kernel(3, 2, seed=1).shape
    (3, 3, 3)
    """
    for name, v in (("q", q), ("m", m)):
        if not _is_int(v, 1):
            raise InputError(f"{name} must be a positive integer; got {v!r}")
    if isinstance(alpha, (bool, str)) or not isinstance(alpha, (int, float, np.integer, np.floating)) \
            or not 0 < alpha < np.inf:
        raise InputError(f"alpha must be a finite number > 0; got {alpha!r}")
    cells = 2 * int(m) * np.log10(float(q))  # log10 of the q^(2m) cells of the window chain
    check_memory(16.0 * 10.0 ** min(cells, 30.0), f"an order-{m} chain over {q} tokens")
    rng = _seed(seed)
    return rng.dirichlet(np.full(int(q), float(alpha)), size=(int(q),) * int(m))


#: The built-in HMM families of :func:`parse_hmm`: name -> usage.
HMM_FAMILIES = {
    "block": "block:BLOCKS,SIZE[,STAY[,EPS]] (block-structured HMM, defaults stay=0.9 eps=0.1)",
    "order": "order:Q,M[,SEED[,ALPHA]] (random order-M chain over Q tokens, stationary start)",
    "noisy": "noisy:EPS:GRAPH (walk on GRAPH, e.g. noisy:0.1:grid:8x8, shown through an EPS-noisy channel)",
    "file": "FILE.npz (arrays transition, emission, start; see HMM.save)",
}


def parse_hmm(spec: str, n: int) -> HMM:
    """Build an :class:`HMM` of length ``n`` from a spec string (for the command line).

    Parameters
    ----------
    spec : str
        ``PATH.npz`` (:func:`load_hmm`), ``block:BLOCKS,SIZE[,STAY[,EPS]]``
        (:func:`block_hmm`), ``order:Q,M[,SEED[,ALPHA]]`` (:func:`order_m_chain` of
        :func:`random_order_m_kernel`, stationary start) or ``noisy:EPS:GRAPH``
        (:func:`noisy_walk`, ``GRAPH`` a :func:`mdmtheory.graphs.parse_graph` spec).
    n : int
        Sequence length.

    Raises
    ------
    InputError
        Unknown family (the message lists the forms), bad numbers, or a bad file.

    Examples
    --------
    >>> parse_hmm("block:8,4", 100)
    HMM(h=32, q=32, n=100)
    >>> parse_hmm("noisy:0.1:grid:3x3", 50)
    HMM(h=9, q=9, n=50)
    >>> parse_hmm("order:2,3,7", 10)
    HMM(h=8, q=2, n=10)
    """
    text = str(spec).strip()
    forms = "; ".join(HMM_FAMILIES.values())
    if text.lower().endswith(".npz"):
        return load_hmm(text, n)
    name, _, rest = text.partition(":")
    name = name.strip().lower()

    def numbers(parts, kinds, what):
        if not 1 <= len(parts) <= len(kinds) or any(not p.strip() for p in parts):
            raise InputError(f"bad arguments in {spec!r}; usage: {HMM_FAMILIES[what]}")
        try:
            return [k(p.strip()) for k, p in zip(kinds, parts)]
        except ValueError:
            raise InputError(f"bad number in {spec!r}; usage: {HMM_FAMILIES[what]}") from None

    if name == "block":
        args = numbers(rest.split(","), (int, int, float, float), "block")
        if len(args) < 2:
            raise InputError(f"block needs BLOCKS and SIZE; usage: {HMM_FAMILIES['block']}")
        return block_hmm(*args[:2], n, *args[2:])
    if name == "order":
        args = numbers(rest.split(","), (int, int, int, float), "order")
        if len(args) < 2:
            raise InputError(f"order needs Q and M; usage: {HMM_FAMILIES['order']}")
        q, m = args[0], args[1]
        seed = args[2] if len(args) > 2 else 0
        alpha = args[3] if len(args) > 3 else 1.0
        return order_m_chain(random_order_m_kernel(q, m, seed, alpha), n, "stationary")
    if name == "noisy":
        eps_text, _, graph = rest.partition(":")
        (eps,) = numbers([eps_text], (float,), "noisy")
        if not graph.strip():
            raise InputError(f"noisy needs a graph after the noise level; usage: {HMM_FAMILIES['noisy']}")
        return noisy_walk(graph.strip(), eps, n)
    raise InputError(f"unknown HMM {spec!r}; give one of: {forms}")


# ---------------------------------------------------------------------- oracles
class ChainOracle:
    """A :class:`mdmtheory.MarkovChain` behind the oracle protocol (``n``,
    ``sample(rng, m)``, ``conditional_marginals(revealed_mask, values)``).

    Rows of revealed positions are the point mass at their value, as for :class:`HMM`.
    ``log_prob`` gives ``log mu`` of full sequences (for
    :func:`estimate_fixed_order_divergences`); ``conditional_marginals`` raises
    :class:`~mdmtheory.errors.ImpossibleContext` on values of probability 0 (the chain's bridges).

    Raises
    ------
    InputError
        If ``chain`` is not a :class:`mdmtheory.MarkovChain`; the methods raise it on bad
        values, seeds or sample counts (through the chain's own checks).

    Examples
    --------
    >>> from mdmtheory import random_walk
    >>> o = ChainOracle(random_walk("cycle:4", 3, start="vertex:0"))
    >>> o.conditional_marginals(np.array([True, False, False]), np.array([0, 0, 0]))[1].tolist()
    [0.0, 0.5, 0.0, 0.5]
    """

    def __init__(self, chain):
        from .markov import MarkovChain

        if not isinstance(chain, MarkovChain):
            raise InputError(f"ChainOracle wraps a mdmtheory.MarkovChain; got {type(chain).__name__}")
        self.chain = chain
        self.n = chain.n
        self.q = chain.q

    def sample(self, rng, m: int) -> np.ndarray:
        """``m`` exact draws (``(m, n)`` ints), seeded from ``rng``.

        Raises
        ------
        InputError
            A bad seed or count.
        """
        rng = _seed(rng)
        return self.chain.sample(int(m), seed=int(rng.integers(2**63)))

    def log_prob(self, x) -> np.ndarray:
        """``log mu(x)`` of full sequences: ``log start[x_1] + sum_t log P[x_t, x_{t+1}]``.

        Raises
        ------
        InputError
            Rows of the wrong length or states out of range.
        """
        x = np.atleast_2d(np.asarray(x))
        if x.ndim != 2 or x.shape[1] != self.n or x.dtype.kind not in "iu" or np.any(x < 0) or np.any(x >= self.q):
            raise InputError(f"x must be sequences of length n = {self.n} of states 0..{self.q - 1}")
        x = np.atleast_2d(np.asarray(x, dtype=np.int64))
        with np.errstate(divide="ignore"):
            out = np.log(self.chain.start[x[:, 0]])
            if self.n > 1:
                out = out + np.log(self.chain.P[x[:, :-1], x[:, 1:]]).sum(axis=1)
        return out

    def conditional_marginals(self, revealed_mask, values) -> np.ndarray:
        """The chain's bridges given the revealed values, point masses at revealed rows.

        Raises
        ------
        InputError
            Bad mask or values, or values of probability 0.
        """
        mask = np.asarray(revealed_mask, dtype=bool)
        vals = np.where(mask, np.asarray(values, dtype=np.int64), -1)
        out = self.chain.conditionals(vals)
        idx = np.flatnonzero(mask)
        out[idx] = 0.0
        out[idx, vals[idx]] = 1.0
        return out


    def conditional_marginals_batch(self, revealed_masks, values) -> np.ndarray:
        """The batched oracle call: ``(B, n, q)`` bridges of ``B`` partial walks (row ``b`` as
        :meth:`conditional_marginals` gives it); a row of probability 0 is all NaN.

        Raises
        ------
        InputError
            Bad masks or values.

        Examples
        --------
        >>> from mdmtheory import random_walk
        >>> o = ChainOracle(random_walk("cycle:4", 3, start="vertex:0"))
        >>> o.conditional_marginals_batch(np.array([[True, False, False]]), np.array([[0, 0, 0]]))[0, 1].tolist()
        [0.0, 0.5, 0.0, 0.5]
        """
        from ._kernels.markov import bridge_marginals  # start-up time: numba loads on first use

        masks = np.asarray(revealed_masks)
        vals = np.asarray(values)
        if masks.ndim != 2 or masks.shape[1] != self.n or masks.dtype.kind != "b" or vals.shape != masks.shape \
                or vals.dtype.kind not in "iu":
            raise InputError(f"revealed_masks and values must be (B, {self.n}) booleans and integers; got shapes "
                             f"{masks.shape} and {vals.shape}")
        vals = np.where(masks, vals.astype(np.int64), -1)
        if np.any(masks & ((vals < 0) | (vals >= self.q))):
            raise InputError(f"revealed values must be states 0..{self.q - 1}")
        P, start = self.chain.P, self.chain.start
        out = np.empty((masks.shape[0], self.n, self.q))
        for b in range(masks.shape[0]):
            if not bridge_marginals(P, start, vals[b], out[b]):
                out[b] = np.nan
                continue
            idx = np.flatnonzero(masks[b])
            out[b, idx] = 0.0
            out[b, idx, vals[b, idx]] = 1.0
        return out


def _oracle_call(oracle, mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    marg = np.asarray(oracle.conditional_marginals(mask, values), dtype=np.float64)
    if marg.ndim != 2 or marg.shape[0] != oracle.n:
        raise InputError(f"the oracle returned marginals of shape {marg.shape}; expected (n, q) with n = {oracle.n}")
    return marg


def _check_oracle(oracle, needs: tuple[str, ...] = ("conditional_marginals",)) -> int:
    """The length ``n`` of an oracle object (an :class:`HMM`, a :class:`ChainOracle` or a user's
    model) that has the methods ``needs``; :class:`InputError` otherwise."""
    missing = [name for name in needs if not callable(getattr(oracle, name, None))]
    if missing or not _is_int(getattr(oracle, "n", None), 1):
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
        Has ``n`` and ``conditional_marginals(revealed_mask, values)`` (an :class:`HMM`, a
        :class:`ChainOracle`, or a user's model).
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
    recursing over values of positive probability: at most ``1 + q + ... + q^(|S|-1)`` calls.

    Examples
    --------
    >>> m = HMM([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=3)
    >>> no = np.zeros(3, dtype=bool)
    >>> round(set_entropy(m, no, np.zeros(3, dtype=int), [0, 1, 2], base=2), 12)
    1.0
    """
    n = _check_oracle(oracle)
    try:
        mask = np.array(revealed_mask)
        vals = np.array(values)
    except (TypeError, ValueError, OverflowError):
        raise InputError("revealed_mask and values must be arrays of length n") from None
    if mask.shape != (n,) or vals.shape != (n,) or mask.dtype.kind != "b" or vals.dtype.kind not in "iu":
        raise InputError(f"revealed_mask must be {n} booleans and values {n} integers")
    vals = vals.astype(np.int64)
    S = _int_list(positions, "positions")
    if len(set(S)) != len(S) or any(not 0 <= i < n for i in S):
        raise InputError(f"positions must be distinct and in 0..{n - 1}; got {list(positions)}")
    if any(mask[i] for i in S):
        raise InputError("the set S must be masked positions (it overlaps the revealed set)")
    if not S:
        return 0.0
    marg0 = _oracle_call(oracle, mask, vals)
    q = marg0.shape[1]
    if float(q) ** (len(S) - 1) > max_calls:
        raise InputError(f"H(X_S | x_R) of {len(S)} positions needs up to {q}^{len(S) - 1} oracle calls (limit {max_calls}); use a smaller set")

    def rec(mask, vals, k, marg):
        i = S[k]
        p = marg[i]
        h = float(entr(p).sum())
        if k == len(S) - 1:
            return h
        for v in np.flatnonzero(p > 0):
            m2, v2 = mask.copy(), vals.copy()
            m2[i], v2[i] = True, v
            h += float(p[v]) * rec(m2, v2, k + 1, _oracle_call(oracle, m2, v2))
        return h

    return rec(mask, vals, 0, marg0) * _scale(base)


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
    >>> m = HMM([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=3)
    >>> no = np.zeros(3, dtype=bool)
    >>> round(set_total_correlation(m, no, np.zeros(3, dtype=int), [0, 1, 2], base=2), 12)
    2.0
    """
    mask = np.array(revealed_mask, dtype=bool)
    vals = np.array(values, dtype=np.int64)
    joint_h = set_entropy(oracle, mask, vals, positions, None, max_calls)
    marg = _oracle_call(oracle, mask, vals)
    singles = float(sum(entr(marg[int(i)]).sum() for i in positions))
    return clamp_nonneg(singles - joint_h, "a conditional total correlation", scale=singles) * _scale(base)


# ------------------------------------------------------------------ curve estimate
@dataclass(frozen=True)
class CurveEstimate:
    """An unbiased estimate of the information curve with 95% (or other) intervals.

    Attributes
    ----------
    j : numpy.ndarray
        The indices ``j`` (1-based) estimated.
    estimate, stderr, lower, upper : numpy.ndarray
        Per ``j``: the mean, its standard error, and the interval ``estimate ± t * stderr``.
    samples : int
        Number of independent draws ``(x, S)`` (one per sample of ``mu``).
    seed : int
        The seed of :func:`numpy.random.default_rng`.
    confidence : float
        Nominal coverage of the intervals.
    unit : str
        ``"nats"`` or ``"bits"`` ...
    estimator : str
        The estimator's name.

    Examples
    --------
    >>> est = estimate_information_curve(block_hmm(2, 2, 6), samples=4, seed=0, js=[1, 6])
    >>> sorted(est.to_dict())
    ['confidence', 'estimate', 'estimator', 'interval', 'j', 'samples', 'seed', 'stderr', 'unit']
    """

    j: np.ndarray
    estimate: np.ndarray
    stderr: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    samples: int
    seed: int
    confidence: float
    unit: str
    estimator: str = field(default="mc-conditional-entropy")

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (lists of floats).

        Raises
        ------
        InputError
            Never: a result holds validated values only.
        """
        return {
            "j": [int(v) for v in self.j],
            "estimate": [float(v) for v in self.estimate],
            "stderr": [float(v) for v in self.stderr],
            "interval": [[float(a), float(b)] for a, b in zip(self.lower, self.upper)],
            "samples": int(self.samples),
            "seed": int(self.seed),
            "confidence": float(self.confidence),
            "unit": self.unit,
            "estimator": self.estimator,
        }


def estimate_information_curve(oracle, samples: int = 100, seed: int = 0, js: Sequence[int] | None = None,
                               base: float | None = None, confidence: float = 0.95) -> CurveEstimate:
    """Unbiased estimate of ``Z_j = E[H(X_i) - H(X_i | X_S)]`` with intervals, for any oracle
    with samples.

    Parameters
    ----------
    oracle : object
        Has ``n``, ``sample(rng, m) -> (m, n) ints`` (exact draws of ``mu``) and
        ``conditional_marginals(revealed_mask, values) -> (n, q)`` (exact conditionals):
        an :class:`HMM`, a :class:`ChainOracle`, or a user's own model.
    samples : int, default 100
        Number of independent draws ``M >= 2``.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng` (samples and subsets).
    js : sequence of int, optional
        The ``j`` in ``1..n`` to estimate (default: all).
    base : float, optional
        Logarithm base (nats by default; 2 for bits).
    confidence : float, default 0.95
        Coverage of the Student-t intervals.

    Returns
    -------
    CurveEstimate

    Raises
    ------
    InputError
        Bad ``samples``, ``js``, ``confidence``, or an oracle returning malformed marginals.

    Notes
    -----
    For each draw ``x ~ mu`` and an independent uniform permutation ``pi`` of the
    positions, let ``S_j = {pi_1..pi_{j-1}}`` and
    ``Y_j = mean_{i not in S_j} [H(X_i) - H(X_i | x_{S_j})]`` with exact entropies from the
    oracle (``H(X_i)`` from the call with nothing revealed).  Then
    ``E Y_j = E_{|S| = j-1, i not in S} I(X_i ; X_S) = Z_j`` [2]_ (averaging over ``i``
    instead of drawing one only lowers the variance), so the mean over ``M`` independent
    draws is unbiased, and ``mean ± t_{M-1} sd/sqrt(M)`` is the interval.  The ``Y_j`` of one
    draw share ``x`` and ``pi`` (correlated across ``j``; each ``j``'s interval is valid on
    its own).  For ``j = n``, an oracle with ``leave_one_out(x)`` (an :class:`HMM`) gives
    ``H(X_i | x_{-i})`` for every ``i`` in one call, and ``Y_n`` averages over all ``i``
    (same mean, lower variance).  Cost: ``M |js|`` oracle calls (``O(n h^2)`` each for an HMM).  The estimate
    feeds ``schedule --curve`` like an exact curve, with its intervals as the caveat.

    Examples
    --------
    >>> m = HMM([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=3)
    >>> est = estimate_information_curve(m, samples=20, seed=1, base=2)
    >>> est.estimate.round(12).tolist(), est.stderr.tolist()    # a copy: no randomness left
    ([0.0, 1.0, 1.0], [0.0, 0.0, 0.0])
    """
    n = _check_oracle(oracle, ("conditional_marginals", "sample"))
    _check_samples(samples, n)
    _check_confidence(confidence)
    J = np.arange(1, n + 1) if js is None else np.array(sorted(set(_int_list(js, "js"))), dtype=np.int64)
    if J.size == 0 or J[0] < 1 or J[-1] > n:
        raise InputError(f"js must be indices in 1..n = {n}; got {js!r}")
    M = int(samples)
    rng = _seed(seed)
    X = np.asarray(oracle.sample(rng, M))
    if X.shape != (M, n):
        raise InputError(f"oracle.sample returned shape {X.shape}; expected ({M}, {n})")
    none = np.zeros(n, dtype=bool)
    H0 = entr(_oracle_call(oracle, none, X[0])).sum(axis=1)
    Y = np.empty((M, J.size))
    loo = getattr(oracle, "leave_one_out", None)
    for r in range(M):
        perm = rng.permutation(n)
        x = X[r]
        for c, j in enumerate(J):
            if j == n and n > 1 and loo is not None:  # every i at once: H(X_i | x_{-i}) for all i
                Y[r, c] = float(np.mean(H0 - entr(np.asarray(loo(x), dtype=np.float64)).sum(axis=1)))
                continue
            mask = none.copy()
            mask[perm[: j - 1]] = True
            Hc = entr(_oracle_call(oracle, mask, x)).sum(axis=1)
            free = ~mask
            Y[r, c] = float(np.mean(H0[free] - Hc[free]))
    scale = _scale(base)
    Y *= scale
    est = Y.mean(axis=0)
    se = Y.std(axis=0, ddof=1) / np.sqrt(M)
    half = t_quantile(confidence, M - 1) * se
    return CurveEstimate(J, est, se, est - half, est + half, M, int(seed) if _is_int(seed, 0) else -1, float(confidence), unit_name(base))


# ------------------------------------------------------- fixed-order divergences
def _inf_safe(v: float):
    """JSON-strict number: infinities as the string ``"inf"`` (``"-inf"``)."""
    v = float(v)
    return ("inf" if v > 0 else "-inf") if np.isinf(v) else v


@dataclass(frozen=True)
class DivergenceEstimate:
    """Unbiased Monte Carlo estimates of ``KL(mu || nu)``, ``KL(nu || mu)`` and ``TV`` for a
    fixed-order sampler, each with its standard error and interval.

    Attributes
    ----------
    kl, reverse_kl, tv : float
        The estimates (``reverse_kl`` is ``inf`` when a draw of ``nu`` has ``mu``-probability 0:
        then ``KL(nu || mu) = inf`` exactly).
    kl_stderr, reverse_kl_stderr, tv_stderr : float
        Standard errors (0 for an infinite estimate: one draw proves it).
    kl_interval, reverse_kl_interval, tv_interval : tuple of float
        ``estimate ± t * stderr`` at ``confidence``.
    samples : int
        Draws from ``mu`` (for ``kl``) and, separately, from ``nu`` (for the others).
    seed : int
    confidence : float
    unit : str
    estimator : str

    Examples
    --------
    >>> est = estimate_fixed_order_divergences(block_hmm(2, 2, 4), [[0, 1], [2, 3]], samples=10)
    >>> est.to_dict()["samples"], est.unit
    (10, 'nats')
    """

    kl: float
    kl_stderr: float
    kl_interval: tuple
    reverse_kl: float
    reverse_kl_stderr: float
    reverse_kl_interval: tuple
    tv: float
    tv_stderr: float
    tv_interval: tuple
    samples: int
    seed: int
    confidence: float
    unit: str
    estimator: str = "log-ratio"

    def to_dict(self) -> dict:
        """JSON-ready dict (strict: infinities as ``"inf"``).

        Raises
        ------
        InputError
            Never: a result holds validated values only.
        """
        out = {}
        for k in ("kl", "reverse_kl", "tv"):
            out[k] = _inf_safe(getattr(self, k))
            out[f"{k}_stderr"] = _inf_safe(getattr(self, f"{k}_stderr"))
            out[f"{k}_interval"] = [_inf_safe(v) for v in getattr(self, f"{k}_interval")]
        out.update(samples=int(self.samples), seed=int(self.seed), confidence=float(self.confidence),
                   unit=self.unit, estimator=self.estimator)
        return out


def _log_nu(model, x: np.ndarray, idx: list) -> float:
    """``log nu_S(x) = sum_t sum_{i in S_t} log mu(x_i | x_{T_t})``: one oracle call a step."""
    mask = np.zeros(x.size, dtype=bool)
    lnu = 0.0
    for S in idx:
        p = _oracle_call(model, mask, x)[S, x[S]]
        with np.errstate(divide="ignore"):
            lnu += float(np.log(p).sum())
        mask[S] = True
    return lnu


def estimate_fixed_order_divergences(model, sets: Sequence[Sequence[int]], samples: int = 1000, seed: int = 0,
                                     base: float | None = None, confidence: float = 0.95) -> DivergenceEstimate:
    """Unbiased estimates of ``KL(mu || nu_S)``, ``KL(nu_S || mu)`` and ``TV`` with intervals,
    for the fixed ordered partition ``S_1..S_k`` at any ``n``.

    Parameters
    ----------
    model : object
        An oracle with samples (``n``, ``sample``, ``conditional_marginals``) that also has
        ``log_prob(x) -> log mu`` of full sequences (rows): an :class:`HMM` or a
        :class:`ChainOracle`.  ``conditional_marginals`` must raise
        :class:`~mdmtheory.errors.ImpossibleContext` on a context of probability 0 (both do).
    sets : sequence of sequences of int
        The ordered partition of ``0..n-1``.
    samples : int, default 1000
        Draws ``M >= 2`` from ``mu`` and, separately, from ``nu_S``.
    seed : int, default 0
    base : float, optional
        Logarithm base of the KLs (TV has no unit).
    confidence : float, default 0.95

    Returns
    -------
    DivergenceEstimate

    Raises
    ------
    InputError
        ``sets`` not a partition, bad ``samples`` or ``confidence``.

    Notes
    -----
    Along a fixed order the output law is ``nu_S(x) = prod_t prod_{i in S_t} mu(x_i | x_{T_t})``
    (docs/theory.md section 1), so ``log nu_S(x)`` is exact for each ``x`` with ``k`` oracle calls, and
    ``log mu(x)`` is exact from ``log_prob``.  Then ``KL(mu || nu) = E_mu[log mu - log nu]``,
    ``KL(nu || mu) = E_nu[log nu - log mu]`` and ``TV = E_nu[max(0, 1 - mu/nu)]`` are means of
    exact per-draw terms: unbiased, with Student-t intervals.  A draw of ``nu`` with ``mu = 0``
    makes ``KL(nu || mu) = inf`` exactly (reported as such; its TV term is 1).  Cost:
    ``2 M k`` oracle calls and ``2 M`` likelihoods, ``O(M k n h^2)`` for an HMM.  Where both
    apply, the dense :func:`mdmtheory.fixed_order_kl` and :meth:`MarkovChain.fixed_order_kl`
    give the exact values (tested against these estimates).

    Examples
    --------
    >>> from mdmtheory import bisection_partition
    >>> m = order_m_chain(np.full((2, 2, 2), 0.5) + [0.3, -0.3], 40)
    >>> est = estimate_fixed_order_divergences(m, block_bisection_partition(40, 2), samples=20)
    >>> abs(est.kl) < 1e-9 and abs(est.reverse_kl) < 1e-9 and est.tv < 1e-9   # exact sampler
    True
    """
    n = _check_oracle(model, ("conditional_marginals", "sample", "log_prob"))
    blocks = _sets(sets, n)
    _check_samples(samples, n)
    _check_confidence(confidence)
    M = int(samples)
    rng = _seed(seed)
    idx = [np.array(S, dtype=np.int64) for S in blocks]

    # forward KL: x ~ mu, exact log nu(x) along the order
    X = np.asarray(model.sample(rng, M), dtype=np.int64)
    log_mu = np.asarray(model.log_prob(X), dtype=np.float64)
    fwd = np.array([log_mu[r] - _log_nu(model, X[r], idx) for r in range(M)])

    # reverse KL and TV: y ~ nu by running the sampler, exact log nu(y) on the way
    Y = np.zeros((M, n), dtype=np.int64)
    lnu_y = np.zeros(M)
    dead = np.zeros(M, dtype=bool)  # the partial draw already has mu-probability 0
    for r in range(M):
        mask = np.zeros(n, dtype=bool)
        for S in idx:
            try:
                marg = _oracle_call(model, mask, Y[r])[S]
            except ImpossibleContext:
                dead[r] = True
                break
            cum = np.cumsum(marg, axis=1)
            v = np.minimum((cum <= rng.random(len(S))[:, None] * cum[:, -1:]).sum(axis=1), marg.shape[1] - 1)
            Y[r, S] = v
            lnu_y[r] += float(np.log(marg[np.arange(len(S)), v]).sum())
            mask[S] = True
    log_mu_y = np.full(M, -np.inf)
    if np.any(~dead):
        log_mu_y[~dead] = np.asarray(model.log_prob(Y[~dead]), dtype=np.float64)
    rev = np.where(np.isfinite(log_mu_y), lnu_y - log_mu_y, np.inf)
    tv = np.where(np.isfinite(log_mu_y), np.maximum(0.0, 1.0 - np.exp(np.minimum(log_mu_y - lnu_y, 50.0))), 1.0)

    tq = t_quantile(confidence, M - 1)
    sc = _scale(base)
    kl, kl_se, kl_iv = _mean_interval(fwd * sc, tq)
    rk, rk_se, rk_iv = _mean_interval(rev * sc, tq)
    tvm, tv_se, tv_iv = _mean_interval(tv, tq)
    return DivergenceEstimate(kl, kl_se, kl_iv, rk, rk_se, rk_iv, tvm, tv_se, tv_iv, M, int(seed) if _is_int(seed, 0) else -1, float(confidence),
                              unit_name(base), "log-ratio (exact per-draw log mu - log nu along the fixed order)")


@dataclass(frozen=True)
class ScalarEstimate:
    """One unbiased estimate with its standard error and interval.

    Attributes
    ----------
    value, stderr : float
    interval : tuple of float
        ``value ± t * stderr`` at ``confidence``.
    samples, seed : int
    confidence : float
    unit, estimator : str
    quantity : str
        What is estimated, in words.

    Examples
    --------
    >>> est = estimate_random_order_kl(block_hmm(2, 2, 4), [2, 2], samples=10)
    >>> est.to_dict()["quantity"]
    'E_S KL(mu || nu_S), random order'
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

    def to_dict(self) -> dict:
        """JSON-ready dict (strict: infinities as ``"inf"``).

        Raises
        ------
        InputError
            Never: a result holds validated values only.
        """
        return {
            "value": _inf_safe(self.value), "stderr": _inf_safe(self.stderr),
            "interval": [_inf_safe(v) for v in self.interval], "samples": int(self.samples), "seed": int(self.seed),
            "confidence": float(self.confidence), "unit": self.unit, "estimator": self.estimator,
            "quantity": self.quantity,
        }


def _scalar_estimate(y, confidence: float, seed: int, scale: float, unit: str, estimator: str,
                     quantity: str) -> ScalarEstimate:
    """The :class:`ScalarEstimate` of the mean of i.i.d. per-draw terms ``scale * y`` (Student-t
    interval, :func:`mdmtheory._numeric.mean_interval`)."""
    y = np.asarray(y, dtype=float)
    v, se, iv = _mean_interval(y * scale, t_quantile(confidence, y.size - 1))
    return ScalarEstimate(v, se, tuple(iv), int(y.size), seed, float(confidence), unit, estimator, quantity)


def estimate_random_order_kl(model, schedule, samples: int = 1000, seed: int = 0, base: float | None = None,
                             confidence: float = 0.95) -> ScalarEstimate:
    """Unbiased estimate of the random-order expected KL ``E_S KL(mu || nu_S)`` with an interval.

    Parameters
    ----------
    model : object
        An oracle with samples and ``log_prob`` (as for :func:`estimate_fixed_order_divergences`).
    schedule : Schedule or sequence of int
        Step sizes summing to ``n``.
    samples : int, default 1000
        Independent draws ``(S, x)``, ``M >= 2``.
    seed : int, default 0
    base : float, optional
    confidence : float, default 0.95

    Returns
    -------
    ScalarEstimate

    Raises
    ------
    InputError
        A schedule not summing to ``n``, bad ``samples`` or ``confidence``.

    Notes
    -----
    Draw a uniform ordered partition ``S`` with the schedule's sizes and ``x ~ mu``
    independently; ``log mu(x) - log nu_S(x)`` is exact (``k`` oracle calls), and its mean is
    ``E_S E_mu log(mu/nu_S) = E_S KL(mu || nu_S)``: Chen-Cong-Li's Theorem 4 quantity, which
    :func:`mdmtheory.expected_kl` computes from an exact curve (tested against it).  It
    upper-bounds the KL of the random-order *mixture* ``nu = mean_S nu_S`` (convexity);
    that KL, its reverse and the TV need ``nu(x)``, a sum over partitions, and are not
    estimated here (no unbiased estimator of them is offered).

    Examples
    --------
    >>> m = HMM(np.eye(2), np.eye(2), "uniform", n=4)                  # a copy of a fair bit
    >>> est = estimate_random_order_kl(m, [3, 1], samples=10, base=2)  # (s_1 - 1) log q
    >>> round(est.value, 12), est.stderr
    (2.0, 0.0)
    """
    from .schedules import as_schedule

    n = _check_oracle(model, ("conditional_marginals", "sample", "log_prob"))
    try:
        sched = as_schedule(schedule, n)
    except (TypeError, ValueError, OverflowError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"the schedule must be positive integer step sizes summing to n = {n}; got {schedule!r}") from None
    _check_samples(samples, n)
    _check_confidence(confidence)
    M = int(samples)
    rng = _seed(seed)
    X = np.asarray(model.sample(rng, M), dtype=np.int64)
    log_mu = np.asarray(model.log_prob(X), dtype=np.float64)
    cuts = np.asarray(sched.nodes)
    y = np.empty(M)
    for r in range(M):
        perm = rng.permutation(n)
        idx = [perm[a:b] for a, b in zip(cuts[:-1], cuts[1:])]
        y[r] = log_mu[r] - _log_nu(model, X[r], idx)
    return _scalar_estimate(y, confidence, int(seed) if _is_int(seed, 0) else -1, _scale(base), unit_name(base),
                            "log-ratio over random orders (exact per-draw log mu - log nu_S)", "E_S KL(mu || nu_S), random order")


def estimate_total_correlation(model, samples: int = 1000, seed: int = 0, base: float | None = None,
                               confidence: float = 0.95) -> ScalarEstimate:
    """Unbiased estimate of ``TC = sum_i H(X_i) - H(X)`` (and so of ``H(X)``) with an interval.

    Parameters
    ----------
    model : object
        An oracle with samples and ``log_prob`` (:class:`HMM`, :class:`ChainOracle`).
    samples : int, default 1000
        Draws ``M >= 2`` from ``mu``.
    seed : int, default 0
    base : float, optional
    confidence : float, default 0.95

    Returns
    -------
    ScalarEstimate
        ``quantity = "TC"``.

    Raises
    ------
    InputError
        Bad ``samples`` or ``confidence``.

    Notes
    -----
    ``H(X_i)`` is exact (one oracle call with nothing revealed) and ``H(X) = E[-log mu(X)]``
    with ``log mu`` exact per draw, so ``sum_i H(X_i) + mean(log mu(x))`` is unbiased; its
    interval is that of the mean.  The entropy of an HMM has no closed form, hence the
    estimate; a ``TChat`` for the TC schedule (Theorem 9) can take the upper end of the
    interval.  Cost: ``M`` likelihoods, ``O(M n h^2)``.

    Examples
    --------
    >>> m = HMM(np.eye(2), np.eye(2), "uniform", n=5)     # a copy of a fair bit: TC = 4 bits
    >>> round(estimate_total_correlation(m, samples=10, base=2).value, 12)
    4.0
    """
    n = _check_oracle(model, ("conditional_marginals", "sample", "log_prob"))
    _check_samples(samples, n)
    _check_confidence(confidence)
    M = int(samples)
    rng = _seed(seed)
    X = np.asarray(model.sample(rng, M), dtype=np.int64)
    singles = float(entr(_oracle_call(model, np.zeros(n, dtype=bool), X[0])).sum())
    y = singles + np.asarray(model.log_prob(X), dtype=np.float64)
    return _scalar_estimate(y, confidence, int(seed) if _is_int(seed, 0) else -1, _scale(base), unit_name(base),
                            "exact marginal entropies + mean exact log-likelihood", "TC")


def estimate_dual_total_correlation(model, samples: int = 1000, seed: int = 0, base: float | None = None,
                                    confidence: float = 0.95) -> ScalarEstimate:
    """Unbiased estimate of ``DTC = H(X) - sum_i H(X_i | X_{-i})`` with an interval.

    Parameters
    ----------
    model : object
        Has ``n``, ``sample``, ``log_prob`` and ``leave_one_out(x)`` (all ``mu(x_i | x_{-i})``
        of a full sequence in one call): an :class:`HMM` (a chain: :meth:`HMM.from_chain`).
    samples : int, default 1000
    seed : int, default 0
    base : float, optional
    confidence : float, default 0.95

    Returns
    -------
    ScalarEstimate
        ``quantity = "DTC"``.

    Raises
    ------
    InputError
        Bad ``samples`` or ``confidence``, or a model without ``leave_one_out``.

    Notes
    -----
    Per draw ``x ~ mu``: ``-log mu(x) - sum_i H(X_i | x_{-i})``, both exact; its mean is
    ``H(X) - sum_i H(X_i | X_{-i}) = DTC`` (docs/theory.md section 3; ``n Z_n = TC + DTC``).
    Cost: ``M`` likelihoods and ``M`` leave-one-out passes, ``O(M n h^2)``.

    Examples
    --------
    >>> m = HMM(np.eye(2), np.eye(2), "uniform", n=5)     # a copy of a fair bit: DTC = 1 bit
    >>> round(estimate_dual_total_correlation(m, samples=10, base=2).value, 12)
    1.0
    """
    if not callable(getattr(model, "leave_one_out", None)):
        raise InputError("DTC needs a model with leave_one_out(x) (an HMM; wrap a chain with HMM.from_chain)")
    _check_samples(samples, _check_oracle(model, ("sample", "log_prob", "leave_one_out")))
    _check_confidence(confidence)
    M = int(samples)
    rng = _seed(seed)
    X = np.asarray(model.sample(rng, M), dtype=np.int64)
    log_mu = np.asarray(model.log_prob(X), dtype=np.float64)
    y = np.array([-log_mu[r] - float(entr(np.asarray(model.leave_one_out(X[r]))).sum()) for r in range(M)])
    return _scalar_estimate(y, confidence, int(seed) if _is_int(seed, 0) else -1, _scale(base), unit_name(base),
                            "mean exact -log-likelihood - exact leave-one-out entropies", "DTC")


# ------------------------------------------------------------------ bisection
def block_bisection_partition(n: int, m: int, together: bool = False) -> list[list[int]]:
    """Bisection with separating blocks of ``m`` positions, for order-``m`` chains.

    Each level takes, in every maximal masked run ``a..b``, the middle block of ``m``
    consecutive positions (the whole run if it has at most ``m``).  With
    ``together=False`` (the exact version) a level is spread over ``m`` rounds, round ``k``
    revealing the ``k``-th position of every block; with ``together=True`` each level is one
    round revealing whole blocks.  ``m = 1`` is :func:`mdmtheory.bisection_partition`.

    Raises
    ------
    InputError
        ``n`` or ``m`` not a positive integer.

    Notes
    -----
    **Claim (order-m separation).** For an order-``m`` chain, a step unmasking ``S`` given
    ``x_T`` is exact (``TC(X_S | x_T) = 0`` for every ``x_T``) when every two members of
    ``S`` are separated by ``m`` consecutive positions of ``T``: given ``m`` consecutive
    values the past and future of an order-``m`` chain are independent, so the segments
    between such separators are conditionally independent.  (Sufficient, not necessary:
    :func:`separated_rounds` checks it.)  Every round of the ``together=False`` partition
    meets it (one position per run, runs separated by completed blocks), so its KL is 0,
    in ``m`` rounds per level, about ``m log2(n / m)`` rounds.  A ``together=True`` round
    reveals ``m`` adjacent positions at once and a plain bisection round ``>= 2`` has
    separators of one position: neither is exact in general for ``m >= 2`` (measured
    positive in ``tests/test_hmm.py``).

    Examples
    --------
    >>> block_bisection_partition(7, 1)
    [[3], [1, 5], [0, 2, 4, 6]]
    >>> block_bisection_partition(8, 2)
    [[3], [4], [0, 5], [1, 6], [2, 7]]
    >>> block_bisection_partition(8, 2, together=True)
    [[3, 4], [0, 1, 5, 6], [2, 7]]
    """
    for name, v in (("n", n), ("m", m)):
        if not _is_int(v, 1):
            raise InputError(f"{name} must be a positive integer; got {v!r}")
    n, m = int(n), int(m)
    check_memory(64.0 * n, f"a partition of {n} positions")
    rounds: list[list[int]] = []
    runs = [(0, n - 1)]
    while runs:
        blocks, nxt = [], []
        for a, b in runs:
            L = b - a + 1
            if L <= m:
                blocks.append(list(range(a, b + 1)))
                continue
            s = a + (L - m) // 2
            blocks.append(list(range(s, s + m)))
            if s > a:
                nxt.append((a, s - 1))
            if s + m <= b:
                nxt.append((s + m, b))
        if together:
            rounds.append(sorted(i for blk in blocks for i in blk))
        else:
            for k in range(max(len(blk) for blk in blocks)):
                rounds.append([blk[k] for blk in blocks if k < len(blk)])
        runs = nxt
    return rounds


def separated_rounds(sets: Sequence[Sequence[int]], n: int, m: int) -> list[bool]:
    """For each step of an ordered partition, whether it meets the order-``m`` separation
    condition of :func:`block_bisection_partition` (then the step is exact on every
    order-``m`` chain).

    Raises
    ------
    InputError
        If ``sets`` is not an ordered partition of ``0..n-1`` or ``m < 1``.

    Examples
    --------
    >>> separated_rounds([[3], [1, 5], [0, 2, 4, 6]], 7, 1)
    [True, True, True]
    >>> separated_rounds([[3], [1, 5], [0, 2, 4, 6]], 7, 2)
    [True, False, False]
    """
    if not _is_int(m, 1):
        raise InputError(f"m must be a positive integer; got {m!r}")
    n = _check_n(n)
    check_memory(64.0 * n, f"a partition of {n} positions")
    seen = np.zeros(n, dtype=bool)
    out = []
    if isinstance(sets, (str, bytes, dict)) or not hasattr(sets, "__iter__"):
        raise InputError(f"sets must be a sequence of steps (lists of positions); got {sets!r}")
    for S in sets:
        S = sorted(_int_list(S, "every step"))
        if not S or S[0] < 0 or S[-1] >= n or len(set(S)) != len(S) or seen[S].any():
            raise InputError(f"sets must partition 0..{n - 1} into non-empty steps; bad step {S}")
        ok = True
        for a, b in zip(S[:-1], S[1:]):
            run = best = 0
            for k in range(a + 1, b):
                run = run + 1 if seen[k] else 0
                best = max(best, run)
            if best < m:
                ok = False
                break
        out.append(ok)
        seen[S] = True
    if not seen.all():
        raise InputError(f"positions {np.flatnonzero(~seen)[:5].tolist()} are never unmasked; the sets must partition 0..{n - 1}")
    return out
