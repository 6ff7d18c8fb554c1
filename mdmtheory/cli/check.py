"""``mdmtheory check [NAME ...] [--quick] [--json]``: run the published-claim checks of
``proofs_check/`` and print one table; exit code 1 if any claim fails.

``NAME`` is a claim as the table prints it (``theorem4_exact_kl``) or its module
(``theorem4``); an unknown name is an input error (exit 2, the valid names listed) raised
before any claim runs."""

from __future__ import annotations

from ..progress import progress
from . import emit, format_value


def register(sub) -> None:
    p = sub.add_parser("check", help="check the published claims exactly (proofs_check/)")
    p.add_argument("names", nargs="*", help="claims to run, as printed (theorem4_exact_kl) or by module (theorem4); default: all")
    p.add_argument("--quick", action="store_true", help="smaller grids, for the test suite")
    p.add_argument("--json", action="store_true", help="print strict JSON")
    p.set_defaults(func=run)


def numbers_line(numbers: dict, width: int = 60) -> str:
    """The numbers of a claim, whole ``key=value`` items (4 significant digits) while they fit in
    ``width``, then how many more there are: never a number cut in the middle."""
    items = [f"{k}={format_value(v, 4)}" for k, v in numbers.items()]
    text = ""
    for i, item in enumerate(items):
        more = f" (+{len(items) - i} more; --json has all)"
        candidate = item if not text else f"{text}, {item}"
        if len(candidate) > width and text:
            return text + more
        text = candidate
    return text


def run(args) -> int:
    # start-up time: the claims load only when check runs, not for mdmtheory --help
    from ..proofs_check import resolve, run_claims

    names = resolve(args.names) if args.names else None  # InputError (exit 2) before any claim runs
    claims = run_claims(names, quick=args.quick, progress=progress)
    failed = [c for c in claims if not c.passed]
    if args.json:
        emit({"claims": claims_json(claims), "failed": len(failed)}, True)
    else:
        print_claims(claims)
    return 1 if failed else 0


def claims_json(claims) -> list[dict]:
    """The JSON rows of a claims table."""
    return [c.to_dict() for c in claims]


def print_claims(claims) -> None:
    """One table: claim, verdict, verdict kind, time, source; under it what of the source was read
    and the numbers compared; last, the count of passes and of each kind."""
    failed = [c for c in claims if not c.passed]
    w = max([len(c.name) for c in claims] + [5])
    k = max([len(c.kind) for c in claims] + [4])
    print(f"  {'claim':<{w}}  {'verdict':<7}  {'kind':<{k}}  {'time':>6}  source / read / numbers")
    for c in claims:
        print(f"  {c.name:<{w}}  {c.verdict:<7}  {c.kind:<{k}}  {c.seconds:>5.1f}s  {c.source}")
        print(f"  {'':<{w}}  {'':<7}  {'':<{k}}  {'':>6}  read: {c.source_read}")
        print(f"  {'':<{w}}  {'':<7}  {'':<{k}}  {'':>6}  {numbers_line(c.numbers, 90)}")
    kinds = {}
    for c in claims:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    by_kind = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    print(f"\n{len(claims) - len(failed)} of {len(claims)} claim checks pass; the statements: {by_kind} "
          "(a 'fail' check passes when it reproduces the counterexample)")
