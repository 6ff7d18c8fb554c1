"""The 'before' column of a benchmark: the same snippet run on a pinned earlier commit.

:class:`Interpreter` exports a commit of this repository (``git archive <commit> | tar -x``)
into a directory under the system temp folder (kept, so numba's cache of that tree survives
between runs) and starts a fresh interpreter with that tree first on ``sys.path``; each call
runs a snippet of Python there with ``ARGS`` set, the snippet assigns ``result`` (anything JSON
can carry) and the call returns it.  ``commit=None`` runs the snippet on the working tree in a
fresh interpreter too, so both columns are measured alike; calling the two interpreters in
turn, case by case, lets a change of the machine's load hit both columns.  When git, the
repository or the commit is unavailable, :meth:`Interpreter.start` prints a note and returns
``None`` (the benchmark then leaves the column empty).

The snippet should use the public API only: the pinned tree is older than the code around it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: main's HEAD when the benchmarks stopped carrying a copy of the old walk kernel (issue 17):
#: the engines before the one-step redesign.  Move it forward when a new 'before' is wanted.
BASELINE_COMMIT = "eb1f51d83da3140b13938a023770af72587a381d"

ROOT = Path(__file__).resolve().parent.parent

_RUNNER = """
import json, sys
sys.path.insert(0, {tree!r})
import mdmtheory
assert mdmtheory.__file__.startswith({tree!r}), mdmtheory.__file__
CODE = compile({snippet!r}, "<benchmark snippet>", "exec")
for line in sys.stdin:
    ns = {{"ARGS": json.loads(line)}}
    exec(CODE, ns)
    sys.stdout.write("@@result@@" + json.dumps(ns["result"]) + "\\n")
    sys.stdout.flush()
"""


def export(commit: str = BASELINE_COMMIT) -> Path | None:
    """The directory holding ``commit``'s tree (exported on first use), or ``None`` with a printed
    note when git, the repository or the commit is unavailable."""
    tree = Path(tempfile.gettempdir()) / f"mdmtheory-baseline-{commit[:12]}"
    if (tree / "mdmtheory" / "__init__.py").exists():
        return tree
    if shutil.which("git") is None:
        print("baseline: git not found; the 'before' column is left empty", flush=True)
        return None
    ok = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True)
    if ok.returncode != 0:
        print(f"baseline: commit {commit[:12]} not in {ROOT}; the 'before' column is left empty", flush=True)
        return None
    part = Path(tempfile.mkdtemp(prefix=tree.name + ".", dir=tree.parent))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(part)], input=archive, check=True)
    try:
        part.rename(tree)  # atomic: a concurrent export of the same commit is harmless
    except OSError:
        shutil.rmtree(part, ignore_errors=True)
    return tree


class Interpreter:
    """A fresh interpreter on ``commit``'s tree (``None``: the working tree) that runs ``snippet``
    once per call, with ``ARGS`` the call's argument; use :meth:`start` (``None`` when the commit
    is unavailable) and :meth:`close`."""

    def __init__(self, snippet: str, tree: Path):
        code = _RUNNER.format(tree=str(tree), snippet=snippet)
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=tree, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    @classmethod
    def start(cls, snippet: str, commit: str | None = BASELINE_COMMIT) -> Interpreter | None:
        tree = ROOT if commit is None else export(commit)
        return None if tree is None else cls(snippet, tree)

    def __call__(self, args):
        self.proc.stdin.write(json.dumps(args) + "\n")
        self.proc.stdin.flush()
        for line in self.proc.stdout:
            if line.startswith("@@result@@"):
                return json.loads(line[len("@@result@@"):])
        raise RuntimeError(f"benchmark snippet failed (exit {self.proc.wait()}); its error is printed above")

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()

