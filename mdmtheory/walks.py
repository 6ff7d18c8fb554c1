"""Parallel samplers on random walks at scale: Monte Carlo with exact bridge conditionals.

Every sampler of :mod:`mdmtheory.samplers` (the same :class:`~mdmtheory.samplers.Sampler`
objects the exact evaluator takes) runs on a :class:`~mdmtheory.markov.MarkovChain` with the
exact oracle, for many walks at once, in a numba kernel; the samples are then scored:

* ``validity``: the fraction of samples that are walks (``start[x_1] > 0`` and every
  consecutive pair an edge), with a 95% Wilson interval;
* ``valid_transition_fraction``: the fraction of the ``n - 1`` transitions that are edges;
* kernel fidelity ``kernel_tv`` / ``kernel_kl``: ``sum_u w(u) D(Phat[u, .], P[u, .])`` with
  ``Phat`` the empirical transition matrix and ``w`` the visit frequencies;
* ``start_tv``: the total variation between the law of ``x_1`` and ``start``;
* ``expected_steps`` / ``max_steps``: model calls (mean, max).

:func:`exact_walk_metrics` gives the same numbers exactly from the output law (small ``n``)
and the exact KL; at large ``n`` the exact KL of the fixed-order samplers comes from the gap
programme of :meth:`MarkovChain.fixed_order_kl`.

References
----------
.. [1] Bansal, Cholyeon, Kumar, Sanghavi, Sarkar, arXiv:2606.22976 (validity of walks,
   kernel fidelity; docs/theory.md section 5).
"""

from __future__ import annotations

from dataclasses import replace
from math import sqrt

import numpy as np

from ._lazy import lazy_function
from ._numeric import INTERVAL_METHOD, check_int, check_real, check_seed, clamp_nonneg
from .estimate import Estimate, mean_estimate
from .divergence import expected_kl
from .errors import InputError, check_memory
from .exact import evaluate
from .files import load_npy
from .graphs import chain_period
from .information import unit_scale, unit_name
from .markov import MarkovChain, multiplier, Settling
from .progress import progress
from .samplers import KEY_DECIMALS, TOL, Sampler, make_sampler

simulate_walks = lazy_function("mdmtheory._kernels.markov", "simulate_walks")

__all__ = [
    "simulate",
    "walk_divergences",
    "smoothed_chain",
    "load_model_chain",
    "sample_walks",
    "walk_metrics",
    "exact_walk_metrics",
    "left_to_right_walk_metrics",
    "wilson_interval",
    "settled_powers",
]

#: Largest ``q^n`` for which :func:`exact_walk_metrics` builds the dense law.
EXACT_MAX_CELLS = 2e6


#: Bytes per sampled position while walks are drawn and scored: the int64 samples, and in
#: :func:`walk_metrics` the gathered ``P[x_i, x_{i+1}]`` (float64) with its boolean test, then
#: the two raveled int64 copies of the transition pairs :func:`_transition_counts` adds up
#: (measured peak about 26 bytes a position; ``walk --samples 150000`` used 3x the earlier 8).
WALK_SAMPLE_BYTES = 40

#: Bytes per cell and position while the exact output law of a short walk is scored: the
#: int64 index grid and its kept copy, the gathered transitions with their test, the two
#: raveled pair copies (41 counted, 48 allowed; plus the law itself, 8 bytes a cell).
WALK_EXACT_BYTES = 48

def wilson_interval(successes: int, trials: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default).

    ``(p + z^2/2N -+ z sqrt(p(1-p)/N + z^2/4N^2)) / (1 + z^2/N)`` with ``p = k/N``.

    The interval always contains the estimate ``p``: it is exactly ``0`` below at
    ``0`` successes and exactly ``1`` above at ``N`` of ``N`` (rounding is not allowed to
    move an end past ``p``).

    Raises
    ------
    InputError
        If ``trials`` is not an integer ``>= 1``, ``successes`` not an integer in
        ``0..trials``, or ``z`` not a finite number ``> 0``.

    Examples
    --------
    >>> [round(x, 4) for x in wilson_interval(10, 10)]
    [0.7225, 1.0]
    >>> wilson_interval(0, 10)[0], wilson_interval(10, 10)[1]
    (0.0, 1.0)
    """

    trials = check_int(trials, "trials (the Wilson interval needs at least one trial)", 1)
    successes = check_int(successes, "successes", 0, trials)
    z = check_real(z, "z", 0.0, lo_open=True)
    p = successes / trials
    z2 = z * z
    den = 1.0 + z2 / trials
    mid = (p + z2 / (2 * trials)) / den
    half = z * sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / den
    lo = 0.0 if successes == 0 else min(max(0.0, mid - half), p)
    hi = 1.0 if successes == trials else max(min(1.0, mid + half), p)
    return lo, hi


def settled_powers(P: np.ndarray, start: np.ndarray, n: int, max_memory: float | None = None):
    """``(Pw, D, L, mu)``: ``Pw[d] = P^d`` and ``mu[d] = start P^d`` for ``d = 0..D``, where ``D``
    is the first power the settle rule of :class:`mdmtheory.markov.Settling` allows (within
    ``SETTLE_TOL`` of the limit, or exactly periodic; ``L`` the chain period) or ``n``; ``P^d`` for
    ``d > D`` is ``Pw[settle(d, D, L)]``.  Rows are renormalised after each product, as in
    :class:`~mdmtheory.markov.MarkovChain`.  ``O(min(n, D) q^3)``."""
    q = P.shape[0]
    L = chain_period(P)
    pw = [np.eye(q)]
    settling = Settling(q, L)
    D = 0
    step = multiplier(P)
    for d in range(1, n + 1):
        check_memory(8.0 * q * q * (d + 1), f"the matrix powers of a {q}-state chain up to {d}", max_memory)
        Pd = step(pw[-1])
        Pd /= Pd.sum(axis=1, keepdims=True)
        pw.append(Pd)
        D = d
        if settling.done(d, Pd):
            break
    Pw = np.ascontiguousarray(np.array(pw))
    return Pw, D, L, np.ascontiguousarray(start @ Pw)


def _kernel_params(sampler: Sampler, n: int) -> tuple:
    """``(code, ip, fp, sizes)`` of the shared rule kernel (validated against ``n``)."""
    sampler.check_engine(
        ("pair_test",), "the walk engine",
        "use mdmtheory.evaluate at small n (or exact_walk_metrics), or another sampler (punt_pairwise for punt)")
    return sampler.kernel_args(n)


def _as_sampler(sampler) -> Sampler:
    if isinstance(sampler, str):
        return make_sampler(sampler)
    if not isinstance(sampler, Sampler):
        raise InputError(f"sampler must be a Sampler (make_sampler(name, ...)) or a name; got {sampler!r}")
    return sampler



def _check_chain(chain) -> MarkovChain:
    if not isinstance(chain, MarkovChain):
        raise InputError(
            f"chain must be a MarkovChain (random_walk(graph, n) or MarkovChain(P, start, n)); got {type(chain).__name__}"
        )
    return chain

def sample_walks(
    chain: MarkovChain, sampler, samples: int, seed: int = 0, max_memory: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``samples`` outputs of ``sampler`` on ``chain`` with the exact bridge oracle.

    Parameters
    ----------
    chain : MarkovChain
    sampler : Sampler or str
        From :func:`mdmtheory.samplers.make_sampler` (any but ``optimal``).
    samples : int
        Number of independent runs.
    seed : int
        Seed of the kernel's generator (same seed, same samples).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``x`` of shape ``(samples, n)`` and the number of model calls of each run.

    Notes
    -----
    Each model call computes ``mu(x_i | x_l, x_r) ∝ P^{i-l}[x_l, v] P^{r-i}[v, x_r]`` from
    settled powers, ``O(q)`` per position, and only for the gaps the previous step changed
    (for every masked position when the rule reads the marginals, else only for the chosen
    ones).  The rules, keys, ties and slack are those of :mod:`mdmtheory.samplers`.
    ``punt_pairwise`` tests a candidate only against the nearest earlier-ranked position on each side
    in its gap: positions in other gaps are conditionally independent, and given the gap's
    boundary values the masked run is a Markov chain, so ``I(X_i; X_j | x_R)`` decreases as
    ``j`` moves away from ``i`` (data processing).  Reveals are incremental: each call costs
    ``O(g q)`` for the ``g`` positions whose gaps it split (the rules that read every marginal;
    ``O(q^2)`` more per such position for ``punt_pairwise``, only for the eligible positions for
    the candidate samplers), the rule's ranking of the ``m`` masked positions, and ``O(m)``
    bookkeeping at most (``O(n log n)`` per walk for the gaps).  A rule that keeps unmasking next
    to the boundary of a long gap (``entropy`` one at a time from a tied start) still changes
    ``O(n)`` exact conditionals per call: ``O(n^2 q)`` per walk is then the size of the answer.

    Examples
    --------
    >>> from mdmtheory.markov import random_walk
    >>> x, calls = sample_walks(random_walk("cycle:5", 7), make_sampler("bisection"), 3, seed=1)
    >>> x.shape, calls.tolist()
    ((3, 7), [3, 3, 3])
    """
    _check_chain(chain)
    sampler = _as_sampler(sampler)
    if int(samples) != samples or samples < 1:
        raise InputError(f"samples must be a positive integer; got {samples!r}")
    xs, calls, _, _ = _run_walks(chain, sampler, int(samples), seed, max_memory)
    return xs, calls


def _run_walks(chain: MarkovChain, sampler: Sampler, samples: int, seed: int, max_memory: float | None,
               forced: np.ndarray | None = None, truth: MarkovChain | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x, calls, log nu(x), stepwise)`` of ``samples`` runs of the kernel with ``chain``'s
    oracle (``forced``: the rule's path on these sequences instead of drawn values; see
    ``_kernels.markov.simulate_walks``).  ``stepwise`` is the per-run sum of the exact step terms
    of :func:`walk_divergences` against ``truth`` (``chain`` itself when ``None``) on forced runs,
    ``nan`` on free runs."""
    n = chain.n
    code, ip, fp, sizes = _kernel_params(sampler, n)
    # the samples and their scoring, and for the divergence estimates a forced copy of the chain's
    # own samples held alongside (two sample sets, so twice the bytes)
    per_walk = WALK_SAMPLE_BYTES * n * (2 if sampler.deterministic else 1)
    check_memory(per_walk * float(samples) + 8.0 * chain.q * chain.q * 4,
                 f"{samples} walks of length {n} and their scoring", max_memory)
    Pw, D, L, mu = settled_powers(chain.P, chain.start, n, max_memory)
    Tw, TD, TL, tmu = (Pw, D, L, mu) if truth is None else settled_powers(truth.P, truth.start, n, max_memory)
    xs = np.empty((samples, n), dtype=np.int64)
    calls = np.empty(samples, dtype=np.int64)
    lognu = np.empty(samples)
    stepwise = np.empty(samples)
    if forced is None:
        forced = np.full((samples, 1), -1, dtype=np.int64)
    chunk = max(1, min(samples, 1000))
    bar = progress(total=samples, desc=f"{sampler.name} walks")
    rng = np.random.SeedSequence(seed)
    for a in range(0, samples, chunk):
        b = min(samples, a + chunk)
        sub_seed = int(rng.spawn(1)[0].generate_state(1)[0] % (2**31))
        simulate_walks(Pw, D, L, mu, n, code, ip, fp, sizes, TOL, 10.0**KEY_DECIMALS, b - a, sub_seed, xs[a:b],
                       calls[a:b], np.ascontiguousarray(forced[a:b]), lognu[a:b], stepwise[a:b], Tw, TD, TL, tmu,
                       truth is not None)
        bar.update(b - a)
    bar.close()
    np.maximum(calls, sampler.min_calls(), out=calls)  # calls_every_step rules (llada, dream): the calls after completion
    return xs, calls, lognu, stepwise


def _log_mu(chain: MarkovChain, x: np.ndarray) -> np.ndarray:
    """``log mu(x)`` of each row of ``x`` under the chain (``-inf`` off its support)."""
    with np.errstate(divide="ignore"):
        out = np.log(chain.start[x[:, 0]])
        if x.shape[1] > 1:
            out = out + np.log(chain.P[x[:, :-1], x[:, 1:]]).sum(axis=1)
    return out


#: Estimator names of :func:`walk_divergences` (reported with every estimate).
KL_ESTIMATOR = "log-ratio on x ~ mu (the rule's path replayed on exact chain samples; exact log nu per draw)"
STEPWISE_ESTIMATOR = ("stepwise TC on x ~ mu (the rule's path replayed on exact chain samples; exact sum over steps of "
                      "TC(X_S | x_R), plus sum_i KL(mu_i || model_i) with a model, per draw)")
REVERSE_ESTIMATOR = "log-ratio on x ~ nu (the sampler's own runs; exact log nu and log mu per draw)"
TV_ESTIMATOR = "mean of max(0, 1 - mu/nu) on the sampler's own runs (exact per draw)"


def _check_model(chain: MarkovChain, model) -> MarkovChain | None:
    """``model`` (a chain of the same length and states as the truth ``chain``) or ``None``."""
    if model is None:
        return None
    if not isinstance(model, MarkovChain):
        raise InputError(f"model must be a MarkovChain (the oracle the sampler uses) or None; got {type(model).__name__}")
    if model.n != chain.n or model.q != chain.q:
        raise InputError(
            f"the model chain must have the truth's length and states: got n = {model.n}, q = {model.q} for a truth "
            f"with n = {chain.n}, q = {chain.q}"
        )
    return model


def smoothed_chain(chain: MarkovChain, eps: float) -> MarkovChain:
    """A misspecified model of ``chain``: kernel and start mixed toward uniform,
    ``P' = (1 - eps) P + eps / q`` and ``start' = (1 - eps) start + eps / q``.

    With ``eps > 0`` the model gives every transition positive probability, so a sampler using
    it can leave the graph (reverse KL ``inf``) while ``KL(mu || nu)`` stays finite.

    Parameters
    ----------
    chain : MarkovChain
        The truth.
    eps : float
        Smoothing weight in ``[0, 1]`` (``0``: the truth itself).

    Returns
    -------
    MarkovChain
        Of the same length and states.

    Raises
    ------
    InputError
        If ``chain`` is not a MarkovChain or ``eps`` is not a number in ``[0, 1]``.

    Examples
    --------
    >>> from mdmtheory.markov import random_walk
    >>> smoothed_chain(random_walk("cycle:4", 5), 0.2).P[0].round(3).tolist()
    [0.05, 0.45, 0.05, 0.45]
    """

    _check_chain(chain)
    eps = check_real(eps, "the model smoothing eps (a weight in [0, 1])", 0.0, hi=1.0)
    q = chain.q
    return MarkovChain((1.0 - eps) * chain.P + eps / q, (1.0 - eps) * chain.start + eps / q, chain.n)


def load_model_chain(path, chain: MarkovChain, max_memory: float | None = None) -> MarkovChain:
    """A model of ``chain`` with the transition matrix saved in ``path`` (a ``.npy`` ``(q, q)``
    row-stochastic array, ``numpy.save``; any real dtype, float32 judged at its precision) and
    the truth's start and length.  The file's header is checked (dtype, and the size against
    ``max_memory``) before it is read.

    Raises
    ------
    InputError
        Missing or unreadable file, not a numeric ``(q, q)`` array for the truth's ``q``, over
        ``max_memory``, or rows that are not probability vectors.

    Examples
    --------
    >>> import os, tempfile
    >>> from mdmtheory.markov import random_walk
    >>> path = os.path.join(tempfile.mkdtemp(), "k.npy")
    >>> truth = random_walk("cycle:4", 6)
    >>> np.save(path, smoothed_chain(truth, 0.1).P)
    >>> load_model_chain(path, truth).P[0].round(3).tolist()
    [0.025, 0.475, 0.025, 0.475]
    """

    _check_chain(chain)
    P = load_npy(path, f"a .npy file with a {chain.q}x{chain.q} transition matrix", max_memory, copies=3.0)
    if P.shape != (chain.q, chain.q):
        raise InputError(f"{path!r} must hold a numeric {chain.q}x{chain.q} transition matrix (the graph has "
                         f"{chain.q} vertices); got shape {P.shape}")
    return MarkovChain(P, chain.start, chain.n)  # check_stochastic judges the rows at the file's precision


def walk_divergences(chain: MarkovChain, sampler, samples: int = 1000, seed: int = 0, base: float | None = None,
                     max_memory: float | None = None, nu_runs: tuple[np.ndarray, np.ndarray] | None = None,
                     model: MarkovChain | None = None) -> dict:
    """Unbiased estimates, with 95% intervals, of ``KL(mu || nu)``, ``KL(nu || mu)`` and ``TV``
    for a sampler whose selection is a function of the revealed values (any deterministic rule).

    ``mu`` is the law of ``chain`` (the truth); ``nu`` the output law of the sampler when it
    selects and samples with the exact conditionals of ``model`` (``chain`` itself by default).
    For such a rule the path of a run is a function of its output ``x``, so
    ``log nu(x) = sum_t sum_{i in S_t} log p_i(x_i | x_{R_t})`` is exact for each ``x``.  Then

    * ``KL(mu || nu) = E_{x ~ mu}[log mu(x) - log nu(x)]`` (``kl_log_ratio``): ``x`` drawn from
      the chain, the rule's path replayed on it;
    * ``KL(mu || nu) = E_{x ~ mu}[sum_t TC(X_{S_t} | x_{R_t}) + sum_{i in S_t} KL(mu_i || p_i)]``
      (``kl_stepwise``, the second sum only with a model; ``mu_i`` and ``p_i`` the truth's and
      the model's marginals given ``x_{R_t}``): the chain rule along the same replayed path
      (docs/theory.md section 5.9), each step's term exact in ``O(|S_t| q^2)`` because given
      the revealed values the gaps are independent and a gap's chosen positions form a Markov
      chain.  It averages the conditional expectation of each step's log-ratio increment, so
      it is usually much less variable (exactly 0 per draw for one-at-a-time rules);
    * ``KL(nu || mu) = E_{x ~ nu}[log nu(x) - log mu(x)]`` and
      ``TV = E_{x ~ nu}[max(0, 1 - mu(x) / nu(x))]``: ``x`` the sampler's own runs.

    Each is the mean of exact per-draw terms (Hall's skewness-corrected t 95% interval).  ``kl`` is the stepwise
    estimate (a choice fixed in advance, so its interval keeps its coverage; the log-ratio one
    is reported beside it) and ``kl_estimator`` names it.  A draw of ``nu`` off the support of ``mu`` proves
    ``KL(nu || mu) = inf`` (reported as ``inf``).

    Parameters
    ----------
    chain : MarkovChain
        The truth.
    sampler : Sampler or str
        A deterministic rule (not ``random`` or the candidate samplers, whose selection is random).
    samples : int
        Draws for each of the two sample sets.
    seed : int
        Seed (the ``mu`` draws and the sampler's runs use independent streams of it).
    nu_runs : (x, log nu), optional
        The sampler's own runs, when already drawn (:func:`simulate` passes them).
    model : MarkovChain, optional
        The oracle the sampler uses, a chain of the same length and states (e.g. a perturbed
        kernel, :func:`smoothed_chain`); ``None``: the truth itself.

    Returns
    -------
    dict
        ``kl``, ``kl_stderr``, ``kl_interval``, ``kl_estimator``; both KL estimates as
        ``kl_log_ratio``/``kl_stepwise`` with ``_stderr`` and ``_interval``; the same as ``kl``
        for ``reverse_kl`` and ``tv``; ``reverse_estimator``, ``model`` (whether one was given),
        ``samples``, ``seed``, ``unit``; ``interval_method`` and ``too_skewed`` (the estimates
        whose terms are too skewed for the sample size: :class:`mdmtheory.estimate.Estimate`).

    Raises
    ------
    InputError
        A sampler whose selection is random, a model of another length or alphabet, bad sizes
        or seed.

    Examples
    --------
    >>> from mdmtheory.markov import random_walk
    >>> r = walk_divergences(random_walk("cycle:5", 9), make_sampler("bisection"), samples=200)
    >>> r["kl"], r["reverse_kl"], r["tv"]        # bisection is exact on a chain
    (0.0, 0.0, 0.0)
    >>> r["kl_estimator"].split(" (")[0]
    'stepwise TC on x ~ mu'
    """
    _check_chain(chain)
    model = _check_model(chain, model)
    sampler = _as_sampler(sampler)
    if not sampler.deterministic:
        raise InputError(
            f"{sampler.name} selects at random: its output law is a mixture over selections and log nu(x) is not a "
            "single path's; the unbiased log-ratio estimates need a deterministic rule"
        )
    samples = check_int(samples, "samples", 2)
    seed = check_seed(seed)
    scale = unit_scale(base)
    oracle = chain if model is None else model
    s_mu, s_nu = (int(s.generate_state(1)[0] % (2**31)) for s in np.random.SeedSequence(seed).spawn(2))
    x_mu = chain.sample(samples, seed=s_mu)
    _, _, lognu_mu, stepwise = _run_walks(oracle, sampler, samples, 0, max_memory, forced=x_mu,
                                          truth=None if model is None else chain)
    if nu_runs is None:
        x_nu, _, lognu_nu, _ = _run_walks(oracle, sampler, samples, s_nu, max_memory)
    else:
        x_nu, lognu_nu = nu_runs
    logmu_nu = _log_mu(chain, x_nu)
    unit = unit_name(base)
    est = lambda y, s, name, quantity: mean_estimate(y, 0.95, seed, s, unit, name, quantity)  # noqa: E731
    lr = est(_log_mu(chain, x_mu) - lognu_mu, scale, KL_ESTIMATOR, "KL(mu || nu)")
    sw = est(stepwise, scale, STEPWISE_ESTIMATOR, "KL(mu || nu)")
    out = {**lr.flat("kl_log_ratio"), **sw.flat("kl_stepwise"), **sw.flat("kl"), "kl_estimator": sw.estimator}
    if np.any(np.isneginf(logmu_nu)):  # nu puts mass off the support of mu
        rk = Estimate(float("inf"), 0.0, (float("inf"), float("inf")), samples, seed, 0.95, unit, REVERSE_ESTIMATOR,
                      "KL(nu || mu)")
    else:
        rk = est(lognu_nu - logmu_nu, scale, REVERSE_ESTIMATOR, "KL(nu || mu)")
    with np.errstate(over="ignore"):
        tv_terms = np.maximum(0.0, 1.0 - np.exp(logmu_nu - lognu_nu))
    tv = est(tv_terms, 1.0, TV_ESTIMATOR, "TV(mu, nu)")
    tv = replace(tv, interval=(max(tv.interval[0], 0.0), min(tv.interval[1], 1.0)), unit="probability")
    out.update(rk.flat("reverse_kl"))
    out.update(tv.flat("tv"))
    out.update(reverse_estimator=REVERSE_ESTIMATOR, model=model is not None, samples=samples, seed=seed, unit=unit)
    out.update(interval_method=INTERVAL_METHOD,
               too_skewed=[k for k, e in (("kl_log_ratio", lr), ("kl_stepwise", sw), ("reverse_kl", rk), ("tv", tv))
                           if e.too_skewed])
    return out


def _transition_counts(x: np.ndarray, q: int) -> np.ndarray:
    N = np.zeros((q, q))
    if x.shape[1] > 1:
        np.add.at(N, (x[:, :-1].ravel(), x[:, 1:].ravel()), 1.0)
    return N


def _kernel_fidelity(N: np.ndarray, P: np.ndarray) -> tuple[float, float]:
    """Visit-weighted TV and ``KL(Phat[u] || P[u])`` from (expected) transition counts ``N``."""
    from scipy.special import rel_entr  # start-up time: scipy loads on first use

    visits = N.sum(axis=1)
    total = visits.sum()
    if total <= 0:
        return 0.0, 0.0
    rows = visits > 0
    Phat = N[rows] / visits[rows, None]
    w = visits[rows] / total
    tv = float(w @ (0.5 * np.abs(Phat - P[rows]).sum(axis=1)))
    kl = float(w @ rel_entr(Phat, P[rows]).sum(axis=1))
    return tv, clamp_nonneg(kl, "the kernel KL")


def walk_metrics(chain: MarkovChain, x, calls=None, base: float | None = None) -> dict:
    """Score samples ``x`` (rows = samples) of length ``n`` against ``chain``.

    Returns
    -------
    dict
        ``samples``, ``validity``, ``validity_interval`` (95% Wilson), ``valid_transition_fraction``,
        ``kernel_tv``, ``kernel_kl`` (``inf`` when a non-edge was used), ``start_tv``, and with
        ``calls``: ``expected_steps``, ``max_steps``; ``unit`` (of ``kernel_kl``).

    Examples
    --------
    >>> from mdmtheory.markov import random_walk
    >>> c = random_walk("cycle:5", 6)
    >>> walk_metrics(c, c.sample(500, seed=0))["validity"]
    1.0
    """
    _check_chain(chain)
    x = np.atleast_2d(np.asarray(x, dtype=np.int64))
    if x.shape[1] != chain.n or x.min() < 0 or x.max() >= chain.q:
        raise InputError(f"samples must be rows of length n = {chain.n} with states in 0..{chain.q - 1}")
    ok = chain.is_valid(x)
    k, N = int(ok.sum()), x.shape[0]
    lo, hi = wilson_interval(k, N)
    counts = _transition_counts(x, chain.q)
    good = float(counts[chain.P > 0].sum())
    tv, kl = _kernel_fidelity(counts, chain.P)
    first = np.bincount(x[:, 0], minlength=chain.q) / N
    out = {
        "samples": N,
        "validity": k / N,
        "validity_interval": [lo, hi],
        "valid_transition_fraction": good / counts.sum() if counts.sum() > 0 else 1.0,
        "kernel_tv": tv,
        "kernel_kl": kl * unit_scale(base),
        "start_tv": 0.5 * float(np.abs(first - chain.start).sum()),
        "unit": unit_name(base),
    }
    if calls is not None:
        calls = np.asarray(calls)
        out["expected_steps"] = float(calls.mean())
        out["max_steps"] = int(calls.max())
    return out


def simulate(
    chain: MarkovChain, sampler, samples: int = 1000, seed: int = 0, base: float | None = None,
    max_memory: float | None = None, model: MarkovChain | None = None,
) -> dict:
    """:func:`sample_walks` then :func:`walk_metrics`, with ``sampler`` and ``params`` added; for
    a deterministic rule also the unbiased estimates of :func:`walk_divergences` (``kl``,
    ``reverse_kl``, ``tv``, each with ``_stderr`` and ``_interval``, and the estimators' names).

    With ``model`` (a chain of the same length and states) the sampler selects and samples with
    the model's exact conditionals and everything is scored against ``chain``, the truth.

    Raises
    ------
    InputError
        Bad sample count, a model of another length or alphabet, a sampler the engine cannot run.

    Examples
    --------
    >>> from mdmtheory.markov import random_walk
    >>> r = simulate(random_walk("path:4", 15), make_sampler("bisection"), samples=200)
    >>> r["validity"], r["max_steps"]
    (1.0, 4)
    """
    _check_chain(chain)
    model = _check_model(chain, model)
    sampler = _as_sampler(sampler)
    if int(samples) != samples or samples < 1:
        raise InputError(f"samples must be a positive integer; got {samples!r}")
    x, calls, lognu, _ = _run_walks(chain if model is None else model, sampler, int(samples), seed, max_memory)
    out = {"sampler": sampler.name, "params": dict(sampler.params), "mode": "simulation", "seed": seed}
    out.update(walk_metrics(chain, x, calls, base))
    if sampler.deterministic and samples >= 2:
        est = walk_divergences(chain, sampler, samples, seed, base, max_memory, nu_runs=(x, lognu), model=model)
        out.update({k: v for k, v in est.items() if k not in ("samples", "seed", "unit")})
    return out


def exact_walk_metrics(chain: MarkovChain, sampler, base: float | None = None, max_memory: float | None = None) -> dict:
    """The walk metrics and ``KL(mu || nu)`` exactly.

    Small ``n`` (``q^n <= 2e6``): the output law ``nu`` from :func:`mdmtheory.exact.evaluate`
    on the dense joint; ``validity = nu(walks)``, the other metrics with expected counts.
    Larger ``n``: ``left_to_right`` and ``bisection`` (fixed orders) get the exact ``kl`` by
    :meth:`MarkovChain.fixed_order_kl` and every walk metric exactly
    (:func:`left_to_right_walk_metrics`; bisection samples ``mu`` itself), ``random`` gets ``expected_kl`` (over orders, Theorem
    4 on the chain's curve); the other numbers are ``None``, listed in ``not_computed`` with ``not_computed_reason``
    (use simulation).

    Examples
    --------
    >>> from mdmtheory.markov import random_walk
    >>> r = exact_walk_metrics(random_walk("cycle:5", 2000), make_sampler("bisection"))
    >>> r["kl"], r["max_steps"]
    (0.0, 11)
    """
    _check_chain(chain)
    sampler = _as_sampler(sampler)
    sampler.check_enumerable("exact walk metrics", "draw walks instead (walk --samples M, walk_divergences)")
    n, q = chain.n, chain.q
    out: dict = {"sampler": sampler.name, "params": dict(sampler.params), "mode": "exact", "unit": unit_name(base)}
    keys = ("kl", "validity", "valid_transition_fraction", "kernel_tv", "kernel_kl", "start_tv", "expected_steps", "max_steps")
    out.update({k: None for k in keys})
    if n * np.log(q) <= np.log(EXACT_MAX_CELLS):

        cells = float(q) ** n
        check_memory(cells * (8.0 + WALK_EXACT_BYTES * n), f"scoring the exact output law of {q}^{n} walks", max_memory)

        r = evaluate(chain.joint(max_memory), sampler, base, max_memory)
        nu = r["law"].table
        grid = np.indices(nu.shape).reshape(n, -1).T
        p = nu.ravel()
        keep = p > 0
        grid, p = grid[keep], p[keep]
        ok = chain.is_valid(grid)
        N = np.zeros((q, q))
        if n > 1:
            np.add.at(N, (grid[:, :-1].ravel(), grid[:, 1:].ravel()), np.repeat(p, n - 1))
        tv, kl = _kernel_fidelity(N, chain.P)
        first = np.bincount(grid[:, 0], weights=p, minlength=q)
        out.update(
            kl=r["kl"], validity=float(p[ok].sum()),
            valid_transition_fraction=float(N[chain.P > 0].sum() / N.sum()) if n > 1 else 1.0,
            kernel_tv=tv, kernel_kl=kl * unit_scale(base), start_tv=0.5 * float(np.abs(first - chain.start).sum()),
            expected_steps=r["expected_steps"], max_steps=r["max_steps"],
        )
        return out
    if sampler.rule.order == "random":

        sizes = sampler.sizes(n)
        out.update(expected_kl=expected_kl(chain.information_curve(base), sizes), expected_steps=float(len(sizes)),
                   max_steps=len(sizes))
        return _missing(out, keys, f"{sampler.name} draws its order at random: its law is a mixture over orders, "
                        "with no exact large-n formula; expected_kl is E_S KL(mu || nu_S) (Theorem 4); use simulation "
                        "(--samples M) for the rest")
    sets = sampler.fixed_sets(n)
    if sets is None:
        raise InputError(
            f"no exact large-n evaluation for the adaptive sampler {sampler.name!r} at n = {n} (q^n = {q}^{n}); "
            "use simulation (--samples M --seed S) or a shorter walk"
        )
    out.update(kl=chain.fixed_order_kl(sets, base), expected_steps=float(len(sets)), max_steps=len(sets))
    if sampler.rule.chain_exact:  # an exact sampler of chains: nu = mu
        out.update(validity=1.0, valid_transition_fraction=1.0, kernel_tv=0.0, kernel_kl=0.0, start_tv=0.0)
    elif [list(S) for S in sets] == [list(range(S[0], S[0] + len(S))) for S in sets] and sets[0][0] == 0 and all(
            b[0] == a[-1] + 1 for a, b in zip(sets, sets[1:])):  # contiguous blocks, left to right
        out.update(left_to_right_walk_metrics(chain, [len(S) for S in sets], base, max_memory))
    return _missing(out, keys, "no exact large-n formula for this fixed order (only for contiguous blocks left to "
                    "right); use simulation (--samples M)")


def _missing(out: dict, keys, reason: str) -> dict:
    """``out`` with ``not_computed`` (the keys left ``None``) and ``not_computed_reason`` (why);
    nothing added when every key is set."""
    missing = [k for k in keys if out.get(k) is None]
    if missing:
        out.update(not_computed=missing, not_computed_reason=reason)
    return out


def _chop(x, tol: float = 1e-13):
    """Mass below ``tol`` is rounding (a difference of equal sums): set it to 0."""
    return np.where(np.asarray(x) > tol, x, 0.0)


def left_to_right_walk_metrics(chain: MarkovChain, sizes, base: float | None = None, max_memory: float | None = None) -> dict:
    """Exact walk metrics of left-to-right blocks ``sizes`` at any ``n`` (no table).

    Notes
    -----
    A block ``a..b-1`` is drawn independently given the prefix: ``x_i ~ P^{i-a+1}[c, .]`` with
    ``c = x_{a-1}`` when the prefix is a possible walk (``start P^i`` for the first block), and
    uniform when it is not (the oracle convention of :mod:`mdmtheory.exact`).  With
    ``V_a(c)`` the probability that the prefix is possible and ends in ``c`` and ``F_a`` the law
    of ``x_{a-1}``:

    * validity: ``V_b(w) = sum_c G[c, w]`` with ``G <- (G E) * P^{i-a+1}`` along the block
      (``E`` the edge indicator), started from ``G[c, v] = V_a(c) E[c, v] P[c, v]``;
    * expected transition counts: ``V_a``-mixtures of ``P^{i-a+1}[c, u] P^{i-a+2}[c, w]`` inside
      a block plus ``(1 - sum V_a) / q^2``; across the boundary ``V_a(u) P[u, w] + (F_a - V_a)(u) / q``.

    ``O(n q^3)`` time, settled powers in memory.

    Examples
    --------
    >>> from mdmtheory.markov import random_walk
    >>> r = left_to_right_walk_metrics(random_walk("cycle:4", 100, "vertex:0"), [1] * 100)
    >>> r["validity"], r["kernel_tv"]
    (1.0, 0.0)
    """
    P, n, q = chain.P, chain.n, chain.q
    sizes = [int(x) for x in sizes]
    if sum(sizes) != n or min(sizes) < 1:
        raise InputError(f"left-to-right block sizes must be positive and sum to n = {n}; got {sizes}")
    Pw, D, L, mu = settled_powers(P, chain.start, n, max_memory)
    from ._kernels.markov import settle  # start-up time: numba loads on first use

    pw = lambda d: Pw[settle(d, D, L)]  # noqa: E731
    mi = lambda i: mu[settle(i, D, L)]  # noqa: E731
    E = (P > 0).astype(float)
    N = np.zeros((q, q))
    V = F = np.zeros(q)
    a = 0
    for s in sizes:
        b = a + s
        if a == 0:
            G = mi(0)[None, :].copy()
            marg = lambda i: mi(i)[None, :]  # noqa: E731
            w = np.ones(1)
            bad = 0.0
        else:
            G = V[:, None] * E * P
            marg = lambda i, a=a: pw(i - a + 1)  # noqa: E731
            w = V
            bad = _chop(1.0 - V.sum())  # an impossible prefix: the oracle is uniform from here on
            N += V[:, None] * P + _chop(F - V)[:, None] / q  # the boundary transition x_{a-1} -> x_a
        for i in range(a, b - 1):
            G = (G @ E) * marg(i + 1)
            N += (marg(i) * w[:, None]).T @ marg(i + 1) + bad / q**2
        F = (w @ marg(b - 1)) + bad / q
        V = G.sum(axis=0)
        a = b
    tv, kl = _kernel_fidelity(N, P)
    return {
        "validity": float(V.sum()),
        "valid_transition_fraction": float(N[P > 0].sum() / N.sum()) if n > 1 else 1.0,
        "kernel_tv": tv,
        "kernel_kl": kl * unit_scale(base),
        "start_tv": 0.0,
    }
