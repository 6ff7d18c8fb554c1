"""The stepwise KL estimator of the walk engine (issue 11): the exact per-step terms
``TC(X_S | x_R)`` (plus ``sum_i KL(mu_i || model_i)`` with a model) of a rule's path, checked
against brute force on the dense law, its unbiasedness (coverage), its agreement with the
log-ratio estimator and the exact fixed-order KL at n = 300, and its lower variance."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory import make_sampler
from mdmtheory.markov import MarkovChain, random_walk
from mdmtheory.samplers import SamplerState
from mdmtheory.walks import _run_walks, walk_divergences

DETERMINISTIC = [
    ("confidence", {"steps": 2}), ("entropy", {"steps": 3}), ("margin", {"steps": 2}), ("threshold", {"tau": 0.5}),
    ("eb", {"gamma": 0.4}), ("left_to_right", {"steps": 2}), ("bisection", {}), ("punt_pairwise", {"delta": 0.02}),
    ("eb", {"gamma": 1.0, "proxy": "confidence"}),
]


def _dense(P: np.ndarray, start: np.ndarray, n: int) -> np.ndarray:
    """The chain's law as an n-dimensional table, by products (independent of the library)."""
    q = len(start)
    t = np.zeros((q,) * n)
    for x in itertools.product(range(q), repeat=n):
        p = start[x[0]]
        for a, b in zip(x[:-1], x[1:]):
            p *= P[a, b]
        t[x] = p
    return t


def _cond_table(t: np.ndarray, x, R) -> np.ndarray:
    """The law of the masked coordinates given ``x_R`` (axes of the masked positions, increasing)."""
    idx = tuple(x[i] if i in R else slice(None) for i in range(t.ndim))
    c = t[idx]
    return c / c.sum()


def _H(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def _marginals(c: np.ndarray, masked: list[int], n: int, q: int) -> np.ndarray:
    M = np.zeros((n, q))
    for a, i in enumerate(masked):
        M[i] = c.sum(axis=tuple(b for b in range(c.ndim) if b != a))
    return M


def _pair_mi(c: np.ndarray, masked: list[int]):
    def mi(i: int, j: int) -> float:
        a, b = masked.index(i), masked.index(j)
        pij = c.sum(axis=tuple(k for k in range(c.ndim) if k not in (a, b)))
        if a > b:
            pij = pij.T
        return _H(pij.sum(1)) + _H(pij.sum(0)) - _H(pij.ravel())
    return mi


def brute_stepwise(t: np.ndarray, sampler, x, model_t: np.ndarray | None = None) -> float:
    """Replay the rule on ``x`` with the dense conditionals (of ``model_t`` when given) and add
    ``TC(X_S | x_R)`` under ``t`` (plus ``KL(mu_i || model_i)``), every term by brute force."""
    n, q = t.ndim, t.shape[0]
    oracle_t = t if model_t is None else model_t
    R: set[int] = set()
    vals = -np.ones(n, dtype=np.int64)
    total, step = 0.0, 0
    while len(R) < n:
        masked = [i for i in range(n) if i not in R]
        co = _cond_table(oracle_t, x, R)
        M = _marginals(co, masked, n, q)
        state = SamplerState(n, vals >= 0, vals.copy(), M, step, pair_mi=_pair_mi(co, masked))
        law = make_sampler(sampler.name, **sampler.params).transitions(state)
        assert len(law) == 1  # a deterministic rule
        S = sorted(law[0][1])
        c = _cond_table(t, x, R)
        axes = [masked.index(i) for i in S]
        cS = c.sum(axis=tuple(a for a in range(c.ndim) if a not in axes))
        truth_m = _marginals(c, masked, n, q)
        total += sum(_H(truth_m[i]) for i in S) - _H(cS.ravel())
        if model_t is not None:
            for i in S:
                p, r = truth_m[i], M[i]
                keep = p > 0
                total += float(np.inf) if np.any(r[keep] <= 0) else float((p[keep] * np.log(p[keep] / r[keep])).sum())
        for i in S:
            vals[i] = x[i]
            R.add(i)
        step += 1
    return total


def _chains():
    P = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]])
    yield MarkovChain(P, [0.6, 0.3, 0.1], 5)
    Z = np.array([[0.0, 0.5, 0.5], [0.3, 0.0, 0.7], [0.5, 0.5, 0.0]])  # zeros: some sequences impossible
    yield MarkovChain(Z, [0.5, 0.5, 0.0], 5)
    yield random_walk("cycle:4", 6)  # a periodic walk with ties everywhere


@pytest.mark.parametrize("name, params", DETERMINISTIC)
def test_stepwise_terms_equal_brute_force_and_average_to_the_exact_kl(name, params):
    """For every sequence of positive probability the kernel's per-draw sum equals the brute-force
    sum of the exact conditional TCs along the rule's path; weighted by mu they add up to the
    exact KL(mu || nu) of the evaluator (the chain rule)."""
    sampler = make_sampler(name, **params)
    for chain in _chains():
        t = _dense(chain.P, chain.start, chain.n)
        xs = np.array([x for x in itertools.product(range(chain.q), repeat=chain.n) if t[x] > 0], dtype=np.int64)
        _, _, _, got = _run_walks(chain, sampler, len(xs), 0, None, forced=xs)
        want = np.array([brute_stepwise(t, sampler, tuple(x)) for x in xs])
        assert np.allclose(got, want, rtol=0, atol=1e-10)
        exact = m.evaluate(chain.joint(), sampler)["kl"]
        w = np.array([t[tuple(x)] for x in xs])
        assert float(w @ got) == pytest.approx(exact, abs=1e-10)


@st.composite
def _small_chain(draw):
    q = draw(st.integers(2, 3))
    n = draw(st.integers(2, 5))
    rows = []
    for _ in range(q):
        r = np.array(draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]), min_size=q, max_size=q)))
        if r.sum() == 0:
            r[draw(st.integers(0, q - 1))] = 1.0
        rows.append(r / r.sum())
    start = np.array(draw(st.lists(st.sampled_from([0.0, 1.0, 2.0]), min_size=q, max_size=q)))
    if start.sum() == 0:
        start[0] = 1.0
    return MarkovChain(np.array(rows), start / start.sum(), n), draw(st.sampled_from(DETERMINISTIC))


@settings(max_examples=40, deadline=None)
@given(_small_chain())
def test_stepwise_brute_force_random_chains(case):
    """Random chains with zeros and ties (hypothesis): kernel = brute force on every support point."""
    chain, (name, params) = case
    sampler = make_sampler(name, **params)
    t = _dense(chain.P, chain.start, chain.n)
    xs = np.array([x for x in itertools.product(range(chain.q), repeat=chain.n) if t[x] > 0], dtype=np.int64)
    _, _, _, got = _run_walks(chain, sampler, len(xs), 0, None, forced=xs)
    want = np.array([brute_stepwise(t, sampler, tuple(x)) for x in xs])
    assert np.allclose(got, want, rtol=0, atol=1e-10)
    assert np.all(got >= -1e-12)  # a sum of conditional total correlations


def test_stepwise_interval_covers_the_exact_kl_at_the_nominal_rate():
    """Over 200 seeds the 95% interval of kl_stepwise contains the exact KL a number of times in
    the 99.9% acceptance region of Binomial(200, 0.95)."""
    from scipy.stats import binom

    P = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]])
    chain = MarkovChain(P, [0.6, 0.3, 0.1], 6)
    sampler = make_sampler("entropy", steps=2)
    exact = m.evaluate(chain.joint(), sampler)["kl"]
    lo, hi = binom.ppf(0.0005, 200, 0.95), binom.isf(0.0005, 200, 0.95)
    hits = 0
    for seed in range(200):
        r = walk_divergences(chain, sampler, samples=60, seed=seed)
        assert r["kl_stepwise_stderr"] > 0  # the per-draw terms vary: a real interval
        hits += r["kl_stepwise_interval"][0] <= exact <= r["kl_stepwise_interval"][1]
    assert lo <= hits <= hi, (hits, exact)


@pytest.mark.parametrize("name, params", [("left_to_right", {"steps": 30}), ("bisection", {})])
def test_stepwise_agrees_with_exact_fixed_order_kl_at_n_300(name, params):
    """At n = 300 (no table) both estimates agree with the exact fixed-order KL of the gap
    programme and with each other."""
    chain = random_walk("lollipop:4,2", 300, start="vertex:0", lazy=0.3)
    sampler = make_sampler(name, **params)
    exact = m.walks.exact_walk_metrics(chain, sampler)["kl"]
    r = walk_divergences(chain, sampler, samples=400, seed=3)
    for key in ("kl_stepwise", "kl_log_ratio"):
        lo, hi = r[f"{key}_interval"]
        width = max(hi - lo, 1e-9)
        assert lo - width <= exact <= hi + width, (key, r[key], exact)  # within twice the 95% half-width
    # the log-ratio terms carry rounding of order 1e-13 where the stepwise ones are exactly 0 (bisection)
    assert abs(r["kl_stepwise"] - r["kl_log_ratio"]) <= 4 * np.hypot(r["kl_stepwise_stderr"], r["kl_log_ratio_stderr"]) + 1e-9


def test_stepwise_agrees_with_log_ratio_for_an_adaptive_rule_at_n_300_and_has_lower_variance():
    """An adaptive rule at n = 300: the two unbiased estimates agree within their errors, the
    stepwise one has the smaller standard error and is the reported kl."""
    chain = random_walk("grid:4x4", 300)
    r = walk_divergences(chain, make_sampler("entropy", steps=30), samples=300, seed=2)
    assert r["kl_stepwise"] > 1.0
    assert abs(r["kl_stepwise"] - r["kl_log_ratio"]) <= 4 * np.hypot(r["kl_stepwise_stderr"], r["kl_log_ratio_stderr"])
    assert r["kl_stepwise_stderr"] < 0.7 * r["kl_log_ratio_stderr"]
    assert r["kl"] == r["kl_stepwise"] and r["kl_estimator"].startswith("stepwise")


def test_one_at_a_time_rules_have_zero_stepwise_terms():
    """Unmasking one position per call is exact with the exact oracle: every term is 0."""
    chain = random_walk("grid:3x3", 40)
    _, _, _, sw = _run_walks(chain, make_sampler("entropy", steps=40), 50, 0, None, forced=chain.sample(50, seed=1))
    assert np.all(sw == 0.0)
    _, _, _, free = _run_walks(chain, make_sampler("entropy", steps=40), 5, 0, None)
    assert np.all(np.isnan(free))  # free runs have no stepwise terms


# -- a model chain that is not the truth (issue 11) --------------------------------------------

from mdmtheory.errors import InputError  # noqa: E402
from mdmtheory.walks import simulate, smoothed_chain  # noqa: E402


def brute_nu(model_t: np.ndarray, sampler) -> np.ndarray:
    """The sampler's output law with the model's dense conditionals, by enumerating every path
    (the model has full support here, so every context is possible)."""
    n, q = model_t.ndim, model_t.shape[0]
    law = np.zeros_like(model_t)

    def rec(vals: np.ndarray, step: int, prob: float) -> None:
        R = {i for i in range(n) if vals[i] >= 0}
        if len(R) == n:
            law[tuple(vals)] += prob
            return
        masked = [i for i in range(n) if i not in R]
        idx = tuple(int(vals[i]) if i in R else slice(None) for i in range(n))
        assert model_t[idx].sum() > 0
        co = model_t[idx] / model_t[idx].sum()
        M = _marginals(co, masked, n, q)
        law_s = make_sampler(sampler.name, **sampler.params).transitions(
            SamplerState(n, vals >= 0, vals.copy(), M, step, pair_mi=_pair_mi(co, masked)))
        assert len(law_s) == 1
        S = sorted(law_s[0][1])
        for y in itertools.product(range(q), repeat=len(S)):
            p = float(np.prod([M[i, v] for i, v in zip(S, y)]))
            if p > 0:
                nxt = vals.copy()
                nxt[S] = y
                rec(nxt, step + 1, prob * p)

    rec(-np.ones(n, dtype=np.int64), 0, 1.0)
    return law


def _exact_divergences(t: np.ndarray, nu: np.ndarray) -> tuple[float, float, float]:
    a, b = t.ravel(), nu.ravel()
    k = a > 0
    kl = float((a[k] * np.log(a[k] / b[k])).sum())
    k = b > 0
    rkl = float("inf") if np.any(a[k] == 0) else float((b[k] * np.log(b[k] / a[k])).sum())
    return kl, rkl, 0.5 * float(np.abs(a - b).sum())


TRUTH_P = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]])


@pytest.mark.parametrize("name, params", DETERMINISTIC)
def test_model_stepwise_terms_equal_brute_force_and_the_exact_kl(name, params):
    """With a misspecified model (kernel smoothed toward uniform): each draw's stepwise sum (TC
    under the truth plus KL(mu_i || model_i) of every unmasked position) equals brute force,
    and their mu-average is KL(mu || nu) of the output law nu enumerated in the test."""
    sampler = make_sampler(name, **params)
    for truth in (MarkovChain(TRUTH_P, [0.6, 0.3, 0.1], 4), MarkovChain(
            np.array([[0.0, 0.5, 0.5], [0.3, 0.0, 0.7], [0.5, 0.5, 0.0]]), [0.5, 0.5, 0.0], 4)):
        model = smoothed_chain(truth, 0.3)
        t = _dense(truth.P, truth.start, truth.n)
        mt = _dense(model.P, model.start, model.n)
        xs = np.array([x for x in itertools.product(range(truth.q), repeat=truth.n) if t[x] > 0], dtype=np.int64)
        _, _, _, got = _run_walks(model, sampler, len(xs), 0, None, forced=xs, truth=truth)
        want = np.array([brute_stepwise(t, sampler, tuple(x), model_t=mt) for x in xs])
        assert np.allclose(got, want, rtol=0, atol=1e-10)
        kl, _, _ = _exact_divergences(t, brute_nu(mt, sampler))
        w = np.array([t[tuple(x)] for x in xs])
        assert kl > 0.01 and float(w @ got) == pytest.approx(kl, abs=1e-10)


@pytest.mark.parametrize("name, params", [("entropy", {"steps": 2}), ("threshold", {"tau": 0.5}), ("eb", {"gamma": 0.4})])
def test_model_estimates_against_the_exact_law(name, params):
    """walk_divergences with a model: both KL estimates, the reverse KL and TV lie within four
    standard errors of the exact values of the enumerated output law (full-support truth)."""
    truth = MarkovChain(TRUTH_P, [0.6, 0.3, 0.1], 5)
    model = smoothed_chain(truth, 0.4)
    sampler = make_sampler(name, **params)
    kl, rkl, tv = _exact_divergences(_dense(truth.P, truth.start, 5), brute_nu(_dense(model.P, model.start, 5), sampler))
    r = walk_divergences(truth, sampler, samples=3000, seed=4, model=model)
    assert r["model"] is True
    for key, exact in (("kl_stepwise", kl), ("kl_log_ratio", kl), ("reverse_kl", rkl), ("tv", tv)):
        assert abs(r[key] - exact) <= 4 * r[f"{key}_stderr"] + 1e-12, (key, r[key], exact)
    assert r["kl_stepwise_stderr"] < r["kl_log_ratio_stderr"]


def test_model_stepwise_coverage():
    """Over 150 seeds the stepwise interval with a model covers the exact KL at the nominal rate
    (99.9% acceptance region of Binomial(150, 0.95))."""
    from scipy.stats import binom

    truth = MarkovChain(TRUTH_P, [0.6, 0.3, 0.1], 5)
    model = smoothed_chain(truth, 0.25)
    sampler = make_sampler("confidence", steps=2)
    kl, _, _ = _exact_divergences(_dense(truth.P, truth.start, 5), brute_nu(_dense(model.P, model.start, 5), sampler))
    lo, hi = binom.ppf(0.0005, 150, 0.95), binom.isf(0.0005, 150, 0.95)
    hits = 0
    for seed in range(150):
        iv = walk_divergences(truth, sampler, samples=60, seed=seed, model=model)["kl_stepwise_interval"]
        hits += iv[0] <= kl <= iv[1]
    assert lo <= hits <= hi, hits


def test_model_off_the_graph_and_errors():
    """A smoothed model leaves the graph: the reverse KL is inf, validity drops, KL stays finite;
    eps = 0 is the truth; bad models and eps are refused."""
    chain = random_walk("cycle:6", 40)
    s = make_sampler("confidence", steps=8)
    r = simulate(chain, s, samples=200, seed=1, model=smoothed_chain(chain, 0.2))
    assert r["reverse_kl"] == float("inf") and r["validity"] < 1.0 and 0 < r["kl"] < float("inf")
    same = smoothed_chain(chain, 0.0)
    assert np.array_equal(same.P, chain.P) and np.allclose(same.start, chain.start, rtol=0, atol=1e-15)
    with pytest.raises(InputError, match="eps"):
        smoothed_chain(chain, 1.5)
    with pytest.raises(InputError, match="length and states"):
        walk_divergences(chain, s, samples=10, model=random_walk("cycle:6", 41))
    with pytest.raises(InputError, match="model must be a MarkovChain"):
        simulate(chain, s, samples=10, model="cycle:6")


def test_load_model_chain_refuses_a_folder_or_fifo(tmp_path):
    import os

    from mdmtheory.errors import InputError
    from mdmtheory.walks import load_model_chain

    truth = random_walk("cycle:4", 5)
    with pytest.raises(InputError, match="is a directory"):
        load_model_chain(tmp_path, truth)
    fifo = tmp_path / "k.npy"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):
        load_model_chain(fifo, truth)
