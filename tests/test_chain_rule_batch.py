"""The batched chain rule (set_entropy_batch / set_total_correlation_batch) against a brute-force
reference: the conditional law of X_S given x_R enumerated from the dense table, and a plain
depth-first recursion of single oracle calls (the chain rule as it was written before)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory.errors import ImpossibleContext, InputError
from tests.conftest import hmms
from mdmtheory.estimate import set_entropy, set_entropy_batch, set_total_correlation, set_total_correlation_batch
from mdmtheory.hmm import HMM
from mdmtheory.oracles import TableOracle


# ----------------------------------------------------------------- references
def ref_entropy(table, mask, vals, S) -> float:
    """H(X_S | x_R) from the dense table: the slice at x_R, summed over the free positions not in
    S, normalised; NaN where x_R has probability 0."""
    sub = table[tuple(int(v) if r else slice(None) for r, v in zip(mask, vals))]
    mass = sub.sum()
    if not mass > 0:
        return float("nan")
    free = [i for i in range(table.ndim) if not mask[i]]
    other = tuple(a for a, i in enumerate(free) if i not in set(S))
    J = (sub.sum(axis=other) if other else sub) / mass
    p = J[J > 0]
    return float(-(p * np.log(p)).sum())


def ref_tc(table, mask, vals, S) -> float:
    return sum(ref_entropy(table, mask, vals, [i]) for i in S) - ref_entropy(table, mask, vals, S)


def recursion_entropy(oracle, mask, vals, S) -> float:
    """The depth-first chain rule with one single oracle call a node (values of probability 0
    skipped), summed in the order the batched one must reproduce."""
    P = np.asarray(oracle.conditional_marginals(mask, vals), dtype=float)
    p = P[S[0]]
    h = float(-(p[p > 0] * np.log(p[p > 0])).sum())
    if len(S) == 1:
        return h
    for v in np.flatnonzero(p > 0):
        m2, v2 = mask.copy(), vals.copy()
        m2[S[0]], v2[S[0]] = True, v
        h += float(p[v]) * recursion_entropy(oracle, m2, v2, S[1:])
    return h


class PlainOracle:
    """A user's oracle with single calls only (the loop path of batch_marginals)."""

    def __init__(self, inner):
        self.inner, self.n, self.q = inner, inner.n, inner.q
        self.calls = 0

    def conditional_marginals(self, mask, vals):
        self.calls += 1
        return self.inner.conditional_marginals(mask, vals)


# ----------------------------------------------------------------- random cases
@st.composite
def tables(draw, max_n=4, max_q=3):
    """A random table with exact zeros over unequal alphabets."""
    n = draw(st.integers(1, max_n))
    q = [draw(st.integers(1, max_q)) for _ in range(n)]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    t = rng.gamma(0.5, size=q)
    t[rng.random(q) < draw(st.sampled_from([0.0, 0.3, 0.6]))] = 0.0
    if t.sum() == 0:
        t.flat[0] = 1.0
    return TableOracle(m.Joint(t / t.sum())), rng


def random_rows(oracle, rng, B: int, possible: bool):
    """B contexts (revealed values drawn from the law when ``possible``, else uniformly: some
    impossible) and sets of mixed sizes (0 to 4 masked positions, in a random order)."""
    n, q = oracle.n, np.broadcast_to(np.asarray(oracle.q), (oracle.n,))
    X = oracle.sample(rng, B) if possible else rng.integers(0, q, size=(B, n))
    masks = rng.random((B, n)) < 0.4
    vals = np.where(masks, X, -1)
    sets = []
    for b in range(B):
        free = np.flatnonzero(~masks[b])
        k = int(rng.integers(0, min(4, free.size) + 1))
        sets.append([int(i) for i in rng.permutation(free)[:k]])
    return masks, vals, sets


def check_against_references(oracle, table, rng, possible):
    masks, vals, sets = random_rows(oracle, rng, 6, possible)
    H = set_entropy_batch(oracle, masks, vals, sets)
    TC = set_total_correlation_batch(oracle, masks, vals, sets)
    assert H.shape == TC.shape == (6,)
    for b, S in enumerate(sets):
        ref = ref_entropy(table, masks[b], vals[b], S) if S else 0.0
        if np.isnan(ref):  # an impossible context: NaN (TC 0 with no call where |S| <= 1)
            assert np.isnan(H[b])
            assert np.isnan(TC[b]) if len(S) > 1 else TC[b] == 0.0
            with pytest.raises(ImpossibleContext):
                set_entropy(oracle, masks[b], vals[b], S)
            continue
        assert H[b] == pytest.approx(ref, abs=1e-10)
        assert TC[b] == pytest.approx(ref_tc(table, masks[b], vals[b], S) if len(S) > 1 else 0.0, abs=1e-10)
        assert TC[b] >= 0.0
        if S:  # the same sums as the depth-first recursion, and as the single call
            assert H[b] == pytest.approx(recursion_entropy(oracle, masks[b], vals[b], S), rel=1e-12, abs=1e-14)
            assert H[b] == pytest.approx(set_entropy(oracle, masks[b], vals[b], S), rel=1e-12, abs=1e-14)
            assert TC[b] == pytest.approx(set_total_correlation(oracle, masks[b], vals[b], S), rel=1e-12, abs=1e-13)


@settings(deadline=None, max_examples=60)
@given(tables(), st.booleans())
def test_batch_chain_rule_on_tables_matches_brute_force(case, possible):
    """Tables with zeros and unequal alphabets, contexts possible or not, sets of mixed sizes."""
    oracle, rng = case
    check_against_references(oracle, oracle.joint.table, rng, possible)


@settings(deadline=None, max_examples=60)
@given(hmms(max_n=5), st.booleans())
def test_batch_chain_rule_on_hmms_matches_brute_force(case, possible):
    """HMMs with zeros (the native batched call, NaN rows for impossible contexts)."""
    hmm, rng = case
    check_against_references(hmm, hmm.joint().table, rng, possible)


@settings(deadline=None, max_examples=30)
@given(tables(max_n=4, max_q=3))
def test_batch_chain_rule_on_a_plain_oracle(case):
    """A user's oracle without a batched call: the same values, and no more calls than the
    recursion's nodes (one a context of positive probability)."""
    inner, rng = case
    oracle = PlainOracle(inner)
    masks, vals, sets = random_rows(inner, rng, 5, True)
    H = set_entropy_batch(oracle, masks, vals, sets)
    nodes = 0
    for b, S in enumerate(sets):
        ref = ref_entropy(inner.joint.table, masks[b], vals[b], S) if S else 0.0
        assert H[b] == pytest.approx(ref, abs=1e-10)
        if S:  # the recursion's nodes: 1 + the contexts of positive probability of the first |S| - 1 positions
            sub_mask, sub_vals = masks[b].copy(), vals[b].copy()
            nodes += count_nodes(inner, sub_mask, sub_vals, S)
    assert oracle.calls == nodes


def count_nodes(oracle, mask, vals, S) -> int:
    P = oracle.conditional_marginals(mask, vals)
    if len(S) == 1:
        return 1
    total = 1
    for v in np.flatnonzero(P[S[0]] > 0):
        m2, v2 = mask.copy(), vals.copy()
        m2[S[0]], v2[S[0]] = True, v
        total += count_nodes(oracle, m2, v2, S[1:])
    return total


def test_singletons_and_empty_sets_cost_no_call_for_tc():
    """TC of |S| <= 1 is 0 with no oracle call; H of an empty set is 0 with no call."""
    oracle = PlainOracle(TableOracle(m.random_joint(3, 2, seed=1)))
    masks = np.zeros((3, 3), dtype=bool)
    vals = -np.ones((3, 3), dtype=np.int64)
    assert set_total_correlation_batch(oracle, masks, vals, [[0], [], [2]]).tolist() == [0.0, 0.0, 0.0]
    assert set_entropy_batch(oracle, masks, vals, [[], [], []]).tolist() == [0.0, 0.0, 0.0]
    assert oracle.calls == 0


def test_known_values_in_bits():
    """Copies of a fair bit: H = 1 bit for any set, TC = |S| - 1 bits; a revealed copy fixes all."""
    hmm = HMM([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], "uniform", n=4)
    masks = np.array([[False] * 4, [False] * 4, [True, False, False, False]])
    vals = np.array([[-1] * 4, [-1] * 4, [1, -1, -1, -1]])
    sets = [[0, 1, 2, 3], [2, 1], [3, 1, 2]]
    assert np.allclose(set_entropy_batch(hmm, masks, vals, sets, base=2), [1.0, 1.0, 0.0], atol=1e-12)
    assert np.allclose(set_total_correlation_batch(hmm, masks, vals, sets, base=2), [3.0, 1.0, 0.0], atol=1e-12)


def test_limit_and_bad_inputs_are_input_errors():
    hmm = m.block_hmm(2, 2, 5)  # q = 4
    no = np.zeros((2, 5), dtype=bool)
    zero = np.zeros((2, 5), dtype=np.int64)
    with pytest.raises(InputError, match="oracle calls"):
        set_entropy_batch(hmm, no, zero, [[0, 1], [0, 1, 2, 3, 4]], max_calls=10)
    with pytest.raises(InputError, match="oracle calls"):
        set_total_correlation_batch(hmm, no, zero, [[0, 1, 2, 3, 4], [1]], max_calls=10)
    assert np.all(np.isfinite(set_entropy_batch(hmm, no, zero, [[0, 1], [2, 3]], max_calls=4)))
    bad = [
        lambda: set_entropy_batch(hmm, no, zero, [[0, 0], [1]]),  # repeated position
        lambda: set_entropy_batch(hmm, no, zero, [[5], [1]]),  # out of range
        lambda: set_entropy_batch(hmm, no, zero, [[1]]),  # one set for two rows
        lambda: set_entropy_batch(hmm, no, zero, "01"),
        lambda: set_entropy_batch(hmm, np.eye(2, 5, dtype=bool), zero, [[0], [2]]),  # S overlaps R
        lambda: set_entropy_batch(hmm, no[:, :4], zero, [[0], [1]]),  # wrong width
        lambda: set_entropy_batch(hmm, np.ones((2, 5), bool), np.full((2, 5), 9), [[], []]),  # value past q
        lambda: set_entropy_batch("hmm", no, zero, [[0], [1]]),
        lambda: set_entropy_batch(hmm, no, zero, [[0], [1]], base=-1),
        lambda: set_entropy_batch(hmm, no, zero, [[0], [1]], max_calls="many"),
        lambda: set_total_correlation_batch(hmm, no, zero, [[0, 1], ["a"]]),
    ]
    for call in bad:
        with pytest.raises(InputError):
            call()


# ----------------------------------------------------------------- the estimator
def test_stepwise_estimate_equals_brute_force_terms_seed_for_seed():
    """left_to_right with a fixed schedule on an HMM: the stepwise KL is the mean over the same
    draws (the estimator's seed stream) of sum_t TC(X_S_t | x_R_t) from the dense table."""
    hmm = m.parse_hmm("block:2,2,0.8,0.1", 7)
    schedule = [2, 3, 1, 1]
    M, seed = 120, 5
    r = m.estimate_sampler_divergences(hmm, m.make_sampler("left_to_right", schedule=schedule), samples=M,
                                       seed=seed, batch_size=50)
    ss_mu, _ = np.random.SeedSequence(seed).spawn(2)
    X = hmm.sample(np.random.default_rng(ss_mu), M)
    table = hmm.joint().table
    bounds = np.cumsum([0] + schedule)
    terms = []
    for x in X:
        total = 0.0
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            mask = np.arange(hmm.n) < lo
            total += ref_tc(table, mask, np.where(mask, x, -1), list(range(lo, hi))) if hi - lo > 1 else 0.0
        terms.append(total)
    assert r.kl_stepwise.value == pytest.approx(float(np.mean(terms)), rel=1e-12)
    assert r.dependence_error.value == pytest.approx(float(np.mean(terms)), rel=1e-12)
    assert r.kl.estimator == r.kl_stepwise.estimator


def test_adaptive_stepwise_estimate_with_a_model_is_unchanged_by_the_batch_size():
    """confidence (sets of different sizes across runs) against an HMM truth with a separate
    model: the batch of live runs changes the oracle batches, never the numbers."""
    truth = m.parse_hmm("block:2,2,0.8,0.1", 8)
    model = m.parse_hmm("block:2,2,0.6,0.2", 8)
    a, b = (m.estimate_sampler_divergences(truth, m.make_sampler("confidence", steps=3), samples=90, seed=2,
                                           model=model, batch_size=s) for s in (7, 90))
    for k in ("kl_stepwise", "dependence_error", "marginal_error"):
        assert getattr(a, k).value == pytest.approx(getattr(b, k).value, rel=1e-12)
    assert a.dependence_error.value > 0.0


def test_stepwise_too_large_step_keeps_its_reason():
    """A step past STEPWISE_MAX_CALLS: no stepwise estimate, the reason names the step's size."""
    hmm = m.block_hmm(2, 2, 8)  # q = 4: 4^5 = 1024 calls for 6 positions, 4^6 > 1024 for 7
    r = m.estimate_sampler_divergences(hmm, m.make_sampler("left_to_right", schedule=[1, 7]), samples=10, seed=0)
    assert r.kl_stepwise is None
    assert r.reasons["kl_stepwise"] == ("a visited step unmasks 7 positions: its exact TC needs more than 1024 "
                                        "oracle calls (STEPWISE_MAX_CALLS)")


def test_groups_of_rows_give_the_same_values(monkeypatch):
    """Rows processed in groups (the memory bound of a level) give the same numbers as one group."""
    import mdmtheory.estimate as est

    hmm = m.parse_hmm("block:2,2,0.8,0.1", 6)
    rng = np.random.default_rng(4)
    masks, vals, sets = random_rows(hmm, rng, 12, True)
    whole = set_total_correlation_batch(hmm, masks, vals, sets)
    monkeypatch.setattr(est, "_CHAIN_GROUP_FLOATS", 1)  # one row a group
    assert set_total_correlation_batch(hmm, masks, vals, sets).tolist() == whole.tolist()
    for b, S in enumerate(sets):
        ref = ref_tc(hmm.joint().table, masks[b], vals[b], S) if len(S) > 1 else 0.0
        assert whole[b] == pytest.approx(ref, abs=1e-10)
