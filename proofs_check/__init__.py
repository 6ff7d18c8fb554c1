"""One module per published claim, each with ``check(quick: bool = False) -> Claim``.

``mdmtheory check`` (and ``mdmtheory reproduce``) run every module listed by :func:`claim_modules`
and print one table.  Every check uses the exact engines, not samples.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from dataclasses import dataclass, field

__all__ = ["Claim", "claim_modules", "run_claims"]


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


def claim_modules() -> list[str]:
    """Names of the claim modules (every public module of this package), sorted."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def run_claims(names: list[str] | None = None, quick: bool = False, progress=None) -> list[Claim]:
    """Run the named claims (default all); each result carries its wall time."""
    out = []
    mods = names or claim_modules()
    for name in progress(mods, desc="claims") if progress else mods:
        t0 = time.perf_counter()
        claim = importlib.import_module(f"{__name__}.{name}").check(quick=quick)
        claim.seconds = time.perf_counter() - t0
        out.append(claim)
    return out
