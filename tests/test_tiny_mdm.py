"""The tiny MDM (issue 19): the shipped checkpoint, the built-in torch:tiny, the split of its KL
against the HMM truth, and training from scratch."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import mdmtheory as m  # noqa: E402
from mdmtheory.errors import InputError  # noqa: E402
from mdmtheory.models import model_oracle  # noqa: E402
from mdmtheory.tiny_mdm import CHECKPOINT, METADATA, TINY_HMM, TinyMDM, load_tiny_mdm, train_tiny_mdm  # noqa: E402

TRUTH = m.parse_hmm(TINY_HMM, 32)


def test_checkpoint_is_small_and_documented():
    assert CHECKPOINT.stat().st_size < 2_000_000
    meta = json.loads(METADATA.read_text())
    assert {"config", "hmm", "seed", "steps", "final_loss"} <= set(meta)
    assert meta["hmm"] == TINY_HMM and meta["config"]["n"] == 32 and meta["config"]["q"] == 4
    net, meta2 = load_tiny_mdm()
    assert meta2 == meta and isinstance(net, TinyMDM) and not net.training
    # the loss is the masked diffusion bound per position: above the truth's entropy rate, below log 4
    assert meta["final_loss"] < np.log(4)


def test_builtin_model_spec():
    o = model_oracle("torch:tiny", TRUTH)
    assert o.n == 32 and o.q == (4,) * 32 and o.spec == "torch:tiny"
    P = o.conditional_marginals(np.zeros(32, bool), np.full(32, -1))
    assert P.shape == (32, 4) and np.allclose(P.sum(axis=1), 1.0)
    # a prompt of P tokens leaves a law of length 32 - P
    short = m.models.torch_model("tiny,prompt=0:1:1:0", 28)
    assert short.n == 28
    with pytest.raises(InputError, match="32"):
        m.models.torch_model("tiny", 16)
    with pytest.raises(InputError, match="takes prompt"):
        m.models.torch_model("tiny,mask_id=3", 32)


def test_kl_is_marginal_plus_dependence_against_the_hmm():
    """Per draw the stepwise terms add up; in expectation the stepwise KL equals the log-ratio KL
    (two unbiased estimators of KL(mu || nu) on the same draws)."""
    model = model_oracle("torch:tiny", TRUTH)
    est = m.estimate_sampler_divergences(TRUTH, m.make_sampler("confidence", steps=16), samples=200, seed=3,
                                         model=model)
    assert est.marginal_error.value > 0 and est.dependence_error.value > 0
    assert est.marginal_error.value + est.dependence_error.value == pytest.approx(est.kl_stepwise.value, rel=1e-10)
    diff = est.kl_log_ratio.value - est.kl_stepwise.value
    assert abs(diff) <= 4 * np.hypot(est.kl_log_ratio.stderr, est.kl_stepwise.stderr)
    # one position per call: no dependence error, the whole KL is the model's marginal error
    one = m.estimate_sampler_divergences(TRUTH, m.make_sampler("left_to_right", steps=32), samples=100, seed=0,
                                         model=model)
    assert one.dependence_error.value == 0.0 and one.marginal_error.value == pytest.approx(one.kl.value)


def marginal_error(net, seed=0):
    o = m.models.TorchOracle(net, 4, vocab=[0, 1, 2, 3], n=32)
    est = m.estimate_sampler_divergences(TRUTH, m.make_sampler("left_to_right", steps=32), samples=60, seed=seed,
                                         model=o)
    return est.marginal_error


def test_training_lowers_the_marginal_error():
    torch.set_num_threads(1)
    cfg = {"n": 32, "q": 4, "d_model": 32, "heads": 2, "layers": 1, "ff": 64}
    untrained, _ = train_tiny_mdm(steps=1, seed=5, batch=8, lr=1e-9, config=cfg)
    trained, meta = train_tiny_mdm(steps=300, seed=5, batch=32, config=cfg)
    before, after = marginal_error(untrained), marginal_error(trained)
    assert after.interval[1] < before.interval[0]
    assert meta["steps"] == 300 and meta["hmm"] == TINY_HMM


def test_training_is_deterministic():
    torch.set_num_threads(1)
    cfg = {"n": 32, "q": 4, "d_model": 16, "heads": 2, "layers": 1, "ff": 32}
    a, ma = train_tiny_mdm(steps=5, seed=1, batch=4, config=cfg)
    b, mb = train_tiny_mdm(steps=5, seed=1, batch=4, config=cfg)
    assert ma["final_loss"] == mb["final_loss"]
    assert all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())
    with pytest.raises(InputError, match="tokens"):
        train_tiny_mdm(steps=1, hmm="block:3,2", config=cfg)
