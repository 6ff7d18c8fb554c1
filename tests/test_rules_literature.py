"""The two rules of issue 12's wider literature: ``entropy_sum`` (Cai and Li, arXiv:2603.22248, as
the issue summarises it) and ``frechet_profile`` (Fast-dLLM++, arXiv:2606.02955).  The kernel rule
against the plain-Python references of ``tests/rules_reference.py`` on random states, the exact
evaluator against brute force, the paper's worked example and equal-confidence reduction by hand,
and both rules in the walk engine."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.special import rel_entr

import mdmtheory as m
from mdmtheory import InputError
from mdmtheory.exact import evaluate
from mdmtheory.markov import random_walk
from mdmtheory.samplers import SamplerState, make_sampler
from mdmtheory.walks import exact_walk_metrics, sample_walks, walk_metrics, wilson_interval

from .conftest import tables
from .rules_reference import reference_law
from .walk_reference import select_on_state
from .test_evaluate import SMALL, ref_run
from .test_rules import _assert_same_law, states
from .test_walks import _chi_square_pvalue

EPS = [0.0, 0.05, 0.3, 0.7, float(np.log(2)), 2 * float(np.log(2)), 1.5, 50.0]
MARGINS = [0.0, 0.1, 0.25, 0.5, 0.99, 3.0]


@st.composite
def lit_samplers(draw, n: int):
    if draw(st.booleans()):
        return make_sampler("entropy_sum", eps=draw(st.sampled_from(EPS)),
                            crossing=draw(st.sampled_from(["include", "exclude"])))
    block = draw(st.sampled_from([None] + [L for L in range(1, n + 1) if n % L == 0]))
    return make_sampler("frechet_profile", block_length=block, temperature=draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])),
                        margin=draw(st.sampled_from(MARGINS)))


@settings(max_examples=300)
@given(data=st.data(), state=states())
def test_kernel_rule_matches_reference_on_random_states(data, state):
    """Sampler.transitions (the kernel rule) equals the plain-Python reference, state by state, with
    ties, zeros and unequal alphabets."""
    n, q, revealed, values, P, pair_mi, conditional = state
    sampler = data.draw(lit_samplers(n))
    st_ = SamplerState(n, revealed, values, P, 0, pair_mi, q=tuple(q), conditional=conditional)
    want = reference_law(sampler.name, sampler.params, n, q, revealed, P, 0)
    got = sampler.transitions(st_)
    _assert_same_law(got, want)
    assert sum(p for p, _, _ in got) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=120)
@given(data=st.data(), joint=tables(**SMALL))
def test_exact_law_equals_brute_force(data, joint):
    """The exact evaluator's output law, law of calls and KL equal the brute-force recursion."""
    sampler = data.draw(lit_samplers(joint.n))
    got = evaluate(joint, sampler)
    nu, steps, _ = ref_run(joint, sampler)
    assert np.allclose(got.law.table, nu, rtol=1e-9, atol=1e-13)
    table = {r["steps"]: r["probability"] for r in got.steps_distribution}
    for t, p in steps.items():
        assert table.get(t, 0.0) == pytest.approx(p, rel=1e-9, abs=1e-15)
    assert got.kl == pytest.approx(max(float(np.sum(rel_entr(joint.table, nu))), 0.0), rel=1e-9, abs=1e-12)


def _h(p: float) -> float:
    return -p * math.log(p) - (1 - p) * math.log(1 - p)


def test_entropy_sum_is_not_eb_the_crossing_position():
    """Entropies h(0.1) = 0.325, h(0.2) = 0.500, h(0.4) = 0.673 (nats).  eps = 0.9: crossing =
    exclude takes the two lowest (0.825 <= 0.9 < 1.498); crossing = include goes on until the sum
    exceeds 0.9, so takes the third too, as eb(gamma = 0.9) does (its max is free: 1.498 - 0.673 =
    0.825 <= 0.9).  eps = 0.3: h(0.1) > 0.3 already, so every reading takes only the lowest."""
    P = np.array([[0.6, 0.4], [0.1, 0.9], [0.8, 0.2]])
    st_ = SamplerState(3, np.zeros(3, bool), np.full(3, -1), P)
    assert _h(0.1) + _h(0.2) <= 0.9 < _h(0.1) + _h(0.2) + _h(0.4)
    assert make_sampler("entropy_sum", eps=0.9, crossing="exclude").select(st_) == [(1.0, (1, 2))]
    assert make_sampler("entropy_sum", eps=0.9).select(st_) == [(1.0, (0, 1, 2))]
    assert make_sampler("eb", gamma=0.9).select(st_) == [(1.0, (0, 1, 2))]
    for crossing in ("include", "exclude"):
        assert make_sampler("entropy_sum", eps=0.3, crossing=crossing).select(st_) == [(1.0, (1,))]
    assert make_sampler("eb", gamma=0.3).select(st_) == [(1.0, (1,))]
    # include stops at the first crossing: eps = 0.5 takes 0.325 (<= 0.5), then 0.825 (> 0.5), stop
    assert make_sampler("entropy_sum", eps=0.5).select(st_) == [(1.0, (1, 2))]
    assert make_sampler("entropy_sum", eps=0.5, crossing="exclude").select(st_) == [(1.0, (1,))]


def test_entropy_sum_budget_is_inclusive_up_to_tol():
    """A sum equal to eps (up to rounding) is within the budget; above it by 1e-9 is not.  exclude:
    eps = 2 h keeps both, eps = 2 h - 1e-9 one.  include: the sum must *exceed* eps to stop, so
    eps = h (equal) goes on to the second, eps = h - 1e-9 stops after the first."""
    P = np.array([[0.9, 0.1], [0.9, 0.1]])
    st_ = SamplerState(2, np.zeros(2, bool), np.full(2, -1), P)
    two = 2 * _h(0.1)
    assert make_sampler("entropy_sum", eps=two, crossing="exclude").select(st_) == [(1.0, (0, 1))]
    assert make_sampler("entropy_sum", eps=two - 1e-9, crossing="exclude").select(st_) == [(1.0, (0,))]
    assert make_sampler("entropy_sum", eps=_h(0.1)).select(st_) == [(1.0, (0, 1))]
    assert make_sampler("entropy_sum", eps=_h(0.1) - 1e-9).select(st_) == [(1.0, (0,))]


def test_entropy_sum_on_independent_positions_closed_form():
    """n independent Bernoulli(0.1) positions: with k = floor(eps / h(0.1)) a step takes max(1, k)
    of them under exclude (the longest prefix with sum <= eps) and k + 1 under include (the shortest
    whose sum exceeds eps), so the run makes ceil(n / size) calls and is exact (KL 0)."""
    n, p = 5, 0.1
    t = np.ones(1)
    for _ in range(n):
        t = np.multiply.outer(t, np.array([1 - p, p]))
    J = m.Joint(t.reshape((2,) * n))
    for eps in (0.0, 0.4, 0.7, 1.0, 2.0):
        k = int(eps // _h(p))
        for crossing, size in (("exclude", max(1, k)), ("include", k + 1)):
            r = evaluate(J, make_sampler("entropy_sum", eps=eps, crossing=crossing))
            assert r.expected_steps == pytest.approx(math.ceil(n / size)) and r.kl == pytest.approx(0.0, abs=1e-12)


def test_entropy_sum_crossing_on_copy2_issue_example():
    """copy(2) with eps = 1.0 (issue 18): both entropies are log 2 = 0.693.  exclude: two would sum
    to 1.386 > 1, so one goes, then the other (determined, H = 0): KL 0 in 2 calls.  include: 0.693
    <= 1, so the second goes too (the crossing one): both at once from the product of the fair
    marginals, KL(mu || nu) = log 2 in 1 call."""
    J = m.copy(2, 2)
    exc = evaluate(J, make_sampler("entropy_sum", eps=1.0, crossing="exclude"))
    inc = evaluate(J, make_sampler("entropy_sum", eps=1.0, crossing="include"))
    assert exc.kl == pytest.approx(0.0, abs=1e-13) and exc.expected_steps == pytest.approx(2.0)
    assert inc.kl == pytest.approx(math.log(2), rel=1e-12) and inc.expected_steps == pytest.approx(1.0)
    assert make_sampler("entropy_sum", eps=1.0).params["crossing"] == "include"  # the default


@settings(max_examples=200)
@given(data=st.data(), state=states())
def test_entropy_sum_include_is_eb_with_the_entropy_proxy(data, state):
    """crossing = include takes the shortest prefix (increasing H) whose sum exceeds eps; its last
    term is its largest, so that is the longest prefix with sum H - max H <= eps: eb(gamma = eps,
    proxy = entropy), state by state (ties, zeros, unequal alphabets)."""
    n, q, revealed, values, P, _, _ = state
    eps = data.draw(st.sampled_from(EPS))
    st_ = SamplerState(n, revealed, values, P, 0, q=tuple(q))
    assert make_sampler("entropy_sum", eps=eps).select(st_) == make_sampler("eb", gamma=eps, proxy="entropy").select(st_)


def test_crossing_and_rounds_parameters():
    """The readings are typed parameters validated at the boundary; the registry picks the stop
    of the ranked-prefix family from crossing; a Ranking with a stop parameter and no choices (or a
    stop that is not an entropy sum) is refused."""
    from mdmtheory._kernels import codes
    from mdmtheory.samplers import RULES, Ranking, punt_kept

    with pytest.raises(InputError, match="crossing must be one of include, exclude"):
        make_sampler("entropy_sum", crossing="both")
    with pytest.raises(InputError, match="rounds must be one of shrinking, independent"):
        make_sampler("punt", rounds="batched")
    with pytest.raises(InputError, match="rounds must be one of"):
        punt_kept(np.array([0]), np.ones((1, 1)), np.array([1]), 0.1, {0: 0}, None, rounds="batched")
    with pytest.raises(InputError, match="stop_param"):
        Ranking("entropy", "sum", param="eps", stop_param="crossing")
    with pytest.raises(InputError, match="stop_param"):
        Ranking("entropy", "sum", param="eps", stop_param="c", stop_choices=(("a", "size"),))
    pack = RULES["entropy_sum"].pack
    assert pack({"eps": 0.1, "crossing": "exclude"}, 3)[0][1] == codes.STOP_SUM
    assert pack({"eps": 0.1, "crossing": "include"}, 3)[0][1] == codes.STOP_SUM_THROUGH
    assert make_sampler("punt").params == {"eps": 0.04, "rounds": "shrinking"}
    assert make_sampler("entropy_sum").params["crossing"] == "include"


def _conf_state(confs):
    P = np.array([[c, 1 - c] for c in confs])
    return SamplerState(len(confs), np.zeros(len(confs), bool), np.full(len(confs), -1), P)


def test_frechet_reproduces_the_papers_worked_example():
    """Fast-dLLM++ Figure 1(E): confidences 0.99, 0.95, 0.82, 0.78, 0.74 with delta = 0.30: G_n =
    0.98, 0.89, 0.58, 0.32, 0.02, so Frechet accepts n = 4 while the matched factor rule (f = 0.70)
    accepts n = 2 (at n = 3, 4 (1 - 0.82) = 0.72 >= 0.70).  Greedy candidates (T = 0)."""
    st_ = _conf_state([0.78, 0.99, 0.74, 0.95, 0.82])
    got = make_sampler("frechet_profile", margin=0.30).transitions(st_)
    assert [(p, S) for p, S, _ in got] == [(1.0, (0, 1, 3, 4))]
    fac = make_sampler("fast_dllm", factor=0.70).transitions(st_)
    assert [(p, S) for p, S, _ in fac] == [(1.0, (1, 3))]


@settings(max_examples=200)
@given(m_=st.integers(1, 8), c=st.floats(0.5, 1.0), delta=st.floats(0.0, 1.0))
def test_frechet_equal_confidences_is_the_factor_condition(m_, c, delta):
    """Corollary 4.2: with every confidence equal to c, Frechet(delta) unmasks the largest n <= m with
    (n + 1)(1 - c) < 1 - delta (at least one), by hand from the inequality."""
    assume(all(abs((n + 1) * (1 - c) - (1 - delta)) > 1e-9 for n in range(1, m_ + 1)))
    want = max([n for n in range(1, m_ + 1) if (n + 1) * (1 - c) < 1 - delta], default=1)
    got = make_sampler("frechet_profile", margin=delta).select(_conf_state([c] * m_))
    assert got == [(1.0, tuple(range(want)))]


def test_frechet_refuses_bad_parameters():
    with pytest.raises(InputError, match="margin"):
        make_sampler("frechet_profile", margin=-0.1)
    with pytest.raises(InputError, match="must divide"):
        evaluate(m.random_joint(3, 2, seed=0), make_sampler("frechet_profile", block_length=2))
    with pytest.raises(InputError, match="eps"):
        make_sampler("entropy_sum", eps=float("nan"))


# --- the walk engine -------------------------------------------------------------------------


def test_frechet_walk_simulation_agrees_with_the_exact_law():
    """frechet_profile in the walk engine: validity in its 99.9% Wilson interval around the exact
    value, mean calls within 4 standard errors, a chi-square test of the sampled law against the
    evaluator's, and nothing outside its support."""
    chain = random_walk("cycle:5", 6, start="vertex:0")
    for sampler in (make_sampler("frechet_profile", temperature=1.0, margin=0.1),
                    make_sampler("frechet_profile", temperature=0.5, margin=0.0, block_length=3)):
        exact = exact_walk_metrics(chain, sampler)
        x, calls = sample_walks(chain, sampler, 6000, seed=5)
        sim = walk_metrics(chain, x, calls)
        lo, hi = wilson_interval(int(round(sim["validity"] * 6000)), 6000, z=3.29)
        assert lo <= exact["validity"] <= hi
        assert abs(sim["expected_steps"] - exact["expected_steps"]) <= 4 * calls.std() / np.sqrt(len(calls)) + 1e-6
        nu = evaluate(chain.joint(), sampler)["law"].table
        counts = np.zeros(nu.shape)
        np.add.at(counts, tuple(x.T), 1.0)
        assert counts[nu <= 0].sum() == 0
        assert _chi_square_pvalue(counts[nu > 0], len(x) * nu[nu > 0]) > 1e-6


@pytest.mark.parametrize("eps", [0.2, 0.8])
def test_entropy_sum_walk_selection_equals_select(eps):
    """On partial walks the numba engine's one-step selection (which computes every marginal) is
    Sampler.select's and the reference's."""
    chain = random_walk("barbell:3", 6, start="stationary")
    rng = np.random.default_rng(3)
    sampler = make_sampler("entropy_sum", eps=eps)
    for _ in range(20):
        x = chain.sample(1, seed=int(rng.integers(1 << 30)))[0]
        vals = np.where(rng.random(chain.n) < 0.4, x, -1)
        vals[int(rng.integers(chain.n))] = -1
        got, marg = select_on_state(chain, sampler, vals)
        st_ = SamplerState(chain.n, vals >= 0, vals, marg)
        assert sampler.select(st_) == [(1.0, got)]
        assert reference_law("entropy_sum", sampler.params, chain.n, [chain.q] * chain.n, vals >= 0, marg, 0) == [(1.0, got, None)]


def test_entropy_sum_walk_simulation_agrees_with_the_exact_law():
    """entropy_sum in the walk simulation: validity and the sampled law against the exact evaluator."""
    chain = random_walk("cycle:5", 6, start="vertex:0")
    sampler = make_sampler("entropy_sum", eps=0.8)
    exact = exact_walk_metrics(chain, sampler)
    x, calls = sample_walks(chain, sampler, 6000, seed=5)
    sim = walk_metrics(chain, x, calls)
    lo, hi = wilson_interval(int(round(sim["validity"] * 6000)), 6000, z=3.29)
    assert lo <= exact["validity"] <= hi
    nu = evaluate(chain.joint(), sampler)["law"].table
    counts = np.zeros(nu.shape)
    np.add.at(counts, tuple(x.T), 1.0)
    assert counts[nu <= 0].sum() == 0
    assert _chi_square_pvalue(counts[nu > 0], len(x) * nu[nu > 0]) > 1e-6
