"""TorchOracle (issue 19): one batched forward pass path, and a sampler's estimates with a
network as the model.  A stand-in network (a 2-layer transformer encoder, width 64, random
weights, 5 token ids, n = 32) answers; what is measured is the oracle's own cost around the
network: model calls (forward passes) per second and the share of time outside the network
(goal: under 20%)."""

from __future__ import annotations

import time

import numpy as np


def _net(torch, V: int = 5, d: int = 64, n: int = 32):
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(V, d)
            self.pos = torch.nn.Parameter(torch.randn(1, n, d) * 0.02)
            layer = torch.nn.TransformerEncoderLayer(d, 4, 2 * d, dropout=0.0, batch_first=True)
            self.enc = torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
            self.out = torch.nn.Linear(d, V)

        def forward(self, ids):
            return self.out(self.enc(self.emb(ids) + self.pos[:, : ids.shape[1]]))

    torch.manual_seed(0)
    return Net()


class _Timed:
    """The network, its forward time summed."""

    def __init__(self, net):
        self.net, self.seconds, self.calls = net, 0.0, 0

    def __call__(self, ids):
        t0 = time.perf_counter()
        out = self.net(ids)
        self.seconds += time.perf_counter() - t0
        self.calls += 1
        return out


def run(quick: bool = False) -> str:
    try:
        import torch
    except ImportError:
        return "## TorchOracle\n\ntorch is not installed (pip install mdmtheory[torch]): skipped.\n"
    import mdmtheory as m
    from mdmtheory.models import TorchOracle

    n, B = 32, 256
    net = _net(torch)
    net.eval()
    timed = _Timed(net)
    o = TorchOracle(timed, mask_id=4, vocab=[0, 1, 2, 3], n=n, batch_size=B)
    rng = np.random.default_rng(0)
    masks = rng.random((B, n)) < 0.5
    vals = np.where(masks, rng.integers(0, 4, size=(B, n)), -1)
    reps = 5 if quick else 40
    o.conditional_marginals_batch(masks, vals)  # warm-up
    timed.seconds = 0.0
    t0 = time.perf_counter()
    for _ in range(reps):
        o.conditional_marginals_batch(masks, vals)
    wall = time.perf_counter() - t0
    one = (f"One batched call ({B} assignments, n = {n}, q = 4): {wall / reps * 1e3:.1f} ms, of which the network "
           f"{timed.seconds / reps * 1e3:.1f} ms; {reps / wall:.0f} calls/s, {B * reps / wall:.0f} assignments/s; "
           f"share outside the network {100 * (1 - timed.seconds / wall):.1f}%.")
    samples = 200 if quick else 2000
    hmm = m.parse_hmm("block:2,2", n)  # q = 4
    # the kernels loaded (numba's cache) and scipy imported before timing: a first call's cost, not a step's
    m.estimate_sampler_divergences(hmm, m.make_sampler("llada", steps=8), samples=2, seed=0, model=o, batch_size=B)
    m.decoding_loss(o, m.make_sampler("entropy", steps=8), samples=2, seed=0)
    timed.seconds, timed.calls = 0.0, 0
    t0 = time.perf_counter()
    est = m.estimate_sampler_divergences(hmm, m.make_sampler("llada", steps=8), samples=samples, seed=0, model=o,
                                         batch_size=B)
    wall = time.perf_counter() - t0
    two = (f"llada (8 steps) on it against a block HMM (q = 4, n = {n}), {samples} samples with intervals: {wall:.1f} s, "
           f"{timed.calls} forward passes ({timed.calls / wall:.1f}/s); network {timed.seconds:.1f} s, share outside the "
           f"network {100 * (1 - timed.seconds / wall):.0f}% (the HMM truth's own calls and the rules' steps included); "
           f"reverse KL {est.reverse_kl.value:.3g} in [{est.reverse_kl.interval[0]:.3g}, {est.reverse_kl.interval[1]:.3g}].")
    law_t0 = time.perf_counter()
    timed.seconds, timed.calls = 0.0, 0
    d = m.decoding_loss(o, m.make_sampler("entropy", steps=8), samples=100 if quick else 500, seed=0)
    wall = time.perf_counter() - law_t0
    three = (f"entropy (8 steps) against the network's own left-to-right decoding, {d.samples} samples: {wall:.1f} s, "
             f"{timed.calls} forward passes; share outside the network {100 * (1 - timed.seconds / wall):.0f}%; "
             f"KL {d.kl.value:.3g} in [{d.kl.interval[0]:.3g}, {d.kl.interval[1]:.3g}].")
    return (f"## TorchOracle\n\ntorch {torch.__version__}, {torch.get_num_threads()} threads; a stand-in network "
            "(2-layer transformer, width 64, random weights).\n\n- " + "\n- ".join([one, two, three]) + "\n")
