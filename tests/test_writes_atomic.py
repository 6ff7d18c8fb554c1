"""Every file the library writes goes through ``mdmtheory.files`` (``atomic_write``, or
``open_append`` for the one append-only journal): a scan of the library's source for file writes
elsewhere, and the writers refusing a planted symbolic link with the victim untouched."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import numpy as np
import pytest

import mdmtheory as m
from mdmtheory.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
#: The library's source: the package and the folders installed as mdmtheory.proofs_check / .figures.
SOURCES = [ROOT / "mdmtheory", ROOT / "proofs_check", ROOT / "figures"]

#: Calls that write a file whatever their arguments (by the called attribute's name).
WRITERS = {"save", "savez", "savez_compressed", "savetxt", "tofile", "savefig", "to_parquet", "to_csv", "to_json",
           "to_feather", "to_pickle", "write_table", "write_text", "write_bytes", "dump", "copy", "copyfile",
           "copy2", "copytree", "move", "rename", "replace", "symlink_to", "touch"}
#: Targets that are not files on disk: the standard streams.
STREAMS = {"sys.stdout", "sys.stderr"}

#: (file relative to the root, enclosing function, called name) -> why this write is allowed.
ALLOWED = {
    ("mdmtheory/_kernels/__init__.py", "drop_stale_caches", "write_text"):
        "the kernels' cache stamp: _kernels is a leaf layer (cannot import files.py); written to a "
        "per-process temporary name and renamed (os.replace) over the stamp",
    ("mdmtheory/_kernels/__init__.py", "drop_stale_caches", "replace"):
        "the rename of that temporary stamp",
    ("mdmtheory/cli/__init__.py", "_drop_stdout", "open"):
        "opens /dev/null to stand in for a closed standard output; no file is written",
}


def _name(node: ast.AST) -> str:
    """Dotted text of a Name/Attribute chain (``np.save``, ``sys.stdout``), else ''."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _name(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    return ""


def _write_mode(call: ast.Call, pos: int) -> bool:
    mode = call.args[pos] if len(call.args) > pos else next((k.value for k in call.keywords if k.arg == "mode"), None)
    if mode is None:
        return False
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return any(c in mode.value for c in "wax+")
    return True  # a computed mode: counted as a write


def _mode_argument(call: ast.Call) -> bool:
    """A ``.open(...)`` method (``Path.open``, ``ZipFile.open``, ``gzip.open``) given a write mode:
    a constant like ``"w"``, ``"ab"``, ``"r+"`` positionally or as ``mode=``."""
    values = list(call.args) + [k.value for k in call.keywords if k.arg == "mode"]
    return any(isinstance(v, ast.Constant) and isinstance(v.value, str) and re.fullmatch(r"[rwxabtU+]{1,4}", v.value)
               and any(c in v.value for c in "wax+") for v in values)


class _Scan(ast.NodeVisitor):
    """Collect ``(line, function, called name, text)`` of every file write outside a write
    callback handed to ``atomic_write`` and not aimed at a standard stream or an in-memory buffer."""

    def __init__(self, source: str):
        self.source = source
        self.found: list[tuple[int, str, str, str]] = []
        self.func = ["<module>"]
        self.safe_depth = 0  # inside a lambda / callback given to atomic_write
        self.buffers: set[str] = set()  # names bound to io.BytesIO() / io.StringIO()

    def visit_FunctionDef(self, node):
        self.func.append(node.name)
        self.generic_visit(node)
        self.func.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node):
        if isinstance(node.value, ast.Call) and _name(node.value.func).split(".")[-1] in ("BytesIO", "StringIO"):
            self.buffers.update(t.id for t in node.targets if isinstance(t, ast.Name))
        self.generic_visit(node)

    def _target_ok(self, node: ast.AST | None) -> bool:
        name = _name(node) if node is not None else ""
        return name in STREAMS or name in self.buffers

    def visit_Call(self, node):
        called = _name(node.func)
        last = called.split(".")[-1]
        if last == "atomic_write":
            self.visit(node.func)
            for a in node.args[:1]:
                self.visit(a)
            self.safe_depth += 1
            for a in node.args[1:] + [k.value for k in node.keywords]:
                self.visit(a)
            self.safe_depth -= 1
            return
        write = False
        if (called == "open" and isinstance(node.func, ast.Name)) or called in ("io.open", "builtins.open", "os.fdopen"):
            write = _write_mode(node, 1)
        elif called == "os.open":
            write = any(f in ast.unparse(node) for f in ("O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND"))
        elif last == "open" and isinstance(node.func, ast.Attribute):  # Path(...).open("w"), gzip.open
            write = _mode_argument(node)
        elif last in ("replace", "rename", "copy", "move"):  # str.replace, dict.copy are not writes
            write = called.startswith(("os.", "shutil."))
        elif not isinstance(node.func, ast.Attribute):  # a plain name: the module's own function
            write = False
        elif last in ("dump", "write_table"):  # json.dump(obj, fh), pickle.dump(obj, fh), pq.write_table(t, where)
            write = not self._target_ok(node.args[1] if len(node.args) > 1 else None)
        elif last in WRITERS:
            write = not self._target_ok(node.args[0] if node.args else None)
        if write and self.safe_depth == 0:
            line = self.source.splitlines()[node.lineno - 1].strip()
            self.found.append((node.lineno, self.func[-1], last, line))
        self.generic_visit(node)


def _library_writes():
    for base in SOURCES:
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel == "mdmtheory/files.py":
                continue
            source = path.read_text(encoding="utf-8")
            scan = _Scan(source)
            scan.visit(ast.parse(source, filename=rel))
            for line, func, called, text in scan.found:
                yield rel, line, func, called, text


def test_every_file_write_goes_through_files_py():
    bad = [f"{rel}:{line} in {func}(): {text}" for rel, line, func, called, text in _library_writes()
           if (rel, func, called) not in ALLOWED]
    assert not bad, "file writes outside mdmtheory/files.py (use files.atomic_write):\n" + "\n".join(bad)


def test_allow_list_entries_are_used_and_give_a_reason():
    used = {(rel, func, called) for rel, _, func, called, _ in _library_writes()}
    for key, reason in ALLOWED.items():
        assert key in used, f"allow-list entry {key} matches no write any more; remove it"
        assert len(reason) > 20


@pytest.mark.parametrize("text, flagged", [
    ("open(p, 'w')", True), ("open(p, 'rb')", False), ("open(p)", False), ("Path(p).open('a')", True),
    ("np.save(p, a)", True), ("np.savez(p, a=a)", True), ("fig.savefig(p)", True), ("df.to_parquet(p)", True),
    ("Path(p).write_text('x')", True), ("zf.open(info)", False), ("zf.open('a.npy', 'w')", True),
    ("save(fig, name)", False), ("pq.write_table(t, p)", True), ("buf = io.BytesIO()\npq.write_table(t, buf)", False), ("p.write_bytes(b'x')", True), ("json.dump(d, fh)", True),
    ("json.dump(d, sys.stdout)", False), ("torch.save(m, p)", True), ("os.open(p, os.O_WRONLY)", True),
    ("os.open(p, os.O_RDONLY)", False), ("atomic_write(p, lambda fh: np.save(fh, a))", False),
    ("s.replace('a', 'b')", False), ("os.replace(a, b)", True), ("d.copy()", False), ("shutil.copy(a, b)", True),
    ("buf = io.BytesIO()\nfig.savefig(buf)", False), ("np.savetxt(p, a)", True),
])
def test_the_scan_finds_writes(text, flagged):
    scan = _Scan(text)
    scan.visit(ast.parse(text))
    assert bool(scan.found) == flagged, (text, scan.found)


def _plant(tmp_path, name):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / name
    os.symlink(victim, link)
    return victim, link


def test_hmm_save_refuses_a_planted_symlink(tmp_path):
    victim, link = _plant(tmp_path, "model.npz")
    T = np.full((6, 6), 1 / 6)
    with pytest.raises(InputError, match="symbolic link"):
        m.HMM(T, np.eye(6), "uniform", 6).save(link)
    assert victim.read_text() == "keep me" and link.is_symlink()


def test_joint_save_refuses_a_planted_symlink(tmp_path):
    victim, link = _plant(tmp_path, "t.npy")
    with pytest.raises(InputError, match="symbolic link"):
        m.parity(3).save(link)
    assert victim.read_text() == "keep me"


def test_saves_round_trip_and_append_the_suffix(tmp_path):
    hmm = m.block_hmm(2, 2, 5)
    hmm.save(tmp_path / "b")
    back = m.load_hmm(tmp_path / "b.npz", 5)
    assert np.array_equal(back.transition, hmm.transition) and np.array_equal(back.emission, hmm.emission)
    m.parity(3).save(str(tmp_path / "p"))
    assert np.array_equal(m.load_joint(tmp_path / "p.npy").table, m.parity(3).table)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_open_append_refuses_a_planted_symlink(tmp_path):
    from mdmtheory.files import open_append

    victim, link = _plant(tmp_path, "out.journal")
    with pytest.raises(InputError, match="symbolic link"):
        open_append(link)
    assert victim.read_text() == "keep me"
    with open_append(tmp_path / "j") as fh:
        fh.write("a\n")
    with open_append(tmp_path / "j") as fh:
        fh.write("b\n")
    assert (tmp_path / "j").read_text() == "a\nb\n"
