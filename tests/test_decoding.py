"""The model's own slow decoding law and what decoding fast loses from it (issue 19).

References: the chain rule of the model's conditionals enumerated sequence by sequence in plain
Python (one single call per prefix), independent of the law's batched code.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory import InputError

from .conftest import tables
from .test_models import WITH_MODEL, random_callable


def brute_log_prob(model, x, order) -> float:
    """``sum_t log p_{order_t}(x_{order_t} | x_{order_<t})`` by single calls (uniform rows where
    the model refuses a context)."""
    n = len(x)
    mask = np.zeros(n, dtype=bool)
    vals = np.full(n, -1, dtype=np.int64)
    lp = 0.0
    for i in order:
        try:
            p = float(model.conditional_marginals(mask, vals)[i, x[i]])
        except m.ImpossibleContext:  # the engines' convention: the uniform row
            p = 1.0 / model.q[i]
        if p == 0:
            return -np.inf
        lp += np.log(p)
        mask[i], vals[i] = True, x[i]
    return lp


def brute_table(model, q, order) -> np.ndarray:
    t = np.zeros(q)
    for x in itertools.product(*(range(v) for v in q)):
        t[x] = np.exp(brute_log_prob(model, list(x), order))
    return t


@st.composite
def model_and_order(draw, max_n=4):
    joint = draw(tables(max_n=max_n, max_q=3, max_cells=54))
    q = joint.q
    kind = draw(st.sampled_from(["callable", "table", "smooth", "temperature"]))
    if kind == "callable":  # inconsistent conditionals: the law depends on the order
        model = m.CallableOracle(random_callable(draw(st.integers(0, 2**16)), q), q)
    elif kind == "table":
        model = m.TableOracle(joint)
    elif kind == "smooth":
        model = m.SmoothedOracle(joint, draw(st.sampled_from([0.1, 0.5])))
    else:
        model = m.TemperatureOracle(joint, draw(st.sampled_from([0.5, 2.0])))
    order = draw(st.permutations(list(range(joint.n))))
    return joint, model, order


@settings(max_examples=60, deadline=None)
@given(data=model_and_order())
def test_log_prob_and_joint_against_the_chain_rule(data):
    joint, model, order = data
    law = m.ModelDecodingLaw(model, order, batch_size=5)
    want = brute_table(model, joint.q, order)
    assert want.sum() == pytest.approx(1.0, abs=1e-9)
    X = np.array(list(itertools.product(*(range(v) for v in joint.q))), dtype=np.int64)
    got = law.log_prob(X)
    with np.errstate(divide="ignore"):
        ref = np.log(want[tuple(X.T)])
    assert np.array_equal(np.isinf(got), np.isinf(ref))
    np.testing.assert_allclose(got[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-10, atol=1e-12)
    J = law.joint()
    assert J.table.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(J.table, want, atol=1e-12)
    if isinstance(model, m.TableOracle):  # consistent conditionals: the law is the table, whatever the order
        np.testing.assert_allclose(J.table, joint.table, atol=1e-12)


def test_the_order_matters_for_an_inconsistent_model():
    q = (2, 2, 2)
    model = m.CallableOracle(random_callable(3, q), q)
    a = m.ModelDecodingLaw(model).joint().table
    b = m.ModelDecodingLaw(model, [2, 1, 0]).joint().table
    assert not np.allclose(a, b)
    np.testing.assert_allclose(b, brute_table(model, q, [2, 1, 0]), atol=1e-12)


def test_samples_follow_the_law():
    """40,000 draws: every cell's frequency within 5 binomial standard errors of pi."""
    q = (2, 3, 2)
    model = m.CallableOracle(random_callable(5, q), q)
    order = [1, 2, 0]
    law = m.ModelDecodingLaw(model, order, batch_size=3000)
    want = brute_table(model, q, order)
    M = 40_000
    X = law.sample(7, M)
    assert X.shape == (M, 3) and X.dtype == np.int64
    freq = np.zeros(q)
    np.add.at(freq, tuple(X.T), 1.0)
    freq /= M
    se = np.sqrt(want * (1 - want) / M)
    assert np.all(np.abs(freq - want) <= 5 * se + 1e-12), np.abs(freq - want).max()
    assert np.array_equal(law.sample(np.random.default_rng(7), 10), law.sample(7, 10))


# -- what decoding fast loses ---------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(data=st.data(), mo=model_and_order(max_n=3))
def test_exact_loss_is_evaluate_on_the_brute_force_law(data, mo):
    from .test_evaluate import samplers_for

    joint, model, order = mo
    sampler = data.draw(samplers_for(joint.n, names=WITH_MODEL))
    got = m.decoding_loss(model, sampler, order)
    want = m.evaluate(m.Joint(brute_table(model, joint.q, order), normalize=True), sampler, model=model)
    for key in ("kl", "reverse_kl", "tv", "expected_steps", "marginal_error", "dependence_error"):
        a, b = got.get(key), want.get(key)
        if b is None or np.isinf(b):
            assert a == b, key
        else:
            assert a == pytest.approx(b, rel=1e-9, abs=1e-10), key


def test_one_at_a_time_in_the_same_order_loses_nothing():
    q = (3, 2, 2)
    model = m.CallableOracle(random_callable(9, q), q)
    r = m.decoding_loss(model, m.make_sampler("left_to_right", steps=3))
    assert r.kl == pytest.approx(0.0, abs=1e-12) and r.tv == pytest.approx(0.0, abs=1e-12)
    e = m.decoding_loss(model, m.make_sampler("left_to_right", steps=3), samples=50, seed=1)
    assert e.kl.value == pytest.approx(0.0, abs=1e-12) and e.kl.stderr == pytest.approx(0.0, abs=1e-12)
    assert "exact conditionals" in e.reasons["kl_stepwise"]


@pytest.mark.parametrize("name", ["entropy", "left_to_right", "margin"])
def test_estimate_intervals_cover_the_exact_loss(name):
    """200 seeds: the intervals of KL(pi || nu), reverse KL and TV of a sampler run on an
    inconsistent model cover the exact values inside the 99.9% binomial acceptance region."""
    from scipy import stats

    rng = np.random.default_rng(11)
    J = m.Joint(rng.dirichlet(np.full(12, 3.0)).reshape(2, 2, 3))
    model = m.TemperatureOracle(J, 2.0)  # tempered conditionals: no longer those of one joint law
    exact = m.decoding_loss(model, name, order=[2, 0, 1])
    assert exact.kl > 1e-3
    seeds = 200
    covered = {"kl": 0, "reverse_kl": 0, "tv": 0}
    for s in range(seeds):
        e = m.decoding_loss(model, name, order=[2, 0, 1], samples=80, seed=s)
        for key in covered:
            lo, hi = getattr(e, key).interval
            covered[key] += lo <= getattr(exact, key) <= hi
    lo, hi = stats.binom.ppf(0.0005, seeds, 0.95), stats.binom.isf(0.0005, seeds, 0.95)
    for key, c in covered.items():
        assert lo <= c <= hi, (key, c)


def test_what_each_kind_of_sampler_gets_estimated():
    q = (2, 2, 2)
    model = m.CallableOracle(random_callable(2, q), q)
    rnd = m.decoding_loss(model, "random", samples=30, seed=0)
    assert rnd.kl is not None and rnd.reverse_kl is None and "mixture" in rnd.reasons["reverse_kl"]
    pm = m.decoding_loss(model, "llada", samples=30, seed=0)  # argmax candidates: one sequence y
    exact = m.decoding_loss(model, "llada")
    assert pm.reverse_kl.value == pytest.approx(exact.reverse_kl, rel=1e-9)
    assert pm.tv.value == pytest.approx(exact.tv, rel=1e-9)
    hot = m.decoding_loss(model, m.make_sampler("llada", temperature=1.0), samples=30, seed=0)
    assert hot.kl is None and "not computable per sample" in hot.reasons["kl"]


def test_bad_inputs():
    q = (2, 2)
    model = m.CallableOracle(random_callable(1, q), q)
    with pytest.raises(InputError, match="permutation"):
        m.ModelDecodingLaw(model, [0, 0])
    with pytest.raises(InputError, match="permutation"):
        m.ModelDecodingLaw(model, "ab")
    with pytest.raises(InputError, match="batch_size"):
        m.ModelDecodingLaw(model, batch_size=0)
    with pytest.raises(InputError, match="alphabet sizes q"):
        m.ModelDecodingLaw(type("O", (), {"n": 2, "conditional_marginals": lambda s, a, b: None})())
    law = m.ModelDecodingLaw(model)
    with pytest.raises(InputError, match="rows of n = 2"):
        law.log_prob([[0, 2]])
    with pytest.raises(InputError, match="max_cells"):
        law.joint(max_cells=3)
    with pytest.raises(InputError, match="over max_cells"):
        m.decoding_loss(model, "entropy", max_cells=2)
    with pytest.raises(InputError, match="number of samples"):
        law.sample(0, 0)
    def parity_ish(mask, values):  # P(X_i = 1) = 0.2 or 0.8 by the parity of the revealed ones
        p = 0.8 if int(values[mask].sum()) % 2 else 0.2
        return np.tile([1 - p, p], (len(mask), 1))

    big = m.ModelDecodingLaw(m.CallableOracle(parity_ish, (2,) * 30))
    with pytest.raises(InputError, match="need its table"):
        big.conditional_marginals(np.zeros(30, bool), np.full(30, -1))
    e = m.decoding_loss(big.model, "entropy", samples=20, seed=0)  # any n: estimates only
    assert np.isfinite(e.kl.value) and e.kl.value > 0 and np.isfinite(e.reverse_kl.value)
