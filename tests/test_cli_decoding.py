"""``mdmtheory evaluate ... --truth model-decoding``: a sampler on a model against the model's own
slow decoding (issue 19); bad combinations exit 2 with one line."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

import mdmtheory as m
from tests.conftest import run_cli as run


@pytest.fixture
def table_file(tmp_path):
    f = tmp_path / "t.npy"
    m.Joint(np.random.default_rng(0).dirichlet(np.ones(12)).reshape(2, 3, 2)).save(f)
    return str(f)


def chain_rule_table(model, q, order):
    """The slow decoding law by the chain rule, sequence by sequence (single calls)."""
    t = np.zeros(q)
    for x in itertools.product(*(range(v) for v in q)):
        mask, vals, p = np.zeros(len(q), bool), np.full(len(q), -1), 1.0
        for i in order:
            p *= model.conditional_marginals(mask, vals)[i, x[i]]
            mask[i], vals[i] = True, x[i]
        t[x] = p
    return t


def test_exact_against_the_chain_rule(table_file, capsys):
    code, out, _ = run(["evaluate", table_file, "--sampler", "entropy", "--model", "temperature=2", "--truth",
                        "model-decoding", "--order", "2,0,1", "--json"], capsys)
    d = json.loads(out)
    J = m.load_joint(table_file)
    model = m.TemperatureOracle(J, 2.0)
    want = m.evaluate(m.Joint(chain_rule_table(model, J.q, [2, 0, 1])), "entropy", model=model)
    assert code == 0 and d["truth"] == "model-decoding" and d["mode"] == "exact" and d["order"] == [2, 0, 1]
    assert d["model"] == "temperature=2"
    for key in ("kl", "reverse_kl", "tv", "marginal_error", "dependence_error"):
        assert d[key] == pytest.approx(want.get(key), rel=1e-9, abs=1e-12), key


def test_estimates_carry_intervals(table_file, capsys):
    code, out, _ = run(["evaluate", table_file, "--sampler", "entropy", "--model", "smooth=0.3", "--truth",
                        "model-decoding", "--samples", "300", "--seed", "4", "--json"], capsys)
    d = json.loads(out)
    want = m.decoding_loss(m.SmoothedOracle(m.load_joint(table_file), 0.3), "entropy", samples=300, seed=4)
    assert code == 0 and d["mode"] == "estimate"
    assert d["kl"] == pytest.approx(want.kl.value, rel=1e-12) and d["kl_interval"] == list(want.kl.interval)
    assert d["kl_stepwise"] is None and "exact conditionals" in d["not_estimated_kl_stepwise"]


@pytest.mark.parametrize("argv, message", [
    (["evaluate", "--sampler", "entropy"], "give JOINT.npy"),
    (["evaluate", "--sampler", "entropy", "--truth", "model-decoding"], "needs --model"),
    (["evaluate", "--sampler", "entropy", "--truth", "model-decoding", "--model", "smooth=0.1"], "must be a network"),
    (["evaluate", "--sampler", "entropy", "--truth", "model-decoding", "--model", "torch:x.pt,mask_id=1"], "needs --length"),
    (["evaluate", "TABLE", "--sampler", "entropy", "--length", "3"], "go with --truth model-decoding"),
    (["evaluate", "TABLE", "--sampler", "entropy", "--truth", "model-decoding", "--model", "marginals", "--order", "0,x"],
     "--order takes"),
    (["evaluate", "TABLE", "--sampler", "entropy", "--truth", "model-decoding", "--model", "marginals", "--order", "0,0,1"],
     "permutation"),
    (["evaluate", "TABLE", "--sampler", "entropy", "--truth", "model-decoding", "--model", "marginals", "--seed", "1"],
     "--seed goes with --samples"),
    (["evaluate", "TABLE", "--sampler", "entropy", "--truth", "model-decoding", "--model", "marginals", "--length", "3"],
     "drop --length"),
])
def test_bad_combinations_exit_2_with_one_line(table_file, capsys, argv, message):
    argv = [table_file if a == "TABLE" else a for a in argv]
    code, out, err = run(argv, capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err, err


def test_a_torchscript_network_without_a_table(tmp_path, capsys):
    torch = pytest.importorskip("torch")

    class Net(torch.nn.Module):  # logits depend on how many positions are masked
        def forward(self, input_ids):
            k = (input_ids == 3).sum(dim=1, keepdim=True).to(torch.float32)
            x = torch.zeros(input_ids.shape, dtype=torch.float32) + k
            return torch.stack([x, 0.5 * x, -x, torch.zeros_like(x)], dim=-1)

    path = str(tmp_path / "net.pt")
    torch.jit.save(torch.jit.script(Net()), path)
    code, out, _ = run(["evaluate", "--sampler", "left_to_right", "--param", "steps=1", "--model",
                        f"torch:{path},mask_id=3,vocab=0:1:2", "--length", "3", "--truth", "model-decoding", "--json"], capsys)
    d = json.loads(out)
    model = m.models.TorchOracle(Net(), 3, vocab=[0, 1, 2], n=3)
    want = m.evaluate(m.Joint(chain_rule_table(model, (3, 3, 3), [0, 1, 2])), m.make_sampler("left_to_right", steps=1),
                      model=model)
    assert code == 0 and d["model"].startswith("torch:") and d["n"] == 3
    assert d["kl"] == pytest.approx(want.kl, rel=1e-6) and d["kl"] > 0
