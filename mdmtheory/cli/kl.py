"""``mdmtheory kl JOINT.npy --schedule 2,3,1 [--mixture] [--order ...]``: exact KL of a schedule."""

from __future__ import annotations

from ..divergence import check_mixture_memory, expected_kl, fixed_order_kl, mixture_kl, ordered_partition
from .._numeric import split_fields
from ..errors import InputError
from ..information import information_curve, unit_name
from ..joint import load_joint
from ..schedules import parse_schedule
from . import add_common, emit


def register(sub) -> None:
    p = sub.add_parser("kl", help="exact KL of random-order, mixture or fixed-order unmasking")
    p.add_argument("joint", metavar="JOINT.npy", help="probability table saved with numpy.save")
    p.add_argument("--schedule", required=True, help="step sizes summing to n, e.g. 2,3,1")
    p.add_argument("--mixture", action="store_true", help="also the exact KL to the random-order mixture law")
    p.add_argument("--order", help="a permutation of 0..n-1: evaluate this fixed order cut by the schedule")
    add_common(p)
    p.set_defaults(func=run)


def _parse_order(text: str) -> list[int]:
    try:
        return [int(x) for x in split_fields(text, "--order")]
    except ValueError:
        raise InputError(f"--order takes a comma-separated permutation of 0..n-1 like 2,0,1; got {text!r}") from None


def run(args) -> int:
    joint = load_joint(args.joint, args.max_memory)
    sched = parse_schedule(args.schedule, joint.n)
    result: dict = {"schedule": list(sched.steps), "unit": unit_name(args.base)}
    if args.order is not None:
        if args.mixture:
            raise InputError("--mixture and --order exclude each other: a fixed order has no mixture")
        blocks = ordered_partition(_parse_order(args.order), sched, joint.n)
        result["order"] = [i for b in blocks for i in b]
        result["kl"] = fixed_order_kl(joint, blocks, args.base)
        title = "exact KL of the fixed order"
    else:
        if args.mixture:  # refuse before the lattice, not after it
            check_mixture_memory(joint.q, sched, args.max_memory)
        curve = information_curve(joint, args.base, args.max_memory)
        result["expected_kl"] = expected_kl(curve, sched)
        if args.mixture:
            result["mixture_kl"] = mixture_kl(joint, sched, args.base, args.max_memory)
        title = "random-order unmasking (Chen-Cong-Li Theorem 4)"
    emit(result, args.json, title=f"{title}, {result['unit']}")
    return 0
