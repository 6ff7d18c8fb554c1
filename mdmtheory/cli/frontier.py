"""``mdmtheory frontier JOINT.npy [--samplers eb,entropy,...]``: KL against model calls for every sampler."""

from __future__ import annotations

from .._numeric import split_fields
from ..errors import InputError
from ..exact import DEFAULT_FRONTIER, sampler_frontier
from ..joint import load_joint
from ..samplers import SAMPLER_NAMES
from . import add_common, emit


def register(sub) -> None:
    p = sub.add_parser("frontier", help="(expected model calls, KL) of each sampler over a sweep of its knob")
    p.add_argument("joint", metavar="JOINT.npy", help="probability table saved with numpy.save")
    p.add_argument(
        "--samplers",
        default=",".join(DEFAULT_FRONTIER),
        help=f"comma-separated sampler names (default {','.join(DEFAULT_FRONTIER)}); valid: {', '.join(SAMPLER_NAMES)}",
    )
    add_common(p)
    p.set_defaults(func=run)


def run(args) -> int:
    names = split_fields(args.samplers, "--samplers")
    bad = [s for s in names if s not in SAMPLER_NAMES]
    if not names or bad:
        raise InputError(f"unknown sampler {bad[0] if bad else ''!r} in --samplers; valid samplers: {', '.join(SAMPLER_NAMES)}")
    joint = load_joint(args.joint, args.max_memory)
    result = sampler_frontier(joint, names, args.base, args.max_memory)
    emit(result, args.json, title=f"sampler frontier: KL ({result['unit']}) against expected model calls")
    return 0
