"""The README and the full tour run as written: every ``console`` block of README.md and of
docs/tour.md is run and compared.

The convention (README.md and docs/tour.md alike):

- A fenced block opened with ```` ```console ```` is a transcript.  A line starting with ``$ `` is
  a command; the lines after it, up to the next ``$ `` line or the end of the block, are what the
  command prints on standard output.  A command may end with a shell comment.
- An output line that is ``...`` alone (indentation aside) stands for any number of lines, none
  included.  Without it the output is compared line by line, the whole of it.
- A command must exit with code 0, unless its comment says ``exit N`` (for example
  ``# exit 1: a violation was found``).
- Every command of a file runs with ``bash``, in the file's order, in a fresh scratch folder of
  that file's own that starts empty: whatever a command needs (a table, the example files) is
  made by an earlier command of the same file (docs/tour.md makes its own, it does not see the
  README's).  ``mdmtheory`` and ``python`` are this environment's (``sys.executable``).
- Other blocks are not run here: ```` ```python ```` blocks are doctests (README.md's, by
  pytest's ``--doctest-glob=README.md``; docs/tour.md has none), ```` ```sh ```` blocks hold the set-up commands (``make ...``,
  which create the environment this test runs in) and ```` ```text ```` blocks show output
  that is not a command's (abridged, with ``...``).

The comparison, after a small normalisation of both sides:

- runs of white space are one space, and trailing space is dropped (columns realign when a
  value's width changes);
- times are not compared: a number followed by ``s`` or `` s`` (``in 1.4 s``, ``(0.8 s)``,
  ``1.9s``) and the value of a ``seconds`` key read ``<time>``;
- the scratch folder's absolute path reads ``.``;
- numbers are compared to the digits the file shows: the file's ``0.416`` matches a
  printed ``0.4159485956`` (the printed number rounds to it; half a unit of the file's last
  digit), and two numbers below ``1e-12`` in magnitude are equal (floating-point noise around 0).
  The rest of the line (words, punctuation, names) must be equal.

A failure names the file and the line of the command.  Maintenance (when a command's output
changes on purpose): ``python tests/test_readme.py --update`` runs every command of both files
and rewrites the output lines of their console blocks from what they print, keeping the ``...``
lines and every line that still matches (with the times of this run); it prints what changed.
The test itself only compares.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TOUR = ROOT / "docs" / "tour.md"
#: The files whose console blocks run, each in a scratch folder of its own.
DOCUMENTS = (README, TOUR)
#: Seconds one command may take before the test gives up on it.
TIMEOUT = 600

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_TIME = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s?s\b")
_SECONDS_KEY = re.compile(r"^(\s*seconds\s+)\S+")
_EXIT = re.compile(r"#.*\bexit (\d+)")


@dataclass
class Command:
    """One ``$ `` line of a console block and the output lines the file shows for it."""

    line: int  # 0-based line of the file holding the command
    text: str
    expected: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        m = _EXIT.search(self.text)
        return int(m.group(1)) if m else 0


def parse(text: str) -> list[Command]:
    """Every command of a file's console blocks, in order, with its expected output."""
    commands: list[Command] = []
    in_console = False
    for i, line in enumerate(text.splitlines()):
        if line.startswith("```"):
            in_console = not in_console and line.strip() == "```console"
            if not in_console and commands and commands[-1].expected and commands[-1].expected[-1] == "":
                commands[-1].expected.pop()
            continue
        if not in_console:
            continue
        if line.startswith("$ "):
            commands.append(Command(i, line[2:]))
        elif commands and commands[-1].line < i:
            commands[-1].expected.append(line)
    return commands


def normalise(line: str, scratch: str | None = None) -> str:
    """White space collapsed, times replaced by ``<time>``, the scratch folder by ``.``."""
    if scratch:
        line = line.replace(scratch.rstrip("/") + "/", "").replace(scratch.rstrip("/"), ".")
    line = _SECONDS_KEY.sub(r"\1<time>", line)
    line = _TIME.sub("<time>", line)
    return " ".join(line.split())


def _number_matches(want: str, got: str) -> bool:
    try:
        w, g = Decimal(want), Decimal(got)
    except ArithmeticError:
        return want == got
    if abs(w) < Decimal("1e-12") and abs(g) < Decimal("1e-12"):
        return True
    half_unit = Decimal(5) * Decimal(10) ** (w.as_tuple().exponent - 1)
    return abs(w - g) <= half_unit


def line_matches(want: str, got: str, scratch: str | None = None) -> bool:
    """``got`` (printed) matches ``want`` (the file's line), numbers to the file's digits."""
    want, got = normalise(want, scratch), normalise(got, scratch)
    if want == got:
        return True
    wn, gn = _NUMBER.findall(want), _NUMBER.findall(got)
    if len(wn) != len(gn) or _NUMBER.split(want) != _NUMBER.split(got):
        return False
    return all(_number_matches(w, g) for w, g in zip(wn, gn))


def output_matches(expected: list[str], actual: list[str], scratch: str | None = None) -> bool:
    """The printed lines match the file's, a ``...`` line standing for any number of lines."""
    expected = [e for e in expected if e.strip()]  # blank lines are not compared
    actual = [a for a in actual if a.strip()]

    def match(i: int, j: int) -> bool:  # expected[i:] against actual[j:]
        if i == len(expected):
            return j == len(actual)
        if expected[i].strip() == "...":
            return any(match(i + 1, k) for k in range(j, len(actual) + 1))
        return j < len(actual) and line_matches(expected[i], actual[j], scratch) and match(i + 1, j + 1)

    return match(0, 0)


@dataclass
class Run:
    command: Command
    returncode: int
    stdout: str
    stderr: str


def _tools(bin_dir: Path) -> dict:
    """A ``bin`` folder whose ``python`` and ``mdmtheory`` are this interpreter's, first on PATH."""
    bin_dir.mkdir()
    for name, line in (("python", f'exec "{sys.executable}" "$@"'), ("mdmtheory", f'exec "{sys.executable}" -m mdmtheory "$@"')):
        tool = bin_dir / name
        tool.write_text(f"#!/bin/sh\n{line}\n")
        tool.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", COLUMNS="100", TERM="dumb")
    env.pop("PYTHONPATH", None)
    return env


def run_all(commands: list[Command], scratch: Path) -> list[Run]:
    """Run every command in order in ``scratch`` (empty at first) and collect what it prints."""
    env = _tools(scratch.parent / f"{scratch.name}-bin")
    runs = []
    for c in commands:
        try:
            out = subprocess.run(["bash", "-c", c.text], cwd=scratch, env=env, capture_output=True, text=True,
                                 timeout=TIMEOUT, stdin=subprocess.DEVNULL)
            runs.append(Run(c, out.returncode, out.stdout, out.stderr))
        except subprocess.TimeoutExpired:
            runs.append(Run(c, -1, "", f"timed out after {TIMEOUT} s"))
    return runs


def _name(document: Path) -> str:
    return document.relative_to(ROOT).as_posix()


COMMANDS = {document: parse(document.read_text()) for document in DOCUMENTS}
CASES = [(document, i) for document in DOCUMENTS for i in range(len(COMMANDS[document]))]


def test_the_files_have_transcripts_and_each_is_well_formed():
    assert len(COMMANDS[README]) >= 8, "the README's tour lost its console blocks"
    assert len(COMMANDS[TOUR]) >= 12, "docs/tour.md lost its console blocks"
    for document, commands in COMMANDS.items():
        for c in commands:
            assert c.text.strip(), (_name(document), c.line)
            assert "mdmtheory" in c.text or c.text.startswith("python"), (_name(document), c.text)
    assert "```python" not in TOUR.read_text(), "docs/tour.md has doctests: add --doctest-glob for it to pyproject.toml"


@pytest.fixture(scope="module")
def document_runs(tmp_path_factory):
    """``runs(document)``: the scratch folder and the runs of the file's commands, run once, in order."""
    done: dict[Path, tuple[Path, list[Run]]] = {}

    def runs(document: Path) -> tuple[Path, list[Run]]:
        if document not in done:
            scratch = tmp_path_factory.mktemp(document.stem.lower())
            done[document] = scratch, run_all(COMMANDS[document], scratch)
        return done[document]

    return runs


@pytest.mark.slow
@pytest.mark.parametrize(("document", "index"), CASES,
                         ids=[f"{_name(d)}:{COMMANDS[d][i].text.split('#')[0].strip()[:60]}" for d, i in CASES])
def test_command_prints_what_the_file_shows(document_runs, document, index):
    scratch, runs = document_runs(document)
    r = runs[index]
    where = f"{_name(document)} line {r.command.line + 1}: $ {r.command.text}"
    assert r.returncode == r.command.exit_code, f"{where}\nexit {r.returncode}\n{r.stderr[-3000:]}"
    assert output_matches(r.command.expected, r.stdout.splitlines(), str(scratch)), (
        f"{where}\n--- {_name(document)} shows\n" + "\n".join(r.command.expected) + "\n--- printed\n"
        + r.stdout + "\n(rewrite with: python tests/test_readme.py --update)")


# --- the comparison itself (fast) --------------------------------------------------------------

def test_numbers_are_compared_to_the_readme_digits():
    assert line_matches("  expected_kl  0.416", "  expected_kl  0.4159485956")
    assert not line_matches("  expected_kl  0.417", "  expected_kl  0.4159485956")
    assert line_matches("x 1.80e-16", "x 3.1e-17")  # both noise around zero
    assert not line_matches("x 1.8e-6", "x 3.1e-7")
    assert line_matches("[0.5, 2]", "[0.50, 2]") and not line_matches("[0.5, 2]", "[0.5, 3]")
    assert not line_matches("cycle:16 kl 0", "cycle:17 kl 0")
    assert not line_matches("kl 0", "tv 0") and not line_matches("kl inf", "kl 1")
    assert line_matches("in 1.4 s, seed 0", "in 7.25 s,   seed 0") and not line_matches("in 1.4 s, seed 0", "in 1.4 s, seed 1")
    assert line_matches("  seconds  3.2", "  seconds    0.031")


def test_ellipsis_stands_for_any_lines_and_nothing_else():
    printed = ["title", "  a  1", "  b  2", "  c  3"]
    assert output_matches(["title", "...", "  c  3"], printed)
    assert output_matches(["title", "  a  1", "...", "  c  3", "..."], printed)
    assert not output_matches(["title", "  c  3"], printed)  # no "...": every line
    assert not output_matches(["title", "...", "  b  2"], printed)  # the last printed line is left over
    assert not output_matches(["...", "  d  4", "..."], printed)
    assert output_matches([], []) and not output_matches([], ["something"])


def test_the_convention_is_parsed_as_documented():
    text = "\n".join(["```console", "$ mdmtheory a   # exit 1", "out", "  ...", "$ python -c 'x'", "```", "",
                      "```sh", "$ make test", "```", "```text", "$ not a command", "```"])
    cs = parse(text)
    assert [(c.text, c.expected, c.exit_code) for c in cs] == [
        ("mdmtheory a   # exit 1", ["out", "  ..."], 1), ("python -c 'x'", [], 0)]


def test_the_scratch_path_and_times_are_normalised():
    assert normalise("saved /tmp/x1/conjecture_out/worst.npy in 2.0 s", "/tmp/x1") == "saved conjecture_out/worst.npy in <time>"


def test_update_keeps_matching_lines_and_rewrites_the_rest():
    shown = ["title", "  ...", "  kl  0.416", "  tried  20 in 1.4 s", "  tv  0.5", "  ..."]
    printed = ["title", "  n  8", "  kl  0.4159485956", "  tried  20 in 7.25 s", "  tv  0.6", "  x  1"]
    assert rewrite(shown, printed, "/tmp/s") == ["title", "  ...", "  kl  0.416", "  tried  20 in 7.25 s", "  tv  0.6", "  ..."]
    assert rewrite(["a 1", "b 2"], ["a 1", "b 3", "c /tmp/s/f"], "/tmp/s") == ["a 1", "b 3", "c f"]
    assert rewrite(["a 1.0"], ["a 1.04"], "/tmp/s") == ["a 1.0"]


# --- maintenance --------------------------------------------------------------------------------

def _skeleton(line: str) -> str:
    return _NUMBER.sub("#", normalise(line))


def rewrite(expected: list[str], actual: list[str], scratch: str) -> list[str]:
    """A file's output lines brought up to date: the printed output when the file shows it
    all; with ``...``, every shown line kept if it still matches (its times set to this run's),
    else replaced by the printed line of the same shape (or the same first word), in order."""
    def same(e: str, a: str) -> bool:  # matches, and shows the time this run took
        return line_matches(e, a, scratch) and _TIME.findall(" ".join(e.split())) == _TIME.findall(" ".join(a.split()))

    if not any(e.strip() == "..." for e in expected):
        if output_matches(expected, actual, scratch) and len(expected) == len(actual):
            return [e if same(e, a) else a for e, a in zip(expected, actual)]
        return [a.replace(scratch.rstrip("/") + "/", "") for a in actual]
    out, j = [], 0
    for e in expected:
        if e.strip() == "..." or not e.strip():
            out.append(e)
            continue
        for test in (lambda a: line_matches(e, a, scratch), lambda a: _skeleton(a) == _skeleton(e),
                     lambda a: a.split()[:1] == e.split()[:1]):
            k = next((k for k in range(j, len(actual)) if actual[k].strip() and test(actual[k])), None)
            if k is not None:
                out.append(e if same(e, actual[k]) else actual[k])
                j = k + 1
                break
        else:
            print(f"  (no printed line like {e!r}; kept)")
            out.append(e)
    return out


def update(document: Path = README) -> int:
    """Run every command of ``document`` (in an empty scratch folder) and rewrite the expected
    output lines; returns the number of commands whose output block changed (commands that fail
    are reported and left as they are)."""
    lines = document.read_text().splitlines()
    commands = parse("\n".join(lines))
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / document.stem.lower()
        scratch.mkdir()
        runs = run_all(commands, scratch)
        changed = 0
        for r in reversed(runs):  # from the end, so earlier line numbers stay valid
            c = r.command
            if r.returncode != c.exit_code:
                print(f"{_name(document)} line {c.line + 1}: $ {c.text}\n  exit {r.returncode} (expected {c.exit_code}):"
                      f" {r.stderr.strip()[-500:]}")
                continue
            new = rewrite(c.expected, r.stdout.splitlines(), str(scratch))
            if new != c.expected:
                changed += 1
                print(f"{_name(document)} line {c.line + 1}: $ {c.text}: output rewritten")
                lines[c.line + 1:c.line + 1 + len(c.expected)] = new
    document.write_text("\n".join(lines) + "\n")
    return changed


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_readme.py --update   (rewrites the console outputs of README.md and"
                 " docs/tour.md from real runs)")
    for document in DOCUMENTS:
        print(f"{update(document)} output block(s) rewritten in {_name(document)}")
