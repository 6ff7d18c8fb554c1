"""Command-line start-up: ``mdmtheory --help`` and ``mdmtheory info`` on a 3-position table,
against ``python -c 'import numpy'`` in the same run (medians of several runs, fresh processes).

Set ``MDMTHEORY_BASELINE_SRC`` to the source tree of an older commit (``git worktree add``) to add
its rows for a before/after comparison in the same run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _median_seconds(cmd: list[str], env: dict, repeat: int, cwd: str) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(quick: bool = False) -> str:
    repeat = 3 if quick else 9
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        table = str(Path(tmp) / "t3.npy")
        np.save(table, np.full((2, 2, 2), 0.125))
        trees = [("this tree", None)]
        if os.environ.get("MDMTHEORY_BASELINE_SRC"):
            src = os.environ["MDMTHEORY_BASELINE_SRC"]
            rev = subprocess.run(["git", "-C", src, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
            trees.append((f"before (commit {rev.stdout.strip() or src})", src))
        rows = []
        base_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        numpy_t = _median_seconds([py, "-c", "import numpy"], base_env, repeat, tmp)
        for label, src in trees:
            env = dict(base_env, PYTHONPATH=src) if src else base_env
            for what, args in (("--help", ["--help"]), ("info (3 positions)", ["info", table])):
                cmd = [py, "-c", "import sys; from mdmtheory.cli import main; sys.exit(main())", *args]
                _median_seconds(cmd, env, 1, tmp)  # warm the numba cache and the OS file cache
                t = _median_seconds(cmd, env, repeat, tmp)
                rows.append(f"| {label} | `mdmtheory {what}` | {t * 1000:.0f} ms | {t / numpy_t:.1f}x |")
    return (
        "## Command-line start-up\n\n"
        f"Median of {repeat} fresh processes each; the reference is `python -c 'import numpy'` "
        f"({numpy_t * 1000:.0f} ms in this run).  Goal: within 3x.\n\n"
        "| code | command | median | / import numpy |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )
