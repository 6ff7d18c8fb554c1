"""Hidden Markov models: every fast path against brute-force enumeration of the dense law."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import mdmtheory as m
from tests.conftest import hmms, junk_failures
from mdmtheory.errors import InputError
from mdmtheory.bisection import block_bisection_partition, separated_rounds
from mdmtheory.estimate import set_entropy, set_total_correlation
from mdmtheory.hmm import HMM, load_hmm
from mdmtheory.hmm_families import block_hmm, noisy_walk, order_m_chain, parse_hmm, random_order_m_kernel
from mdmtheory.markov import ChainOracle
from mdmtheory.oracle_estimates import (
    estimate_dual_total_correlation,
    estimate_fixed_order_divergences,
    estimate_information_curve,
    estimate_random_order_kl,
    estimate_total_correlation,
)


# ----------------------------------------------------------------- references
def brute_table(A, B, start, n):
    """``mu(x)`` by summing over every hidden path: the definition, ``O(h^n q^n n)``."""
    A, B, start = np.asarray(A), np.asarray(B), np.asarray(start)
    h, q = B.shape
    t = np.zeros((q,) * n)
    for z in itertools.product(range(h), repeat=n):
        pz = start[z[0]] * math.prod(A[z[k - 1], z[k]] for k in range(1, n))
        if pz == 0:
            continue
        for x in itertools.product(range(q), repeat=n):
            t[x] += pz * math.prod(B[z[k], x[k]] for k in range(n))
    return t


def brute_conditionals(table, vals):
    """``mu(x_i | x_R)`` from the dense table; ``None`` if ``x_R`` has probability 0."""
    n = table.ndim
    idx = tuple(int(v) if v >= 0 else slice(None) for v in vals)
    sub = np.zeros_like(table)
    sub[idx] = table[idx]
    mass = sub.sum()
    if mass <= 0:
        return None, -np.inf
    out = np.zeros((n, table.shape[0]))
    for i in range(n):
        out[i] = sub.sum(axis=tuple(k for k in range(n) if k != i)) / mass
    return out, math.log(mass)


def step_kl(joint, T, S):
    """``E TC(X_S | X_T) = sum_{i in S} H(X_i | X_T) - H(X_S | X_T)`` from the dense law."""
    T = list(T)
    return sum(m.conditional_entropy(joint, [i], T) for i in S) - m.conditional_entropy(joint, list(S), T)


# ----------------------------------------------------------------- conditionals
@given(hmms())
def test_conditionals_match_enumeration(case):
    """Conditionals and log mu(x_R) equal the dense law's, for revealed sets with gaps, and
    impossible values are refused exactly when the dense law gives them probability 0."""
    hmm, rng = case
    table = brute_table(hmm.transition, hmm.emission, hmm.start, hmm.n)
    for _ in range(4):
        vals = np.where(rng.random(hmm.n) < 0.5, rng.integers(0, hmm.q, hmm.n), -1)
        ref, logz = brute_conditionals(table, vals)
        if ref is None:
            with pytest.raises(InputError, match="probability 0"):
                hmm.conditionals(vals)
            assert hmm.log_marginal(vals) == -np.inf
            continue
        got = hmm.conditionals(vals)
        np.testing.assert_allclose(got, ref, atol=1e-10)
        assert hmm.log_marginal(vals) == pytest.approx(logz, abs=1e-10)


@given(hmms(max_n=6, max_h=4, max_q=4))
def test_batch_conditionals_equal_single_calls(case):
    hmm, rng = case
    x = hmm.sample(rng, 5)
    vals = np.where(rng.random(x.shape) < 0.5, x, -1)
    got = hmm.conditionals_batch(vals)
    for w in range(5):
        np.testing.assert_array_equal(got[w], hmm.conditionals(vals[w]))


def test_batch_conditionals_refuse_impossible_rows():
    walk = noisy_walk("cycle:4", 0.0, 3)
    with pytest.raises(InputError, match="row 1"):
        walk.conditionals_batch([[0, 1, -1], [0, 2, -1]])
    with pytest.raises(InputError):
        walk.conditionals_batch([0, 1, -1])


@given(hmms())
def test_leave_one_out_matches_enumeration(case):
    """Revealed rows of leave_one_out are the dense law's conditionals given the other revealed
    values; masked rows equal conditionals()."""
    hmm, rng = case
    table = brute_table(hmm.transition, hmm.emission, hmm.start, hmm.n)
    x = hmm.sample(rng, 1)[0]
    vals = np.where(rng.random(hmm.n) < 0.7, x, -1)
    got = hmm.leave_one_out(vals)
    np.testing.assert_allclose(got[vals < 0], hmm.conditionals(vals)[vals < 0], atol=1e-12)
    for i in np.flatnonzero(vals >= 0):
        others = vals.copy()
        others[i] = -1
        ref, _ = brute_conditionals(table, others)
        np.testing.assert_allclose(got[i], ref[i], atol=1e-10)


@given(hmms())
def test_dense_law_and_log_prob_match_enumeration(case):
    """joint() and log_prob() equal the sum over hidden paths."""
    hmm, _ = case
    table = brute_table(hmm.transition, hmm.emission, hmm.start, hmm.n)
    np.testing.assert_allclose(hmm.joint().table, table, atol=1e-12)
    xs = np.array(list(itertools.product(range(hmm.q), repeat=hmm.n)), dtype=np.int64)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(hmm.log_prob(xs), np.log(table[tuple(xs.T)]), atol=1e-10)


@given(hmms(max_n=4))
def test_set_entropy_and_tc_match_dense(case):
    """H(X_S | x_R) and TC(X_S | x_R) by the chain rule equal the dense conditional law's."""
    hmm, rng = case
    joint = hmm.joint()
    x = hmm.sample(rng, 1)[0]
    mask = rng.random(hmm.n) < 0.4
    free = np.flatnonzero(~mask)
    if free.size == 0:
        return
    S = sorted(rng.choice(free, size=min(free.size, 3), replace=False).tolist())
    pinned = {int(i): int(x[i]) for i in np.flatnonzero(mask)}
    ref_tc = m.conditional_total_correlation(joint, S, pinned)
    assert set_total_correlation(hmm, mask, x, S) == pytest.approx(ref_tc, abs=1e-9)
    cond = joint.conditional(pinned) if pinned else joint
    freepos = [i for i in range(hmm.n) if i not in pinned]
    ref_h = m.entropy(cond, [freepos.index(i) for i in S])
    assert set_entropy(hmm, mask, x, S) == pytest.approx(ref_h, abs=1e-9)
    assert hmm.conditional_total_correlation(S, np.where(mask, x, -1)) == pytest.approx(ref_tc, abs=1e-9)


def logspace_conditionals(A, B, start, vals):
    """Plain numpy forward-backward in log space (no scaling to get wrong), ``(n, q)``."""
    from scipy.special import logsumexp

    with np.errstate(divide="ignore"):
        lA, lB, ls = np.log(A), np.log(B), np.log(start)
    n, h = len(vals), A.shape[0]
    le = np.array([lB[:, v] if v >= 0 else np.zeros(h) for v in vals])
    la = np.empty((n, h))
    la[0] = ls + le[0]
    for t in range(1, n):
        la[t] = logsumexp(la[t - 1][:, None] + lA, axis=0) + le[t]
    lb = np.zeros((n, h))
    for t in range(n - 2, -1, -1):
        lb[t] = logsumexp(lA + (le[t + 1] + lb[t + 1])[None, :], axis=1)
    lg = la + lb
    post = np.exp(lg - logsumexp(lg, axis=1, keepdims=True))
    out = post @ B
    for t, v in enumerate(vals):
        if v >= 0:
            out[t] = np.eye(B.shape[1])[v]
    return out, float(logsumexp(la[-1]))


@given(hmms(max_n=1), st.integers(50, 400))
def test_conditionals_match_logspace_reference_at_length(case, n):
    """Long sequences (no enumeration possible): the scaled kernel equals a log-space reference."""
    hmm, rng = case
    hmm = hmm.with_length(n)
    x = hmm.sample(rng, 1)[0]
    vals = np.where(rng.random(n) < rng.random(), x, -1)
    ref, logz = logspace_conditionals(hmm.transition, hmm.emission, hmm.start, vals)
    np.testing.assert_allclose(hmm.conditionals(vals), ref, atol=1e-9)
    assert hmm.log_marginal(vals) == pytest.approx(logz, rel=1e-10, abs=1e-9)


def test_gaps_are_not_independent():
    """Unlike a visible chain, two masked positions on either side of a revealed token are
    dependent in an HMM (the hidden state carries across): TC > 0, checked on the dense law."""
    hmm = HMM([[0.95, 0.05], [0.05, 0.95]], [[0.6, 0.4], [0.4, 0.6]], "uniform", n=3)
    tc = hmm.conditional_total_correlation([0, 2], [-1, 0, -1])
    assert tc > 1e-4
    assert tc == pytest.approx(m.conditional_total_correlation(hmm.joint(), [0, 2], {1: 0}), abs=1e-12)


def test_conditional_entropies_are_entropies_of_the_conditionals():
    hmm = noisy_walk("cycle:5", 0.2, 6)
    vals = [2, -1, -1, 4, -1, -1]
    p = hmm.conditionals(vals)
    ref = [0.0 if v >= 0 else -sum(a * math.log(a) for a in row if a > 0) for v, row in zip(vals, p)]
    np.testing.assert_allclose(hmm.conditional_entropies(vals), ref, atol=1e-12)
    np.testing.assert_allclose(hmm.conditional_entropies(vals, base=2), np.array(ref) / math.log(2), atol=1e-12)


# ----------------------------------------------------------------- visible chains
@pytest.mark.parametrize("graph,start", [("cycle:5", "stationary"), ("barbell:3", "vertex:0"), ("path:4", "uniform")])
def test_visible_chain_agrees_with_markov_chain(graph, start):
    """Identity emission: the HMM's conditionals are the MarkovChain's bridges (masked rows),
    its curve is the chain's exact curve, and its log-likelihood the chain's."""
    chain = m.random_walk(graph, 7, start=start)
    hmm = HMM.from_chain(chain)
    rng = np.random.default_rng(3)
    x = chain.sample(5, seed=2)
    for row in x:
        vals = np.where(rng.random(7) < 0.4, row, -1)
        got = hmm.conditionals(vals)
        ref = chain.conditionals(vals)
        masked = vals < 0
        np.testing.assert_allclose(got[masked], ref[masked], atol=1e-12)
        assert np.all(got[~masked] == np.eye(chain.q)[vals[~masked]])
    np.testing.assert_allclose(hmm.information_curve(), chain.information_curve(), atol=1e-10)
    np.testing.assert_allclose(np.exp(hmm.log_prob(x)), chain.joint().table[tuple(x.T)], atol=1e-12)


def test_visible_chain_long_sequence_is_stable():
    """n = 2000: scaling keeps every row a probability vector equal to the chain's bridges."""
    chain = m.random_walk("grid:3x3", 2000)
    hmm = HMM.from_chain(chain)
    x = chain.sample(1, seed=5)[0]
    vals = np.where(np.random.default_rng(0).random(2000) < 0.3, x, -1)
    got = hmm.conditionals(vals)
    masked = vals < 0
    np.testing.assert_allclose(got[masked], chain.conditionals(vals)[masked], atol=1e-10)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-12)
    assert np.isfinite(hmm.log_marginal(vals)) and hmm.log_marginal(vals) < 0


def test_chain_oracle_protocol():
    """ChainOracle: point masses at revealed rows, bridges elsewhere, exact samples."""
    chain = m.random_walk("cycle:6", 5, start="vertex:0")
    o = ChainOracle(chain)
    x = o.sample(np.random.default_rng(1), 4)
    assert x.shape == (4, 5) and chain.is_valid(x).all()
    mask = np.array([True, False, True, False, False])
    p = o.conditional_marginals(mask, x[0])
    assert p[0, x[0, 0]] == 1.0 and p[2, x[0, 2]] == 1.0
    vals = np.where(mask, x[0], -1)
    np.testing.assert_allclose(p[~mask], chain.conditionals(vals)[~mask], atol=1e-14)


# ----------------------------------------------------------------- families
def _order_m_reference(P, start, n):
    """The order-m chain's law by its definition: ``start(x_1..x_m) prod_t P[x_{t-m}..x_{t-1}, x_t]``."""
    q, mm = P.shape[0], P.ndim - 1
    t = np.zeros((q,) * n)
    for x in itertools.product(range(q), repeat=max(n, mm)):
        p = start[x[:mm]]
        for k in range(mm, len(x)):
            p *= P[x[k - mm : k] + (x[k],)]
        t[x[:n]] += p
    return t


@pytest.mark.parametrize("q,mm,n", [(2, 2, 5), (3, 2, 4), (2, 3, 5), (2, 3, 2), (3, 1, 4)])
def test_order_m_chain_dense_law_matches_definition(q, mm, n):
    rng = np.random.default_rng(q * 10 + mm + n)
    P = rng.gamma(0.8, size=(q,) * (mm + 1))
    P[rng.random(P.shape) < 0.25] = 0.0
    P[..., 0] += (P.sum(axis=-1) == 0)
    P /= P.sum(axis=-1, keepdims=True)
    start = rng.random((q,) * mm)
    start /= start.sum()
    hmm = order_m_chain(P, n, start)
    assert hmm.h == q**mm and hmm.q == q
    np.testing.assert_allclose(hmm.joint().table, _order_m_reference(P, start, n), atol=1e-12)
    uni = order_m_chain(P, n)
    np.testing.assert_allclose(uni.joint().table, _order_m_reference(P, np.full((q,) * mm, q ** -mm), n), atol=1e-12)


def test_order_m_chain_stationary_start_is_stationary():
    """With a stationary window start every token has the same marginal."""
    rng = np.random.default_rng(7)
    P = rng.random((3, 3, 3))
    P /= P.sum(axis=-1, keepdims=True)
    hmm = order_m_chain(P, 6, "stationary")
    marg = hmm.conditionals([-1] * 6)
    np.testing.assert_allclose(marg, np.broadcast_to(marg[0], marg.shape), atol=1e-10)


def test_noisy_walk_zero_noise_is_the_walk_and_noise_blurs():
    walk = m.random_walk("grid:2x3", 4)
    hmm = noisy_walk("grid:2x3", 0.0, 4)
    np.testing.assert_allclose(hmm.joint().table, walk.joint().table, atol=1e-12)
    noisy = noisy_walk("grid:2x3", 0.3, 4)
    np.testing.assert_allclose(noisy.emission.diagonal(), 0.7 + 0.3 / 6)
    assert noisy.joint().table.min() > 0  # every string is possible through the noise


def test_block_hmm_closed_forms():
    """size 1, stay 1, eps 0: the hidden block is frozen and shown as is, a uniform copy over
    K blocks: Z = (0, log K, ..., log K); the rows are stochastic for any parameters."""
    hmm = block_hmm(3, 1, 4, stay=1.0, eps=0.0)
    np.testing.assert_allclose(hmm.information_curve(), [0.0] + [math.log(3)] * 3, atol=1e-12)
    b = block_hmm(2, 3, 5, stay=0.8, eps=0.2)
    assert b.h == b.q == 6
    np.testing.assert_allclose(b.transition.sum(axis=1), 1.0)
    assert b.transition[0, 1] == pytest.approx(0.8) and b.transition[0, 3] == pytest.approx(0.2 / 3)
    assert b.emission[0, 0] == pytest.approx(0.8 + 0.2 / 3) and b.emission[0, 3] == 0.0


# ----------------------------------------------------------------- sampling
@pytest.mark.parametrize("model", [
    HMM([[0.7, 0.3, 0.0], [0.0, 0.5, 0.5], [0.4, 0.0, 0.6]], [[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]], [0.5, 0.5, 0.0], n=4),
    noisy_walk("path:3", 0.2, 3),
])
def test_sampling_matches_dense_law(model):
    """Chi-square of 40000 draws against the dense law, on its support (cells with expected
    count < 5 pooled); impossible cells never drawn."""
    table = model.joint().table.ravel()
    x = model.sample(np.random.default_rng(11), 40000)
    flat = np.ravel_multi_index(tuple(x.T), (model.q,) * model.n)
    counts = np.bincount(flat, minlength=table.size)
    assert counts[table == 0].sum() == 0
    exp = table * len(x)
    big = exp >= 5
    obs_c = np.append(counts[big], counts[~big & (table > 0)].sum())
    exp_c = np.append(exp[big], exp[~big & (table > 0)].sum())
    keep = exp_c > 0
    assert stats.chisquare(obs_c[keep], exp_c[keep]).pvalue > 1e-3


def test_sampling_is_seeded():
    hmm = block_hmm(2, 2, 10)
    assert np.array_equal(hmm.sample(5, 3), hmm.sample(np.random.default_rng(5), 3))
    assert not np.array_equal(hmm.sample(5, 3), hmm.sample(6, 3))


# ----------------------------------------------------------------- curve estimate
def test_curve_estimator_covers_exact_curve_at_nominal_rate():
    """200 seeds: the 95% interval of each Z_j (j >= 2) covers the exact curve a number of
    times inside the 99.9% binomial acceptance region of Binomial(200, 0.95); Z_1 is exactly 0."""
    hmm = HMM([[0.8, 0.2, 0.0], [0.1, 0.6, 0.3], [0.3, 0.0, 0.7]], [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]],
              "uniform", n=4)
    exact = hmm.information_curve()
    seeds = 200
    covered = np.zeros(hmm.n, dtype=int)
    means = np.zeros(hmm.n)
    for seed in range(seeds):
        est = estimate_information_curve(hmm, samples=60, seed=seed)
        assert est.estimate[0] == 0.0 and est.stderr[0] == 0.0
        covered += (est.lower <= exact) & (exact <= est.upper)
        means += est.estimate / seeds
    lo, hi = stats.binom.ppf(0.0005, seeds, 0.95), stats.binom.isf(0.0005, seeds, 0.95)
    for j in range(1, hmm.n):
        assert lo <= covered[j] <= hi, (j + 1, covered[j], (lo, hi))
    # the grand mean over 12000 draws is within 5 standard errors of the truth (unbiased)
    np.testing.assert_allclose(means, exact, atol=5 * float(est.stderr.max()) / math.sqrt(seeds) + 1e-12)


def test_curve_estimator_on_a_chain_and_a_user_oracle():
    """The same estimator on a MarkovChain (ChainOracle) and on a user's own object agrees with
    the chain's exact curve to within its intervals (wide tolerance: 5 standard errors)."""
    chain = m.random_walk("cycle:5", 30)
    exact = chain.information_curve()
    est = estimate_information_curve(ChainOracle(chain), samples=200, seed=4, js=[2, 10, 30])
    assert est.j.tolist() == [2, 10, 30]
    assert np.all(np.abs(est.estimate - exact[[1, 9, 29]]) <= 5 * est.stderr + 1e-12)

    class Product:  # a user's model: independent fair coins, so Z = 0
        n = 6

        def sample(self, rng, k):
            return rng.integers(0, 2, size=(k, self.n))

        def conditional_marginals(self, mask, values):
            return np.full((self.n, 2), 0.5)

    est = estimate_information_curve(Product(), samples=10, seed=0)
    assert np.all(est.estimate == 0.0) and np.all(est.lower == 0.0)
    d = est.to_dict()
    assert d["estimator"] and d["samples"] == 10 and d["seed"] == 0 and len(d["interval"]) == 6


def test_curve_estimate_closed_form_copy():
    """A frozen hidden bit shown exactly is a copy: Z_j = log 2 for j >= 2, with no variance."""
    hmm = HMM(np.eye(2), np.eye(2), "uniform", n=50)
    est = estimate_information_curve(hmm, samples=5, seed=1, js=[1, 2, 50], base=2)
    np.testing.assert_allclose(est.estimate, [0.0, 1.0, 1.0], atol=1e-12)
    assert est.unit == "bits"


# ----------------------------------------------------------------- fixed-order divergences
def _exact_divergences(joint, sets):
    order = [i for S in sets for i in S]
    nu = m.output_distribution(joint, [len(S) for S in sets], order=order)
    return m.divergences(joint.table.ravel(), nu.table.ravel())


def test_fixed_order_estimates_cover_exact_values_at_nominal_rate():
    """200 seeds: the 95% intervals of KL, reverse KL and TV each cover the exact dense values a
    number of times inside the 99.9% acceptance region of Binomial(200, 0.95)."""
    hmm = HMM([[0.8, 0.2, 0.0], [0.1, 0.6, 0.3], [0.3, 0.0, 0.7]], [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]],
              "uniform", n=4)
    sets = [[0, 3], [1, 2]]
    exact = _exact_divergences(hmm.joint(), sets)
    assert exact["kl"] == pytest.approx(m.fixed_order_kl(hmm.joint(), sets), abs=1e-12)
    assert 0 < exact["reverse_kl"] < np.inf
    seeds = 200
    covered = dict.fromkeys(("kl", "reverse_kl", "tv"), 0)
    for seed in range(seeds):
        est = estimate_fixed_order_divergences(hmm, sets, samples=100, seed=seed)
        for k in covered:
            lo, hi = getattr(est, f"{k}_interval")
            covered[k] += lo <= exact[k] <= hi
    lo, hi = stats.binom.ppf(0.0005, seeds, 0.95), stats.binom.isf(0.0005, seeds, 0.95)
    for k, c in covered.items():
        assert lo <= c <= hi, (k, c, (lo, hi))


@pytest.mark.parametrize("sets_of", [
    lambda n: [list(range(a, min(a + 10, n))) for a in range(0, n, 10)],          # left to right, blocks of 10
    lambda n: [list(map(int, S)) for S in np.array_split(np.random.default_rng(0).permutation(n), 25)],
])
def test_fixed_order_kl_estimate_agrees_with_exact_chain_kl_at_scale(sets_of):
    """n = 300: the estimate on a MarkovChain agrees with its exact fixed-order KL (5 s.e.)."""
    chain = m.random_walk("barbell:3", 300)
    sets = sets_of(300)
    exact = chain.fixed_order_kl(sets)
    est = estimate_fixed_order_divergences(ChainOracle(chain), sets, samples=200, seed=1)
    assert exact > 0.1
    assert abs(est.kl - exact) <= 5 * est.kl_stderr


def test_fixed_order_estimate_of_an_exact_sampler_is_zero():
    """Bisection on a visible chain is exact: every per-draw term is 0, so the estimates are."""
    hmm = HMM.from_chain(m.random_walk("grid:3x3", 100))
    est = estimate_fixed_order_divergences(hmm, m.bisection_partition(100), samples=10, seed=2)
    assert abs(est.kl) < 1e-9 and abs(est.reverse_kl) < 1e-9 and abs(est.tv) < 1e-9


def test_fixed_order_reverse_kl_infinite_when_nu_leaves_the_support():
    """One step on a visible cycle walk draws invalid walks: KL(nu || mu) = inf exactly, and
    the JSON form says "inf"; the TV estimate covers the exact TV (5 s.e.)."""
    hmm = noisy_walk("cycle:4", 0.0, 3)
    sets = [[0, 1, 2]]
    exact = _exact_divergences(hmm.joint(), sets)
    est = estimate_fixed_order_divergences(hmm, sets, samples=400, seed=3)
    assert exact["reverse_kl"] == np.inf and est.reverse_kl == np.inf
    assert est.to_dict()["reverse_kl"] == "inf" and est.to_dict()["reverse_kl_interval"] == ["inf", "inf"]
    assert abs(est.tv - exact["tv"]) <= 5 * est.tv_stderr
    assert abs(est.kl - exact["kl"]) <= 5 * est.kl_stderr + 1e-12  # every draw gives log 4: s.e. 0
    import json

    json.dumps(est.to_dict(), allow_nan=False)


def test_random_order_kl_estimate_covers_theorem4_at_nominal_rate():
    """200 seeds: the 95% interval of E_S KL(mu || nu_S) covers Theorem 4's exact value (from
    the dense curve) inside the 99.9% binomial acceptance region."""
    hmm = HMM([[0.8, 0.2, 0.0], [0.1, 0.6, 0.3], [0.3, 0.0, 0.7]], [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]],
              "uniform", n=5)
    schedule = [3, 2]
    exact = m.expected_kl(hmm.joint(), schedule)
    assert exact > 0.01
    seeds, covered = 200, 0
    for seed in range(seeds):
        lo, hi = estimate_random_order_kl(hmm, schedule, samples=100, seed=seed).interval
        covered += lo <= exact <= hi
    assert stats.binom.ppf(0.0005, seeds, 0.95) <= covered <= stats.binom.isf(0.0005, seeds, 0.95), covered


def test_random_order_kl_estimate_at_scale_agrees_with_exact_chain_curve():
    """n = 200 on a MarkovChain: the estimate agrees with Theorem 4 on the chain's exact curve."""
    chain = m.random_walk("lollipop:4", 200)
    schedule = [8] * 25
    exact = m.expected_kl(chain.information_curve(), schedule)
    est = estimate_random_order_kl(ChainOracle(chain), schedule, samples=200, seed=7)
    assert exact > 0.5
    assert abs(est.value - exact) <= 5 * est.stderr
    with pytest.raises(InputError):
        estimate_random_order_kl(ChainOracle(chain), [8] * 24)


def test_total_correlation_estimate_covers_exact_tc():
    """200 seeds: the TC interval covers the dense TC at the nominal rate (binomial region)."""
    hmm = HMM([[0.8, 0.2, 0.0], [0.1, 0.6, 0.3], [0.3, 0.0, 0.7]], [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]],
              "uniform", n=5)
    exact = m.total_correlation(hmm.joint())
    seeds, covered = 200, 0
    for seed in range(seeds):
        lo, hi = estimate_total_correlation(hmm, samples=100, seed=seed).interval
        covered += lo <= exact <= hi
    assert stats.binom.ppf(0.0005, seeds, 0.95) <= covered <= stats.binom.isf(0.0005, seeds, 0.95), covered
    chain = m.random_walk("barbell:3", 300)
    est = estimate_total_correlation(ChainOracle(chain), samples=300, seed=2)
    assert abs(est.value - chain.total_correlation()) <= 5 * est.stderr


def test_dual_total_correlation_estimate_covers_exact_dtc():
    """200 seeds: the DTC interval covers the dense DTC at the nominal rate; a model without
    leave_one_out is refused."""
    hmm = HMM([[0.8, 0.2, 0.0], [0.1, 0.6, 0.3], [0.3, 0.0, 0.7]], [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]],
              "uniform", n=5)
    exact = m.dual_total_correlation(hmm.joint())
    seeds, covered = 200, 0
    for seed in range(seeds):
        lo, hi = estimate_dual_total_correlation(hmm, samples=100, seed=seed).interval
        covered += lo <= exact <= hi
    assert stats.binom.ppf(0.0005, seeds, 0.95) <= covered <= stats.binom.isf(0.0005, seeds, 0.95), covered
    chain = m.random_walk("barbell:3", 300)
    est = estimate_dual_total_correlation(HMM.from_chain(chain), samples=300, seed=2)
    assert abs(est.value - chain.dual_total_correlation()) <= 5 * est.stderr
    with pytest.raises(InputError, match="leave_one_out"):
        estimate_dual_total_correlation(ChainOracle(chain))


def test_curve_estimate_and_random_order_estimate_agree_through_theorem4():
    """Two independent unbiased routes to E_S KL: Theorem 4 on the estimated curve, and the
    direct log-ratio over random orders (n = 40 block HMM; 5 combined standard errors, the
    curve's taken conservatively as sum_j |coefficient_j| s.e._j)."""
    hmm = block_hmm(2, 3, 40, stay=0.9, eps=0.1)
    schedule = [10, 10, 10, 10]
    curve = estimate_information_curve(hmm, samples=60, seed=1)
    # Theorem 4 is linear in Z: E KL = coef . Z (an estimated curve need not be monotone, so the
    # library's expected_kl, which refuses such curves, checks the coefficients on a valid curve)
    coef = np.ones(40)
    starts = np.repeat([0, 10, 20, 30], 10)
    np.subtract.at(coef, starts, 1.0)
    valid = np.maximum.accumulate(np.abs(curve.estimate))
    valid[0] = 0.0
    assert abs(float(coef @ valid) - m.expected_kl(valid, schedule)) <= 1e-12
    via_curve = float(coef @ curve.estimate)
    se_curve = float(np.abs(coef) @ curve.stderr)
    direct = estimate_random_order_kl(hmm, schedule, samples=300, seed=2)
    assert direct.value > 1.0
    assert abs(via_curve - direct.value) <= 5 * math.hypot(se_curve, direct.stderr)


# ----------------------------------------------------------------- bisection
@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 20])
def test_block_bisection_with_m1_is_bisection(n):
    assert block_bisection_partition(n, 1) == m.bisection_partition(n)
    assert block_bisection_partition(n, 1, together=True) == m.bisection_partition(n)


@given(st.integers(1, 40), st.integers(1, 5), st.booleans())
def test_block_bisection_is_a_partition(n, mm, together):
    sets = block_bisection_partition(n, mm, together)
    flat = sorted(i for s in sets for i in s)
    assert flat == list(range(n)) and all(sets)
    if not together:
        assert all(separated_rounds(sets, n, mm))


@pytest.mark.parametrize("q,mm,n", [(2, 2, 7), (3, 2, 6), (2, 3, 8)])
def test_order_m_bisection_exactness(q, mm, n):
    """On random order-m chains (full support): every step meeting the separation condition has
    expected TC 0 (dense law); the sequential block bisection has KL 0; blocks revealed together
    and plain bisection lose a positive KL, and so does every non-separated step with >= 2 positions."""
    rng = np.random.default_rng(100 * q + 10 * mm + n)
    P = rng.gamma(1.0, size=(q,) * (mm + 1)) + 0.05
    P /= P.sum(axis=-1, keepdims=True)
    joint = order_m_chain(P, n, "stationary").joint()
    for sets in (block_bisection_partition(n, mm), block_bisection_partition(n, mm, True), m.bisection_partition(n)):
        sep = separated_rounds(sets, n, mm)
        T: list[int] = []
        for S, ok in zip(sets, sep):
            kl = step_kl(joint, T, S)
            if ok:
                assert abs(kl) < 1e-10, (sets, S)
            elif len(S) >= 2:
                assert kl > 1e-6, (sets, S)
            T += S
    assert m.fixed_order_kl(joint, block_bisection_partition(n, mm)) < 1e-10
    assert m.fixed_order_kl(joint, block_bisection_partition(n, mm, together=True)) > 1e-4
    assert m.fixed_order_kl(joint, m.bisection_partition(n)) > 1e-4


def test_order_m_block_bisection_exact_at_scale():
    """n = 200, order 2: every draw of the sequential block bisection has log mu = log nu (KL,
    reverse KL and TV estimates 0), while plain bisection's KL interval lies above 0."""
    rng = np.random.default_rng(5)
    P = rng.gamma(1.0, size=(3, 3, 3)) + 0.05
    P /= P.sum(axis=-1, keepdims=True)
    model = order_m_chain(P, 200, "stationary")
    est = estimate_fixed_order_divergences(model, block_bisection_partition(200, 2), samples=20, seed=0)
    assert max(abs(est.kl), abs(est.reverse_kl), est.tv) < 1e-9
    plain = estimate_fixed_order_divergences(model, m.bisection_partition(200), samples=50, seed=0)
    assert plain.kl_interval[0] > 0


def test_bisection_exact_when_tokens_pin_the_hidden_state():
    """Emissions with disjoint supports (each token names its state): bisection is exact, as on a
    visible chain, although the tokens are random given the state."""
    rng = np.random.default_rng(9)
    A = rng.random((3, 3))
    B = np.zeros((3, 6))
    for z in range(3):
        B[z, 2 * z : 2 * z + 2] = rng.random(2) + 0.1
    hmm = HMM(A / A.sum(1, keepdims=True), B / B.sum(1, keepdims=True), "uniform", n=6)
    assert m.fixed_order_kl(hmm.joint(), m.bisection_partition(6)) < 1e-10
    assert m.fixed_order_kl(hmm.joint(), [[0, 1, 2], [3, 4, 5]]) > 1e-3


def test_bisection_on_a_noisy_walk_is_not_exact():
    """A hidden chain: revealed tokens do not separate, so bisection loses KL > 0 (dense law),
    while on the visible walk (eps = 0) it is exact."""
    n = 7
    assert m.fixed_order_kl(noisy_walk("cycle:4", 0.0, n).joint(), m.bisection_partition(n)) < 1e-10
    assert m.fixed_order_kl(noisy_walk("cycle:4", 0.2, n).joint(), m.bisection_partition(n)) > 1e-3


# ----------------------------------------------------------------- save / load and bad input
def test_save_load_round_trip(tmp_path):
    hmm = block_hmm(2, 3, 5)
    path = tmp_path / "b.npz"
    hmm.save(path)
    back = load_hmm(path, 9)
    assert back.n == 9
    for a in ("transition", "emission", "start"):
        np.testing.assert_allclose(getattr(back, a), getattr(hmm, a), rtol=1e-15, atol=0)


def test_load_refuses_bad_files(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_hmm(tmp_path / "missing.npz", 3)
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a readable"):
        load_hmm(tmp_path / "junk.npz", 3)
    np.savez(tmp_path / "few.npz", transition=np.eye(2), emission=np.eye(2))
    with pytest.raises(InputError, match="exactly"):
        load_hmm(tmp_path / "few.npz", 3)
    np.savez(tmp_path / "bad.npz", transition=np.full((2, 2), 0.7), emission=np.eye(2), start=[0.5, 0.5])
    with pytest.raises(InputError, match="not stochastic"):
        load_hmm(tmp_path / "bad.npz", 3)
    np.savez(tmp_path / "obj.npz", transition=np.array(["a", "b"]), emission=np.eye(2), start=[0.5, 0.5])
    with pytest.raises(InputError):
        load_hmm(tmp_path / "obj.npz", 3)
    np.save(tmp_path / "arr.npy", np.eye(2))
    with pytest.raises(InputError):
        load_hmm(tmp_path / "arr.npy", 3)


@pytest.mark.parametrize("args", [
    ([[0.5, 0.4], [0.5, 0.5]], np.eye(2), "uniform", 3),          # row sum 0.9
    ([[1.5, -0.5], [0.5, 0.5]], np.eye(2), "uniform", 3),         # negative
    ([[np.nan, 1.0], [0.5, 0.5]], np.eye(2), "uniform", 3),       # NaN
    (np.eye(2), np.eye(3), "uniform", 3),                         # emission rows != h
    (np.ones((2, 3)) / 3, np.eye(2), "uniform", 3),               # not square
    (np.eye(2), np.eye(2), [0.3, 0.3], 3),                        # start sum
    (np.eye(2), np.eye(2), [1.0], 3),                             # start length
    (np.eye(2), np.eye(2), "sideways", 3),                        # start name
    (np.eye(2), np.eye(2), "uniform", 0),                         # n
    (np.eye(2), np.eye(2), "uniform", 2.5),                       # n
    (np.eye(2), np.eye(2), "stationary", 3),                      # two closed classes
    (np.eye(2), np.eye(2), "uniform", None),                      # n missing
    (np.eye(2), np.eye(2), "uniform", "3"),                       # n a string
    ("abc", np.eye(2), "uniform", 3),                             # not numbers
])
def test_bad_hmm_input(args):
    with pytest.raises(InputError):
        HMM(*args)


def test_rounding_noise_is_renormalised_and_more_refused():
    A = np.array([[0.5, 0.5 + 1e-12], [0.5, 0.5]])
    hmm = HMM(A, np.eye(2), "uniform", 2)
    np.testing.assert_allclose(hmm.transition.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert hmm.transition[0, 1] > hmm.transition[0, 0]  # renormalised, not rounded away
    with pytest.raises(InputError, match="sums to"):
        HMM(np.array([[0.5, 0.5 + 1e-6], [0.5, 0.5]]), np.eye(2), "uniform", 2)


def test_bad_call_input():
    hmm = noisy_walk("cycle:4", 0.1, 5)
    for vals in ([0, 1], [0, 1, 2, 3, 4, 5], [0, 9, -1, -1, -1], [-2, -1, -1, -1, -1], [0.5] * 5, {7: 1}):
        with pytest.raises(InputError):
            hmm.conditionals(vals)
    with pytest.raises(InputError):
        hmm.conditional_marginals(np.ones(3, dtype=bool), np.zeros(5, dtype=int))
    with pytest.raises(InputError, match="negative"):
        hmm.conditional_marginals(np.ones(5, dtype=bool), np.array([0, 1, -1, 2, 3]))
    masked_junk = hmm.conditional_marginals(np.array([True, False, False, False, False]), np.array([0, 99, -7, 5, 5]))
    np.testing.assert_array_equal(masked_junk, hmm.conditionals([0, -1, -1, -1, -1]))  # masked entries ignored
    with pytest.raises(InputError):
        hmm.log_prob([[0, 1, -1, 0, 0]])
    with pytest.raises(InputError):
        hmm.sample(0, -1)
    with pytest.raises(InputError, match="probability 0"):
        noisy_walk("cycle:4", 0.0, 5).conditionals([0, 0, -1, -1, -1])
    with pytest.raises(InputError):
        set_entropy(hmm, np.zeros(5, bool), np.zeros(5, int), [0, 0])
    with pytest.raises(InputError):
        set_entropy(hmm, np.ones(5, bool), np.zeros(5, int), [1])
    with pytest.raises(InputError, match="oracle calls"):
        set_entropy(hmm, np.zeros(5, bool), np.zeros(5, int), [0, 1, 2, 3, 4], max_calls=10)
    for kw in ({"samples": 1}, {"js": [0]}, {"js": [6]}, {"confidence": 1.0}):
        with pytest.raises(InputError):
            estimate_information_curve(hmm, **kw)
    for sets, kw in (([[0, 1], [2, 3]], {}), ([[0, 1, 2], [2, 3, 4]], {}), ([[0, 1, 2, 3, 4], []], {}),
                     ([list(range(5))], {"samples": 1}), ([list(range(5))], {"confidence": 0})):
        with pytest.raises(InputError):
            estimate_fixed_order_divergences(hmm, sets, **kw)
    for bad in (lambda: order_m_chain(np.ones((2, 3)) / 3, 4), lambda: order_m_chain(np.ones((2, 2, 2)), 4),
                lambda: order_m_chain(np.ones((2, 2, 2)) / 2, 4, start=np.ones(3) / 3),
                lambda: noisy_walk("cycle:4", 1.5, 3), lambda: block_hmm(0, 2, 3), lambda: block_hmm(2, 2, 3, stay=2),
                lambda: block_bisection_partition(0, 1), lambda: separated_rounds([[0], [0]], 2, 1),
                lambda: separated_rounds([[0]], 2, 1)):
        with pytest.raises(InputError):
            bad()


def test_parse_hmm_builds_the_families(tmp_path):
    assert np.array_equal(parse_hmm("block:2,3,0.8,0.2", 5).transition, block_hmm(2, 3, 5, 0.8, 0.2).transition)
    assert np.array_equal(parse_hmm("noisy:0.3:cycle:5", 4).emission, noisy_walk("cycle:5", 0.3, 4).emission)
    P = random_order_m_kernel(2, 2, seed=3)
    assert np.array_equal(parse_hmm("order:2,2,3", 6).transition, order_m_chain(P, 6, "stationary").transition)
    block_hmm(2, 2, 3).save(tmp_path / "x.npz")
    assert parse_hmm(str(tmp_path / "x.npz"), 7).n == 7
    np.testing.assert_allclose(P.sum(axis=-1), 1.0)


@pytest.mark.parametrize("spec", ["", "block", "block:2", "block:2,x", "block:2,2,0.9,0.1,5", "order:2",
                                  "noisy:0.1", "noisy:abc:cycle:4", "noisy:0.1:nosuchgraph", "sideways:3",
                                  "missing.npz", "block:0,2", "order:0,2"])
def test_parse_hmm_refuses_bad_specs(spec):
    with pytest.raises(InputError):
        parse_hmm(spec, 5)


def test_dense_law_refuses_oversize():
    with pytest.raises(InputError, match="memory"):
        block_hmm(4, 4, 40).joint()


def test_public_names_exported():
    """Every name of the former hmm.py is the package's, from its home module (issue 17 split)."""
    homes = {
        "hmm": ("HMM", "load_hmm"),
        "hmm_families": ("block_hmm", "order_m_chain", "noisy_walk", "parse_hmm", "random_order_m_kernel", "HMM_FAMILIES"),
        "oracle_estimates": ("estimate_information_curve", "CurveEstimate", "DivergenceEstimate",
                             "estimate_fixed_order_divergences", "estimate_random_order_kl", "estimate_total_correlation",
                             "estimate_dual_total_correlation"),
        "estimate": ("ScalarEstimate", "Estimate", "set_entropy", "set_total_correlation"),
        "markov": ("ChainOracle",),
        "bisection": ("block_bisection_partition", "separated_rounds"),
    }
    for module, names in homes.items():
        for name in names:
            assert getattr(m, name) is getattr(__import__(f"mdmtheory.{module}", fromlist=[name]), name)
    assert m.ScalarEstimate is m.Estimate  # the former name of the one result type


# ----------------------------------------------------------------- junk arguments
SMALL = HMM([[0.9, 0.1], [0.2, 0.8]], [[0.7, 0.3], [0.4, 0.6]], "uniform", n=3)
NOMASK = np.zeros(3, dtype=bool)
FUZZ = {
    "HMM": lambda a, b: HMM(a, [[1.0]], "uniform", b), "HMM-emission": lambda a, b: HMM([[1.0]], a, b, 3),
    "HMM-start": lambda a, b: HMM([[0.5, 0.5], [0.5, 0.5]], np.eye(2), a, b),
    "with_length": lambda a, b: SMALL.with_length(a), "conditionals": lambda a, b: SMALL.conditionals(a),
    "conditionals_batch": lambda a, b: SMALL.conditionals_batch(a),
    "conditional_marginals": lambda a, b: SMALL.conditional_marginals(a, b),
    "leave_one_out": lambda a, b: SMALL.leave_one_out(a),
    "conditional_entropies": lambda a, b: SMALL.conditional_entropies(a, b),
    "hmm.conditional_total_correlation": lambda a, b: SMALL.conditional_total_correlation(a, b),
    "log_prob": lambda a, b: SMALL.log_prob(a), "log_marginal": lambda a, b: SMALL.log_marginal(a),
    "sample": lambda a, b: SMALL.sample(0, a), "joint": lambda a, b: SMALL.joint(a),
    "information_curve": lambda a, b: SMALL.information_curve(a, b),
    "load_hmm": lambda a, b: m.load_hmm(a, b), "block_hmm": lambda a, b: m.block_hmm(a, b, 3),
    "block_hmm-probs": lambda a, b: m.block_hmm(2, 2, 3, a, b), "order_m_chain": lambda a, b: m.order_m_chain(a, 3, b),
    "noisy_walk": lambda a, b: m.noisy_walk("cycle:4", a, b), "random_order_m_kernel": lambda a, b: m.random_order_m_kernel(a, b),
    "parse_hmm": lambda a, b: m.parse_hmm(a, b), "set_entropy": lambda a, b: m.set_entropy(SMALL, NOMASK, [0, 0, 0], a, b),
    "set_total_correlation": lambda a, b: m.set_total_correlation(SMALL, a, [0, 0, 0], [1], b),
    "estimate_information_curve": lambda a, b: m.estimate_information_curve(SMALL, 2, 0, a, b),
    "estimate_information_curve-samples": lambda a, b: m.estimate_information_curve(SMALL, a, b, [2]),
    "estimate_fixed_order_divergences": lambda a, b: m.estimate_fixed_order_divergences(SMALL, a, 2, 0, b),
    "estimate_random_order_kl": lambda a, b: m.estimate_random_order_kl(SMALL, a, 2, 0, b),
    "estimate_total_correlation": lambda a, b: m.estimate_total_correlation(SMALL, a, 0, b),
    "estimate_dual_total_correlation": lambda a, b: m.estimate_dual_total_correlation(SMALL, 2, 0, a, b),
    "block_bisection_partition": lambda a, b: m.block_bisection_partition(a, b),
    "separated_rounds": lambda a, b: m.separated_rounds(a, 3, b), "ChainOracle": lambda a, b: m.ChainOracle(a),
}


@pytest.mark.parametrize("name", sorted(FUZZ))
def test_junk_arguments_give_a_value_or_input_error(name):
    """Every pair of junk arguments: the call returns or raises InputError, never another
    exception (the junk list of tests/conftest.py)."""
    others = junk_failures(FUZZ[name])
    assert not others, "\n".join(others[:5])


def test_load_hmm_refuses_a_folder_or_fifo(tmp_path):
    """The project's input-file check: a folder or a FIFO (which would hang) is refused."""
    import os

    with pytest.raises(InputError, match="is a directory"):
        load_hmm(tmp_path, 3)
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):
        load_hmm(fifo, 3)
