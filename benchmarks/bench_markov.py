"""Markov chains and walks at scale: the exact information curve, and sampler simulation throughput.

* ``curve``: :meth:`MarkovChain.summary` (``Hbar``, ``Z``, TC, DTC, exact, no enumeration) at
  ``n = 10^4`` and ``10^5`` for a stationary and a point start (targets 1 s and 10 s).
* ``simulation``: :func:`mdmtheory.walks.sample_walks` (numba, exact bridge oracle) for walks of
  length 256 on a 64-vertex graph (``grid:8x8``, stationary start), every sampler, in walks x
  positions per second; 10000 walks, or as many as fit a 60 s budget per sampler (estimated from
  a pilot run and marked).  Baseline in the same run, for the schedule samplers (``random``,
  ``left_to_right``, ``confidence``, ``margin``, ``entropy``): the benchmark's own plain numpy
  implementation, batched scaled forward-backward over all walks at every model call
  (:func:`_numpy_forward_backward`) with vectorised ranking; none for the other rules.  The
  previous figure of each sampler (before the engines shared one rule layer) is shown next to it.
"""

from __future__ import annotations

import time

import numpy as np

from mdmtheory.markov import random_walk
from mdmtheory.samplers import make_sampler
from mdmtheory.walks import sample_walks

SAMPLERS = [
    ("random", {"steps": 32}), ("left_to_right", {"steps": 32}), ("confidence", {"steps": 32}),
    ("margin", {"steps": 32}), ("entropy", {"steps": 32}), ("threshold", {"tau": 0.9}),
    ("eb", {"gamma": 0.5}), ("punt_pairwise", {"delta": 0.01}), ("bisection", {}),
    ("llada", {"steps": 32, "block_length": 32, "temperature": 1.0}), ("fast_dllm", {"block_length": 32, "temperature": 1.0}),
    ("dream", {"steps": 32, "alg": "maskgit_plus", "temperature": 1.0}),
]
#: Throughput (walks x positions per second) written to RESULTS.md on 2026-11-23, before the
#: rules were shared by the engines (issue 10): no sampler may fall below its figure.
PREVIOUS = {"random": 3.47e6, "left_to_right": 4.14e6, "confidence": 4.3e5, "margin": 3.6e5, "entropy": 1e5,
            "threshold": 3.29e4, "eb": 1.31e4, "punt_pairwise": 1.78e3, "bisection": 2.65e6}
_NUMPY_SCHEDULE = ("random", "left_to_right", "confidence", "margin", "entropy")
BUDGET = 60.0  # seconds per sampler for the numba engine


def _numpy_forward_backward(P: np.ndarray, start: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """The benchmark's baseline oracle: plain numpy scaled forward-backward for a batch, ``vals``
    ``(W, n)`` -> ``(W, n, q)`` conditionals (rows of revealed positions 0; uniform rows on an
    impossible context)."""
    W, n = vals.shape
    q = P.shape[0]
    ev = np.ones((W, n, q))
    rev = vals >= 0
    ev[rev] = 0.0
    w_idx, i_idx = np.nonzero(rev)
    ev[w_idx, i_idx, vals[rev]] = 1.0
    f = np.empty((W, n, q))
    bad = np.zeros(W, dtype=bool)
    a = np.broadcast_to(start, (W, q))
    for i in range(n):
        if i > 0:
            a = f[:, i - 1] @ P
        a = a * ev[:, i]
        tot = a.sum(axis=1, keepdims=True)
        bad |= tot[:, 0] <= 0
        f[:, i] = a / np.where(tot > 0, tot, 1.0)
    b = np.ones((W, q))
    out = np.empty((W, n, q))
    for i in range(n - 1, -1, -1):
        g = f[:, i] * b
        tot = g.sum(axis=1, keepdims=True)
        out[:, i] = g / np.where(tot > 0, tot, 1.0)
        b = (b * ev[:, i]) @ P.T
        top = b.max(axis=1, keepdims=True)
        b = b / np.where(top > 0, top, 1.0)
    out[bad] = 1.0 / q
    out[rev] = 0.0
    return out


def _numpy_schedule_run(chain, sampler, walks: int, seed: int) -> np.ndarray:
    """Plain numpy: batched forward-backward at each call, ranking keys, top-s per walk."""
    from scipy.special import entr

    rng = np.random.default_rng(seed)
    n, q = chain.n, chain.q
    vals = np.full((walks, n), -1, dtype=np.int64)
    rows = np.arange(walks)[:, None]
    for s in sampler.sizes(n):
        M = _numpy_forward_backward(chain.P, chain.start, vals)
        masked = vals < 0
        if sampler.name == "random":
            key = rng.random((walks, n))
        elif sampler.name == "left_to_right":
            key = np.broadcast_to(np.arange(n, dtype=float), (walks, n)).copy()
        elif sampler.name == "confidence":
            key = -M.max(axis=2)
        elif sampler.name == "margin":
            srt = np.sort(M, axis=2)
            key = -(srt[:, :, -1] - srt[:, :, -2])
        else:
            key = entr(M).sum(axis=2)
        key = np.where(masked, np.rint(key * 1e12), np.inf)
        sel = np.argsort(key, axis=1, kind="stable")[:, :s]
        p = M[rows, sel]
        u = rng.random((walks, s, 1))
        vals[rows, sel] = np.minimum((np.cumsum(p, axis=2) < u).sum(axis=2), q - 1)
    return vals


def _curve_rows(quick: bool) -> list[str]:
    rows = ["| graph | start | n | seconds | Z_n (nats) | TC (nats) | target |", "|---|---|---|---|---|---|---|"]
    ns = (1000, 10000) if quick else (10000, 100000)
    for spec in ("grid:8x8", "cycle:64"):
        for start in ("stationary", "vertex:0"):
            for n in ns:
                chain = random_walk(spec, n, start=start)
                t0 = time.perf_counter()
                s = chain.summary()
                dt = time.perf_counter() - t0
                target = 1.0 if n <= 10000 else 10.0
                rows.append(f"| {spec} | {start} | {n} | {dt:.3f} | {s['information_curve'][-1]:.6f} | "
                            f"{s['total_correlation']:.3f} | {'<=' if dt <= target else 'MISSED'} {target:g} s |")
    return rows


def _simulation_rows(quick: bool) -> list[str]:
    n, walks, pilot, np_walks = (64, 200, 20, 20) if quick else (256, 10000, 100, 100)
    chain = random_walk("grid:8x8", n)
    rows = [
        f"Walks of length {n} on grid:8x8 (q = 64), stationary start; throughput in walks x positions per second.",
        "",
        "| sampler | params | walks run | seconds | throughput (numba) | previous figure | mean calls | validity | numpy walks | numpy throughput | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    sample_walks(chain, make_sampler("bisection"), 2, seed=0)  # load the compiled kernel
    for name, prm in SAMPLERS:
        s = make_sampler(name, **prm)
        t0 = time.perf_counter()
        sample_walks(chain, s, pilot, seed=1)
        per_walk = (time.perf_counter() - t0) / pilot
        run = int(min(walks, max(pilot, BUDGET / max(per_walk, 1e-9))))
        t0 = time.perf_counter()
        x, calls = sample_walks(chain, s, run, seed=2)
        dt = time.perf_counter() - t0
        thr = run * n / dt
        valid = float(chain.is_valid(x).mean())
        prev = f"{PREVIOUS[name]:.3g}" if name in PREVIOUS else "new"
        mark = "" if run == walks else " (budget)"
        if name not in _NUMPY_SCHEDULE:
            rows.append(f"| {name} | {prm} | {run}{mark} | {dt:.2f} | {thr:.3g} | {prev} | {calls.mean():.1f} | "
                        f"{valid:.3f} | - | - | - |")
            continue
        nw = np_walks
        t0 = time.perf_counter()
        _numpy_schedule_run(chain, s, nw, seed=3)
        ndt = time.perf_counter() - t0
        nthr = nw * n / ndt
        rows.append(f"| {name} | {prm} | {run}{mark} | {dt:.2f} | {thr:.3g} | {prev} | {calls.mean():.1f} | {valid:.3f} | "
                    f"{nw} | {nthr:.3g} | {thr / nthr:.0f}x |")
    return rows


def run(quick: bool = False) -> str:
    parts = ["## Markov chains and walks", "", "Exact information curve (`MarkovChain.summary`):", ""]
    parts += _curve_rows(quick)
    parts += ["", "Sampler simulation (`mdmtheory.walks.sample_walks`) against plain numpy forward-backward:", ""]
    parts += _simulation_rows(quick)
    return "\n".join(parts) + "\n"
