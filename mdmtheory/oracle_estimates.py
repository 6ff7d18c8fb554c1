"""Unbiased estimates with intervals for any "oracle with samples" (an :class:`~mdmtheory.hmm.HMM`,
a :class:`~mdmtheory.markov.ChainOracle`, a user's model: an object with ``n``, ``sample(rng, m)``,
``conditional_marginals(revealed_mask, values)`` and, where needed, ``log_prob`` and
``leave_one_out``), at any ``n``:

* :func:`estimate_information_curve` -- the information curve ``Z`` (:class:`CurveEstimate`);
* :func:`estimate_fixed_order_divergences` -- ``KL(mu || nu_S)``, ``KL(nu_S || mu)`` and ``TV`` of
  a fixed-order sampler (:class:`DivergenceEstimate`);
* :func:`estimate_random_order_kl`, :func:`estimate_total_correlation`,
  :func:`estimate_dual_total_correlation` -- one :class:`~mdmtheory.estimate.Estimate` each.

Every estimate is the mean of exact per-draw terms (unbiased), with Hall's skewness-corrected t interval of
:func:`mdmtheory._numeric.mean_interval`.  The theory: ``docs/hmm.md`` (section H.4 and on).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ._lazy import lazy_function
from ._numeric import INTERVAL_METHOD, as_rng, int_list, is_int, mean_interval, t_quantile
from .errors import ImpossibleContext, InputError
from .estimate import Estimate, check_confidence, check_oracle, check_samples, inf_safe, mean_estimate, oracle_call
from .information import unit_scale, unit_name
from .schedules import as_schedule

entr = lazy_function("scipy.special", "entr")

__all__ = [
    "CurveEstimate",
    "estimate_information_curve",
    "DivergenceEstimate",
    "estimate_fixed_order_divergences",
    "estimate_random_order_kl",
    "estimate_total_correlation",
    "estimate_dual_total_correlation",
]


def _sets(sets, n: int) -> list[list[int]]:
    """An ordered partition of ``0..n-1`` (non-empty steps)."""
    if isinstance(sets, (str, bytes, dict)) or not hasattr(sets, "__iter__"):
        raise InputError(f"the sets must be a sequence of steps (lists of positions); got {sets!r}")
    blocks = [int_list(S, "every step") for S in sets]
    if any(len(S) == 0 for S in blocks) or sorted(i for S in blocks for i in S) != list(range(n)):
        raise InputError(f"the sets must partition the positions 0..{n - 1} into non-empty steps, each exactly once")
    return blocks


# ------------------------------------------------------------------ curve estimate
@dataclass(frozen=True)
class CurveEstimate:
    """An unbiased estimate of the information curve with 95% (or other) intervals.

    Attributes
    ----------
    j : numpy.ndarray
        The indices ``j`` (1-based) estimated.
    estimate, stderr, lower, upper : numpy.ndarray
        Per ``j``: the mean, its standard error, and the interval (Hall's skewness-corrected t, :func:`mdmtheory._numeric.mean_interval`).
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
    >>> from mdmtheory import block_hmm
    >>> est = estimate_information_curve(block_hmm(2, 2, 6), samples=4, seed=0, js=[1, 6])
    >>> sorted(est.to_dict())
    ['confidence', 'estimate', 'estimator', 'interval', 'interval_method', 'j', 'samples', 'seed', 'stderr', 'unit']
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
            "interval_method": INTERVAL_METHOD,
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
        an :class:`~mdmtheory.hmm.HMM`, a :class:`~mdmtheory.markov.ChainOracle`, or a user's own model.
    samples : int, default 100
        Number of independent draws ``M >= 2``.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng` (samples and subsets).
    js : sequence of int, optional
        The ``j`` in ``1..n`` to estimate (default: all).
    base : float, optional
        Logarithm base (nats by default; 2 for bits).
    confidence : float, default 0.95
        Coverage of the intervals (Hall's skewness-corrected t).

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
    its own).  For ``j = n``, an oracle with ``leave_one_out(x)`` (an :class:`~mdmtheory.hmm.HMM`) gives
    ``H(X_i | x_{-i})`` for every ``i`` in one call, and ``Y_n`` averages over all ``i``
    (same mean, lower variance).  Cost: ``M |js|`` oracle calls (``O(n h^2)`` each for an HMM).  The estimate
    feeds ``schedule --curve`` like an exact curve, with its intervals as the caveat.

    Examples
    --------
    >>> from mdmtheory import HMM
    >>> m = HMM([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=3)
    >>> est = estimate_information_curve(m, samples=20, seed=1, base=2)
    >>> est.estimate.round(12).tolist(), est.stderr.tolist()    # a copy: no randomness left
    ([0.0, 1.0, 1.0], [0.0, 0.0, 0.0])
    """
    n = check_oracle(oracle, ("conditional_marginals", "sample"))
    check_samples(samples, n)
    check_confidence(confidence)
    J = np.arange(1, n + 1) if js is None else np.array(sorted(set(int_list(js, "js"))), dtype=np.int64)
    if J.size == 0 or J[0] < 1 or J[-1] > n:
        raise InputError(f"js must be indices in 1..n = {n}; got {js!r}")
    M = int(samples)
    rng = as_rng(seed)
    X = np.asarray(oracle.sample(rng, M))
    if X.shape != (M, n):
        raise InputError(f"oracle.sample returned shape {X.shape}; expected ({M}, {n})")
    none = np.zeros(n, dtype=bool)
    H0 = entr(oracle_call(oracle, none, X[0])).sum(axis=1)
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
            Hc = entr(oracle_call(oracle, mask, x)).sum(axis=1)
            free = ~mask
            Y[r, c] = float(np.mean(H0[free] - Hc[free]))
    scale = unit_scale(base)
    Y *= scale
    est, se, (lo, hi) = mean_interval(Y.T, t_quantile(confidence, M - 1))  # one interval a j
    return CurveEstimate(J, est, se, lo, hi, M, int(seed) if is_int(seed, 0) else -1, float(confidence), unit_name(base))


# ------------------------------------------------------- fixed-order divergences
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
        Hall's skewness-corrected t interval at ``confidence`` (:func:`mdmtheory._numeric.mean_interval`).
    samples : int
        Draws from ``mu`` (for ``kl``) and, separately, from ``nu`` (for the others).
    seed : int
    confidence : float
    unit : str
    estimator : str

    Examples
    --------
    >>> from mdmtheory import block_hmm
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
            out[k] = inf_safe(getattr(self, k))
            out[f"{k}_stderr"] = inf_safe(getattr(self, f"{k}_stderr"))
            out[f"{k}_interval"] = [inf_safe(v) for v in getattr(self, f"{k}_interval")]
        out.update(samples=int(self.samples), seed=int(self.seed), confidence=float(self.confidence),
                   unit=self.unit, estimator=self.estimator, interval_method=INTERVAL_METHOD)
        return out


def _log_nu(model, x: np.ndarray, idx: list) -> float:
    """``log nu_S(x) = sum_t sum_{i in S_t} log mu(x_i | x_{T_t})``: one oracle call a step."""
    mask = np.zeros(x.size, dtype=bool)
    lnu = 0.0
    for S in idx:
        p = oracle_call(model, mask, x)[S, x[S]]
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
        ``log_prob(x) -> log mu`` of full sequences (rows): an :class:`~mdmtheory.hmm.HMM` or a
        :class:`~mdmtheory.markov.ChainOracle`.  ``conditional_marginals`` must raise
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
    exact per-draw terms: unbiased, with Hall's skewness-corrected t intervals.  A draw of ``nu`` with ``mu = 0``
    makes ``KL(nu || mu) = inf`` exactly (reported as such; its TV term is 1).  Cost:
    ``2 M k`` oracle calls and ``2 M`` likelihoods, ``O(M k n h^2)`` for an HMM.  Where both
    apply, the dense :func:`mdmtheory.fixed_order_kl` and :meth:`MarkovChain.fixed_order_kl`
    give the exact values (tested against these estimates).

    Examples
    --------
    >>> from mdmtheory import block_bisection_partition, order_m_chain
    >>> m = order_m_chain(np.full((2, 2, 2), 0.5) + [0.3, -0.3], 40)
    >>> est = estimate_fixed_order_divergences(m, block_bisection_partition(40, 2), samples=20)
    >>> abs(est.kl) < 1e-9 and abs(est.reverse_kl) < 1e-9 and est.tv < 1e-9   # exact sampler
    True
    """
    n = check_oracle(model, ("conditional_marginals", "sample", "log_prob"))
    blocks = _sets(sets, n)
    check_samples(samples, n)
    check_confidence(confidence)
    M = int(samples)
    rng = as_rng(seed)
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
                marg = oracle_call(model, mask, Y[r])[S]
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
    sc = unit_scale(base)
    kl, kl_se, kl_iv = mean_interval(fwd * sc, tq)
    rk, rk_se, rk_iv = mean_interval(rev * sc, tq)
    tvm, tv_se, tv_iv = mean_interval(tv, tq)
    return DivergenceEstimate(kl, kl_se, kl_iv, rk, rk_se, rk_iv, tvm, tv_se, tv_iv, M, int(seed) if is_int(seed, 0) else -1, float(confidence),
                              unit_name(base), "log-ratio (exact per-draw log mu - log nu along the fixed order)")


def estimate_random_order_kl(model, schedule, samples: int = 1000, seed: int = 0, base: float | None = None,
                             confidence: float = 0.95) -> Estimate:
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
    Estimate

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
    >>> from mdmtheory import HMM
    >>> m = HMM(np.eye(2), np.eye(2), "uniform", n=4)                  # a copy of a fair bit
    >>> est = estimate_random_order_kl(m, [3, 1], samples=10, base=2)  # (s_1 - 1) log q
    >>> round(est.value, 12), est.stderr
    (2.0, 0.0)
    """
    n = check_oracle(model, ("conditional_marginals", "sample", "log_prob"))
    try:
        sched = as_schedule(schedule, n)
    except (TypeError, ValueError, OverflowError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"the schedule must be positive integer step sizes summing to n = {n}; got {schedule!r}") from None
    check_samples(samples, n)
    check_confidence(confidence)
    M = int(samples)
    rng = as_rng(seed)
    X = np.asarray(model.sample(rng, M), dtype=np.int64)
    log_mu = np.asarray(model.log_prob(X), dtype=np.float64)
    cuts = np.asarray(sched.nodes)
    y = np.empty(M)
    for r in range(M):
        perm = rng.permutation(n)
        idx = [perm[a:b] for a, b in zip(cuts[:-1], cuts[1:])]
        y[r] = log_mu[r] - _log_nu(model, X[r], idx)
    return mean_estimate(y, confidence, int(seed) if is_int(seed, 0) else -1, unit_scale(base), unit_name(base),
                         "log-ratio over random orders (exact per-draw log mu - log nu_S)", "E_S KL(mu || nu_S), random order")


def estimate_total_correlation(model, samples: int = 1000, seed: int = 0, base: float | None = None,
                               confidence: float = 0.95) -> Estimate:
    """Unbiased estimate of ``TC = sum_i H(X_i) - H(X)`` (and so of ``H(X)``) with an interval.

    Parameters
    ----------
    model : object
        An oracle with samples and ``log_prob`` (:class:`~mdmtheory.hmm.HMM`, :class:`~mdmtheory.markov.ChainOracle`).
    samples : int, default 1000
        Draws ``M >= 2`` from ``mu``.
    seed : int, default 0
    base : float, optional
    confidence : float, default 0.95

    Returns
    -------
    Estimate
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
    >>> from mdmtheory import HMM
    >>> m = HMM(np.eye(2), np.eye(2), "uniform", n=5)     # a copy of a fair bit: TC = 4 bits
    >>> round(estimate_total_correlation(m, samples=10, base=2).value, 12)
    4.0
    """
    n = check_oracle(model, ("conditional_marginals", "sample", "log_prob"))
    check_samples(samples, n)
    check_confidence(confidence)
    M = int(samples)
    rng = as_rng(seed)
    X = np.asarray(model.sample(rng, M), dtype=np.int64)
    singles = float(entr(oracle_call(model, np.zeros(n, dtype=bool), X[0])).sum())
    y = singles + np.asarray(model.log_prob(X), dtype=np.float64)
    return mean_estimate(y, confidence, int(seed) if is_int(seed, 0) else -1, unit_scale(base), unit_name(base),
                         "exact marginal entropies + mean exact log-likelihood", "TC")


def estimate_dual_total_correlation(model, samples: int = 1000, seed: int = 0, base: float | None = None,
                                    confidence: float = 0.95) -> Estimate:
    """Unbiased estimate of ``DTC = H(X) - sum_i H(X_i | X_{-i})`` with an interval.

    Parameters
    ----------
    model : object
        Has ``n``, ``sample``, ``log_prob`` and ``leave_one_out(x)`` (all ``mu(x_i | x_{-i})``
        of a full sequence in one call): an :class:`~mdmtheory.hmm.HMM` (a chain: :meth:`~mdmtheory.hmm.HMM.from_chain`).
    samples : int, default 1000
    seed : int, default 0
    base : float, optional
    confidence : float, default 0.95

    Returns
    -------
    Estimate
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
    >>> from mdmtheory import HMM
    >>> m = HMM(np.eye(2), np.eye(2), "uniform", n=5)     # a copy of a fair bit: DTC = 1 bit
    >>> round(estimate_dual_total_correlation(m, samples=10, base=2).value, 12)
    1.0
    """
    if not callable(getattr(model, "leave_one_out", None)):
        raise InputError("DTC needs a model with leave_one_out(x) (an HMM; wrap a chain with HMM.from_chain)")
    check_samples(samples, check_oracle(model, ("sample", "log_prob", "leave_one_out")))
    check_confidence(confidence)
    M = int(samples)
    rng = as_rng(seed)
    X = np.asarray(model.sample(rng, M), dtype=np.int64)
    log_mu = np.asarray(model.log_prob(X), dtype=np.float64)
    y = np.array([-log_mu[r] - float(entr(np.asarray(model.leave_one_out(X[r]))).sum()) for r in range(M)])
    return mean_estimate(y, confidence, int(seed) if is_int(seed, 0) else -1, unit_scale(base), unit_name(base),
                         "mean exact -log-likelihood - exact leave-one-out entropies", "DTC")
