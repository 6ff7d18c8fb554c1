"""The exact chain engine against the table engine, closed forms, pgmpy, and large n."""

from __future__ import annotations

import itertools
from math import ceil, comb, log, log2

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import entr, gammaln

import mdmtheory as m
from mdmtheory import InputError
from mdmtheory.graphs import walk_matrix
from mdmtheory.markov import MarkovChain, bisection_partition, bisection_rounds, random_walk
from mdmtheory.samplers import SamplerState, make_sampler

# every family, small enough for a dense table at length n
FAMILIES = {
    "cycle:5": 5, "path:4": 5, "complete:4": 5, "star:4": 5, "grid:2x3": 4, "torus:3x3": 4, "hypercube:2": 5,
    "bipartite:2,3": 5, "barbell:3": 4, "barbell:3,1": 4, "lollipop:3,2": 4, "petersen": 4, "tree:2": 4,
    "regular:3,6,seed=1": 4,
}
STARTS = ["stationary", "uniform", "vertex:1"]


def _random_chain(seed: int, q: int, n: int, zeros: float) -> MarkovChain:
    rng = np.random.default_rng(seed)
    P = rng.gamma(0.7, size=(q, q))
    P[rng.random((q, q)) < zeros] = 0.0
    P[np.arange(q), rng.integers(q, size=q)] += 0.5  # every row keeps some mass
    start = rng.gamma(0.7, size=q)
    start[rng.random(q) < zeros] = 0.0
    start[rng.integers(q)] += 0.3
    return MarkovChain(P / P.sum(axis=1, keepdims=True), start / start.sum(), n)


chains = st.builds(
    _random_chain, st.integers(0, 2**31), st.integers(1, 4), st.integers(1, 5), st.sampled_from([0.0, 0.3, 0.6])
)


def _random_partition(n: int, seed: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n).tolist()
    k = int(rng.integers(1, n + 1))
    cuts = sorted(rng.choice(np.arange(1, n), size=k - 1, replace=False).tolist()) if n > 1 else []
    return [perm[a:b] for a, b in zip([0] + cuts, cuts + [n])]


@pytest.mark.parametrize("spec", sorted(FAMILIES))
@pytest.mark.parametrize("start", STARTS)
def test_curve_and_summary_equal_table_engine(spec, start):
    """Curve, Hbar, H, TC, DTC of the chain engine equal the subset-lattice table engine."""
    chain = random_walk(spec, FAMILIES[spec], start=start)
    joint = chain.joint()
    want = m.information_summary(joint)
    got = chain.summary()
    assert np.allclose(got["avg_entropy"], want["avg_entropy"], atol=1e-12)
    assert np.allclose(got["information_curve"], want["information_curve"], atol=1e-12)
    for key in ("entropy", "total_correlation", "dual_total_correlation"):
        assert got[key] == pytest.approx(want[key], abs=1e-12)
    assert got["stationary"] == bool(np.allclose(chain.start @ chain.P, chain.start, atol=1e-12))


@given(chains)
def test_curve_random_chains(chain):
    """Random stochastic P with zeros, random starts: curve and measures equal the table engine."""
    joint = chain.joint()
    assert np.allclose(chain.information_curve(base=2), m.information_curve(joint, base=2), atol=1e-12)
    assert chain.total_correlation() == pytest.approx(m.total_correlation(joint), abs=1e-12)
    assert chain.dual_total_correlation() == pytest.approx(m.dual_total_correlation(joint), abs=1e-12)


@given(chains, st.integers(0, 2**31))
def test_subset_entropy_and_fixed_order_kl(chain, seed):
    """H(X_A) of any set and the gap-programme fixed-order KL equal the table engine's."""
    joint = chain.joint()
    rng = np.random.default_rng(seed)
    A = [i for i in range(chain.n) if rng.random() < 0.5]
    assert chain.entropy(A) == pytest.approx(m.entropy(joint, A) if A else 0.0, abs=1e-12)
    sets = _random_partition(chain.n, seed)
    assert chain.fixed_order_kl(sets) == pytest.approx(m.fixed_order_kl(joint, sets), abs=1e-12)


@given(chains, st.integers(0, 2**31))
def test_conditionals_equal_dense_joint(chain, seed):
    """Bridges equal the conditionals of the dense joint given a possible revealed set."""
    joint = chain.joint()
    rng = np.random.default_rng(seed)
    x = chain.sample(1, seed=seed)[0]
    rev = rng.random(chain.n) < 0.5
    vals = np.where(rev, x, -1)
    got = chain.conditionals(vals)
    pinned = {int(i): int(x[i]) for i in np.flatnonzero(rev)}
    if len(pinned) == chain.n:
        assert np.all(got == 0)
        return
    cond = joint.conditional(pinned) if pinned else joint
    free = [i for i in range(chain.n) if not rev[i]]
    for k, i in enumerate(free):
        assert np.allclose(got[i], cond.marginal([k]), atol=1e-12)
    assert np.all(got[rev] == 0)


@pytest.mark.parametrize("spec", sorted(FAMILIES))
def test_bisection_exact_small_n(spec):
    """Bisection: KL 0 (table engine and gap programme) in ceil(log2(n+1)) rounds on every family."""
    for start in ("stationary", "vertex:0"):
        chain = random_walk(spec, FAMILIES[spec], start=start)
        sets = bisection_partition(chain.n)
        assert len(sets) == ceil(log2(chain.n + 1))
        assert m.fixed_order_kl(chain.joint(), sets) == pytest.approx(0.0, abs=1e-12)
        assert chain.fixed_order_kl(sets) == 0.0


@pytest.mark.parametrize("spec", ["cycle:9", "grid:4x4", "barbell:5", "regular:3,20,seed=1", "tree:4", "hypercube:4"])
def test_bisection_exact_large_n(spec):
    """At n in the thousands the gap programme gives KL 0 for bisection, > 0 for a two-step split."""
    chain = random_walk(spec, 3001, start="vertex:0", lazy=0.1)
    sets = bisection_partition(chain.n)
    assert len(sets) == bisection_rounds(3001) == 12
    assert chain.fixed_order_kl(sets) == 0.0
    evens = [list(range(0, 3001, 2)), list(range(1, 3001, 2))]
    # odd positions then sit alone between revealed evens: only the first step's TC remains
    tc_evens = sum(chain.entropy([i]) for i in evens[0]) - chain.entropy(evens[0])
    assert chain.fixed_order_kl(evens) == pytest.approx(tc_evens, rel=1e-12)
    assert chain.fixed_order_kl(evens[::-1]) == pytest.approx(
        sum(chain.entropy([i]) for i in evens[1]) - chain.entropy(evens[1]), rel=1e-10
    )


def test_bisection_partition_matches_the_sampler():
    """The rounds equal what make_sampler('bisection').select picks, state by state."""
    s = make_sampler("bisection")
    for n in (1, 2, 5, 8, 13):
        revealed = np.zeros(n, dtype=bool)
        for t, S in enumerate(bisection_partition(n)):
            state = SamplerState(n, revealed.copy(), np.where(revealed, 0, -1), np.zeros((n, 2)), t)
            assert s.select(state) == [(1.0, tuple(S))]
            revealed[S] = True
        assert revealed.all()
    assert [bisection_rounds(n) for n in range(1, 17)] == [ceil(log2(n + 1)) for n in range(1, 17)]


def test_copy_like_deterministic_cycle():
    """A directed q-cycle from a uniform start is the copy distribution: H = log q,
    Z_j = log q for j >= 2, TC = (n-1) log q, DTC = log q; random-order KL (s_1 - 1) log q."""
    q, n = 5, 400
    chain = MarkovChain(np.roll(np.eye(q), 1, axis=1), "uniform", n)
    z = chain.information_curve()
    assert z[0] == pytest.approx(0.0, abs=1e-12)
    assert np.allclose(z[1:], log(q), atol=1e-12)
    assert chain.entropy() == pytest.approx(log(q), rel=1e-12, abs=1e-12)
    assert chain.total_correlation() == pytest.approx((n - 1) * log(q), rel=1e-12, abs=1e-12)
    assert chain.dual_total_correlation() == pytest.approx(log(q), rel=1e-12, abs=1e-12)
    assert m.expected_kl(z, [7, n - 7]) == pytest.approx(6 * log(q), abs=1e-12)


def test_iid_chain_is_a_product():
    """Rows all equal to pi: a product distribution, Z = 0 and every fixed order has KL 0."""
    pi = np.array([0.5, 0.3, 0.2])
    chain = MarkovChain(np.tile(pi, (3, 1)), "stationary", 1000)
    assert np.allclose(chain.information_curve(), 0.0, atol=1e-12)
    assert chain.fixed_order_kl([list(range(1000))]) == pytest.approx(0.0, abs=1e-12)
    assert chain.entropy() == pytest.approx(1000 * float(entr(pi).sum()), rel=1e-12, abs=1e-12)


def _avg_entropy_direct(chain: MarkovChain) -> np.ndarray:
    """O(n^2) reference: exact binomial weights by log-gamma, H(X_i) and H(X_j | X_i) from
    explicit matrix powers (no settling)."""
    n, P = chain.n, chain.P
    lc = lambda a, b: gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)  # noqa: E731
    mus = [chain.start]
    powers = [np.eye(chain.q)]
    for _ in range(n):
        mus.append(mus[-1] @ P)
        powers.append(powers[-1] @ P)
    Hmu = np.array([entr(v).sum() for v in mus[:n]])
    hrow = np.array([entr(M).sum(axis=1) for M in powers[:n]])
    cum = np.cumsum(np.array(mus[:n]), axis=0)
    G = np.array([0.0] + [cum[n - d - 1] @ hrow[d] for d in range(1, n)])
    out = np.zeros(n + 1)
    for k in range(1, n + 1):
        i = np.arange(1, n - k + 2)
        out[k] = np.sum(np.exp(lc(n - i, k - 1) - lc(n, k)) * Hmu[i - 1])
        if k >= 2:
            d = np.arange(1, n - k + 2)
            out[k] += np.sum(np.exp(lc(n - d - 1, k - 2) - lc(n, k)) * G[d])
    return out


@pytest.mark.parametrize("spec, start", [("barbell:4", "vertex:0"), ("cycle:6", "uniform"), ("path:5", "stationary")])
def test_avg_entropy_against_direct_sum(spec, start):
    """The O(n log n) truncated sums equal the full O(n^2) sums with exact weights (n = 300)."""
    chain = random_walk(spec, 300, start=start)
    assert np.allclose(chain.avg_entropy(), _avg_entropy_direct(chain), rtol=1e-12, atol=1e-12)


def test_stationary_formula_from_theory():
    """docs/theory.md section 5: Hbar_k = H(pi) + sum_d (n-d) C(n-d-1, k-2)/C(n, k) h(d), brute force n = 9."""
    chain = random_walk("lollipop:3,2", 9)
    P, pi, n = chain.P, chain.start, 9
    h = [float(pi @ entr(np.linalg.matrix_power(P, d)).sum(axis=1)) for d in range(n)]
    Hpi = float(entr(pi).sum())
    want = [0.0] + [Hpi + sum((n - d) * comb(n - d - 1, k - 2) / comb(n, k) * h[d] for d in range(1, n)) if k > 1 else Hpi
                    for k in range(1, n + 1)]
    assert np.allclose(chain.avg_entropy(), want, atol=1e-12)
    brute = [np.mean([chain.entropy(A) for A in itertools.combinations(range(n), k)]) for k in range(n + 1)]
    assert np.allclose(chain.avg_entropy(), brute, atol=1e-12)


def test_settled_powers_are_exact_enough():
    """Beyond the settling point the pair entropies equal explicit matrix powers."""
    chain = random_walk("barbell:4", 5000, start="vertex:2")
    mu, hrow, Hmu, D, L = chain.tables()
    assert D < 4999
    for j in (D + 1, D + 7, 4999):
        Pj = np.linalg.matrix_power(chain.P, j)
        want = float(entr(chain.start).sum() + chain.start @ entr(Pj).sum(axis=1))
        assert chain.entropy([0, j]) == pytest.approx(want, abs=1e-12)


def test_bridges_stable_at_large_n():
    """n = 4000, far-apart revealed values: bridges equal the closed form
    P^{i-l}[a, v] P^{r-i}[v, b] / P^{r-l}[a, b], with no underflow."""
    P = walk_matrix("path:6", lazy=0.05)
    chain = MarkovChain(P, "vertex:0", 4000)
    vals = np.full(4000, -1)
    vals[[0, 1500, 3999]] = [0, 5, 2]
    got = chain.conditionals(vals)
    mp = np.linalg.matrix_power
    for i in (1, 700, 1499, 1501, 2500, 3998):
        l, r = (0, 1500) if i < 1500 else (1500, 3999)
        a, b = vals[l], vals[r]
        want = mp(P, i - l)[a] * mp(P, r - i)[:, b] / mp(P, r - l)[a, b]
        assert np.allclose(got[i], want, rtol=1e-12, atol=1e-300)
    assert np.allclose(got[vals < 0].sum(axis=1), 1.0, rtol=1e-12, atol=1e-12)
    tail = MarkovChain(P, "vertex:0", 4000).conditionals({0: 0})
    assert np.allclose(tail[3000], chain.start @ mp(P, 3000), atol=1e-12)


def test_conditionals_against_pgmpy():
    """Peer cross-check: variable elimination in pgmpy on a 6-step chain with evidence."""
    pgmpy_models = pytest.importorskip("pgmpy.models")
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.inference import VariableElimination

    rng = np.random.default_rng(3)
    q, n = 3, 6
    P = rng.dirichlet(np.ones(q), size=q)
    start = rng.dirichlet(np.ones(q))
    chain = MarkovChain(P, start, n)
    names = [f"X{i}" for i in range(n)]
    cls = getattr(pgmpy_models, "DiscreteBayesianNetwork", None) or pgmpy_models.BayesianNetwork
    net = cls([(names[i], names[i + 1]) for i in range(n - 1)])
    cpds = [TabularCPD(names[0], q, start.reshape(q, 1))]
    cpds += [TabularCPD(names[i], q, P.T, evidence=[names[i - 1]], evidence_card=[q]) for i in range(1, n)]
    net.add_cpds(*cpds)
    ve = VariableElimination(net)
    evidence = {1: 2, 4: 0}
    got = chain.conditionals(evidence)
    for i in (0, 2, 3, 5):
        want = ve.query([names[i]], evidence={names[k]: v for k, v in evidence.items()}, show_progress=False).values
        assert np.allclose(got[i], want, atol=1e-12)


def test_errors():
    """Impossible revealed values, bad positions and non-partitions are refused."""
    chain = random_walk("cycle:4", 5)
    with pytest.raises(InputError, match="probability 0"):
        chain.conditionals({0: 0, 1: 2})
    with pytest.raises(InputError, match="out of range"):
        chain.conditionals({7: 0})
    with pytest.raises(InputError, match="states 0..3"):
        chain.conditionals([0, 9, -1, -1, -1])
    with pytest.raises(InputError, match="length n = 5"):
        chain.conditionals([0, -1])
    with pytest.raises(InputError, match="twice"):
        chain.fixed_order_kl([[0, 1], [1, 2, 3, 4]])
    with pytest.raises(InputError, match="never unmasked"):
        chain.fixed_order_kl([[0, 1]])
    with pytest.raises(InputError, match="positive integer"):
        MarkovChain(walk_matrix("cycle:4"), "uniform", 0)
    with pytest.raises(InputError, match="memory"):
        random_walk("petersen", 40).joint()


@pytest.mark.parametrize("spec, start", [("grid:3x3", "vertex:0"), ("barbell:4", "stationary")])
def test_theorem4_on_chain_curve_equals_mean_fixed_order_kl(spec, start):
    """At n = 300, Theorem 4 on the chain's curve equals the mean gap-programme KL over random
    orders with the same schedule (two independent engines, agreement within 4 standard errors)."""
    chain = random_walk(spec, 300, start=start)
    sizes = [150, 100, 30, 20]
    want = m.expected_kl(chain.information_curve(), sizes)
    rng = np.random.default_rng(0)
    nodes = np.cumsum([0] + sizes)
    kls = []
    for _ in range(400):
        perm = rng.permutation(300)
        kls.append(chain.fixed_order_kl([perm[a:b].tolist() for a, b in zip(nodes[:-1], nodes[1:])]))
    kls = np.array(kls)
    assert abs(kls.mean() - want) <= 4 * kls.std() / np.sqrt(len(kls))


@given(chains, st.integers(20, 90))
@settings(max_examples=15)
def test_avg_entropy_random_chains_moderate_n(chain, n):
    """Random chains (periodic, reducible, transient states) at n = 20..90: the truncated
    O(n log n) sums equal the full sums with exact weights."""
    chain = MarkovChain(chain.P, chain.start, n)
    assert np.allclose(chain.avg_entropy(), _avg_entropy_direct(chain), rtol=1e-12, atol=1e-12)


def test_single_state_chain():
    """One state: every measure is 0."""
    s = MarkovChain([[1.0]], "stationary", 6).summary()
    assert s["entropy"] == 0 and s["total_correlation"] == 0 and np.allclose(s["information_curve"], 0, rtol=1e-12, atol=1e-12)


def test_sparse_powers_path():
    """q >= 32 and sparse P take the sparse product: same curve as the full sums, same pair
    entropies as dense matrix powers."""
    chain = random_walk("cycle:41", 150, start="vertex:3", lazy=0.2)
    assert np.allclose(chain.avg_entropy(), _avg_entropy_direct(chain), rtol=1e-12, atol=1e-12)
    Pj = np.linalg.matrix_power(chain.P, 149)
    want = float(entr(chain.start).sum() + chain.start @ entr(Pj).sum(axis=1))
    assert chain.entropy([0, 149]) == pytest.approx(want, abs=1e-12)


# -- the settle rule on slowly mixing chains (issue 9) --------------------------------------------


def _h2(p: float) -> float:
    """Binary entropy in nats (0 < p < 1)."""
    return float(-(p * np.log(p) + (1 - p) * np.log1p(-p)))


def _two_state(a: float, start, n: int) -> MarkovChain:
    """The symmetric two-state chain flipping with probability a (exactly representable: a = 2^-e),
    eigenvalue lam = 1 - 2a, spectral gap 2a; P^d flips with probability (1 - lam^d) / 2."""
    return MarkovChain(np.array([[1 - a, a], [a, 1 - a]]), start, n)


def _flip(a: float, d) -> float:
    return -np.expm1(d * np.log1p(-2 * a)) / 2


@pytest.mark.parametrize("e", [7, 10, 15, 21])  # gap 2a from 1.6e-2 down to 9.5e-7
def test_slow_two_state_chain_closed_forms(e):
    """H, TC, DTC and H(X_A) of random sets equal the closed forms of the two-state chain
    (stationary start): H = log 2 + (n-1) h(a), TC = (n-1)(log 2 - h(a)),
    DTC = log 2 + (n-1) h(a) - 2 h(a) - (n-2)(2 h(a) - h(p_2)), H(X_A) = log 2 + sum h(p_gap)."""
    a, n = 2.0**-e, 3000
    chain = _two_state(a, "stationary", n)
    ha, log2_ = _h2(a), log(2)
    assert chain.entropy() == pytest.approx(log2_ + (n - 1) * ha, rel=1e-12)
    assert chain.total_correlation() == pytest.approx((n - 1) * (log2_ - ha), rel=1e-12)
    dtc = log2_ + (n - 1) * ha - 2 * ha - (n - 2) * (2 * ha - _h2(_flip(a, 2)))
    assert chain.dual_total_correlation() == pytest.approx(dtc, rel=1e-12)
    rng = np.random.default_rng(e)
    for _ in range(20):
        A = np.sort(rng.choice(n, size=int(rng.integers(1, 60)), replace=False))
        want = log2_ + sum(_h2(_flip(a, int(d))) for d in np.diff(A))
        assert chain.entropy(A) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("a, b", [(2.0**-13, 2.0**-13), (2.0**-13, 3 * 2.0**-14)])
def test_settle_rule_holds_on_a_slowly_mixing_chain(a, b):
    """Two-state chain P = [[1-a, a], [b, 1-b]] (entries exact), spectral gap g = a + b of
    2.4e-4 and 3.1e-4, n = 3 * 10^5, start at vertex 0: beyond the settling point every stored
    power equals the closed form P^d = Pi + lam^d (I - Pi), lam = 1 - g, to 1e-12 (the start
    row and the row entropies).  The increment rule (stop when max |P^d - P^{d-1}| <= 1e-14)
    stopped where the distance to the limit was about 1e-14 / g = 4e-11: this test failed with it."""
    from mdmtheory._kernels.markov import settle

    n, g = 300_000, a + b
    pi0 = b / g
    chain = MarkovChain(np.array([[1 - a, a], [b, 1 - b]]), "vertex:0", n)
    mu, hrow, Hmu, D, L = chain.tables()
    assert L == 1 and D < n - 1  # it did settle
    lam_d = lambda d: np.exp(d * np.log1p(-g))  # noqa: E731
    row0 = lambda d: pi0 + lam_d(d) * (1 - pi0)  # noqa: E731  P^d[0, 0]
    row1 = lambda d: pi0 - lam_d(d) * pi0  # noqa: E731  P^d[1, 0]
    # where the increment rule stopped, the powers were still > 1e-11 from their limit
    increment_stop = next(d for d in range(1, n) if lam_d(d - 1) * g * max(pi0, 1 - pi0) <= 1e-14)
    assert lam_d(increment_stop) * (1 - pi0) > 1e-11
    for d in [D + 1, D + 17, (D + n) // 2, n - 1, increment_stop + 1]:
        k = settle(d, D, L)
        assert abs(mu[k][0] - row0(d)) <= 1e-12
        assert abs(hrow[k][0] - _h2(row0(d))) <= 1e-12 and abs(hrow[k][1] - _h2(row1(d))) <= 1e-12


def test_limit_by_squaring_and_settling_states():
    """_limit returns the limit of P^m (two-state: every row (1/2, 1/2)); a periodic chain
    (cycle:6, L = 2) settles on its exactly periodic powers; a non-tracked rule never settles."""
    from mdmtheory.markov import _limit, Settling

    a = 2.0**-20
    lim = _limit(np.array([[1 - a, a], [a, 1 - a]]))
    np.testing.assert_allclose(lim, 0.5, atol=1e-9)  # eps / gap: the conditioning of the limit
    chain = random_walk("cycle:6", 500, start="vertex:0")
    mu, hrow, Hmu, D, L = chain.tables()
    assert L == 2 and D < 100
    for d in (D + 1, D + 2, 499):
        np.testing.assert_allclose(mu[_settle_idx(d, D, L)], chain.start @ np.linalg.matrix_power(chain.P, d), atol=1e-14)
    rule = Settling(2, 1, track=False)
    assert not any(rule.done(d, np.full((2, 2), 0.5)) for d in range(1, 10))


def _settle_idx(d, D, L):
    from mdmtheory._kernels.markov import settle

    return settle(d, D, L)


@settings(max_examples=25)
@given(st.integers(0, 2**31), st.integers(2, 5), st.sampled_from([0.0, 0.4, 0.7]), st.sampled_from(["random", "path:4", "cycle:6", "bipartite:2,3"]))
def test_settled_tables_equal_matrix_powers(seed, q, zeros, kind):
    """Random chains with zeros (reducible, transient states) and periodic walks (L = 2):
    every power the tables stand for, up to n - 1, equals numpy's matrix_power to 1e-13."""
    from mdmtheory._kernels.markov import settle

    if kind == "random":
        chain = _random_chain(seed, q, 300, zeros)
    else:
        chain = random_walk(kind, 300, start="vertex:0")
    mu, hrow, Hmu, D, L = chain.tables()
    assert mu.shape[0] == D + 1
    for d in sorted({1, D, D + 1, D + 2, D + L + 1, 150, 299} - {0}):
        if d > 299:
            continue
        Pd = np.linalg.matrix_power(chain.P, d)
        k = settle(d, D, L)
        np.testing.assert_allclose(mu[k], chain.start @ Pd, rtol=0, atol=1e-13)
        np.testing.assert_allclose(hrow[k], entr(Pd).sum(axis=1), rtol=0, atol=1e-12)
