"""The command-line side of the sampler estimates (issue 11): ``evaluate --samples`` and
``walk --hmm`` / ``walk-info --hmm`` (an HMM spec or ``FILE.npz`` where a graph is taken).

The commands keep their own modules; each dispatches here with one branch at the top of its
``run``.
"""

from __future__ import annotations

import math

from ..errors import InputError
from ..exact import evaluate
from ..information import information_summary
from ..samplers import make_sampler
from . import emit, parse_sampler_params

#: Walk options that describe a graph's walk and mean nothing for an HMM.
GRAPH_ONLY = (("start", "stationary", "--start"), ("lazy", 0.0, "--lazy"), ("weighted", False, "--weighted"),
              ("model_noise", None, "--model-noise"), ("model_kernel", None, "--model-kernel"))

#: ``walk-info --hmm``: the dense exact law is used up to this many cells, estimates above.
HMM_INFO_DENSE_CELLS = 2**16

HMM_HELP = ("an HMM instead of a graph: FILE.npz (transition, emission, start; HMM.save), block:BLOCKS,SIZE[,STAY[,EPS]], "
            "order:Q,M[,SEED[,ALPHA]] or noisy:EPS:GRAPH")


def add_hmm_arg(group) -> None:
    """``--hmm SPEC`` (in the group that holds ``--graph``)."""
    group.add_argument("--hmm", metavar="SPEC", help=HMM_HELP)


def flat(est) -> dict:
    """A :class:`~mdmtheory.sampler_estimate.SamplerEstimate` as one flat dict (one line a key in text):
    the two KL estimators as ``kl_log_ratio*`` / ``kl_stepwise*`` and the reasons as
    ``not_estimated_<name>``."""
    d = est.to_dict()
    out = {k: v for k, v in d.items() if k not in ("kl_log_ratio", "kl_stepwise", "not_estimated", "sampler", "params",
                                                   "n")}
    for k in ("kl_log_ratio", "kl_stepwise"):
        e = d[k]
        out[k] = None if e is None else e["value"]
        out[f"{k}_stderr"] = None if e is None else e["stderr"]
        out[f"{k}_interval"] = None if e is None else e["interval"]
    for k, why in d["not_estimated"].items():
        out[f"not_estimated_{k}"] = why
    return out


def run_evaluate(args, sampler, joint, model) -> int:
    """``evaluate TABLE --sampler S --samples M [--seed S] [--model SPEC]``: the estimates instead
    of the exact law (the table and the model loaded by ``cli/evaluate.py``)."""
    # start-up time: the estimators (estimate, hmm: about 40 ms) load only when a command runs them
    from ..sampler_estimate import estimate_sampler_divergences

    seed = 0 if args.seed is None else args.seed
    est = estimate_sampler_divergences(joint, sampler, args.samples, seed, args.base, model=model,
                                       max_memory=args.max_memory)
    result = {"sampler": sampler.name, "params": dict(sampler.params), "n": joint.n, "mode": "estimate"}
    result.update(flat(est))
    if model is not None:
        result["model"] = model.spec
    with_model = f" with the model {model.spec}" if model is not None else ""
    emit(result, args.json, title=f"estimates for the {sampler.name} sampler{with_model} ({est.samples} samples, {est.unit})")
    return 0


def load_model(args):
    """The HMM of ``--hmm`` at length ``--length``; graph-only options refused."""
    # start-up time: the estimators (estimate, hmm: about 40 ms) load only when a command runs them
    from ..hmm_families import parse_hmm

    for attr, default, flag in GRAPH_ONLY:
        if getattr(args, attr, default) != default:
            raise InputError(f"{flag} describes a graph's walk; it does not apply to --hmm (drop it)")
    return parse_hmm(args.hmm, args.length, getattr(args, "max_memory", None))


def run_walk(args) -> int:
    """``walk --hmm SPEC --length N --sampler S``: ``--exact`` on the dense law (small ``n``), else
    the estimates of :func:`mdmtheory.estimate_sampler_divergences` (``--samples``, default 1000)."""
    # start-up time: the estimators (estimate, hmm: about 40 ms) load only when a command runs them
    from ..sampler_estimate import estimate_sampler_divergences

    if args.exact and args.seed != 0:
        raise InputError("--seed goes with simulation (--samples); --exact uses no randomness")
    model = load_model(args)
    sampler = make_sampler(args.sampler, **parse_sampler_params(args.sampler, args.param))
    result = {"hmm": args.hmm, "length": model.n, "q": model.q, "h": model.h, "sampler": sampler.name,
              "params": dict(sampler.params)}
    if args.exact:
        r = evaluate(model.joint(args.max_memory), sampler, args.base, args.max_memory).to_dict()
        result["mode"] = "exact"
        result.update({k: v for k, v in r.items() if k not in ("sampler", "params", "steps_distribution")})
    else:
        samples = 1000 if args.samples is None else args.samples
        est = estimate_sampler_divergences(model, sampler, samples, args.seed, args.base)
        result["mode"] = "estimate"
        result.update(flat(est))
    emit(result, args.json, title=f"{sampler.name} on an HMM of length {model.n} ({args.hmm}, {result['mode']})")
    return 0


def run_walk_info(args) -> int:
    """``walk-info --hmm SPEC --length N``: exact measures on the dense law when it has at most
    :data:`HMM_INFO_DENSE_CELLS` cells, else unbiased estimates of TC and DTC (1000 draws, seed 0)
    with intervals."""
    # start-up time: the estimators (estimate, hmm: about 40 ms) load only when a command runs them
    from ..oracle_estimates import estimate_dual_total_correlation, estimate_total_correlation

    model = load_model(args)
    result = {"hmm": args.hmm, "length": model.n, "q": model.q, "h": model.h}
    if model.n * math.log(model.q) <= math.log(HMM_INFO_DENSE_CELLS):
        result["mode"] = "exact"
        result.update(information_summary(model.joint(args.max_memory), args.base))
    else:
        result["mode"] = "estimate"
        for key, f in (("total_correlation", estimate_total_correlation),
                       ("dual_total_correlation", estimate_dual_total_correlation)):
            e = f(model, samples=1000, seed=0, base=args.base)
            result.update(e.flat(key))
            result[f"{key}_estimator"] = e.estimator
        result.update(samples=1000, seed=0, unit=e.unit)
    emit(result, args.json, title=f"information measures of an HMM of length {model.n} ({args.hmm}, {result['mode']})")
    return 0
