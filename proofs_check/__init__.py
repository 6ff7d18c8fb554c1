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

__all__ = ["Claim", "claim_modules", "claim_names", "resolve", "run_claims", "TOL", "MARGIN"]

#: Rounding noise: two exact computations of one quantity must agree, and an exact inequality
#: must hold, within ``TOL`` (nats, or bits where a claim says so).
TOL = 1e-10
#: A difference larger than ``MARGIN`` is real: a strict inequality, a winner, a form that fails.
MARGIN = 1e-9


@dataclass
class Claim:
    """The outcome of checking one published claim.

    ``numbers`` holds the quantities compared (name -> value), ``passed`` the verdict and
    ``detail`` one sentence on what was compared (and, where a source was wrong, which form holds).
    """

    name: str
    source: str
    passed: bool
    numbers: dict = field(default_factory=dict)
    detail: str = ""
    seconds: float = 0.0

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"

    def to_dict(self) -> dict:
        """The JSON row: ``name``, ``source``, ``verdict``, ``numbers``, ``detail``, ``seconds``.

        Examples
        --------
        >>> Claim("x", "paper", True, {"gap": 0.0}).to_dict()["verdict"]
        'PASS'
        """
        return {"name": self.name, "source": self.source, "verdict": self.verdict, "numbers": self.numbers,
                "detail": self.detail, "seconds": self.seconds}


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


def run_claims(names: list[str] | None = None, quick: bool = False, progress=None) -> list[Claim]:
    """Run the named claims (module or printed names; default all); each result carries its
    wall time.

    Raises
    ------
    mdmtheory.errors.InputError
        On an unknown claim name.
    """
    out = []
    mods = resolve(names) if names else claim_modules()
    for name in progress(mods, desc="claims") if progress else mods:
        t0 = time.perf_counter()
        claim = importlib.import_module(f"{__name__}.{name}").check(quick=quick)
        claim.seconds = time.perf_counter() - t0
        out.append(claim)
    return out
