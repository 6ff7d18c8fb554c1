"""Generate the reference parts of ``docs/cli.md`` and ``docs/sweeps.md`` from the code.

The generated text sits between ``<!-- BEGIN GENERATED: NAME -->`` and ``<!-- END GENERATED:
NAME -->`` lines; everything outside them is written by hand.  ``tests/test_docs.py`` checks that
the committed files equal what this module generates; after changing a command, a sampler or the
sweep format, rewrite them with::

    python -m tests.gen_docs

Sections: ``commands`` (every command's options, from the argparse parsers of ``mdmtheory.cli``),
``samplers`` (every rule of the registry with its parameters), ``families`` (schedule families,
graph specs), ``sweep-format`` (the module docstring of ``mdmtheory.sweeps`` and the keys it
reads) and ``sweep-examples`` (the example specs, verbatim).
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
_BLOCK = re.compile(r"(<!-- BEGIN GENERATED: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- END GENERATED: (?P=name) -->)", re.S)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _option(a: argparse.Action) -> str:
    if not a.option_strings:
        return f"`{a.metavar or a.dest}`"
    names = ", ".join(a.option_strings)
    if a.nargs == 0:
        return f"`{names}`"
    metavar = a.metavar or a.dest.upper()
    if isinstance(metavar, tuple):
        metavar = " ".join(metavar)
    more = " ..." if a.nargs in ("+", "*") else ""
    return f"`{names} {metavar}{more}`"


def _help(a: argparse.Action, prog: str) -> str:
    text = a.help or ""
    if "%(" in text:
        text = text % {"default": a.default, "prog": prog, "choices": a.choices, "dest": a.dest}
    if a.choices is not None and not isinstance(a, argparse._SubParsersAction) and "one of" not in text:
        text += f" (one of {', '.join(map(str, a.choices))})"
    return _cell(text)


def commands() -> str:
    """Every command: its one-line help, the module docstring's first paragraph, its options."""
    from mdmtheory.cli import build_parser

    sub = _subparsers(build_parser())
    helps = {c.dest: c.help for c in sub._choices_actions}
    out = []
    for name, p in sub.choices.items():
        module = sys.modules[p.get_default("func").__module__]
        out.append(f"### `mdmtheory {name}`\n")
        out.append(f"{_cell(helps.get(name, ''))}.\n")
        doc = inspect.cleandoc(module.__doc__ or "").split("\n\n")[0]
        if doc:
            out.append(" ".join(doc.replace("``", "`").split()) + "\n")
        out.append("| argument | what it is |")
        out.append("|---|---|")
        for a in p._actions:
            if isinstance(a, argparse._HelpAction) or a.help == argparse.SUPPRESS:
                continue
            out.append(f"| {_option(a)} | {_help(a, p.prog)} |")
        out.append("")
    return "\n".join(out)


def samplers() -> str:
    """Every registered rule: parameters with their defaults and units, model calls, what it follows."""
    from mdmtheory.samplers import RULES

    out = ["| sampler | parameters (default) | model calls | follows |", "|---|---|---|---|"]
    for r in RULES.values():
        params = ", ".join(f"`{p.name}={p.default}`" for p in r.params) or "none"
        follows = r.origin.follows if r.origin is not None else "toolkit"
        out.append(f"| `{r.name}` | {_cell(params)} | {_cell(r.calls)} | {follows} |")
    out.append("")
    for r in RULES.values():
        out.append(f"**`{r.name}`**: {_cell(r.doc)}")
        out.append(f"Source: {_cell(r.source)}.")
        if r.origin is not None:
            out.append(f"Follows {_cell(r.origin.line())}; departs from the paper: {_cell(r.origin.departs)}.")
        for p in r.params:
            unit = f" [{p.unit}]" if p.unit else ""
            choices = f" (one of {', '.join(map(str, p.choices))})" if p.choices else ""
            out.append(f"- `{p.name}` ({p.kind}, default `{p.default}`{unit}): {_cell(p.doc)}{choices}")
        out.append("")
    return "\n".join(out)


def families() -> str:
    """The schedule families (``--family``) and the graph specs (``--graph``)."""
    from mdmtheory import graphs
    from mdmtheory.schedules import FAMILIES

    fam = [f"- `{name}`: {_cell((inspect.getdoc(fn) or '').split(chr(10) * 2)[0])}" for name, fn in FAMILIES.items()]
    graph = [f"- `{_cell(h)}`" for _, h in graphs.GRAPH_FAMILIES.values()]
    return ("Schedule families (`schedule --family NAME --param KEY=VALUE`, `bounds --family`):\n\n" + "\n".join(fam)
            + "\n\nGraphs (`walk --graph SPEC`, `walk-info --graph SPEC`, a sweep's `graph = SPEC`):\n\n"
            + "\n".join(graph) + "\n")


def sweep_format() -> str:
    """The module docstring of :mod:`mdmtheory.sweeps` (the spec format) and the keys it reads."""
    from mdmtheory import sweeps

    doc = inspect.cleandoc(sweeps.__doc__).split("\n\n", 1)[1].replace("``", "`")
    doc = doc.replace("::\n\n", ":\n\n```toml\n", 1)
    head, rest = doc.split("```toml\n", 1)
    lines = rest.split("\n")
    spec = [ln[4:] if ln.startswith("    ") else ln for ln in lines]
    end = next(i for i, ln in enumerate(lines) if ln and not ln.startswith("    "))
    body = "\n".join(spec[:end]).rstrip() + "\n```\n\n" + "\n".join(lines[end:])
    doc = head + "```toml\n" + body
    doc = re.sub(r":(?:func|mod|class|data):`~?([\w.]+)`", r"`\1`", doc)
    return (doc + "\n\nTable families (`family = NAME`, the constructors of `mdmtheory.joint`): "
            + ", ".join(f"`{f}`" for f in sweeps.TABLE_FAMILIES) + ".\nWalk keys besides `graph` and `length`: "
            + ", ".join(f"`{k}`" for k in sweeps.WALK_KEYS) + ".\nColumns every row starts with: "
            + ", ".join(f"`{k}`" for k in sweeps.LEAD) + "; and ends with: " + ", ".join(f"`{k}`" for k in sweeps.TRAIL)
            + ".\n")


def sweep_examples() -> str:
    """The example specs of ``examples/sweeps/`` (``mdmtheory examples --copy DIR`` copies them)."""
    out = []
    for path in sorted((ROOT / "examples" / "sweeps").glob("*.toml")):
        out.append(f"`sweeps/{path.name}`:\n\n```toml\n{path.read_text().rstrip()}\n```\n")
    return "\n".join(out)


SECTIONS = {"commands": commands, "samplers": samplers, "families": families, "sweep-format": sweep_format,
            "sweep-examples": sweep_examples}
FILES = ("cli.md", "sweeps.md")


def generated(text: str) -> str:
    """``text`` with every generated block replaced by what the code generates today."""

    def fill(m: re.Match) -> str:
        return m.group(1) + SECTIONS[m.group("name")]().rstrip() + "\n" + m.group(4)

    return _BLOCK.sub(fill, text)


def blocks(text: str) -> list[str]:
    """The names of the generated blocks of ``text``, in order."""
    return [m.group("name") for m in _BLOCK.finditer(text)]


def main() -> int:
    for name in FILES:
        path = DOCS / name
        old = path.read_text()
        new = generated(old)
        if new != old:
            path.write_text(new)
            print(f"rewrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
