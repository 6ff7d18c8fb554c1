"""Exact evaluator and optimal policy against slow, independent references.

The references here share nothing with ``mdmtheory/_kernels/``: the law of a sampler is built
by recursing over runs, with conditional marginals sliced from the full table and each step's
law from the plain-Python rules of ``tests/rules_reference.py`` (candidates enumerated for
every masked position); the optimal policy by a memoised recursion over partial assignments
that tries every set.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import entr, rel_entr

import mdmtheory as m
from mdmtheory import InputError
from mdmtheory._kernels.evaluate import subset_marginals
from mdmtheory.exact import _Tables, evaluate, optimal_kl, optimal_policy, optimal_tradeoff, sampler_frontier
from mdmtheory.samplers import RULES, SAMPLER_NAMES, SamplerState, make_sampler

from .conftest import tables
from .rules_reference import reference_steps

SMALL = dict(max_n=4, max_q=3, max_cells=81)
#: The rules that draw the chosen values from the marginals (no candidates), read from the
#: registry (the optimal policy, which needs the joint, has its own tests).
PLAIN = tuple(name for name, rule in RULES.items() if not rule.candidates and "joint" not in rule.needs)


def H(p) -> float:
    return float(np.sum(entr(np.asarray(p, dtype=float))))


def ref_run(joint: m.Joint, sampler):
    """Recursive reference: output law, law of the number of calls, chain-rule sum."""
    mu, n, q = joint.table, joint.n, joint.q
    qmax = max(q)
    nu = np.zeros(q)
    steps: dict[int, float] = {}
    dep = [0.0, 0.0, 0]  # chain-rule sum, expected calls on data x ~ mu, oracle queries

    def rec(values: tuple, step: int, w: float):
        free = [i for i in range(n) if values[i] < 0]
        if not free:
            nu[values] += w
            steps[step] = steps.get(step, 0.0) + w
            return
        sub = mu[tuple(v if v >= 0 else slice(None) for v in values)]
        mass = float(sub.sum())
        cond = sub / mass if mass > 0 else None
        P = np.zeros((n, qmax))
        for a, i in enumerate(free):
            if mass > 0:
                P[i, : q[i]] = cond.sum(axis=tuple(b for b in range(len(free)) if b != a))
            else:
                P[i, : q[i]] = 1.0 / q[i]

        def pair_mi(i, j):
            if mass <= 0:
                return 0.0
            a, b = free.index(i), free.index(j)
            pij = cond.sum(axis=tuple(c for c in range(len(free)) if c not in (a, b)))
            return H(P[i]) + H(P[j]) - H(pij)

        def conditional(assign, j):  # p_j(.|x_R, x_A): sliced from the full table; None off the support
            vals = list(values)
            for i, v in assign.items():
                vals[i] = v
            s2 = mu[tuple(v if v >= 0 else slice(None) for v in vals)]
            tot = float(s2.sum())
            if tot <= 0:
                return None
            rest = [i for i in range(n) if vals[i] < 0]
            return s2.sum(axis=tuple(b for b, i in enumerate(rest) if i != j)) / tot

        revealed = np.array([v >= 0 for v in values])
        dep[2] += 1
        if sampler.name == "optimal":  # the DP policy's own select (compared with the kernel's table)
            law = [(p, S, None, 1) for p, S in sampler.select(SamplerState(n, revealed, np.array(values), P, step, pair_mi))]
        else:
            law = reference_steps(sampler.name, sampler.params, n, q, revealed, P, step, pair_mi, conditional)
        for prob, S, drawn, calls in law:
            if sampler.deterministic and mass > 0:
                axes = [free.index(i) for i in S]
                pS = cond.sum(axis=tuple(b for b in range(len(free)) if b not in axes))
                dep[0] += mass * (sum(H(P[i]) for i in S) - H(pS))
                dep[1] += mass
            for xs in [drawn] if drawn is not None else itertools.product(*[range(q[i]) for i in S]):
                pr = prob * w * (1.0 if drawn is not None else float(np.prod([P[i, v] for i, v in zip(S, xs)])))
                if pr > 0:
                    nv = list(values)
                    for i, v in zip(S, xs):
                        nv[i] = v
                    rec(tuple(nv), step + calls, pr)

    rec(tuple([-1] * n), 0, 1.0)
    if sampler.name in ("llada", "dream"):  # both published loops call the model at each step, even with nothing masked
        k = sampler.params["steps"]
        early = sum(p for t, p in steps.items() if t < k)
        steps = {t: p for t, p in steps.items() if t >= k}
        if early:
            steps[k] = steps.get(k, 0.0) + early
    ref_run.calls_mu, ref_run.queries = dep[1], dep[2]
    return nu, steps, dep[0]


def ref_optimal(joint: m.Joint, k: int) -> float:
    """Best deterministic adaptive policy with <= k calls by trying every set at every state."""
    mu, n = joint.table, joint.n

    @lru_cache(maxsize=None)
    def V(values: tuple, b: int) -> float:
        free = [i for i in range(n) if values[i] < 0]
        if not free:
            return 0.0
        if b == 0:
            return np.inf
        sub = mu[tuple(v if v >= 0 else slice(None) for v in values)]
        mass = float(sub.sum())
        if mass <= 0:
            return 0.0
        cond = sub / mass
        best = np.inf
        for r in range(1, len(free) + 1):
            if b == 1 and r < len(free):
                continue
            for axes in itertools.combinations(range(len(free)), r):
                pS = cond.sum(axis=tuple(a for a in range(len(free)) if a not in axes))
                singles = [cond.sum(axis=tuple(c for c in range(len(free)) if c != a)) for a in axes]
                total = sum(H(p) for p in singles) - H(pS)
                for xs in itertools.product(*[range(s) for s in pS.shape]):
                    if pS[xs] > 0:
                        nv = list(values)
                        for a, v in zip(axes, xs):
                            nv[free[a]] = v
                        total += pS[xs] * V(tuple(nv), b - 1)
                best = min(best, total)
        return best

    return V(tuple([-1] * n), k)


@st.composite
def samplers_for(draw, n: int, names=None):
    name = draw(st.sampled_from(list(names) if names else [s for s in SAMPLER_NAMES if s != "optimal"]))
    if name in ("random", "left_to_right", "confidence", "margin", "entropy"):
        if draw(st.booleans()):
            return make_sampler(name, steps=draw(st.integers(1, n)))
        cuts = sorted(draw(st.sets(st.integers(1, n - 1), max_size=n - 1))) if n > 1 else []
        nodes = [0] + cuts + [n]
        return make_sampler(name, schedule=[b - a for a, b in zip(nodes[:-1], nodes[1:])])
    if name == "threshold":
        return make_sampler(name, tau=draw(st.sampled_from([0.0, 0.3, 0.5, 0.8, 0.95, 1.0])))
    if name == "eb":
        return make_sampler(
            name, gamma=draw(st.sampled_from([0.0, 0.05, 0.3, 1.0, 5.0])), proxy=draw(st.sampled_from(["entropy", "confidence", "margin"])),
            # T != 1 draws the values from p^(1/T)/Z (a candidate rule): only where every rule is drawn
            temperature=draw(st.sampled_from([1.0, 1.0, 0.5, 2.0])) if names is None else 1.0,
            entropy_of=draw(st.sampled_from(["untempered", "tempered"])),
        )
    if name == "punt_pairwise":
        return make_sampler(name, delta=draw(st.sampled_from([0.0, 0.01, 0.1, 1.0])))
    if name == "punt":
        return make_sampler(name, eps=draw(st.sampled_from([0.0, 1e-3, 0.04, 0.05, 0.3, 1.0, 50.0])),
                            rounds=draw(st.sampled_from(["shrinking", "independent"])))
    if name == "entropy_sum":
        return make_sampler(name, eps=draw(st.sampled_from([0.0, 0.1, 0.5, float(np.log(2)), 1.0, 5.0])),
                            crossing=draw(st.sampled_from(["include", "exclude"])))
    if name == "centroid":  # the default path, or a random forest: vertex k joins an earlier one or none
        if draw(st.booleans()):
            return make_sampler(name)
        label = draw(st.permutations(range(n)))
        parents = [draw(st.integers(-1, k - 1)) for k in range(1, n)]
        return make_sampler(name, edges=[[label[k + 1], label[a]] for k, a in enumerate(parents) if a >= 0])
    temp = draw(st.sampled_from([0.0, 0.5, 1.0, 2.0]))
    block = draw(st.sampled_from([None] + [L for L in range(1, n + 1) if n % L == 0]))
    if name == "llada":
        steps = (n // (block or n)) * draw(st.integers(1, 3))
        return make_sampler(name, steps=steps, block_length=block, temperature=temp,
                            remasking=draw(st.sampled_from(["low_confidence", "random"])))
    if name == "fast_dllm":
        threshold = draw(st.sampled_from([0.0, 0.5, 0.9, 1.0]))
        if draw(st.booleans()):  # the paper's Algorithm 1: max p confidence, a cap (one block when it binds)
            cap = draw(st.sampled_from([None, 1, 2, n]))
            block = None if cap is not None and cap < n else block
            return make_sampler(name, block_length=block, temperature=temp, threshold=threshold, variant="paper",
                                steps_per_block=cap)
        if draw(st.booleans()):
            return make_sampler(name, block_length=block, temperature=temp, factor=draw(st.sampled_from([0.5, 1.0, 3.0])))
        return make_sampler(name, block_length=block, temperature=temp, threshold=threshold)
    if name == "dream":
        return make_sampler(
            name, steps=draw(st.integers(1, n + 1)), alg=draw(st.sampled_from(["origin", "maskgit_plus", "topk_margin", "entropy"])),
            temperature=temp, top_p=draw(st.sampled_from([None, 0.5, 0.9])), top_k=draw(st.sampled_from([None, 1, 2])),
            alg_temp=draw(st.sampled_from([None, 0.5, 2.0])), eps=draw(st.sampled_from([1e-3, 0.2, 0.25, 0.4])),
            count_dtype=draw(st.sampled_from(["float32", "float64"])),
        )
    # any other rule: its defaults or one point of its registered knob grid
    knobs = RULES[name].frontier(n, n * float(np.log(3.0))) if RULES[name].frontier else []
    key, value = draw(st.sampled_from([("", None), *knobs]))
    return make_sampler(name, **({key: value} if key else {}))


def test_subset_marginals_kernel_matches_numpy():
    """Every subset table of the kernel equals Joint.marginal (heterogeneous alphabets, zeros)."""
    for seed, shape in enumerate([(2, 3, 1, 2), (3, 3, 3), (2,), (1, 4, 2, 2, 3)]):
        J = m.Joint(np.random.default_rng(seed).gamma(0.3, size=shape), normalize=True)
        tab = _Tables(J)
        for M in range(1 << J.n):
            want = J.marginal([i for i in range(J.n) if M >> i & 1]).ravel()
            got = tab.marg[tab.off[M] : tab.off[M + 1]]
            assert np.allclose(got, want, rtol=1e-12, atol=1e-15)
    assert np.allclose(subset_marginals(np.array([0.25, 0.75]), np.array([2]), np.array([0, 1, 3])), [1.0, 0.25, 0.75])


@settings(max_examples=150)
@given(data=st.data(), joint=tables(**SMALL))
def test_every_sampler_matches_the_recursive_reference(data, joint):
    """Output law, number of calls and chain-rule sum equal the recursive reference."""
    sampler = data.draw(samplers_for(joint.n))
    got = evaluate(joint, sampler)
    nu, steps, dep = ref_run(joint, sampler)
    assert np.allclose(got["law"].table, nu, rtol=1e-9, atol=1e-13)
    assert got["kl"] == pytest.approx(max(float(np.sum(rel_entr(joint.table, nu))), 0.0), rel=1e-9, abs=1e-12)
    assert got["tv"] == pytest.approx(0.5 * float(np.abs(joint.table - nu).sum()), abs=1e-12)
    table = {r["steps"]: r["probability"] for r in got["steps_distribution"]}
    assert set(table) == set(steps)
    for t, p in steps.items():
        assert table[t] == pytest.approx(p, rel=1e-9, abs=1e-15)
    assert got["max_steps"] == max(steps)
    assert got["expected_steps"] == pytest.approx(sum(t * p for t, p in steps.items()), rel=1e-12)
    if sampler.deterministic:
        assert got["dependence_error"] == pytest.approx(max(dep, 0.0), rel=1e-9, abs=1e-12)
        assert got["kl"] == pytest.approx(dep, rel=1e-9, abs=1e-12)  # the chain rule, both independent
        assert got["expected_steps_mu"] == pytest.approx(ref_run.calls_mu, rel=1e-12)
        assert got["states_visited"] == ref_run.queries  # each state once: its path is a function of it


@settings(max_examples=25)
@given(data=st.data(), joint=tables(**SMALL))
def test_optimal_policy_matches_select_reference(data, joint):
    """optimal(k) propagated by the kernel equals the recursion driven by its select()."""
    k = data.draw(st.integers(1, joint.n))
    pol = optimal_policy(joint, k)
    got = evaluate(joint, make_sampler("optimal", k=k))
    nu, steps, dep = ref_run(joint, pol)
    assert np.allclose(got["law"].table, nu, rtol=1e-9, atol=1e-13)
    assert max(steps) <= k and got["max_steps"] <= k
    assert got["kl"] == pytest.approx(got["dp_kl"], rel=1e-9, abs=1e-12)


@settings(max_examples=30)
@given(joint=tables(**SMALL))
def test_optimal_dp_matches_brute_force(joint):
    """The DP value for every budget equals the recursion that tries every set."""
    vals = optimal_kl(joint)
    for k in range(1, joint.n + 1):
        assert vals[k - 1] == pytest.approx(ref_optimal(joint, k), rel=1e-9, abs=1e-12)


@settings(max_examples=30)
@given(joint=tables(**SMALL))
def test_optimal_endpoints_and_monotone(joint):
    """optimal(1) = TC (one call), optimal(n) = 0, nonincreasing in k."""
    vals = optimal_kl(joint)
    assert vals[0] == pytest.approx(m.total_correlation(joint), rel=1e-9, abs=1e-12)
    assert vals[-1] == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(vals) <= 1e-12)


@settings(max_examples=25)
@given(data=st.data(), joint=tables(**SMALL))
def test_optimal_is_the_floor_of_deterministic_samplers(data, joint):
    """optimal(k) <= KL of every deterministic sampler using at most k calls, and <= the
    per-order expected KL of random order with k steps."""
    vals = optimal_kl(joint)
    for _ in range(4):
        s = data.draw(samplers_for(joint.n, PLAIN))
        r = evaluate(joint, s)
        k = r["max_steps"]
        if s.deterministic:
            assert vals[k - 1] <= r["kl"] + 1e-12
        else:
            assert vals[k - 1] <= r["expected_kl"] + 1e-12


def test_random_mixture_can_beat_the_deterministic_floor():
    """The random-order mixture is not a deterministic policy: its KL can fall below optimal(k)."""
    found = None
    for seed in range(200):
        J = m.random_joint(3, 2, alpha=0.3, seed=seed)
        r = evaluate(J, make_sampler("random", schedule=[2, 1]))
        if r["kl"] < optimal_kl(J, 2) - 1e-6:
            found = (J, r)
            break
    assert found is not None
    J, r = found
    assert r["kl"] == pytest.approx(m.mixture_kl(J, [2, 1]), rel=1e-9)
    assert optimal_kl(J, 2) <= r["expected_kl"] + 1e-12


@settings(max_examples=30)
@given(data=st.data(), joint=tables(**SMALL))
def test_random_equals_mixture_kl(data, joint):
    """random with a schedule has the law of the foundation's random-order mixture."""
    n = joint.n
    k = data.draw(st.integers(1, n))
    r = evaluate(joint, make_sampler("random", steps=k))
    sched = make_sampler("random", steps=k).sizes(n)
    assert r["kl"] == pytest.approx(m.mixture_kl(joint, sched), rel=1e-9, abs=1e-12)
    assert np.allclose(r["law"].table, m.output_distribution(joint, sched).table, atol=1e-12)
    assert r["expected_kl"] == pytest.approx(m.expected_kl(joint, sched), rel=1e-12, abs=1e-12)
    assert r["kl"] <= r["expected_kl"] + 1e-12
    assert r["expected_steps"] == pytest.approx(k) and r["max_steps"] == k


@settings(max_examples=25)
@given(joint=tables(**SMALL))
def test_one_position_per_step_is_exact(joint):
    """Unmasking one position per call (or only determined extras) gives KL 0 for every rule."""
    n = joint.n
    one = [make_sampler(s, steps=n) for s in ("random", "left_to_right", "confidence", "margin", "entropy")]
    one += [make_sampler("eb", gamma=0.0, proxy=p) for p in ("entropy", "confidence", "margin")]
    one += [make_sampler("threshold", tau=1.0), make_sampler("optimal", k=n)]
    for s in one:
        r = evaluate(joint, s)
        assert r["kl"] == pytest.approx(0.0, abs=1e-11), s
        assert r["tv"] == pytest.approx(0.0, abs=1e-7), s


@settings(max_examples=30)
@given(data=st.data(), joint=tables(max_n=5, max_q=3, max_cells=250))
def test_eb_dependence_error_never_exceeds_gamma(data, joint):
    """EB: every visited state's TC(X_U | x_R) <= sum H - max H <= gamma (docs/theory.md section 6)."""
    gamma = data.draw(st.sampled_from([0.0, 0.01, 0.1, 0.5, 1.5]))
    proxy = data.draw(st.sampled_from(["entropy", "confidence", "margin"]))
    r = evaluate(joint, make_sampler("eb", gamma=gamma, proxy=proxy))
    assert r["dependence_error_max"] <= gamma + 1e-10
    assert all(v <= gamma + 1e-10 for v in r["dependence_error_per_step"])
    assert r["chain_rule_gap"] < 1e-10


@settings(max_examples=20)
@given(data=st.data(), joint=tables(**SMALL))
def test_product_distribution_every_sampler_exact(data, joint):
    """Product of the table's marginals: every sampler that draws from the marginals has KL 0
    (docs/theory.md section 7; the candidate rules rank by the drawn value and are not exact)."""
    prod = m.product([joint.marginal([i]) for i in range(joint.n)])
    s = data.draw(samplers_for(joint.n, PLAIN))
    assert evaluate(prod, s)["kl"] == pytest.approx(0.0, abs=1e-11)
    assert evaluate(prod, "optimal")["kl"] == pytest.approx(0.0, abs=1e-11)


@pytest.mark.parametrize("n,q", [(3, 2), (4, 3), (5, 2)])
def test_copy_closed_forms(n, q):
    """Copy law: confidence loses (s_1 - 1) log q; EB takes floor(gamma / log q) + 1 at first."""
    J = m.copy(n, q)
    for k in range(1, n + 1):
        s1 = make_sampler("confidence", steps=k).sizes(n)[0]
        r = evaluate(J, make_sampler("confidence", steps=k))
        assert r["kl"] == pytest.approx((s1 - 1) * np.log(q), abs=1e-12)
    for gamma in (0.0, 0.9 * np.log(q), 1.1 * np.log(q), 2.5 * np.log(q), 100.0):
        first = min(n, int(np.floor(gamma / np.log(q) + 1e-12)) + 1)
        r = evaluate(J, make_sampler("eb", gamma=gamma))
        assert r["kl"] == pytest.approx((first - 1) * np.log(q), abs=1e-12)
        # off the support of mu the oracle is uniform and EB may need more calls
        assert (r["max_steps"] == 1) == (first == n)
    assert optimal_kl(J, 1) == pytest.approx((n - 1) * np.log(q))
    assert optimal_kl(J, 2) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [3, 4, 5])
def test_parity_closed_forms(n):
    """Parity: a fixed order loses log 2 iff its last step has size >= 2; punt_pairwise with delta = 0
    unmasks pairwise-independent bits together and loses log 2 (pairwise != mutual)."""
    J = m.parity(n)
    for sched in ([n - 1, 1], [1, n - 1], [2] * (n // 2) + [1] * (n % 2)):
        r = evaluate(J, make_sampler("left_to_right", schedule=sched))
        assert r["kl"] == pytest.approx(np.log(2) if sched[-1] >= 2 else 0.0, abs=1e-12)
    r = evaluate(J, make_sampler("punt_pairwise", delta=0.0))
    assert r["kl"] == pytest.approx(np.log(2), abs=1e-12) and r["max_steps"] == 1
    assert optimal_kl(J, 2) == pytest.approx(0.0, abs=1e-12)  # n-1 bits, then the last


def test_bisection_steps_and_units():
    """Bisection takes ceil(log2(n + 1)) calls; base=2 reports bits."""
    J = m.random_joint(5, 2, seed=3)
    r = evaluate(J, "bisection")
    assert r["max_steps"] == r["expected_steps"] == 3
    r2 = evaluate(J, "bisection", base=2)
    assert r2["unit"] == "bits" and r2["kl"] == pytest.approx(r["kl"] / np.log(2))


def test_markov_chain_bisection_exact():
    """On a Markov chain the gaps are conditionally independent: bisection is exact."""
    P = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.3, 0.3, 0.4]])
    J = m.markov_chain(P, [0.2, 0.5, 0.3], 6)
    r = evaluate(J, "bisection")
    assert r["kl"] == pytest.approx(0.0, abs=1e-12) and r["max_steps"] == 3


def test_zero_probability_contexts_uniform_oracle():
    """A context of probability 0 gets the uniform oracle: the mass leaving supp(mu) is the TV."""
    J = m.Joint([[0.5, 0.0], [0.0, 0.5]])  # copy of one bit
    r = evaluate(J, make_sampler("confidence", steps=1))
    assert r["law"].table == pytest.approx(np.full((2, 2), 0.25))
    assert r["tv"] == pytest.approx(0.5) and r["reverse_kl"] == np.inf
    assert r["kl"] == pytest.approx(np.log(2))


def test_frontier_points_and_floor():
    """frontier: one point per knob value; optimal(k) below every deterministic point with <= k calls."""
    J = m.random_joint(4, 2, alpha=0.4, seed=7)
    res = sampler_frontier(J, ["eb", "confidence", "threshold", "bisection", "punt_pairwise", "optimal"])
    pts = res["points"]
    assert res["unit"] == "nats"
    assert [p["value"] for p in pts if p["sampler"] == "confidence"] == [1, 2, 3, 4]
    floor = {p["value"]: p["kl"] for p in pts if p["sampler"] == "optimal"}
    assert floor[1] == pytest.approx(m.total_correlation(J)) and floor[4] == pytest.approx(0.0, abs=1e-12)
    for p in pts:
        if p["sampler"] != "optimal":
            assert floor[p["max_steps"]] <= p["kl"] + 1e-12
    with pytest.raises(InputError, match="valid samplers"):
        sampler_frontier(J, ["nope"])


def test_bad_inputs():
    """Schedules that do not fit n, budgets, memory: InputError before any work."""
    J = m.random_joint(3, 2, seed=0)
    with pytest.raises(InputError, match="sums to"):
        evaluate(J, make_sampler("confidence", schedule=[1, 1]))
    with pytest.raises(InputError, match="exceeds n"):
        evaluate(J, make_sampler("entropy", steps=4))
    with pytest.raises(InputError, match="memory"):
        evaluate(J, "eb", max_memory=100)
    with pytest.raises(InputError, match="unknown sampler"):
        evaluate(J, "nope")
    with pytest.raises(InputError, match="positive integer"):
        optimal_kl(J, 0)
    assert optimal_kl(J, 10) == pytest.approx(0.0, abs=1e-12)  # k > n is n
    with pytest.raises(InputError, match="inner steps"):
        optimal_kl(m.random_joint(14, 2, seed=0))  # refused before any table is built


STRUCTURED = {
    "copy": lambda: m.copy(4, 2),
    "parity": lambda: m.parity(4),
    "ising": lambda: m.ising_chain(5, J=0.7, h=0.0),
    "markov": lambda: m.markov_chain([[0.5, 0.5, 0.0], [0.25, 0.5, 0.25], [0.0, 0.5, 0.5]], [1 / 3, 1 / 3, 1 / 3], 4),
}


@pytest.mark.parametrize("family", sorted(STRUCTURED))
def test_structured_tables_with_exact_ties_match_reference(family):
    """Symmetric tables (many exact ties between marginals) agree with the reference for every rule."""
    joint = STRUCTURED[family]()
    samplers = [make_sampler(s, steps=2) for s in ("random", "left_to_right", "confidence", "margin", "entropy")]
    samplers += [make_sampler("threshold", tau=0.6), make_sampler("eb", gamma=0.7), make_sampler("eb", gamma=0.7, proxy="margin")]
    samplers += [make_sampler("punt_pairwise", delta=0.05), make_sampler("bisection"), optimal_policy(joint, 2)]
    samplers += [make_sampler("punt", eps=0.05), make_sampler("punt", eps=0.0)]
    for s in samplers:
        got = evaluate(joint, s) if s.name != "optimal" else evaluate(joint, make_sampler("optimal", k=2))
        nu, steps, dep = ref_run(joint, s)
        assert np.allclose(got["law"].table, nu, rtol=1e-9, atol=1e-13), s
        assert {r["steps"]: pytest.approx(r["probability"]) for r in got["steps_distribution"]} == steps, s


def ref_tradeoff(joint: m.Joint, lam: float) -> float:
    """min over deterministic adaptive policies of KL + lam * E_mu[calls], trying every set."""
    mu, n = joint.table, joint.n

    @lru_cache(maxsize=None)
    def V(values: tuple) -> float:
        free = [i for i in range(n) if values[i] < 0]
        if not free:
            return 0.0
        sub = mu[tuple(v if v >= 0 else slice(None) for v in values)]
        mass = float(sub.sum())
        if mass <= 0:
            return 0.0
        cond = sub / mass
        best = np.inf
        for r in range(1, len(free) + 1):
            for axes in itertools.combinations(range(len(free)), r):
                pS = cond.sum(axis=tuple(a for a in range(len(free)) if a not in axes))
                singles = [cond.sum(axis=tuple(c for c in range(len(free)) if c != a)) for a in axes]
                total = lam + sum(H(p) for p in singles) - H(pS)
                for xs in itertools.product(*[range(s) for s in pS.shape]):
                    if pS[xs] > 0:
                        nv = list(values)
                        for a, v in zip(axes, xs):
                            nv[free[a]] = v
                        total += pS[xs] * V(tuple(nv))
                best = min(best, total)
        return best

    return V(tuple([-1] * n))


@settings(max_examples=25)
@given(data=st.data(), joint=tables(**SMALL))
def test_tradeoff_dp_matches_brute_force_and_is_a_floor(data, joint):
    """KL + lam E_mu[calls] of the trade-off DP equals the brute force and lies below every
    deterministic sampler's; lam = 0 gives KL 0, a huge lam one call (KL = TC)."""
    lams = [0.0, 0.01, 0.1, 0.5, 2.0, 1e3]
    pts = optimal_tradeoff(joint, lams)["points"]
    for lam, p in zip(lams, pts):
        value = p["kl"] + lam * p["expected_steps_mu"]
        assert value == pytest.approx(ref_tradeoff(joint, lam), rel=1e-9, abs=1e-12)
        for _ in range(2):
            s = data.draw(samplers_for(joint.n))
            if s.deterministic:
                r = evaluate(joint, s)
                assert value <= r["kl"] + lam * r["expected_steps_mu"] + 1e-12
    assert pts[0]["kl"] == pytest.approx(0.0, abs=1e-12)
    assert pts[-1]["expected_steps_mu"] == pytest.approx(1.0) and pts[-1]["kl"] == pytest.approx(m.total_correlation(joint), abs=1e-12)


def test_frontier_knobs_of_entropy_sum_and_frechet_profile():
    """entropy_sum at eps = 0 unmasks one position a call (KL 0, n calls); at eps >= H(X) of
    every marginal sum it unmasks all at once (KL = TC); frechet_profile sweeps its margin."""
    J = m.random_joint(4, 2, seed=1)
    pts = sampler_frontier(J, ["entropy_sum", "frechet_profile"])["points"]
    es = [p for p in pts if p["sampler"] == "entropy_sum"]
    assert es[0]["value"] == 0.0 and es[0]["expected_steps"] == 4.0 and es[0]["kl"] == pytest.approx(0.0, abs=1e-12)
    assert es[-1]["expected_steps"] == 1.0 and es[-1]["kl"] == pytest.approx(m.total_correlation(J), abs=1e-12)
    fp = [p for p in pts if p["sampler"] == "frechet_profile"]
    assert [p["value"] for p in fp] == sorted(p["value"] for p in fp) and len(fp) >= 5
