"""``mdmtheory evaluate JOINT.npy --sampler NAME [--param key=value ...]``: exact KL of a sampler."""

from __future__ import annotations

from ..evaluate import evaluate
from ..joint import load_joint
from ..samplers import SAMPLER_NAMES, make_sampler
from . import add_common, add_params, emit, parse_sampler_params


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="exact output law of a parallel sampler: KL, TV, number of model calls")
    p.add_argument("joint", metavar="JOINT.npy", help="probability table saved with numpy.save")
    p.add_argument("--sampler", required=True, metavar="NAME", help="one of: " + ", ".join(SAMPLER_NAMES))
    add_params(p, "sampler parameters, e.g. steps=4, schedule=2,1,1, tau=0.9, block_length=2, temperature=1 (mdmtheory samplers lists them)")
    add_common(p)
    p.set_defaults(func=run)


def run(args) -> int:
    sampler = make_sampler(args.sampler, **parse_sampler_params(args.sampler, args.param))  # validate before loading
    joint = load_joint(args.joint, args.max_memory)
    result = evaluate(joint, sampler, args.base, args.max_memory).to_dict()
    emit(result, args.json, title=f"exact evaluation of the {sampler.name} sampler ({result['unit']})")
    return 0
