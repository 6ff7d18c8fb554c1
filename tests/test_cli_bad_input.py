"""Every class of bad input ends in exit code 2 and one line ``mdmtheory: error: ...`` (Ctrl-C:
exit 130 within a second), with nothing half-written (issue 9).

Behaviour about exit codes, standard error and signals is tested on the real ``mdmtheory``
console script in a subprocess; the many message checks run ``main`` in-process.
"""

from __future__ import annotations

import json
import math
import os
import shlex
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory.cli import main
from mdmtheory.errors import InputError

SCRIPT = str(Path(sys.executable).with_name("mdmtheory"))
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "conjectures"


def cli(*argv, timeout=120, **kwargs):
    """Run the console script; returns (exit code, stdout, stderr)."""
    r = subprocess.run([SCRIPT, *map(str, argv)], capture_output=True, text=True, timeout=timeout, **kwargs)
    return r.returncode, r.stdout, r.stderr


def assert_one_line_error(code, out, err, match):
    assert code == 2, (code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("mdmtheory: error: "), err
    assert match in lines[0], lines[0]
    assert "Traceback" not in err and out == ""


def run_main(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def table(tmp_path):
    f = tmp_path / "parity.npy"
    m.parity(4).save(f)
    return f


@pytest.fixture
def curve(tmp_path):
    f = tmp_path / "z.json"
    f.write_text("[0, 0.25, 0.5, 0.75]")
    return f


# ---------------------------------------------------------------------------------------------
# curve files


def _write(path: Path, data) -> Path:
    if isinstance(data, bytes):
        path.write_bytes(data)
    elif isinstance(data, np.ndarray):
        np.save(path, data)
    else:
        path.write_text(data)
    return path


CURVE_FILES = [
    ("nul.csv", b"0\n0.5\x00\x00\x01\n1\n", "binary content"),
    ("utf16.csv", "0\n0.5\n".encode("utf-16"), "UTF-16"),
    ("latin1.csv", "Z\u00e9\n0\n0.5\n".encode("latin-1"), "not UTF-8"),
    ("latin1b.json", b"[0, 0.5, \xe9]", "not UTF-8"),
    ("deep.json", "[" * 200000 + "]" * 200000, "nested too deeply"),
    ("ragged.csv", "0\n0.5,1\n1\n", "2 fields"),
    ("comma.csv", "0\n0,5\n1\n", "decimal comma"),
    ("huge.csv", "0\n" + "1" * 300000 + "\n", "too long for a number"),
    ("nested.json", "[[0, 0.5], [1]]", "flat list"),
    ("strings.json", '["0", "0.5"]', "flat list"),
    ("inf.json", "[0, 1e999]", "finite"),
    ("bigint.json", "[0, " + "9" * 400 + "]", "finite"),
    ("nan.csv", "0\nnan\n", "finite"),
    ("strings.npy", np.array(["0", "0.5"]), "integers or floats"),
    ("complex.npy", np.array([0, 0.5 + 1j]), "integers or floats"),
    ("bool.npy", np.array([False, True]), "integers or floats"),
    ("empty.npy", np.array([], dtype=float), "non-empty"),
    ("truncated.npy", b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (9,), }", "not a readable"),
    ("twod.npy", np.zeros((2, 2)), "1-D"),
    ("z.txt", "0\n1\n", ".npy, .json or .csv"),
]


@pytest.mark.parametrize("name,data,match", CURVE_FILES, ids=[c[0] for c in CURVE_FILES])
def test_bad_curve_file(name, data, match, tmp_path, capsys):
    f = _write(tmp_path / name, data)
    assert_one_line_error(*run_main(["schedule", "--curve", f, "--steps", "2"], capsys), match)


def test_bad_curve_files_through_the_console_script(tmp_path):
    """A few of the classes above on the real script: exit 2, one line, no traceback."""
    for name, data, match in [CURVE_FILES[0], CURVE_FILES[3], CURVE_FILES[5], CURVE_FILES[13]]:
        f = _write(tmp_path / name, data)
        assert_one_line_error(*cli("schedule", "--curve", f, "--steps", "2"), match)


@given(
    steps=st.lists(st.floats(0, 1e3, allow_subnormal=False), min_size=0, max_size=12),
    bom=st.booleans(),
    header=st.booleans(),
    crlf=st.booleans(),
)
def test_csv_and_json_curves_read_exactly(steps, bom, header, crlf, tmp_path_factory):
    """Any nondecreasing curve written as CSV (byte-order mark, header, CRLF or not) or JSON
    (with a byte-order mark or not) reads back exactly: the first value is never lost."""
    z = np.concatenate([[0.0], np.cumsum(steps)]) if steps else np.array([0.0])
    z = np.maximum.accumulate(z)
    d = tmp_path_factory.mktemp("curves")
    nl = "\r\n" if crlf else "\n"
    text = ("Z" + nl if header else "") + nl.join(repr(float(x)) for x in z) + nl
    prefix = "\ufeff" if bom else ""
    (d / "z.csv").write_text(prefix + text, encoding="utf-8", newline="")
    (d / "z.json").write_text(prefix + json.dumps([float(x) for x in z]), encoding="utf-8")
    for f in ("z.csv", "z.json"):
        got = m.load_curve(d / f)
        assert got.tolist() == z.tolist()


def test_bom_csv_first_value_kept(tmp_path):
    """A spreadsheet's CSV (byte-order mark, no header): the first value is Z_1, not a header."""
    f = tmp_path / "z.csv"
    f.write_bytes(b"\xef\xbb\xbf0\r\n0.25\r\n0.5\r\n")
    assert m.load_curve(f).tolist() == [0.0, 0.25, 0.5]


# ---------------------------------------------------------------------------------------------
# FIFOs and character devices never hang


def test_fifo_and_device_refused(tmp_path):
    fifo_npy = tmp_path / "table.npy"
    os.mkfifo(fifo_npy)
    fifo_csv = tmp_path / "z.csv"
    os.mkfifo(fifo_csv)
    fifo_py = tmp_path / "bound.py"
    os.mkfifo(fifo_py)
    fifo_edges = tmp_path / "edges.txt"
    os.mkfifo(fifo_edges)
    t0 = time.monotonic()
    assert_one_line_error(*cli("info", fifo_npy, timeout=60), "FIFO")
    assert_one_line_error(*cli("info", "/dev/zero", timeout=60), "character device")
    assert_one_line_error(*cli("schedule", "--curve", fifo_csv, "--steps", "2", timeout=60), "FIFO")
    assert_one_line_error(*cli("conjecture", fifo_py, "--quantity", "expected_kl", "--family", "even", timeout=60), "FIFO")
    assert_one_line_error(*cli("walk-info", "--graph", f"file:{fifo_edges}", "--length", "4", timeout=60), "FIFO")
    assert time.monotonic() - t0 < 60


def test_load_joint_refuses_devices():
    with pytest.raises(InputError, match="character device"):
        m.load_joint("/dev/null")


# ---------------------------------------------------------------------------------------------
# numeric parameters


NUMERIC = [
    (["info", "{t}", "--max-memory", "inf"], "--max-memory"),
    (["info", "{t}", "--max-memory", "nan"], "--max-memory"),
    (["info", "{t}", "--base", "nan"], "--base"),
    (["info", "{t}", "--base", "1e999"], "--base"),
    (["schedule", "--curve", "{c}", "--eps", "nan"], "--eps"),
    (["schedule", "--curve", "{c}", "--eps", "inf"], "--eps"),
    (["schedule", "--curve", "{c}", "--eps", "1e999"], "--eps"),
    (["schedule", "--curve", "{c}", "--eps", "-1"], "--eps"),
    (["schedule", "--curve", "{c}", "--steps", "0"], "--steps"),
    (["schedule", "--curve", "{c}", "--steps", "2.5"], "--steps"),
    (["schedule", "--curve", "{c}", "--family", "geometric", "--param", "ratio=1e308"], "overflow"),
    (["schedule", "--curve", "{c}", "--family", "geometric", "--param", "ratio=1e300", "k=3"], "overflow"),
    (["schedule", "--curve", "{c}", "--family", "geometric", "--param", "ratio=inf"], "finite"),
    (["schedule", "--curve", "{c}", "--family", "geometric", "--param", "ratio=1e999"], "finite"),
    (["bounds", "--curve", "{c}", "--family", "constant", "--param", "s=nan"], "finite"),
    (["evaluate", "{t}", "--sampler", "threshold", "--param", "tau=nan"], "finite"),
    (["walk", "--graph", "cycle:5", "--length", "6", "--sampler", "random", "--lazy", "nan"], "--lazy"),
    (["walk", "--graph", "cycle:5", "--length", "6", "--sampler", "random", "--lazy", "inf"], "--lazy"),
    (["walk", "--graph", "cycle:5", "--length", "6", "--sampler", "random", "--seed", "-1"], "--seed"),
    (["walk", "--graph", "cycle:5", "--length", "6", "--sampler", "random", "--samples", "0"], "--samples"),
    (["walk", "--graph", "cycle:5", "--length", "1e3", "--sampler", "random"], "--length"),
    (["walk-info", "--graph", "cycle:5", "--length", "-3"], "--length"),
    (["conjecture", "{b}", "--quantity", "expected_kl", "--family", "even", "--budget", "nan"], "--budget"),
    (["conjecture", "{b}", "--quantity", "expected_kl", "--family", "even", "--budget", "inf"], "--budget"),
    (["conjecture", "{b}", "--quantity", "expected_kl", "--family", "even", "--budget", "-1"], "--budget"),
    (["conjecture", "{b}", "--quantity", "expected_kl", "--family", "even", "--max-tables", "0"], "--max-tables"),
    (["conjecture", "{b}", "--quantity", "expected_kl", "--family", "even", "--seed", "-1"], "--seed"),
    (["conjecture", "{b}", "--quantity", "expected_kl", "--family", "even", "--bound-timeout", "0"], "--bound-timeout"),
]


@pytest.mark.parametrize("argv,match", NUMERIC, ids=[" ".join(a[-2:]) for a, _ in NUMERIC])
def test_bad_numbers(argv, match, table, curve, tmp_path, capsys):
    fill = {"t": str(table), "c": str(curve), "b": str(EXAMPLES / "li_cai.py")}
    argv = [a.format(**fill) for a in argv]
    assert_one_line_error(*run_main(argv + ["--json"] if argv[0] != "walk-info" else argv, capsys), match)


def test_bad_numbers_through_the_console_script(table, tmp_path):
    assert_one_line_error(*cli("info", table, "--max-memory", "inf"), "--max-memory")
    assert_one_line_error(*cli("conjecture", EXAMPLES / "li_cai.py", "--quantity", "expected_kl", "--family", "even",
                               "--budget", "nan", "--out", tmp_path / "o"), "--budget")
    assert not (tmp_path / "o").exists()  # nothing written


def test_hunt_validates_its_arguments():
    q = m.Quantity("expected_kl", family="even", params={"k": 1})
    for kwargs, match in [({"budget": math.nan}, "budget"), ({"budget": math.inf}, "budget"), ({"seed": -1}, "seed"),
                          ({"max_tables": 0}, "max_tables"), ({"bound_timeout": 0.0}, "time limit"),
                          ({"n_range": (2, 20), "q_range": (2, 3)}, "largest table")]:
        with pytest.raises(InputError, match=match):
            m.hunt(lambda ctx: ctx.tc, q, **{"budget": 1.0, **kwargs})


# ---------------------------------------------------------------------------------------------
# graphs too big are refused before anything is allocated


@pytest.mark.parametrize("spec", ["complete:100000", "grid:1000x1000", "hypercube:30", "hypercube:100000",
                                  "tree:1000000000", "torus:100000x3", "regular:3,10000000", "bipartite:100000,100000"])
def test_huge_graph_refused_fast(spec, capsys):
    t0 = time.monotonic()
    assert_one_line_error(*run_main(["walk-info", "--graph", spec, "--length", "5"], capsys), "would need")
    assert time.monotonic() - t0 < 5
    with pytest.raises(InputError, match="vertices"):
        m.parse_graph(spec)


def test_graph_memory_counts_the_spec():
    """Vertex and edge counts from the spec agree with the graph networkx builds."""
    from mdmtheory.graphs import _SIZES

    for spec in ["cycle:7", "path:5", "complete:6", "star:6", "grid:3x4", "grid:3", "torus:3x5", "hypercube:4",
                 "bipartite:3,4", "barbell:5", "barbell:4,2", "lollipop:5,3", "petersen", "tree:3", "regular:3,20,seed=1"]:
        G = m.parse_graph(spec)
        name, _, rest = spec.partition(":")
        parts = [p for p in rest.replace("x", ",").split(",") if p]
        args = [int(p) for p in parts if "=" not in p]
        kwargs = {p.split("=")[0]: int(p.split("=")[1]) for p in parts if "=" in p}
        assert _SIZES[name](*args, **kwargs) == (G.number_of_nodes(), G.number_of_edges()), spec


def test_graph_too_big_for_a_given_limit(capsys):
    """--max-memory is honoured by the graph check (a modest graph, a tiny limit)."""
    assert_one_line_error(*run_main(["walk-info", "--graph", "cycle:1000", "--length", "5", "--max-memory", "1M"], capsys),
                          "would need")
    assert main(["walk-info", "--graph", "cycle:1000", "--length", "5", "--json"]) == 0


def test_edge_list_with_bom_and_bad_bytes(tmp_path, capsys):
    f = tmp_path / "edges.txt"
    f.write_bytes(b"\xef\xbb\xbf0 1\n1 2\n2 0\n")
    assert m.parse_graph(f"file:{f}").number_of_nodes() == 3  # "\ufeff0" is not a fourth vertex
    f.write_bytes(b"0 1\n1 \xff\n")
    assert_one_line_error(*run_main(["walk-info", "--graph", f"file:{f}", "--length", "3"], capsys), "not UTF-8")
