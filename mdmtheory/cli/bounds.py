"""``mdmtheory bounds (JOINT.npy | --curve FILE) --schedule 4,5,2,2 [--json]``: every applicable
published bound next to the exact expected KL."""

from __future__ import annotations

from ..bounds import check_bounds
from ..errors import InputError
from ..schedules import parse_schedule
from . import add_common, emit, format_value
from ._scheduling import add_curve_source, add_family, family_schedule, read_curve


def register(sub) -> None:
    p = sub.add_parser("bounds", help="published bounds on a schedule's expected KL against the exact value")
    add_curve_source(p)
    p.add_argument("--schedule", help="step sizes summing to n, e.g. 4,5,2,2")
    add_family(p)
    add_common(p)
    p.set_defaults(func=run)


def run(args) -> int:
    z, unit = read_curve(args)
    if (args.schedule is None) == (args.family is None):
        raise InputError("give the schedule as --schedule 4,5,2,2 or as --family NAME --param ...")
    if args.param and args.family is None:
        raise InputError("--param needs --family")
    sched = parse_schedule(args.schedule, z.size) if args.schedule is not None else family_schedule(args, z)[0]
    result = check_bounds(z, sched)
    result["unit"] = unit
    if args.json:
        emit(result, True)
        return 0
    print(f"bounds on the expected KL of schedule {','.join(map(str, result['schedule']))} ({unit})")
    print(f"  exact (Theorem 4): {result['expected_kl']:.10g}")
    print(f"  {'bound':<20}{'value':>16}{'compared with':>15}{'holds':>7}{'ratio':>12}")
    for b in result["bounds"]:
        print(f"  {b['name']:<20}{b['value']:>16.10g}{b['compared_with']:>15}{format_value(b['holds']):>7}{b['ratio']:>12.4g}")
    return 0
