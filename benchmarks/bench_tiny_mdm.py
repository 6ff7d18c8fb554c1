"""The tiny MDM as the oracle (issue 19): ``n = 32`` block HMM truth, the shipped network
``torch:tiny`` as the model, 2,000 samples with intervals.

* ``llada`` (8 steps, temperature 1, the frontier's reading): the sampler's own runs (its KL is
  not estimable per sample; expected calls and ``nu(mu > 0)`` with intervals);
* ``llada`` (8 steps, temperature 0, the published default): every run is the same sequence;
  the forward replays on exact draws of the HMM stop at the first mismatch;
* ``confidence`` (8 steps): the stepwise KL with its split into marginal and dependence error.

Reported: wall time (goal: under 60 s on two cores for llada), forward passes and model
assignments per second, and the share of the time outside the network's forward passes
(goal: under 20%), measured by timing every forward call.  One torch thread.
"""

from __future__ import annotations

import time

import torch

import mdmtheory as m
from mdmtheory.models import model_oracle

CASES = (("llada", {"steps": 8, "temperature": 1.0}), ("llada", {"steps": 8}), ("confidence", {"steps": 8}))


class _Timed(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net, self.seconds = net, 0.0

    def forward(self, ids):
        t = time.perf_counter()
        out = self.net(ids)
        self.seconds += time.perf_counter() - t
        return out


def run(quick: bool = False) -> str:
    torch.set_num_threads(1)
    samples = 200 if quick else 2000
    truth = m.parse_hmm("block:2,2,0.8,0.1", 32)
    rows = ["| sampler | params | samples | wall s | forward passes | assignments/s | outside the network | kl [95%] | marginal | dependence | calls [95%] |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    m.estimate_sampler_divergences(truth, "confidence", samples=2, seed=0)  # numba kernels compiled before timing
    for name, prm in CASES:
        model = model_oracle("torch:tiny", truth)
        timed = _Timed(model.module)
        model.module = timed
        calls0, assign0 = model.calls, model.assignments
        t0 = time.perf_counter()
        est = m.estimate_sampler_divergences(truth, m.make_sampler(name, **prm), samples=samples, seed=0, model=model)
        wall = time.perf_counter() - t0
        d = est.to_dict()

        def iv(k):
            if d.get(k) is None:
                return "-"
            lo, hi = d[f"{k}_interval"]
            return f"{d[k]:.4g} [{lo:.4g}, {hi:.4g}]" if isinstance(d[k], float) else str(d[k])

        rows.append(f"| {name} | {prm} | {samples} | {wall:.1f} | {model.calls - calls0} | "
                    f"{(model.assignments - assign0) / wall:.0f} | {100 * (1 - timed.seconds / wall):.0f}% | {iv('kl')} | "
                    f"{iv('marginal_error')} | {iv('dependence_error')} | {iv('expected_calls')} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(run())
