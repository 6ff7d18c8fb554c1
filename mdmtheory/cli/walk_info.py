"""``mdmtheory walk-info --graph SPEC --length N``: entropy, TC, DTC, ``Hbar`` and the
information curve of a random walk, exactly and without enumeration (any ``n``)."""

from __future__ import annotations

from ..markov import random_walk
from . import add_common, emit
from .walk import add_walk_args


def register(sub) -> None:
    p = sub.add_parser("walk-info", help="information measures of a random walk on a graph (exact, any length)")
    add_walk_args(p)
    add_common(p)
    p.set_defaults(func=run)


def run(args) -> int:
    chain = random_walk(args.graph, args.length, start=args.start, lazy=args.lazy, weighted=args.weighted)
    result = {"graph": args.graph, "start": args.start, "lazy": args.lazy}
    result.update(chain.summary(args.base))
    emit(result, args.json, title=f"information measures of a walk on {args.graph} ({result['unit']})")
    return 0
