"""Sweeps: a 200-point grid (exact evaluations on binary n = 10 tables and walk simulations) in
process, on two local processes and on a two-worker Dask LocalCluster; the speed-up of two
processes and the Dask overhead per point."""

from __future__ import annotations

import time

from mdmtheory.sweeps import expand, sweep


def _spec(quick: bool) -> dict:
    seeds = list(range(4 if quick else 30))
    return {
        "tables": {
            "sweep": {"metrics": ["kl", "tv", "expected_steps"]},
            "model": [{"family": "random_joint", "n": 10, "q": 2, "alpha": 0.5, "grid": {"seed": seeds[:5]}}],
            "sampler": [
                {"name": "entropy", "grid": {"steps": [2, 4, 6, 8]}},
                {"name": "eb", "grid": {"gamma": [0.01, 0.1, 1.0]}},
                {"name": "threshold", "grid": {"tau": [0.6, 0.9]}},
                {"name": "confidence", "params": {"steps": 5}},
            ],
        },
        "walks": {
            "sweep": {"mode": "samples", "samples": 500, "seeds": seeds, "metrics": ["validity", "kernel_tv"]},
            "model": [{"graph": "grid:4x4", "length": 128}],
            "sampler": [{"name": "entropy", "grid": {"steps": [8, 16, 32, 64, 128]}}],
        },
    }


def _time(spec: dict, **kw) -> tuple[float, list]:
    t0 = time.perf_counter()
    rows = sweep(spec, show_progress=False, **kw).rows
    return time.perf_counter() - t0, [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def run(quick: bool = False) -> str:
    specs = _spec(quick)
    points = sum(len(expand(s)) for s in specs.values())
    for s in specs.values():  # compile / load every kernel in this process first
        sweep({**s, "model": s["model"][:1], "sampler": s["sampler"][:1]}, show_progress=False)
    lines = []
    t_in = t_pool = t_dask = 0.0
    same = True
    for name, spec in specs.items():
        a, ra = _time(spec)
        b, rb = _time(spec, jobs=2)
        try:
            c, rc = _time(spec, dask_local=2)
        except Exception as exc:  # dask not installed
            c, rc = float("nan"), ra
            lines.append(f"Dask unavailable: {exc}")
        same &= ra == rb == rc
        t_in, t_pool, t_dask = t_in + a, t_pool + b, t_dask + c
    dask_overhead = (t_dask - t_in / 2) / points
    return (
        "## Sweeps\n\n"
        f"{points} points: {len(expand(specs['tables']))} exact evaluations on binary n = 10 tables and "
        f"{len(expand(specs['walks']))} simulations of 500 walks of length 128 on grid:4x4. Wall time of the whole "
        "sweep, including starting the workers (spawned processes load the numba kernels from the cache).\n\n"
        "| executor | wall time | speed-up |\n|---|---|---|\n"
        f"| in process | {t_in:.2f} s | 1.00x |\n"
        f"| `--jobs 2` (process pool) | {t_pool:.2f} s | {t_in / t_pool:.2f}x |\n"
        f"| `--dask-local 2` (LocalCluster) | {t_dask:.2f} s | {t_in / t_dask:.2f}x |\n\n"
        f"Goal: at least 1.7x from two processes. Dask overhead per point over an ideal two-way split of the "
        f"in-process time: {dask_overhead * 1000:.1f} ms (goal < 50 ms). Identical tables (all columns but "
        f"`seconds`) from the three executors: {'yes' if same else 'NO'}.\n"
        + ("\n" + "\n".join(lines) + "\n" if lines else "")
    )
