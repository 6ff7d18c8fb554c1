"""Hidden Markov models: oracle speed, curve estimates at scale, bisection on order-m chains.

* ``oracle``: one call of :meth:`mdmtheory.hmm.HMM.conditionals` (all conditionals given a
  random half revealed) at ``n = 1000`` with 32 hidden states and 32 tokens (goal: a few
  milliseconds), against a plain numpy scaled forward-backward in the same run (agreement
  checked).
* ``curve``: :func:`mdmtheory.oracle_estimates.estimate_information_curve` at ``n = 1000`` (time and 95%
  half-widths at a grid of ``j``).
* ``batch``: per-assignment time of single HMM calls against the batched call
  (:class:`mdmtheory.hmm.HMMBatchCursor`, ``B = 256`` runs stepping together) at ``n = 1000``,
  ``h = q = 32`` (goal: 5x), and the time of ``mdmtheory walk --hmm block:8,4 --length 1000
  --sampler entropy --param steps=100 --samples 500 --seed 1`` against the same command at the
  pinned commit :data:`BEFORE` (goal: 4x; the column is dropped where git cannot give it).
* ``bisection``: exact KL (dense law, ``n = 8``) of plain bisection, block bisection with blocks
  revealed together, and the sequential block bisection, on a random order-2 chain; and of plain
  bisection on noisy walks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from mdmtheory import bisection_partition, fixed_order_kl
from mdmtheory.bisection import block_bisection_partition
from mdmtheory.hmm import HMM
from mdmtheory.hmm_families import block_hmm, noisy_walk, order_m_chain
from mdmtheory.oracle_estimates import (
    estimate_dual_total_correlation,
    estimate_fixed_order_divergences,
    estimate_information_curve,
    estimate_random_order_kl,
    estimate_total_correlation,
)


def _random_hmm(h: int, q: int, n: int, seed: int) -> HMM:
    rng = np.random.default_rng(seed)
    A = rng.gamma(0.3, size=(h, h)) + 1e-3
    B = rng.gamma(0.3, size=(h, q)) + 1e-3
    return HMM(A / A.sum(1, keepdims=True), B / B.sum(1, keepdims=True), "uniform", n)


def _numpy_fb(A, B, start, vals):
    """Plain numpy scaled forward-backward: ``(n, q)`` conditionals, point masses at revealed rows."""
    n, h = vals.size, A.shape[0]
    ev = np.where(vals[:, None] >= 0, B[:, np.maximum(vals, 0)].T, 1.0)  # (n, h)
    f = np.empty((n, h))
    a = start * ev[0]
    f[0] = a / a.sum()
    for t in range(1, n):
        a = (f[t - 1] @ A) * ev[t]
        f[t] = a / a.sum()
    out = np.empty((n, B.shape[1]))
    b = np.ones(h)
    for t in range(n - 1, -1, -1):
        if t < n - 1:
            b = A @ (ev[t + 1] * b)
            b /= b.sum()
        g = f[t] * b
        out[t] = (g / g.sum()) @ B
    rev = vals >= 0
    out[rev] = np.eye(B.shape[1])[vals[rev]]
    return out


def _best(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _oracle_rows(quick: bool) -> list[str]:
    rows = ["| model | n | h | q | numba call (ms, median) | numpy call (ms, median) | speed-up | max abs diff |",
            "|---|---|---|---|---|---|---|---|"]
    for h, q in ((32, 32), (8, 8)):
        n = 1000
        hmm = _random_hmm(h, q, n, seed=h)
        x = hmm.sample(np.random.default_rng(1), 1)[0]
        vals = np.where(np.random.default_rng(2).random(n) < 0.5, x, -1)
        hmm.conditionals(vals)  # compile / load the cached kernel
        reps = 5 if quick else 50
        t_nb = _best(lambda: hmm.conditionals(vals), reps)
        t_np = _best(lambda: _numpy_fb(hmm.transition, hmm.emission, hmm.start, vals), max(2, reps // 10))
        diff = float(np.max(np.abs(hmm.conditionals(vals) - _numpy_fb(hmm.transition, hmm.emission, hmm.start, vals))))
        rows.append(f"| random HMM, half revealed | {n} | {h} | {q} | {1e3 * t_nb:.2f} | {1e3 * t_np:.2f} | "
                    f"{t_np / t_nb:.0f}x | {diff:.1e} |")
    return rows


#: The commit the walk command's "before" column runs (the last one before the batched oracles).
BEFORE = "eb1f51d"

WALK = ["walk", "--hmm", "block:8,4", "--length", "1000", "--sampler", "entropy", "--param", "steps=100",
        "--seed", "1", "--json"]


def _steps(n: int, B: int, per: int, order: str, seed: int):
    """The masks of ``B`` runs revealing ``per`` positions a step, left to right or in a random
    order per run (all masked first)."""
    rng = np.random.default_rng(seed)
    perms = [np.arange(n) if order == "left to right" else rng.permutation(n) for _ in range(B)]
    masks = np.zeros((B, n), dtype=bool)
    out = []
    for a in range(0, n, per):
        out.append(masks.copy())
        for b in range(B):
            masks[b, perms[b][a:a + per]] = True
    return out


def _batch_rows(quick: bool) -> list[str]:
    n, B, per = 1000, 256, 10
    rows = ["| model (n = 1000, h = q = 32) | reveal order, 10 a step | single call (ms / assignment) | "
            "batched, B = 256 (ms / assignment) | speed-up |", "|---|---|---|---|---|"]
    for name, hmm in (("block HMM 8x4", block_hmm(8, 4, n)), ("random HMM", _random_hmm(32, 32, n, seed=32))):
        x = hmm.sample(np.random.default_rng(1), B)
        for order in ("left to right", "random"):
            steps = _steps(n, B, per, order, seed=2)
            if quick:
                steps = steps[:10]
            hmm.batch_cursor(1).conditional_marginals_batch(np.zeros((1, n), bool), np.full((1, n), -1))  # compile
            hmm.conditional_marginals(steps[0][0], x[0])
            probe = steps[:: max(1, len(steps) // 10)]
            t0 = time.perf_counter()
            k = 0
            for masks in probe:
                for b in range(0, B, 8):
                    hmm.conditional_marginals(masks[b], x[b])
                    k += 1
            single = (time.perf_counter() - t0) / k
            cur = hmm.batch_cursor(B)
            t0 = time.perf_counter()
            for masks in steps:
                cur.conditional_marginals_batch(masks, x)
            batched = (time.perf_counter() - t0) / (len(steps) * B)
            rows.append(f"| {name} | {order} | {1e3 * single:.3f} | {1e3 * batched:.3f} | {single / batched:.1f}x |")
    return rows


def _run_walk(pythonpath: str | None, samples: int) -> float:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    cmd = [sys.executable, "-m", "mdmtheory"] + WALK + ["--samples", str(samples)]
    cwd = tempfile.gettempdir()  # not the checkout: ``-m`` puts the working directory first on the path
    subprocess.run(cmd[:-2] + ["--samples", "2"], env=env, cwd=cwd, check=True, capture_output=True)  # compile
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - t0


def _walk_rows(quick: bool) -> list[str]:
    samples = 50 if quick else 500
    cmd = "mdmtheory " + " ".join(WALK[:-1]) + f" --samples {samples}"
    after = _run_walk(None, samples)
    before = None
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        try:
            tar = subprocess.run(["git", "-C", root, "archive", BEFORE, "mdmtheory"], check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=tar, check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError):
            tmp = None
        if tmp is not None:
            before = _run_walk(tmp, samples)
    if before is None:
        return [f"`{cmd}`: **{after:.1f} s** (commit {BEFORE} not available: no before column)"]
    return ["| command | before (" + BEFORE + ", s) | now (s) | speed-up |", "|---|---|---|---|",
            f"| `{cmd}` | {before:.1f} | {after:.1f} | {before / after:.1f}x |"]


def _curve_rows(quick: bool) -> list[str]:
    n, samples = 1000, (10 if quick else 100)
    js = [1, 2, 5, 10, 50, 100, 250, 500, 750, 1000]
    rows = []
    models = (("block HMM, 8 blocks of 4 (h = q = 32)", block_hmm(8, 4, n)),
              ("noisy walk grid:8x8, eps = 0.1", noisy_walk("grid:8x8", 0.1, n)))
    estimate_information_curve(models[0][1], samples=2, seed=0, js=[2])  # imports (scipy.stats) not timed
    for name, model in models:
        t0 = time.perf_counter()
        est = estimate_information_curve(model, samples=samples, seed=0, js=js)
        dt = time.perf_counter() - t0
        rows += [f"{name}, n = {n}, {samples} samples x {len(js)} values of j = {samples * len(js)} oracle calls: "
                 f"**{dt:.1f} s**", "",
                 "| j | " + " | ".join(str(j) for j in js) + " |", "|---" * (len(js) + 1) + "|",
                 "| Z_j (nats) | " + " | ".join(f"{v:.4f}" for v in est.estimate) + " |",
                 "| 95% half-width | " + " | ".join(f"{(u - v):.4f}" for u, v in zip(est.upper, est.estimate)) + " |", ""]
        t0 = time.perf_counter()
        tc = estimate_total_correlation(model, samples=10 * samples, seed=1)
        dtc = estimate_dual_total_correlation(model, samples=samples, seed=2)
        dt = time.perf_counter() - t0
        w = lambda e: (e.interval[1] - e.interval[0]) / 2  # noqa: E731
        rows += [f"TC = {tc.value:.3f} ± {w(tc):.3f} ({10 * samples} draws), DTC = {dtc.value:.3f} ± {w(dtc):.3f} "
                 f"({samples} draws), {dt:.1f} s; check `(TC + DTC) / n` = {(tc.value + dtc.value) / n:.4f} "
                 f"against `Z_n` = {est.estimate[-1]:.4f} ± {est.upper[-1] - est.estimate[-1]:.4f}.", ""]
    return rows


def _kl_rows(quick: bool) -> list[str]:
    n, samples = 1000, (20 if quick else 200)
    rows = ["| model (n = 1000) | sampler | estimator | samples | seconds | KL (nats) ± 95% | reverse KL ± 95% | TV ± 95% |",
            "|---|---|---|---|---|---|---|---|"]
    fmt = lambda v, iv: "inf" if np.isinf(v) else f"{v:.4f} ± {(iv[1] - iv[0]) / 2:.4f}"  # noqa: E731
    for name, model in (("block HMM 8x4", block_hmm(8, 4, n)), ("noisy walk grid:8x8, eps = 0.1", noisy_walk("grid:8x8", 0.1, n))):
        sets = bisection_partition(n)
        t0 = time.perf_counter()
        d = estimate_fixed_order_divergences(model, sets, samples=samples, seed=0)
        dt = time.perf_counter() - t0
        rows.append(f"| {name} | bisection ({len(sets)} rounds) | fixed-order log-ratio | {samples} | {dt:.1f} | "
                    f"{fmt(d.kl, d.kl_interval)} | {fmt(d.reverse_kl, d.reverse_kl_interval)} | {fmt(d.tv, d.tv_interval)} |")
        t0 = time.perf_counter()
        e = estimate_random_order_kl(model, [n // 32] * 32 if n % 32 == 0 else [n // 32] * 31 + [n - 31 * (n // 32)],
                                     samples=samples, seed=0)
        dt = time.perf_counter() - t0
        rows.append(f"| {name} | random order, 32 steps | E_S KL log-ratio | {samples} | {dt:.1f} | "
                    f"{fmt(e.value, e.interval)} | not estimated (needs the mixture law) | not estimated |")
    return rows


def _bisection_rows() -> list[str]:
    n = 8
    rng = np.random.default_rng(208)
    P = rng.gamma(1.0, size=(2, 2, 2)) + 0.05
    P /= P.sum(axis=-1, keepdims=True)
    joint = order_m_chain(P, n, "stationary").joint()
    rows = ["| law (n = 8) | partition | rounds | exact KL (nats) |", "|---|---|---|---|"]
    for label, sets in (("plain bisection", bisection_partition(n)),
                        ("blocks of 2 together", block_bisection_partition(n, 2, together=True)),
                        ("blocks of 2, one position per round", block_bisection_partition(n, 2))):
        rows.append(f"| random order-2 chain, q = 2 | {label} | {len(sets)} | {fixed_order_kl(joint, sets):.3e} |")
    for eps in (0.0, 0.05, 0.2):
        j = noisy_walk("cycle:4", eps, n).joint()
        rows.append(f"| noisy walk cycle:4, eps = {eps} | plain bisection | {len(bisection_partition(n))} | "
                    f"{fixed_order_kl(j, bisection_partition(n)):.3e} |")
    return rows


def run(quick: bool = False) -> str:
    parts = ["## Hidden Markov models", "",
             "One oracle call (`HMM.conditionals`, every conditional given a random half revealed), "
             "numba kernel against plain numpy forward-backward:", ""]
    parts += _oracle_rows(quick)
    parts += ["", "Batched oracle calls: single `HMM.conditional_marginals` calls against one "
              "`HMMBatchCursor.conditional_marginals_batch` call a step for 256 runs (messages kept between steps), "
              "per assignment; goal 5x:", ""]
    parts += _batch_rows(quick)
    parts += ["", "The walk command on an HMM (runs in lockstep, batched calls), against the pinned commit; goal 4x:", ""]
    parts += _walk_rows(quick)
    parts += ["", "Information-curve estimate (`estimate_information_curve`, exact conditional entropies, "
              "Student-t 95% intervals):", ""]
    parts += _curve_rows(quick)
    parts += ["Sampler divergences at scale (`estimate_fixed_order_divergences`, `estimate_random_order_kl`):", ""]
    parts += _kl_rows(quick)
    parts += ["", "Bisection on order-m chains and noisy walks (exact KL through the dense law):", ""]
    parts += _bisection_rows()
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(run(quick=True))
