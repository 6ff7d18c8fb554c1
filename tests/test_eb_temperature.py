"""EB-sampler with a temperature (issue 18): values drawn from the tempered marginal p^(1/T)/Z as in
the other candidate rules, entropies (and the ranking proxy) of the tempered or the untempered
law (``entropy_of``).  At T != 1 the rule runs as a candidate rule (the registry's ``resolve``):
every engine is compared with the plain-Python reference of ``tests/rules_reference.py``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory.samplers import SamplerState, make_sampler

from .conftest import run_cli, tables
from .rules_reference import H, reference_law, tempered
from .test_evaluate import SMALL, ref_run


def _law(rows):
    out: dict = {}
    for p, S, v in rows:
        out[(S, v)] = out.get((S, v), 0.0) + p
    return out


@settings(max_examples=40)
@given(joint=tables(**SMALL), data=st.data())
def test_exact_law_equals_the_reference(joint, data):
    s = make_sampler("eb", gamma=data.draw(st.sampled_from([0.0, 0.2, 0.7, 3.0])),
                     proxy=data.draw(st.sampled_from(["entropy", "confidence", "margin"])),
                     temperature=data.draw(st.sampled_from([0.5, 2.0])),
                     entropy_of=data.draw(st.sampled_from(["untempered", "tempered"])))
    r = m.evaluate(joint, s)
    nu, steps, _ = ref_run(joint, s)
    assert np.allclose(r.law.table, nu, atol=1e-12)
    assert {x["steps"]: pytest.approx(x["probability"]) for x in r.steps_distribution} == steps


def test_temperature_one_is_the_plain_rule():
    J = m.random_joint(4, [2, 3, 2, 2], alpha=0.5, seed=2)
    for eo in ("untempered", "tempered"):
        a = m.evaluate(J, make_sampler("eb", gamma=0.3, entropy_of=eo))
        b = m.evaluate(J, make_sampler("eb", gamma=0.3))
        assert np.array_equal(a.law.table, b.law.table) and a.dependence_error == b.dependence_error


def test_entropy_of_decides_the_set_and_the_values_are_tempered():
    """Two positions, marginals (0.9, 0.1) and (0.6, 0.4), gamma = 0.1, T = 0.5.  Untempered: H =
    0.325 and 0.673 nats, sum - max = 0.325 > 0.1: only position 0.  Tempered, (0.988, 0.012) and
    (0.692, 0.308): H = 0.066 and 0.618, sum - max = 0.066 <= 0.1: both.  The values are drawn
    from the tempered marginals in both cases."""
    P = np.array([[0.9, 0.1], [0.6, 0.4]])
    st_ = SamplerState(2, np.zeros(2, bool), np.full(2, -1), P, q=(2, 2))
    h = [H(P[0]), H(P[1])]
    ht = [H(tempered(P[0], 0.5)), H(tempered(P[1], 0.5))]
    assert min(h) > 0.1 and min(ht) < 0.1 < min(h)  # the hand computation's premise
    for eo, both in (("untempered", False), ("tempered", True)):
        s = make_sampler("eb", gamma=0.1, temperature=0.5, entropy_of=eo)
        got = _law(s.transitions(st_))
        want = _law(reference_law("eb", s.params, 2, (2, 2), np.zeros(2, bool), P, 0))
        assert got.keys() == want.keys() and all(got[k] == pytest.approx(want[k]) for k in want)
        sets = {S for S, _ in got}
        assert sets == ({(0, 1)} if both else {(0,)})
        W0 = tempered(P[0], 0.5)
        for (S, v), p in got.items():
            if S == (0,):
                assert p == pytest.approx(W0[v[0]])


def test_walk_engine_and_estimates_agree_with_the_exact_law(capsys):
    chain = m.random_walk("cycle:4", 5)
    s = make_sampler("eb", gamma=0.3, temperature=0.6, entropy_of="tempered")
    nu, steps, _ = ref_run(chain.joint(), s)
    x, calls = m.sample_walks(chain, s, 6000, seed=2)
    counts = np.zeros(nu.shape)
    np.add.at(counts, tuple(x.T), 1.0)
    assert counts[nu <= 0].sum() == 0
    freq = counts / counts.sum()
    assert np.abs(freq - nu).max() < 0.03
    mean = sum(t * p for t, p in steps.items())
    assert abs(calls.mean() - mean) < 5 * calls.std() / np.sqrt(len(calls)) + 1e-9
    J = m.random_joint(4, 2, alpha=0.6, seed=3)
    est = m.estimate_sampler_divergences(J, make_sampler("eb", gamma=0.2, temperature=2.0), samples=1500, seed=1)
    exact = m.evaluate(J, make_sampler("eb", gamma=0.2, temperature=2.0))
    assert est.path == "random"
    assert abs(est.expected_calls.value - exact.expected_steps) <= 5 * est.expected_calls.stderr + 1e-9
    code, out, err = run_cli(["samplers", "--json"], capsys)
    assert code == 0, err
    eb = [r for r in json.loads(out)["samplers"] if r["name"] == "eb"][0]
    assert {p["name"] for p in eb["params"]} >= {"temperature", "entropy_of"}
