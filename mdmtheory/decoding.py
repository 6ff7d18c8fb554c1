"""The model's own slow decoding: a law with no ground truth, and what decoding fast loses from it.

A model (any oracle: a :class:`~mdmtheory.models.TorchOracle`, a model transform, a table)
decoding **one position per call** in a fixed order ``sigma`` (left to right by default) draws
``x`` from the proper joint law

    pi(x) = prod_{t=1}^{n} p_{sigma_t}(x_{sigma_t} | x_{sigma_1}, ..., x_{sigma_{t-1}}),

the chain rule of the model's own conditionals.  :class:`ModelDecodingLaw` is that law:
``log_prob`` (``n`` batched model calls for any number of sequences), ``sample`` (``n`` batched
calls per batch) and, for small ``n`` and ``q``, the dense table ``joint()``.  It needs no ground
truth, so the KL of a parallel sampler run on the model from it -- :func:`decoding_loss` -- is the
"what do I lose by decoding fast" number of any model.  When the model's conditionals are those
of one joint law (a table's, an HMM's), ``pi`` is that law whatever the order; a trained network
is in general not consistent, and ``pi`` then depends on the order.

What :func:`decoding_loss` gives, by the kind of sampler (the rules of
:mod:`mdmtheory.sampler_estimate`, with ``pi`` as the truth and the model as the model):

* exact (``samples=None``, ``prod q_i`` within ``max_cells``): every sampler that
  :func:`mdmtheory.evaluate` runs with a model: ``kl = KL(pi || nu)``, ``reverse_kl``, ``tv`` and
  the split into marginal and dependence error (from ``pi``'s conditionals, computed from its table:
  the marginal error is then the model's *inconsistency*, its rows against ``pi``'s own conditionals,
  0 for a model whose conditionals are those of one law);
* estimated (``samples=M``, any ``n``): deterministic selections: ``KL(pi || nu)`` by the
  log-ratio on ``x ~ pi`` (the rule's path replayed; ``log nu(x)`` exact per draw), reverse KL and
  TV on the sampler's runs; ``random``: ``E_S KL(pi || nu_S)``; candidate rules at temperature 0:
  reverse KL and TV exactly from the one sequence (``KL(pi || nu)`` is ``inf``); rules drawing
  their sets or candidates at random: ``null`` with the reason (``log nu(x)`` is a sum over
  paths).  The *stepwise* estimator is not offered: it needs ``pi``'s conditionals given any
  revealed set, a sum over completions that only the table gives.
"""

from __future__ import annotations

import numpy as np

from ._numeric import as_rng, check_int
from .errors import InputError
from .exact import evaluate
from .joint import Joint
from .oracles import TableOracle, as_oracle, batch_marginals
from .tolerances import SUM_TOL
from .sampler_estimate import estimate_sampler_divergences

__all__ = ["ModelDecodingLaw", "decoding_loss", "DECODING_MAX_CELLS"]

#: Most cells ``prod q_i`` of the dense table :meth:`ModelDecodingLaw.joint` builds by default
#: (it queries the model at every prefix: about ``prod q_i * q / (q - 1)`` rows).
DECODING_MAX_CELLS = 1 << 20


class ModelDecodingLaw:
    """The law of a model decoding one position per call in a fixed order (module docstring).

    Parameters
    ----------
    model : oracle
        Any object with ``n``, ``q`` and ``conditional_marginals`` (a
        :class:`~mdmtheory.models.TorchOracle`, a model transform, a
        :class:`~mdmtheory.oracles.TableOracle`, ...); queried through
        :func:`mdmtheory.oracles.batch_marginals` (its native batched call where it has one).
    order : sequence of int, optional
        The decoding order, a permutation of ``0..n-1`` (default left to right).
    batch_size : int, default 4096
        Sequences per batched call in :meth:`log_prob` and :meth:`sample` (the model may split
        a call further: a :class:`~mdmtheory.models.TorchOracle` by its own ``batch_size``).

    Attributes
    ----------
    n : int
    q : tuple of int
    order : tuple of int

    Raises
    ------
    InputError
        A model without alphabet sizes ``q``, an order that is not a permutation, a bad
        ``batch_size``; the methods raise it on bad sequences, counts or seeds and on a model
        returning bad rows.

    Notes
    -----
    A context the model refuses (:class:`~mdmtheory.errors.ImpossibleContext`: a table model off
    its support, a transform of one) gets the uniform row on the position's alphabet, the
    convention of :func:`mdmtheory.evaluate` for such contexts, so ``pi`` is always a law (a
    consistent model never reaches such a context with positive probability).  :meth:`conditional_marginals` (the oracle protocol) needs ``pi``'s
    conditionals given any revealed set: computed from :meth:`joint` (small ``n`` only).

    Examples
    --------
    >>> from mdmtheory import parity
    >>> law = ModelDecodingLaw(TableOracle(parity(3)), order=[2, 0, 1])
    >>> bool(np.allclose(law.joint().table, parity(3).table))     # a consistent model: its own law
    True
    >>> law.log_prob([[0, 1, 1], [1, 1, 1]]).round(6).tolist()
    [-1.386294, -inf]
    """

    def __init__(self, model, order=None, batch_size: int = 4096):
        self.model = as_oracle(model)
        self.n = int(self.model.n)
        q = getattr(self.model, "q", None)
        if q is None:
            raise InputError(f"the decoding law needs a model with alphabet sizes q; {type(self.model).__name__} has none")
        self.q = tuple(int(v) for v in np.broadcast_to(np.asarray(q), (self.n,)))
        if order is None:
            order = range(self.n)
        try:
            o = np.asarray(list(order))
            ok = o.ndim == 1 and o.dtype.kind in "iu" and sorted(o.tolist()) == list(range(self.n))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise InputError(f"order must be a permutation of 0..{self.n - 1} (the decoding order); got {order!r:.80}")
        self.order = tuple(int(v) for v in o)
        self.batch_size = check_int(batch_size, "batch_size", lo=1)
        self._table = None
        self._oracle = None

    @property
    def spec(self) -> str:
        what = getattr(self.model, "spec", type(self.model).__name__)
        ltr = self.order == tuple(range(self.n))
        return f"decoding({what}, {'left_to_right' if ltr else 'order=' + ','.join(map(str, self.order))})"

    def __repr__(self) -> str:
        return f"ModelDecodingLaw({self.model!r}, order={list(self.order)})"

    def _rows(self, masks: np.ndarray, vals: np.ndarray, i: int) -> np.ndarray:
        """``(B, q_i)`` rows of position ``i`` (uniform where the model refuses the context)."""
        P = batch_marginals(self.model, masks, vals)
        if P.ndim != 3 or P.shape[:2] != masks.shape or P.shape[2] < self.q[i]:
            raise InputError(f"the model returned batched marginals of shape {P.shape}; expected ({masks.shape[0]}, "
                             f"{self.n}, qmax)")
        R = P[:, i, : self.q[i]].copy()
        refused = np.isnan(R).any(axis=1)
        R[refused] = 1.0 / self.q[i]  # the engines' convention for a context the model refuses
        if np.any(~np.isfinite(R)) or np.any(R < 0) or np.any(np.abs(R.sum(axis=1) - 1.0) > SUM_TOL):
            raise InputError(f"the model returned a row of position {i} that is not a probability distribution; "
                             "return finite non-negative rows summing to 1")
        return R

    # ------------------------------------------------------------------ the law
    def log_prob(self, x) -> np.ndarray:
        """``log pi(x)`` of full sequences (rows): ``n`` batched model calls per
        ``batch_size`` rows; ``-inf`` where ``pi(x) = 0``.

        Raises
        ------
        InputError
            Rows of the wrong length or values out of range.
        """
        x = np.atleast_2d(np.asarray(x))
        if x.ndim != 2 or x.shape[1] != self.n or x.shape[0] < 1 or x.dtype.kind not in "iu" or np.any(x < 0) \
                or np.any(x >= np.array(self.q)):
            raise InputError(f"x must be rows of n = {self.n} tokens, position i in 0..q_i - 1 (q = {list(self.q)})")
        x = x.astype(np.int64)
        out = np.zeros(x.shape[0])
        for lo in range(0, x.shape[0], self.batch_size):
            X = x[lo: lo + self.batch_size]
            B = X.shape[0]
            masks = np.zeros((B, self.n), dtype=bool)
            lp = np.zeros(B)
            for i in self.order:
                R = self._rows(masks, np.where(masks, X, -1), i)
                p = R[np.arange(B), X[:, i]]
                with np.errstate(divide="ignore"):
                    lp += np.log(p)
                masks[:, i] = True
            out[lo: lo + B] = lp
        return out

    def sample(self, rng, m: int) -> np.ndarray:
        """``m`` draws of ``pi`` (``(m, n)`` int64): the model decoding one position per call,
        ``n`` batched calls per ``batch_size`` draws; ``rng`` a seed or a numpy Generator.

        Raises
        ------
        InputError
            A bad count or seed.
        """
        m = check_int(m, "the number of samples", lo=1)
        rng = as_rng(rng)
        out = np.zeros((m, self.n), dtype=np.int64)
        for lo in range(0, m, self.batch_size):
            B = min(self.batch_size, m - lo)
            masks = np.zeros((B, self.n), dtype=bool)
            X = np.zeros((B, self.n), dtype=np.int64)
            for i in self.order:
                R = self._rows(masks, np.where(masks, X, -1), i)
                cum = np.cumsum(R, axis=1)
                X[:, i] = np.minimum((cum <= rng.random(B)[:, None] * cum[:, -1:]).sum(axis=1), self.q[i] - 1)
                masks[:, i] = True
            out[lo: lo + B] = X
        return out

    def joint(self, max_cells: int = DECODING_MAX_CELLS) -> Joint:
        """The dense table of ``pi``: every prefix of the order queried once (batched), the
        chain rule multiplied out.  ``O(prod q_i)`` memory, about ``prod q_i * q / (q - 1)`` rows
        of model calls.

        Raises
        ------
        InputError
            ``prod q_i`` over ``max_cells``.
        """
        max_cells = check_int(max_cells, "max_cells", lo=1)
        cells = int(np.prod([float(v) for v in self.q]))
        if cells > max_cells:
            raise InputError(f"the decoding law's table has {cells} cells, over max_cells = {max_cells}; estimate "
                             "instead (decoding_loss(..., samples=M)) or raise max_cells")
        if self._table is not None:
            return self._table
        prefix = np.zeros((1, 0), dtype=np.int64)  # assignments of order[:t], in order
        prob = np.ones(1)
        for t, i in enumerate(self.order):
            B = prefix.shape[0]
            masks = np.zeros((B, self.n), dtype=bool)
            vals = np.full((B, self.n), -1, dtype=np.int64)
            masks[:, list(self.order[:t])] = True
            vals[:, list(self.order[:t])] = prefix
            R = np.zeros((B, self.q[i]))
            live = prob > 0  # prefixes of probability 0 are not queried
            for lo in range(0, B, self.batch_size):
                sl = np.flatnonzero(live[lo: lo + self.batch_size]) + lo
                if sl.size:
                    R[sl] = self._rows(masks[sl], vals[sl], i)
            qi = self.q[i]
            prob = (prob[:, None] * R).reshape(-1)
            prefix = np.concatenate([np.repeat(prefix, qi, axis=0), np.tile(np.arange(qi), B)[:, None]], axis=1)
        # prefix rows are in lexicographic order of (x_order[0], x_order[1], ...): put the axes back
        table = prob.reshape([self.q[i] for i in self.order]).transpose(np.argsort(self.order))
        self._table = Joint(np.ascontiguousarray(table), normalize=True)
        return self._table

    # ------------------------------------------------------------------ the oracle protocol
    def _table_oracle(self) -> TableOracle:
        if self._oracle is None:
            try:
                self._oracle = TableOracle(self.joint())
            except InputError as exc:
                raise InputError(f"the decoding law's conditionals given any revealed set need its table: {exc}") from None
        return self._oracle

    def conditional_marginals(self, revealed_mask, values) -> np.ndarray:
        """``pi(X_i = v | x_R)`` from :meth:`joint` (small ``n`` and ``q`` only).

        Raises
        ------
        InputError
            The table is over :data:`DECODING_MAX_CELLS`, or bad mask or values;
            :class:`~mdmtheory.errors.ImpossibleContext` on a context of probability 0.
        """
        return self._table_oracle().conditional_marginals(revealed_mask, values)

    def conditional_marginals_batch(self, revealed_masks, values) -> np.ndarray:
        """The batched :meth:`conditional_marginals` (rows of probability 0 all NaN).

        Raises
        ------
        InputError
            As :meth:`conditional_marginals`.
        """
        return self._table_oracle().conditional_marginals_batch(revealed_masks, values)

    #: No exact conditionals given an arbitrary revealed set without the table: the estimators
    #: use ``sample`` and ``log_prob`` only (no stepwise estimate).
    exact_conditionals = False


def decoding_loss(model, sampler, order=None, samples: int | None = None, seed: int = 0, base: float | None = None,
                  confidence: float = 0.95, batch_size: int = 256, max_cells: int = DECODING_MAX_CELLS):
    """What decoding fast loses: the sampler run on ``model`` against the model's own slow
    decoding law ``pi`` (:class:`ModelDecodingLaw`; module docstring for what each sampler gets).

    Parameters
    ----------
    model : oracle
        The model (any oracle with ``q``; a :class:`~mdmtheory.models.TorchOracle`).
    sampler : str or Sampler
    order : sequence of int, optional
        The slow decoding order (default left to right).
    samples : int, optional
        ``None``: exact, :func:`mdmtheory.evaluate` on ``pi``'s table (``prod q_i <= max_cells``).
        ``M``: unbiased estimates with intervals, :func:`mdmtheory.estimate_sampler_divergences`
        with ``pi`` as the truth (any ``n``).
    seed, base, confidence, batch_size
        As :func:`mdmtheory.estimate_sampler_divergences` (``seed``, ``confidence`` and
        ``batch_size`` for the estimates only).
    max_cells : int
        Largest table of the exact path.

    Returns
    -------
    Evaluation or SamplerEstimate
        ``kl`` is ``KL(pi || nu)`` (``random``: ``kl`` of its mixture law exactly, ``E_S KL(pi
        || nu_S)`` when estimated), with ``reverse_kl`` and ``tv``; ``model`` names the model.

    Raises
    ------
    InputError
        A bad model, sampler, order or count; an exact call over ``max_cells``; what the engines
        refuse (a sampler that needs more than the model's marginals, e.g. ``punt``, exactly).

    Examples
    --------
    >>> from mdmtheory import make_sampler, parity
    >>> l2r = make_sampler("left_to_right", schedule=[1, 2])   # X_1, X_2 together given x_0: TC = 1 bit
    >>> round(decoding_loss(TableOracle(parity(3)), l2r, base=2).kl, 12)     # a consistent model: pi = mu
    1.0
    """
    law = ModelDecodingLaw(model, order)
    if samples is None:
        return evaluate(law.joint(max_cells), sampler, base, model=law.model)
    return estimate_sampler_divergences(law, sampler, samples, seed, base, confidence, model=law.model,
                                        batch_size=batch_size)
