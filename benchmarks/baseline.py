"""The 'before' column of a benchmark: the same snippet run on a pinned earlier commit.

:func:`run_snippet` exports a commit of this repository (``git archive <commit> | tar -x``) into
a directory under the system temp folder (kept, so numba's cache of that tree survives between
runs), then runs a snippet of Python in a fresh interpreter with that tree first on
``sys.path``; the snippet assigns ``result`` (anything JSON can carry) and :func:`run_snippet`
returns it.  ``commit=None`` runs the snippet on the working tree in a fresh interpreter too,
so both columns are measured alike.  When git, the repository or the commit is unavailable,
it prints a note and returns ``None`` (the benchmark then leaves the column empty).

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
ARGS = json.loads({args!r})
{snippet}
sys.stdout.write("\\n@@result@@" + json.dumps(result) + "\\n")
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


def run_snippet(snippet: str, args=None, commit: str | None = BASELINE_COMMIT, timeout: float = 7200.0):
    """Run ``snippet`` (Python source that assigns ``result``; ``ARGS`` holds ``args``) in a fresh
    interpreter on ``commit``'s tree (``None``: the working tree) and return ``result``, or
    ``None`` when the commit is unavailable."""
    tree = ROOT if commit is None else export(commit)
    if tree is None:
        return None
    code = _RUNNER.format(tree=str(tree), args=json.dumps(args), snippet=snippet)
    proc = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark snippet failed on {commit or 'the working tree'}:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.rsplit("@@result@@", 1)[1])
