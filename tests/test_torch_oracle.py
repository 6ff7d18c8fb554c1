"""TorchOracle (issue 19): a PyTorch network behind the oracle protocol.

The reference network here is built in the test: its logits are the log of a table's exact
conditional marginals, computed by brute force from the table (slicing and summing, uniform
where the context has probability 0), at token ids chosen at random (a prompt, a mask id, a
vocabulary per position).  Every sampler's exact evaluation with it as the model must equal the
evaluation with the table itself as the model.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

import mdmtheory as m  # noqa: E402
from mdmtheory import InputError  # noqa: E402
from mdmtheory.models import TorchOracle  # noqa: E402

from .conftest import tables  # noqa: E402
from .test_evaluate import samplers_for  # noqa: E402
from .test_models import WITH_MODEL  # noqa: E402

KEYS = ("kl", "reverse_kl", "tv", "expected_steps", "dependence_error", "marginal_error", "expected_kl")


def brute_rows(mu: np.ndarray, values) -> list:
    """The table's conditionals given ``values`` (-1 masked) by slicing and summing; uniform
    rows where the context has probability 0; ``None`` at revealed positions."""
    n, q = mu.ndim, mu.shape
    sub = mu[tuple(int(v) if v >= 0 else slice(None) for v in values)]
    mass = float(sub.sum())
    free = [i for i in range(n) if values[i] < 0]
    rows = [None] * n
    for a, i in enumerate(free):
        if mass > 0:
            rows[i] = sub.sum(axis=tuple(b for b in range(len(free)) if b != a)) / mass
        else:
            rows[i] = np.full(q[i], 1.0 / q[i])
    return rows


class TableNet(torch.nn.Module):
    """``input_ids (B, P + n) -> logits (B, P + n, V)``: ``log mu(X_i = v | x_R)`` at id
    ``vocab[i][v]`` of every masked position ``i``; ``pad`` everywhere else (other ids, the
    prompt, revealed positions)."""

    def __init__(self, mu, vocab, mask_id, V, P, pad=0.0, dtype=torch.float64):
        super().__init__()
        self.mu, self.vocab, self.mask_id, self.V, self.P, self.pad, self.dtype = mu, vocab, mask_id, V, P, pad, dtype
        self.inverse = [{t: v for v, t in enumerate(ids)} for ids in vocab]
        self.seen = []

    def forward(self, input_ids):
        ids = input_ids.numpy()
        self.seen.append(ids.copy())
        B, L = ids.shape
        n = L - self.P
        out = np.full((B, L, self.V), self.pad, dtype=float)
        for b in range(B):
            values = [-1 if ids[b, self.P + i] == self.mask_id else self.inverse[i][int(ids[b, self.P + i])] for i in range(n)]
            for i, row in enumerate(brute_rows(self.mu, values)):
                if row is not None:
                    with np.errstate(divide="ignore"):
                        out[b, self.P + i, self.vocab[i]] = np.log(row)
        return torch.from_numpy(out).to(self.dtype)


def net_for(joint, seed: int, prompt_len: int = 0, per_position: bool = True, **kw):
    """``(TorchOracle, TableNet)`` of ``joint`` with random token ids (mask id, prompt, vocabularies)."""
    rng = np.random.default_rng(seed)
    qmax = max(joint.q)
    V = qmax + 3
    mask_id = int(rng.integers(V))
    others = [t for t in range(V) if t != mask_id]
    if per_position:
        vocab = [[int(t) for t in rng.permutation(others)[:qi]] for qi in joint.q]
    else:
        one = [int(t) for t in rng.permutation(others)[:qmax]]
        vocab = [one] * joint.n
    prompt = [int(t) for t in rng.integers(0, V, size=prompt_len)]
    net = TableNet(joint.table, vocab, mask_id, V, prompt_len, **kw)
    o = TorchOracle(net, mask_id, vocab=vocab if per_position else vocab[0], prompt=prompt or None, n=joint.n,
                    batch_size=int(rng.integers(1, 5)))
    return o, net


def same(a, b, rtol=1e-9, atol=1e-12):
    if b is None or (isinstance(b, float) and np.isinf(b)):
        return a == b
    return a == pytest.approx(b, rel=rtol, abs=atol)


# -- the protocol against brute force ---------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(joint=tables(max_n=4, max_q=3, max_cells=54), seed=st.integers(0, 2**16), P=st.integers(0, 2))
def test_rows_are_the_tables_conditionals(joint, seed, P):
    o, net = net_for(joint, seed, P)
    assert o.n == joint.n and o.q == joint.q
    rng = np.random.default_rng(seed)
    B = 7
    masks = rng.random((B, joint.n)) < 0.5
    X = m.TableOracle(joint).sample(rng, B)
    vals = np.where(masks, X, -1)
    got = o.conditional_marginals_batch(masks, vals)
    assert got.shape == (B, joint.n, max(joint.q))
    for b in range(B):
        rows = brute_rows(joint.table, vals[b])
        for i in range(joint.n):
            want = np.zeros(max(joint.q))
            if masks[b, i]:
                want[vals[b, i]] = 1.0
            else:
                want[: joint.q[i]] = rows[i]
            np.testing.assert_allclose(got[b, i], want, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(o.conditional_marginals(masks[b], vals[b]), got[b])
    # the network saw the prompt, mask_id at masked positions and vocab ids at revealed ones
    seen = np.concatenate(net.seen[1:])  # [0]: the probe at construction
    assert seen.shape[1] == P + joint.n
    assert np.all(seen[:, :P] == np.array(o.prompt, dtype=np.int64))


def test_one_forward_pass_per_batch():
    joint = m.random_joint(3, 2, seed=1)
    o, net = net_for(joint, 0, 1)
    o.batch_size = 4
    before = o.calls
    o.conditional_marginals_batch(np.zeros((10, 3), bool), np.full((10, 3), -1))
    assert o.calls - before == 3 and [s.shape[0] for s in net.seen[-3:]] == [4, 4, 2]


# -- every sampler's exact evaluation with the network as the model ----------------------------


@settings(max_examples=60, deadline=None)
@given(data=st.data(), joint=tables(max_n=3, max_q=3, max_cells=27), seed=st.integers(0, 2**16))
def test_every_sampler_with_the_network_equals_the_table_as_model(data, joint, seed):
    sampler = data.draw(samplers_for(joint.n, names=WITH_MODEL))
    o, _ = net_for(joint, seed, data.draw(st.integers(0, 2)))
    got = m.evaluate(joint, sampler, model=o)
    want = m.evaluate(joint, sampler, model=m.TableOracle(joint))
    for key in KEYS:
        assert same(got.get(key), want.get(key)), (key, got.get(key), want.get(key))
    np.testing.assert_allclose(got.law.table, want.law.table, rtol=1e-9, atol=1e-12)
    assert got.model.startswith("torch:")


@pytest.mark.parametrize("name", WITH_MODEL)
def test_each_sampler_name_with_a_float32_network(name):
    """Every sampler name once, a float32 network (rows to float32 rounding), unequal alphabets,
    zeros, a prompt; against the table as the model."""
    J = m.Joint(np.array([[[0.1, 0.0], [0.2, 0.05], [0.0, 0.15]], [[0.05, 0.1], [0.0, 0.2], [0.1, 0.05]]]))
    o, _ = net_for(J, 3, 2, dtype=torch.float32)
    got = m.evaluate(J, m.make_sampler(name), model=o)
    want = m.evaluate(J, m.make_sampler(name), model=m.TableOracle(J))
    for key in KEYS:
        assert same(got.get(key), want.get(key), rtol=1e-5, atol=1e-6), (key, got.get(key), want.get(key))


def test_a_network_of_another_table_is_a_model():
    """The network of J2 driving samplers on the truth J: the table J2 as the model gives the same."""
    J = m.random_joint(3, 2, seed=4)
    J2 = m.random_joint(3, 2, seed=5)
    o, _ = net_for(J2, 1, 1, per_position=False)
    for name in ("entropy", "left_to_right", "random", "llada", "fast_dllm"):
        got = m.evaluate(J, name, model=o)
        want = m.evaluate(J, name, model=m.TableOracle(J2))
        for key in KEYS:
            assert same(got.get(key), want.get(key)), (name, key)


# -- estimates ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["entropy", "left_to_right", "random", "llada", "confidence", "fast_dllm", "punt", "punt_pairwise"])
def test_estimates_with_the_network_equal_those_with_the_table(name):
    """Same seed, same draws: the estimates with the network as the model equal those with the
    table (its rows are the table's to float64 rounding)."""
    J = m.random_joint(3, 3, seed=7)
    J2 = m.random_joint(3, 3, seed=8)
    o, _ = net_for(J2, 2, 1, per_position=False)
    got = m.estimate_sampler_divergences(J, name, samples=60, seed=3, model=o, batch_size=16)
    want = m.estimate_sampler_divergences(J, name, samples=60, seed=3, model=m.TableOracle(J2), batch_size=16)
    for key in ("kl", "reverse_kl", "tv", "expected_calls", "support"):
        a, b = getattr(got, key), getattr(want, key)
        assert (a is None) == (b is None)
        if b is not None:
            assert a.value == pytest.approx(b.value, rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("name", ["entropy", "margin"])
def test_estimate_intervals_cover_the_exact_numbers(name):
    """200 seeds: the 95% intervals of KL, reverse KL and TV with the network as the model cover
    the exact values (evaluate) inside the 99.9% binomial acceptance region."""
    from scipy import stats

    J = m.random_joint(3, 2, seed=11)
    J2 = m.random_joint(3, 2, seed=12)
    o, _ = net_for(J2, 5, 1, per_position=False)
    exact = m.evaluate(J, name, model=m.TableOracle(J2))
    seeds = 200
    covered = {"kl": 0, "reverse_kl": 0, "tv": 0}
    for s in range(seeds):
        e = m.estimate_sampler_divergences(J, name, samples=40, seed=s, model=o, batch_size=64)
        for key in covered:
            lo, hi = getattr(e, key).interval
            covered[key] += lo <= getattr(exact, key) <= hi
    lo, hi = stats.binom.ppf(0.0005, seeds, 0.95), stats.binom.isf(0.0005, seeds, 0.95)
    for key, c in covered.items():
        assert lo <= c <= hi, (key, c)


# -- bad inputs -------------------------------------------------------------------------------


class Fixed(torch.nn.Module):
    def __init__(self, V=5, fill=0.0, shape=None):
        super().__init__()
        self.V, self.fill, self.shape = V, fill, shape

    def forward(self, ids):
        shape = self.shape(ids) if self.shape else tuple(ids.shape) + (self.V,)
        return torch.full(shape, self.fill)


@pytest.mark.parametrize("kwargs, message", [
    (dict(mask_id=1, vocab=[0, 1], n=2), "mask_id 1 is in vocab"),
    (dict(mask_id=4, vocab=[0, 7], n=2), "vocab has token id 7"),
    (dict(mask_id=4, vocab=[0, 0], n=2), "twice"),
    (dict(mask_id=4, vocab=[], n=2), "at least one"),
    (dict(mask_id=4, vocab=[[0, 1]], n=2), "vocab lists 1 alphabets but n = 2"),
    (dict(mask_id=4, vocab=[0, 1], n=2, prompt=[9]), "prompt has token id 9"),
    (dict(mask_id=4, vocab=[0, 1], n=2, prompt=[-1]), "token id -1 out of range"),
    (dict(mask_id=9, vocab=[0, 1], n=2), "mask_id has token id 9"),
    (dict(mask_id=-1, n=2), "mask_id"),
    (dict(mask_id=4, vocab=[0, 1]), "needs n"),
    (dict(mask_id=4, vocab=[0, 1], n=0), "n (the length"),
    (dict(mask_id=4, vocab=[0.5, 1], n=2), "integer token ids"),
    (dict(mask_id=4, vocab=[0, 1], n=2, batch_size=0), "batch_size"),
    (dict(mask_id=4, vocab=[0, 1], n=2, device="tpu"), "device"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        TorchOracle(Fixed(), **kwargs)


def test_cuda_refused_without_a_gpu():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(InputError, match="no CUDA GPU"):
        TorchOracle(Fixed(), 4, vocab=[0, 1], n=2, device="cuda")


def test_bad_outputs():
    with pytest.raises(InputError, match=r"logits of shape \(1, 2\)"):
        TorchOracle(Fixed(shape=lambda ids: tuple(ids.shape)), 4, vocab=[0, 1], n=2)
    with pytest.raises(InputError, match=r"expected \(1, 3, V\)"):
        TorchOracle(Fixed(shape=lambda ids: (1, 2, 5)), 4, vocab=[0, 1], n=2, prompt=[3])
    with pytest.raises(InputError, match="must return logits"):
        TorchOracle(lambda ids: "nope", 4, vocab=[0, 1], n=2)
    with pytest.raises(InputError, match="raised ZeroDivisionError"):
        TorchOracle(lambda ids: 1 / 0, 4, vocab=[0, 1], n=2)
    with pytest.raises(InputError, match="module must be"):
        TorchOracle(3, 4, n=2)
    o = TorchOracle(Fixed(fill=float("nan")), 4, vocab=[0, 1], n=2)  # the probe does not read the rows
    with pytest.raises(InputError, match="NaN or \\+inf logit at masked position 0"):
        o.conditional_marginals(np.zeros(2, bool), np.full(2, -1))
    o = TorchOracle(Fixed(fill=float("-inf")), 4, vocab=[0, 1], n=2)
    with pytest.raises(InputError, match="every token of vocab logit -inf"):
        o.conditional_marginals(np.array([True, False]), np.array([1, -1]))
    o = TorchOracle(Fixed(fill=float("-inf")), 4, vocab=[0, 1], n=2)
    assert o.conditional_marginals(np.ones(2, bool), np.array([1, 0])).tolist() == [[0, 1], [1, 0]]  # nothing masked
    with pytest.raises(InputError, match="value 2"):
        o.conditional_marginals(np.ones(2, bool), np.array([2, 0]))
    with pytest.raises(InputError, match="revealed_masks"):
        o.conditional_marginals_batch(np.ones((2, 3), bool), np.zeros((2, 3), int))


def test_a_hugging_face_style_output_and_float_precision():
    class Out:
        def __init__(self, logits):
            self.logits = logits

    class HF(torch.nn.Module):
        def forward(self, ids):
            x = torch.zeros(tuple(ids.shape) + (4,), dtype=torch.bfloat16)
            x[..., 1] = 2.0
            return Out(x)

    o = TorchOracle(HF(), 3, vocab=[0, 1, 2], n=1)
    row = o.conditional_marginals(np.zeros(1, bool), np.full(1, -1))[0]
    e2 = np.exp(2.0)
    np.testing.assert_allclose(row, [1 / (2 + e2), e2 / (2 + e2), 1 / (2 + e2)], rtol=1e-15)
    assert row.dtype == np.float64


# -- loading: TorchScript, Hugging Face, the --model spec ------------------------------------


def test_torchscript_file_and_model_spec(tmp_path):
    J = m.random_joint(2, 2, seed=3)

    class Scriptable(torch.nn.Module):
        def forward(self, input_ids):
            x = (input_ids == 5).to(torch.float32)
            return torch.stack([x, 1 - x, 2 * x, torch.zeros_like(x), x, x], dim=-1)

    path = str(tmp_path / "m.pt")
    torch.jit.save(torch.jit.script(Scriptable()), path)
    mod = m.model_oracle(f"torch:{path},mask_id=5,vocab=1:2,batch_size=3", J)
    direct = TorchOracle(Scriptable(), 5, vocab=[1, 2], n=2)
    assert mod.batch_size == 3 and mod.q == (2, 2)
    mask, vals = np.array([False, True]), np.array([-1, 1])
    np.testing.assert_allclose(mod.conditional_marginals(mask, vals), direct.conditional_marginals(mask, vals))
    with pytest.raises(InputError, match="needs mask_id"):
        m.model_oracle(f"torch:{path}", J)
    with pytest.raises(InputError, match="alphabet sizes are \\[3, 3\\]"):
        m.model_oracle(f"torch:{path},mask_id=5,vocab=0:1:2", J)
    with pytest.raises(InputError, match="key=value"):
        m.model_oracle(f"torch:{path},colour=5", J)
    with pytest.raises(InputError, match="integer"):
        m.model_oracle(f"torch:{path},mask_id=x", J)
    with pytest.raises(InputError, match="no such folder or file"):
        m.model_oracle(f"torch:{tmp_path}/nothing.pt,mask_id=5", J)
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a model")
    with pytest.raises(InputError, match="not a TorchScript file"):
        m.model_oracle(f"torch:{bad},mask_id=5", J)


def test_hugging_face_round_trip(tmp_path, monkeypatch):
    transformers = pytest.importorskip("transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=16, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=37, max_position_embeddings=16)
    net = transformers.BertForMaskedLM(config)
    net.save_pretrained(tmp_path / "bert")
    vocab = [3, 5, 7]
    a = TorchOracle(net, 15, vocab=vocab, prompt=[1, 2], n=4)
    with pytest.raises(InputError, match="names no mask token"):
        TorchOracle.from_pretrained(tmp_path / "bert", vocab=vocab, n=4)
    b = TorchOracle.from_pretrained(tmp_path / "bert", mask_id=15, vocab=vocab, prompt=[1, 2], n=4)
    rng = np.random.default_rng(0)
    masks = rng.random((9, 4)) < 0.5
    vals = np.where(masks, rng.integers(0, 3, size=(9, 4)), -1)
    A, B = a.conditional_marginals_batch(masks, vals), b.conditional_marginals_batch(masks, vals)
    np.testing.assert_allclose(A, B, rtol=1e-6, atol=1e-9)
    assert np.allclose(A.sum(axis=2), 1.0) and not np.allclose(A[~masks], 1.0 / 3)
    # the mask token named in the config is the default
    net.config.mask_token_id = 15
    net.save_pretrained(tmp_path / "bert2")
    c = m.model_oracle(f"torch:{tmp_path / 'bert2'},vocab=3:5:7,prompt=1:2", m.random_joint(4, 3, seed=0))
    np.testing.assert_allclose(c.conditional_marginals_batch(masks, vals), A, rtol=1e-6, atol=1e-9)
    # a tokenizer saved in the folder names the mask token first
    words = tmp_path / "vocab.txt"
    words.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(11)]) + "\n")
    transformers.BertTokenizer(vocab_file=str(words)).save_pretrained(tmp_path / "bert2")
    d = TorchOracle.from_pretrained(tmp_path / "bert2", vocab=[3, 5, 7], n=4)
    assert d.mask_id == 4
    with pytest.raises(InputError, match="no config.json"):
        TorchOracle.from_pretrained(tmp_path, mask_id=15, n=4)
    with pytest.raises(InputError, match="dtype"):
        TorchOracle.from_pretrained(tmp_path / "bert", mask_id=15, n=4, dtype="float77")
    with pytest.raises(InputError, match="trust_remote_code"):
        TorchOracle.from_pretrained(tmp_path / "bert", mask_id=15, n=4, trust_remote_code="yes")
    e = TorchOracle.from_pretrained(tmp_path / "bert", mask_id=15, vocab=vocab, prompt=[1, 2], n=4, dtype="float64")
    np.testing.assert_allclose(e.conditional_marginals_batch(masks, vals), A, rtol=1e-5, atol=1e-7)


def test_importing_the_library_never_imports_torch():
    code = ("import sys, mdmtheory, mdmtheory.models, mdmtheory.oracles, mdmtheory.exact, mdmtheory.sampler_estimate; "
            "import mdmtheory.cli; assert 'torch' not in sys.modules, 'torch imported'; "
            "assert 'transformers' not in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ}, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_a_torch_spec_without_torch_is_refused_cleanly(tmp_path):
    """With torch hidden (a None entry in sys.modules), --model torch:... is one line, exit 2."""
    code = ("import sys; sys.modules['torch'] = None; from mdmtheory.cli import main; "
            "sys.exit(main(['evaluate', sys.argv[1], '--sampler', 'entropy', '--model', 'torch:x.pt,mask_id=1']))")
    path = tmp_path / "j.npy"
    np.save(path, m.random_joint(2, 2, seed=0).table)
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip() == "mdmtheory: error: a torch model needs PyTorch: pip install mdmtheory[torch]"


def test_the_exact_evaluation_batches_its_model_calls():
    """One batched call per propagation round of the exact evaluator (at most n + 2 rounds and
    the first context), not one forward pass per context."""
    J = m.random_joint(4, 3, seed=2)
    o, net = net_for(J, 4, 0, per_position=False)
    o.batch_size = 4096
    before = o.calls
    r = m.evaluate(J, m.make_sampler("entropy", steps=4), model=o)
    contexts = sum(s.shape[0] for s in net.seen[1:])
    assert r.states_visited > 20 and o.calls - before <= J.n + 3 < contexts


def test_junk_arguments_raise_input_error_only():
    from .conftest import junk_failures

    o = TorchOracle(Fixed(), 4, vocab=[0, 1], n=2)
    assert junk_failures(lambda a, b: TorchOracle(Fixed(), a, vocab=b, n=2)) == []
    assert junk_failures(lambda a, b: TorchOracle(Fixed(), 4, vocab=[0, 1], n=a, prompt=b)) == []
    assert junk_failures(lambda a, b: TorchOracle(Fixed(), 4, vocab=[0, 1], n=2, batch_size=a, device=b)) == []
    assert junk_failures(o.conditional_marginals) == []
    assert junk_failures(o.conditional_marginals_batch) == []
    law = m.ModelDecodingLaw(o)
    assert junk_failures(lambda a, b: m.ModelDecodingLaw(o, a, b)) == []
    assert junk_failures(lambda a, b: law.log_prob(a)) == []
    assert junk_failures(lambda a, b: law.sample(a, b)) == []
    assert junk_failures(lambda a, b: m.decoding_loss(o, "entropy", a, b)) == []
