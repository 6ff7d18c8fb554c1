"""``mdmtheory conjecture BOUND.py --quantity ...``: hunt for counterexamples to a bound."""

from __future__ import annotations

import os
import shlex

from ..conjecture import QUANTITIES, Quantity, hunt
from ..usercode import BOUND_TIMEOUT, load_bound
from ..errors import InputError
from ..schedules import FAMILIES
from . import add_common, add_params, emit, finite_float, int_arg, parse_params, parse_sampler_params


def _range(text: str) -> tuple[int, int]:
    try:
        lo, _, hi = text.partition("-")
        return int(lo), int(hi or lo)
    except ValueError:
        raise InputError(f"a range is like 2-6 (or one number); got {text!r}") from None


def register(sub) -> None:
    p = sub.add_parser("conjecture", help="search for tables that violate a conjectured bound")
    p.add_argument("bound", metavar="BOUND.py", help="a Python file defining bound(ctx) -> float (nats)")
    p.add_argument("--quantity", required=True, choices=QUANTITIES, help="what the bound should bound")
    p.add_argument("--family", choices=list(FAMILIES), help="schedule family (expected_kl, mixture_kl)")
    p.add_argument("--sampler", help="sampler name (sampler_kl)")
    add_params(p, "family or sampler parameters, e.g. --param s=2")
    p.add_argument("--budget", type=finite_float("--budget", 0.0, low_open=True), default=60.0, help="seconds for the search (default 60)")
    p.add_argument("--seed", type=int_arg("--seed", 0), default=0, help="random seed (default 0)")
    p.add_argument("--max-tables", type=int_arg("--max-tables", 1), default=None, help="stop after this many tables (machine-independent)")
    p.add_argument("--n", default="2-6", help="range of the number of positions (default 2-6)")
    p.add_argument("--q", default="2-3", help="range of the alphabet size (default 2-3)")
    p.add_argument("--out", default="conjecture_out", help="directory for worst.npy and worst.json")
    p.add_argument("--force", action="store_true", help="overwrite a result saved in --out (refused otherwise)")
    p.add_argument("--bound-timeout", type=finite_float("--bound-timeout", 0.0, low_open=True), default=BOUND_TIMEOUT,
                   help=f"seconds one call of bound(ctx) may take (default {BOUND_TIMEOUT:g})")
    add_common(p, base=False)
    p.set_defaults(func=run)


def replay_command(args) -> str:
    """The command line that runs this search again (the bound file by its absolute path, every
    option given, ``--force`` to overwrite the saved result).  A search that ends by
    ``--max-tables`` is the same on every machine; one that ends by ``--budget`` goes as far
    as the machine gets."""
    words = ["mdmtheory", "conjecture", os.path.abspath(args.bound), "--quantity", args.quantity]
    for flag, value in (("--family", args.family), ("--sampler", args.sampler)):
        if value is not None:
            words += [flag, value]
    for item in args.param:
        words += ["--param", item]
    words += ["--budget", f"{args.budget:g}", "--seed", str(args.seed), "--n", args.n, "--q", args.q]
    if args.max_tables is not None:
        words += ["--max-tables", str(args.max_tables)]
    words += ["--bound-timeout", f"{args.bound_timeout:g}", "--out", os.path.abspath(args.out), "--force"]
    return shlex.join(words)


def run(args) -> int:
    fn = load_bound(args.bound, timeout=args.bound_timeout)
    params = (parse_sampler_params(args.sampler, args.param) if args.quantity == "sampler_kl" and args.sampler
              else parse_params(args.param))
    quantity = Quantity(args.quantity, family=args.family, sampler=args.sampler, params=params)
    report = hunt(fn, quantity, budget=args.budget, seed=args.seed, n_range=_range(args.n), q_range=_range(args.q),
                  max_tables=args.max_tables, out_dir=args.out, bound_timeout=args.bound_timeout,
                  max_memory=args.max_memory, force=args.force, bound_file=args.bound, command=replay_command(args))
    d = report.as_dict()
    if args.json:
        emit(d, True)
    else:
        w = d["worst"]
        verdict = f"VIOLATED {d['violations']} times" if report.violated else "no violation found"
        print(f"conjecture {args.bound} against {d['quantity']} ({d['unit']}): {verdict}")
        print(f"  tables tried  {d['tried']} (builtin {d['stages']['builtin']}, random {d['stages']['random']}, "
              f"optimised {d['stages']['optimise']}) in {d['seconds']:.1f} s, seed {d['seed']}")
        print(f"  worst ratio   {w['ratio']:.6g}  (quantity {w['value']:.6g}, bound {w['bound']:.6g}) on {w['source']}")
        print(f"  saved         {d['files']['table']}, {d['files']['record']}")
    return 1 if report.violated else 0
