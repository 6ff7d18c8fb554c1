"""A rule defined inside a test runs through every engine, command and claim (issue 17).

``entropy_cap(h)`` unmasks every masked position whose marginal entropy is at most ``h`` nats (the
lowest-entropy one when none is): one registry entry (a :class:`~mdmtheory.samplers.Ranking` of
the ranked-prefix family, so no kernel code) plus its plain-Python reference below.  Nothing else
in the project names it, yet ``evaluate``, ``frontier``, ``walk --samples``, the estimators,
``sweep``, ``samplers`` and ``check`` run it, and each is compared with an independent number: the
recursive reference evaluator of ``tests/test_evaluate.py`` driven by the reference below.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings

import mdmtheory as m
from mdmtheory.exact import sampler_frontier
from mdmtheory.registry import Param, Ranking, Rule, register_rule, unregister_rule
from mdmtheory.samplers import SamplerState, make_sampler

from . import rules_reference
from .conftest import run_cli, tables
from .test_evaluate import ref_run

NAME = "entropy_cap"
LOG2 = math.log(2.0)


def entropy_cap_reference(params, n, masked, P, step):
    """Every masked ``i`` with ``H(p_i) <= h`` (slack 1e-12), else the lowest-entropy one (ties: the
    lower position); written from the rule's words, not from the kernel."""
    h = params["h"]
    ent = {i: rules_reference.H(P[i]) for i in masked}
    S = [i for i in masked if ent[i] <= h + rules_reference.TOL]
    if not S:
        S = rules_reference.ranked(ent)[:1]
    return {tuple(sorted(S)): 1.0}


RULE = Rule(
    NAME, None,
    (Param("h", "float", 0.3, "nats", "unmask every position with H(p_i) <= h", lo=0.0),),
    "at most n; adaptive", False, False, "tests/test_new_rule.py (a rule defined in a test)",
    "every position with marginal entropy <= h, at least the lowest",
    ranking=Ranking("entropy", "each", stat="entropy", param="h"),
    frontier=lambda n, hmax: [("h", 0.0)] + [("h", float(x)) for x in np.geomspace(1e-3, hmax, 6)],
    # on the two-mode law every marginal is a fair bit (H = log 2): all n at once when h >= log 2
    closed_forms={"two_mode_first_step": lambda prm, n: n if prm["h"] >= LOG2 else 1,
                  "two_mode_probes": ({"h": 0.69}, {"h": 0.7}, {"h": 5.0})},
)


@pytest.fixture(autouse=True, scope="module")
def registered():
    register_rule(RULE)
    rules_reference.EXTRA_REFERENCES[NAME] = entropy_cap_reference
    yield
    unregister_rule(NAME)
    del rules_reference.EXTRA_REFERENCES[NAME]


def test_the_rule_is_listed_and_built_like_the_others():
    assert NAME in m.SAMPLER_NAMES and m.RULES[NAME] is RULE
    s = make_sampler(NAME, h=0.5)
    assert s.deterministic and s.path_kind() == "deterministic" and s.params == {"h": 0.5}
    with pytest.raises(m.InputError, match="valid parameters: h"):
        make_sampler(NAME, tau=0.5)
    with pytest.raises(m.InputError, match="registered already"):
        register_rule(RULE)


@settings(max_examples=25)
@given(tables(max_n=4, max_q=3, max_cells=81))
def test_transitions_match_the_reference_on_random_states(joint):
    """The kernel's selection (Sampler.transitions) against the reference on the states of a table."""
    rng = np.random.default_rng(joint.n)
    n, q = joint.n, joint.q
    for _ in range(4):
        revealed = rng.random(n) < 0.4
        values = np.where(revealed, [rng.integers(qi) for qi in q], -1)
        P = np.zeros((n, max(q)))
        for i in range(n):
            if not revealed[i]:
                P[i, : q[i]] = rng.dirichlet(np.ones(q[i]) * 0.5)
        h = float(rng.choice([0.0, 0.2, 0.7, 2.0]))
        st = SamplerState(n, revealed, values, P, q=q)
        got = make_sampler(NAME, h=h).select(st)
        want = [(p, S) for p, S, _ in rules_reference.reference_law(NAME, {"h": h}, n, q, revealed, P, 0)]
        assert got == want


@settings(max_examples=20)
@given(tables(max_n=4, max_q=3, max_cells=81))
def test_evaluate_equals_the_recursive_reference(joint):
    for h in (0.0, 0.4, 1.5):
        s = make_sampler(NAME, h=h)
        r = m.evaluate(joint, s)
        nu, steps, dep = ref_run(joint, s)
        assert np.allclose(r["law"].table, nu, atol=1e-12)
        assert r["kl"] == pytest.approx(m.kl_divergence(joint.table, nu), abs=1e-9)
        assert r["dependence_error"] == pytest.approx(dep, abs=1e-9)


def test_frontier_sweeps_the_registered_grid():
    joint = m.ising_chain(5, J=0.8, h=0.1)
    pts = sampler_frontier(joint, [NAME])["points"]
    assert [p["value"] for p in pts] == [v for _, v in RULE.frontier(5, float(sum(np.log(joint.q))))]
    for p in pts:
        want = m.evaluate(joint, make_sampler(NAME, h=p["value"]))
        assert p["kl"] == want["kl"] and p["expected_steps"] == want["expected_steps"]


def test_frontier_command(capsys):
    code, out, err = run_cli(["frontier", "--samplers", NAME, "--json", _table(capsys)], capsys)
    assert code == 0, err
    assert {p["sampler"] for p in json.loads(out)["points"]} == {NAME}


def _table(capsys, tmp=[]):  # noqa: B006 - one file for the module
    if not tmp:
        import tempfile

        path = tempfile.mkdtemp() + "/ising5.npy"
        m.ising_chain(5, J=0.8, h=0.1).save(path)
        tmp.append(path)
    return tmp[0]


def test_walk_samples_agree_with_the_exact_walk_law(capsys):
    """``walk --samples`` (the numba walk kernel) against the exact evaluation of the walk's dense law."""
    chain = m.random_walk("cycle:4", 6)
    exact = m.exact_walk_metrics(chain, make_sampler(NAME, h=0.8))
    code, out, err = run_cli(["walk", "--graph", "cycle:4", "--length", "6", "--sampler", NAME, "--param", "h=0.8",
                              "--samples", "4000", "--seed", "3", "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    lo, hi = d["kl_interval"]
    assert lo - 0.02 <= exact["kl"] <= hi + 0.02
    assert d["expected_steps"] == pytest.approx(exact["expected_steps"], abs=0.15)


def test_estimates_cover_the_exact_kl():
    joint = m.random_joint(4, [2, 3, 2, 2], alpha=0.6, seed=5)
    exact = m.evaluate(joint, make_sampler(NAME, h=0.6))
    est = m.estimate_sampler_divergences(joint, make_sampler(NAME, h=0.6), samples=3000, seed=1)
    for got, want in ((est.kl, exact["kl"]), (est.reverse_kl, exact["reverse_kl"])):
        lo, hi = got.interval
        slack = (hi - lo) + 1e-12  # the interval's own width again (a 4-sigma band), plus rounding
        assert lo - slack <= want <= hi + slack


def test_sweep_rows_equal_direct_engine_calls():
    spec = {"sweep": {"base": 2}, "model": [{"family": "ising_chain", "n": 5, "h": 0.1, "J": 0.8}],
            "sampler": [{"name": NAME, "grid": {"h": [0.1, 0.7]}}]}
    rows = m.sweep(spec, show_progress=False).rows
    assert len(rows) == 2
    for r in rows:
        assert r["error"] == ""
        want = m.evaluate(m.ising_chain(5, J=0.8, h=0.1), make_sampler(NAME, h=r["sampler.h"]), base=2)
        assert r["kl"] == want["kl"]


def test_samplers_command_lists_it(capsys):
    code, out, err = run_cli(["samplers", "--json"], capsys)
    assert code == 0
    entry = [s for s in json.loads(out)["samplers"] if s["name"] == NAME]
    assert entry and entry[0]["params"][0]["name"] == "h"


def test_check_runs_the_rule_through_its_registered_closed_form(capsys):
    code, out, err = run_cli(["check", "two_mode_exact", "--quick", "--json"], capsys)
    assert code == 0, err
    claim = json.loads(out)["claims"][0]
    assert claim["verdict"] == "PASS"
    assert f"{NAME}_kl_bits(n=5)" in claim["numbers"] and NAME not in claim["numbers"]["no_closed_form"]
