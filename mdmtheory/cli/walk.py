"""``mdmtheory walk --graph SPEC --length N --sampler NAME``: a sampler on random walks.

Exact mode (``--exact``) gives ``kl`` and the walk metrics from the exact output law (small
``n``) or the gap programme (fixed orders, any ``n``); simulation mode (``--samples M --seed S``,
the default with 1000 samples) runs the numba Monte Carlo engine with the exact oracle.
"""

from __future__ import annotations

import math

from ..errors import InputError, check_memory
from ..graphs import parse_graph
from ..markov import random_walk, tables_memory
from ..samplers import SAMPLER_NAMES, make_sampler
from ..walks import EXACT_MAX_CELLS, exact_walk_metrics, load_model_chain, simulate, smoothed_chain
from . import add_common, add_params, emit, finite_float, int_arg, parse_sampler_params
from ._estimates import add_hmm_arg, run_walk

#: Keys every ``walk`` result has (``None`` where a mode does not give the number).
KEYS = (
    "kl", "validity", "validity_interval", "valid_transition_fraction", "kernel_tv", "kernel_kl", "start_tv",
    "expected_steps", "max_steps", "unit",
)


def add_walk_args(p) -> None:
    """``--graph``, ``--length``, ``--start``, ``--lazy``, ``--weighted`` (shared with ``walk-info``)."""
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--graph", help="graph spec, e.g. cycle:8, grid:4x4, barbell:5, regular:3,20,seed=1, file:edges.txt")
    add_hmm_arg(g)  # --hmm SPEC: an HMM instead of a walk (cli/_estimates.py)
    p.add_argument("--length", required=True, type=int_arg("--length", 1), help="walk length n (number of positions)")
    p.add_argument("--start", default="stationary", help="stationary (default), uniform or vertex:V")
    p.add_argument("--lazy", type=finite_float("--lazy", 0.0, high=1.0), default=0.0, help="holding probability in [0, 1) (default 0)")
    p.add_argument("--weighted", action="store_true", help="use edge weights (edge-list files)")


def build_chain(args):
    """The walk of ``--graph`` / ``--length``, the graph's size checked against ``--max-memory``
    before it is built."""
    graph = parse_graph(args.graph, max_memory=args.max_memory)
    return random_walk(graph, args.length, start=args.start, lazy=args.lazy, weighted=args.weighted)


def register(sub) -> None:
    p = sub.add_parser("walk", help="a parallel sampler on random walks on a graph: validity, kernel fidelity, KL")
    add_walk_args(p)
    p.add_argument("--sampler", required=True, help=f"one of {', '.join(n for n in SAMPLER_NAMES if n != 'optimal')}")
    add_params(p, "sampler parameters, e.g. steps=8, schedule=4,4, tau=0.9, block_length=4 (mdmtheory samplers lists them)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--exact", action="store_true", help="exact numbers (dense law for small n, gap programme for fixed orders)")
    mode.add_argument("--samples", type=int_arg("--samples", 1), default=None, help="number of simulated walks (default 1000)")
    p.add_argument("--seed", type=int_arg("--seed", 0), default=0, help="simulation seed (default 0)")
    model = p.add_mutually_exclusive_group()
    model.add_argument("--model-noise", type=finite_float("--model-noise", 0.0, high=1.0), default=None, metavar="EPS",
                       help="the sampler uses a misspecified model: kernel and start mixed toward uniform, "
                            "(1-EPS) P + EPS/q; KL, reverse KL and TV against the true walk (simulation only)")
    model.add_argument("--model-kernel", default=None, metavar="FILE.npy",
                       help="the sampler uses the chain with this q x q transition matrix (numpy.save) and the "
                            "walk's start; measured against the true walk (simulation only)")
    add_common(p)
    p.set_defaults(func=run)




def run(args) -> int:
    if args.hmm is not None:
        return run_walk(args)
    if args.exact and args.seed != 0:
        raise InputError("--seed goes with simulation (--samples); --exact uses no randomness")
    has_model = args.model_noise is not None or args.model_kernel is not None
    if args.exact and has_model:
        raise InputError("--model-noise / --model-kernel go with simulation (--samples M); drop --exact")
    chain = build_chain(args)
    sampler = make_sampler(args.sampler, **parse_sampler_params(args.sampler, args.param))
    model = None
    if args.model_noise is not None:
        model = smoothed_chain(chain, args.model_noise)
    elif args.model_kernel is not None:
        model = load_model_chain(args.model_kernel, chain, args.max_memory)
    if args.exact:
        if chain.n * math.log(chain.q) > math.log(EXACT_MAX_CELLS):  # the large-n paths use the chain's tables
            check_memory(tables_memory(chain), f"the exact measures of a walk of length {chain.n} on {args.graph}",
                         args.max_memory)
        r = exact_walk_metrics(chain, sampler, args.base, args.max_memory)
    else:
        samples = 1000 if args.samples is None else args.samples
        r = simulate(chain, sampler, samples, args.seed, args.base, args.max_memory, model=model)
    result = {"graph": args.graph, "length": chain.n, "q": chain.q, "start": args.start, "lazy": args.lazy,
              "sampler": sampler.name, "params": sampler.params, "mode": r["mode"]}
    if has_model:
        result["model"] = ({"noise": args.model_noise} if args.model_noise is not None
                           else {"kernel": args.model_kernel})
    result.update({k: r.get(k) for k in KEYS})
    for extra in ("expected_kl", "samples", "seed", "kl_stderr", "kl_interval", "reverse_kl", "reverse_kl_stderr",
                  "reverse_kl_interval", "tv", "tv_stderr", "tv_interval", "kl_estimator", "reverse_estimator",
                  "kl_stepwise", "kl_stepwise_stderr", "kl_stepwise_interval", "kl_log_ratio", "kl_log_ratio_stderr",
                  "kl_log_ratio_interval"):
        if extra in r:
            result[extra] = r[extra]
    emit(result, args.json, title=f"{sampler.name} on a walk of length {chain.n} on {args.graph} ({r['mode']})")
    return 0
