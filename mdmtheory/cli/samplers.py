"""``mdmtheory samplers [--json]``: every registered sampler with its parameters, defaults,
units, model-call cost, the published code it follows (repository, path, functions, the commit
read) and, in one line, where it departs from the paper."""

from __future__ import annotations

from ..samplers import RULES
from . import emit, format_value


def register(sub) -> None:
    p = sub.add_parser("samplers", help="list every sampler: parameters, defaults, units, source")
    p.add_argument("--json", action="store_true", help="print strict JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.json:
        emit({"samplers": [r.to_dict() for r in RULES.values()]}, True)
        return 0
    print("samplers (mdmtheory evaluate/walk --sampler NAME --param KEY=VALUE ...)")
    for r in RULES.values():
        rand = ", random selection" if r.random_selection else ""
        cand = ", draws candidates" if r.candidates else ""
        print(f"\n  {r.name}: {r.doc}")
        print(f"    source: {r.source}")
        if r.origin is not None:
            print(f"    follows {r.origin.line()}")
            if r.origin.note:
                print(f"    note: {r.origin.note}")
            print(f"    departs from the paper: {r.origin.departs}")
        print(f"    model calls: {r.calls}{rand}{cand}")
        for p in r.params:
            unit = f" [{p.unit}]" if p.unit else ""
            choices = f" (one of {', '.join(p.choices)})" if p.choices else ""
            print(f"    {p.name}={format_value(p.default)}{unit}: {p.doc}{choices}")
    return 0
