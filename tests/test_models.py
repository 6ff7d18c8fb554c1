"""Model oracles and evaluate(joint, sampler, model=...) against slow references (issue 11).

The references here are independent of the library: per-row transforms written row by row
(sorting, loops), the truth's conditionals sliced from the table, and a recursive enumeration of
the runs of a sampler driven by the rules' slow reference (``tests/rules_reference.py``) on the
model's rows, with the decoupling terms (``TC`` and marginal KL) summed context by context.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import entr, rel_entr

import mdmtheory as m
from mdmtheory import InputError
from mdmtheory.samplers import SAMPLER_NAMES, TOL

from .conftest import tables
from .reference import ordered_partitions
from .rules_reference import reference_law
from .test_evaluate import samplers_for

SMALL = dict(max_n=4, max_q=3, max_cells=54)
#: evaluate with a model provides no oracle capability beyond the marginals: it refuses the rules
#: that need one (Rule.needs; documented in its Raises section).
WITH_MODEL = [s for s in SAMPLER_NAMES if not m.RULES[s].needs]


def H(p) -> float:
    return float(np.sum(entr(np.asarray(p, dtype=float))))


# -- slow per-row references ------------------------------------------------------------------


def ref_temperature(row, T):
    row = [float(v) for v in row]
    if T == 0:
        top = max(row)
        keep = [v for v in range(len(row)) if row[v] > 0 and row[v] >= top - TOL]
        return [1.0 / len(keep) if v in keep else 0.0 for v in range(len(row))]
    w = [p ** (1.0 / T) if p > 0 else 0.0 for p in row]
    return [x / sum(w) for x in w]


def ref_smooth(row, a):
    return [(1 - a) * p + a / len(row) for p in row]


def ref_keep(row, keep):
    tot = sum(row[v] for v in keep)
    return [row[v] / tot if v in keep else 0.0 for v in range(len(row))]


def ref_top_k(row, k):
    ranked = sorted(row, reverse=True)
    kth = ranked[min(k, len(row)) - 1]
    return ref_keep(row, [v for v in range(len(row)) if row[v] > 0 and row[v] >= kth - TOL])


def ref_top_p(row, p):
    ranked = sorted(row, reverse=True)
    mass, last = 0.0, None
    for v in ranked:
        last = v
        mass += v
        if mass >= p - TOL:
            break
    return ref_keep(row, [v for v in range(len(row)) if row[v] > 0 and row[v] >= last - TOL])


def truth_rows(mu: np.ndarray, values: tuple):
    """``(mu(x_R), rows)``: the truth's conditionals sliced from the table (uniform off support)."""
    n, q = mu.ndim, mu.shape
    sub = mu[tuple(v if v >= 0 else slice(None) for v in values)]
    mass = float(sub.sum())
    free = [i for i in range(n) if values[i] < 0]
    rows = {}
    for a, i in enumerate(free):
        if mass > 0:
            rows[i] = list(sub.sum(axis=tuple(b for b in range(len(free)) if b != a)) / mass)
        else:
            rows[i] = [1.0 / q[i]] * q[i]
    return mass, rows


def random_callable(seed: int, q):
    """A deterministic function of the context with random rows (exact zeros, ties)."""
    qmax = max(q)

    def model(mask, values):
        key = hash((seed, tuple(int(v) for v in values))) % (2**32)
        rng = np.random.default_rng(key)
        out = np.zeros((len(q), qmax))
        for i, qi in enumerate(q):
            w = rng.choice([0.0, 1.0, 1.0, 2.0, 3.0], size=qi)
            if w.sum() == 0:
                w[rng.integers(qi)] = 1.0
            out[i, :qi] = w / w.sum()
        return out

    return model


@st.composite
def models(draw, joint):
    """``(library model, reference rows(values, truth rows) -> model rows)``."""
    kind = draw(st.sampled_from(["temperature", "smooth", "top_k", "top_p", "marginals", "python", "table"]))
    mu = joint.table
    if kind == "temperature":
        T = draw(st.sampled_from([0.0, 0.5, 1.0, 2.0]))
        return m.TemperatureOracle(joint, T), lambda values, rows: {i: ref_temperature(r, T) for i, r in rows.items()}
    if kind == "smooth":
        a = draw(st.sampled_from([0.0, 0.3, 1.0]))
        return m.SmoothedOracle(joint, a), lambda values, rows: {i: ref_smooth(r, a) for i, r in rows.items()}
    if kind == "top_k":
        k = draw(st.integers(1, 3))
        return m.TopKOracle(joint, k), lambda values, rows: {i: ref_top_k(r, k) for i, r in rows.items()}
    if kind == "top_p":
        p = draw(st.sampled_from([0.3, 0.5, 0.7, 0.9, 1.0]))
        return m.TopPOracle(joint, p), lambda values, rows: {i: ref_top_p(r, p) for i, r in rows.items()}
    if kind == "marginals":
        one = {i: list(mu.sum(axis=tuple(b for b in range(mu.ndim) if b != i))) for i in range(mu.ndim)}
        return m.MarginalsOracle(joint), lambda values, rows: {i: one[i] for i in rows}
    if kind == "table":  # another table of the same shape (zeros included): its conditionals
        rng = np.random.default_rng(draw(st.integers(0, 2**16)))
        other = rng.choice([0.0, 1.0, 2.0, 0.5], size=joint.q)
        other.flat[rng.integers(other.size)] = 1.0
        other /= other.sum()

        def table_rows(values, rows):
            mass, mrows = truth_rows(other, values)
            return mrows  # uniform where the model's table has probability 0 (never reached there)

        return m.Joint(other), table_rows
    fn = random_callable(draw(st.integers(0, 2**16)), joint.q)
    return fn, lambda values, rows: {i: list(fn(None, np.array(values))[i, : joint.q[i]]) for i in rows}


# -- the slow reference of evaluate with a model ---------------------------------------------------


def ref_model_run(joint: m.Joint, sampler, model_rows):
    """nu, law of the calls, dependence error and marginal error by recursion over the runs of
    ``sampler`` driven by the model's rows (uniform rows off the truth's support)."""
    mu, n, q = joint.table, joint.n, joint.q
    qmax = max(q)
    nu = np.zeros(q)
    steps: dict[int, float] = {}
    acc = [0.0, 0.0]  # dependence error, marginal error

    def rec(values: tuple, step: int, w: float):
        free = [i for i in range(n) if values[i] < 0]
        if not free:
            nu[values] += w
            steps[step] = steps.get(step, 0.0) + w
            return
        mass, rows = truth_rows(mu, values)
        mrows = model_rows(values, rows) if mass > 0 else rows
        P = np.zeros((n, qmax))
        for i, r in mrows.items():
            P[i, : q[i]] = r
        # the rules' slow reference (tests/rules_reference.py); Sampler.transitions is not used:
        # it fails on llada with remasking=random (an IndexError in its buffer of random sets)
        law = reference_law(sampler.name, sampler.params, n, q, [v >= 0 for v in values], P, step)
        for prob, S, drawn in law:
            if sampler.deterministic and mass > 0:
                sub = mu[tuple(v if v >= 0 else slice(None) for v in values)] / mass
                pS = sub.sum(axis=tuple(b for b, i in enumerate(free) if i not in S))
                acc[0] += mass * (sum(H(rows[i]) for i in S) - H(pS))
                acc[1] += mass * sum(float(np.sum(rel_entr(rows[i], mrows[i]))) for i in S)
            for xs in [drawn] if drawn is not None else itertools.product(*[range(q[i]) for i in S]):
                pr = prob * w * (1.0 if drawn is not None else float(np.prod([P[i, v] for i, v in zip(S, xs)])))
                if pr > 0:
                    nv = list(values)
                    for i, v in zip(S, xs):
                        nv[i] = v
                    rec(tuple(nv), step + 1, pr)

    rec(tuple([-1] * n), 0, 1.0)
    if sampler.name in ("llada", "dream"):  # both published loops call the model at each step
        k = sampler.params["steps"]
        early = sum(p for t, p in steps.items() if t < k)
        steps = {t: p for t, p in steps.items() if t >= k}
        if early:
            steps[k] = steps.get(k, 0.0) + early
    return nu, steps, acc[0], acc[1]


def ref_fixed_order_model_kl(joint: m.Joint, blocks, model_rows) -> float:
    """KL(mu || nu_S) of the fixed ordered partition ``blocks`` with the model's rows."""
    mu, n, q = joint.table, joint.n, joint.q
    nu = np.zeros(q)
    for x in itertools.product(*[range(s) for s in q]):
        p, values = 1.0, [-1] * n
        for blk in blocks:
            mass, rows = truth_rows(mu, tuple(values))
            mrows = model_rows(tuple(values), rows) if mass > 0 else rows
            for i in blk:
                p *= mrows[i][x[i]]
            for i in blk:
                values[i] = x[i]
        nu[x] = p
    return float(np.sum(rel_entr(mu, nu)))


# -- the row transforms ----------------------------------------------------------------------------


@st.composite
def row_stacks(draw):
    n = draw(st.integers(1, 4))
    q = draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))
    qmax = max(q)
    rows = np.zeros((draw(st.integers(1, 3)), n, qmax))
    for c in range(rows.shape[0]):
        for i, qi in enumerate(q):
            w = np.array(draw(st.lists(st.sampled_from([0.0, 1.0, 1.0, 2.0, 0.5, 3.0]), min_size=qi, max_size=qi)))
            if w.sum() == 0:
                w[0] = 1.0
            rows[c, i, :qi] = w / w.sum()
    return rows, q


@settings(max_examples=200)
@given(stack=row_stacks(), T=st.sampled_from([0.0, 0.25, 0.5, 1.0, 3.0]), a=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
       k=st.integers(1, 5), p=st.sampled_from([0.05, 0.3, 0.5, 0.6, 0.75, 0.9, 1.0]))
def test_row_transforms_match_row_by_row_references(stack, T, a, k, p):
    """Temperature, smoothing, top-k and top-p on stacks of rows (zeros, ties, unequal
    alphabets) equal the row-by-row references; every output row is a distribution on 0..q_i-1."""
    rows, q = stack
    got = {"t": m.temperature_rows(rows, q, T), "s": m.smooth_rows(rows, q, a), "k": m.top_k_rows(rows, q, k),
           "p": m.top_p_rows(rows, q, p)}
    for c in range(rows.shape[0]):
        for i, qi in enumerate(q):
            r = list(rows[c, i, :qi])
            want = {"t": ref_temperature(r, T), "s": ref_smooth(r, a), "k": ref_top_k(r, k), "p": ref_top_p(r, p)}
            for key in want:
                assert np.allclose(got[key][c, i, :qi], want[key], rtol=1e-12, atol=1e-14), (key, r)
                assert np.all(got[key][c, i, qi:] == 0.0)
                assert got[key][c, i].sum() == pytest.approx(1.0, abs=1e-12)


def test_row_transform_closed_forms_and_ties():
    """Hand-computed values; the tie rules keep every tied value at the boundary."""
    assert m.temperature_rows([[0.8, 0.2]], [2], 0.5)[0].tolist() == pytest.approx([0.64 / 0.68, 0.04 / 0.68])
    assert m.temperature_rows([[0.8, 0.2]], [2], 1.0)[0].tolist() == pytest.approx([0.8, 0.2])
    assert m.temperature_rows([[1 - 1e-300, 1e-300]], [2], 1e-3)[0].tolist() == [1.0, 0.0]  # no 0/0
    assert m.temperature_rows([[0.4, 0.4, 0.2]], [3], 0.0)[0].tolist() == [0.5, 0.5, 0.0]
    assert m.smooth_rows([[1.0, 0.0, 0.0]], [3], 0.3)[0].tolist() == pytest.approx([0.8, 0.1, 0.1])
    assert m.top_k_rows([[0.4, 0.3, 0.3]], [3], 2)[0].tolist() == pytest.approx([0.4, 0.3, 0.3])
    assert m.top_k_rows([[0.4, 0.3, 0.3]], [3], 1)[0].tolist() == [1.0, 0.0, 0.0]
    assert m.top_p_rows([[0.4, 0.3, 0.3]], [3], 0.5)[0].tolist() == pytest.approx([0.4, 0.3, 0.3])
    assert m.top_p_rows([[0.4, 0.3, 0.3]], [3], 0.4)[0].tolist() == [1.0, 0.0, 0.0]
    assert m.top_p_rows([[0.5, 0.5, 0.0]], [3], 1.0)[0].tolist() == [0.5, 0.5, 0.0]


def test_model_oracles_follow_the_protocol():
    """Revealed rows are point masses; masked rows are the transforms of the truth's rows."""
    J = m.random_joint(3, q=[2, 3, 2], seed=4)
    mask, vals = np.array([True, False, False]), np.array([1, -1, -1])
    truth = m.TableOracle(J).conditional_marginals(mask, vals)
    for o, f in [(m.TemperatureOracle(J, 0.5), lambda P: m.temperature_rows(P, J.q, 0.5)),
                 (m.SmoothedOracle(J, 0.2), lambda P: m.smooth_rows(P, J.q, 0.2)),
                 (m.TopKOracle(J, 1), lambda P: m.top_k_rows(P, J.q, 1)),
                 (m.TopPOracle(J, 0.6), lambda P: m.top_p_rows(P, J.q, 0.6))]:
        got = o.conditional_marginals(mask, vals)
        assert got[0].tolist() == [0.0, 1.0, 0.0]
        assert np.allclose(got[1:], f(truth)[1:], atol=1e-15)
    got = m.MarginalsOracle(J).conditional_marginals(mask, vals)
    assert np.allclose(got[1, :3], J.marginal([1]), atol=1e-15)
    assert np.allclose(got[2, :2], J.marginal([2]), atol=1e-15)


@pytest.mark.parametrize(
    "rows, message",
    [
        (np.ones((2, 3)), "shape"),
        ([[0.5, np.nan], [0.5, 0.5]], "NaN"),
        ([[1.5, -0.5], [0.5, 0.5]], "negative"),
        ([[0.5, 0.5], [0.6, 0.5]], "sums to"),
        ("rows", "array"),
    ],
)
def test_callable_oracle_validates_every_call(rows, message):
    o = m.CallableOracle(lambda mask, values: rows, (2, 2), name="mine")
    with pytest.raises(InputError, match=message):
        o.conditional_marginals(np.array([False, False]), np.array([-1, -1]))


def test_callable_oracle_mass_off_the_alphabet_and_exceptions():
    o = m.CallableOracle(lambda mask, values: np.array([[0.5, 0.5], [0.5, 0.5]]), (2, 1))
    with pytest.raises(InputError, match="past the alphabet"):
        o.conditional_marginals(np.array([False, False]), np.array([-1, -1]))

    def broken(mask, values):
        raise ZeroDivisionError("boom")

    with pytest.raises(InputError, match="ZeroDivisionError: boom"):
        m.CallableOracle(broken, (2,)).conditional_marginals(np.array([False]), np.array([-1]))
    # rounding noise below SUM_TOL is cleared; revealed rows are point masses whatever fn returns
    o = m.CallableOracle(lambda mask, values: np.array([[0.3, 0.3], [0.5, 0.5 + 1e-12]]), (2, 2))
    got = o.conditional_marginals(np.array([True, False]), np.array([0, -1]))
    assert got[0].tolist() == [1.0, 0.0] and got[1].sum() == pytest.approx(1.0, abs=1e-15)


# -- evaluate with a model ---------------------------------------------------------------------------


@st.composite
def tie_tables(draw):
    """Tables with many exact ties and zeros (weights from a small set), unequal alphabets."""
    n = draw(st.integers(1, 3))
    q = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    if n == 1:
        q = [max(q[0], 2)]
    cells = int(np.prod(q))
    w = draw(st.lists(st.sampled_from([0.0, 0.0, 1.0, 1.0, 2.0]), min_size=cells, max_size=cells))
    if sum(w) == 0:
        w[0] = 1.0
    return m.Joint(np.array(w, dtype=float).reshape(q) / sum(w), normalize=True)


def _check_against_reference(joint, sampler, model, ref_rows):
    got = m.evaluate(joint, sampler, model=model)
    nu, steps, dep, merr = ref_model_run(joint, sampler, ref_rows)
    mu = joint.table
    assert np.allclose(got.law.table, nu, rtol=1e-9, atol=1e-13)
    kl = float(np.sum(rel_entr(mu, nu)))
    if np.isinf(kl):
        assert got.kl == np.inf
    else:
        assert got.kl == pytest.approx(max(kl, 0.0), rel=1e-9, abs=1e-12)
    rkl = float(np.sum(rel_entr(nu, mu)))
    assert got.reverse_kl == (np.inf if np.isinf(rkl) else pytest.approx(max(rkl, 0.0), rel=1e-9, abs=1e-12))
    assert got.tv == pytest.approx(0.5 * float(np.abs(mu - nu).sum()), abs=1e-12)
    table = {r["steps"]: r["probability"] for r in got.steps_distribution}
    assert set(table) == set(steps)
    for t, p in steps.items():
        assert table[t] == pytest.approx(p, rel=1e-9, abs=1e-15)
    assert got.model is not None
    if sampler.deterministic:
        if np.isinf(merr):
            assert got.marginal_error == np.inf and got.kl == np.inf and got.dependence_error is None
        else:
            assert got.marginal_error == pytest.approx(max(merr, 0.0), rel=1e-9, abs=1e-12)
            assert got.dependence_error == pytest.approx(max(dep, 0.0), rel=1e-9, abs=1e-12)
            assert kl == pytest.approx(dep + merr, rel=1e-9, abs=1e-12)  # the decoupling, by the reference alone
    else:
        assert got.marginal_error is None and got.dependence_error is None
    return got


@settings(max_examples=250, deadline=None)
@given(data=st.data(), joint=st.one_of(tables(**SMALL), tie_tables()))
def test_every_sampler_with_every_model_matches_the_reference(data, joint):
    """Output law, KL, reverse KL, TV, law of the calls and the decoupling terms of every
    sampler (but the refused ones) driven by every kind of model equal the slow reference."""
    sampler = data.draw(samplers_for(joint.n, names=WITH_MODEL))
    model, ref_rows = data.draw(models(joint))
    _check_against_reference(joint, sampler, model, ref_rows)


@pytest.mark.parametrize("name", WITH_MODEL)
def test_each_sampler_name_with_a_model(name):
    """Every sampler name once, deterministically, on a table with zeros and unequal alphabets
    (the hypothesis test draws names at random)."""
    J = m.Joint(np.array([[[0.1, 0.0], [0.2, 0.05], [0.0, 0.15]], [[0.05, 0.1], [0.0, 0.2], [0.1, 0.05]]]))
    for model, ref in [(m.SmoothedOracle(J, 0.3), lambda v, rows: {i: ref_smooth(r, 0.3) for i, r in rows.items()}),
                       (m.TemperatureOracle(J, 0.5), lambda v, rows: {i: ref_temperature(r, 0.5) for i, r in rows.items()})]:
        _check_against_reference(J, m.make_sampler(name), model, ref)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), joint=st.one_of(tables(max_n=3, max_q=3, max_cells=27), tie_tables()))
def test_random_expected_kl_with_a_model_is_the_mean_over_orders(data, joint):
    """``random``'s expected_kl with a model = the mean over ordered partitions of the
    fixed-order KL with the model's rows (brute force over the orders)."""
    n = joint.n
    sizes = data.draw(st.sampled_from([[1] * n, [n]] + ([[1, n - 1], [n - 1, 1]] if n > 2 else [])))
    model, ref_rows = data.draw(models(joint))
    got = m.evaluate(joint, m.make_sampler("random", schedule=sizes), model=model)
    kls = [ref_fixed_order_model_kl(joint, blocks, ref_rows) for blocks in ordered_partitions(n, sizes)]
    want = float(np.mean(kls))
    if np.isinf(want):
        assert got.expected_kl == np.inf
    else:
        assert got.expected_kl == pytest.approx(want, rel=1e-9, abs=1e-12)
        assert got.expected_kl >= got.kl - 1e-12  # convexity


@settings(max_examples=80, deadline=None)
@given(data=st.data(), joint=tables(**SMALL))
def test_the_truth_as_a_callable_model_changes_nothing(data, joint):
    """model = a function returning the truth's rows: the same result as without a model."""
    sampler = data.draw(samplers_for(joint.n, names=WITH_MODEL))
    truth = m.TableOracle(joint)
    got = m.evaluate(joint, sampler, model=lambda mask, values: truth.conditional_marginals(mask, values))
    want = m.evaluate(joint, sampler)
    for key in ("kl", "reverse_kl", "tv", "expected_steps", "dependence_error", "expected_kl"):
        a, b = got.get(key), want.get(key)
        if b is None or np.isinf(b):
            assert a == b
        else:
            assert a == pytest.approx(b, abs=1e-12)
    if sampler.deterministic:
        assert got.marginal_error == pytest.approx(0.0, abs=1e-12)
    assert np.allclose(got.law.table, want.law.table, atol=1e-12)


def test_closed_forms():
    """Hand-computed cases of the decoupling."""
    a = 0.3
    # copy(2): x1 a point mass given x0; smoothing leaves the support: KL = -log(1 - a/2), all of
    # it marginal error; TV = a/2; reverse KL infinite (mass on 01, 10 where mu = 0)
    r = m.evaluate(m.copy(2), m.make_sampler("left_to_right", steps=2), model=m.SmoothedOracle(m.copy(2), a))
    assert r.kl == pytest.approx(-np.log(1 - a / 2), rel=1e-12)
    assert r.marginal_error == pytest.approx(-np.log(1 - a / 2), rel=1e-12)
    assert r.dependence_error == pytest.approx(0.0, abs=1e-15)
    assert r.tv == pytest.approx(a / 2, rel=1e-12) and r.reverse_kl == np.inf
    # the product of marginals one at a time on copy(2, q): nu uniform, KL = log q, all marginal error
    for q in (2, 3):
        r = m.evaluate(m.copy(2, q), m.make_sampler("left_to_right", steps=2), model=m.MarginalsOracle(m.copy(2, q)))
        assert r.kl == pytest.approx(np.log(q), rel=1e-12) and r.marginal_error == pytest.approx(np.log(q), rel=1e-12)
    # a product law at temperature T: KL = sum_i KL(p_i || p_i^(1/T)/Z), whatever the order
    p = np.array([0.7, 0.3])
    J = m.product([p, p])
    pt = p**2 / np.sum(p**2)
    for s in ("confidence", "random", "bisection"):
        r = m.evaluate(J, s, model=m.TemperatureOracle(J, 0.5))
        assert r.kl == pytest.approx(2 * float(np.sum(rel_entr(p, pt))), rel=1e-12)
    # top-1 on a product: nu is the point mass on the argmax
    r = m.evaluate(J, "entropy", model=m.TopKOracle(J, 1))
    assert r.kl == np.inf and r.reverse_kl == pytest.approx(-np.log(0.49), rel=1e-12) and r.tv == pytest.approx(0.51)
    assert r.marginal_error == np.inf and r.dependence_error is None
    assert r.to_dict()["model"] == "top_k=1"


def test_models_refused_where_undefined():
    J = m.random_joint(3, seed=0)
    for s in ("punt", "punt_pairwise"):
        with pytest.raises(InputError, match="does not support"):
            m.evaluate(J, s, model=m.SmoothedOracle(J, 0.1))
    with pytest.raises(InputError, match="does not support"):
        m.evaluate(J, m.optimal_policy(J, 2), model=m.SmoothedOracle(J, 0.1))
    with pytest.raises(InputError, match="alphabet"):
        m.evaluate(J, "entropy", model=m.random_joint(3, q=3, seed=0))
    with pytest.raises(InputError, match="sums to"):
        m.evaluate(J, "entropy", model=lambda mask, values: np.full((3, 2), 0.6))
    with pytest.raises(InputError, match="memory"):
        m.evaluate(J, "entropy", model=m.SmoothedOracle(J, 0.1), max_memory=1000)


def test_a_callable_is_queried_once_per_reached_context_of_positive_probability():
    """The model is not queried off the truth's support, and each reached context once per
    propagation round at most (counted)."""
    J = m.copy(3)
    truth = m.TableOracle(J)
    seen = []

    def model(mask, values):
        seen.append(tuple(values))
        rows = truth.conditional_marginals(mask, values)
        return m.smooth_rows(rows, J.q, 0.2)

    r = m.evaluate(J, m.make_sampler("left_to_right", steps=3), model=model)
    assert all(J.table[tuple(v if v >= 0 else slice(None) for v in ctx)].sum() > 0 for ctx in seen)
    assert len(seen) == len(set(seen)) == 1 + 2 + 2  # (), (0,), (1,), (0,0), (1,1)
    assert r.kl == pytest.approx(m.evaluate(J, m.make_sampler("left_to_right", steps=3), model=m.SmoothedOracle(J, 0.2)).kl)


def test_a_model_table_with_zeros_is_never_queried_where_it_has_no_mass():
    """A model table (its conditionals) that puts all mass on 00: its runs never reach x_0 = 1;
    random's mean KL over orders is infinite without querying the model off its support."""
    truth = m.product([[0.5, 0.5], [0.5, 0.5]])
    model = m.Joint(np.array([[1.0, 0.0], [0.0, 0.0]]))
    r = m.evaluate(truth, m.make_sampler("random", steps=2), model=model)
    assert r.kl == np.inf and r.expected_kl == np.inf
    assert r.reverse_kl == pytest.approx(np.log(4)) and r.tv == pytest.approx(0.75)
    r = m.evaluate(truth, m.make_sampler("left_to_right", steps=2), model=model)
    assert r.marginal_error == np.inf and r.model == "table"


@pytest.mark.parametrize("name", ["entropy", "confidence", "random", "eb", "llada"])
def test_a_model_over_an_hmm_equals_the_model_over_its_dense_law(name):
    """The same transform over the HMM's forward-backward conditionals (one call per context)
    and over its dense table (vectorised): the same output law."""
    h = m.block_hmm(2, 2, 4)
    J = h.joint()
    for make in (lambda b: m.SmoothedOracle(b, 0.2), lambda b: m.TemperatureOracle(b, 0.7), m.MarginalsOracle):
        a, b = m.evaluate(J, name, model=make(h)), m.evaluate(J, name, model=make(J))
        assert np.allclose(a.law.table, b.law.table, atol=1e-12)
        assert a.kl == pytest.approx(b.kl, abs=1e-10) and a.tv == pytest.approx(b.tv, abs=1e-12)


def test_a_table_model_with_an_impossible_context_gets_uniform_rows():
    """Truth uniform on 3 bits, model copy(3), left_to_right [2, 1]: the first step draws x_0, x_1
    independently from the model's marginals (1/2 each); if they agree the model copies x_2, if
    not the context has probability 0 under the model and its rows are uniform (the convention).
    By hand: nu = 1/4 on 000 and 111, 0 on 001 and 110, 1/8 on the other four; KL = inf."""
    truth = m.Joint(np.full((2, 2, 2), 1 / 8))
    r = m.evaluate(truth, m.make_sampler("left_to_right", schedule=[2, 1]), model=m.copy(3))
    want = np.full((2, 2, 2), 1 / 8)
    want[0, 0, 0] = want[1, 1, 1] = 1 / 4
    want[0, 0, 1] = want[1, 1, 0] = 0.0
    np.testing.assert_allclose(r.law.table, want, atol=1e-12)
    assert r.kl == float("inf")
