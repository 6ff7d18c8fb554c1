"""Run every ``benchmarks/bench_*.py`` and write ``benchmarks/RESULTS.md``.

Usage: ``python -m benchmarks [--quick] [NAME ...]`` (names without the ``bench_`` prefix).
With names, only those sections are re-run; the others are kept from the existing file.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import pkgutil
import re
import time
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "RESULTS.md"
MARK = "<!-- section: {} -->"


def _machine() -> str:
    import numba
    import numpy

    cpu = platform.processor() or platform.machine()
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, numpy {numpy.__version__}, "
        f"numba {numba.__version__} ({numba.get_num_threads()} threads)"
    )


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"<!-- section: (\w+) -->\n", text)
    return {parts[i]: parts[i + 1].rstrip() + "\n" for i in range(1, len(parts) - 1, 2)}


def _notes(text: str) -> str:
    """The hand-written notes between the header (title and machine line) and the first section:
    kept when the sections are rewritten."""
    head = re.split(r"<!-- section: \w+ -->\n", text)[0]
    lines = [ln for ln in head.splitlines() if not ln.startswith(("# Benchmark results", "Written by `make bench`"))]
    notes = "\n".join(lines).strip()
    return notes + "\n\n" if notes else ""


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks")
    ap.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = ap.parse_args()
    names = sorted(m.name[6:] for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    chosen = args.names or names
    text = RESULTS.read_text() if RESULTS.exists() else ""
    old, notes = _sections(text), _notes(text)
    for name in chosen:
        t0 = time.perf_counter()
        print(f"== {name}", flush=True)
        section = importlib.import_module(f"benchmarks.bench_{name}").run(quick=args.quick)
        print(section, flush=True)
        old[name] = section.rstrip() + f"\n\n_({time.perf_counter() - t0:.0f} s for this section.)_\n"
    if args.quick:
        return  # quick runs are smoke tests: RESULTS.md keeps the real numbers
    body = "\n".join(MARK.format(k) + "\n" + old[k] for k in names if k in old)
    RESULTS.write_text(
        "# Benchmark results\n\n"
        f"Written by `make bench` on {time.strftime('%Y-%m-%d')}; machine: {_machine()}.\n\n" + notes + body
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
