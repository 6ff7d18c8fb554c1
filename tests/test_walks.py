"""The walk Monte Carlo engine: selection rules against samplers.select, laws against the exact
evaluator, metrics against closed forms."""

from __future__ import annotations

from math import ceil, log2

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory import InputError
from mdmtheory.exact import evaluate
from mdmtheory.markov import random_walk
from mdmtheory.samplers import SamplerState, make_sampler

from mdmtheory.walks import (
    exact_walk_metrics,
    sample_walks,
    settled_powers,
    simulate,
    walk_metrics,
    wilson_interval,
)

from .rules_reference import reference_law
from .walk_reference import pair_mi_fn, reference_sample_walks, select_on_state

DETERMINISTIC = [
    ("left_to_right", {"steps": 3}),
    ("confidence", {"steps": 3}),
    ("margin", {"steps": 2}),
    ("entropy", {"schedule": [1, 3, 2]}),
    ("threshold", {"tau": 0.6}),
    ("eb", {"gamma": 0.4}),
    ("eb", {"gamma": 0.2, "proxy": "margin"}),
    ("eb", {"gamma": 0.3, "proxy": "confidence"}),
    ("punt_pairwise", {"delta": 0.02}),
    ("bisection", {}),
]
ALL = [("random", {"steps": 3})] + DETERMINISTIC
GRAPHS = [("cycle:5", "vertex:0", 0.0), ("barbell:3", "stationary", 0.0), ("path:4", "uniform", 0.3)]


def _partial(chain, seed: int, possible: bool = True) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = chain.sample(1, seed=seed)[0] if possible else rng.integers(chain.q, size=chain.n)
    return np.where(rng.random(chain.n) < 0.45, x, -1)


@pytest.mark.parametrize("name, params", DETERMINISTIC)
@given(seed=st.integers(0, 2**31), which=st.integers(0, 2), possible=st.booleans(), step=st.integers(0, 3))
@settings(max_examples=25)
def test_kernel_selection_equals_select(name, params, seed, which, possible, step):
    """On random partial walks (possible or not) the numba rule picks what Sampler.select picks,
    from the same marginals (bridges, or uniform on an impossible context)."""
    spec, start, lazy = GRAPHS[which]
    chain = random_walk(spec, 6, start=start, lazy=lazy)
    vals = _partial(chain, seed, possible)
    if np.all(vals >= 0):
        vals[seed % chain.n] = -1
    sampler = make_sampler(name, **params)
    got, marg = select_on_state(chain, sampler, vals, step)
    ok = chain.is_valid_partial(vals)
    want_marg = chain.conditionals(vals) if ok else np.where((vals < 0)[:, None], np.full((chain.n, chain.q), 1.0 / chain.q), 0.0)
    assert np.allclose(marg, want_marg, atol=1e-12)
    Pw = [np.linalg.matrix_power(chain.P, d) for d in range(chain.n + 1)]
    state = SamplerState(chain.n, vals >= 0, vals, want_marg, step, pair_mi=pair_mi_fn(Pw, [chain.start @ M for M in Pw], vals, ok))
    assert sampler.select(state) == [(1.0, got)]
    # and the independent plain-Python rule (tests/rules_reference.py) agrees
    ref = reference_law(name, sampler.params, chain.n, [chain.q] * chain.n, vals >= 0, want_marg, step, state.pair_mi)
    assert ref == [(1.0, got, None)]


def _chi_square_pvalue(observed: np.ndarray, expected: np.ndarray) -> float:
    """Pearson's chi-square p-value, the cells with expected count below 5 pooled into one."""
    from scipy.stats import chisquare

    small = expected < 5
    obs = np.append(observed[~small], observed[small].sum())
    exp = np.append(expected[~small], expected[small].sum())
    keep = exp > 0
    obs, exp = obs[keep], exp[keep] * obs[keep].sum() / exp[keep].sum()
    if obs.size < 2:
        return 1.0
    return float(chisquare(obs, exp).pvalue)


def test_chi_square_helper_rejects_a_wrong_law():
    """The helper can fail: 6000 draws of a law against a law 10% off on one cell."""
    rng = np.random.default_rng(0)
    p = np.full(40, 1 / 40)
    counts = np.bincount(rng.choice(40, size=6000, p=p), minlength=40).astype(float)
    assert _chi_square_pvalue(counts, 6000 * p) > 1e-3
    q = p.copy()
    q[0] *= 2.0
    q /= q.sum()
    wrong = np.bincount(rng.choice(40, size=6000, p=q), minlength=40).astype(float)
    assert _chi_square_pvalue(wrong, 6000 * p) < 1e-6


@pytest.mark.parametrize("name, params", ALL)
def test_simulation_agrees_with_exact_evaluator(name, params):
    """At small n the simulated validity lies in its 99.9% Wilson interval around the exact
    nu(walks) of mdmtheory.evaluate, the mean number of calls agrees, and the empirical law
    passes a chi-square test against nu on its support (and never leaves it)."""
    for spec, start, lazy in GRAPHS[:2]:
        chain = random_walk(spec, 6, start=start, lazy=lazy)
        sampler = make_sampler(name, **params)
        exact = exact_walk_metrics(chain, sampler)
        x, calls = sample_walks(chain, sampler, 6000, seed=11)
        sim = walk_metrics(chain, x, calls)
        lo, hi = wilson_interval(int(round(sim["validity"] * 6000)), 6000, z=3.29)
        assert lo <= exact["validity"] <= hi
        sd = calls.std() / np.sqrt(len(calls)) + 1e-9
        assert abs(sim["expected_steps"] - exact["expected_steps"]) <= 4 * sd + 1e-6
        nu = evaluate(chain.joint(), sampler)["law"].table
        counts = np.zeros(nu.shape)
        np.add.at(counts, tuple(x.T), 1.0)
        assert counts[nu <= 0].sum() == 0  # no sample outside the support of the exact law
        assert _chi_square_pvalue(counts[nu > 0], len(x) * nu[nu > 0]) > 1e-6


@pytest.mark.parametrize("name, params", [("random", {"steps": 2}), ("entropy", {"steps": 2}), ("punt_pairwise", {"delta": 0.05})])
def test_numba_engine_agrees_with_numpy_reference(name, params):
    """The numba engine and the plain numpy forward-backward + Sampler.select reference give the
    same validity and transition fraction within sampling error (different random streams)."""
    chain = random_walk("cycle:6", 8, start="vertex:0")
    sampler = make_sampler(name, **params)
    a = walk_metrics(chain, *sample_walks(chain, sampler, 3000, seed=1))
    b = walk_metrics(chain, *reference_sample_walks(chain, sampler, 800, seed=2))
    se = np.sqrt(0.25 / 3000 + 0.25 / 800)
    assert abs(a["validity"] - b["validity"]) <= 4 * se
    assert abs(a["valid_transition_fraction"] - b["valid_transition_fraction"]) <= 4 * se
    assert a["expected_steps"] == pytest.approx(b["expected_steps"], abs=0.15)


def test_left_to_right_exact_kl_two_engines():
    """exact_walk_metrics' kl (dense evaluator) equals the gap programme of the same blocks."""
    chain = random_walk("grid:2x3", 7, start="vertex:2")
    r = exact_walk_metrics(chain, make_sampler("left_to_right", schedule=[3, 2, 2]))
    assert r["kl"] == pytest.approx(chain.fixed_order_kl([[0, 1, 2], [3, 4], [5, 6]]), abs=1e-10)


def test_bisection_walks_always_valid():
    """Bisection with the exact oracle samples the chain exactly: every sample is a walk,
    in ceil(log2(n+1)) calls."""
    chain = random_walk("grid:4x4", 300, start="vertex:5")
    r = simulate(chain, "bisection", samples=300, seed=4)
    assert r["validity"] == 1.0 and r["valid_transition_fraction"] == 1.0
    assert r["max_steps"] == r["expected_steps"] == ceil(log2(301))
    assert r["kernel_kl"] < 0.05 and r["start_tv"] == 0.0
    big = exact_walk_metrics(chain, make_sampler("bisection"))
    assert big["kl"] == 0.0 and big["max_steps"] == 9


def test_seeded():
    """Same seed, same samples; another seed, other samples."""
    chain = random_walk("petersen", 30)
    s = make_sampler("entropy", steps=6)
    a, ca = sample_walks(chain, s, 50, seed=3)
    b, cb = sample_walks(chain, s, 50, seed=3)
    c, _ = sample_walks(chain, s, 50, seed=4)
    assert np.array_equal(a, b) and np.array_equal(ca, cb)
    assert not np.array_equal(a, c)


def test_metrics_closed_forms():
    """Exact samples are valid; i.i.d. uniform states on a q-cycle use an edge with
    probability 2/q; the empirical first state of exact samples matches start."""
    chain = random_walk("cycle:8", 12)
    r = walk_metrics(chain, chain.sample(4000, seed=0))
    assert r["validity"] == 1.0 and r["valid_transition_fraction"] == 1.0 and r["kernel_kl"] < 0.01
    assert r["kernel_tv"] < 0.03 and r["start_tv"] < 0.05
    x = np.random.default_rng(0).integers(8, size=(4000, 12))
    r = walk_metrics(chain, x)
    # the steps x_{t+1} - x_t (mod 8) of i.i.d. uniform states are i.i.d. uniform: the valid
    # transitions are Binomial(44000, 1/4); an exact two-sided binomial test
    from scipy.stats import binomtest

    valid = int(round(r["valid_transition_fraction"] * 4000 * 11))
    assert binomtest(valid, 4000 * 11, 0.25).pvalue > 1e-6
    assert r["kernel_kl"] == float("inf")
    assert r["validity"] < 1e-3


def test_wilson_interval_closed_forms():
    """Wilson: symmetric about 1/2 at k = N/2, [0, z^2/(N+z^2)] at k = 0."""
    lo, hi = wilson_interval(0, 20)
    z2 = 1.959963984540054**2
    assert lo == 0.0 and hi == pytest.approx(z2 / (20 + z2), rel=1e-12, abs=1e-12)
    lo, hi = wilson_interval(10, 20)
    assert lo + hi == pytest.approx(1.0, rel=1e-12, abs=1e-12)
    with pytest.raises(InputError):
        wilson_interval(0, 0)


def test_settled_powers_match_matrix_power():
    """Settled powers stand for every P^d."""
    chain = random_walk("lollipop:4,2", 2000, start="vertex:0")
    Pw, D, L, mu = settled_powers(chain.P, chain.start, chain.n)
    from mdmtheory._kernels.markov import settle

    for d in (1, D, D + 1, D + 3, 1999):
        assert np.allclose(Pw[settle(d, D, L)], np.linalg.matrix_power(chain.P, d), atol=1e-13)


def test_errors():
    """optimal cannot run on walks; bad sample counts are refused."""
    chain = random_walk("cycle:5", 5)
    with pytest.raises(InputError, match="optimal"):
        simulate(chain, make_sampler("optimal"))
    with pytest.raises(InputError, match="positive integer"):
        sample_walks(chain, "random", 0)
    with pytest.raises(InputError, match="adaptive"):
        exact_walk_metrics(random_walk("cycle:5", 400), make_sampler("entropy"))
    with pytest.raises(InputError, match="length n = 5"):
        walk_metrics(chain, np.zeros((3, 4), dtype=int))


@pytest.mark.parametrize("spec, start", [("cycle:5", "vertex:0"), ("barbell:3", "stationary"), ("lollipop:3,2", "vertex:4")])
def test_left_to_right_metrics_without_a_table(spec, start):
    """The O(n q^3) left-to-right metrics equal the dense evaluator's at n = 6 for many block
    splits (impossible prefixes handled with the uniform oracle, as the evaluator)."""
    chain = random_walk(spec, 6, start=start)
    for sizes in ([2, 2, 2], [3, 1, 2], [6], [1] * 6, [1, 1, 4], [2, 1, 1, 2]):
        want = exact_walk_metrics(chain, make_sampler("left_to_right", schedule=sizes))
        got = m.walks.left_to_right_walk_metrics(chain, sizes)
        for k in ("validity", "valid_transition_fraction", "kernel_tv", "kernel_kl"):
            assert got[k] == pytest.approx(want[k], abs=1e-10)


def test_left_to_right_large_n_against_simulation():
    """At n = 120 (no table) the exact left-to-right validity lies in the simulation's 99.9% interval."""
    chain = random_walk("path:4", 120, start="vertex:0", lazy=0.5)
    sampler = make_sampler("left_to_right", steps=60)
    exact = exact_walk_metrics(chain, sampler)
    assert exact["kl"] > 0 and 0 < exact["validity"] < 1
    x, calls = sample_walks(chain, sampler, 4000, seed=5)
    sim = walk_metrics(chain, x, calls)
    lo, hi = wilson_interval(int(round(sim["validity"] * 4000)), 4000, z=3.29)
    assert lo <= exact["validity"] <= hi
    assert sim["valid_transition_fraction"] == pytest.approx(exact["valid_transition_fraction"], abs=0.01)
    assert sim["kernel_tv"] == pytest.approx(exact["kernel_tv"], abs=0.02)


def test_settled_powers_sparse_path():
    """A 48-vertex sparse walk (sparse products) has the same powers as dense matrix powers."""
    chain = random_walk("grid:6x8", 300, start="vertex:0")
    Pw, D, L, mu = settled_powers(chain.P, chain.start, chain.n)
    from mdmtheory._kernels.markov import settle

    for d in (1, 17, D, 299):
        assert np.allclose(Pw[settle(d, D, L)], np.linalg.matrix_power(chain.P, d), atol=1e-13)


def test_settled_powers_hold_the_settle_tolerance_on_a_slow_chain():
    """The walk simulator's matrix powers on a two-state chain with spectral gap 2^-12: every
    power beyond the settling point equals the closed form to 1e-12 (the former increment rule
    erred by 4.1e-11)."""
    from mdmtheory._kernels.markov import settle

    a, n = 2.0**-13, 300_000
    P = np.array([[1 - a, a], [a, 1 - a]])
    Pw, D, L, mu = settled_powers(P, np.array([1.0, 0.0]), n)
    worst = max(abs(Pw[settle(d, D, L)][0, 0] - (1 + np.exp(d * np.log1p(-2 * a))) / 2) for d in range(D + 1, n, 997))
    assert worst <= 1e-12


# -- unbiased KL / reverse KL / TV estimates with intervals (issue 11) ---------------------------


def test_walk_divergence_intervals_cover_the_exact_values_at_the_nominal_rate():
    """Over 200 seeds, the 95% intervals of KL, reverse KL and TV contain the exact values (from
    the evaluator on the dense law) a number of times inside the 99.9% binomial acceptance region
    of Binomial(200, 0.95): a biased estimator or a too-narrow interval fails."""
    from scipy.stats import binom

    P = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]])
    chain = m.MarkovChain(P, [0.6, 0.3, 0.1], 5)  # full support: the reverse KL is finite
    sampler = m.make_sampler("confidence", steps=2)
    exact = m.evaluate(chain.joint(), sampler)
    lo, hi = binom.ppf(0.0005, 200, 0.95), binom.isf(0.0005, 200, 0.95)
    hits = {"kl": 0, "reverse_kl": 0, "tv": 0}
    for seed in range(200):
        r = m.walk_divergences(chain, sampler, samples=100, seed=seed)
        for k in hits:
            a, b = r[f"{k}_interval"]
            hits[k] += a <= exact[k] <= b
    assert exact["kl"] > 0.05 and np.isfinite(exact["reverse_kl"])
    for k, h in hits.items():
        assert lo <= h <= hi, (k, h, lo, hi)


@pytest.mark.parametrize("name, params", [("left_to_right", {"steps": 30}), ("bisection", {})])
def test_walk_divergence_agrees_with_the_exact_fixed_order_kl_at_large_n(name, params):
    chain = m.random_walk("grid:4x4", 300)
    sampler = m.make_sampler(name, **params)
    sets = (m.bisection_partition(300) if name == "bisection"
            else [list(range(a, b)) for a, b in zip(*(lambda c: (c[:-1], c[1:]))(np.cumsum([0, *sampler.sizes(300)])))])
    exact = chain.fixed_order_kl(sets)
    r = m.walk_divergences(chain, sampler, samples=400, seed=5)
    if name == "bisection":
        # bisection is exact: every per-draw log-ratio is 0 up to rounding of the sums of logs
        assert exact == 0.0 and max(abs(r["kl"]), abs(r["reverse_kl"]), r["tv"]) <= 1e-10
    else:
        assert abs(r["kl"] - exact) <= 5 * r["kl_stderr"], (r["kl"], exact, r["kl_stderr"])
        assert r["reverse_kl"] > 0 and 0 < r["tv"] <= 1


def test_walk_divergences_refuse_random_selection_and_simulate_omits_them():
    chain = m.random_walk("cycle:5", 6)
    for sampler in (m.make_sampler("random", steps=2), m.make_sampler("llada", steps=2, temperature=1.0)):
        with pytest.raises(m.InputError, match="deterministic"):
            m.walk_divergences(chain, sampler, samples=10)
        assert m.simulate(chain, sampler, samples=10).get("kl") is None


def test_cli_walk_samples_prints_a_finite_kl_with_its_interval():
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "mdmtheory", "walk", "--graph", "grid:8x8", "--length", "64", "--sampler",
                          "entropy", "--param", "steps=8", "--samples", "200", "--seed", "1", "--json"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    assert isinstance(r["kl"], float) and r["kl_interval"][0] <= r["kl"] <= r["kl_interval"][1]
    # kl is the stepwise estimate (fixed in advance), named; the log-ratio one beside it
    assert r["kl"] == r["kl_stepwise"] and r["kl_estimator"].startswith("stepwise")
    assert r["kl_log_ratio_interval"][0] <= r["kl_log_ratio"] <= r["kl_log_ratio_interval"][1]
    assert r["samples"] == 200 and r["seed"] == 1
