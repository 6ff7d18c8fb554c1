"""Progress bars for long work: shown on a terminal, silent otherwise (pipes, CI, tests)."""

from __future__ import annotations

import sys
from typing import Iterable

__all__ = ["progress"]


def progress(iterable: Iterable | None = None, total: int | None = None, desc: str | None = None, **kwargs):
    """A :class:`tqdm.tqdm` bar on standard error, disabled when standard error is not a terminal
    (tqdm is imported on first use)."""
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, disable=None, leave=False, **kwargs)
