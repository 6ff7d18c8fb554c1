"""The walk engine at scale (issue 11).

1. Walk throughput of every sampler (walks per second) at n = 256 and 1024 on grid:8x8 and
   cycle:16, today's ``sample_walks`` next to the same call on a pinned earlier commit
   (:mod:`benchmarks.baseline`, ``BASELINE_COMMIT``; same inputs, same seeds, whether the samples
   are identical is shown).
2. Unbiased KL / reverse KL / TV estimates with 95% intervals on grid:8x8 walks of length 256
   for the adaptive rules: seconds and half-widths of both KL estimators, next to the time of
   the plain simulation of the same sampler today and on the pinned commit in the same run
   (the estimate makes two runs: the rule's path replayed on chain samples, and its own runs).
"""

from __future__ import annotations

import time

from mdmtheory import make_sampler, random_walk, sample_walks, walk_divergences

from .baseline import BASELINE_COMMIT, Interpreter

SAMPLERS = [("entropy", {"steps": 32}), ("confidence", {"steps": 32}), ("threshold", {"tau": 0.9}),
            ("eb", {"gamma": 0.1})]

#: Every walk sampler, one position per call where the rule has a step count (``steps = n``).
THROUGHPUT = [("left_to_right", {"steps": None}), ("random", {"steps": None}), ("confidence", {"steps": None}),
              ("margin", {"steps": None}), ("entropy", {"steps": None}), ("threshold", {"tau": 0.9}),
              ("eb", {"gamma": 0.1}), ("punt_pairwise", {"delta": 0.01}), ("bisection", {}),
              ("llada", {"steps": None, "block_length": 32}), ("fast_dllm", {"block_length": 32, "threshold": 0.9}),
              ("dream", {"steps": None, "alg": "entropy"})]

#: Runs in a fresh interpreter on either tree (public API only): for the case ``ARGS = [spec, n,
#: name, params, walks, repeats]`` the best of ``repeats`` timed ``sample_walks`` calls (after a
#: warm-up call) and a digest of the samples.
TIMING = """
import hashlib, time
import numpy as np
from mdmtheory import make_sampler, random_walk, sample_walks
spec, n, name, params, walks, repeats = ARGS
chain = random_walk(spec, n)
sampler = make_sampler(name, **params)
sample_walks(chain, sampler, 1, seed=0)  # compile / warm
best = float("inf")
for _ in range(repeats):
    t0 = time.perf_counter()
    x, _ = sample_walks(chain, sampler, walks, seed=1)
    best = min(best, time.perf_counter() - t0)
result = [best, hashlib.sha256(np.ascontiguousarray(x, dtype=np.int64).tobytes()).hexdigest()]
"""


def _timings(cases: list) -> tuple[list, list]:
    """``(after, before)``: per case, the timing snippet on the working tree and on
    ``BASELINE_COMMIT`` (``None`` entries when that commit is unavailable), in two fresh
    interpreters called in turn case by case (after, before, before, after: a change of the
    machine's load hits both), each the best of its runs."""
    after = Interpreter.start(TIMING, commit=None)
    before = Interpreter.start(TIMING)
    out_a, out_b = [], []
    try:
        for case in cases:
            a1 = after(case)
            b = [before(case), before(case)] if before else []
            a2 = after(case)
            out_a.append([min(a1[0], a2[0]), a1[1]])
            out_b.append([min(r[0] for r in b), b[0][1]] if b else None)
    finally:
        after.close()
        if before:
            before.close()
    return out_a, out_b


def _throughput(quick: bool) -> str:
    budget = 0.05 if quick else 0.5
    cases = []
    for n in ((64,) if quick else (256, 1024)):
        for spec in ("grid:8x8", "cycle:16"):
            chain = random_walk(spec, n)
            for name, params in THROUGHPUT:
                params = {k: (n if v is None else v) for k, v in params.items()}
                sampler = make_sampler(name, **params)
                sample_walks(chain, sampler, 1, seed=0)  # compile / warm
                walks = 1
                while walks < 4096:  # as many walks as fill the budget today
                    t0 = time.perf_counter()
                    sample_walks(chain, sampler, walks, seed=1)
                    if time.perf_counter() - t0 >= budget:
                        break
                    walks *= 2
                cases.append([spec, n, name, params, walks, 2])
    after, before = _timings(cases)
    rows = []
    for (spec, n, name, params, walks, _), (t_new, d_new), old in zip(cases, after, before):
        if old is None:
            rows.append(f"| {spec} | {n} | {name} {params} | {walks} | - | {walks / t_new:,.1f} | - | - |")
            continue
        t_old, d_old = old
        rows.append(f"| {spec} | {n} | {name} {params} | {walks} | {walks / t_old:,.1f} | {walks / t_new:,.1f} | "
                    f"{t_old / t_new:.2f}x | {'yes' if d_old == d_new else 'no'} |")
    return (
        "### Walk throughput, before and after\n\n"
        "Walks per second of one `sample_walks` call (best of four, same seed; one fresh interpreter per tree, "
        f"the two called in turn case by case, after-before-before-after), the pinned commit `{BASELINE_COMMIT[:12]}` (`benchmarks/baseline.py`) next to today's. "
        "`steps = n` where the rule has a step count (one position per call).\n\n"
        "| graph | n | sampler | walks | before (walks/s) | after (walks/s) | speed-up | same samples |\n"
        "|---|---|---|---|---|---|---|---|\n"
        + "\n".join(rows) + "\n"
    )


def _estimates(quick: bool) -> str:
    samples = 200 if quick else 10_000
    chain = random_walk("grid:8x8", 256)
    walk_divergences(random_walk("cycle:4", 8), make_sampler("entropy", steps=2), samples=4)  # compile
    old_run = Interpreter.start(TIMING)
    rows = []
    for name, params in SAMPLERS:
        sampler = make_sampler(name, **params)
        sample_walks(chain, sampler, 1, seed=0)  # compile / warm
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

        t_old = old_run(["grid:8x8", 256, name, params, samples, 1])[0] if old_run else None
        old = (f"{t_old:.1f} s", f"{t_est / t_old:.2f}x") if t_old else ("-", "-")
        rows.append(f"| {name} {params} | {old[0]} | {t_sim:.1f} s | {t_est:.1f} s | {old[1]} | "
                    f"{t_est / t_sim:.2f}x | {pm('kl_stepwise')} | {pm('kl_log_ratio')} | {r['kl_estimator'].split(' (')[0]} | "
                    f"{pm('reverse_kl')} | {pm('tv')} |")
    if old_run:
        old_run.close()
    return (
        "### Divergence estimates with intervals\n\n"
        f"grid:8x8, length 256, {samples:,} samples per estimate (`walk_divergences`: the sampler's own runs for "
        "reverse KL and TV, the rule's path replayed on exact chain samples for both KL estimators; `kl` is the "
        "stepwise one). Goal: within 2x the time of the plain simulation (the estimate "
        "makes two runs, so 2x is the floor). The simulation before is `sample_walks` on the pinned commit "
        f"`{BASELINE_COMMIT[:12]}` in a fresh interpreter.\n\n"
        "| sampler | simulation, before | simulation | estimate | estimate / simulation before | "
        "estimate / simulation | KL stepwise (nats) ± 95% | KL log-ratio ± 95% | kl is | reverse KL ± 95% | TV ± 95% |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|\n"
        + "\n".join(rows) + "\n"
    )


def run(quick: bool = False) -> str:
    return "## Walk engine at scale\n\n" + _throughput(quick) + "\n" + _estimates(quick)
