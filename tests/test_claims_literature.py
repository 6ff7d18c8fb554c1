"""The literature claims of issue 12: each passes with the right ingredients, fails with a
deliberately wrong one, and the new families and bound formulas match slow references."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mdmtheory as m
import mdmtheory.proofs_check as proofs_check
from mdmtheory.bounds import li_cai_lower_bound
from mdmtheory.proofs_check import cai_li_entropy_sum, fast_dllm_frechet, fast_dllm_greedy, lavenant_zanella, li_cai_lower, parallelbench, two_mode, zhang_reverse_kl, zhao_cai_random_sizes

from .conftest import tables
from .reference import cond_prob, kl, subset_entropy

LITERATURE_CLAIMS = ["li_cai_lower", "zhang_reverse_kl", "two_mode", "fast_dllm_greedy", "zhao_cai_random_sizes", "parallelbench",
                     "lavenant_zanella", "cai_li_entropy_sum", "fast_dllm_frechet"]


@pytest.mark.parametrize("name", LITERATURE_CLAIMS)
def test_literature_claim_passes(name):
    """Each new claim is listed, names its source and PASSes in quick mode with its numbers."""
    assert name in proofs_check.claim_modules()
    (claim,) = proofs_check.run_claims([name], quick=True)
    assert claim.numbers and "arXiv" in claim.source
    assert claim.passed, (claim.name, claim.numbers, claim.detail)


# --- families -----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 5])
def test_two_mode_closed_forms(n):
    """two_mode: two strings of mass 1/2, H = log 2, TC = (n - 1) log 2, DTC = log 2 (n >= 2)."""
    j = m.two_mode(n)
    assert int((j.table > 0).sum()) == 2
    assert m.entropy(j) == pytest.approx(math.log(2))
    assert m.total_correlation(j) == pytest.approx((n - 1) * math.log(2), abs=1e-12)
    if n >= 2:
        assert m.dual_total_correlation(j) == pytest.approx(math.log(2))
    x = tuple(i % 2 for i in range(n))
    assert j.table[x] == 0.5 and j.table[tuple(1 - v for v in x)] == 0.5


@pytest.mark.parametrize("n,q,delta", [(2, 2, 0.2), (3, 3, 0.01), (4, 2, 1.0)])
def test_noisy_copy_cells(n, q, delta):
    """noisy_copy: diagonal cells (1-delta)/q + delta/q^n, the rest delta/q^n, marginals uniform."""
    t = m.noisy_copy(n, q, delta).table
    for x in itertools.product(range(q), repeat=n):
        want = delta / q**n + ((1 - delta) / q if len(set(x)) == 1 else 0.0)
        assert t[x] == pytest.approx(want, rel=1e-12)
    np.testing.assert_allclose(t.sum(axis=tuple(range(1, n))), np.full(q, 1 / q))


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: m.two_mode(0), "positive integer"),
        (lambda: m.noisy_copy(3, 2, 0.0), "delta"),
        (lambda: m.noisy_copy(3, 2, 1.5), "delta"),
        (lambda: m.noisy_copy(3, 2, "x"), "delta"),
        (lambda: m.noisy_copy(3, 0, 0.1), "q must"),
    ],
)
def test_new_families_refuse_bad_input(call, match):
    with pytest.raises(m.InputError, match=match):
        call()


# --- Li-Cai lower bound (Theorem 2) ----------------------------------------------------------------


def _mi(t, i, W) -> float:
    """I(X_i ; X_W) from subset entropies of the full table."""
    W = list(W)
    if not W:
        return 0.0
    return subset_entropy(t, [i]) + subset_entropy(t, W) - subset_entropy(t, sorted(W + [i]))


def reference_li_cai_lower(t: np.ndarray, s_max: int) -> float:
    """s_max/(16 n) sum_i sum_j 2^-j E I(X_i ; X_W), W Bernoulli(2^-j) over the others, by
    enumerating every subset W with its probability."""
    n = t.ndim
    J = math.ceil(math.log2(n)) if n > 1 else 0
    total = 0.0
    for i in range(n):
        others = [a for a in range(n) if a != i]
        for j in range(1, J + 1):
            p = 2.0**-j
            for r in range(len(others) + 1):
                for W in itertools.combinations(others, r):
                    total += 2.0**-j * p**r * (1 - p) ** (len(others) - r) * _mi(t, i, W)
    return s_max / (16.0 * n) * total


@given(tables(max_n=5, max_q=3), st.data())
def test_li_cai_lower_bound_matches_subset_enumeration(joint, data):
    """The curve form of the lower bound equals the direct sum over masks and positions."""
    s = data.draw(st.integers(1, joint.n))
    assert li_cai_lower_bound(m.information_curve(joint), s) == pytest.approx(
        reference_li_cai_lower(joint.table, s), rel=1e-9, abs=1e-12
    )


def test_li_cai_lower_bound_closed_form_copy():
    """Copy of n bits: E I(X_i; X_W) = log 2 * P(W nonempty) = log 2 (1 - (1 - 2^-j)^(n-1))."""
    n, s = 6, 4
    want = s / 16 * sum(2.0**-j * (1 - (1 - 2.0**-j) ** (n - 1)) for j in range(1, 4)) * math.log(2)
    assert li_cai_lower_bound(m.copy(n, 2), s) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("s_max", [0, 3, 1.5, None, "x"])
def test_li_cai_lower_bound_refuses_bad_s_max(s_max):
    with pytest.raises(m.InputError, match="s_max"):
        li_cai_lower_bound([0.0, 1.0], s_max)


def test_li_cai_lower_claim_fails_with_wrong_bound():
    """A bound 16 times larger (constant 1 instead of 1/16) exceeds the worst KL: FAIL."""
    claim = li_cai_lower.check(quick=True, lower=lambda z, s: 16 * li_cai_lower_bound(z, s))
    assert not claim.passed and claim.numbers["min_worst_kl_minus_lower"] < 0


def test_li_cai_lower_claim_fails_with_wrong_engine():
    """An engine that reports no KL at all makes the check FAIL."""
    claim = li_cai_lower.check(quick=True, kl=lambda z, s: 0.0)
    assert not claim.passed


# --- Zhang et al.: unbounded reverse KL of factorised decoding ----------------------------------


@pytest.mark.parametrize("n,q,delta", [(2, 2, 0.3), (3, 2, 1e-3), (3, 3, 1e-5), (4, 2, 1.0)])
def test_noisy_copy_reverse_kl_closed_form(n, q, delta):
    """The closed form equals KL(product of marginals || mu) summed cell by cell."""
    t = m.noisy_copy(n, q, delta).table
    nu = np.ones_like(t)
    for i in range(n):
        marg = t.sum(axis=tuple(a for a in range(n) if a != i))
        nu = nu * marg.reshape([-1 if a == i else 1 for a in range(n)])
    assert zhang_reverse_kl.reverse_kl_closed_form(n, q, delta) == pytest.approx(kl(nu, t), rel=1e-12, abs=1e-15)


def test_zhang_claim_fails_with_wrong_closed_form():
    """Dropping the factor (1 - q^(1-n)) from the closed form makes the check FAIL."""
    claim = zhang_reverse_kl.check(quick=True, closed_form=lambda n, q, d: math.log(1 / d))
    assert not claim.passed and claim.numbers["max_rel_gap_closed_form"] > 1e-3


def test_zhang_claim_fails_with_wrong_family():
    """A family whose reverse KL does not grow (copy mixed with delta = 1/2 always) FAILs."""
    claim = zhang_reverse_kl.check(quick=True, family=lambda n, q, d: m.noisy_copy(n, q, 0.5))
    assert not claim.passed


# --- the two-mode example ---------------------------------------------------------------------------


@pytest.mark.parametrize("blocks", [[[0], [1, 2, 3]], [[1, 3], [0, 2]], [[0, 1, 2], [3]], [[0, 1, 2, 3]]])
def test_two_mode_fixed_order_law_by_hand(blocks):
    """The output law built cell by cell gives KL = (|S_1| - 1) log 2 (reference, no engine)."""
    from .reference import fixed_order_law

    t = m.two_mode(4).table
    assert kl(t, fixed_order_law(t, blocks)) == pytest.approx((len(blocks[0]) - 1) * math.log(2), abs=1e-12)


def test_two_mode_claim_fails_with_wrong_formula():
    """The closed form s_1 log 2 (off by one bit) makes the check FAIL."""
    claim = two_mode.check(quick=True, formula=lambda s1: s1 * math.log(2))
    assert not claim.passed and claim.numbers["max_schedule_error"] > 0.5


def test_two_mode_claim_fails_with_wrong_family():
    """Parity is not the two-mode law: the closed form no longer holds."""
    claim = two_mode.check(quick=True, family=m.parity)
    assert not claim.passed


def test_two_mode_claim_fails_with_wrong_engine():
    """An evaluator that ignores the sampler (always one step) makes the check FAIL."""
    claim = two_mode.check(quick=True, engine=lambda j, s: m.evaluate(j, m.make_sampler("random", steps=1)))
    assert not claim.passed and claim.numbers["max_sampler_error"] > 0.5


# --- Fast-dLLM Theorem 1 ------------------------------------------------------------------------------


def reference_greedy_sequential(t: np.ndarray, selected) -> tuple:
    """Decode the selected positions in order, each by the largest conditional probability
    mu(x_i = v | decoded) computed from the table cell by cell (first value on ties)."""
    decoded: dict[int, int] = {}
    for i in sorted(selected):
        x = [decoded.get(a, 0) for a in range(t.ndim)]
        probs = []
        for v in range(t.shape[i]):
            x[i] = v
            probs.append(cond_prob(t, tuple(x), set(decoded), i))
        decoded[i] = int(np.argmax(probs))
    return tuple(decoded[i] for i in selected)


@given(tables(max_n=4, max_q=3, zeros=True), st.data())
def test_greedy_sequential_matches_cell_by_cell_reference(joint, data):
    """The claim's sequential decoder equals the cell-by-cell reference on random tables."""
    sel = data.draw(st.lists(st.integers(0, joint.n - 1), min_size=1, max_size=joint.n, unique=True))
    got = fast_dllm_greedy.greedy_sequential(joint.table, sel)
    assert got == reference_greedy_sequential(joint.table, sel)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_fast_dllm_counterexample_by_hand(n):
    """Just past the condition: marginals of 0 are n/(n+1) - delta, yet sequential ends on a 1."""
    d = 1e-4
    t = fast_dllm_greedy.counterexample(n, d).table
    for i in range(n):
        assert t.sum(axis=tuple(a for a in range(n) if a != i))[0] == pytest.approx(n / (n + 1) - d)
    assert fast_dllm_greedy.greedy_parallel(t, list(range(n))) == (0,) * n
    assert fast_dllm_greedy.greedy_sequential(t, list(range(n))) == (0,) * (n - 1) + (1,)


def test_fast_dllm_claim_fails_with_looser_condition():
    """Replacing (n + 1) eps <= 1 by n eps <= 1 admits the counterexamples: FAIL."""
    claim = fast_dllm_greedy.check(quick=True, condition=lambda k, eps: k * eps <= 1)
    assert not claim.passed and claim.numbers["disagreements_under_hypothesis"] > 0


def test_fast_dllm_claim_fails_with_wrong_decoder():
    """A 'sequential' decoder that reads marginals never differs: the just-past cases FAIL."""
    claim = fast_dllm_greedy.check(quick=True, sequential=fast_dllm_greedy.greedy_parallel)
    assert not claim.passed and claim.numbers["of_which_decoders_differ"] == 0


# --- Zhao-Cai: random step sizes -------------------------------------------------------------------


@pytest.mark.parametrize("n,k", [(1, 1), (5, 1), (5, 3), (6, 6)])
def test_uniform_compositions_law(n, k):
    """C(n-1, k-1) compositions, each with k positive parts summing to n, probabilities summing to 1."""
    law = zhao_cai_random_sizes.uniform_compositions(n, k)
    assert len(law) == math.comb(n - 1, k - 1)
    assert sum(p for p, _ in law) == pytest.approx(1.0)
    assert all(len(s) == k and min(s) >= 1 and sum(s) == n for _, s in law)


def test_random_sizes_copy_closed_form():
    """Copy of n bits: E KL = E[s_1 - 1] log 2, and the first part of a uniform composition of n
    into k parts has mean n/k (the parts are exchangeable)."""
    n, k = 6, 3
    law = zhao_cai_random_sizes.uniform_compositions(n, k)
    want = (n / k - 1) * math.log(2)
    assert zhao_cai_random_sizes.random_sizes_expected_kl(m.information_curve(m.copy(n, 2)), law) == pytest.approx(want)


def test_zhao_cai_claim_fails_with_wrong_formula():
    """Using one size vector of the law instead of the average makes the identity FAIL."""
    claim = zhao_cai_random_sizes.check(quick=True, formula=lambda z, law: m.expected_kl(z, list(law[0][1])))
    assert not claim.passed and claim.numbers["max_identity_error"] > 1e-6


# --- ParallelBench: lower bound and the shuffle task ----------------------------------------------


@pytest.mark.parametrize("n", [1, 3, 4])
def test_shuffle_family(n):
    """n! equally likely permutations, every marginal uniform over the n items."""
    t = m.shuffle(n).table
    assert int((t > 0).sum()) == math.factorial(n)
    assert t[tuple(range(n))] == pytest.approx(1 / math.factorial(n))
    for i in range(n):
        np.testing.assert_allclose(t.sum(axis=tuple(a for a in range(n) if a != i)), np.full(n, 1 / n))


@pytest.mark.parametrize("blocks", [[[0, 1, 2, 3]], [[2], [0, 3], [1]], [[0, 1], [2, 3]], [[3], [2], [1], [0]]])
def test_shuffle_accuracy_by_hand(blocks):
    """The closed form equals the mass that the cell-by-cell fixed-order law puts on permutations."""
    from .reference import fixed_order_law

    t = m.shuffle(4).table
    nu = fixed_order_law(t, blocks)
    assert float(nu[t > 0].sum()) == pytest.approx(parallelbench.shuffle_accuracy(4, [len(b) for b in blocks]))


@given(tables(max_n=3, max_q=3, max_cells=30), st.data())
def test_factorised_law_with_true_conditionals_is_the_reference(joint, data):
    """noise = 0 gives the fixed-order law of the reference (same conventions on zero contexts)."""
    from .reference import fixed_order_law

    order = data.draw(st.permutations(range(joint.n)))
    cut = data.draw(st.integers(1, joint.n))
    blocks = [list(order[:cut])] + ([list(order[cut:])] if cut < joint.n else [])
    np.testing.assert_allclose(parallelbench.factorised_law(joint.table, blocks), fixed_order_law(joint.table, blocks), atol=1e-12)


def test_parallelbench_claim_fails_with_inflated_bound():
    """Twice the chain-rule value is not a lower bound (the true conditionals attain L_T): FAIL."""
    claim = parallelbench.check(quick=True, lower=lambda j, p: 2 * m.fixed_order_kl(j, p))
    assert not claim.passed and claim.numbers["min_kl_minus_L_T"] < 0


def test_parallelbench_claim_fails_with_wrong_accuracy():
    """Forgetting the last step's factor in the shuffle accuracy makes the check FAIL."""
    claim = parallelbench.check(quick=True, accuracy=lambda n, sizes: parallelbench.shuffle_accuracy(n, sizes[:-1]))
    assert not claim.passed and claim.numbers["max_shuffle_accuracy_error"] > 1e-3


# --- Lavenant-Zanella: geometric schedules against the optimum --------------------------------------


def test_best_geometric_copy_closed_form():
    """Copy: a schedule costs (s_1 - 1) log 2, so the best geometric schedule with k = 2 steps costs
    (smallest first step on the grid - 1) log 2; at ratio 4, n = 8 the first step is round(8 * 3/15) = 2."""
    z = m.information_curve(m.copy(8, 2))
    r, e = lavenant_zanella.best_geometric(z, 2)
    first = min(m.schedule_family("geometric", 8, ratio=float(q), k=2).steps[0] for q in lavenant_zanella.RATIOS)
    assert first == 2 and e == pytest.approx((first - 1) * math.log(2))


def test_lavenant_zanella_claim_fails_with_a_non_optimal_optimum():
    """An 'optimum' that returns the even schedule is beaten by some geometric schedule: FAIL."""

    def even(z, k):
        sched = m.schedule_family("even", len(z), k=k)
        return type("Opt", (), {"expected_kl": m.expected_kl(z, sched)})()

    claim = lavenant_zanella.check(quick=True, optimum=even)
    assert not claim.passed and claim.numbers["max_optimal_minus_geometric"] > 1e-6


# --- Cai and Li: the entropy-sum rule -------------------------------------------------------------


def test_cai_li_claim_fails_with_a_smaller_per_step_bound():
    """A per-iteration bound of eps/4 is exceeded by some step's conditional TC: FAIL."""
    claim = cai_li_entropy_sum.check(quick=True, step_bound=lambda eps: eps / 4)
    assert not claim.passed and claim.numbers["max_step_tc_minus_eps"] > 0


def test_cai_li_claim_fails_with_a_wrong_engine():
    """An engine that runs the other reading of the crossing token than the walker: FAIL (under
    both readings); one that runs eb (its max H free) differs from exclude: FAIL."""
    def swapped(j, s):
        other = "exclude" if s.params["crossing"] == "include" else "include"
        return m.evaluate(j, m.make_sampler("entropy_sum", eps=s.params["eps"], crossing=other))

    claim = cai_li_entropy_sum.check(quick=True, engine=swapped)
    assert not claim.passed and claim.numbers["max_engine_minus_walker"] > 1e-6
    assert claim.numbers["include_max_engine_minus_walker"] > 1e-6
    claim = cai_li_entropy_sum.check(quick=True, engine=lambda j, s: m.evaluate(j, m.make_sampler("eb", gamma=s.params["eps"])))
    assert not claim.passed and claim.numbers["max_engine_minus_walker"] > 1e-6


def test_cai_li_claim_fails_with_a_wrong_walker():
    """A walker that takes one more position than the exclude rule (eb's accounting) disagrees: FAIL;
    one that always runs exclude disagrees with the include engine: FAIL."""
    def eb_like(ents, eps):
        order = sorted(ents, key=lambda i: (round(ents[i] * 1e12), i))
        take = order[:1]
        for i in order[1:]:
            if sum(ents[j] for j in take) > eps + 1e-12:
                break
            take.append(i)
        return take

    claim = cai_li_entropy_sum.check(quick=True, walker=lambda t, eps, crossing: cai_li_entropy_sum.walk(t, eps, eb_like))
    assert not claim.passed and claim.numbers["max_engine_minus_walker"] > 1e-6
    claim = cai_li_entropy_sum.check(quick=True, walker=lambda t, eps, crossing: cai_li_entropy_sum.walk(t, eps, crossing="exclude"))
    assert not claim.passed and claim.numbers["include_max_engine_minus_walker"] > 1e-6


def test_cai_li_claim_numbers_under_both_readings():
    """The claim passes under both readings; include equals eb(gamma = eps, proxy = entropy) and its
    per-step certificate (C <= sum H - max H <= eps) holds; the total-KL reading fails under both
    on copied pairs (KL / eps > 1, KL = H(X))."""
    claim = cai_li_entropy_sum.check(quick=True)
    assert claim.passed, claim.numbers
    assert claim.numbers["include_max_abs_difference_from_eb_entropy"] <= 1e-12
    assert claim.numbers["max_abs_difference_from_eb_entropy"] > 1e-3  # exclude is not eb
    for prefix in ("", "include_"):
        assert claim.numbers[f"{prefix}pairs(3)_kl_over_eps"] > 1.0
        assert claim.numbers[f"{prefix}pairs(3)_kl_over_H"] == pytest.approx(1.0, rel=1e-9)


def test_entropy_sum_include_on_copied_pairs_by_hand():
    """pairs(m), p = 0.1, crossing = include, eps = 0.4: h = 0.325 <= 0.4, so the second position
    (the crossing one, 0.65 > 0.4) goes too: one whole pair a step, KL h per pair: KL = m h = H(X)."""
    h = -0.1 * math.log(0.1) - 0.9 * math.log(0.9)
    for pairs_m in (2, 3):
        J = cai_li_entropy_sum.pairs(pairs_m)
        r = m.evaluate(J, m.make_sampler("entropy_sum", eps=0.4))
        assert r.kl == pytest.approx(pairs_m * h, rel=1e-12) and r.expected_steps_mu == pytest.approx(pairs_m)


@pytest.mark.parametrize("pairs_m", [2, 3])
def test_entropy_sum_on_copied_pairs_by_hand(pairs_m):
    """pairs(m), p = 0.1, eps = 0.7: every position has entropy h = h(0.1) = 0.325 until its partner is
    revealed; each step takes two positions (2h <= 0.7 < 3h), ties by position: one whole pair per
    step, KL h per pair, m calls on data.  Hand: KL = m h(0.1) = H(X).  On the sampler's own runs a
    pair drawn mixed (probability 2 (0.9)(0.1)) leaves a context of probability 0, where the oracle
    answers uniform (entropy log 2 > 0.7 / 2): for m = 2 the last two then go one at a time, so
    E[calls] = 2 + 0.18."""
    h = -0.1 * math.log(0.1) - 0.9 * math.log(0.9)
    J = cai_li_entropy_sum.pairs(pairs_m)
    r = m.evaluate(J, m.make_sampler("entropy_sum", eps=0.7, crossing="exclude"))
    assert r.kl == pytest.approx(pairs_m * h, rel=1e-12) and r.expected_steps_mu == pytest.approx(pairs_m)
    if pairs_m == 2:
        assert r.expected_steps == pytest.approx(2 + 2 * 0.9 * 0.1, rel=1e-12)
    assert m.entropy(J) == pytest.approx(pairs_m * h, rel=1e-12)
    walked = cai_li_entropy_sum.walk(J.table, 0.7, crossing="exclude")
    assert walked["chain"] == pytest.approx(pairs_m * h, rel=1e-12) and walked["worst_step"] == pytest.approx(h)


# --- Fast-dLLM++: Frechet profile decoding ----------------------------------------------------------


def test_frechet_counts_on_the_papers_figure():
    """Figure 1(E): 0.99, 0.95, 0.82, 0.78, 0.74 with delta = 0.30: Frechet 4, factor (f = 0.70) 2;
    L_n, U_n by hand for n = 3: 0.99 + 0.95 + 0.82 - 2 = 0.76 and 1 - 0.82 = 0.18."""
    c = [0.99, 0.95, 0.82, 0.78, 0.74]
    assert fast_dllm_frechet.frechet_count(c, 0.30) == 4
    assert fast_dllm_frechet.paper_factor_count(c, 0.70) == 2
    L, U = fast_dllm_frechet.frechet_certificate(c[:3])
    assert L == pytest.approx(0.76) and U == pytest.approx(0.18)
    assert fast_dllm_frechet.frechet_certificate([0.6, 0.5, 0.5])[0] == 0.0  # the max(0, .) of eq. 5


@pytest.mark.parametrize("delta,calls", [(0.0, 1), (0.65, 2), (0.75, 3)])
def test_frechet_greedy_run_on_independent_bits_by_hand(delta, calls):
    """Three independent Bernoulli(0.1) bits: c = 0.9 everywhere, G_n = (n + 1) 0.9 - n = 0.9 - 0.1 n,
    so n* = min(3, largest n < 10 (0.9 - delta)): 3 for delta = 0 (one call), 2 for delta = 0.65 (then
    1: two calls), 1 for delta = 0.75 (three calls).  The output is the greedy string 000, in the
    walker and the evaluator alike."""
    t = np.multiply.outer(np.multiply.outer([0.9, 0.1], [0.9, 0.1]), [0.9, 0.1])
    assert fast_dllm_frechet.greedy_run(t, delta) == ((0, 0, 0), calls)
    r = m.evaluate(m.Joint(t), m.make_sampler("frechet_profile", margin=delta))
    assert r.law.table[0, 0, 0] == pytest.approx(1.0) and r.expected_steps == calls


def test_frechet_claim_fails_with_an_inflated_lower_bound():
    """L_n + 0.1 certifies prefixes whose greedy tuple is not the joint mode (or is rarer than L_n): FAIL."""
    claim = fast_dllm_frechet.check(quick=True, certificate=lambda c: (max(0.0, sum(c) - (len(c) - 1)) + 0.1, 1.0 - c[-1]))
    assert not claim.passed and claim.numbers["min_p_star_minus_L"] < 0


def test_frechet_claim_fails_with_a_more_aggressive_factor_rule():
    """A factor rule that commits every candidate exceeds Frechet: Corollary 4.4 fails."""
    claim = fast_dllm_frechet.check(quick=True, factor=lambda c, f: len(c))
    assert not claim.passed and claim.numbers["factor_exceeds_frechet"] > 0


def test_frechet_claim_fails_with_a_wrong_engine():
    """An engine that runs the factor rule instead decodes other strings or in other numbers of calls: FAIL."""
    claim = fast_dllm_frechet.check(
        quick=True, engine=lambda j, s: m.evaluate(j, m.make_sampler("fast_dllm", factor=1 - s.params["margin"], temperature=s.params["temperature"])))
    assert not claim.passed and claim.numbers["max_greedy_run_gap"] > 0


# --- ParallelBench replace-random ---------------------------------------------------------------------


def _replace_random_topk(n: int, sizes) -> np.ndarray:
    """nu(e_i) by hand for top-k with step sizes ``sizes`` (ties by position, so step t takes the next
    s_t positions): no replacement drawn in the earlier steps, position i replaced and the other
    s_t - 1 of its step kept, each drawn independently with P(replaced) = 1/m (m positions left)."""
    out, m, pos, before = np.zeros(n), n, 0, 1.0
    for s in sizes:
        for i in range(pos, pos + s):
            out[i] = before * (1 / m) * (1 - 1 / m) ** (s - 1)
        before *= (1 - 1 / m) ** s
        m, pos = m - s, pos + s
    return out


@pytest.mark.parametrize("n", [1, 3, 5])
def test_replace_random_cells_and_marginals(n):
    """Uniform over the n one-hot strings; every position replaced with probability 1/n."""
    t = m.replace_random(n).table
    for x in itertools.product(range(2), repeat=n):
        assert t[x] == pytest.approx(1 / n if sum(x) == 1 else 0.0, abs=1e-15)
    if n > 1:
        np.testing.assert_allclose(t.sum(axis=tuple(range(1, n))), [1 - 1 / n, 1 / n])


@pytest.mark.parametrize("n", [2, 4, 5])
def test_replace_random_top_k_accuracy_and_kl_closed_form(n):
    """Top-k (confidence ranking, every schedule): the evaluator's law on the one-hot strings, its
    accuracy (mass on valid lists) and KL = sum_i (1/n) log((1/n) / nu(e_i)) equal the hand formula."""
    J = m.replace_random(n)
    onehot = [tuple(int(a == i) for a in range(n)) for i in range(n)]
    for cuts in itertools.chain.from_iterable(itertools.combinations(range(1, n), r) for r in range(n)):
        nodes = (0,) + cuts + (n,)
        sizes = [b - a for a, b in zip(nodes[:-1], nodes[1:])]
        want = _replace_random_topk(n, sizes)
        r = m.evaluate(J, m.make_sampler("confidence", schedule=sizes))
        got = np.array([r.law.table[x] for x in onehot])
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
        assert r.kl == pytest.approx(sum(math.log((1 / n) / w) / n for w in want), rel=1e-10)
    # one step: the classic (1 - 1/n)^(n - 1)
    assert float(m.evaluate(J, m.make_sampler("confidence", steps=1)).law.table[J.table > 0].sum()) == pytest.approx((1 - 1 / n) ** (n - 1))


@pytest.mark.parametrize("n", [2, 3, 5, 6])
@pytest.mark.parametrize("tau", [0.5, 0.7, 0.8, 0.9])
def test_replace_random_threshold_accuracy(n, tau):
    """Threshold decoding: every position left has confidence 1 - 1/m, which grows with m, so the
    rule unmasks all n at once when 1 - 1/n >= tau (accuracy (1 - 1/n)^(n - 1)) and otherwise one at
    a time until a replacement is drawn and the rest are certain (accuracy 1)."""
    J = m.replace_random(n)
    r = m.evaluate(J, m.make_sampler("threshold", tau=tau))
    want = (1 - 1 / n) ** (n - 1) if 1 - 1 / n >= tau else 1.0
    assert float(r.law.table[J.table > 0].sum()) == pytest.approx(want, rel=1e-12)


def test_parallelbench_claim_fails_with_wrong_replace_random_accuracies():
    """The shuffle formula in place of replace-random's, or accuracy 1 for threshold decoding: FAIL."""
    claim = parallelbench.check(quick=True, replace_accuracy=parallelbench.shuffle_accuracy)
    assert not claim.passed and claim.numbers["max_replace_random_accuracy_error"] > 0.1
    claim = parallelbench.check(quick=True, replace_threshold=lambda n, tau: 1.0)
    assert not claim.passed


def test_replace_random_claim_formulas_by_hand():
    """n = 4: one step (3/4)^3 = 27/64; steps 2, 2: 2/4 (3/4) + (3/4)^2 (2/2)(1/2) = 3/8 + 9/32 = 21/32."""
    assert parallelbench.replace_random_accuracy(4, [4]) == pytest.approx(27 / 64)
    assert parallelbench.replace_random_accuracy(4, [2, 2]) == pytest.approx(21 / 32)
    assert parallelbench.replace_random_threshold_accuracy(4, 0.75) == pytest.approx(27 / 64)
    assert parallelbench.replace_random_threshold_accuracy(4, 0.8) == 1.0
