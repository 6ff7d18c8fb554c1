"""The walk engine at scale (issue 11).

1. Walk throughput of every sampler (walks per second) at n = 256 and 1024 on grid:8x8 and
   cycle:16, today's kernel next to the kernel before incremental reveals
   (``benchmarks/_old_walk_kernel.py``, same inputs, same seeds; the samples are checked equal).
2. Unbiased KL / reverse KL / TV estimates with 95% intervals on grid:8x8 walks of length 256
   for the adaptive rules: seconds and half-widths of both KL estimators, next to the time of
   the plain simulation of the same sampler with today's and the old kernel in the same run
   (the estimate makes two runs: the rule's path replayed on chain samples, and its own runs).
"""

from __future__ import annotations

import time

import numpy as np

from mdmtheory import make_sampler, random_walk, sample_walks, walk_divergences
from mdmtheory.samplers import KEY_DECIMALS, TOL
from mdmtheory.walks import _kernel_params, settled_powers

SAMPLERS = [("entropy", {"steps": 32}), ("confidence", {"steps": 32}), ("threshold", {"tau": 0.9}),
            ("eb", {"gamma": 0.1})]

#: Every walk sampler, one position per call where the rule has a step count (``steps = n``).
THROUGHPUT = [("left_to_right", {"steps": None}), ("random", {"steps": None}), ("confidence", {"steps": None}),
              ("margin", {"steps": None}), ("entropy", {"steps": None}), ("threshold", {"tau": 0.9}),
              ("eb", {"gamma": 0.1}), ("punt_pairwise", {"delta": 0.01}), ("bisection", {}),
              ("llada", {"steps": None, "block_length": 32}), ("fast_dllm", {"block_length": 32, "threshold": 0.9}),
              ("dream", {"steps": None, "alg": "entropy"})]


def _kernel_run(kernel, chain, sampler, walks: int, seed: int, new: bool) -> tuple[float, np.ndarray]:
    n = chain.n
    code, ip, fp, sizes = _kernel_params(sampler, n)
    Pw, D, L, mu = settled_powers(chain.P, chain.start, n)
    xs = np.empty((walks, n), dtype=np.int64)
    calls = np.empty(walks, dtype=np.int64)
    lognu = np.empty(walks)
    forced = np.full((walks, 1), -1, dtype=np.int64)
    extra = (np.empty(walks), Pw, D, L, mu, False) if new else ()
    t0 = time.perf_counter()
    kernel(Pw, D, L, mu, n, code, ip, fp, sizes, TOL, 10.0**KEY_DECIMALS, walks, seed, xs, calls, forced, lognu, *extra)
    return time.perf_counter() - t0, xs


def _throughput(quick: bool) -> str:
    from mdmtheory._kernels.markov import simulate_walks as new_kernel

    from ._old_walk_kernel import simulate_walks as old_kernel

    budget = 0.05 if quick else 0.5
    rows = []
    for n in ((64,) if quick else (256, 1024)):
        for spec in ("grid:8x8", "cycle:16"):
            chain = random_walk(spec, n)
            for name, params in THROUGHPUT:
                params = {k: (n if v is None else v) for k, v in params.items()}
                sampler = make_sampler(name, **params)
                for kern, new in ((old_kernel, False), (new_kernel, True)):
                    _kernel_run(kern, chain, sampler, 1, 0, new)  # compile / warm
                walks = 1
                while _kernel_run(old_kernel, chain, sampler, walks, 1, False)[0] < budget and walks < 4096:
                    walks *= 2
                t_old, t_new = [], []
                for _ in range(2):
                    a, xa = _kernel_run(old_kernel, chain, sampler, walks, 1, False)
                    b, xb = _kernel_run(new_kernel, chain, sampler, walks, 1, True)
                    assert np.array_equal(xa, xb), (spec, n, name)  # the same samples, bit for bit
                    t_old.append(a)
                    t_new.append(b)
                rows.append(f"| {spec} | {n} | {name} {params} | {walks} | {walks / min(t_old):,.1f} | "
                            f"{walks / min(t_new):,.1f} | {min(t_old) / min(t_new):.2f}x |")
    return (
        "### Walk throughput, before and after incremental reveals\n\n"
        "Walks per second of one kernel call (best of two, same seed; samples checked identical), the kernel "
        "before incremental reveals (`benchmarks/_old_walk_kernel.py`, commit dbb50e6) next to today's. "
        "`steps = n` where the rule has a step count (one position per call).\n\n"
        "| graph | n | sampler | walks | before (walks/s) | after (walks/s) | speed-up |\n|---|---|---|---|---|---|---|\n"
        + "\n".join(rows) + "\n"
    )


def _estimates(quick: bool) -> str:
    from ._old_walk_kernel import simulate_walks as old_kernel

    samples = 200 if quick else 10_000
    chain = random_walk("grid:8x8", 256)
    walk_divergences(random_walk("cycle:4", 8), make_sampler("entropy", steps=2), samples=4)  # compile
    rows = []
    for name, params in SAMPLERS:
        sampler = make_sampler(name, **params)
        _kernel_run(old_kernel, chain, sampler, 1, 0, False)
        t_old = _kernel_run(old_kernel, chain, sampler, samples, 1, False)[0]
        t0 = time.perf_counter()
        sample_walks(chain, sampler, samples, seed=1)
        t_sim = time.perf_counter() - t0
        t0 = time.perf_counter()
        r = walk_divergences(chain, sampler, samples, seed=1)
        t_est = time.perf_counter() - t0

        def pm(key, r=r):
            if r[key] == float("inf"):
                return "inf"
            lo, hi = r[f"{key}_interval"]
            return f"{r[key]:.2f} ± {(hi - lo) / 2:.2f}"

        rows.append(f"| {name} {params} | {t_old:.1f} s | {t_sim:.1f} s | {t_est:.1f} s | {t_est / t_old:.2f}x | "
                    f"{t_est / t_sim:.2f}x | {pm('kl_stepwise')} | {pm('kl_log_ratio')} | {r['kl_estimator'].split(' (')[0]} | "
                    f"{pm('reverse_kl')} | {pm('tv')} |")
    return (
        "### Divergence estimates with intervals\n\n"
        f"grid:8x8, length 256, {samples:,} samples per estimate (`walk_divergences`: the sampler's own runs for "
        "reverse KL and TV, the rule's path replayed on exact chain samples for both KL estimators; `kl` is the "
        "stepwise one). Goal: within 2x the time of the plain simulation (the estimate "
        "makes two runs, so 2x is the floor with today's kernel).\n\n"
        "| sampler | simulation, old kernel | simulation | estimate | estimate / old simulation | "
        "estimate / simulation | KL stepwise (nats) ± 95% | KL log-ratio ± 95% | kl is | reverse KL ± 95% | TV ± 95% |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|\n"
        + "\n".join(rows) + "\n"
    )


def run(quick: bool = False) -> str:
    return "## Walk engine at scale\n\n" + _throughput(quick) + "\n" + _estimates(quick)
