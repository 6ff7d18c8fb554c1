"""Progress bars for long work: shown on a terminal, silent otherwise (pipes, CI, tests).

:func:`progress` is a :class:`tqdm.tqdm` bar on standard error; :func:`compile_note` prints one
line on standard error, on a terminal only, when numba first compiles a kernel in this process
(the kernel cache is cold: a first run, or after the kernels' sources changed).
"""

from __future__ import annotations

import sys
from typing import Iterable

__all__ = ["progress", "compile_note", "COMPILE_NOTE"]

#: The line :func:`compile_note` prints.
COMPILE_NOTE = "compiling numerical kernels (first run only, about a minute)..."


def _stderr_is_terminal() -> bool:
    stream = sys.stderr
    try:
        return stream is not None and bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or exotic stream
        return False


def progress(
    iterable: Iterable | None = None, total: int | None = None, desc: str | None = None, show: bool = True, **kwargs
):
    """A :class:`tqdm.tqdm` bar on standard error, disabled when standard error is not a terminal
    or ``show`` is false (tqdm is imported on first use).

    The terminal test is made here, on ``sys.stderr`` as it is now (tqdm's own test is skipped), so
    a bar is drawn exactly when :func:`compile_note` would speak.
    """
    # start-up time: tqdm loads with the first progress bar, not with import mdmtheory
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, disable=not (show and _stderr_is_terminal()),
                leave=False, **kwargs)


_NOTE = {"listener": None}


def compile_note() -> bool:
    """On a terminal, arrange for :data:`COMPILE_NOTE` to be printed on standard error the first
    time numba compiles a kernel in this process (a cold cache; loading a cached kernel is
    silent); returns whether the note was armed (``False``: standard error is not a terminal, or
    it is armed already).  numba's ``numba:compile`` event fires only on a cache miss."""
    if _NOTE["listener"] is not None or not _stderr_is_terminal():
        return False
    # start-up time: numba loads here only on a terminal, after the command line is parsed
    import numba

    numba.njit  # load in full first a numba bound lazily (mdmtheory.information): a submodule
    # imported into a half-loaded lazy numba breaks numba's cache loader
    # start-up time: numba's event module, with numba
    from numba.core import event

    class _Note(event.Listener):
        def on_start(self, ev):
            if _NOTE["listener"] is self and not _NOTE.get("said"):
                _NOTE["said"] = True
                # start-up time: tqdm is loaded by now or soon (the bars); its write keeps a bar intact
                from tqdm.auto import tqdm

                tqdm.write(COMPILE_NOTE, file=sys.stderr)

        def on_end(self, ev):
            pass

    listener = _Note()
    _NOTE["listener"] = listener
    event.register("numba:compile", listener)
    return True
