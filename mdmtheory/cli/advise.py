"""``mdmtheory advise --model SPEC --sampler NAME[,NAME...] --target-kl EPS [--truth T.npy | --hmm SPEC
--length N]``: the cheapest setting of a sampler whose KL meets the target, with the table of every
setting tried (:func:`mdmtheory.advice.advise`); without a truth, against the model's own slow
decoding law."""

from __future__ import annotations

from ..errors import InputError
from . import add_params, base_arg, emit, finite_float, int_arg, parse_sampler_params


def register(sub) -> None:
    p = sub.add_parser("advise", help="the cheapest sampler setting (fewest expected model calls) whose KL meets a target")
    p.add_argument("--model", required=True, metavar="SPEC",
                   help="the model the sampler queries: torch:tiny, torch:PATH,..., smooth=A, temperature=T, "
                        "python:FILE.py:NAME, or truth")
    p.add_argument("--sampler", required=True, metavar="NAME[,NAME...]",
                   help="samplers to advise on, e.g. llada or llada,fast_dllm (each over its registered knob grid)")
    p.add_argument("--target-kl", required=True, type=finite_float("--target-kl", 0.0), metavar="EPS",
                   help="the target on KL(reference || sampler): a setting passes when its interval's upper end is <= EPS")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--truth", metavar="TABLE.npy", help="the reference law as a table (exact numbers); default: the "
                   "model's own slow decoding law (one position per call, left to right), for a torch:... model")
    g.add_argument("--hmm", metavar="SPEC", help="the reference law as an HMM (block:2,2,0.8,0.1, FILE.npz, ...)")
    p.add_argument("--length", type=int_arg("--length", 1), default=None,
                   help="the HMM's length (with --hmm), or the decoding law's (without a truth; a built-in model knows it)")
    p.add_argument("--samples", type=int_arg("--samples", 2), default=None,
                   help="estimates with this many draws a setting (with --hmm or no truth; default: exact on the dense law)")
    p.add_argument("--seed", type=int_arg("--seed", 0), default=0, help="seed of the estimates (default 0)")
    add_params(p, "parameters fixed for every setting, e.g. block_length=8 (a fixed knob gives one setting)")
    ex = p.add_mutually_exclusive_group()
    ex.add_argument("--jobs", type=int_arg("--jobs", 1), default=1, help="local worker processes (default 1)")
    ex.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://127.0.0.1:8786")
    ex.add_argument("--dask-local", type=int_arg("--dask-local", 1), metavar="N", help="a Dask LocalCluster with N workers")
    p.add_argument("--figure", metavar="FILE.png", default=None, help="draw KL against expected calls (PNG, PDF, SVG)")
    p.add_argument("--json", action="store_true", help="print strict JSON (infinities as the string \"inf\")")
    p.add_argument("--base", type=base_arg, default=None, help="logarithm base: 2 for bits, e (default) for nats")
    p.set_defaults(func=run)


#: The columns of the text table.
COLUMNS = ("sampler", "knob", "value", "expected_calls", "kl", "kl_low", "kl_high", "marginal_error",
           "dependence_error", "passes")


def _cell(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def run(args) -> int:
    # start-up time: the sweep engine loads only when advise runs
    from ..advice import advise, plot_advice

    if args.hmm is not None and args.length is None:
        raise InputError("--hmm needs --length N (the HMM's length)")
    if args.truth is not None and (args.length is not None or args.samples is not None):
        raise InputError("--length and --samples go with --hmm; a --truth table is evaluated exactly")
    names = [s.strip() for s in args.sampler.split(",") if s.strip()]
    params = {}
    for name in names:  # typed by each rule; a parameter must be one every named sampler takes
        params.update(parse_sampler_params(name, args.param))
    truth = {"table": args.truth} if args.truth is not None else \
        {"hmm": args.hmm, "length": args.length} if args.hmm is not None else None
    adv = advise(args.model, names, args.target_kl, truth, length=None if truth else args.length, samples=args.samples,
                 seed=args.seed, base=args.base,
                 params=params, jobs=args.jobs, scheduler=args.scheduler, dask_local=args.dask_local)
    if args.figure:
        plot_advice(adv, args.figure)
    if args.json:
        emit(adv.to_dict(), True)
        return 0
    c = adv.chosen
    print(f"advice for {', '.join(adv.samplers)} querying {adv.model} against {adv.reference} "
          f"({adv.mode}{'' if adv.samples is None else f', {adv.samples} samples, seed {adv.seed}, 95% intervals'}, "
          f"{adv.unit})")
    if c is None:
        print(f"  chosen   none: no setting's KL upper end is <= {adv.target_kl:g}")
    else:
        print(f"  chosen   {c['sampler']} {c['knob']}={_cell(c['value'])}: {_cell(c['expected_calls'])} expected calls, "
              f"kl {_cell(c['kl'])} in [{_cell(c['kl_low'])}, {_cell(c['kl_high'])}] <= {adv.target_kl:g}")
    rows = [[_cell(r.get(k)) for k in COLUMNS] for r in adv.rows]
    widths = [max(len(k), *(len(r[i]) for r in rows)) for i, k in enumerate(COLUMNS)]
    print("  " + "  ".join(k.rjust(w) for k, w in zip(COLUMNS, widths)))
    for r in rows:
        print("  " + "  ".join(v.rjust(w) for v, w in zip(r, widths)))
    for note in adv.notes:
        print(f"  note: {note}")
    if args.figure:
        print(f"  figure   {args.figure}")
    return 0
