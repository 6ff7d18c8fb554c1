"""Running the user's Python code: bound files (the conjecture tester) and ``python:`` models.

The user's code runs with its standard output sent to standard error (its prints must not corrupt
``--json``) and, from the main thread, within a wall-clock limit; ``sys.exit`` and exceptions
in it become a clean :class:`~mdmtheory.errors.InputError`.  Below both its users
(:mod:`mdmtheory.conjecture` and :mod:`mdmtheory.oracles`), so neither imports the other.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import signal
import sys
import threading
from typing import Callable

from .errors import InputError
from .files import check_input_file

__all__ = ["BOUND_TIMEOUT", "MODEL_TIMEOUT", "TimeLimit", "user_code", "load_bound", "call_user"]

#: Default limit (seconds) on one call of the user's ``bound(ctx)`` (and on importing its file).
BOUND_TIMEOUT = 10.0

#: Default limit (seconds) on one call of a ``python:`` model (``evaluate --model-timeout``).
MODEL_TIMEOUT = 10.0


class TimeLimit(BaseException):
    """Raised inside the user's code when a call runs past its time limit (a BaseException,
    so that a bare ``except Exception`` in the user's code does not swallow it)."""


@contextlib.contextmanager
def user_code(seconds: float | None):
    """Run the user's code with standard output sent to standard error (its prints must not
    corrupt ``--json``) and, from the main thread, a wall-clock limit (``SIGALRM``)."""
    use_alarm = (seconds is not None and hasattr(signal, "setitimer")
                 and threading.current_thread() is threading.main_thread())
    old = None
    if use_alarm:
        def _expired(signum, frame):
            raise TimeLimit

        old = signal.signal(signal.SIGALRM, _expired)
        signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        with contextlib.redirect_stdout(sys.stderr if sys.stderr is not None else io.StringIO()):
            yield
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0.0)
            signal.signal(signal.SIGALRM, old)


def load_bound(path: str | os.PathLike, timeout: float | None = BOUND_TIMEOUT, attr: str = "bound") -> Callable:
    """Load ``bound(ctx) -> float`` (or the function named ``attr``) from a Python file.

    The file is executed with its standard output sent to standard error and, from the main
    thread, within ``timeout`` seconds.

    Parameters
    ----------
    path : str or path-like
        A ``.py`` file defining ``bound``.
    timeout : float or None
        Seconds the import may take (default :data:`BOUND_TIMEOUT`); None for no limit.
    attr : str
        The name of the function to load (default ``bound``; the ``--model python:FILE.py:NAME``
        of :func:`mdmtheory.models.model_oracle` loads ``NAME``).

    Raises
    ------
    InputError
        Missing file, a name without the ``.py`` suffix, a directory, FIFO or device, a file
        that fails to import (an exception, ``sys.exit``, or running past ``timeout``), or no
        callable ``bound`` in it.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "bound.py")
    >>> with open(path, "w") as f:
    ...     _ = f.write("def bound(ctx): return ctx.tc")
    >>> callable(load_bound(path))
    True
    """
    path = os.fspath(path)
    kind = "bound file" if attr == "bound" else "Python file"
    sig = "bound(ctx) -> float" if attr == "bound" else f"the function {attr}"
    if not os.path.exists(path):
        raise InputError(f"no such {kind}: {path!r}; write a .py file defining {sig}")
    if not path.endswith(".py"):
        raise InputError(f"the {kind} {path!r} has no .py suffix; name it like {attr}.py (a Python file defining {sig})")
    check_input_file(path, f"a .py file defining {sig}")
    spec = importlib.util.spec_from_file_location("mdmtheory_user_bound", path)
    if spec is None or spec.loader is None:
        raise InputError(f"cannot load {path!r} as Python; give a .py file defining {sig}")
    module = importlib.util.module_from_spec(spec)
    try:
        with user_code(timeout):
            spec.loader.exec_module(module)
    except TimeLimit:
        raise InputError(f"the {kind} {path!r} took more than {timeout:g} s to import; "
                         "remove the long-running code at its top level") from None
    except SystemExit as exc:
        raise InputError(f"the {kind} {path!r} called sys.exit({exc.code!r}) while importing; remove the call") from None
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # the user's file (any exception, GeneratorExit included): report, do not crash
        raise InputError(f"the {kind} {path!r} failed to import: {type(exc).__name__}: {exc}") from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        if attr != "bound":
            raise InputError(f"the file {path!r} defines no function {attr}; define it or name one the file defines")
        raise InputError(f"the bound file {path!r} defines no function bound(ctx) -> float")
    return fn


def call_user(fn: Callable, args: tuple, what: str, timeout: float | None):
    """``fn(*args)`` run as the user's code (:func:`user_code`: prints to standard error, from the
    main thread a wall-clock limit of ``timeout`` seconds); ``sys.exit``, a time-out and any
    exception become an :class:`InputError` naming ``what`` (an :class:`InputError` raised by
    ``fn`` passes through unchanged).

    Raises
    ------
    InputError
        As described, e.g. ``the model m called sys.exit(0); return marginals instead``.

    Examples
    --------
    >>> call_user(lambda a: a + 1, (1,), "the model f", 1.0)
    2
    >>> call_user(lambda: 1 / 0, (), "the model f", 1.0)
    Traceback (most recent call last):
    ...
    mdmtheory.errors.InputError: the model f raised ZeroDivisionError: division by zero
    """
    try:
        with user_code(timeout):
            return fn(*args)
    except TimeLimit:
        raise InputError(f"{what} ran for more than {timeout:g} s in one call; make it faster or raise the limit "
                         "(--model-timeout)") from None
    except SystemExit as exc:
        raise InputError(f"{what} called sys.exit({exc.code!r}); return a value instead") from None
    except (InputError, KeyboardInterrupt):
        raise
    except BaseException as exc:  # the user's code (GeneratorExit and other BaseExceptions too): report, do not crash
        raise InputError(f"{what} raised {type(exc).__name__}: {exc}") from None
