"""The package's layers hold (issue 17), read from the source:

* a function-local import is there only for start-up time, and says so: a comment containing
  ``start-up time`` on the import's line or in the comment/import lines directly above it;
* no private name (``_name``) is imported from another library module (private *modules* such as
  ``_numeric``, ``_kernels``, ``_lazy`` are the package's internal layers and may be imported);
* the import contract of ``[tool.importlinter]`` in pyproject.toml holds (``lint-imports``): no
  cycle among sibling modules (function-local imports included), only ``__main__`` imports the
  command line, ``_kernels`` is a leaf, laws and oracles import no engine.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# the library: mdmtheory/, and the two folders installed as mdmtheory.proofs_check and mdmtheory.figures
PACKAGES = {"mdmtheory": ROOT / "mdmtheory", "mdmtheory.proofs_check": ROOT / "proofs_check",
            "mdmtheory.figures": ROOT / "figures"}
MARK = "start-up time"

# Files allowed function-local imports without the comment, and private names allowed across
# modules ((importer, home module, name)): none (kept as the place to list a migration in progress).
PENDING_LOCAL: set = set()
PENDING_PRIVATE: set = set()


def library_files() -> dict[str, Path]:
    """``{module name: path}`` of every library module."""
    out = {}
    for pkg, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([pkg, *parts])] = path
    return out


def _target(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module a ``from ... import`` reads from."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def unmarked_local_imports(source: str) -> list[int]:
    """Line numbers of function-local imports with no ``start-up time`` comment."""
    lines = source.split("\n")
    bad = []
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(fn):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            said = any(MARK in lines[k] for k in range(node.lineno - 1, node.end_lineno))
            k = node.lineno - 2  # up through the comment and import lines directly above
            while not said and k >= 0 and lines[k].strip().startswith(("#", "from ", "import ")):
                said = MARK in lines[k] and "#" in lines[k]
                k -= 1
            if not said:
                bad.append(node.lineno)
    return sorted(set(bad))


def private_imports(module: str, is_package: bool, source: str, modules) -> list[tuple[str, str, int]]:
    """``(home module, name, line)`` of each private name imported from another library module."""
    bad = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        target = _target(module, is_package, node)
        if target not in modules or target == module:
            continue
        for alias in node.names:
            name = alias.name
            if name.startswith("_") and not name.startswith("__") and f"{target}.{name}" not in modules:
                bad.append((target, name, node.lineno))
    return bad


def test_the_checks_see_what_they_should():
    """The two AST checks on small sources (each would pass vacuously if they found nothing)."""
    src = (
        "def f():\n    import scipy\n\n"
        "def g():\n    # start-up time: scipy loads on first use\n    import scipy\n    import scipy.sparse\n\n"
        "def h():\n    from .files import atomic_write  # start-up time: measured\n"
    )
    assert unmarked_local_imports(src) == [2]
    modules = {"mdmtheory", "mdmtheory.information", "mdmtheory._numeric", "mdmtheory.walks"}
    src = "from .information import _scale, unit_name\nfrom . import _numeric\nfrom .walks import __all__\n"
    assert private_imports("mdmtheory.walks", False, src, modules) == [("mdmtheory.information", "_scale", 1)]
    assert private_imports("mdmtheory", True, "from .information import _scale\n", modules) == [
        ("mdmtheory.information", "_scale", 1)]


def test_function_local_imports_say_why():
    found = []
    for module, path in library_files().items():
        rel = path.relative_to(ROOT).as_posix()
        if rel in PENDING_LOCAL:
            continue
        found += [f"{rel}:{line}" for line in unmarked_local_imports(path.read_text())]
    assert not found, ("function-local imports without a '# start-up time: ...' comment (move them to the "
                       "module's top, or say why they wait): " + ", ".join(found))


def test_no_private_name_crosses_modules():
    files = library_files()
    found = []
    for module, path in files.items():
        for target, name, line in private_imports(module, path.name == "__init__.py", path.read_text(), files):
            if (module, target, name) not in PENDING_PRIVATE:
                found.append(f"{path.relative_to(ROOT).as_posix()}:{line} imports {name} from {target}")
    assert not found, ("private names imported from another module (give the helper a public name in its "
                       "home module): " + "; ".join(found))


def _lint_imports() -> str | None:
    here = Path(sys.executable).parent / ("lint-imports.exe" if os.name == "nt" else "lint-imports")
    return str(here) if here.exists() else shutil.which("lint-imports")


def test_import_contract_holds():
    exe = _lint_imports()
    if exe is None:
        pytest.skip("lint-imports (import-linter) is not installed; it comes with the test extra: pip install -e '.[test]'")
    out = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def lazy_references(source: str) -> list[str]:
    """Library modules named in ``lazy_module("...")`` / ``lazy_function("...", ...)`` calls."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("lazy_module", "lazy_function")
                and node.args and isinstance(node.args[0], ast.Constant) and str(node.args[0].value).startswith("mdmtheory")):
            out.append(node.args[0].value)
    return out


def test_lazy_references_close_no_cycle():
    """The import graph does not see the modules bound by name (mdmtheory._lazy); none of them may
    import, even indirectly, the module that binds it."""
    grimp = pytest.importorskip("grimp", reason="grimp comes with import-linter (the test extra)")
    assert lazy_references('x = lazy_module("mdmtheory.markov")\ny = lazy_function("scipy.special", "entr")\n') == [
        "mdmtheory.markov"]
    graph = grimp.build_graph("mdmtheory", cache_dir=None)
    found = []
    for module, path in library_files().items():
        if not module.startswith(("mdmtheory.proofs_check", "mdmtheory.figures")):
            for target in lazy_references(path.read_text()):
                assert target in graph.modules, f"{module} binds the unknown module {target}"
                if target != module and graph.chain_exists(importer=target, imported=module, as_packages=False):
                    found.append(f"{module} -> {target}")
    assert not found, "lazily bound modules that import their binder (a hidden cycle): " + ", ".join(found)
