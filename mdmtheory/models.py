"""Model oracles: what a sampler queries when it is not the truth.

A *model* is an oracle (:mod:`mdmtheory.oracles`) whose conditional marginals differ from the
truth's: a row transform of a base oracle (:class:`TemperatureOracle`, :class:`SmoothedOracle`,
:class:`TopKOracle`, :class:`TopPOracle`; the transforms :func:`temperature_rows`,
:func:`smooth_rows`, :func:`top_k_rows`, :func:`top_p_rows`, each defined once), the product of
the base's marginals (:class:`MarginalsOracle`), or the user's own function
(:class:`CallableOracle`, validated on every call).  :func:`model_oracle` builds one from the text
of ``--model``.  The engines evaluate a sampler that queries a model against the truth
(docs/theory.md section 2.7).
"""

from __future__ import annotations

import numpy as np

from ._numeric import check_int, check_real
from .errors import InputError
from .oracles import as_oracle, batch_marginals, check_batch_values, check_model_rows, check_oracle_values
from .tolerances import TOL
from .usercode import MODEL_TIMEOUT, call_user, load_bound

__all__ = [
    "MIN_TEMPERATURE", "temperature_rows", "smooth_rows", "top_k_rows", "top_p_rows", "ROW_TRANSFORMS", "ModelOracle",
    "TemperatureOracle", "SmoothedOracle", "TopKOracle", "TopPOracle", "MarginalsOracle", "CallableOracle",
    "MODEL_KINDS", "model_oracle",
]


def _check_rows(P, q) -> tuple[np.ndarray, np.ndarray]:
    try:
        raw = np.asarray(P)
        ok = raw.dtype.kind in "biuf" and raw.dtype.itemsize <= 8  # complex, object, float128: refused, never cast
        P = raw.astype(float) if ok else raw
        qa = np.asarray(q)
        ok = ok and qa.dtype.kind in "iu" and P.ndim >= 2 and qa.shape == (P.shape[-2],) and bool(np.all(np.isfinite(P)))
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise InputError(f"rows must be a finite real (float64) array of shape (..., n, qmax) with n integer alphabet sizes q; "
                         f"got {P!r:.60}, q = {q!r:.40}")
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


#: The smallest positive temperature: below it ``(log p - log max p) / T`` overflows a float64
#: (``T = 0``, the greedy limit, is allowed).
MIN_TEMPERATURE = 1e-300


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
        ``T = 0`` or ``T >=`` :data:`MIN_TEMPERATURE` (``1e-300``).

    Raises
    ------
    InputError
        A negative, NaN or infinite temperature, one in ``(0, 1e-300)`` (``1 / T`` overflows),
        or rows of the wrong shape.

    Examples
    --------
    >>> temperature_rows([[0.8, 0.2]], [2], 0.5).round(6).tolist()
    [[0.941176, 0.058824]]
    >>> temperature_rows([[0.4, 0.4, 0.2]], [3], 0.0).tolist()
    [[0.5, 0.5, 0.0]]
    """
    T = check_real(temperature, "the temperature", 0.0)
    if 0.0 < T < MIN_TEMPERATURE:
        raise InputError(f"the temperature must be 0 (greedy) or >= {MIN_TEMPERATURE:g} (below it 1/T overflows); "
                         f"got {temperature!r}")
    P, qa = _check_rows(P, q)
    on = _alphabet(P, qa) & (P > 0)
    top = P.max(axis=-1, keepdims=True)
    if T == 0.0:
        out = np.where(on & (P >= top - TOL), 1.0, 0.0)
    else:
        with np.errstate(divide="ignore", over="ignore", under="ignore"):  # exp of -inf / tiny: 0
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
    (:data:`mdmtheory.samplers.TOL`), the most likely one always (so ``p <= TOL``, e.g.
    ``1e-300``, keeps the most likely values: greedy, never an empty row); every value tied with
    the last one taken (``p(v) >= p_last - TOL``) is kept too, so the rule does not depend on
    the order of the values.

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
    >>> top_p_rows([[0.5, 0.5]], [2], 1e-13).tolist()    # a tie with the most likely: both kept
    [[0.5, 0.5]]
    """
    p = check_real(p, "top_p", 0.0, lo_open=True, hi=1.0)
    P, qa = _check_rows(P, q)
    srt = -np.sort(-P, axis=-1)
    before = np.cumsum(srt, axis=-1) - srt  # mass of the values strictly ahead in the order
    first = np.arange(P.shape[-1]) == 0  # the most likely value is always taken (p <= TOL: greedy)
    last = np.where((before < p - TOL) | first, srt, np.inf).min(axis=-1, keepdims=True)
    return _keep_renormalised(P, (P >= last - TOL) & (P > 0))


#: Row transforms by the name the CLI's ``--model NAME=VALUE`` uses.
ROW_TRANSFORMS = {"temperature": temperature_rows, "smooth": smooth_rows, "top_k": top_k_rows, "top_p": top_p_rows}


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
    validated on every call (:func:`check_model_rows`: a real array (complex, object and other
    dtypes refused), of the right shape, finite, non-negative, 0 past ``q_i``, masked rows
    summing to 1 within ``SUM_TOL``).  Revealed rows are set to the protocol's point masses
    whatever ``fn`` returns there.

    Each call runs isolated as a bound file is (:func:`mdmtheory.usercode.call_user`): its
    ``print`` goes to standard error, ``sys.exit``, an exception or a call longer than
    ``timeout`` seconds becomes an :class:`InputError` naming the model.

    Parameters
    ----------
    fn : callable
        ``fn(revealed_mask, values)``; ``values`` has ``-1`` at masked positions.
    q : sequence of int
        The alphabet sizes (its length is ``n``).
    name : str, optional
        How results name the model (default ``fn.__name__``).
    timeout : float or None
        Seconds one call may take (default :data:`mdmtheory.usercode.MODEL_TIMEOUT`, 10; enforced
        from the main thread); None for no limit.

    Raises
    ------
    InputError
        ``fn`` not callable, bad ``q`` or ``timeout``; the calls raise it on a bad return value
        (naming the problem), on an exception or ``sys.exit`` in ``fn`` and past the time limit.

    Examples
    --------
    >>> o = CallableOracle(lambda mask, values: np.full((2, 2), 0.5), (2, 2))
    >>> o.conditional_marginals(np.array([True, False]), np.array([0, -1])).tolist()
    [[1.0, 0.0], [0.5, 0.5]]
    """

    kind = "python"

    def __init__(self, fn, q, name: str | None = None, timeout: float | None = MODEL_TIMEOUT):
        if timeout is not None:
            timeout = check_real(timeout, "the model time limit (seconds)", 0.0, lo_open=True)
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
        self.timeout = timeout

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
        rows = call_user(self.fn, (mask.copy(), vals.copy()), f"the model {self.name}", self.timeout)
        out = check_model_rows(rows, mask, self.q, f"the model {self.name}")
        for i in np.flatnonzero(mask):
            out[i, vals[i]] = 1.0
        return out


#: The ``--model`` specs of :func:`model_oracle`.
MODEL_KINDS = ("temperature", "smooth", "top_k", "top_p", "marginals", "python")


def model_oracle(spec: str, base, timeout: float | None = MODEL_TIMEOUT):
    """A model oracle from its text ``spec`` over the truth ``base``.

    ``temperature=T``, ``smooth=A``, ``top_k=K``, ``top_p=P``, ``marginals`` or
    ``python:FILE.py:NAME`` (the function ``NAME(revealed_mask, values)`` of a Python file,
    loaded as the conjecture tester loads a bound file, each call limited to ``timeout`` seconds:
    :class:`CallableOracle`).

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
        return CallableOracle(fn, tuple(int(v) for v in np.broadcast_to(np.asarray(base.q), (base.n,))), name, timeout)
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
