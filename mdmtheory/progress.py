"""Progress bars for long work: shown on a terminal, silent otherwise (pipes, CI, tests)."""

from __future__ import annotations

import sys
from typing import Iterable

__all__ = ["progress"]


def progress(
    iterable: Iterable | None = None, total: int | None = None, desc: str | None = None, show: bool = True, **kwargs
):
    """A :class:`tqdm.tqdm` bar on standard error, disabled when standard error is not a terminal
    or ``show`` is false (tqdm is imported on first use)."""
    # start-up time: tqdm loads with the first progress bar, not with import mdmtheory
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, disable=None if show else True, leave=False, **kwargs)
