"""``mdmtheory examples``: the shipped example files are listed and copied, never overwriting an
edited file without ``--force``; the copies are the repository's ``examples/`` byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli as run

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SHIPPED = sorted(p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*") if p.suffix in (".toml", ".py"))


def test_every_example_file_is_listed(capsys):
    assert "sweeps/quick.toml" in SHIPPED and "conjectures/too_tight.py" in SHIPPED
    code, out, _ = run(["examples"], capsys)
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines()[1:]]
    assert listed == SHIPPED
    code, out, _ = run(["examples", "--json"], capsys)
    assert code == 0 and json.loads(out) == {"files": SHIPPED}


def test_copy_gives_the_files_byte_for_byte_and_again_is_harmless(tmp_path, capsys):
    dest = tmp_path / "ex"
    code, out, _ = run(["examples", "--copy", dest], capsys)
    assert code == 0 and f"copied {len(SHIPPED)} example files" in out
    for f in SHIPPED:
        assert (dest / f).read_bytes() == (EXAMPLES / f).resolve().read_bytes(), f
    code, _, err = run(["examples", "--copy", dest], capsys)  # identical files: nothing lost
    assert code == 0, err


def test_an_edited_copy_is_kept_unless_forced(tmp_path, capsys):
    dest = tmp_path / "ex"
    run(["examples", "--copy", dest], capsys)
    edited = dest / "sweeps" / "quick.toml"
    edited.write_text("# mine\n")
    code, out, err = run(["examples", "--copy", dest], capsys)
    assert code == 2 and "--force" in err and "sweeps/quick.toml" in err and out == ""
    assert edited.read_text() == "# mine\n"
    code, _, _ = run(["examples", "--copy", dest, "--force"], capsys)
    assert code == 0 and edited.read_bytes() == (EXAMPLES / "sweeps" / "quick.toml").read_bytes()


def test_copy_onto_a_file_is_bad_input(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    code, _, err = run(["examples", "--copy", f], capsys)
    assert code == 2 and "is not a folder" in err


def test_a_copied_sweep_spec_runs(tmp_path, capsys):
    run(["examples", "--copy", tmp_path / "ex"], capsys)
    code, out, err = run(["sweep", tmp_path / "ex" / "sweeps" / "quick.toml", "--out", tmp_path / "q.csv", "--json"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["failed"] == 0 and summary["points"] > 0
