"""One module per published claim, each with ``check(quick: bool = False) -> Claim``.

``mdmtheory check`` (and ``mdmtheory reproduce``) run every module listed by :func:`claim_modules`
and print one table.  Every check uses the exact engines, not samples, and compares the published
statement with an independent computation (brute force on the table from ``_brute``, another
engine); each module names its claim once, in ``NAME``, which is what the table prints.

Every check can fail: its ingredients (the engine under test, the stated formula or bound, the
curve) are keyword arguments of ``check`` with the correct defaults, and
``tests/test_claims_can_fail.py`` feeds each claim a wrong one and expects FAIL.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from dataclasses import dataclass, field

from mdmtheory.errors import InputError

__all__ = ["Claim", "claim_modules", "claim_names", "resolve", "run_claims", "cases", "TOL", "MARGIN", "KINDS", "SOURCES_READ"]

#: Rounding noise: two exact computations of one quantity must agree, and an exact inequality
#: must hold, within ``TOL`` (nats, or bits where a claim says so).
TOL = 1e-10
#: A difference larger than ``MARGIN`` is real: a strict inequality, a winner, a form that fails.
MARGIN = 1e-9

#: What a verdict says was checked (``Claim.kind``):
#:
#: * ``confirmed``: the statement as printed holds on every case checked;
#: * ``corrected``: the printed form fails, a corrected form holds (the claim's ``detail`` says how);
#: * ``scoped``: the statement holds on the stated (narrowed) scope only;
#: * ``consistency``: an identity or bound of the toolkit's own engines or definitions (it holds by
#:   construction of the rule or tests our own optimum), not a check of the paper's statement;
#: * ``fail``: the printed statement fails and no corrected form is given (the counterexample is
#:   the finding; the verdict PASS then means the counterexample was reproduced).
KINDS = ("confirmed", "corrected", "scoped", "consistency", "fail")
#: What of the source was read (``Claim.source_read``: one or more of these, joined by ``", "``):
#: the paper's ``full text``, its ``abstract``, its published ``code``, a third-party ``summary``
#: (an issue, a review), the developers' ``reference notes`` (which quote the paper), or ``none``
#: (the statement is the toolkit's own derivation, docs/theory.md).
SOURCES_READ = ("full text", "abstract", "code", "summary", "reference notes", "none")


@dataclass
class Claim:
    """The outcome of checking one published claim.

    ``numbers`` holds the quantities compared (name -> value), ``passed`` the verdict and
    ``detail`` one sentence on what was compared (and, where a source was wrong, which form holds).
    ``kind`` says what the verdict checked (one of :data:`KINDS`) and ``source_read`` what of the
    source was read (terms of :data:`SOURCES_READ` joined by ``", "``); every claim module sets
    both (``KIND``, ``SOURCE_READ``), and an unknown value raises.
    """

    name: str
    source: str
    passed: bool
    numbers: dict = field(default_factory=dict)
    detail: str = ""
    seconds: float = 0.0
    kind: str = ""
    source_read: str = ""

    def __post_init__(self):
        if self.kind and self.kind not in KINDS:
            raise InputError(f"claim {self.name}: kind={self.kind!r} is not one of {', '.join(KINDS)}")
        if self.source_read:
            unknown = [t for t in self.source_read.split(", ") if t not in SOURCES_READ]
            if unknown:
                raise InputError(f"claim {self.name}: source_read term(s) {unknown} not in {', '.join(SOURCES_READ)} "
                                 "(join several with ', ')")

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"

    def to_dict(self) -> dict:
        """The JSON row: ``name``, ``source``, ``verdict``, ``numbers``, ``detail``, ``seconds``,
        ``kind``, ``source_read``.

        Examples
        --------
        >>> Claim("x", "paper", True, {"gap": 0.0}).to_dict()["verdict"]
        'PASS'
        """
        return {"name": self.name, "source": self.source, "verdict": self.verdict, "numbers": self.numbers,
                "detail": self.detail, "seconds": self.seconds, "kind": self.kind, "source_read": self.source_read}


def claim_modules() -> list[str]:
    """Names of the claim modules (every public module of this package), sorted."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def _printed_name(module: str) -> str:
    """The module's ``NAME`` (every claim module names its claim once, there)."""
    mod = importlib.import_module(f"{__name__}.{module}")
    name = getattr(mod, "NAME", None)
    if not isinstance(name, str):  # pragma: no cover - a claim module without NAME is a bug
        raise AssertionError(f"claim module {module} has no NAME")
    return name


def claim_names() -> dict[str, str]:
    """``{printed claim name: module name}`` for every claim module."""
    return {_printed_name(m): m for m in claim_modules()}


def resolve(names: list[str]) -> list[str]:
    """The module names of ``names``, each a module name (``theorem4``) or a printed claim name
    (``theorem4_exact_kl``).

    Raises
    ------
    mdmtheory.errors.InputError
        On an unknown name; the message lists the valid names.

    Examples
    --------
    >>> resolve(["theorem4_exact_kl", "lemma8"])
    ['theorem4', 'lemma8']
    """
    modules = claim_modules()
    if all(name in modules for name in names):
        return list(names)
    printed = claim_names()
    unknown = [name for name in names if name not in modules and name not in printed]
    if unknown:
        raise InputError(
            f"unknown claim(s) {', '.join(unknown)}; choose from {', '.join(sorted(printed))} "
            f"(or the module names {', '.join(modules)})"
        )
    return [printed.get(name, name) for name in names]


#: The progress-bar factory of the claims run now (set by :func:`run_claims`; ``None``: no bars).
BARS: dict = {"progress": None}


def cases(items, desc: str):
    """The sub-cases of a long claim, iterated under a bar of their own (below the claims bar)
    while :func:`run_claims` runs with bars; plainly otherwise.

    Examples
    --------
    >>> list(cases([1, 2], "tables"))
    [1, 2]
    """
    make = BARS["progress"]
    items = list(items)
    return items if make is None else make(items, total=len(items), desc=f"  {desc}")


def run_claims(names: list[str] | None = None, quick: bool = False, progress=None) -> list[Claim]:
    """Run the named claims (module or printed names; default all); each result carries its
    wall time.  ``progress``: a bar factory (:func:`mdmtheory.progress.progress`) for the claims
    and for the sub-cases of the long ones (:func:`cases`).

    Raises
    ------
    mdmtheory.errors.InputError
        On an unknown claim name.
    """
    out = []
    mods = resolve(names) if names else claim_modules()
    bar = progress(mods, desc="claims") if progress else mods
    for name in bar:
        if progress:
            bar.set_postfix_str(name)
        t0 = time.perf_counter()
        BARS["progress"] = progress
        try:
            claim = importlib.import_module(f"{__name__}.{name}").check(quick=quick)
        finally:
            BARS["progress"] = None
        claim.seconds = time.perf_counter() - t0
        if not (claim.kind and claim.source_read):  # pragma: no cover - every module sets KIND and SOURCE_READ
            raise AssertionError(f"claim module {name} sets no kind / source_read")
        out.append(claim)
    return out
