"""TableOracle against brute-force conditioning; sampling and log_prob; as_oracle."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import mdmtheory as m
from mdmtheory.errors import InputError


def brute_marginals(table: np.ndarray, mask, vals) -> np.ndarray:
    """Sum the table cell by cell over the assignments that agree with the revealed values."""
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
    return out / total


@st.composite
def tables_and_contexts(draw):
    n = draw(st.integers(1, 4))
    q = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    cells = int(np.prod(q))
    w = draw(st.lists(st.sampled_from([0.0, 0.0, 1.0, 2.0, 0.5, 3.0]), min_size=cells, max_size=cells))
    if sum(w) == 0:
        w[0] = 1.0
    table = np.array(w, dtype=float).reshape(q)
    table /= table.sum()
    support = np.argwhere(table > 0)
    x = support[draw(st.integers(0, len(support) - 1))]
    mask = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    return table, mask, np.where(mask, x, -1)


@settings(max_examples=150, deadline=None)
@given(tables_and_contexts())
def test_conditionals_match_brute_force(case):
    table, mask, vals = case
    o = m.TableOracle(m.Joint(table))
    got = o.conditional_marginals(mask, vals)
    np.testing.assert_allclose(got, brute_marginals(table, mask, vals), atol=1e-12)
    again = o.conditional_marginals(mask, vals)  # served from the cache, same numbers
    np.testing.assert_array_equal(got, again)
    got[:] = -1  # the caller's copy: the cache is untouched
    np.testing.assert_allclose(o.conditional_marginals(mask, vals), brute_marginals(table, mask, vals), atol=1e-12)


def test_impossible_context_raises():
    o = m.TableOracle(m.Joint([[0.5, 0.0], [0.0, 0.5]]))
    with pytest.raises(InputError, match="probability 0"):
        o.conditional_marginals(np.array([True, True]), np.array([0, 1]))
    with pytest.raises(InputError, match="token"):
        o.conditional_marginals(np.array([True, False]), np.array([2, -1]))


def test_sample_frequencies_chi_square():
    J = m.random_joint(3, [2, 3, 2], seed=4)
    o = m.TableOracle(J)
    x = o.sample(np.random.default_rng(1), 20000)
    assert x.shape == (20000, 3) and x.dtype == np.int64
    counts = np.zeros(J.q)
    np.add.at(counts, tuple(x.T), 1)
    _, p = stats.chisquare(counts.ravel(), 20000 * J.table.ravel())
    assert p > 1e-4
    np.testing.assert_array_equal(o.sample(7, 50), o.sample(7, 50))  # seeded


def test_log_prob():
    J = m.Joint([[0.25, 0.0], [0.25, 0.5]])
    lp = m.TableOracle(J).log_prob(np.array([[0, 0], [0, 1], [1, 1]]))
    assert lp[0] == pytest.approx(np.log(0.25)) and lp[1] == -np.inf and lp[2] == pytest.approx(np.log(0.5))
    with pytest.raises(InputError):
        m.TableOracle(J).log_prob(np.array([[0, 2]]))


def test_as_oracle_dispatch():
    assert isinstance(m.as_oracle(m.parity(3)), m.TableOracle)
    assert isinstance(m.as_oracle(m.random_walk("cycle:4", 5)), m.ChainOracle)
    h = m.block_hmm(2, 2, 4)
    assert m.as_oracle(h) is h
    with pytest.raises(InputError):
        m.as_oracle(object())
