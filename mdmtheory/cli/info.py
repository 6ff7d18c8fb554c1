"""``mdmtheory info JOINT.npy``: entropy, TC, DTC, ``Hbar`` and the information curve."""

from __future__ import annotations

from ..information import information_summary
from ..joint import load_joint
from . import add_common, emit


def register(sub) -> None:
    p = sub.add_parser("info", help="information measures of a joint table (.npy)")
    p.add_argument("joint", metavar="JOINT.npy", help="probability table saved with numpy.save")
    add_common(p)
    p.set_defaults(func=run)


def run(args) -> int:
    joint = load_joint(args.joint, args.max_memory)
    result = information_summary(joint, args.base, args.max_memory)
    emit(result, args.json, title=f"information measures of {args.joint} ({result['unit']})")
    return 0
