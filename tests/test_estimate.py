"""estimate_sampler_divergences: unbiased estimates with intervals for any sampler and oracle.

References in this file (not in the library): the exact evaluator on the dense law, the exact
fixed-order KL of chains and dense tables, and a brute-force output law of a sampler querying a
model that is not the truth (enumerated here from the rule's transitions).
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

import mdmtheory as m
from mdmtheory.errors import InputError
from mdmtheory.hmm import HMM
from mdmtheory.hmm_families import block_hmm
from mdmtheory.oracle_estimates import estimate_fixed_order_divergences, estimate_random_order_kl
from mdmtheory.sampler_estimate import estimate_sampler_divergences, path_kind
from tests.conftest import dirichlet_table
from mdmtheory.oracles import TableOracle
from mdmtheory.samplers import SamplerState

from .rules_reference import reference_law

LO, HI = stats.binom.ppf(0.0005, 200, 0.95), stats.binom.isf(0.0005, 200, 0.95)


def _within(est, exact, k=4.5):
    """``exact`` inside ``est ± k standard errors`` (a fixed seed: deterministic)."""
    if np.isinf(exact):
        return np.isinf(est.value)
    return abs(est.value - exact) <= k * est.stderr + 1e-9


# -- coverage at the nominal rate -------------------------------------------------------------------


@pytest.mark.parametrize("name, params", [("entropy", {"steps": 2}), ("threshold", {"tau": 0.5})])
def test_intervals_cover_the_exact_values_at_the_nominal_rate(name, params):
    """Over 200 seeds, the 95% intervals of both KL estimators, the reverse KL and the TV contain
    the evaluator's exact values a number of times inside the 99.9% binomial acceptance region
    of Binomial(200, 0.95).  (A table with less extreme ratios than Dirichlet(0.7): the reverse
    KL's terms ``log nu/mu`` are heavy-tailed there and the Student-t interval needs more draws.
    A degenerate interval -- the stepwise terms of ``threshold`` are all equal -- covers when it
    matches to rounding.)"""
    joint = dirichlet_table(3, alpha=3.0)
    sampler = m.make_sampler(name, **params)
    exact = m.evaluate(joint, sampler)
    assert exact.kl > 0.01 and np.isfinite(exact.reverse_kl)
    hits = dict(kl_log_ratio=0, kl_stepwise=0, reverse_kl=0, tv=0)
    for seed in range(200):
        r = estimate_sampler_divergences(joint, sampler, samples=80, seed=seed)
        if r.kl_stepwise.stderr == 0:  # every visited path has the same TC: the estimate is exact
            assert r.kl_stepwise.value == pytest.approx(exact.kl, abs=1e-12)
            hits["kl_stepwise"] = None
        for k in [k for k in hits if hits[k] is not None]:
            e = getattr(r, k)
            truth = exact.reverse_kl if k == "reverse_kl" else exact.tv if k == "tv" else exact.kl
            hits[k] += e.interval[0] - 1e-12 <= truth <= e.interval[1] + 1e-12
    for k, h in hits.items():
        assert h is None or LO <= h <= HI, (k, h, LO, HI)


def test_random_order_interval_covers_the_expected_kl_at_the_nominal_rate():
    joint = dirichlet_table(5)
    sampler = m.make_sampler("random", steps=2)
    exact = m.evaluate(joint, sampler).expected_kl
    hits = [0, 0]
    for seed in range(200):
        r = estimate_sampler_divergences(joint, sampler, samples=60, seed=seed)
        hits[0] += r.kl_log_ratio.interval[0] <= exact <= r.kl_log_ratio.interval[1]
        hits[1] += r.kl_stepwise.interval[0] <= exact <= r.kl_stepwise.interval[1]
    assert all(LO <= h <= HI for h in hits), hits


# -- agreement with exact values, both estimators ----------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), zeros=st.integers(0, 6),
       q=st.sampled_from([(2, 2, 2, 2), (2, 3, 2), (3, 2, 2, 2), (1, 2, 3)]),
       name=st.sampled_from(["entropy", "confidence", "margin", "left_to_right", "eb", "threshold", "bisection"]))
def test_both_estimators_agree_with_the_evaluator(seed, zeros, q, name):
    """Random tables with zeros, ties (rounded entries) and unequal alphabets: both KL estimators,
    the reverse KL, TV and the expected calls agree with the exact evaluator within their intervals
    (4.5 standard errors); infinite reverse KLs are found."""
    t = np.round(dirichlet_table(seed, q).table * 20) / 20  # ties between marginals
    if zeros:
        t.reshape(-1)[np.random.default_rng(seed).choice(t.size, min(zeros, t.size - 1), replace=False)] = 0.0
    if t.sum() == 0:
        t.reshape(-1)[0] = 1.0
    joint = m.Joint(t / t.sum())
    sampler = m.make_sampler(name)
    exact = m.evaluate(joint, sampler)
    r = estimate_sampler_divergences(joint, sampler, samples=300, seed=seed % 1000)
    assert _within(r.kl_log_ratio, exact.kl) and _within(r.kl_stepwise, exact.kl)
    assert r.kl is r.kl_stepwise
    assert _within(r.tv, exact.tv)
    if np.isinf(r.reverse_kl.value):
        assert np.isinf(exact.reverse_kl)  # a run off the support proves it
    else:
        assert _within(r.reverse_kl, exact.reverse_kl) or np.isinf(exact.reverse_kl)
    assert _within(r.expected_calls, exact.expected_steps)


def test_copies_and_parity_closed_forms():
    """Closed forms: a copy of a fair bit costs (s_1 - 1) bits on its first step; parity of 3
    bits, one position then two, costs 1 bit and puts half the runs off the support."""
    r = estimate_sampler_divergences(m.copy(4), m.make_sampler("left_to_right", schedule=[3, 1]), samples=30, base=2)
    assert r.kl.value == pytest.approx(2.0, abs=1e-12) and r.kl.stderr == pytest.approx(0.0, abs=1e-12)
    assert r.kl_log_ratio.value == pytest.approx(2.0, abs=1e-12)
    assert r.unit == "bits" and r.kl.unit == "bits"
    p = estimate_sampler_divergences(m.parity(3), m.make_sampler("left_to_right", schedule=[1, 2]), samples=400, seed=2)
    assert p.kl.value == pytest.approx(np.log(2), abs=1e-12)
    assert p.reverse_kl.value == np.inf and abs(p.tv.value - 0.5) < 4 * p.tv.stderr
    assert abs(p.support.value - 0.5) < 0.1 and p.support.interval[0] < 0.5 < p.support.interval[1]


# -- chains and HMMs at scale ---------------------------------------------------------------------------


@pytest.mark.slow  # CI only (make test skips it unless CI=true): a minute of CPU or more
def test_left_to_right_on_a_long_chain_agrees_with_the_exact_fixed_order_kl():
    chain = m.random_walk("grid:3x3", 120)
    sampler = m.make_sampler("left_to_right", steps=40)  # blocks of 3: q^2 = 81 calls a step's TC
    sets = [list(range(a, a + 3)) for a in range(0, 120, 3)]
    exact = chain.fixed_order_kl(sets)
    r = estimate_sampler_divergences(chain, sampler, samples=200, seed=4)
    assert r.kl is r.kl_stepwise and _within(r.kl_stepwise, exact) and _within(r.kl_log_ratio, exact)
    ref = estimate_fixed_order_divergences(m.ChainOracle(chain), sets, samples=200, seed=5)
    if np.isinf(ref.reverse_kl) or np.isinf(r.reverse_kl.value):  # blocks leave the graph's edges
        assert np.isinf(ref.reverse_kl) and np.isinf(r.reverse_kl.value)
    else:
        assert abs(r.reverse_kl.value - ref.reverse_kl) <= 4.5 * np.hypot(r.reverse_kl.stderr, ref.reverse_kl_stderr)
    assert abs(r.tv.value - ref.tv) <= 4.5 * np.hypot(r.tv.stderr, ref.tv_stderr)


def test_bisection_is_exact_on_a_long_chain():
    """Bisection reveals a midpoint of every gap: independent given the revealed ends on a chain,
    so every per-draw term is 0 (Bansal et al.)."""
    r = estimate_sampler_divergences(m.random_walk("cycle:5", 200), "bisection", samples=50, seed=1)
    assert r.kl_log_ratio.value == pytest.approx(0.0, abs=1e-9) and r.kl_log_ratio.stderr < 1e-9
    assert r.reverse_kl.value == pytest.approx(0.0, abs=1e-9) and r.tv.value == pytest.approx(0.0, abs=1e-9)
    assert r.expected_calls.value == 8 and r.expected_calls.stderr == 0


def test_hmm_against_its_dense_law_and_the_random_order_estimator():
    h = block_hmm(2, 2, 6, stay=0.8, eps=0.2)
    joint = h.joint()
    for name in ("entropy", "bisection"):
        exact = m.evaluate(joint, name)
        r = estimate_sampler_divergences(h, name, samples=400, seed=3)
        assert _within(r.kl_stepwise, exact.kl) and _within(r.kl_log_ratio, exact.kl)
        assert _within(r.reverse_kl, exact.reverse_kl) and _within(r.tv, exact.tv)
    rnd = estimate_sampler_divergences(h, m.make_sampler("random", steps=3), samples=400, seed=3)
    ref = estimate_random_order_kl(h, [2, 2, 2], samples=400, seed=8)
    assert abs(rnd.kl.value - ref.value) <= 4.5 * np.hypot(rnd.kl.stderr, ref.stderr)
    assert _within(rnd.kl_log_ratio, m.evaluate(joint, m.make_sampler("random", steps=3)).expected_kl)
    assert rnd.reverse_kl is None and "mixture" in rnd.reasons["reverse_kl"]


def test_large_steps_on_an_hmm_fall_back_to_the_log_ratio_with_a_reason():
    h = block_hmm(2, 2, 60)
    r = estimate_sampler_divergences(h, m.make_sampler("left_to_right", steps=2), samples=5, seed=0)
    assert r.kl_stepwise is None and "oracle calls" in r.reasons["kl_stepwise"]
    assert r.kl is r.kl_log_ratio and r.kl.estimator.startswith("log-ratio")


# -- a model that is not the truth -----------------------------------------------------------------------


class Tempered:
    """The truth's conditional rows raised to 1/T and renormalised (a miscalibrated model)."""

    def __init__(self, joint, T):
        self.inner, self.T, self.n = TableOracle(joint), T, joint.n

    def conditional_marginals(self, mask, values):
        P = self.inner.conditional_marginals(mask, values) ** (1.0 / self.T)
        return P / P.sum(axis=1, keepdims=True)


def _brute_law(joint, model, sampler):
    """nu(x) by enumerating every path of a deterministic rule querying ``model``."""
    n, q = joint.n, joint.q
    nu = np.zeros(q)

    def rec(mask, vals, t, p):
        if mask.all():
            nu[tuple(vals)] += p
            return
        P = model.conditional_marginals(mask, vals)
        Pz = P.copy()
        Pz[mask] = 0
        S = list(sampler.transitions(SamplerState(n, mask.copy(), vals.copy(), Pz, step=t, q=q))[0][1])
        for xs in itertools.product(*[range(q[i]) for i in S]):
            w = p * np.prod([P[i, v] for i, v in zip(S, xs)])
            if w > 0:
                m2, v2 = mask.copy(), vals.copy()
                m2[S], v2[S] = True, xs
                rec(m2, v2, t + 1, w)

    rec(np.zeros(n, dtype=bool), np.full(n, -1), 0, 1.0)
    return nu


@pytest.mark.parametrize("name", ["entropy", "confidence", "left_to_right"])
def test_a_tempered_model_against_its_brute_force_law(name):
    joint = dirichlet_table(11)
    model = Tempered(joint, 2.0)
    sampler = m.make_sampler(name, steps=2)
    nu = _brute_law(joint, model, sampler)
    mu = joint.table
    assert nu.sum() == pytest.approx(1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = float(np.sum(stats.entropy(mu.ravel(), nu.ravel())))
        rk = float(stats.entropy(nu.ravel(), mu.ravel()))
    tv = 0.5 * float(np.abs(mu - nu).sum())
    r = estimate_sampler_divergences(joint, sampler, samples=600, seed=7, model=model)
    assert r.model.startswith("<") and r.kl is r.kl_stepwise
    assert _within(r.kl_stepwise, kl) and _within(r.kl_log_ratio, kl)
    assert _within(r.reverse_kl, rk) and _within(r.tv, tv)
    same = estimate_sampler_divergences(joint, sampler, samples=600, seed=7)
    assert r.kl.value > same.kl.value  # tempering adds the marginal KLs


# -- rules whose runs are random, point masses --------------------------------------------------------


def test_point_mass_candidates_are_exact():
    joint = dirichlet_table(2)
    for name in ("llada", "fast_dllm"):
        exact = m.evaluate(joint, name)
        r = estimate_sampler_divergences(joint, name, samples=20, seed=0)
        assert r.path == "point_mass"
        assert r.reverse_kl.value == pytest.approx(exact.reverse_kl, rel=1e-12) and r.reverse_kl.stderr == 0
        assert r.tv.value == pytest.approx(exact.tv, rel=1e-12) and r.kl.value == np.inf == exact.kl
        assert r.expected_calls.value == exact.expected_steps


@pytest.mark.parametrize("name, params", [("dream", {}), ("llada", {"temperature": 1.0}),
                                          ("fast_dllm", {"temperature": 0.5, "variant": "paper", "steps_per_block": 2}),
                                          ("fast_dllm", {"temperature": 0.5}), ("dream", {"alg": "maskgit_plus",
                                                                                          "alg_temp": 0.5,
                                                                                          "temperature": 1.0})])
def test_randomised_rules_report_no_divergence_but_calls_and_support(name, params):
    joint = dirichlet_table(4, zeros=3)
    sampler = m.make_sampler(name, **params)
    exact = m.evaluate(joint, sampler)
    r = estimate_sampler_divergences(joint, sampler, samples=800, seed=1)
    assert r.path == "random" and r.kl is None and r.reverse_kl is None and r.tv is None
    assert "not computable per sample" in r.reasons["kl"]
    assert _within(r.expected_calls, exact.expected_steps)
    support = 1.0 - float(exact.law.table[joint.table == 0].sum())
    # one seed: a 4.5-standard-error band (the 95% interval's coverage is tested over many seeds)
    assert abs(r.support.value - support) <= 4.5 * r.support.stderr + 1e-9
    assert 1.0 - r.support.value <= exact.tv + 4.5 * r.support.stderr  # TV >= nu(mu = 0)


def test_path_kinds():
    assert path_kind(m.make_sampler("llada", remasking="random")) == "random"
    assert path_kind(m.make_sampler("dream", alg="entropy")) == "point_mass"
    assert path_kind(m.make_sampler("fast_dllm", temperature=1.0)) == "random"
    with pytest.raises(InputError):
        path_kind("entropy")


@pytest.mark.parametrize("eps, rounds", [(0.01, "shrinking"), (0.3, "shrinking"), (0.01, "independent")])
def test_punt_rounds_give_the_exact_expected_calls(eps, rounds):
    """punt's runs (candidates, anchor/test rounds) on a table with zeros: the expected number of
    calls (each step's rounds run, counted by the draw) and nu(mu > 0) against the evaluator, under
    both readings of the rounds; the divergences are declined."""
    joint = dirichlet_table(1, zeros=4)
    sampler = m.make_sampler("punt", eps=eps, rounds=rounds)
    exact = m.evaluate(joint, sampler)
    r = estimate_sampler_divergences(joint, sampler, samples=1500, seed=2)
    assert r.kl is None and r.tv is None and "not computable per sample" in r.reasons["tv"]
    assert _within(r.expected_calls, exact.expected_steps)
    support = 1.0 - float(exact.law.table[joint.table == 0].sum())
    assert abs(r.support.value - support) <= 4.5 * max(r.support.stderr, 1e-3)


# -- results and inputs ------------------------------------------------------------------------------------


def test_to_dict_is_strict_json_with_every_field():
    d = estimate_sampler_divergences(m.parity(3), m.make_sampler("left_to_right", schedule=[1, 2]), samples=10).to_dict()
    text = json.dumps(d, allow_nan=False)
    assert '"reverse_kl": "inf"' in text
    for k in ("kl", "kl_stderr", "kl_interval", "kl_estimator", "tv_interval", "expected_calls_interval", "samples",
              "seed", "unit", "kl_log_ratio", "kl_stepwise", "not_estimated", "confidence"):
        assert k in d
    assert d["kl_stepwise"]["estimator"] == d["kl_estimator"]


def test_seed_reproducible_and_seeds_differ():
    a = estimate_sampler_divergences(dirichlet_table(0), "entropy", samples=50, seed=3).to_dict()
    b = estimate_sampler_divergences(dirichlet_table(0), "entropy", samples=50, seed=3).to_dict()
    c = estimate_sampler_divergences(dirichlet_table(0), "entropy", samples=50, seed=4).to_dict()
    assert a == b and a["kl_log_ratio"] != c["kl_log_ratio"]


@pytest.mark.parametrize("kwargs", [
    dict(samples=1), dict(samples="10"), dict(seed=-1), dict(seed=1.5), dict(base=1), dict(confidence=1.0),
    dict(confidence="0.9"), dict(model=Tempered(m.parity(4), 1.0)), dict(model=object()),
])
def test_bad_arguments_raise_input_error(kwargs):
    with pytest.raises(InputError):
        estimate_sampler_divergences(m.parity(3), "entropy", **kwargs)


@pytest.mark.parametrize("truth, sampler", [(np.ones((2, 2)) / 4, "entropy"), (m.parity(3), "nope"),
                                            (m.parity(3), 3), (m.parity(3), m.make_sampler("entropy", steps=5))])
def test_bad_truth_or_sampler_raise_input_error(truth, sampler):
    with pytest.raises(InputError):
        estimate_sampler_divergences(truth, sampler, samples=5)


def test_optimal_needs_the_table_truth():
    exact = m.evaluate(dirichlet_table(6), m.make_sampler("optimal", k=2))
    r = estimate_sampler_divergences(dirichlet_table(6), m.make_sampler("optimal", k=2), samples=300, seed=2)
    assert _within(r.kl, exact.kl)
    with pytest.raises(InputError, match="optimal"):
        estimate_sampler_divergences(block_hmm(2, 2, 4), "optimal", samples=5)
    with pytest.raises(InputError):
        estimate_sampler_divergences(HMM(np.eye(2), np.eye(2), n=3), "entropy", samples=5, model=block_hmm(2, 2, 4))


def test_bisection_on_a_long_hmm_agrees_with_the_fixed_order_estimator():
    """Bisection's selection ignores the values: on an HMM (where it is not exact) it is the
    fixed order m.bisection_partition, estimated independently by estimate_fixed_order_divergences."""
    h = block_hmm(4, 2, 300, stay=0.8, eps=0.2)
    r = estimate_sampler_divergences(h, "bisection", samples=300, seed=1)
    ref = estimate_fixed_order_divergences(h, m.bisection_partition(300), samples=300, seed=2)
    assert r.kl.value > 0.5  # not exact on an HMM
    assert abs(r.kl.value - ref.kl) <= 4.5 * np.hypot(r.kl.stderr, ref.kl_stderr)
    assert abs(r.tv.value - ref.tv) <= 4.5 * np.hypot(r.tv.stderr, ref.tv_stderr)
    assert r.expected_calls.value == len(m.bisection_partition(300))


class Smoothed:
    """The truth's conditional rows mixed with the uniform law on each alphabet (weight lam)."""

    def __init__(self, joint, lam):
        self.inner, self.lam, self.n, self.q = TableOracle(joint), lam, joint.n, joint.q

    def conditional_marginals(self, mask, values):
        P = self.inner.conditional_marginals(mask, values)
        U = (np.arange(P.shape[1])[None, :] < np.array(self.q)[:, None]) / np.array(self.q)[:, None]
        return (1 - self.lam) * P + self.lam * U


def _exact_divergences(mu, nu):
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = float(stats.entropy(mu.ravel(), nu.ravel()))
        rk = float(stats.entropy(nu.ravel(), mu.ravel()))
    return kl, rk, 0.5 * float(np.abs(mu - nu).sum())


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10**6), lam=st.sampled_from([0.05, 0.3, 1.0]), zeros=st.integers(0, 5),
       name=st.sampled_from(["entropy", "margin", "threshold", "eb", "left_to_right"]))
def test_a_smoothed_model_on_random_tables(seed, lam, zeros, name):
    """Random tables with zeros and unequal alphabets, a model smoothed toward uniform: every
    estimate against the brute-force output law (lam = 1: the sampler ignores the data)."""
    joint = dirichlet_table(seed, (2, 3, 2, 2), zeros=zeros)
    model = Smoothed(joint, lam)
    sampler = m.make_sampler(name)
    kl, rk, tv = _exact_divergences(joint.table, _brute_law(joint, model, sampler))
    r = estimate_sampler_divergences(joint, sampler, samples=500, seed=seed % 100, model=model)
    assert _within(r.kl_stepwise, kl) and _within(r.kl_log_ratio, kl) and _within(r.tv, tv)
    assert _within(r.reverse_kl, rk) or (np.isinf(r.reverse_kl.value) and np.isinf(rk)) or \
        (np.isinf(rk) and not np.isinf(r.reverse_kl.value))  # an unseen off-support output


def test_a_misspecified_hmm_model_against_the_brute_force_law():
    """HMM truth, HMM model with another stay probability: the stepwise estimator runs the chain
    rule on the truth's oracle (no table) plus the marginal KLs to the model."""
    truth = block_hmm(2, 2, 5, stay=0.9, eps=0.1)
    model = block_hmm(2, 2, 5, stay=0.6, eps=0.25)
    joint = truth.joint()
    for name in ("entropy", "bisection"):
        sampler = m.make_sampler(name)
        kl, rk, tv = _exact_divergences(joint.table, _brute_law(joint, model, sampler))
        r = estimate_sampler_divergences(truth, sampler, samples=800, seed=5, model=model)
        assert r.kl is r.kl_stepwise and _within(r.kl_stepwise, kl) and _within(r.kl_log_ratio, kl)
        assert _within(r.reverse_kl, rk) and _within(r.tv, tv)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(3, 6), qmax=st.integers(1, 3),
       name=st.sampled_from(["entropy", "confidence", "margin", "left_to_right", "eb", "threshold", "bisection",
                             "llada", "fast_dllm", "dream-entropy", "dream-topk_margin"]))
def test_kernel_selection_matches_sampler_transitions(seed, n, qmax, name):
    """The estimator's selection (rule kernels, compiled statistics) against the plain-Python
    rules of ``tests/rules_reference.py``, on random states with zeros, ties (rounded marginals) and unequal
    alphabets; candidate rules at temperature 0 also give the same candidate values."""
    from mdmtheory.sampler_estimate import _Runner

    rng = np.random.default_rng(seed)
    q = rng.integers(1, qmax + 1, size=n)
    P = np.zeros((n, qmax))
    for i in range(n):
        P[i, : q[i]] = np.round(rng.dirichlet(np.ones(q[i])) * 4) + (rng.random(q[i]) < 0.3)
        P[i, : q[i]] = P[i, : q[i]] / P[i, : q[i]].sum() if P[i].sum() > 0 else 1.0 / q[i]
    mask = rng.random(n) < 0.4
    if mask.all():
        mask[rng.integers(n)] = False
    vals = np.where(mask, [int(rng.integers(q[i])) for i in range(n)], -1)
    for i in np.flatnonzero(mask):
        P[i] = 0.0
        P[i, vals[i]] = 1.0
    sampler = m.make_sampler("dream", alg=name[6:], steps=3) if name.startswith("dream") else m.make_sampler(name)
    t = int(rng.integers(0, 2))
    if name == "llada" or name.startswith("dream"):
        t = 0
    runner = _Runner(sampler, None, n, q.astype(np.int64), qmax)
    S, cand, _, calls = runner.select(P, mask, vals, t)
    assert calls == sampler.step_calls(int((~mask).sum()))  # one call: no rule here runs rounds
    Pz = P.copy()
    Pz[mask] = 0
    rows = reference_law(sampler.name, sampler.params, n, [int(v) for v in q], mask, Pz, t)
    assert len(rows) == 1 and rows[0][0] == pytest.approx(1.0)
    assert tuple(int(i) for i in S) == rows[0][1]
    if cand is not None:
        assert tuple(int(v) for v in cand) == rows[0][2]


class NoLikelihood:
    """A user's truth: exact conditionals and samples of a table, but no log_prob."""

    def __init__(self, joint):
        self.inner, self.n, self.q = TableOracle(joint), joint.n, joint.q

    def conditional_marginals(self, mask, values):
        return self.inner.conditional_marginals(mask, values)

    def sample(self, rng, k):
        return self.inner.sample(rng, k)


def test_a_truth_without_log_prob_gets_the_stepwise_estimate_only():
    """The chain rule of set_total_correlation on a generic oracle (no table slicing) gives the
    stepwise estimate; the log-ratio, reverse KL, TV and support say why they are missing."""
    joint = dirichlet_table(9)
    sampler = m.make_sampler("entropy", steps=2)
    exact = m.evaluate(joint, sampler)
    r = estimate_sampler_divergences(NoLikelihood(joint), sampler, samples=400, seed=1)
    assert r.kl is r.kl_stepwise and _within(r.kl, exact.kl)
    assert r.kl_log_ratio is None and r.reverse_kl is None and r.tv is None and r.support is None
    assert all("log_prob" in r.reasons[k] for k in ("kl_log_ratio", "reverse_kl", "tv", "support"))
    assert _within(r.expected_calls, exact.expected_steps)


class Broken:
    def __init__(self, n, out):
        self.n, self.out = n, out

    def conditional_marginals(self, mask, values):
        return self.out


@pytest.mark.parametrize("out", [np.full((3, 2), np.nan), np.full((3, 2), -0.5), np.zeros((2, 2)), np.zeros((3, 5)),
                                 np.zeros((3, 2)), np.full((3, 2), 0.6), "junk", np.zeros(3)])
def test_a_model_returning_bad_marginals_raises_input_error(out):
    with pytest.raises(InputError):
        estimate_sampler_divergences(m.parity(3), "entropy", samples=3, model=Broken(3, out))


def test_punt_pairwise_on_impossible_contexts_follows_the_evaluator():
    """Parity of three bits beside a copy of three: punt_pairwise reveals a pairwise-independent
    set first, which can break the parity; the pairwise tests on that impossible context take the
    evaluator's convention (no dependence) instead of failing, and the estimates match it."""
    t = np.zeros((2,) * 6)
    for x in itertools.product(range(2), repeat=6):
        if (x[0] ^ x[1] ^ x[2]) == 0 and x[3] == x[4] == x[5]:
            t[x] = 1.0
    joint = m.Joint(t / t.sum())
    sampler = m.make_sampler("punt_pairwise")
    exact = m.evaluate(joint, sampler)
    r = estimate_sampler_divergences(joint, sampler, samples=600, seed=3)
    assert exact.tv > 0.2 and np.isinf(exact.reverse_kl)
    assert _within(r.kl, exact.kl) and _within(r.tv, exact.tv) and np.isinf(r.reverse_kl.value)
    assert _within(r.expected_calls, exact.expected_steps)


# ------------------------------------------------------------------ review fixes
def test_frechet_profile_at_temperature_0_is_a_point_mass_with_exact_reverse_kl():
    """frechet_profile's argmax candidates and deterministic commit rule: one sequence y, so
    KL(nu || mu) = -log mu(y) and TV = 1 - mu(y) exactly (y read off the exact evaluator)."""
    joint = dirichlet_table(5)
    sampler = m.make_sampler("frechet_profile")
    assert path_kind(sampler) == "point_mass"
    law = m.evaluate(joint, sampler).law.table
    y = np.unravel_index(int(np.argmax(law)), law.shape)
    assert law[y] == pytest.approx(1.0)
    est = estimate_sampler_divergences(joint, sampler, samples=20, seed=1)
    assert est.reverse_kl.value == pytest.approx(-np.log(joint.table[y]), rel=1e-12)
    assert est.tv.value == pytest.approx(1.0 - joint.table[y], rel=1e-12)


def test_a_model_over_other_alphabets_is_refused():
    truth = m.Joint(np.full((2, 3), 1 / 6))
    wide = m.CallableOracle(lambda mask, vals: [[0.2, 0.2, 0.6], [1 / 3] * 3], (3, 3))
    with pytest.raises(InputError, match="alphabet"):
        estimate_sampler_divergences(truth, "left_to_right", samples=10, model=wide)


class _Leaky:
    """A model without q that puts mass past position 0's alphabet (q_0 = 2)."""

    n = 2

    def conditional_marginals(self, mask, vals):
        return np.array([[0.2, 0.2, 0.6], [1 / 3, 1 / 3, 1 / 3]])


def test_mass_past_the_alphabet_is_refused_not_clamped():
    truth = m.Joint(np.full((2, 3), 1 / 6))
    with pytest.raises(InputError, match="past the alphabet of position 0"):
        estimate_sampler_divergences(truth, "left_to_right", samples=10, model=_Leaky())


def test_a_model_error_is_not_taken_for_an_impossible_context():
    """Only ImpossibleContext means probability 0; a model's malformed rows stop the estimate."""
    truth = m.copy(3)
    bad = m.CallableOracle(lambda mask, vals: np.full((3, 2), 0.7), (2, 2, 2))
    with pytest.raises(InputError, match="sums to"):
        estimate_sampler_divergences(truth, "left_to_right", samples=10, model=bad)


def test_a_proven_infinite_kl_has_stderr_0_in_every_engine():
    """One draw of nu off the support of mu proves KL(nu || mu) = inf: the table estimator, the
    HMM fixed-order estimator and the walk estimator all report it as inf with stderr 0."""
    joint = m.copy(3)  # nu of one parallel step puts mass off the copies
    est = estimate_sampler_divergences(joint, m.make_sampler("left_to_right", schedule=[3]), samples=50, seed=0)
    assert est.reverse_kl.value == np.inf and est.reverse_kl.stderr == 0.0
    hmm = block_hmm(2, 2, 4, stay=1.0, eps=0.0)
    fo = estimate_fixed_order_divergences(hmm, [[0, 1, 2, 3]], samples=50, seed=0)
    assert fo.reverse_kl == np.inf and fo.reverse_kl_stderr == 0.0
    walk = m.walk_divergences(m.random_walk("cycle:6", 6), m.make_sampler("left_to_right", schedule=[6]), samples=50)
    assert walk["reverse_kl"] == np.inf and walk["reverse_kl_stderr"] == 0.0


def test_punt_issue_example_estimated_calls():
    """X0 a fair bit, X1 = X2 a copied fair bit (issue 18): every run of punt costs 6 calls under
    rounds = independent ({0}, {1}, {2}: 3 + 2 + 1) and 4 under shrinking ({0, 2}, {1}: 3 + 1),
    the evaluator's numbers; the estimator's runs count them through Sampler.draw."""
    t = np.zeros((2, 2, 2))
    for a in range(2):
        for b in range(2):
            t[a, b, b] = 0.25
    J = m.Joint(t)
    for rounds, calls in (("independent", 6), ("shrinking", 4)):
        sampler = m.make_sampler("punt", rounds=rounds)
        assert m.evaluate(J, sampler).expected_steps == pytest.approx(calls)
        r = estimate_sampler_divergences(J, sampler, samples=64, seed=3)
        assert r.expected_calls.value == pytest.approx(calls) and r.expected_calls.stderr == pytest.approx(0.0)
