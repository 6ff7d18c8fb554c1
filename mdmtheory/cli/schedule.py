"""``mdmtheory schedule (JOINT.npy | --curve FILE | --graph SPEC --length N | --hmm SPEC --length N)
--steps K [--frontier] [--json]``: the exact optimal schedule (Chen-Cong-Li Theorem 4 minimised),
or a named family evaluated."""

from __future__ import annotations

from ..errors import InputError, check_memory
from ..divergence import expected_kl
from ..optimal import frontier, min_steps, optimal_schedule
from . import add_common, emit, finite_float, int_arg
from ._scheduling import add_curve_source, add_family, family_schedule, read_curve


#: Bytes per step size of the ``n (n + 1) / 2`` in the printed frontier: the int64 array of
#: every schedule, its list, the tuples of the schedules, the rows' lists and their JSON copy
#: (five pointers or values of 8 bytes), the output itself being streamed.
FRONTIER_BYTES_PER_ENTRY = 40


def frontier_memory(n: int) -> float:
    """Bytes ``schedule --frontier`` needs for an ``n``-point curve: the cut table of the DP
    (``4 n (n + 1) + 24 (n + 1)``), :data:`FRONTIER_BYTES_PER_ENTRY` per step size, and one
    32-byte integer object per step size above 256 (at most ``n / 257`` a schedule; smaller
    integers are shared).  Measured for ``n = 3000``: 124 MB over the process baseline against
    217 MB counted (it was 481 MB when the JSON was built as one string)."""
    n = float(n)
    return 4.0 * n * (n + 1) + 24.0 * (n + 1) + FRONTIER_BYTES_PER_ENTRY * n * (n + 1) / 2 + 32.0 * n * (n / 257 + 1)


def register(sub) -> None:
    p = sub.add_parser("schedule", help="optimal schedule for a number of steps, the frontier, or a family")
    add_curve_source(p)
    p.add_argument("--steps", type=int_arg("--steps", 1), help="number of steps K: the optimal K-step schedule")
    p.add_argument("--eps", type=finite_float("--eps", 0.0), help="target expected KL: the fewest steps whose optimum reaches it")
    p.add_argument("--frontier", action="store_true", help="also the optimum for every K = 1..n")
    add_family(p)
    m = p.add_argument_group("a model's own curve (estimated from its conditionals along its own one-at-a-time samples)")
    m.add_argument("--model", metavar="SPEC", default=None,
                   help="torch:tiny, torch:PATH,... (or a transform such as smooth=A over JOINT.npy): the optimal "
                        "schedule for the model's curve, the predicted KL's interval and the consistency gap")
    m.add_argument("--samples", type=int_arg("--samples", 2), default=200, help="draws of the model's decoding law (default 200)")
    m.add_argument("--seed", type=int_arg("--seed", 0), default=0, help="seed (default 0)")
    add_common(p)
    p.set_defaults(func=run)


def run_model(args) -> int:
    """``schedule --model SPEC [--length N] --steps K``: :func:`mdmtheory.model_curve.model_information_curve`
    with the model's own slow decoding law (:class:`mdmtheory.decoding.ModelDecodingLaw`) as the law."""
    # start-up time: the estimators (and torch for a torch model) load only when a model's curve is asked for
    from ..decoding import ModelDecodingLaw
    from ..joint import load_joint
    from ..model_curve import model_information_curve
    from ..models import model_oracle, torch_model

    if (args.curve is not None or args.eps is not None or args.family is not None or args.frontier
            or args.graph is not None or args.hmm is not None):
        raise InputError("--model goes with --steps K (and an optional JOINT.npy for a transform spec, or --length N "
                         "for a torch model); drop --curve, --graph, --hmm, --eps, --family and --frontier")
    if args.model.startswith("torch:") and args.joint is None:
        model = torch_model(args.model[len("torch:"):], args.length)
    elif args.joint is not None:
        if args.length is not None:
            raise InputError("--length goes with a torch model without JOINT.npy; the table has its own length")
        model = model_oracle(args.model, load_joint(args.joint, args.max_memory))
    else:
        raise InputError(f"--model {args.model}: a spec other than torch:... is a transform of a table; give JOINT.npy")
    law = ModelDecodingLaw(model)
    r = model_information_curve(model, law=law, samples=args.samples, seed=args.seed, steps=args.steps, base=args.base)
    result = {"model": getattr(model, "spec", args.model), **r.to_dict()}
    emit(result, args.json, title=f"the model's own information curve and optimal schedule (estimate, {r.samples} "
         f"draws of its left-to-right decoding law, {r.unit})")
    return 0


def run(args) -> int:
    if args.model is not None:
        return run_model(args)
    z, unit = read_curve(args)
    chosen = [x for x in ("steps", "eps", "family") if getattr(args, x) is not None]
    if len(chosen) > 1:
        raise InputError(f"--{chosen[0]} and --{chosen[1]} exclude each other: give one of --steps, --eps, --family")
    if not chosen and not args.frontier:
        raise InputError("say what to compute: --steps K, --eps EPS, --family NAME or --frontier")
    if args.param and args.family is None:
        raise InputError("--param needs --family")
    result: dict = {"n": int(z.size), "unit": unit}
    title = "optimal schedule (Chen-Cong-Li Theorem 4, exact)"
    if args.steps is not None:
        opt = optimal_schedule(z, args.steps, max_memory=args.max_memory)
        result.update(steps=opt.steps, schedule=list(opt.schedule.steps), expected_kl=opt.expected_kl)
    elif args.eps is not None:
        opt = min_steps(z, args.eps, max_memory=args.max_memory)
        result.update(eps=args.eps, steps=opt.steps, schedule=list(opt.schedule.steps), expected_kl=opt.expected_kl)
        title = f"fewest steps with optimal expected KL <= {args.eps:g}"
    elif args.family is not None:
        sched, params = family_schedule(args, z)
        result.update(family=args.family, params=params, steps=sched.k, schedule=list(sched.steps))
        result["expected_kl"] = expected_kl(z, sched)
        title = f"schedule family {args.family} (expected KL by Theorem 4)"
    if args.frontier:
        check_memory(frontier_memory(z.size), f"the frontier of a {z.size}-point curve with every schedule", args.max_memory)
        result["frontier"] = [o.as_dict() for o in frontier(z, max_memory=args.max_memory)]
    emit(result, args.json, title=f"{title}, {unit}")
    return 0
