"""Hidden Markov models: exact conditionals, likelihoods and sampling at any length.

An :class:`HMM` is the law of tokens ``x_1..x_n`` emitted by a hidden chain
``z_1 ~ start``, ``z_{t+1} ~ transition[z_t, .]``, ``x_t ~ emission[z_t, .]`` (``h`` hidden
states, ``q`` tokens).  Everything a masked diffusion sampler needs is exact at any ``n``:

* the conditional law of every masked position given any revealed set (scaled
  forward-backward, one ``O(n h^2)`` pass for all masked positions).  Unlike a visible chain,
  the gaps between revealed positions are *not* conditionally independent: the hidden chain
  carries information across revealed tokens;
* ``log mu(x)`` of a full sequence and ``log mu(x_R)`` of a partial assignment; exact
  seeded sampling; the dense law as a :class:`~mdmtheory.joint.Joint` at small ``n``;
* ``H(X_i | x_R)`` for every masked ``i`` and ``TC(X_S | x_R)`` of a small set by the chain
  rule (:func:`mdmtheory.estimate.set_total_correlation`, ``q^(|S|-1)`` oracle calls).

:func:`load_hmm` reads a model saved by :meth:`HMM.save`.  Elsewhere: the built-in families and
their spec strings (:func:`~mdmtheory.hmm_families.block_hmm`,
:func:`~mdmtheory.hmm_families.order_m_chain`, :func:`~mdmtheory.hmm_families.noisy_walk`,
:func:`~mdmtheory.hmm_families.parse_hmm`) in :mod:`mdmtheory.hmm_families`; the estimators
for any oracle with samples (the information curve, divergences, TC, DTC) in
:mod:`mdmtheory.oracle_estimates`; the bisection theory of order-``m`` chains in
:mod:`mdmtheory.bisection`.

References
----------
.. [1] Rabiner, "A tutorial on hidden Markov models and selected applications in speech
   recognition", Proc. IEEE 77(2), 1989 (scaled forward-backward, section V.A).
.. [2] Chen, Cong, Li, COLT 2026, arXiv:2511.04647, Section 3 (the information curve ``Z``).
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from ._lazy import lazy_function
from ._numeric import as_rng, check_int, is_int, sum_tolerance
from .errors import ImpossibleContext, InputError, check_memory
from .estimate import set_total_correlation
from .files import atomic_write, check_input_file, npz_headers
from .graphs import stationary_distribution
from .information import information_curve, unit_scale
from .joint import Joint

entr = lazy_function("scipy.special", "entr")
posterior_marginals, posterior_marginals_rows, leave_one_out_marginals, log_marginal, log_marginal_rows = (
    lazy_function("mdmtheory._kernels.hmm", f)
    for f in ("posterior_marginals", "posterior_marginals_rows", "leave_one_out_marginals", "log_marginal",
              "log_marginal_rows")
)
posterior_marginals_batch, suffix_emissions = (lazy_function("mdmtheory._kernels.hmm", f)
                                               for f in ("posterior_marginals_batch", "suffix_emissions"))

__all__ = ["HMM", "HMMBatchCursor", "load_hmm", "check_probabilities"]


def check_probabilities(M, name: str, ndim: int) -> np.ndarray:
    """Validate a row-stochastic array (rows along the last axis); renormalise rows only within
    the tolerance of the input's own precision (:func:`mdmtheory._numeric.sum_tolerance`:
    :data:`mdmtheory.graphs.STOCHASTIC_TOL` for float64, a few ulps for float32 and float16),
    refuse above it (the HMM's and the families' check).  The result is float64.

    Raises
    ------
    InputError
        Not an ``ndim``-d array of finite non-negative real numbers (complex, object and string
        arrays refused, never cast), or a row not summing to 1.

    Examples
    --------
    >>> check_probabilities([[0.5, 0.5], [1.0, 0.0]], "transition", 2).tolist()
    [[0.5, 0.5], [1.0, 0.0]]
    """
    try:
        raw = np.asarray(M)
    except (TypeError, ValueError, OverflowError):
        raw = None
    if raw is None or raw.dtype.kind not in "biuf":
        got = "a ragged or non-numeric array" if raw is None or raw.dtype.kind in "OUSV" else f"dtype {raw.dtype}"
        raise InputError(f"the {name} must be an array of real probabilities; got {got}")
    with np.errstate(over="ignore", invalid="ignore"):  # float128 beyond float64: inf, refused below
        M = np.array(raw, dtype=np.float64)
    if M.ndim != ndim or M.size == 0:
        raise InputError(f"the {name} must be a non-empty {ndim}-d array; got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise InputError(f"the {name} has NaN or infinite entries (as float64); it must hold probabilities")
    if np.any(M < 0):
        raise InputError(f"the {name} has negative entries (smallest {M.min():.3g}); probabilities must be >= 0")
    sums = M.sum(axis=-1)
    dev = np.abs(sums - 1.0)
    tol = sum_tolerance(raw.dtype, M.shape[-1])
    if dev.max() > tol:
        where = np.unravel_index(int(np.argmax(dev)), dev.shape)
        row = "" if not where else f" row {where[0] if len(where) == 1 else where}"
        raise InputError(
            f"the {name} is not stochastic:{row} sums to {float(sums[where])!r}, not 1 "
            f"(tolerance {tol:.3g} for {raw.dtype}); divide by the sum"
        )
    return M / sums[..., None]


#: The longest HMM: a length whose value vector alone (8 n bytes) is beyond any memory; refused at
#: construction, before any work.
MAX_LENGTH = 2**48


def _check_n(n) -> int:
    if n is None:
        raise InputError("give the sequence length n (HMM(..., n=...))")
    return check_int(n, "the length n", 1, MAX_LENGTH)


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
        :data:`mdmtheory.graphs.STOCHASTIC_TOL` (``1e-9`` for float64, a few ulps for float32;
        rows within it are renormalised, in float64), complex or object arrays, a bad start,
        ``n`` not an integer between 1 and :data:`MAX_LENGTH` (``2**48``).

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
        self.transition = check_probabilities(transition, "transition", 2)
        h = self.transition.shape[0]
        if self.transition.shape != (h, h):
            raise InputError(f"the transition must be square (h, h); got shape {self.transition.shape}")
        self.emission = check_probabilities(emission, "emission", 2)
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
        self.start = check_probabilities(start, "start", 1)
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
        >>> from mdmtheory import block_hmm
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

        The file is written through :func:`mdmtheory.files.atomic_write` (complete or not at
        all; a symbolic link planted at the target is refused, never followed); ``.npz`` is
        appended to a name without it, as :func:`numpy.savez` does.

        Raises
        ------
        InputError
            A target that is a symbolic link, a directory or another non-regular file, or a
            folder that is not writable.

        Examples
        --------
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "b.npz")
        >>> from mdmtheory import block_hmm
        >>> block_hmm(2, 2, 5).save(path)
        >>> sorted(np.load(path).files)
        ['emission', 'start', 'transition']
        """
        target = os.fspath(path)
        if not target.endswith(".npz"):
            target += ".npz"
        arrays = {"transition": self.transition, "emission": self.emission, "start": self.start}
        atomic_write(target, lambda fh: np.savez(fh, **arrays))

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
        >>> from mdmtheory import block_hmm
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
        return entr(self.conditionals(values)).sum(axis=1) * unit_scale(base)

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
        rng = as_rng(rng)
        if not is_int(m, 0):
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
        unit_scale(base)
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
    >>> from mdmtheory import block_hmm
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


def load_hmm(path: str | os.PathLike, n: int, max_memory: float | None = None) -> HMM:
    """Load an :class:`HMM` saved by :meth:`HMM.save` (``.npz`` with ``transition``,
    ``emission``, ``start``), at length ``n``.

    The members' ``.npy`` headers are read first (no array loaded): their names, dtypes and
    shapes are checked, and the memory the model needs (``3 x 8 (h^2 + h q + h)`` bytes: the
    arrays as float64 and their validated copies, then the ``n h`` messages of one
    forward-backward pass) against ``max_memory`` (:func:`mdmtheory.errors.check_memory`), before
    anything is decompressed: a small compressed file declaring a huge model is refused at once.

    Raises
    ------
    InputError
        Missing or unreadable file, a member that is not an ``.npy`` array, missing or extra
        arrays, non-numeric (object, complex, string) arrays, shapes that do not fit together,
        a model over ``max_memory``, or arrays that are not a valid HMM.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "m.npz")
    >>> from mdmtheory import noisy_walk
    >>> noisy_walk("cycle:4", 0.1, 5).save(path)
    >>> load_hmm(path, 8)
    HMM(h=4, q=4, n=8)
    """
    path = check_input_file(path, "a .npz file with arrays transition, emission, start", " (HMM.save)")
    n = _check_n(n)
    headers = npz_headers(path, "an HMM file holds only transition.npy, emission.npy and start.npy (HMM.save)")
    need = {"transition", "emission", "start"}
    if set(headers) != need:
        raise InputError(f"{path!r} holds arrays {sorted(headers)}; an HMM file holds exactly {sorted(need)}")
    for k, (shape, dtype) in headers.items():
        if dtype.kind not in "biuf":
            raise InputError(f"array {k!r} in {path!r} is not numeric (dtype {dtype}); it must hold real probabilities")
    (tshape, _), (eshape, _), (sshape, _) = (headers[k] for k in ("transition", "emission", "start"))
    if len(tshape) != 2 or tshape[0] != tshape[1] or len(eshape) != 2 or eshape[0] != tshape[0] or sshape != tshape[:1]:
        raise InputError(f"{path!r} holds arrays of shapes transition {tshape}, emission {eshape}, start {sshape}; "
                         "an HMM needs (h, h), (h, q) and (h,)")
    h, q = tshape[0], eshape[1]
    check_memory(8.0 * (3.0 * (float(h) * h + float(h) * q + h) + float(n) * h),
                 f"the HMM {path!r} (h={h} hidden states, q={q} tokens, n={n})", max_memory)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in need}
    except Exception as exc:  # zipfile / numpy format errors of every kind (a corrupt member's data)
        raise InputError(f"{path!r} is not a readable .npz file ({type(exc).__name__}: {exc}); save HMMs with HMM.save") from None
    return HMM(arrays["transition"], arrays["emission"], arrays["start"], n)
