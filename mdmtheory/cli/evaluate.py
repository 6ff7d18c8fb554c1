"""``mdmtheory evaluate JOINT.npy --sampler NAME [--param key=value ...]``: exact KL of a sampler."""

from __future__ import annotations

from ..evaluate import evaluate
from ..joint import load_joint
from ..samplers import SAMPLER_NAMES, make_sampler
from . import add_common, add_params, emit, parse_params


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="exact output law of a parallel sampler: KL, TV, number of model calls")
    p.add_argument("joint", metavar="JOINT.npy", help="probability table saved with numpy.save")
    p.add_argument("--sampler", required=True, metavar="NAME", help="one of: " + ", ".join(SAMPLER_NAMES))
    add_params(p, "sampler parameters: steps=4, schedule=2,1,1, tau=0.9, gamma=0.1, proxy=entropy, delta=0.01, k=3")
    add_common(p)
    p.set_defaults(func=run)


def run(args) -> int:
    sampler = make_sampler(args.sampler, **parse_params(args.param))  # validate before loading
    joint = load_joint(args.joint, args.max_memory)
    result = evaluate(joint, sampler, args.base, args.max_memory)
    result.pop("law")
    emit(result, args.json, title=f"exact evaluation of the {sampler.name} sampler ({result['unit']})")
    return 0
