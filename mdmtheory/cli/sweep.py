"""``mdmtheory sweep SPEC.toml [--out TABLE] [--jobs N | --scheduler ADDRESS | --dask-local N]``:
a grid of models x samplers x knobs x seeds as one tidy table (see :mod:`mdmtheory.sweeps`)."""

from __future__ import annotations

import os
import sys

from ..errors import InputError
from . import add_common, emit, finite_float, int_arg


def register(sub) -> None:
    p = sub.add_parser("sweep", help="run a grid of models x samplers x knobs x seeds into one results table")
    p.add_argument("spec", metavar="SPEC.toml", help="the sweep spec (format: docs/sweeps.md; `mdmtheory examples --copy DIR` copies examples)")
    p.add_argument("--out", help="the table to write: .csv, or .parquet with pyarrow (default: SPEC name, "
                   ".parquet if pyarrow is installed, else .csv, in the current folder)")
    ex = p.add_mutually_exclusive_group()
    ex.add_argument("--jobs", type=int_arg("--jobs", 1), default=1, help="local worker processes (default 1: in this process)")
    ex.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://127.0.0.1:8786")
    ex.add_argument("--dask-local", type=int_arg("--dask-local", 1), metavar="N", help="start a Dask LocalCluster with N workers")
    p.add_argument("--scheduler-timeout", type=finite_float("--scheduler-timeout", 0.0, low_open=True, high=3600.0),
                   default=10.0, metavar="SECONDS", help="give up reaching --scheduler after this long (default 10)")
    add_common(p, base=False)  # --json (the summary as strict JSON) and --max-memory
    p.set_defaults(func=run)


def default_out(spec: str) -> str:
    """``SPEC`` stem in the current folder: ``.parquet`` when pyarrow is installed, else ``.csv``."""
    try:
        # start-up time: pyarrow (optional) is probed only when sweep picks its output format
        import pyarrow  # noqa: F401

        suffix = ".parquet"
    except ImportError:
        suffix = ".csv"
    return os.path.splitext(os.path.basename(spec))[0] + suffix


def run(args) -> int:
    # start-up time: the sweep engine loads only when sweep runs, not for mdmtheory --help
    from ..sweeps import sweep

    if not args.spec.endswith(".toml"):
        raise InputError(f"a sweep spec is a .toml file; got {args.spec!r}")
    if args.out is not None and not args.out.strip():
        raise InputError("--out '' names no file; give a table path like results.csv, or leave --out out")
    out = args.out if args.out is not None else default_out(args.spec)
    r = sweep(args.spec, out, jobs=args.jobs, scheduler=args.scheduler, dask_local=args.dask_local,
              max_memory=args.max_memory, scheduler_timeout=args.scheduler_timeout, on_note=_note)
    emit(r.to_dict(), args.json, title=f"sweep {args.spec}: {len(r.rows)} rows ({r.failed} failed) in {out}")
    return 1 if r.failed else 0


def _note(text: str) -> None:
    """A note on standard error (standard output stays the summary)."""
    print(f"mdmtheory: note: {' '.join(text.split())}", file=sys.stderr, flush=True)
