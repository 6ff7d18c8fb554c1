"""``mdmtheory reproduce``: every published claim of ``proofs_check/`` checked exactly, the
information and schedule-KL tables of the built-in examples, and every figure of ``figures/``
(PNG and PDF).  Exit code 1 if any claim fails."""

from __future__ import annotations

import importlib
import time

from ..divergence import expected_kl, mixture_kl
from ..examples import builtin_examples
from ..information import information_summary
from ..progress import progress
from . import emit
from .check import claims_json, print_claims



def register(sub) -> None:
    p = sub.add_parser("reproduce", help="check every claim, print the example tables, draw every figure")
    p.add_argument("--out", default="figures", help="directory for the figures (default: figures)")
    p.add_argument("--quick", action="store_true", help="small claim grids and no figures (for the test suite)")
    p.add_argument("--json", action="store_true", help="print strict JSON")
    p.set_defaults(func=run)


def _even(n: int, k: int) -> list[int]:
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def tables() -> dict:
    """Information measures (bits) and the exact KL of even schedules (bits) per example."""
    info_rows, kl_rows = [], []
    for name, joint in progress(builtin_examples().items(), desc="examples"):
        s = information_summary(joint, base=2)
        info_rows.append(
            {
                "distribution": name,
                "n": s["n"],
                "H": s["entropy"],
                "TC": s["total_correlation"],
                "DTC": s["dual_total_correlation"],
                "Z_n": s["information_curve"][-1],
            }
        )
        curve = s["information_curve"]
        for k in (1, 2, 4, joint.n):
            sched = _even(joint.n, k)
            kl_rows.append(
                {
                    "distribution": name,
                    "schedule": sched,
                    "expected_kl": expected_kl(curve, sched),
                    "mixture_kl": mixture_kl(joint, sched, base=2),
                }
            )
    return {"unit": "bits", "information": info_rows, "schedule_kl": kl_rows}


def _clean(x: float) -> float:
    """Rounding noise around an exact zero prints as 0, not -0."""
    return 0.0 if abs(x) < 1e-12 else x


def _print_tables(t: dict) -> None:
    print(f"Information measures ({t['unit']})")
    print(f"  {'distribution':<22}{'n':>3}{'H':>10}{'TC':>10}{'DTC':>10}{'Z_n':>10}")
    for r in t["information"]:
        print(f"  {r['distribution']:<22}{r['n']:>3}{r['H']:>10.4f}{r['TC']:>10.4f}{r['DTC']:>10.4f}{r['Z_n']:>10.4f}")
    print(f"\nExact KL of random-order unmasking ({t['unit']}): Theorem 4 and the mixture law")
    print(f"  {'distribution':<22}{'schedule':<26}{'E KL(mu||nu_S)':>16}{'KL(mu||nu)':>14}")
    for r in t["schedule_kl"]:
        sched = ",".join(map(str, r["schedule"]))
        print(f"  {r['distribution']:<22}{sched:<26}{_clean(r['expected_kl']):>16.6f}{_clean(r['mixture_kl']):>14.6f}")


def run(args) -> int:
    # start-up time: the claims load only when reproduce runs, not for mdmtheory --help
    from ..proofs_check import run_claims

    claims = run_claims(quick=args.quick, progress=progress)
    failed = sum(not c.passed for c in claims)
    t = tables()
    figures = []
    if not args.quick:
        # start-up time: the figures (matplotlib) load only when they are drawn
        from ..figures import FIGURES
        from ..figures._style import save

        for name in progress(FIGURES, desc="figures"):
            t0 = time.perf_counter()
            fig = importlib.import_module(f"mdmtheory.figures.{name}").make_figure()
            paths = save(fig, name, args.out)
            figures.append({"figure": name, "files": [str(p) for p in paths], "seconds": time.perf_counter() - t0})
    t["figures"] = figures
    t["claims"] = claims_json(claims)
    t["failed"] = failed
    if args.json:
        emit(t, True)
        return 1 if failed else 0
    print("Published claims, checked with the exact engines")
    print_claims(claims)
    print()
    _print_tables(t)
    if figures:
        print("\nFigures")
        for f in figures:
            print(f"  {f['figure']:<24} {', '.join(f['files'])}  ({f['seconds']:.1f} s)")
    return 1 if failed else 0
