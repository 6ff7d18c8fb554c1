"""The claims of issue 11 ("any oracle"): the per-run learned-oracle decoupling and Zhang et
al.'s easy-first benefit under model error.  Each passes with its correct ingredients (or, for
Zhang's statement, passes where it holds and fails where it does not) and fails when fed a
wrong one."""

from __future__ import annotations

import numpy as np
import pytest

import mdmtheory as m
from mdmtheory.proofs_check import oracle_decoupling, zhang_easy_first


def ignores_the_model(joint, sampler, model=None, **kw):
    """The exact evaluator with the model dropped (the truth drives the sampler)."""
    return m.evaluate(joint, sampler)


def test_oracle_decoupling_per_run_passes():
    c = oracle_decoupling.check(quick=True)
    assert c.passed, c.numbers
    assert c.numbers["per_run_cases"] == 28 and c.numbers["max_gap_per_run_form"] < 1e-10


def test_oracle_decoupling_per_run_fails_with_an_evaluator_that_ignores_the_model():
    c = oracle_decoupling.check(quick=True, evaluate_fn=ignores_the_model)
    assert not c.passed and c.numbers["max_gap_per_run_form"] > 1e-3


def test_run_decoupling_on_a_product_law_is_the_marginal_error_only():
    """On a product law TC = 0 at every context: the dependence error is 0 and the marginal
    error of one position at a time is sum_i KL(mu_i || CO_hat_i) along the run."""
    joint = m.product([[0.7, 0.3], [0.2, 0.8]])
    uniform = lambda table, x, rev, i: np.full(table.shape[i], 1.0 / table.shape[i])  # noqa: E731
    dep, err = oracle_decoupling.run_decoupling(joint.table, m.make_sampler("left_to_right", steps=2), uniform)
    want = sum(np.log(2) - m.entropy(m.Joint(np.array(p))) for p in ([0.7, 0.3], [0.2, 0.8]))
    assert dep == pytest.approx(0.0, abs=1e-15) and err == pytest.approx(want, rel=1e-12)


def test_zhang_easy_first_passes_where_the_statement_holds():
    """Smoothing on the Block-HMM: the benefit grows with the model's error (both schedules)."""
    tables = {"block_hmm(2,2,n=5)": m.block_hmm(2, 2, 5).joint()}
    c = zhang_easy_first.check(quick=True, tables=tables, errors=zhang_easy_first.ERRORS[:1])
    assert c.passed, c.numbers
    vals = c.numbers["benefit[block_hmm(2,2,n=5),steps=5,smooth]"]
    assert vals[0] == pytest.approx(0.0, abs=1e-9) and vals[-1] > 0.05  # one call each: 0 at the truth


def test_zhang_easy_first_beyond_scope_is_reported_and_fails_when_claimed():
    """Flattening by a temperature shrinks the benefit: the default claim passes on its scope
    and reports the temperature numbers beside it; claiming every case makes it FAIL."""
    c = zhang_easy_first.check(quick=True)
    assert c.passed, c.numbers
    vals = c.numbers["benefit[block_hmm(2,2,n=5),steps=5,temperature]"]
    assert all(b < a for a, b in zip(vals, vals[1:]))
    assert c.numbers["beyond_scope_grows"] != "0/0" and "not on" in c.detail
    assert not zhang_easy_first.check(quick=True, scope=lambda table, error: True).passed


@pytest.mark.parametrize(
    "kwargs",
    [
        {"evaluate_fn": ignores_the_model},  # the model never used: the benefit stays flat
        {"benefit_fn": lambda j, s, model, ev: -zhang_easy_first.benefit(j, s, model, ev)},  # random minus entropy swapped
    ],
)
def test_zhang_easy_first_fails_with_a_wrong_ingredient(kwargs):
    tables = {"block_hmm(2,2,n=5)": m.block_hmm(2, 2, 5).joint()}
    c = zhang_easy_first.check(quick=True, tables=tables, errors=zhang_easy_first.ERRORS[:1], **kwargs)
    assert not c.passed


def test_zhang_benefit_is_zero_on_a_product_law_for_any_model():
    """On a product law every order has the same KL with a row-transform model (the contexts do
    not change the rows): the benefit is 0 for every error."""
    joint = m.product([[0.7, 0.3], [0.5, 0.5], [0.9, 0.1]])
    for model in (m.SmoothedOracle(joint, 0.3), m.TemperatureOracle(joint, 2.0)):
        for steps in (3, 2):
            assert zhang_easy_first.benefit(joint, steps, model) == pytest.approx(0.0, abs=1e-12)
