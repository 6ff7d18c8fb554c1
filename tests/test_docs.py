"""The documents say what the code does: the generated reference (docs/cli.md, docs/sweeps.md) is
current, docs/theory.md lists every claim with its kind, the README lists every module and every
figure, keeps its table cells short and its length near 300 lines (the full tour is docs/tour.md),
the relative links of README.md and docs/ lead to files, and the license is the one pyproject.toml
names."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from mdmtheory.proofs_check import claim_modules

from . import gen_docs

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


@pytest.mark.parametrize("name", gen_docs.FILES)
def test_generated_docs_are_current(name):
    text = (ROOT / "docs" / name).read_text()
    assert gen_docs.blocks(text), f"docs/{name} has no generated block"
    assert gen_docs.generated(text) == text, f"docs/{name} is stale: run python -m tests.gen_docs"


def test_the_generated_blocks_cover_every_command_and_sampler():
    from mdmtheory.cli import build_parser
    from mdmtheory.samplers import RULES

    cli = (ROOT / "docs" / "cli.md").read_text()
    commands = gen_docs._subparsers(build_parser()).choices
    assert len(commands) >= 15
    for name in commands:
        assert f"### `mdmtheory {name}`" in cli, name
    for name in RULES:
        assert f"**`{name}`**" in cli, name


def test_a_stale_block_is_detected():
    text = "x\n<!-- BEGIN GENERATED: sweep-examples -->\nold\n<!-- END GENERATED: sweep-examples -->\n"
    assert gen_docs.generated(text) != text and "quick.toml" in gen_docs.generated(text)


def _appendix_b() -> str:
    theory = (ROOT / "docs" / "theory.md").read_text()
    return theory[theory.index("## Appendix B"):]


def test_theory_lists_every_claim_with_its_kind_and_source():
    appendix = _appendix_b()
    sections = re.split(r"\n### B\.\d+ ", appendix)[1:]
    modules = claim_modules()
    assert len(sections) == len(modules) >= 30
    for module in modules:
        mod = importlib.import_module(f"mdmtheory.proofs_check.{module}")
        section = next((s for s in sections if f"(`proofs_check/{module}.py`)" in s.split("\n")[0]), None)
        assert section is not None, f"docs/theory.md Appendix B does not list proofs_check/{module}.py"
        assert section.startswith(f"`{mod.NAME}`"), module
        assert f"- Kind: {mod.KIND}." in section, module
        assert f"(read: {mod.SOURCE_READ})" in section, module
        for field in ("- Source: ", "- Statement: ", "- Compared: "):
            line = next(ln for ln in section.split("\n") if ln.startswith(field))
            assert len(line) > len(field) + 10 and "?" != line[len(field):].strip(), (module, field)


def test_theory_places_the_rules_where_they_are():
    theory = (ROOT / "docs" / "theory.md").read_text()
    for place in ("mdmtheory/registry.py", "rule_spec.py", "_kernels/rules.py"):
        assert place in theory
        assert (ROOT / "mdmtheory" / place.replace("mdmtheory/", "")).exists(), place
    assert "not used by the code" not in theory


def _section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 3)
    return README[start:end if end > 0 else None]


def test_readme_layout_names_every_module():
    layout = _section("Layout")
    for path in sorted((ROOT / "mdmtheory").glob("*.py")):
        if path.stem in ("__init__", "__main__"):
            continue
        assert f"`{path.stem}`" in layout, f"README's Layout section does not name mdmtheory/{path.name}"
    for folder in ("cli/", "_kernels/", "proofs_check/", "figures/", "examples/", "docs/"):
        assert folder in layout, folder


def test_readme_lists_every_figure():
    figures = _section("Figures")
    pngs = sorted((ROOT / "figures").glob("*.png"))
    assert len(pngs) >= 8
    for png in pngs:
        assert f"(figures/{png.name})" in figures, f"README's figure table misses {png.name}"


def test_readme_lists_every_claim_with_its_kind():
    rows = {}
    for line in _section("The claims checked").splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) == 5 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells
    for module in claim_modules():
        mod = importlib.import_module(f"mdmtheory.proofs_check.{module}")
        assert mod.NAME in rows, mod.NAME
        assert rows[mod.NAME][2] == mod.KIND, (mod.NAME, rows[mod.NAME][2], mod.KIND)


def test_readme_is_short_and_its_table_cells_too():
    lines = README.splitlines()
    assert len(lines) <= 320, f"README.md has {len(lines)} lines; move reference material to docs/ (docs/tour.md)"
    for i, line in enumerate(lines, 1):
        if line.startswith("|"):
            for cell in re.split(r"(?<!\\)\|", line)[1:-1]:
                assert len(cell.strip()) <= 200, f"README.md line {i}: a table cell of {len(cell.strip())} characters"


@pytest.mark.parametrize("name", ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))])
def test_relative_links_point_at_files_that_exist(name):
    path = ROOT / name
    targets = [t for t in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text()) if "://" not in t]
    assert name != "README.md" or "docs/tour.md" in targets, "README.md does not link the full tour"
    for target in targets:
        assert (path.parent / target).exists(), f"{name} links {target}, which does not exist"


def test_license_is_bsd_3_clause_as_pyproject_says():
    text = (ROOT / "LICENSE").read_text()
    assert 'license = "BSD-3-Clause"' in (ROOT / "pyproject.toml").read_text()
    assert text.startswith("BSD 3-Clause License") and "the mdmtheory developers" in text
    assert "Neither the name of the copyright holder" in text
