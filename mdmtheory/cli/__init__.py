"""The ``mdmtheory`` command line.

Each command lives in its own module of this package (found automatically), exposing
``register(subparsers)`` which adds its sub-parser with ``set_defaults(func=run)``.
Bad input never gives a traceback: exit code 2 and one line ``mdmtheory: error: ...``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import json
import math
import os
import sys
from typing import Any, Sequence

import numpy as np

from ..errors import InputError

__all__ = ["main", "to_jsonable", "emit", "add_common", "add_params", "parse_params", "parse_sampler_params", "base_arg", "CliError"]

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
    if not v > 0:
        raise argparse.ArgumentTypeError("--max-memory must be positive")
    return v


def add_common(p: argparse.ArgumentParser, base: bool = True, memory: bool = True) -> None:
    """The options every computing command shares: ``--json``, ``--base``, ``--max-memory``."""
    p.add_argument("--json", action="store_true", help="print strict JSON (infinities as the string \"inf\")")
    if base:
        p.add_argument("--base", type=base_arg, default=None, help="logarithm base: 2 for bits, e (default) for nats")
    if memory:
        p.add_argument("--max-memory", type=_memory_arg, default=None, help="memory ceiling, e.g. 8G (default 4G)")


def add_params(p: argparse.ArgumentParser, help: str) -> None:
    """``--param KEY=VALUE ...``: one or more pairs, the flag repeatable."""
    p.add_argument("--param", nargs="+", action="extend", default=[], metavar="KEY=VALUE", help=help)


def parse_params(items: Sequence[str]) -> dict:
    """``["k=8", "proxy=entropy"]`` to ``{"k": 8, "proxy": "entropy"}`` (ints and floats converted)."""
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
    return out


def parse_sampler_params(name: str, items: Sequence[str]) -> dict:
    """``--param KEY=VALUE`` strings to the typed parameters of sampler ``name`` (the registry's
    types: ``int``, ``float``, ``str``, ``sizes`` as ``2,1,1``; ``none`` for an optional one).

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
    from ..samplers import RULES, SAMPLER_NAMES

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
            elif p.kind == "sizes":
                out[key] = [int(v) for v in val.replace(" ", "").split(",") if v]
            else:
                out[key] = val
        except ValueError:
            want = {"int": "an integer", "float": "a number", "sizes": "comma-separated integers like 2,1,1"}[p.kind]
            raise InputError(f"{name} parameter {key} takes {want}; got {val!r}") from None
    return out


def to_jsonable(obj: Any) -> Any:
    """Plain Python values for strict JSON: numpy scalars and arrays converted, ``inf`` and
    ``nan`` written as the strings ``"inf"``, ``"-inf"``, ``"nan"``."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    return obj


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.10g}"
    if isinstance(v, list):
        if v and isinstance(v[0], dict):
            return "\n" + "\n".join("    " + "  ".join(f"{k}={_fmt(x)}" for k, x in row.items()) for row in v)
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def emit(result: dict, as_json: bool, title: str | None = None) -> None:
    """Print ``result`` as strict JSON or as an aligned ``key  value`` table."""
    data = to_jsonable(result)
    if as_json:
        print(json.dumps(data, allow_nan=False, indent=2))
        return
    if title:
        print(title)
    width = max((len(k) for k in data), default=0)
    for k, v in data.items():
        print(f"  {k:<{width}}  {_fmt(v)}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mdmtheory", description="Exact analysis of parallel sampling in masked diffusion models.")
    parser.add_argument("--version", action="version", version="mdmtheory " + _version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in _command_modules():
        importlib.import_module(f".{name}", __name__).register(sub)
    return parser


def _version() -> str:
    from .. import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mdmtheory`` console script; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (InputError, OSError, MemoryError) as exc:
        msg = str(exc) if not isinstance(exc, MemoryError) else "out of memory; try a smaller problem"
        if isinstance(exc, OSError) and not isinstance(exc, InputError):
            msg = f"{exc.strerror or exc}: {exc.filename}" if getattr(exc, "filename", None) else str(exc)
        print(f"mdmtheory: error: {' '.join(msg.split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mdmtheory: interrupted", file=sys.stderr)
        return 130
