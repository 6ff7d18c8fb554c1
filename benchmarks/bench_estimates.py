"""Sampler divergence estimates beyond enumeration (issue 11, `estimate_sampler_divergences`):
a binary table at n = 20 with 10,000 samples (goal: under a minute per deterministic rule), and
samplers on a block HMM at n = 1000 (h = q = 32)."""

from __future__ import annotations

import time

import numpy as np

from mdmtheory import Joint, block_hmm, estimate_sampler_divergences, make_sampler, parity

TABLE_SAMPLERS = [("entropy", {"steps": 4}), ("confidence", {"steps": 4}), ("left_to_right", {"steps": 4}),
                  ("eb", {"gamma": 0.1}), ("threshold", {"tau": 0.9})]
HMM_SAMPLERS = [("entropy", {"steps": 32}, 200), ("confidence", {"steps": 32}, 200), ("left_to_right", {"steps": 32}, 200),
                ("bisection", {}, 200), ("random", {"steps": 32}, 200), ("eb", {"gamma": 0.1}, 20),
                ("threshold", {"tau": 0.9}, 20)]


def _pm(e, digits=4) -> str:
    if e is None:
        return "not estimated"
    if not np.isfinite(e.value):
        return "inf"
    return f"{e.value:.{digits}f} ± {(e.interval[1] - e.interval[0]) / 2:.{digits}f}"


def _row(label, name, params, r, secs) -> str:
    return (f"| {label} | {name} {params} | {r.samples} | {secs:.1f} | {_pm(r.kl)} | {r.kl.estimator.split()[0] if r.kl else '-'} "
            f"| {_pm(r.kl_log_ratio)} | {_pm(r.reverse_kl)} | {_pm(r.tv)} | {_pm(r.expected_calls, 2)} |")


def run(quick: bool = False) -> str:
    estimate_sampler_divergences(parity(3), "entropy", samples=2)  # compile the kernels
    samples = 500 if quick else 10_000
    rng = np.random.default_rng(0)
    joint = Joint(rng.dirichlet(np.full(2**20, 0.5)).reshape((2,) * 20))
    rows = []
    for name, params in TABLE_SAMPLERS:
        t0 = time.perf_counter()
        r = estimate_sampler_divergences(joint, make_sampler(name, **params), samples=samples, seed=1)
        rows.append(_row("binary n = 20, Dirichlet(0.5)", name, params, r, time.perf_counter() - t0))
    hmm = block_hmm(8, 4, 100 if quick else 1000)
    for name, params, m in HMM_SAMPLERS:
        t0 = time.perf_counter()
        r = estimate_sampler_divergences(hmm, make_sampler(name, **params), samples=max(2, m // 10 if quick else m), seed=1)
        rows.append(_row(f"block HMM 8x4, n = {hmm.n}", name, params, r, time.perf_counter() - t0))
    return (
        "## Sampler divergence estimates (tables and HMMs)\n\n"
        "`estimate_sampler_divergences`: `kl` is the stepwise estimator (exact conditional TC of every visited step, "
        "averaged over x ~ mu) where each step's TC is exact and affordable, else the log-ratio one (both shown); "
        "reverse KL and TV from the sampler's own runs; `random` gives E_S KL(mu || nu_S) only. Goal for the table: "
        "10,000 samples under a minute per deterministic rule. The HMM oracle call itself is in the hmm section "
        "(0.56 ms at n = 1000, h = q = 32); one-position-a-step rules (`eb`, `threshold` here) make n calls a run.\n\n"
        "| model | sampler | samples | seconds | KL ± 95% (nats) | kl estimator | log-ratio KL ± 95% | reverse KL ± 95% "
        "| TV ± 95% | model calls ± 95% |\n|---|---|---|---|---|---|---|---|---|---|\n"
        + "\n".join(rows) + "\n\n"
        "On the block HMM, `entropy`, `confidence` and `left_to_right` choose the same sets: the start is "
        "uniform (all marginals tie, the lowest positions win), and afterwards the most certain masked positions "
        "are the ones next to the revealed prefix. On the binary table `confidence` and `entropy` rank alike "
        "(both are monotone in max p for q = 2).\n"
    )
