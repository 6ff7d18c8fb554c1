"""advise: the cheapest passing setting, against the exact evaluation of every setting (issue 19)."""

import math

import numpy as np
import pytest

import mdmtheory as m
from mdmtheory.advice import advice_settings, advise, plot_advice
from mdmtheory.errors import InputError
from mdmtheory.registry import RULES


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("advise") / "ising6.npy"
    m.ising_chain(6, J=0.8, h=0.1).save(str(path))
    return str(path)


def exact_kls(joint, sampler, alpha):
    """(setting, KL, expected calls) of every registered setting, each evaluated on its own."""
    rule = RULES[sampler]
    out = []
    for key, value in rule.frontier(joint.n, float(sum(np.log(joint.q)))):
        prm = {**rule.frontier_fixed, key: value}
        r = m.evaluate(joint, m.make_sampler(sampler, **prm), model=m.SmoothedOracle(joint, alpha))
        out.append((value, r.kl, r.expected_steps))
    return out


@pytest.mark.parametrize("target", [0.05, 0.3, 0.9])
def test_advise_picks_cheapest_passing_exact(table, target):
    joint = m.load_joint(table)
    a = advise("smooth=0.1", ["confidence", "llada"], target, {"table": table}, show_progress=False)
    truth = {name: exact_kls(joint, name, 0.1) for name in ("confidence", "llada")}
    # the table lists every setting of every sampler, in the registry's order, with the exact KL
    assert [(r["sampler"], r["value"]) for r in a.rows] == [(s, v) for s in truth for v, _, _ in truth[s]]
    for r in a.rows:
        value, kl, calls = next(t for t in truth[r["sampler"]] if t[0] == r["value"])
        assert r["kl"] == pytest.approx(kl, abs=1e-12) and r["kl_low"] == r["kl_high"] == r["kl"]
        assert r["expected_calls"] == pytest.approx(calls, abs=1e-12)
        assert r["passes"] == (kl <= target)
    passing = [(calls, kl, s, v) for s in truth for v, kl, calls in truth[s] if kl <= target]
    if not passing:
        assert a.chosen is None
    else:
        best = min(passing)
        assert (a.chosen["sampler"], a.chosen["value"]) == (best[2], best[3])
        assert a.chosen["expected_calls"] == pytest.approx(best[0])


def test_advise_none_when_unreachable(table):
    a = advise("smooth=0.3", "confidence", 1e-6, {"table": table}, show_progress=False)
    assert a.chosen is None and len(a.rows) == 6 and not any(r["passes"] for r in a.rows)


def test_advise_estimates_pass_on_upper_end(tmp_path):
    a = advise("smooth=0.1", "confidence", 0.5, {"hmm": "block:2,2,0.8,0.1", "length": 8}, samples=300, seed=2,
               show_progress=False)
    assert a.mode == "samples" and len(a.rows) == 8
    for r in a.rows:
        assert r["kl_low"] <= r["kl"] <= r["kl_high"]
        assert r["passes"] == (r["kl_high"] <= 0.5)
        if r["marginal_error"] is not None:  # the split adds up (the stepwise estimate, draw by draw)
            assert r["marginal_error"] + r["dependence_error"] == pytest.approx(r["kl"], rel=1e-9, abs=1e-12)
    assert sum(r["marginal_error"] is not None for r in a.rows) >= 4  # steps small enough for the stepwise TC
    passing = [r for r in a.rows if r["passes"]]
    assert a.chosen == min(passing, key=lambda r: (r["expected_calls"], r["kl_high"]))
    fig = plot_advice(a, str(tmp_path / "advice.png"))
    assert (tmp_path / "advice.png").stat().st_size > 1000 and fig.endswith("advice.png")


def test_advice_settings_come_from_the_registry():
    for name in ("llada", "fast_dllm", "dream", "confidence", "eb"):
        rule = RULES[name]
        got = advice_settings(name, 5, math.log(4) * 5)
        grid = rule.frontier(5, math.log(4) * 5)
        assert len(got) == len(grid)
        for s, (k, v) in zip(got, grid):
            assert s[k] == v and all(s[f] == fv for f, fv in rule.frontier_fixed.items())
    # a fixed knob: one setting
    assert advice_settings("llada", 5, 1.0, {"steps": 3, "block_length": 5}) == [{"temperature": 1.0, "steps": 3,
                                                                                  "block_length": 5}]


def test_advise_bad_input(table):
    with pytest.raises(InputError, match="target_kl"):
        advise("smooth=0.1", "confidence", -1.0, {"table": table})
    with pytest.raises(InputError, match="unknown sampler"):
        advise("smooth=0.1", "nope", 0.1, {"table": table})
    with pytest.raises(InputError, match="exactly"):
        advise("smooth=0.1", "confidence", 0.1, {"table": table}, samples=10)
    with pytest.raises(InputError, match="model spec"):
        advise("bogus=1", "confidence", 0.1, {"table": table})


def test_cli_advise_json(table, capsys):
    from mdmtheory.cli import main
    import json

    assert main(["advise", "--model", "smooth=0.1", "--sampler", "confidence", "--target-kl", "0.3", "--truth", table,
                 "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["chosen"]["sampler"] == "confidence" and len(d["rows"]) == 6 and d["target_kl"] == 0.3
    assert main(["advise", "--model", "smooth=0.1", "--sampler", "confidence", "--target-kl", "0.3", "--hmm",
                 "block:2,2"]) == 2
    assert "--length" in capsys.readouterr().err


def test_advise_same_table_on_processes(table):
    """The settings run as sweep points: the table is the same on a process pool."""
    one = advise("smooth=0.1", "confidence", 0.3, {"table": table}, show_progress=False)
    two = advise("smooth=0.1", "confidence", 0.3, {"table": table}, jobs=2, show_progress=False)
    assert [(r["value"], r["kl"], r["expected_calls"]) for r in one.rows] == \
        [(r["value"], r["kl"], r["expected_calls"]) for r in two.rows]
    assert one.chosen == two.chosen
