"""Subset-entropy lattice: time, cells per second, and ratios to naive numpy and to ``dit``.

The lattice of a table of shape ``(q_1, ..., q_n)`` has ``sum_A prod_{i in A} q_i =
prod_i (q_i + 1)`` cells (one ``p log p`` each, ``3^n`` for binary ``n``).  Compared here:

* ``fast``: :func:`mdmtheory.subset_entropies` (the vectorised kernel), on all numba threads
  and on one thread;
* ``scalar``: the earlier kernel with the scalar libm ``log`` (kept as a reference);
* ``naive``: plain numpy, every subset marginalised from the full table
  (``t.sum(axis=dropped)``, then ``-sum p log p``); run in full where it takes at most a
  minute, otherwise timed on a random sample of subsets and extrapolated (marked);
* ``dit``: ``dit.shannon.entropy(d, rvs)`` for every subset of a binary ``n = 12`` table
  (or a sample, extrapolated and marked, if all of them would take over a minute).

Every timing is the best of a few runs; the tables are Dirichlet(1) random tables
(:func:`mdmtheory.random_joint`, seed 0).  Results are also checked: the largest absolute
difference (nats) of ``fast`` against the naive values and against ``scalar``.
"""

from __future__ import annotations

import itertools
import math
import os
import time

import numba
import numpy as np

import mdmtheory as m
from mdmtheory._kernels.lattice import lattice_entropies_scalar

FULL = [(2, 16), (2, 18), (2, 20), (3, 12), (4, 10)]
QUICK = [(2, 8), (2, 10), (3, 5), (4, 4)]
TARGET_TIME_N20 = 10.0  # seconds, binary n = 20, both cores
TARGET_NAIVE_N16 = 100.0  # speed-up over naive numpy at binary n = 16
TARGET_DIT_N12 = 1000.0  # speed-up over dit at binary n = 12


def _naive_entropy(t: np.ndarray, mask: int) -> float:
    """``H(X_A)`` in nats by marginalising the full table (the obvious way)."""
    drop = tuple(i for i in range(t.ndim) if not mask >> i & 1)
    p = np.atleast_1d(t.sum(axis=drop) if drop else t).ravel()
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def _best(fn, repeats: int) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _best_wall_cpu(fn, repeats: int) -> tuple[float, float, object]:
    """Best wall-clock and best process CPU time (all threads) over ``repeats`` runs."""
    wall, cpu, out = math.inf, math.inf, None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
    return wall, cpu, out


def _with_threads(k: int, fn):
    old = numba.get_num_threads()
    numba.set_num_threads(k)
    try:
        return fn()
    finally:
        numba.set_num_threads(old)


def _per_subset(fn, n: int, budget: float, sample: int, rng) -> tuple[float, bool, dict[int, float]]:
    """Time ``fn(mask)`` over all ``2^n`` subsets if that fits in ``budget`` seconds, else
    over ``sample`` random subsets and extrapolate; returns (seconds, extrapolated, values)."""
    masks = rng.choice(1 << n, size=min(sample, 1 << n), replace=False)
    t0 = time.perf_counter()
    vals = {int(a): fn(int(a)) for a in masks}
    per = (time.perf_counter() - t0) / len(masks)
    if per * (1 << n) > budget:
        return per * (1 << n), True, vals
    t0 = time.perf_counter()
    vals = {a: fn(a) for a in range(1 << n)}
    return time.perf_counter() - t0, False, vals


def _fmt_s(x: float) -> str:
    return f"{x:.3g} s" if x >= 0.01 else f"{x * 1e3:.3g} ms"


def _dit_section(n: int, budget: float, rng) -> tuple[list[str], float | None]:
    try:
        import dit
    except ImportError:  # pragma: no cover - dit is a test extra
        return ["`dit` is not installed: comparison not run."], None
    j = m.random_joint(n, 2, seed=0)
    t = j.table
    t0 = time.perf_counter()
    outcomes = ["".join(map(str, x)) for x in itertools.product(range(2), repeat=n)]
    d = dit.Distribution(outcomes, t.ravel())
    build = time.perf_counter() - t0

    def one(mask: int) -> float:
        rvs = [i for i in range(n) if mask >> i & 1]
        return float(dit.shannon.entropy(d, rvs)) if rvs else 0.0

    t_dit, extrap, vals = _per_subset(one, n, budget, 64, rng)
    t_fast, H = _best(lambda: m.subset_entropies(j, base=2), 5)
    diff = max(abs(H[a] - v) for a, v in vals.items())
    ratio = t_dit / t_fast
    how = f"extrapolated from {len(vals)} random subsets" if extrap else f"all {1 << n} subsets run"
    lines = [
        f"dit {dit.__version__}, binary n = {n} (Dirichlet(1) table): `dit.shannon.entropy(d, rvs)` for "
        f"the {1 << n} subsets takes **{_fmt_s(t_dit)}** ({how}; building the `dit.Distribution` "
        f"another {_fmt_s(build)}), the lattice {_fmt_s(t_fast)}: **{ratio:,.0f}x**; "
        f"largest |difference| {diff:.1e} bits.",
    ]
    return lines, ratio


def run(quick: bool = False) -> str:
    cases = QUICK if quick else FULL
    budget = 2.0 if quick else 60.0
    rng = np.random.default_rng(0)
    threads = numba.get_num_threads()
    m.subset_entropies(m.random_joint(3, 2, seed=0))  # compile / load the kernels
    lattice_entropies_scalar(m.random_joint(3, 2, seed=0).table)
    load0 = os.getloadavg()[0]
    rows = [
        f"| table | subsets | cells | fast, {threads} threads | cells/s | CPU ns per cell | fast, 1 thread | "
        f"scalar-log kernel, {threads} threads | naive numpy | naive / fast | max abs diff vs naive, vs scalar (nats) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    results = {}
    for q, n in cases:
        j = m.random_joint(n, q, seed=0)
        cells = (q + 1) ** n
        reps = 3 if cells < 1e9 else 2
        t_fast, cpu_fast, H = _best_wall_cpu(lambda: m.subset_entropies(j), reps)
        t_one, _ = _with_threads(1, lambda: _best(lambda: m.subset_entropies(j), 1 if cells > 1e9 else reps))
        t_scalar, Hs = _best(lambda: lattice_entropies_scalar(j.table), 1 if cells > 1e9 else reps)
        t_naive, extrap, vals = _per_subset(lambda a: _naive_entropy(j.table, a), n, budget, 32, rng)
        d_naive = max(abs(H[a] - v) for a, v in vals.items())
        d_scalar = float(np.abs(H - Hs).max())
        ratio = t_naive / t_fast
        naive = f"{_fmt_s(t_naive)} (extrapolated from {len(vals)} subsets)" if extrap else _fmt_s(t_naive)
        rows.append(
            f"| q = {q}, n = {n} | {1 << n} | {cells:.3g} | **{_fmt_s(t_fast)}** | {cells / t_fast:.3g} | "
            f"{cpu_fast / cells * 1e9:.2f} | {_fmt_s(t_one)} | {_fmt_s(t_scalar)} | {naive} | {ratio:,.0f}x{' (extrap.)' if extrap else ''} | "
            f"{d_naive:.1e}, {d_scalar:.1e} |"
        )
        results[(q, n)] = (t_fast, ratio)
    dit_lines, dit_ratio = _dit_section(6 if quick else 12, budget, rng)
    out = [
        "## Subset-entropy lattice",
        "",
        "Entropies of all `2^n` subset marginals (`mdmtheory.subset_entropies`); cells = "
        "`prod_i (q_i + 1)` (one `p log p` each). Best of 2-3 runs (one for the 1-thread and scalar "
        "columns above 10^9 cells); 'CPU ns per cell' is process CPU time (all threads) over cells, which "
        "other processes on the machine disturb less than wall time; lattices under 2^20 cells run on one "
        "thread. 'naive numpy' marginalises the full table for every subset. "
        f"Load average (1 min) at the start {load0:.2f}, at the end {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} cores: above about 0.5 the wall times include waiting for a core.",
        "",
        *rows,
        "",
        *dit_lines,
    ]
    if not quick:
        t20 = results[(2, 20)][0]
        r16 = results[(2, 16)][1]
        out += [
            "",
            "Targets: binary n = 20 in <= "
            f"{TARGET_TIME_N20:.0f} s: {_fmt_s(t20)} ({'met' if t20 <= TARGET_TIME_N20 else 'NOT met'}); "
            f">= {TARGET_NAIVE_N16:.0f}x naive numpy at n = 16: {r16:,.0f}x "
            f"({'met' if r16 >= TARGET_NAIVE_N16 else 'NOT met'}); >= {TARGET_DIT_N12:.0f}x dit at n = 12: "
            + (f"{dit_ratio:,.0f}x ({'met' if dit_ratio >= TARGET_DIT_N12 else 'NOT met'})." if dit_ratio else "not run."),
        ]
    return "\n".join(out) + "\n"
