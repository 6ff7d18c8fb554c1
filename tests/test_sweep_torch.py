"""Sweeps with a neural network as the model (``kind = "torch"``, issue 19): each row equals the
direct call (the decoding loss, or the evaluation against an HMM); bad keys are refused."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import mdmtheory as m  # noqa: E402
from mdmtheory import InputError  # noqa: E402
from mdmtheory.models import TorchOracle  # noqa: E402


class Net(torch.nn.Module):
    """Logits that depend on the revealed tokens (an inconsistent model)."""

    def forward(self, input_ids):
        x = input_ids.to(torch.float32)
        s = torch.cumsum(torch.where(input_ids == 4, torch.zeros_like(x), x), dim=1)
        return torch.stack([0.3 * s, -0.2 * s, 0.1 * s + 0.5, torch.zeros_like(s), torch.zeros_like(s)], dim=-1)


@pytest.fixture
def net_file(tmp_path):
    path = tmp_path / "net.pt"
    torch.jit.save(torch.jit.script(Net()), str(path))
    return path


def test_exact_and_estimated_rows_equal_the_direct_calls(net_file):
    spec = {
        "sweep": {"mode": "exact"},
        "model": [{"kind": "torch", "path": net_file.name, "length": 3, "mask_id": 4, "vocab": [0, 1], "order": [2, 0, 1]},
                  {"kind": "torch", "path": str(net_file), "length": 3, "mask_id": 4, "vocab": [0, 1], "hmm": "order:2,1,5",
                   "label": "vs hmm"}],
        "sampler": [{"name": "entropy", "grid": {"steps": [1, 2]}}],
    }
    spec["model"][0]["path"] = str(net_file)  # a dict spec reads relative paths against the working directory
    res = m.sweep(spec, show_progress=False)
    o = TorchOracle(Net(), 4, vocab=[0, 1], n=3)
    rows = res.rows
    assert len(rows) == 4 and all(r["error"] == "" for r in rows), [r["error"] for r in rows]
    for r in rows:
        sampler = m.make_sampler("entropy", steps=r["sampler.steps"])
        if r["model"] == "vs hmm":
            want = m.evaluate(m.parse_hmm("order:2,1,5", 3).joint(), sampler, model=o)
        else:
            want = m.decoding_loss(o, sampler, [2, 0, 1])
        assert r["kind"] == "torch"
        assert r["kl"] == pytest.approx(want.kl, rel=1e-9) and r["tv"] == pytest.approx(want.tv, rel=1e-9)
    spec["sweep"] = {"mode": "samples", "samples": 50, "seeds": [3]}
    rows = m.sweep(spec, show_progress=False).rows
    for r in rows:
        sampler = m.make_sampler("entropy", steps=r["sampler.steps"])
        if r["model"] == "vs hmm":
            want = m.estimate_sampler_divergences(m.parse_hmm("order:2,1,5", 3), sampler, 50, 3, model=o)
        else:
            want = m.decoding_loss(o, sampler, [2, 0, 1], samples=50, seed=3)
        assert r["kl"] == pytest.approx(want.kl.value, rel=1e-9)
        assert (r["kl_low"], r["kl_high"]) == pytest.approx(want.kl.interval, rel=1e-9)


@pytest.mark.parametrize("model, message", [
    ({"kind": "torch", "length": 3}, "needs path"),
    ({"kind": "torch", "path": "x.pt", "length": 3, "colour": 1}, "unknown key"),
    ({"kind": "torch", "path": "x.pt", "length": 3, "truth": "table"}, "truth"),
    ({"kind": "torch", "path": "x.pt", "length": 3, "mask_id": 4}, "no such folder or file"),
    ({"kind": "tensorflow", "path": "x.pt"}, "the one model kind is 'torch'"),
    ({"kind": "torch", "path": "NET", "length": 3, "mask_id": 4, "vocab": [0, 1, 2], "hmm": "order:2,1,5"}, "differ from the HMM"),
])
def test_bad_torch_models_are_refused(model, message, net_file):
    model = {k: str(net_file) if v == "NET" else v for k, v in model.items()}
    with pytest.raises(InputError, match=message):
        m.sweeps.expand({"model": [model], "sampler": [{"name": "entropy"}]})


def test_spec_relative_paths(net_file, tmp_path):
    """A path relative to the spec file's folder."""
    spec = tmp_path / "s.toml"
    spec.write_text('[[model]]\nkind = "torch"\npath = "net.pt"\nlength = 2\nmask_id = 4\nvocab = [0, 1, 2]\n\n'
                    '[[sampler]]\nname = "left_to_right"\nparams = { steps = 1 }\n')
    rows = m.sweep(str(spec), show_progress=False).rows
    want = m.decoding_loss(TorchOracle(Net(), 4, vocab=[0, 1, 2], n=2), m.make_sampler("left_to_right", steps=1))
    assert rows[0]["error"] == "" and rows[0]["kl"] == pytest.approx(want.kl, rel=1e-9) and want.kl > 0
