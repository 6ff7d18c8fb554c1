"""``KL(nu || mu) = inf`` proved by a visited step (the sampler's own runs on a table truth).

A sampler whose step draws ``x_S`` from the product of its marginals can give positive
probability to values that are impossible under ``mu(x_S | x_R)`` (a table with zeros): then
``nu`` puts mass where ``mu`` has none and the reverse KL is infinite, however small that mass.
One draw landing there is rare (``nu(mu = 0)`` is 8e-7 on table B below), but a run that merely
*visits* such a step proves it.  Checked here: soundness (every ``inf`` the estimator reports is
``inf`` exactly, by the exact evaluator, over random tables with zeros, unequal alphabets and
models that are not the truth), power on table B, a plain-Python reference of the step check
(enumerating ``x_S`` one value at a time), and that tables without zeros are untouched.
"""

from __future__ import annotations

import itertools
import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory.sampler_estimate import estimate_sampler_divergences
from tests.conftest import tables
from tests.test_intervals_skewed import table_a, table_b

DETERMINISTIC = [("entropy", {"steps": 2}), ("confidence", {"steps": 2}), ("threshold", {"tau": 0.6}),
                 ("entropy_sum", {"eps": 0.8}), ("left_to_right", {"steps": 2}), ("margin", {"steps": 2})]


def _exact_reverse(joint, sampler, model=None):
    return m.evaluate(joint, sampler, model=model).reverse_kl


@settings(max_examples=60, deadline=None)
@given(joint=tables(max_n=4, max_q=3, max_cells=60), which=st.sampled_from(range(len(DETERMINISTIC))),
       model=st.sampled_from([None, "temperature", "marginals"]), seed=st.integers(0, 10**6))
def test_an_inf_is_always_an_exact_inf(joint, which, model, seed):
    assume(joint.n >= 2)
    name, params = DETERMINISTIC[which]
    sampler = m.make_sampler(name, **params)
    oracle = {None: None, "temperature": m.TemperatureOracle(joint, 1.5), "marginals": m.MarginalsOracle(joint)}[model]
    r = estimate_sampler_divergences(joint, sampler, samples=40, seed=seed, model=oracle)
    if r.reverse_kl is not None and math.isinf(r.reverse_kl.value):
        assert math.isinf(_exact_reverse(joint, sampler, oracle))
        assert r.reverse_kl.interval == (math.inf, math.inf)


def test_table_b_is_found_infinite_on_most_seeds():
    """Table B (``entropy_sum`` eps = 1.2): ``nu(mu = 0)`` is 8e-7, so a 200-draw sample almost
    never holds such a draw; the steps that can make one are visited by about 1.3% of the runs,
    so most 200-run estimates see one (about 93%) and report the exact answer, ``inf``."""
    joint, sampler = table_b(), m.make_sampler("entropy_sum", eps=1.2)
    ev = m.evaluate(joint, sampler)
    mu, nu = joint.table.reshape(-1), ev.law.table.reshape(-1)
    assert math.isinf(ev.reverse_kl) and 0 < nu[mu == 0].sum() < 1e-6
    found = sum(math.isinf(estimate_sampler_divergences(joint, sampler, samples=200, seed=s).reverse_kl.value)
                for s in range(40))
    assert found >= 30, found


def test_tables_without_zeros_are_untouched():
    """Table A has no zeros: no step can leave the support, and the reverse KL stays the mean of
    the log-ratio terms (finite), as the coverage tests of tests/test_intervals_skewed.py expect."""
    joint, sampler = table_a(), m.make_sampler("threshold", tau=0.6)
    for s in range(5):
        r = estimate_sampler_divergences(joint, sampler, samples=200, seed=s)
        assert math.isfinite(r.reverse_kl.value) and r.support.value == 1.0


def _visited_step_reference(table, mask, vals, S, P):
    """Plain Python: does some ``x_S`` with every ``P[i, x_i] > 0`` have ``mu(x_R, x_S) = 0``?"""
    n = table.ndim
    free_rest = [i for i in range(n) if not mask[i] and i not in S]
    for xs in itertools.product(*[range(table.shape[i]) for i in S]):
        if not all(P[i][v] > 0 for i, v in zip(S, xs)):
            continue
        total = 0.0
        for rest in itertools.product(*[range(table.shape[i]) for i in free_rest]):
            x = list(vals)
            for i, v in zip(S, xs):
                x[i] = v
            for i, v in zip(free_rest, rest):
                x[i] = v
            total += table[tuple(x)]
        if total == 0.0:
            return True
    return False


@settings(max_examples=40, deadline=None)
@given(joint=tables(max_n=4, max_q=3, max_cells=60), seed=st.integers(0, 10**6))
def test_the_step_check_against_a_plain_reference(joint, seed):
    """The estimator's verdict on a one-step sampler (every position at once, from the empty
    context: the only visited step) equals the reference's, for the truth's marginals and for
    a model's (temperature 1.5 keeps the support; ``MarginalsOracle`` ignores the context)."""
    T = joint.table
    n = T.ndim
    assume(n >= 2)
    sampler = m.make_sampler("left_to_right", steps=1)
    for oracle in (None, m.MarginalsOracle(joint)):
        P = [T.sum(axis=tuple(a for a in range(n) if a != i)) for i in range(n)]
        want = _visited_step_reference(T, [False] * n, [0] * n, list(range(n)), P)
        r = estimate_sampler_divergences(joint, sampler, samples=5, seed=seed, model=oracle)
        got = math.isinf(r.reverse_kl.value)
        drew_off = r.support.value < 1.0  # a draw itself landed on mu = 0
        assert got == (want or drew_off), (want, got)
        assert got == math.isinf(_exact_reverse(joint, sampler, oracle)) or not got
