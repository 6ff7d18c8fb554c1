"""The batched oracle call (issue 17): every native batch call equals a loop of single calls and
the dense-table reference; the HMM's incremental cursor equals a from-scratch computation after
any sequence of changes; the lockstep estimator does not depend on its batch size."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory.errors import ImpossibleContext, InputError
from mdmtheory.hmm import HMM, HMMBatchCursor
from mdmtheory.markov import ChainOracle
from mdmtheory.models import CallableOracle, model_oracle
from mdmtheory.oracles import TableOracle, batch_marginals


# ----------------------------------------------------------------- references
def dense_marginals(table: np.ndarray, mask, vals):
    """``mu(x_i | x_R)`` by summing the dense table cell by cell (revealed rows: point masses);
    ``None`` when ``x_R`` has probability 0."""
    n, qmax = table.ndim, max(table.shape)
    out = np.zeros((n, qmax))
    total = 0.0
    for x in itertools.product(*[range(s) for s in table.shape]):
        if any(mask[i] and x[i] != vals[i] for i in range(n)):
            continue
        p = table[x]
        total += p
        for i in range(n):
            out[i, x[i]] += p
    if not total > 0:
        return None
    return out / total


def hmm_table(A, B, start, n):
    """``mu(x)`` of an HMM by summing over every hidden path (the definition)."""
    h, q = B.shape
    t = np.zeros((q,) * n)
    for z in itertools.product(range(h), repeat=n):
        pz = start[z[0]] * np.prod([A[z[k - 1], z[k]] for k in range(1, n)])
        if pz == 0:
            continue
        for x in itertools.product(range(q), repeat=n):
            t[x] += pz * np.prod([B[z[k], x[k]] for k in range(n)])
    return t


def single_or_none(oracle, mask, vals):
    """The single call, ``None`` where it refuses an impossible context."""
    try:
        return np.asarray(oracle.conditional_marginals(mask, vals), dtype=float)
    except ImpossibleContext:
        return None


def assert_batch_matches(P, refs, atol=1e-12, rtol=1e-12):
    for b, ref in enumerate(refs):
        if ref is None:
            assert np.isnan(P[b]).all(), f"row {b} is impossible: all NaN expected"
        else:
            assert not np.isnan(P[b]).any()
            np.testing.assert_allclose(P[b, :, : ref.shape[1]], ref, atol=atol, rtol=rtol)
            assert not np.any(P[b, :, ref.shape[1]:])


def stochastic_rows(rng, r, c, zero):
    M = rng.gamma(0.7, size=(r, c))
    M[rng.random((r, c)) < zero] = 0.0
    M[M.sum(axis=1) == 0, rng.integers(c)] = 1.0
    return M / M.sum(axis=1, keepdims=True)


@st.composite
def hmms(draw, max_n=4, max_h=3, max_q=3):
    """A random HMM with exact zeros (transition, emission, start); h and q may differ."""
    n = draw(st.integers(1, max_n))
    h = draw(st.integers(1, max_h))
    q = draw(st.integers(1, max_q))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    zero = draw(st.sampled_from([0.0, 0.3, 0.6]))
    return HMM(stochastic_rows(rng, h, h, zero), stochastic_rows(rng, h, q, zero), stochastic_rows(rng, 1, h, zero)[0],
               n), rng


def random_rows(rng, B, n, q, x=None):
    """``B`` masks (row 0 all masked, row 1 all revealed, the others random) and values (from
    ``x`` where given, so mostly possible, else uniform tokens: often impossible)."""
    masks = rng.random((B, n)) < rng.random((B, 1))
    masks[0] = False
    if B > 1:
        masks[1] = True
    vals = rng.integers(0, np.asarray(q)[None, :], (B, n)) if x is None else x.copy()
    return masks, np.where(masks, vals, -1)


# ----------------------------------------------------------------- HMM
@pytest.mark.slow  # CI only (make test skips it unless CI=true): a minute of CPU or more
@settings(max_examples=60, deadline=None)
@given(hmms())
def test_hmm_batch_equals_single_calls_and_the_dense_law(case):
    hmm, rng = case
    table = hmm_table(hmm.transition, hmm.emission, hmm.start, hmm.n)
    masks, vals = random_rows(rng, 6, hmm.n, [hmm.q] * hmm.n)
    P = hmm.conditional_marginals_batch(masks, vals)
    assert P.shape == (6, hmm.n, hmm.q)
    assert_batch_matches(P, [single_or_none(hmm, masks[b], vals[b]) for b in range(6)])
    assert_batch_matches(P, [dense_marginals(table, masks[b], vals[b]) for b in range(6)], atol=1e-10, rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(hmms(max_n=30, max_h=5, max_q=4), st.integers(1, 5))
def test_hmm_cursor_equals_from_scratch_after_random_changes(case, B):
    """A cursor fed a random sequence of reveals, changes, un-reveals, impossible rows and
    unchanged rows gives, after every call, the single call's numbers."""
    hmm, rng = case
    n = hmm.n
    cur = hmm.batch_cursor(B)
    x = hmm.sample(rng, B)
    masks = np.zeros((B, n), dtype=bool)
    vals = np.full((B, n), -1, dtype=np.int64)
    for _ in range(12):
        for b in range(B):
            move = rng.integers(5)
            if move == 0:  # reveal a few more positions of a possible sequence (a run's step)
                free = np.flatnonzero(~masks[b])
                S = rng.choice(free, size=min(free.size, int(rng.integers(1, 4))), replace=False) if free.size else []
                masks[b, S] = True
                vals[b, S] = x[b, S]
            elif move == 1:  # reveal left to right
                free = np.flatnonzero(~masks[b])
                S = free[: int(rng.integers(1, 4))]
                masks[b, S] = True
                vals[b, S] = x[b, S]
            elif move == 2:  # any values (often impossible)
                masks[b] = rng.random(n) < 0.5
                vals[b] = np.where(masks[b], rng.integers(0, hmm.q, n), -1)
            elif move == 3:  # un-reveal some positions
                masks[b] &= rng.random(n) < 0.7
                vals[b] = np.where(masks[b], vals[b], -1)
            # move 4: unchanged
        P = cur.conditional_marginals_batch(masks, vals)
        assert_batch_matches(P, [single_or_none(hmm, masks[b], vals[b]) for b in range(B)], atol=1e-12, rtol=1e-12)


def test_hmm_cursor_left_to_right_run_at_scale():
    """A block HMM at n = 300 revealed left to right by 7 a step (the engines' common pattern):
    after every step the cursor equals the single calls."""
    hmm = m.block_hmm(3, 4, 300)
    rng = np.random.default_rng(5)
    x = hmm.sample(rng, 3)
    cur = hmm.batch_cursor(3)
    masks = np.zeros((3, 300), dtype=bool)
    for step in range(0, 300, 7):
        P = cur.conditional_marginals_batch(masks, np.where(masks, x, -1))
        for b in range(3):
            np.testing.assert_allclose(P[b], hmm.conditional_marginals(masks[b], x[b]), atol=1e-12, rtol=1e-12)
        masks[:, step: step + 7] = True
        masks[2, : step + 20] = True  # another row ahead of the others


def test_hmm_cursor_at_n_1000_dense_model():
    """A dense random HMM at n = 1000 (h = 8, q = 5), one run left to right, one in a random order,
    one with changes in the middle: relative agreement 1e-12 with the single calls after every step
    (A^k B over 1000 steps included)."""
    rng = np.random.default_rng(11)
    hmm = HMM(stochastic_rows(rng, 8, 8, 0.0), stochastic_rows(rng, 8, 5, 0.0), "uniform", 1000)
    x = hmm.sample(rng, 3)
    cur = hmm.batch_cursor(3)
    masks = np.zeros((3, 1000), dtype=bool)
    perm = rng.permutation(1000)
    for step in range(6):
        P = cur.conditional_marginals_batch(masks, np.where(masks, x, -1))
        for b in range(3):
            np.testing.assert_allclose(P[b], hmm.conditional_marginals(masks[b], x[b]), atol=1e-12, rtol=1e-12)
        masks[0, 40 * step: 40 * step + 40] = True
        masks[1, perm[40 * step: 40 * step + 40]] = True
        masks[2, 500 + 7 * step: 503 + 7 * step] = True
        masks[2, 900] = step % 2 == 0


def test_hmm_cursor_refuses_bad_input_and_returns_a_read_only_view():
    hmm = m.block_hmm(2, 2, 5)
    cur = hmm.batch_cursor(2)
    ok = np.zeros((2, 5), dtype=bool), np.full((2, 5), -1)
    P = cur.conditional_marginals_batch(*ok)
    with pytest.raises(ValueError):
        P[0, 0, 0] = 1.0
    with pytest.raises(InputError, match=r"\(2, 5\)"):
        cur.conditional_marginals_batch(np.zeros((3, 5), dtype=bool), np.full((3, 5), -1))
    with pytest.raises(InputError, match="tokens"):
        cur.conditional_marginals_batch(np.ones((2, 5), dtype=bool), np.full((2, 5), 4))
    with pytest.raises(InputError, match="batch size"):
        hmm.batch_cursor(0)
    with pytest.raises(InputError):
        HMMBatchCursor("not an hmm", 2)


# ----------------------------------------------------------------- tables, chains, models
@st.composite
def tables(draw):
    """A table with unequal alphabets and exact zeros."""
    n = draw(st.integers(1, 4))
    q = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    cells = int(np.prod(q))
    w = draw(st.lists(st.sampled_from([0.0, 0.0, 1.0, 2.0, 0.5, 3.0]), min_size=cells, max_size=cells))
    if sum(w) == 0:
        w[0] = 1.0
    table = np.array(w, dtype=float).reshape(q)
    return table / table.sum(), np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


@settings(max_examples=80, deadline=None)
@given(tables())
def test_table_batch_equals_single_calls_and_brute_force(case):
    table, rng = case
    o = TableOracle(m.Joint(table))
    n = table.ndim
    support = np.argwhere(table > 0)
    x = support[rng.integers(len(support), size=7)]
    masks, vals = random_rows(rng, 7, n, table.shape, x=x)
    masks2, vals2 = random_rows(rng, 5, n, table.shape)
    for mk, vl in ((masks, vals), (masks2, vals2)):
        P = o.conditional_marginals_batch(mk, vl)
        assert P.shape == (mk.shape[0], n, max(table.shape))
        assert_batch_matches(P, [dense_marginals(table, mk[b], vl[b]) for b in range(mk.shape[0])])
        assert_batch_matches(P, [single_or_none(o, mk[b], vl[b]) for b in range(mk.shape[0])])
        np.testing.assert_array_equal(batch_marginals(o, mk, vl), P)
        np.testing.assert_array_equal(batch_marginals(m.Joint(table), mk, vl), P)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 4), st.integers(0, 2**32 - 1), st.sampled_from([0.0, 0.5]))
def test_chain_batch_equals_single_calls_and_the_dense_law(n, q, seed, zero):
    rng = np.random.default_rng(seed)
    chain = m.MarkovChain(stochastic_rows(rng, q, q, zero), stochastic_rows(rng, 1, q, zero)[0], n)
    o = ChainOracle(chain)
    table = chain.joint().table
    masks, vals = random_rows(rng, 6, n, [q] * n)
    P = o.conditional_marginals_batch(masks, vals)
    assert_batch_matches(P, [single_or_none(o, masks[b], vals[b]) for b in range(6)])
    assert_batch_matches(P, [dense_marginals(table, masks[b], vals[b]) for b in range(6)], atol=1e-10, rtol=1e-9)
    np.testing.assert_array_equal(batch_marginals(chain, masks, vals), P)


@settings(max_examples=40, deadline=None)
@given(tables(), st.sampled_from(["temperature=0.5", "temperature=0", "smooth=0.3", "top_k=1", "top_p=0.6",
                                  "marginals"]))
def test_model_batch_equals_single_calls(case, spec):
    table, rng = case
    o = model_oracle(spec, m.Joint(table))
    masks, vals = random_rows(rng, 6, table.ndim, table.shape)
    P = o.conditional_marginals_batch(masks, vals)
    assert_batch_matches(P, [single_or_none(o, masks[b], vals[b]) for b in range(6)])
    np.testing.assert_array_equal(batch_marginals(o, masks, vals), P)


def test_batch_marginals_loops_over_an_oracle_without_a_batch_call():
    calls = []

    def fn(mask, values):
        calls.append(mask.copy())
        if mask.all():
            raise ImpossibleContext("no")
        return np.full((3, 2), 0.5)

    o = CallableOracle(fn, (2, 2, 2))
    masks = np.array([[False] * 3, [True, False, True], [True] * 3])
    P = batch_marginals(o, masks, np.where(masks, 1, -1))
    assert len(calls) == 3
    np.testing.assert_array_equal(P[0], np.full((3, 2), 0.5))
    np.testing.assert_array_equal(P[1], [[0, 1], [0.5, 0.5], [0, 1]])
    assert np.isnan(P[2]).all()


def test_batch_marginals_refuses_bad_input():
    o = TableOracle(m.copy(3))
    with pytest.raises(InputError, match="revealed_masks"):
        batch_marginals(o, np.zeros((2, 4), dtype=bool), np.zeros((2, 4), dtype=int))
    with pytest.raises(InputError, match="values"):
        batch_marginals(o, np.zeros((2, 3), dtype=bool), np.zeros((2, 3)))
    with pytest.raises(InputError, match="row 1: revealed position 2"):
        batch_marginals(o, np.array([[False] * 3, [True] * 3]), np.array([[0, 0, 0], [0, 0, 2]]))
    with pytest.raises(InputError):
        batch_marginals("not an oracle", np.zeros((1, 3), dtype=bool), np.zeros((1, 3), dtype=int))


# ----------------------------------------------------------------- the lockstep estimator
@pytest.mark.parametrize("sampler", [m.make_sampler("entropy", steps=3), m.make_sampler("random", steps=3),
                                     m.make_sampler("llada", steps=3, temperature=0.5)])
def test_estimator_does_not_depend_on_the_batch_size(sampler):
    """Per-run streams: batch sizes 1, 3 and 256 give the same estimates (up to rounding), and a
    fixed seed the same numbers twice."""
    hmm = m.block_hmm(2, 2, 9)
    res = [m.estimate_sampler_divergences(hmm, sampler, samples=20, seed=3, batch_size=b).to_dict() for b in (1, 3, 256)]
    again = m.estimate_sampler_divergences(hmm, sampler, samples=20, seed=3, batch_size=3).to_dict()
    assert again == res[1]
    for r in res[1:]:
        for k in ("kl", "reverse_kl", "tv", "expected_calls", "support"):
            if res[0][k] is None:
                assert r[k] is None
            else:
                assert r[k] == pytest.approx(res[0][k], rel=1e-9, abs=1e-12)


def test_estimator_batch_size_is_validated():
    with pytest.raises(InputError, match="batch_size"):
        m.estimate_sampler_divergences(m.copy(3), "entropy", samples=4, batch_size=0)
