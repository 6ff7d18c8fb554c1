"""``mdmtheory examples [--copy DIR]``: the example files that ship with the package (sweep specs,
conjecture bound files), listed or copied into a folder to run and edit.

They are the repository's ``examples/`` folder, installed as the package data of
``mdmtheory.example_files`` (``pyproject.toml``); in a checkout, the folder itself.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from ..errors import InputError
from ..files import atomic_write
from . import emit

#: The kinds of example file, by suffix (what a listing names them).
KINDS = {".toml": "sweep spec (mdmtheory sweep FILE)", ".py": "conjecture bound (mdmtheory conjecture FILE ...)"}


def example_root() -> Path:
    """The installed example files (the wheel's package data), else the checkout's ``examples/``."""
    try:  # a namespace package (no __init__.py): its folder is the spec's search location
        spec = importlib.util.find_spec("mdmtheory.example_files")
    except ModuleNotFoundError:
        spec = None
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        root = Path(location)
        if root.is_dir() and any(root.rglob("*.toml")):
            return root
    root = Path(__file__).resolve().parent.parent.parent / "examples"
    if not root.is_dir():
        raise InputError("the example files are not installed with this copy of mdmtheory; reinstall it from a wheel"
                         " or the repository")
    return root


def example_files() -> list[str]:
    """Relative paths (``sweeps/quick.toml``, ...) of every example file, sorted."""
    root = example_root()
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and p.suffix in KINDS and "__pycache__" not in p.parts)


def register(sub) -> None:
    p = sub.add_parser("examples", help="list the example sweep specs and bound files, or copy them into a folder")
    p.add_argument("--copy", metavar="DIR", help="copy every example file into DIR (made if missing; a file of DIR that"
                   " differs is never overwritten without --force)")
    p.add_argument("--force", action="store_true", help="with --copy: overwrite files of DIR that differ from the examples")
    p.add_argument("--json", action="store_true", help="print strict JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    files = example_files()
    if args.copy is None:
        if args.json:
            emit({"files": files}, True)
            return 0
        print("example files (mdmtheory examples --copy DIR copies them)")
        width = max(len(f) for f in files)
        for f in files:
            kind = "training script of the tiny MDM (torch:tiny)" if f.startswith("models/") else KINDS[Path(f).suffix]
            print(f"  {f:<{width}}  {kind}")
        return 0
    dest = Path(args.copy)
    if dest.exists() and not dest.is_dir():
        raise InputError(f"--copy {args.copy!r} is not a folder; name a folder (it is made if missing)")
    root = example_root()
    clashes = [f for f in files if (dest / f).exists() and (dest / f).read_bytes() != (root / f).read_bytes()]
    if clashes and not args.force:
        raise InputError(f"--copy would overwrite {len(clashes)} edited file(s) in {args.copy!r} ({clashes[0]}, ...);"
                         " pass --force or name another folder")
    for f in files:
        target = dest / f
        target.parent.mkdir(parents=True, exist_ok=True)
        data = (root / f).read_bytes()
        atomic_write(target, lambda fh, data=data: fh.write(data))
    if args.json:
        emit({"files": files, "copied_to": os.fspath(dest)}, True)
        return 0
    print(f"copied {len(files)} example files into {os.fspath(dest)}")
    for f in files:
        print(f"  {os.path.join(os.fspath(dest), f)}")
    return 0
