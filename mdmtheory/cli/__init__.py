"""The ``mdmtheory`` command line.

Each command lives in its own module of this package (found automatically), exposing
``register(subparsers)`` which adds its sub-parser with ``set_defaults(func=run)``.
Bad input never gives a traceback: exit code 2 and one line ``mdmtheory: error: ...``.
"""

from __future__ import annotations

import argparse
import importlib
import io
import pkgutil
import json
import math
import os
import sys
import threading
from typing import Any, Sequence

from .. import __version__
from .._numeric import split_fields
from ..errors import InputError
from ..files import to_jsonable
from ..progress import compile_note
from ..samplers import RULES, SAMPLER_NAMES

__all__ = ["main", "to_jsonable", "emit", "add_common", "add_params", "parse_params", "parse_sampler_params", "base_arg",
           "CliError", "finite_float", "int_arg", "format_value",
           "split_param_pairs"]

#: Commands listed first, in this order; every other public module of this package follows.
FIRST = ["info", "kl", "schedule", "bounds", "samplers", "evaluate", "frontier", "walk", "walk_info", "check", "conjecture", "reproduce"]


def _command_modules() -> list[str]:
    found = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    return sorted(found, key=lambda m: (FIRST.index(m) if m in FIRST else len(FIRST), m))


class CliError(InputError):
    """A usage error found by the argument parser."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage dump
        raise CliError(message)


class _Version(argparse.Action):
    """``--version``: prints the version and exits 0 only when it is the only argument."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="print the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        argv = getattr(parser, "argv", None)
        if argv is None or len(argv) != 1:
            others = [a for a in (argv or []) if a != option_string]
            raise CliError(f"{option_string} takes no other arguments; got {' '.join(others)!r}")
        print("mdmtheory " + __version__)
        raise _VersionShown


class _VersionShown(Exception):
    """Raised by ``--version`` after printing: :func:`main` returns 0."""


def base_arg(text: str) -> float | None:
    """``--base``: a number > 0 other than 1, or ``e`` (nats)."""
    if text.strip().lower() == "e":
        return None
    try:
        b = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--base takes a number like 2 (bits) or e (nats); got {text!r}") from None
    if not b > 0 or b == 1 or not math.isfinite(b):
        raise argparse.ArgumentTypeError(f"--base must be a positive number other than 1; got {text!r}")
    return int(b) if b.is_integer() else b


def _number(text: str, flag: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{flag} takes a number; got {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"{flag} must be a finite number; got {text!r}")
    return v


def finite_float(flag: str, low: float | None = None, low_open: bool = False, high: float | None = None):
    """An argparse type: a finite float, optionally ``>= low`` (``> low`` if ``low_open``) and ``< high``.

    ``inf``, ``nan`` and overflowing literals such as ``1e999`` are refused with the flag's name.
    """

    def parse(text: str) -> float:
        v = _number(text, flag)
        if low is not None and (v <= low if low_open else v < low):
            raise argparse.ArgumentTypeError(f"{flag} must be {'>' if low_open else '>='} {low:g}; got {text!r}")
        if high is not None and not v < high:
            raise argparse.ArgumentTypeError(f"{flag} must be < {high:g}; got {text!r}")
        return v

    return parse


def int_arg(flag: str, low: int | None = None):
    """An argparse type: an integer (written without a fraction), optionally ``>= low``."""

    def parse(text: str) -> int:
        try:
            v = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} takes an integer; got {text!r}") from None
        if low is not None and v < low:
            what = {0: "a non-negative integer", 1: "a positive integer"}.get(low, f"an integer >= {low}")
            raise argparse.ArgumentTypeError(f"{flag} must be {what}; got {text!r}")
        return v

    return parse


def _memory_arg(text: str) -> float:
    units = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
    t = text.strip().lower().rstrip("ib").rstrip("b")
    mult = 1
    if t and t[-1] in units:
        mult, t = units[t[-1]], t[:-1]
    try:
        v = float(t) * mult
    except ValueError:
        raise argparse.ArgumentTypeError(f"--max-memory takes bytes, e.g. 8G or 500M; got {text!r}") from None
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"--max-memory must be a positive finite size like 8G; got {text!r}")
    return v


def add_common(p: argparse.ArgumentParser, base: bool = True, memory: bool = True) -> None:
    """The options every computing command shares: ``--json``, ``--base``, ``--max-memory``."""
    p.add_argument("--json", action="store_true", help="print strict JSON (infinities as the string \"inf\")")
    if base:
        p.add_argument("--base", type=base_arg, default=None, help="logarithm base: 2 for bits, e (default) for nats")
    if memory:
        p.add_argument("--max-memory", type=_memory_arg, default=None, help="memory ceiling, e.g. 8G (default 4G)")


def split_param_pairs(argv: Sequence[str]) -> list[str]:
    """``--param a=1 b=2 TABLE`` as ``--param=a=1 --param=b=2 TABLE``: the pairs after ``--param``
    end at the first word without ``=``, so a positional argument written after them stays one
    (argparse's ``nargs="+"`` would take it as a pair).  Nothing changes after ``--``.

    Examples
    --------
    >>> split_param_pairs(["evaluate", "--param", "steps=2", "t.npy", "--json"])
    ['evaluate', '--param=steps=2', 't.npy', '--json']
    """
    out: list[str] = []
    pending, pairs = False, 0
    for i, word in enumerate(argv):
        if word == "--":
            return out + (["--param"] if pending and not pairs else []) + list(argv[i:])
        if word == "--param":
            if pending and not pairs:
                out.append("--param")
            pending, pairs = True, 0
            continue
        if pending and "=" in word and not word.startswith("-"):
            out.append(f"--param={word}")
            pairs += 1
            continue
        if pending and not pairs:
            out.append("--param")  # no pair after it: argparse and parse_params report it as before
        pending = False
        out.append(word)
    return out + (["--param"] if pending and not pairs else [])


def add_params(p: argparse.ArgumentParser, help: str) -> None:
    """``--param KEY=VALUE ...``: one or more pairs, the flag repeatable."""
    p.add_argument("--param", nargs="+", action="extend", default=[], metavar="KEY=VALUE", help=help)


def parse_params(items: Sequence[str]) -> dict:
    """``["k=8", "proxy=entropy"]`` to ``{"k": 8, "proxy": "entropy"}`` (ints and floats converted).

    Raises
    ------
    InputError
        An item without ``=``, or a number that is not finite (``inf``, ``nan``, ``1e999``).
    """
    out: dict = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"--param takes KEY=VALUE pairs like k=8 (after the positional arguments); got {item!r}")
        key, val = (x.strip() for x in item.split("=", 1))
        for conv in (int, float):
            try:
                out[key] = conv(val)
                break
            except ValueError:
                continue
        else:
            out[key] = val
        if isinstance(out[key], float) and not math.isfinite(out[key]):
            raise InputError(f"--param {key} must be a finite number; got {val!r}")
    return out


def parse_sampler_params(name: str, items: Sequence[str]) -> dict:
    """``--param KEY=VALUE`` strings to the typed parameters of sampler ``name`` (the registry's
    types: ``int``, ``float``, ``str``, ``bool`` as ``true``/``false``, ``sizes`` as ``2,1,1``;
    ``none`` for an optional one).

    Raises
    ------
    InputError
        Unknown sampler or parameter, or a value that does not parse, naming the fix.

    Examples
    --------
    >>> parse_sampler_params("llada", ["steps=4", "block_length=2", "temperature=1"])
    {'steps': 4, 'block_length': 2, 'temperature': 1.0}
    >>> parse_sampler_params("confidence", ["schedule=2,1"])
    {'schedule': [2, 1]}
    """
    if name not in RULES:
        raise InputError(f"unknown sampler {name!r}; valid samplers: {', '.join(SAMPLER_NAMES)}")
    spec = {p.name: p for p in RULES[name].params}
    out: dict = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"--param takes KEY=VALUE pairs like steps=4 (after the positional arguments); got {item!r}")
        key, val = (x.strip() for x in item.split("=", 1))
        if key not in spec:
            listed = ", ".join(spec) or "none"
            raise InputError(f"unknown parameter {key!r} for sampler {name!r}; valid parameters: {listed}")
        p = spec[key]
        if p.optional and val.lower() == "none":
            out[key] = None
            continue
        try:
            if p.kind == "int":
                f = float(val)
                if not f.is_integer():
                    raise ValueError
                out[key] = int(f)
            elif p.kind == "float":
                out[key] = float(val)
            elif p.kind == "bool":
                if val.lower() not in ("true", "false"):
                    raise ValueError
                out[key] = val.lower() == "true"
            elif p.kind == "sizes":
                out[key] = [int(v) for v in split_fields(val, f"{name} parameter {key}")]
            elif p.kind == "edges":  # 0-1,1-2
                pairs = [e.replace(" ", "").split("-") for e in split_fields(val, f"{name} parameter {key}")]
                if any(len(e) != 2 for e in pairs):
                    raise ValueError
                out[key] = [[int(a), int(b)] for a, b in pairs]
            else:
                out[key] = val
        except ValueError:
            want = {"int": "an integer", "float": "a number", "bool": "true or false",
                    "sizes": "comma-separated integers like 2,1,1",
                    "edges": "comma-separated pairs of positions like 0-1,1-2"}[p.kind]
            raise InputError(f"{name} parameter {key} takes {want}; got {val!r}") from None
    return out


def format_value(v: Any, digits: int = 10) -> str:
    """One value of a text output, never a Python repr: ``null`` for a missing value (``None``),
    ``true``/``false``, numbers to ``digits`` significant digits, lists as ``[a, b]``, a mapping
    as ``key=value, key=value`` (``-`` when empty), rows of a table one a line.

    Examples
    --------
    >>> format_value(None), format_value({"steps": 2, "tau": 0.5}), format_value([1.0, None]), format_value(True)
    ('null', 'steps=2, tau=0.5', '[1, null]', 'true')
    """
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    if isinstance(v, dict):
        return ", ".join(f"{k}={format_value(x, digits)}" for k, x in v.items()) if v else "-"
    if isinstance(v, (list, tuple)):
        if v and isinstance(v[0], dict):
            return "\n" + "\n".join("    " + "  ".join(f"{k}={format_value(x, digits)}" for k, x in row.items())
                                     for row in v)
        return "[" + ", ".join(format_value(x, digits) for x in v) + "]"
    return str(v)


def emit(result: dict, as_json: bool, title: str | None = None) -> None:
    """Print ``result`` as strict JSON or as an aligned ``key  value`` table."""
    data = to_jsonable(result)
    if as_json:
        # streamed: json.dumps with indent builds a list of every chunk and then the whole
        # string (about 60 bytes a number more, measured on a 3000-point frontier)
        json.dump(data, sys.stdout, allow_nan=False, indent=2)
        sys.stdout.write("\n")
        return
    if title:
        print(title)
    width = max((len(k) for k in data), default=0)
    for k, v in data.items():
        if isinstance(v, list) and v and isinstance(v[0], dict):  # one line a row, not one string of all
            print(f"  {k:<{width}}  ")
            for row in v:
                print("    " + "  ".join(f"{c}={format_value(x)}" for c, x in row.items()))
        else:
            print(f"  {k:<{width}}  {format_value(v)}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mdmtheory", description="Exact analysis of parallel sampling in masked diffusion models.")
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in _command_modules():
        importlib.import_module(f".{name}", __name__).register(sub)
    return parser


def _stdout_usable() -> bool:
    """False when standard output is closed (``>&-``): Python then sets ``sys.stdout`` to None."""
    if sys.stdout is None:
        return False
    try:
        fd = sys.stdout.fileno()
    except (io.UnsupportedOperation, AttributeError):  # a stream without a descriptor (a test's capture)
        return True
    except ValueError:  # the stream was closed
        return False
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _drop_stdout() -> None:
    """Point standard output at /dev/null so the exit-time flush of what is buffered cannot fail again."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _error(msg: str) -> int:
    if sys.stderr is not None:
        print(f"mdmtheory: error: {' '.join(msg.split())}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mdmtheory`` console script; returns the exit code.

    Exit codes: 0 success (a reader that closes the pipe early, ``| head``, is not an error), 1 a
    finding (a failed claim, a violated conjecture), 2 bad input
    (one line ``mdmtheory: error: ...`` on standard error, never a traceback), 130 interrupted.
    """
    args = None
    try:
        parser = build_parser()
        parser.argv = split_param_pairs(list(sys.argv[1:] if argv is None else argv))
        args = parser.parse_args(parser.argv)
        if not _stdout_usable():
            return _error("standard output is closed; redirect it to a file or /dev/null instead of closing it")
        compile_note()  # on a terminal: one line when numba first compiles (a cold kernel cache)
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a write error (disk full, closed reader) surfaces here, not at exit
        return code
    except _VersionShown:
        return 0
    except BrokenPipeError:  # the reader went away (`| head`): not an error, stop quietly
        _drop_stdout()
        return 0
    except (InputError, OSError, MemoryError, RecursionError) as exc:
        if isinstance(exc, MemoryError):
            msg = "out of memory; try a smaller problem" + (" or a lower --max-memory" if hasattr(args, "max_memory") else "")
        elif isinstance(exc, RecursionError):
            msg = "input nested too deeply to read; give a flat file"
        elif isinstance(exc, OSError) and not isinstance(exc, InputError):
            msg = f"{exc.strerror or exc}: {exc.filename}" if getattr(exc, "filename", None) else str(exc)
            if not getattr(exc, "filename", None) and exc.strerror:
                msg = f"cannot write the output: {exc.strerror}; check standard output and the disk"
                _drop_stdout()
        else:
            msg = str(exc)
        return _error(msg)
    except KeyboardInterrupt:
        if sys.stderr is not None:
            print("mdmtheory: interrupted", file=sys.stderr)
        _exit_if_abandoned_work(130)
        return 130


def _exit_if_abandoned_work(code: int) -> None:
    """Leave at once when interrupted numba workers are still running: the interpreter's
    teardown next to them took about two seconds (binary n = 24 lattice); nothing is left to
    write (output files go through an atomic rename), so only the standard streams are flushed."""
    lattice = sys.modules.get("mdmtheory._kernels.lattice")  # not imported: no workers to abandon
    if lattice is not None and any(t.name == lattice.WORKER_NAME and t.is_alive() for t in threading.enumerate()):
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
