"""Options shared by ``schedule`` and ``bounds``: where the curve comes from, and a schedule
given by family name and parameters."""

from __future__ import annotations

import numpy as np

from ..curves import CURVE_UNITS, as_curve, curve_file_unit, load_curve
from ..errors import InputError, check_memory
from ..graphs import parse_graph
from ..information import information_curve, unit_name, unit_scale
from ..joint import load_joint
from ..markov import random_walk, tables_memory
from ..schedules import FAMILIES, Schedule, schedule_family
from . import add_params, finite_float, int_arg, parse_params
from ._estimates import load_model

__all__ = ["add_curve_source", "read_curve", "add_family", "family_schedule"]


def add_curve_source(p) -> None:
    """``JOINT.npy`` (positional, optional), ``--curve FILE``, or ``--graph SPEC`` / ``--hmm SPEC``
    with ``--length N`` (the walk's or the HMM's exact curve)."""
    p.add_argument("joint", metavar="JOINT.npy", nargs="?", help="probability table saved with numpy.save")
    p.add_argument(
        "--curve",
        metavar="FILE",
        help="an information curve Z_1..Z_n instead of a table: .npy, .json list or .csv column, in the unit "
        "--curve-unit gives (a JSON object's \"unit\" otherwise, else nats); converted to --base",
    )
    p.add_argument("--curve-unit", choices=list(CURVE_UNITS),
                   help="the unit of the numbers in --curve FILE (default: the file's \"unit\", else nats)")
    p.add_argument("--graph", metavar="SPEC", help="the exact curve of a random walk on this graph (any length), "
                   "e.g. cycle:8; with --length")
    p.add_argument("--hmm", metavar="SPEC", help="the exact curve of this HMM (dense law: small lengths), e.g. "
                   "block:2,2; with --length")
    p.add_argument("--length", type=int_arg("--length", 1), help="length n of the --graph walk or the --hmm (or of a torch --model)")
    p.add_argument("--start", default="stationary", help="the walk's start: stationary (default), uniform or vertex:V")
    p.add_argument("--lazy", type=finite_float("--lazy", 0.0, high=1.0), default=0.0,
                   help="the walk's holding probability in [0, 1) (default 0)")
    p.add_argument("--weighted", action="store_true", help="the walk uses edge weights (edge-list files)")


def read_curve(args) -> tuple[np.ndarray, str]:
    """The validated curve and its unit name from ``JOINT.npy``, ``--curve``, ``--graph`` or ``--hmm``."""
    given = [name for name, v in (("JOINT.npy", args.joint), ("--curve", args.curve), ("--graph", args.graph),
                                  ("--hmm", args.hmm)) if v is not None]
    if len(given) != 1:
        raise InputError("give exactly one source: a table JOINT.npy, --curve FILE, --graph SPEC --length N or "
                         f"--hmm SPEC --length N; got {' and '.join(given) if given else 'none'}")
    if (args.length is None) != (args.graph is None and args.hmm is None):
        raise InputError("--length N goes with --graph or --hmm (and they need it)")
    if args.graph is None and (args.start != "stationary" or args.lazy != 0.0 or args.weighted):
        raise InputError("--start, --lazy and --weighted describe a --graph walk; drop them")
    if args.graph is not None:
        chain = random_walk(parse_graph(args.graph, max_memory=args.max_memory), args.length, start=args.start,
                            lazy=args.lazy, weighted=args.weighted)
        check_memory(tables_memory(chain), f"the information curve of a walk of length {chain.n} on {args.graph}",
                     args.max_memory)
        return as_curve(chain.information_curve(args.base), tol=1e-7), unit_name(args.base)
    if args.hmm is not None:
        z = load_model(args).information_curve(args.base, args.max_memory)
        return as_curve(z, tol=1e-7), unit_name(args.base)
    if args.curve is not None:
        z = load_curve(args.curve, max_memory=args.max_memory)
        stated = curve_file_unit(args.curve, args.max_memory)
        given = args.curve_unit
        if given is not None and stated is not None and given != stated:
            raise InputError(f"--curve-unit {given} but the file {args.curve} says its unit is {stated}; "
                             "drop --curve-unit or fix the file")
        unit = given or stated or "nats"
        # to nats, then to --base: the printed unit is the unit of the printed numbers
        return z / unit_scale(CURVE_UNITS[unit]) * unit_scale(args.base), unit_name(args.base)
    if args.curve_unit is not None:
        raise InputError("--curve-unit names the unit of --curve FILE; a table's curve is computed in --base")
    joint = load_joint(args.joint, args.max_memory)
    z = information_curve(joint, args.base, args.max_memory)
    return as_curve(z, tol=1e-7), unit_name(args.base)


def add_family(p) -> None:
    """``--family NAME --param key=value ...``."""
    p.add_argument("--family", choices=list(FAMILIES), help="a published schedule family, evaluated instead of optimised")
    add_params(p, "family parameters, e.g. --param k=8 or --param tc_hat=1 eps=0.1")


def family_schedule(args, z: np.ndarray) -> tuple[Schedule, dict]:
    """The schedule of ``--family`` with ``--param`` for the curve's length, and the parameters."""
    params = parse_params(args.param)
    return schedule_family(args.family, z.size, curve=z, **params), params
