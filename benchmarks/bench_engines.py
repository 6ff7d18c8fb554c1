"""Every engine before and after the one-step redesign (issue 17), in one run.

The same public-API snippet runs on the pinned earlier commit (:mod:`benchmarks.baseline`,
``BASELINE_COMMIT``) and on the working tree, each in its own warm interpreter, the two called in
turn case by case (after, before, before, after: a change of the machine's load hits both
columns); each cell is the best of the two calls.  The numbers each tree computes are compared
too (``same numbers``: equal to 1e-9 relative), so a speed-up is never bought with a different
answer.  The walk kernel's sampler-by-sampler throughput is in the ``walk_estimates`` section
and the HMM oracle and ``walk --hmm`` in the ``hmm`` section.
"""

from __future__ import annotations

import math

from .baseline import BASELINE_COMMIT, Interpreter

#: One case: (engine, what, call) with ``call`` the Python expression timed (``m`` is mdmtheory).
CASES = [
    ("exact evaluator", "evaluate(ising_chain(16), entropy, steps = 4)",
     "m.evaluate(m.ising_chain(16, J=0.8, h=0.1), m.make_sampler('entropy', steps=4))['kl']"),
    ("exact evaluator", "evaluate(ising_chain(16), eb, gamma = 0.1)",
     "m.evaluate(m.ising_chain(16, J=0.8, h=0.1), m.make_sampler('eb', gamma=0.1))['kl']"),
    ("exact evaluator", "evaluate(random_joint(10, q=3), threshold, tau = 0.7)",
     "m.evaluate(m.random_joint(10, 3, alpha=0.5, seed=1), m.make_sampler('threshold', tau=0.7))['kl']"),
    ("exact evaluator", "evaluate(random_joint(8, q=3), llada, T = 1, steps = 4)",
     "m.evaluate(m.random_joint(8, 3, alpha=0.5, seed=1), m.make_sampler('llada', steps=4, temperature=1.0))['kl']"),
    ("exact evaluator", "evaluate(random_joint(10, q=2), punt, eps = 0.05, rounds = independent)",
     "m.evaluate(m.random_joint(10, 2, alpha=0.5, seed=1), m.make_sampler('punt', eps=0.05, "
     "**({'rounds': 'independent'} if 'rounds' in [p.name for p in m.RULES['punt'].params] else {})))['kl']"),
    ("walk engine", "simulate(grid:8x8, n = 256, entropy, steps = 32), 2000 walks",
     "m.simulate(m.random_walk('grid:8x8', 256), m.make_sampler('entropy', steps=32), samples=2000, seed=1)['validity']"),
    ("walk engine", "simulate(cycle:16, n = 1024, bisection), 4000 walks",
     "m.simulate(m.random_walk('cycle:16', 1024), m.make_sampler('bisection'), samples=4000, seed=1)['validity']"),
    ("table estimates", "estimate_sampler_divergences(binary n = 14, entropy, steps = 4), 3000 samples",
     "(lambda e: [e.kl.value, e.kl.stderr])(m.estimate_sampler_divergences(m.random_joint(14, 2, alpha=0.5, seed=3), "
     "m.make_sampler('entropy', steps=4), samples=3000, seed=1))"),
    ("table estimates", "estimate_sampler_divergences(binary n = 14, threshold, tau = 0.9), 1000 samples",
     "(lambda e: [e.reverse_kl.value, e.reverse_kl.stderr])(m.estimate_sampler_divergences(m.random_joint(14, 2, "
     "alpha=0.5, seed=3), m.make_sampler('threshold', tau=0.9), samples=1000, seed=1))"),
    ("HMM estimates", "estimate_sampler_divergences(block HMM 8x4, n = 400, entropy, steps = 20), 100 samples",
     "(lambda e: [e.kl.value, e.kl.stderr])(m.estimate_sampler_divergences(m.block_hmm(8, 4, 400), "
     "m.make_sampler('entropy', steps=20), samples=100, seed=1))"),
    ("HMM estimates", "estimate_sampler_divergences(block HMM 8x4, n = 400, bisection), 100 samples",
     "(lambda e: [e.kl.value, e.kl.stderr])(m.estimate_sampler_divergences(m.block_hmm(8, 4, 400), "
     "m.make_sampler('bisection'), samples=100, seed=1))"),
    ("HMM estimates", "estimate_sampler_divergences(block HMM 8x4, n = 400, random, steps = 20), 100 samples",
     "(lambda e: [e.kl.value, e.kl.stderr])(m.estimate_sampler_divergences(m.block_hmm(8, 4, 400), "
     "m.make_sampler('random', steps=20), samples=100, seed=1))"),
    ("sweep", "sweep(examples/sweeps/quick.toml), in process",
     "len(m.sweep(str(__import__('pathlib').Path('examples/sweeps/quick.toml').resolve()), show_progress=False).rows)"),
]

TIMING = """
import time
import mdmtheory as m
expr = ARGS
value = eval(expr, {"m": m})  # warm: numba kernels compiled or loaded from the cache
t0 = time.perf_counter()
value = eval(expr, {"m": m})
result = {"seconds": time.perf_counter() - t0, "value": value if isinstance(value, (int, float, list)) else None}
"""


def _same(a, b) -> str:
    if a is None or b is None:
        return "-"
    if isinstance(a, list):  # an estimate [value, stderr]: the two trees' runs are independent draws
        gap = abs(a[0] - b[0])
        return "within 4.5 se" if gap <= 4.5 * math.hypot(a[1], b[1]) + 1e-12 else "NO"
    if isinstance(a, float) and isinstance(b, float) and (math.isinf(a) or math.isinf(b)):
        return "yes" if a == b else "NO"
    return "yes" if abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)) else "NO"


def run(quick: bool = False) -> str:
    cases = CASES[:3] if quick else CASES
    after = Interpreter.start(TIMING, commit=None)
    before = Interpreter.start(TIMING)
    rows = []
    try:
        for engine, what, expr in cases:
            a1 = after(expr)
            b1 = before(expr) if before else None
            b2 = before(expr) if before else None
            a2 = after(expr)
            ta = min(a1["seconds"], a2["seconds"])
            tb = min(b1["seconds"], b2["seconds"]) if before else None
            ratio = f"{tb / ta:.2f}x" if tb else "-"
            rows.append(f"| {engine} | {what} | {tb:.3f} | {ta:.3f} | {ratio} | {_same(a1['value'], b1['value'] if b1 else None)} |"
                        if tb else f"| {engine} | {what} | - | {ta:.3f} | - | - |")
            print(rows[-1], flush=True)
    finally:
        after.close()
        if before:
            before.close()
    return (
        "## Every engine before and after the one-step redesign\n\n"
        f"Seconds of one warm call (best of two, the two trees called in turn, after-before-before-after), the "
        f"pinned commit `{BASELINE_COMMIT[:12]}` (`benchmarks/baseline.py`, before issue 17) next to today's; "
        "`speed-up` = before / after (above 1: faster today); `same numbers`: the value each tree returns "
        "(a KL, a validity, a row count) equal to 1e-9 relative; for the estimates, whose runs now draw from one "
        "stream per run (the lockstep estimator), the two estimates within 4.5 combined standard errors.\n\n"
        "| engine | case | before (s) | after (s) | speed-up | same numbers |\n|---|---|---|---|---|---|\n"
        + "\n".join(rows) + "\n"
    )
