"""Unbiased estimates of every sampler's divergences beyond enumeration: tables, chains, HMMs.

:func:`estimate_sampler_divergences` takes a truth ``mu`` (a :class:`~mdmtheory.joint.Joint`, a
:class:`~mdmtheory.MarkovChain`, an :class:`~mdmtheory.hmm.HMM` or any oracle with samples), a
sampler (a name or a :class:`~mdmtheory.samplers.Sampler`) and optionally a *model* oracle the
sampler queries instead of the truth, and returns a :class:`SamplerEstimate`: every number with
its standard error, interval, sample count, seed, estimator name and unit, or ``None`` with the
reason it is not estimated.

What is estimable, by the kind of rule (docs/theory.md sections 5.9 and 5.10; the definitions of
:func:`mdmtheory.walk_divergences`):

* **Deterministic selection** (the selection is a function of the revealed values; values drawn
  from the model's marginals): the path of a run is a function of its output ``x``, so
  ``log nu(x) = sum_t sum_{i in S_t} log p_i(x_i | x_{R_t})`` is exact per ``x``.
  ``KL(mu || nu) = E_{x ~ mu}[log mu(x) - log nu(x)]`` (the path replayed on exact draws of
  ``mu``), and ``KL(nu || mu)``, ``TV = E_nu[max(0, 1 - mu/nu)]`` on the sampler's own runs.
  The lower-variance *stepwise* estimator averages, over ``x ~ mu``, the exact per-step terms
  ``TC(X_S | x_R) + sum_{i in S} KL(mu_i(. | x_R) || p_i(. | x_R))`` of the visited steps (the
  second term is 0 when the model is the truth): by the tower rule its mean is ``KL(mu || nu)``.
* **Candidate rules at temperature 0** (``llada`` with ``low_confidence``, ``fast_dllm``,
  ``frechet_profile``, ``dream`` with a ranking ``alg`` and no ``alg_temp``): candidates are argmaxes, so a run is a
  fixed sequence ``y`` and ``nu`` is the point mass at it: ``KL(nu || mu) = -log mu(y)`` and
  ``TV = 1 - mu(y)`` exactly; ``KL(mu || nu)`` is the log-ratio mean (``inf`` unless ``mu`` is the
  same point mass).
* **random order**: ``E_S KL(mu || nu_S)`` (the order and ``x ~ mu`` drawn together; Chen-Cong-Li's
  quantity, the same as :func:`mdmtheory.oracle_estimates.estimate_random_order_kl` when the model is the
  truth).  ``KL(mu || E_S nu_S)``, the KL of the random sampler's own (mixture) law, its reverse
  KL and TV need ``nu(x)``, a sum over orders, and are **not** estimated.
* **Other randomised rules** (candidates at temperature > 0, ``dream`` ``origin`` or
  ``alg_temp``, ``llada`` ``remasking=random``, ``punt``): ``log nu(x)`` is a sum over the
  selection paths, not computable per sample; the divergences are ``None`` with a reason.  What
  is estimated from the sampler's own runs: the expected number of model calls and the mass
  ``nu(mu > 0)`` the sampler puts on the truth's support (``TV >= 1 - nu(mu > 0)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ._lazy import lazy_function
from ._numeric import INTERVAL_METHOD, check_int, check_seed, clamp_nonneg
from .errors import ImpossibleContext, InputError, check_memory
from .estimate import Estimate, check_confidence, check_samples, mean_estimate, oracle_call
from .estimate import set_entropy, set_total_correlation_batch
from .graphs import STOCHASTIC_TOL
from .information import unit_scale, unit_name
from .oracles import TableOracle, as_oracle
from .exact import optimal_policy
from .batch_step import draw_batch
from .progress import progress
from .samplers import Sampler, SamplerState, make_sampler
from .walks import wilson_interval

entr = lazy_function("scipy.special", "entr")
rel_entr = lazy_function("scipy.special", "rel_entr")

__all__ = ["SamplerEstimate", "estimate_sampler_divergences", "path_kind"]

#: Estimator names (reported with every estimate).
KL_LOG_RATIO = "log-ratio on x ~ mu (the rule's path replayed on exact draws; exact log mu - log nu per draw)"
KL_STEPWISE = ("stepwise on x ~ mu (exact TC(X_S | x_R) + sum_i KL(mu_i || model_i) of every visited step, "
               "summed over the path)")
REVERSE_LOG_RATIO = ("log-ratio on x ~ nu (the sampler's own runs; exact log nu - log mu per draw; on a table, +inf "
                     "for a run whose visited step can draw values impossible under mu)")
TV_ESTIMATOR = "mean of max(0, 1 - mu/nu) on the sampler's own runs (exact per draw)"
CALLS_ESTIMATOR = "mean model calls of the sampler's own runs"
SUPPORT_ESTIMATOR = "fraction of the sampler's own runs with mu > 0 (Wilson interval)"
DEPENDENCE_ESTIMATOR = "stepwise on x ~ mu: the TC(X_S | x_R) part (exact per visited step, summed over the path)"
MARGINAL_ESTIMATOR = "stepwise on x ~ mu: the sum_i KL(mu_i || model_i) part (exact per visited step, summed over the path)"
POINT_MASS = "exact: at temperature 0 every run gives the same sequence y (nu is a point mass)"

#: Most oracle calls the stepwise estimator spends on one visited step's ``TC(X_S | x_R)`` on a
#: truth without a table (``q^(|S|-1)``, the chain rule of :func:`mdmtheory.estimate.set_entropy`; its
#: own limit, :data:`mdmtheory.estimate.MAX_SET_CALLS`, is for a single call, not one a step and draw).
#: Past it the log-ratio estimator is the ``kl``.
STEPWISE_MAX_CALLS = 1024

#: Conditional-TC values a table truth keeps per call (contexts repeat across draws).
TC_CACHE_ENTRIES = 65_536


def path_kind(sampler: Sampler) -> str:
    """How a run's path depends on its randomness: ``"deterministic"`` (selection a function of
    the revealed values, values drawn from the marginals), ``"point_mass"`` (candidates are
    argmaxes and the selection deterministic: every run is the same), ``"random_order"``
    (``random``), or ``"random"`` (sets or candidates drawn at random).

    Raises
    ------
    InputError
        ``sampler`` not a :class:`~mdmtheory.samplers.Sampler`.

    Examples
    --------
    >>> [path_kind(make_sampler(s)) for s in ("entropy", "llada", "random", "punt")]
    ['deterministic', 'point_mass', 'random_order', 'random']
    """
    if not isinstance(sampler, Sampler):
        raise InputError(f"expected a Sampler (make_sampler(name, ...)); got {type(sampler).__name__}")
    return sampler.path_kind()


@dataclass(frozen=True)
class SamplerEstimate:
    """Estimates of a sampler's divergences from the truth, each with its interval.

    Attributes
    ----------
    sampler : str
    params : dict
    n : int
    path : str
        :func:`path_kind` of the sampler.
    quantity : str
        What ``kl`` estimates: ``"KL(mu || nu)"`` or, for ``random``, ``"E_S KL(mu || nu_S)"``.
    kl : Estimate or None
        The preferred estimate of ``quantity``: the stepwise one where it is exact per step,
        else the log-ratio one (``kl.estimator`` says which).
    kl_log_ratio, kl_stepwise : Estimate or None
        Both estimators of ``quantity`` (``None`` where one does not apply; see ``reasons``).
    reverse_kl, tv : Estimate or None
        ``KL(nu || mu)`` and ``TV(mu, nu)`` from the sampler's own runs.
    expected_calls : Estimate
        Mean model calls of one run (``punt``: its anchor/test rounds counted).
    support : Estimate or None
        ``nu(mu > 0)`` from the sampler's own runs (needs the truth's ``log_prob``).
    samples, seed : int
    confidence : float
    unit : str
    model : str
        ``"truth"`` or the model's ``repr``.
    reasons : dict
        ``name -> why it is None`` for every estimate left out.
    dependence_error, marginal_error : Estimate or None
        The two parts of the stepwise estimate (``kl_stepwise = dependence_error +
        marginal_error`` draw by draw): the mean over ``x ~ mu`` of ``sum_t TC(X_S | x_R)`` (what
        sampling ``S`` independently loses) and of ``sum_t sum_{i in S} KL(mu_i(. | x_R) ||
        model_i(. | x_R))`` (what the model's marginals get wrong; exactly 0 when the model is the
        truth).  ``None`` where the stepwise estimate is.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> r = estimate_sampler_divergences(copy(3), "bisection", samples=20, base=2)
    >>> r.kl.value, r.kl.estimator.split()[0]     # copies: the first step reveals them all
    (0.0, 'stepwise')
    """

    sampler: str
    params: dict
    n: int
    path: str
    quantity: str
    kl: Estimate | None
    kl_log_ratio: Estimate | None
    kl_stepwise: Estimate | None
    reverse_kl: Estimate | None
    tv: Estimate | None
    expected_calls: Estimate | None
    support: Estimate | None
    samples: int
    seed: int
    confidence: float
    unit: str
    model: str
    reasons: dict = field(default_factory=dict)
    dependence_error: Estimate | None = None
    marginal_error: Estimate | None = None

    def to_dict(self) -> dict:
        """JSON-ready dict (strict: infinities as ``"inf"``): flat ``kl``, ``kl_stderr``,
        ``kl_interval``, ``kl_estimator`` (and the same for ``reverse_kl``, ``tv``,
        ``expected_calls``, ``support``; ``None`` where not estimated), the two KL estimators in
        full under ``kl_log_ratio`` / ``kl_stepwise``, ``not_estimated`` (the reasons),
        ``interval_method`` (Hall's skewness-corrected t; Wilson for ``support``) and
        ``too_skewed`` (the estimates whose terms are too skewed for the sample size, Cochran's
        rule: their intervals may cover less than ``confidence``; take more samples).

        Raises
        ------
        InputError
            Never: a result holds validated values only.
        """
        out = {"sampler": self.sampler, "params": dict(self.params), "n": int(self.n), "path": self.path,
               "quantity": self.quantity}
        for k in ("kl", "reverse_kl", "tv", "expected_calls", "support"):
            e = getattr(self, k)
            if e is None:
                out.update({k: None, f"{k}_stderr": None, f"{k}_interval": None, f"{k}_estimator": None})
            else:
                out.update(e.flat(k, strict=True), **{f"{k}_estimator": e.estimator})
        for k in ("kl_log_ratio", "kl_stepwise"):
            e = getattr(self, k)
            out[k] = None if e is None else e.to_dict()
        for k in ("dependence_error", "marginal_error"):
            e = getattr(self, k)
            out.update({k: None, f"{k}_stderr": None, f"{k}_interval": None} if e is None else e.flat(k, strict=True))
        out.update(samples=int(self.samples), seed=int(self.seed), confidence=float(self.confidence), unit=self.unit,
                   model=self.model, not_estimated=dict(self.reasons), interval_method=INTERVAL_METHOD,
                   too_skewed=[k for k in ("kl", "kl_log_ratio", "kl_stepwise", "reverse_kl", "tv", "expected_calls")
                               if getattr(self, k) is not None and getattr(self, k).too_skewed])
        return out


# ------------------------------------------------------------------ one step of a run
def _qs(oracle, n: int, width: int) -> np.ndarray:
    q = getattr(oracle, "q", None)
    if q is None:
        return np.full(n, width, dtype=np.int64)
    return np.broadcast_to(np.asarray(q, dtype=np.int64), (n,)).copy()


def _marginals(oracle, mask: np.ndarray, vals: np.ndarray, width: int, q: np.ndarray, uniform: bool = False) -> np.ndarray:
    """The oracle's marginals, padded to ``width`` columns and checked against the alphabets
    ``q`` (no mass past ``q_i``).  With ``uniform``: on a context the oracle refuses
    (:class:`ImpossibleContext`, probability 0) the uniform law on each alphabet, the convention
    of :func:`mdmtheory.evaluate` (the divergences do not depend on it; the number of calls
    does); without, the refusal propagates."""
    try:
        P = oracle.conditional_marginals(mask, vals)
    except ImpossibleContext:  # the protocol's answer to a context of probability 0
        if not uniform:
            raise
        P = (np.arange(width)[None, :] < q[:, None]) / q[:, None].astype(float)
        P[mask] = 0.0
        P[mask, vals[mask]] = 1.0
    try:
        P = np.asarray(P, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("the oracle returned something that is not an (n, q) array of probabilities") from None
    if P.ndim != 2 or P.shape[0] != mask.size or P.shape[1] > width:
        raise InputError(f"the oracle returned marginals of shape {P.shape}; expected ({mask.size}, q) with q <= {width}")
    if P.shape[1] < width:
        P = np.concatenate([P, np.zeros((P.shape[0], width - P.shape[1]))], axis=1)
    if not np.all(np.isfinite(P)) or np.any(P < 0):
        raise InputError("the oracle returned marginals with negative, NaN or infinite entries")
    past = (np.arange(width)[None, :] >= q[:, None]) & ~mask[:, None]
    if np.any(P[past] != 0):
        i = int(np.flatnonzero(np.any(past & (P != 0), axis=1))[0])
        raise InputError(f"the oracle put mass on values past the alphabet of position {i} (q_{i} = {int(q[i])}); "
                         "entries past q_i must be 0")
    dev = np.abs(P[~mask].sum(axis=1) - 1.0)
    if dev.size and dev.max() > STOCHASTIC_TOL:
        raise InputError(f"the oracle returned a masked position's marginal summing to {1.0 - dev.max():g} or "
                         f"{1.0 + dev.max():g}, not 1 (tolerance {STOCHASTIC_TOL}); normalise its rows")
    return P


class _Runner:
    """Runs a sampler against a model oracle, one step at a time: :meth:`Sampler.draw`, the one
    drawn step (the rule functions of ``mdmtheory/_kernels/rules.py``), with the model's
    pairwise laws (``punt_pairwise``) and its marginals given ``punt``'s anchors."""

    def __init__(self, sampler: Sampler, model, n: int, q: np.ndarray, width: int):
        self.sampler, self.model, self.n, self.q, self.width = sampler, model, n, q, width
        self.kind = path_kind(sampler)

    def state(self, P, mask, vals, t) -> SamplerState:
        pair_mi = None
        if "pair_test" in self.sampler.rule.needs:
            def pair_mi(i, j, mask=mask, vals=vals, P=P):
                try:
                    hij = set_entropy(self.model, mask, vals, [int(i), int(j)])
                except ImpossibleContext:  # a context of probability 0: 0, the convention of mdmtheory.evaluate
                    return 0.0
                return float(entr(P[i]).sum() + entr(P[j]).sum() - hij)

        def rows(anchors: dict, mask=mask, vals=vals):  # the model's marginals given the anchors' values
            m2, v2 = mask.copy(), vals.copy()
            for i, v in anchors.items():
                m2[i], v2[i] = True, v
            try:
                return _marginals(self.model, m2, v2, self.width, self.q)
            except ImpossibleContext:  # the anchors' values have probability 0
                return None

        # the marginals as the oracle gave them (the rule reads the masked rows only)
        return SamplerState(self.n, mask, vals, P, step=t, pair_mi=pair_mi, q=self.q, conditional_rows=rows)

    def select(self, P, mask, vals, t, rng=None):
        """``(S, candidate values or None, log-probability of those candidates, model calls)`` of
        one step (:meth:`Sampler.draw`)."""
        return self.sampler.draw(self.state(P, mask, vals, t), rng, point_mass=self.kind == "point_mass")

    def select_batch(self, Ps, masks, vals, ts, rngs=None):
        """``(selected, values or None, calls)`` of one step of each of ``B`` runs (as
        :func:`mdmtheory.batch_step.draw_batch`): that itself, or :meth:`select` run by run for the rules
        that query the oracle beyond the marginals."""
        if not self.sampler.rule.needs:
            return draw_batch(self.sampler, Ps, masks, ts, rngs, self.q, self.kind == "point_mass")
        B = len(ts)
        sel, out, calls = np.zeros((B, self.n), dtype=bool), np.full((B, self.n), -1, dtype=np.int64), np.zeros(B, np.int64)
        for a in range(B):
            S, cand, _, calls[a] = self.select(Ps[a], masks[a], vals[a], ts[a], None if rngs is None else rngs[a])
            sel[a, S] = True
            if cand is not None:
                out[a, S] = cand
        return sel, (out if self.sampler.rule.candidates else None), calls


# ------------------------------------------------------------------ exact per-step terms
class _StepTC:
    """``TC(X_S | x_R)`` under the truth: 0 for one position, a slice of the table (cached), or
    the chain rule of :func:`mdmtheory.estimate.set_total_correlation_batch` for all the live runs
    of a step together, within :data:`STEPWISE_MAX_CALLS` oracle rows a run; not past it."""

    def __init__(self, truth, q: np.ndarray):
        self.truth, self.q = truth, q
        self.table = truth.joint.table if isinstance(truth, TableOracle) else None
        self.cache: dict = {}

    def feasible(self, S) -> bool:
        """Whether the step's TC is exact and affordable (one position, a table, or within
        :data:`STEPWISE_MAX_CALLS` oracle calls)."""
        return len(S) <= 1 or self.table is not None or float(np.max(self.q[S])) ** (len(S) - 1) <= STEPWISE_MAX_CALLS

    def batch(self, masks, vals, sets, Pmus) -> np.ndarray | int:
        """The TCs of one step of the live runs (``masks``, ``vals`` their rows, ``sets`` their
        ``S``): slices of the table run by run, else every run's chain rule together
        (:func:`mdmtheory.estimate.set_total_correlation_batch`); the index of the first run
        whose step is not :meth:`feasible` in place of the array."""
        if self.table is not None:
            return np.array([self(masks[a], vals[a], S, Pmus[a]) for a, S in enumerate(sets)])
        for a, S in enumerate(sets):
            if not self.feasible(S):
                return a
        tc = set_total_correlation_batch(self.truth, masks, vals, sets)
        if np.any(np.isnan(tc)):
            raise ImpossibleContext("a revealed context of a draw has probability 0 under the truth")
        return tc

    def slice(self, mask, vals, S) -> np.ndarray:
        """``mu(x_R, x_S)`` over the values of ``S`` (increasing positions, one axis each): the
        table at the revealed values, summed over the other masked positions."""
        sub = self.table[tuple(int(v) if r else slice(None) for r, v in zip(mask, vals))]
        inS = set(int(i) for i in S)
        other = tuple(a for a, i in enumerate(np.flatnonzero(~mask)) if int(i) not in inS)
        return sub.sum(axis=other) if other else sub

    def __call__(self, mask, vals, S, Pmu) -> float:
        """One run's TC on a table truth (a slice of the table, cached)."""
        if len(S) == 1:
            return 0.0
        key = (mask.tobytes(), vals.tobytes(), S.tobytes())
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        J = self.slice(mask, vals, S)
        J = J / J.sum()
        singles = float(entr(Pmu[S]).sum())
        tc = clamp_nonneg(singles - float(entr(J).sum()), "a conditional total correlation", scale=singles)
        if len(self.cache) < TC_CACHE_ENTRIES:
            self.cache[key] = tc
        return tc

    def off_support(self, mask, vals, S, P) -> bool:
        """Whether the step that draws ``x_S`` from the product of ``P``'s rows (the sampler's
        marginals) at ``x_R`` gives positive probability to values of probability 0 under the
        truth's ``mu(x_S | x_R)`` (a table: a slice; cached).  A visited step that does proves
        ``KL(nu || mu) = inf`` (docs/theory.md section 5.10)."""
        key = (b"support", mask.tobytes(), vals.tobytes(), S.tobytes(), (P[S] > 0).tobytes())
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        possible = self.slice(mask, vals, S) > 0
        drawn = np.ones((), dtype=bool)
        for i in S:  # positions in increasing order, the axes of the slice
            drawn = np.multiply.outer(drawn, P[int(i), :self.table.shape[int(i)]] > 0)
        off = bool(np.any(drawn & ~possible))
        if len(self.cache) < TC_CACHE_ENTRIES:
            self.cache[key] = off
        return off



# ------------------------------------------------------------------ runs in lockstep
def _run_sums(terms: np.ndarray, sel: np.ndarray) -> np.ndarray:
    """Each run's sum of its ``terms`` (``terms`` flat over ``sel``'s entries, row by row), each
    summed as the 1-D array of that run's terms (rows of equal size stacked: numpy sums a row of
    a C-contiguous array in the 1-D array's order)."""
    k = sel.sum(axis=1)
    start = np.cumsum(k) - k
    out = np.zeros(sel.shape[0])
    for size in np.unique(k[k > 0]):
        rows = np.flatnonzero(k == size)
        out[rows] = terms[start[rows, None] + np.arange(size)].sum(axis=1)
    return out


def _reveal(masks, valss, live, sel, values, ts, bar, n: int, scale: float = 1.0) -> np.ndarray:
    """Reveal the selected positions ``sel`` (one row a live run) with ``values``; the live runs
    still running."""
    rows, cols = np.nonzero(sel)
    masks[live[rows], cols] = True
    valss[live[rows], cols] = values[rows, cols]
    ts[live] += 1
    bar.update(rows.size / n * scale)  # a run counts 1 once all its positions are revealed
    return live[~masks[live].all(axis=1)]


def _chunks(m: int, size: int):
    """``(lo, hi, live)`` for the chunks of ``size`` runs of ``m``; ``live`` the run slots of a
    chunk still running (an array; the loops drop finished runs from it)."""
    for lo in range(0, m, size):
        hi = min(m, lo + size)
        yield lo, hi, np.arange(hi - lo)


class _BatchOracle:
    """The batched call of an oracle for ``size`` runs in lockstep: the library's oracles through
    their native batch call (an HMM through its :class:`~mdmtheory.hmm.HMMBatchCursor`, which
    keeps each run's messages between steps), any other through :func:`_marginals` per run (its
    checks).  A call returns the ``(len(live), n, width)`` marginals of the live slots, in the
    order of ``live``; an impossible row is the uniform law (``uniform``) or raises, as
    :func:`_marginals`."""

    def __init__(self, oracle, size: int, width: int, q: np.ndarray):
        self.oracle, self.size, self.width, self.q = oracle, size, width, q
        self.native = type(oracle).__module__.startswith("mdmtheory.") and \
            callable(getattr(oracle, "conditional_marginals_batch", None))
        self.cursor = oracle.batch_cursor(size) if self.native and callable(getattr(oracle, "batch_cursor", None)) \
            else None

    def __call__(self, masks: np.ndarray, vals: np.ndarray, live: np.ndarray, uniform: bool = False) -> np.ndarray:
        if not self.native:
            return np.stack([_marginals(self.oracle, masks[b], vals[b], self.width, self.q, uniform) for b in live])
        if self.cursor is not None:
            P = self.cursor.conditional_marginals_batch(masks, vals)[live]
        else:
            P = np.asarray(self.oracle.conditional_marginals_batch(masks[live], vals[live]), dtype=np.float64)
        if P.shape[2] < self.width:
            P = np.concatenate([P, np.zeros(P.shape[:2] + (self.width - P.shape[2],))], axis=2)
        for a in np.flatnonzero(np.isnan(P[:, 0, 0])):
            if not uniform:
                raise ImpossibleContext("the revealed values have probability 0 under the truth")
            mask, v = masks[live[a]], vals[live[a]]
            P[a] = (np.arange(self.width)[None, :] < self.q[:, None]) / self.q[:, None].astype(float)
            P[a, mask] = 0.0
            P[a, mask, v[mask]] = 1.0
        return P


# ------------------------------------------------------------------ the estimator

def estimate_sampler_divergences(truth, sampler, samples: int = 1000, seed: int = 0, base: float | None = None,
                                 confidence: float = 0.95, model=None, batch_size: int = 256,
                                 max_memory: float | None = None) -> SamplerEstimate:
    """Unbiased estimates, with intervals, of ``KL(mu || nu)``, ``KL(nu || mu)`` and ``TV`` for
    any sampler on any truth (a table, a chain, an HMM, an oracle), the sampler querying the
    truth or a separate model.

    Parameters
    ----------
    truth : Joint, MarkovChain, HMM or oracle
        The law ``mu`` (:func:`mdmtheory.oracles.as_oracle`); it needs ``sample(rng, m)``;
        ``log_prob(x)`` for the log-ratio, reverse-KL and TV estimates (all built-in truths
        have it).
    sampler : str or Sampler
        A name from :data:`mdmtheory.samplers.SAMPLER_NAMES` (default parameters) or a
        :class:`~mdmtheory.samplers.Sampler`.  ``optimal`` needs a table truth queried directly.
    samples : int, default 1000
        Draws ``M >= 2`` of ``mu`` and, separately, runs of the sampler.
    seed : int, default 0
        Seed (independent streams for the draws of ``mu`` and the sampler's runs).
    base : float, optional
        Logarithm base of the KLs (nats by default; 2 for bits).
    confidence : float, default 0.95
        Coverage of the intervals (Hall's skewness-corrected t; Wilson for ``support``).
    model : oracle, optional
        What the sampler queries (default: the truth).  Any object with ``n`` and
        ``conditional_marginals(revealed_mask, values)``.
    batch_size : int, default 256
        Runs advanced in lockstep: one batched oracle call a step for all live runs
        (:func:`mdmtheory.oracles.batch_marginals`; an HMM keeps each run's messages between
        steps, :class:`mdmtheory.hmm.HMMBatchCursor`); runs that finish early drop out.  Every
        run draws from its own stream (spawned from ``seed``), so the result does not depend on
        it.  Memory ``O(batch_size n q)``.
    max_memory : float, optional
        Ceiling in bytes (default 4 GiB) for the per-draw values, ``8 M (2 n + 8)`` bytes, and
        the sampler's calls, checked before any draw (:func:`mdmtheory.errors.check_memory`).

    Returns
    -------
    SamplerEstimate

    Raises
    ------
    InputError
        A bad truth, model, sampler, ``samples``, ``seed``, ``base`` or ``confidence``; a model
        of another length; a truth without ``sample``; ``optimal`` without a table truth.

    Notes
    -----
    The module docstring lists what each kind of rule allows.  Per draw the terms are exact, so
    each estimate is a mean of i.i.d. exact terms: unbiased, with Hall's skewness-corrected t interval
    (:func:`mdmtheory._numeric.mean_interval`; ``mean +- t_{M-1} sd / sqrt(M)`` on symmetric terms).  A draw with ``nu(x) = 0`` (forward) or ``mu(y) = 0``
    (reverse) proves the KL infinite (reported as ``inf``).  The stepwise estimator needs
    ``TC(X_S | x_R)`` exactly: a slice of the table, or the chain rule of
    :func:`mdmtheory.estimate.set_total_correlation` (``q^(|S|-1)`` oracle calls, refused past
    :data:`STEPWISE_MAX_CALLS` a step); where a visited step is too large it is left out
    with the reason and ``kl`` is the log-ratio estimate.  On such truths (not tables) the
    choice therefore depends on the steps the draws visit: for a fixed schedule it is known in
    advance, for an adaptive rule it is the one data-dependent choice (both estimates are
    reported, each unbiased on its own).  One-position steps have ``TC = 0`` (no call).
    Cost: about ``2 M k`` model calls for ``k`` steps (plus one truth call a
    step with a separate model, and the TC terms).  On small tables :func:`mdmtheory.evaluate`
    gives the exact values (the tests check the intervals' coverage against it).

    Examples
    --------
    >>> from mdmtheory import parity
    >>> l2r = make_sampler("left_to_right", schedule=[1, 2])
    >>> r = estimate_sampler_divergences(parity(3), l2r, samples=50, seed=1, base=2)
    >>> round(r.kl.value, 12), r.kl.stderr        # X_1, X_2 given x_0 together: TC = 1 bit
    (1.0, 0.0)
    >>> r.reverse_kl is not None and r.tv.value > 0
    True
    """
    from scipy.stats import norm  # start-up time: scipy.stats loads on first use


    truth = as_oracle(truth)
    n = int(truth.n)
    if not callable(getattr(truth, "sample", None)):
        raise InputError("the truth must have sample(rng, m) (exact draws of mu): a Joint, a MarkovChain, an HMM or "
                         "an oracle with samples")
    if isinstance(sampler, str):
        sampler = make_sampler(sampler)
    if not isinstance(sampler, Sampler):
        raise InputError(f"sampler must be a name or a Sampler (make_sampler); got {type(sampler).__name__}")
    same = model is None or model is truth
    model = truth if model is None else as_oracle(model)
    if int(model.n) != n:
        raise InputError(f"the model has length {model.n} but the truth has length {n}; give a model of length {n}")
    M = check_samples(samples, n)
    seed = check_seed(seed)
    batch_size = check_int(batch_size, "batch_size", lo=1)
    confidence = check_confidence(confidence)
    sc = unit_scale(base)
    unit = unit_name(base)
    if sampler.needs_joint:
        if not (same and isinstance(truth, TableOracle)):
            raise InputError("optimal needs the joint: give a table truth queried directly (no model), or build it "
                             "with mdmtheory.optimal_policy(joint, k)")
        sampler = optimal_policy(truth.joint, sampler.params["k"])
    sampler.kernel_args(n, max_memory)  # parameters that do not fit n
    # the draws (M x n), the orders of a random-order sampler (M x n) and the per-draw terms
    check_memory(8.0 * M * (2.0 * n + 8.0), f"the per-draw values of {M} samples of length {n}", max_memory)
    has_logp = callable(getattr(truth, "log_prob", None))
    width = int(np.max(_qs(truth, n, 1))) if getattr(truth, "q", None) is not None else \
        oracle_call(truth, np.zeros(n, dtype=bool), np.full(n, -1, dtype=np.int64)).shape[1]
    q = _qs(truth, n, width)
    if not same and getattr(model, "q", None) is not None and not np.array_equal(_qs(model, n, width), q):
        raise InputError(f"the model's alphabet sizes {_qs(model, n, width).tolist()} differ from the truth's {q.tolist()}; "
                         "give a model over the same alphabets")
    runner = _Runner(sampler, model, n, q, width)
    kind = runner.kind
    ss_mu, ss_nu = np.random.SeedSequence(seed).spawn(2)
    rng_mu = np.random.default_rng(ss_mu)  # ss_nu: one stream spawned per run of the sampler (below)
    reasons: dict = {}
    est = lambda y, name, quantity, s=sc: mean_estimate(y, confidence, seed, s, unit, name, quantity)  # noqa: E731
    quantity = "E_S KL(mu || nu_S), random order" if kind == "random_order" else "KL(mu || nu)"
    replays = kind in ("deterministic", "random_order", "point_mass")
    bar = progress(total=(2 if replays else 1) * M, desc=f"estimate {sampler.name}", unit="run",
                   bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}")

    # ---- forward: x ~ mu, the path replayed (random order: the order drawn with x)
    kl_lr = kl_sw = dep_err = marg_err = None
    if kind in ("deterministic", "random_order", "point_mass"):
        X = np.asarray(truth.sample(rng_mu, M), dtype=np.int64)
        if X.shape != (M, n):
            raise InputError(f"truth.sample returned shape {X.shape}; expected ({M}, {n})")
        log_mu = np.asarray(truth.log_prob(X), dtype=float) if has_logp else None
        # a truth with exact_conditionals = False (a model's decoding law) has sample and log_prob only
        no_rows = not getattr(truth, "exact_conditionals", True)
        steptc = _StepTC(truth, q) if kind != "point_mass" and not no_rows else None
        stepwise_ok = steptc is not None
        if no_rows and kind != "point_mass":
            reasons["kl_stepwise"] = ("the truth has no exact conditionals given any revealed set (sample and log_prob "
                                      "only): no stepwise terms")
        fwd_lr = np.zeros(M)
        fwd_sw = np.zeros(M)
        fwd_marg = np.zeros(M)
        sizes = sampler.sizes(n) if kind == "random_order" else None
        orders = [rng_mu.permutation(n) for _ in range(M)] if kind == "random_order" else None
        if stepwise_ok:  # a pilot path (the first draw's): a step too large for the stepwise TC stops it before
            # every run pays for the TCs of the steps before it (the lockstep runs all reach a step together)
            mask, vals, t = np.zeros(n, dtype=bool), np.full(n, -1, dtype=np.int64), 0
            while not mask.all():
                if kind == "random_order":  # the first run's order
                    S = orders[0][int(np.sum(sizes[:t])):int(np.sum(sizes[:t + 1]))]
                else:
                    S = runner.select(_marginals(model, mask, vals, width, q, True), mask, vals, t)[0]
                if not steptc.feasible(S):
                    stepwise_ok = False
                    reasons["kl_stepwise"] = (f"a visited step unmasks {len(S)} positions: its exact TC needs "
                                              f"more than {STEPWISE_MAX_CALLS} oracle calls (STEPWISE_MAX_CALLS)")
                    break
                mask[S], vals[S], t = True, X[0, S], t + 1
        model_batch = truth_batch = None
        for lo, hi, live in _chunks(M, batch_size):
            if model_batch is None or model_batch.size != hi - lo:
                model_batch = _BatchOracle(model, hi - lo, width, q)
                truth_batch = None if same else _BatchOracle(truth, hi - lo, width, q)
            size = hi - lo
            masks = np.zeros((size, n), dtype=bool)
            valss = np.full((size, n), -1, dtype=np.int64)
            lnus, sws, ts, As = np.zeros(size), np.zeros(size), np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64)
            margs = np.zeros(size)
            while live.size:
                Ps = model_batch(masks, valss, live, uniform=True)
                Pmus = truth_batch(masks, valss, live) if stepwise_ok and not same else Ps
                x = X[lo + live]
                if kind == "random_order":
                    sel, cand = np.zeros((live.size, n), dtype=bool), None
                    for a, b in enumerate(live):
                        sel[a, orders[lo + b][As[b]:As[b] + sizes[ts[b]]]] = True
                        As[b] += sizes[ts[b]]
                else:
                    sel, cand, _ = runner.select_batch(Ps, masks[live], valss[live], ts[live])
                if cand is not None:  # point mass: a run unmasks its argmax candidates, and stops at a mismatch
                    off = np.any(sel & (cand != x), axis=1)
                    lnus[live[off]] = -np.inf
                    bar.update(float((~masks[live[off]]).sum()) / n)
                    live, sel, x = live[~off], sel[~off], x[~off]
                else:
                    rows, cols = np.nonzero(sel)
                    with np.errstate(divide="ignore"):
                        lnus[live] += _run_sums(np.log(Ps[rows, cols, x[rows, cols]]), sel)
                    if stepwise_ok:  # the exact per-step terms, every live run together
                        sets = [np.flatnonzero(sel[a]) for a in range(live.size)]
                        tc = steptc.batch(masks[live], valss[live], sets, Pmus)
                        if not isinstance(tc, np.ndarray):
                            stepwise_ok = False
                            reasons["kl_stepwise"] = (f"a visited step unmasks {len(sets[tc])} positions: its exact TC "
                                                      f"needs more than {STEPWISE_MAX_CALLS} oracle calls (STEPWISE_MAX_CALLS)")
                        else:
                            sws[live] += tc
                            if not same:
                                for a, b in enumerate(live):
                                    margs[b] += float(rel_entr(Pmus[a][sets[a]], Ps[a][sets[a]]).sum())
                live = _reveal(masks, valss, live, sel, x, ts, bar, n)
            fwd_lr[lo:hi] = (log_mu[lo:hi] - lnus) if has_logp else np.nan
            fwd_sw[lo:hi] = sws + margs
            fwd_marg[lo:hi] = margs
        if has_logp:
            kl_lr = est(fwd_lr, KL_LOG_RATIO, quantity)
        else:
            reasons["kl_log_ratio"] = "the truth has no log_prob(x)"
        if stepwise_ok:
            kl_sw = est(fwd_sw, KL_STEPWISE, quantity)
            dep_err = est(fwd_sw - fwd_marg, DEPENDENCE_ESTIMATOR, "dependence error: E sum_t TC(X_S | x_R)")
            marg_err = est(fwd_marg, MARGINAL_ESTIMATOR, "marginal error: E sum_t sum_(i in S) KL(mu_i || model_i)")
        elif kind == "point_mass":
            reasons["kl_stepwise"] = "values are argmax candidates, not draws from the marginals"
    else:
        why = (f"{sampler.name} draws its sets or candidates at random: log nu(x) is a sum over selection paths, "
               "not computable per sample (no unbiased estimate is offered)")
        reasons.update(kl_log_ratio=why, kl_stepwise=why)
    kl = kl_sw if kl_sw is not None else kl_lr
    if kl is None:
        reasons["kl"] = reasons.get("kl_stepwise") or reasons.get("kl_log_ratio")

    # ---- the sampler's own runs: y ~ nu
    reverse = tv = support = None
    Y = np.zeros((M, n), dtype=np.int64)
    lnu_y = np.zeros(M)
    calls = np.zeros(M)
    runs = 1 if kind == "point_mass" else M
    off = np.zeros(M, dtype=bool)  # runs whose visited steps prove KL(nu || mu) = inf
    support_check = _StepTC(truth, q) if kind == "deterministic" and isinstance(truth, TableOracle) else None
    run_rngs = [np.random.default_rng(s) for s in ss_nu.spawn(runs)]  # one stream a run: batch size free
    for lo, hi, live in _chunks(runs, batch_size):
        size = hi - lo
        model_batch = _BatchOracle(model, size, width, q)
        masks = np.zeros((size, n), dtype=bool)
        valss = np.full((size, n), -1, dtype=np.int64)
        ts, cs = np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64)
        while live.size:
            Ps = model_batch(masks, valss, live, uniform=True)
            rngs = [run_rngs[lo + b] for b in live]
            if kind == "random_order":
                sel, cand = np.zeros((live.size, n), dtype=bool), None
                sizes = sampler.sizes(n)
                for a, b in enumerate(live):
                    cs[b] += sampler.step_calls(int((~masks[b]).sum()))
                    free = np.flatnonzero(~masks[b])
                    sel[a, rngs[a].choice(free, size=min(sizes[ts[b]], free.size), replace=False)] = True
            else:
                sel, cand, step_calls = runner.select_batch(Ps, masks[live], valss[live], ts[live], rngs)
                cs[live] += step_calls  # punt: its anchor/test rounds run, which depend on the run
            rows, cols = np.nonzero(sel)
            if cand is None:  # the values drawn from the marginals (inverse CDF), each run from its stream
                if support_check is not None:  # a visited step that can draw mu-impossible values: KL(nu || mu) = inf
                    for a, b in enumerate(live):
                        if not off[lo + b]:
                            off[lo + b] = support_check.off_support(masks[b], valss[b], np.flatnonzero(sel[a]), Ps[a])
                k = sel.sum(axis=1)
                u = np.concatenate([rngs[a].random(int(k[a])) for a in range(live.size)])
                cum = np.cumsum(Ps[rows, cols], axis=1)
                v = np.minimum((cum <= u[:, None] * cum[:, -1:]).sum(axis=1), q[cols] - 1)
                with np.errstate(divide="ignore"):
                    lnu_y[lo + live] += _run_sums(np.log(Ps[rows, cols, v]), sel)
                y = np.zeros((live.size, n), dtype=np.int64)
                y[rows, cols] = v
            else:
                y = cand
            Y[lo + live[rows], cols] = y[rows, cols]
            before = live
            live = _reveal(masks, valss, live, sel, y, ts, bar, n, M if runs == 1 else 1)
            done = np.setdiff1d(before, live, assume_unique=True)
            calls[lo + done] = np.maximum(cs[done], sampler.min_calls())
    bar.close()
    if runs == 1:
        Y[:], calls[:] = Y[0], calls[0]
    calls_est = mean_estimate(calls, confidence, seed, 1.0, "calls",
                              POINT_MASS if kind == "point_mass" else CALLS_ESTIMATOR, "expected model calls")
    if has_logp:
        log_mu_y = np.asarray(truth.log_prob(Y), dtype=float)
        ok = np.isfinite(log_mu_y)
        z = float(norm.ppf(0.5 + confidence / 2.0))
        lo, hi = wilson_interval(int(ok.sum()), M, z)
        support = Estimate(float(ok.mean()), float(np.sqrt(ok.mean() * (1 - ok.mean()) / M)), (lo, hi), M,
                           seed, confidence, "probability", SUPPORT_ESTIMATOR, "nu(mu > 0)", "wilson")
        if kind in ("deterministic", "point_mass"):
            name = POINT_MASS if kind == "point_mass" else REVERSE_LOG_RATIO
            rev = np.where(ok & ~off, lnu_y - np.where(ok, log_mu_y, 0.0), np.inf)
            reverse = est(rev, name, "KL(nu || mu)")
            with np.errstate(over="ignore"):
                terms = np.where(ok, np.maximum(0.0, 1.0 - np.exp(np.minimum(log_mu_y - lnu_y, 50.0))), 1.0)
            tv = est(terms, POINT_MASS if kind == "point_mass" else TV_ESTIMATOR, "TV(mu, nu)", 1.0)
            tv = replace(tv, interval=(max(tv.interval[0], 0.0), min(tv.interval[1], 1.0)), unit="probability")
    else:
        reasons["support"] = "the truth has no log_prob(x)"
    if reverse is None:
        if kind == "random_order":
            why = ("the random sampler's law is the mixture E_S nu_S: nu(x) is a sum over orders; KL(mu || E_S nu_S), "
                   "KL(nu || mu) and TV are not estimated (kl is E_S KL(mu || nu_S), an upper bound on the first)")
        elif kind == "random":
            why = reasons["kl_log_ratio"]
        else:
            why = "the truth has no log_prob(x)"
        reasons.setdefault("reverse_kl", why)
        reasons.setdefault("tv", why)
    return SamplerEstimate(sampler.name, dict(sampler.params), n, kind, quantity, kl, kl_lr, kl_sw, reverse, tv,
                           calls_est, support, M, seed, confidence, unit, "truth" if same else repr(model), reasons,
                           dep_err, marg_err)
