"""``mdmtheory walk-info --graph SPEC --length N``: entropy, TC, DTC, ``Hbar`` and the
information curve of a random walk, exactly and without enumeration (any ``n``)."""

from __future__ import annotations

from ..errors import check_memory
from ..markov import tables_memory
from . import add_common, emit
from ._estimates import run_walk_info
from .walk import add_walk_args, build_chain


def register(sub) -> None:
    p = sub.add_parser("walk-info", help="information measures of a random walk on a graph (exact, any length)")
    add_walk_args(p)
    add_common(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if args.hmm is not None:
        return run_walk_info(args)
    chain = build_chain(args)
    check_memory(tables_memory(chain), f"the information measures of a walk of length {chain.n} on {args.graph}",
                 args.max_memory)
    result = {"graph": args.graph, "start": args.start, "lazy": args.lazy}
    result.update(chain.summary(args.base))
    emit(result, args.json, title=f"information measures of a walk on {args.graph} ({result['unit']})")
    return 0
