"""``mdmtheory evaluate JOINT.npy --sampler NAME [--param key=value ...]``: exact KL of a sampler."""

from __future__ import annotations

from ..exact import evaluate
from ..joint import load_joint
from ..models import model_oracle
from ..usercode import MODEL_TIMEOUT
from ..samplers import SAMPLER_NAMES, make_sampler
from ..errors import InputError
from . import add_common, add_params, emit, finite_float, int_arg, parse_sampler_params
from ._estimates import run_evaluate


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="exact output law of a parallel sampler: KL, TV, number of model calls")
    p.add_argument("joint", metavar="JOINT.npy", help="probability table saved with numpy.save")
    p.add_argument("--sampler", required=True, metavar="NAME", help="one of: " + ", ".join(SAMPLER_NAMES))
    add_params(p, "sampler parameters, e.g. steps=4, schedule=2,1,1, tau=0.9, block_length=2, temperature=1 (mdmtheory samplers lists them)")
    p.add_argument(
        "--model", metavar="SPEC", default=None,
        help="sample from a model instead of the truth (KL, TV against the truth): temperature=T, smooth=A, "
             "top_k=K, top_p=P, marginals, or python:FILE.py:NAME (a function NAME(revealed_mask, values) -> marginals)",
    )
    p.add_argument("--model-timeout", type=finite_float("--model-timeout", 0.0, low_open=True), default=MODEL_TIMEOUT,
                   metavar="SECONDS", help=f"seconds one call of a python: model may take (default {MODEL_TIMEOUT:g})")
    p.add_argument("--samples", type=int_arg("--samples", 2), default=None,
                   help="estimate with this many samples (unbiased, with intervals) instead of the exact law")
    p.add_argument("--seed", type=int_arg("--seed", 0), default=None, help="seed of the estimates (default 0)")
    add_common(p)
    p.set_defaults(func=run)


def run(args) -> int:
    sampler = make_sampler(args.sampler, **parse_sampler_params(args.sampler, args.param))  # validate before loading
    if args.samples is None and args.seed is not None:
        raise InputError("--seed goes with --samples (the estimates); the exact evaluation uses no randomness")
    joint = load_joint(args.joint, args.max_memory)
    model = None
    if args.model is not None:
        model = model_oracle(args.model, joint, timeout=args.model_timeout)
    if args.samples is not None:  # the estimates (cli/_estimates.py)
        return run_evaluate(args, sampler, joint, model)
    result = evaluate(joint, sampler, args.base, args.max_memory, model=model).to_dict()
    with_model = f" with the model {result['model']}" if model is not None else ""
    emit(result, args.json, title=f"exact evaluation of the {sampler.name} sampler{with_model} ({result['unit']})")
    return 0
