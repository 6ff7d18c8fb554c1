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


def test_csv_trailing_commas_and_quotes(tmp_path):
    f = tmp_path / "z.csv"
    f.write_text('"Z",\n0,\n"0.5",\n1,,\n')
    assert m.load_curve(f).tolist() == [0.0, 0.5, 1.0]


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
    (["schedule", "--curve", "{c}", "--family", "geometric", "--param", "ratio=inf"], "finite"),
    (["schedule", "--curve", "{c}", "--family", "geometric", "--param", "ratio=1e999"], "finite"),
    (["bounds", "--curve", "{c}", "--family", "constant", "--param", "s=nan"], "finite"),
    (["evaluate", "{t}", "--sampler", "threshold", "--param", "tau=nan"], "tau"),
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


# ---------------------------------------------------------------------------------------------
# memory estimates count every large buffer; each is checked against a measured peak


def _traced_peak(fn):
    """Peak bytes allocated while ``fn()`` runs (numpy reports its buffers to tracemalloc)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def _cached_sets(joint, steps):
    """Run the mixture DP and return how many marginals of each size its cache held."""
    from mdmtheory import divergence

    seen = []
    orig = divergence._Marginals.__init__

    def init(self, j):
        orig(self, j)
        seen.append(self)

    divergence._Marginals.__init__ = init
    try:
        divergence._mixture_law(joint, m.as_schedule(steps, joint.n))
    finally:
        divergence._Marginals.__init__ = orig
    counts = [0] * (joint.n + 1)
    cells = 0
    for mask, arr in seen[0].cache.items():
        counts[bin(mask).count("1")] += 1
        cells += arr.size
    return counts, cells


@st.composite
def _shape_and_schedule(draw):
    n = draw(st.integers(1, 7))
    q = tuple(draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    steps, left = [], n
    while left:
        s = draw(st.integers(1, left))
        steps.append(s)
        left -= s
    return q, steps


@given(_shape_and_schedule(), st.integers(0, 2**31))
def test_mixture_cache_count_is_exact(shape_steps, seed):
    """The closed-form count of cached marginals equals what the DP really caches, set by set,
    and the counted cells bound the real ones (equal when every alphabet has the same size)."""
    from mdmtheory.divergence import _largest_cells, _mixture_cache_sets

    q, steps = shape_steps
    if max(q) < 2:
        q = (2,) + q[1:]
    rng = np.random.default_rng(seed)
    joint = m.Joint(rng.random(q) + 0.01, normalize=True)
    counts, cells = _cached_sets(joint, steps)
    assert counts == _mixture_cache_sets(len(q), m.as_schedule(steps, len(q)))
    bound = sum(c * _largest_cells(q, k) for k, c in enumerate(counts))
    assert cells <= bound
    if len(set(q)) == 1:
        assert cells == bound


@pytest.mark.parametrize("n,q,steps", [(8, 2, [4, 4]), (8, 2, [2, 3, 3]), (6, 3, [3, 3]), (9, 2, [1, 4, 4]),
                                       (7, 2, [7]), (5, 3, [1, 1, 1, 1, 1])])
def test_mixture_estimate_covers_the_measured_peak(n, q, steps):
    joint = m.random_joint(n, q, seed=3)
    peak = _traced_peak(lambda: m.mixture_kl(joint, steps))
    assert m.divergence.mixture_memory(joint.q, steps) >= peak


def test_kl_mixture_binary_20_refused_at_once(tmp_path):
    """Binary n = 20, 10+10: the DP caches 14 GiB of marginals; refused before the lattice runs."""
    f = tmp_path / "r20.npy"
    np.save(f, np.full((2,) * 20, 2.0**-20))
    t0 = time.monotonic()
    assert_one_line_error(*cli("kl", f, "--schedule", "10,10", "--mixture"), "mixture DP")
    assert time.monotonic() - t0 < 30
    assert m.divergence.mixture_memory((2,) * 20, [10, 10]) > 8 * 2**30


def test_walk_sampling_estimate_covers_the_measured_peak():
    from mdmtheory.walks import WALK_SAMPLE_BYTES

    chain = m.random_walk("cycle:6", 200)
    samples = 3000
    peak = _traced_peak(lambda: m.simulate(chain, m.make_sampler("random", steps=8), samples, seed=1))
    counted = WALK_SAMPLE_BYTES * samples * chain.n + 8.0 * chain.q**2 * 4
    assert peak <= counted
    assert peak > 8.0 * samples * chain.n * 2  # the earlier estimate (8 bytes a position) was 3x short


def test_walk_samples_refused_by_the_limit(capsys):
    """150000 walks of length 256: the samples alone are 300 MiB, their scoring 3x that."""
    assert_one_line_error(*run_main(["walk", "--graph", "cycle:16", "--length", "256", "--sampler", "random",
                                     "--samples", "150000", "--max-memory", "1G"], capsys), "would need")


def test_walk_info_and_exact_walk_honour_max_memory(capsys):
    argv = ["--graph", "cycle:101", "--length", "200000", "--max-memory", "50M"]
    assert_one_line_error(*run_main(["walk-info", *argv], capsys), "would need")
    assert_one_line_error(*run_main(["walk", *argv, "--sampler", "bisection", "--exact"], capsys), "would need")


def test_walk_info_estimate_covers_the_measured_peak():
    from mdmtheory.markov import tables_memory

    for start in ("stationary", "vertex:0"):
        chain = m.random_walk("cycle:31", 5000, start=start)
        peak = _traced_peak(lambda: chain.summary())
        assert tables_memory(chain) >= peak


def test_frontier_estimate_covers_the_measured_peak(tmp_path, capsys):
    from mdmtheory.cli.schedule import frontier_memory

    n = 400
    z = np.concatenate([[0.0], np.cumsum(np.random.default_rng(0).random(n - 1))]) / n
    f = tmp_path / "z.npy"
    np.save(f, z)
    for extra in ([], ["--json"]):
        peak = _traced_peak(lambda: main(["schedule", "--curve", str(f), "--frontier", *extra]))
        capsys.readouterr()
        assert frontier_memory(n) >= peak
    assert frontier_memory(12000) > 2 * 2**30  # was counted as 0.54 GiB
    assert_one_line_error(*run_main(["schedule", "--curve", f, "--frontier", "--max-memory", "1M"], capsys), "frontier")


def test_conjecture_keeps_only_the_worst_tables():
    """Memory does not grow with the number of tables tried: the search keeps the current
    table and the few worst ones, not every table (the built-ins are built one at a time)."""
    import inspect

    from mdmtheory.conjecture import _builtins

    assert inspect.isgenerator(_builtins((2, 30), (2, 30)))  # nothing built up front
    q = m.Quantity("expected_kl", family="even", params={"k": 2})
    peaks = [_traced_peak(lambda t=t: m.hunt(lambda ctx: ctx.tc, q, budget=600, max_tables=t, n_range=(6, 6),
                                              q_range=(3, 3), starts=1)) for t in (30, 330)]
    assert peaks[1] - peaks[0] < 300 * 729 * 8 / 2  # 300 more tables of 729 cells, far from all kept


# ---------------------------------------------------------------------------------------------
# conjecture bound files


def _bound(tmp_path, name, body):
    f = tmp_path / name
    f.write_text(body)
    return f


def _conj(bound, out, *extra):
    return cli("conjecture", bound, "--quantity", "expected_kl", "--family", "constant", "--param", "s=2",
               "--n", "2-3", "--q", "2-2", "--max-tables", "5", "--budget", "60", "--out", out, *extra)


def test_bound_that_prints_keeps_json_clean(tmp_path):
    f = _bound(tmp_path, "noisy.py", "print('importing')\ndef bound(ctx):\n    print('called', ctx.n)\n    return 10 * ctx.tc\n")
    code, out, err = _conj(f, tmp_path / "o", "--json")
    assert code == 0, err
    d = json.loads(out)  # stdout is only the JSON
    assert d["tried"] == 5 and not d["violated"]
    assert "importing" in err and "called" in err


@pytest.mark.parametrize("body,match", [
    ("import sys\nsys.exit(3)\n", "sys.exit"),
    ("import sys\ndef bound(ctx):\n    sys.exit(0)\n", "sys.exit"),
    ("def bound(ctx):\n    while True:\n        pass\n", "ran for more than"),
    ("def bound(ctx):\n    try:\n        while True:\n            pass\n    except Exception:\n        return 0.0\n", "ran for more than"),
    ("while True:\n    pass\n", "to import"),
    ("def bound(ctx):\n    return 'big'\n", "ValueError"),
    ("def bound(ctx):\n    return float('nan')\n", "NaN"),
    ("bound = 3\n", "defines no function"),
    ("def bound(ctx) return 1\n", "SyntaxError"),
])
def test_bad_bound_files(body, match, tmp_path):
    f = _bound(tmp_path, "b.py", body)
    t0 = time.monotonic()
    assert_one_line_error(*_conj(f, tmp_path / "o", "--bound-timeout", "1"), match)
    assert time.monotonic() - t0 < 60
    assert not (tmp_path / "o" / "worst.json").exists()


def test_bound_file_needs_py_suffix(tmp_path):
    f = _bound(tmp_path, "bound.txt", "def bound(ctx):\n    return ctx.tc\n")
    with pytest.raises(InputError, match=r"\.py suffix"):
        m.load_bound(f)
    with pytest.raises(InputError, match=r"\.py suffix"):
        m.load_bound(str(f))
    assert_one_line_error(*_conj(f, tmp_path / "o"), ".py suffix")
    with pytest.raises(InputError, match="directory"):
        d = tmp_path / "dir.py"
        d.mkdir()
        m.load_bound(d)


# ---------------------------------------------------------------------------------------------
# output files: folders, symlinks, atomic writes, quoted replay


def test_out_that_is_a_file_or_holds_a_directory(tmp_path):
    f = tmp_path / "taken"
    f.write_text("keep me")
    assert_one_line_error(*_conj(EXAMPLES / "li_cai.py", f), "not a directory")
    assert f.read_text() == "keep me"
    out = tmp_path / "out"
    (out / "worst.npy").mkdir(parents=True)
    assert_one_line_error(*_conj(EXAMPLES / "li_cai.py", out), "not a regular file")


def test_planted_symlink_is_never_followed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (out / "worst.json").symlink_to(victim)
    t0 = time.monotonic()
    assert_one_line_error(*_conj(EXAMPLES / "li_cai.py", out), "symbolic link")
    assert time.monotonic() - t0 < 60
    assert victim.read_text() == "precious"
    assert not (out / "worst.npy").exists()  # refused before the search: nothing half-written


def test_replay_command_quotes_paths(tmp_path):
    """A folder named with ``;`` and a space: the saved replay command runs the replay only."""
    out = tmp_path / "a b;touch PWNED"
    code, out_text, err = _conj(EXAMPLES / "too_tight.py", out, "--max-tables", "40", "--n", "2-4", "--q", "2-3")
    assert code == 1, err
    record = json.loads((out / "worst.json").read_text())
    words = shlex.split(record["replay"])
    assert words[:3] == ["mdmtheory", "kl", str(out / "worst.npy")]
    env = {**os.environ, "PATH": f"{Path(SCRIPT).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    r = subprocess.run(record["replay"] + " --json", shell=True, cwd=tmp_path, capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["expected_kl"] == pytest.approx(record["value"], rel=1e-9)
    assert not (tmp_path / "PWNED").exists()
    assert sorted(p.name for p in out.iterdir()) == ["worst.json", "worst.npy"]  # no temporary files left


def test_atomic_write(tmp_path):
    from mdmtheory.files import atomic_write

    target = tmp_path / "a.bin"
    atomic_write(target, lambda fh: fh.write(b"first"))
    assert target.read_bytes() == b"first"

    def fail(fh):
        fh.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, fail)
    assert target.read_bytes() == b"first"  # the old file, whole
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]  # the temporary file is gone
    link = tmp_path / "link.bin"
    link.symlink_to(target)
    with pytest.raises(InputError, match="symbolic link"):
        atomic_write(link, lambda fh: fh.write(b"evil"))
    assert target.read_bytes() == b"first"
    with pytest.raises(InputError, match="not a regular file"):
        atomic_write(tmp_path, lambda fh: fh.write(b"x"))


def test_figures_are_saved_atomically(tmp_path):
    from mdmtheory.figures._style import new_figure, save

    fig, ax = new_figure()
    ax.plot([0, 1], [0, 1])
    paths = save(fig, "line", tmp_path)
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and paths[1].read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["line.pdf", "line.png"]
    (tmp_path / "x.png").symlink_to(tmp_path / "line.pdf")
    fig, ax = new_figure()
    with pytest.raises(InputError, match="symbolic link"):
        save(fig, "x", tmp_path)
    assert (tmp_path / "line.pdf").read_bytes()[:5] == b"%PDF-"


# ---------------------------------------------------------------------------------------------
# standard output closed or full


def test_closed_stdout_exits_nonzero(table):
    r = subprocess.run(f"{shlex.quote(SCRIPT)} info {shlex.quote(str(table))} >&-", shell=True, capture_output=False,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "mdmtheory: error: standard output is closed; redirect it to a file or /dev/null instead of closing it"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_stdout_exits_nonzero(table):
    with open("/dev/full", "w") as full:
        r = subprocess.run([SCRIPT, "info", str(table), "--json"], stdout=full, stderr=subprocess.PIPE, text=True,
                           timeout=120)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mdmtheory: error: cannot write the output"), r.stderr


# ---------------------------------------------------------------------------------------------
# Ctrl-C during a long lattice


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.slow  # CI only (make test skips it unless CI=true): a minute of CPU or more
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads CPU time from /proc")
def test_ctrl_c_during_a_long_lattice_stops_within_a_second(tmp_path):
    """Binary n = 24: the lattice takes minutes on two shared cores; SIGINT after it starts
    ends the process with exit code 130 within a second and no traceback."""
    f = tmp_path / "u24.npy"
    np.save(f, np.full((2,) * 24, 2.0**-24))
    p = subprocess.Popen([SCRIPT, "info", str(f)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # start-up (imports, loading the table) takes about 1 s of CPU time; wait until the
        # process has used 3 s, so the signal lands in the lattice even on a loaded machine
        t_start = time.monotonic()
        while _cpu_seconds(p.pid) < 3.0 and time.monotonic() - t_start < 120 and p.poll() is None:
            time.sleep(0.1)
        assert p.poll() is None, p.communicate()
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        elapsed = time.monotonic() - t0
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, err
    assert elapsed < 1.0, elapsed
    assert out == "" and "Traceback" not in err and err.strip() == "mdmtheory: interrupted"


def test_interruptible_runner_reraises_worker_errors():
    from mdmtheory._kernels.lattice import _run_interruptibly

    done = []

    def task(i):
        if i == 3:
            raise ValueError("boom")
        done.append(i)

    with pytest.raises(ValueError, match="boom"):
        _run_interruptibly(task, list(range(6)), 2)
    got = []
    _run_interruptibly(got.append, list(range(10)), 3)
    assert sorted(got) == list(range(10))


def test_large_lattice_through_the_runner_matches_the_scalar_kernel():
    """Above the serial threshold the lattice runs on the interruptible runner; same numbers."""
    from mdmtheory._kernels.lattice import _SERIAL_CELLS, lattice_entropies, lattice_entropies_scalar

    joint = m.random_joint(13, 2, seed=5)
    assert 3**13 >= _SERIAL_CELLS
    np.testing.assert_allclose(lattice_entropies(joint.table), lattice_entropies_scalar(joint.table), rtol=0, atol=1e-12)


@pytest.mark.parametrize("spec", ["grid:30x30", "complete:200", "cycle:900", "hypercube:9", "barbell:20,5"])
def test_graph_estimate_covers_the_measured_peak(spec):
    """Building the graph and its walk (the phase parse_graph's check covers) stays below the
    estimate, measured with tracemalloc."""
    from mdmtheory.graphs import _SIZES, graph_memory

    name, _, rest = spec.partition(":")
    nodes, edges = _SIZES[name](*[int(p) for p in rest.replace("x", ",").split(",")])
    peak = _traced_peak(lambda: m.random_walk(spec, 10))
    assert graph_memory(nodes, edges) >= peak


def test_edge_list_size_from_its_content(tmp_path, capsys):
    """An edge list's size is counted from the file (two passes), not guessed from its bytes:
    K_150 as a 90 KB file is accepted, a 70000-vertex path is refused before it is built."""
    f = tmp_path / "k150.txt"
    f.write_text("".join(f"{u} {v}\n" for u in range(150) for v in range(u + 1, 150)))
    assert m.parse_graph(f"file:{f}").number_of_nodes() == 150
    g = tmp_path / "path.txt"
    g.write_text("".join(f"{u} {u + 1}\n" for u in range(70000)))
    t0 = time.monotonic()
    assert_one_line_error(*run_main(["walk-info", "--graph", f"file:{g}", "--length", "3"], capsys), "would need")
    assert time.monotonic() - t0 < 10
    with pytest.raises(InputError, match="has no edges"):
        e = tmp_path / "empty.txt"
        e.write_text("# nothing\n\n")
        m.parse_graph(f"file:{e}")


@given(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(["{!r}", "{:e}", "{:.3g}"]))
def test_param_values_finite_or_refused(x, fmt):
    """--param KEY=VALUE: a finite number comes back as itself (to its printed precision), a
    non-finite one (inf, nan, 1e999 after rounding) is refused with the key's name."""
    from mdmtheory.cli import parse_params

    text = fmt.format(x)
    if math.isfinite(float(text)):
        got = parse_params([f"k={text}"])["k"]
        assert float(got) == float(text)
    else:
        with pytest.raises(InputError, match="--param k must be a finite number"):
            parse_params([f"k={text}"])


def test_exact_walk_scoring_estimate_covers_the_measured_peak():
    """The dense exact path of walk --exact: scoring the law (after the evaluator, which checks
    its own memory) stays below WALK_EXACT_BYTES per cell and position."""
    from mdmtheory import walks

    chain = m.random_walk("cycle:4", 9)
    sampler = m.make_sampler("left_to_right", steps=2)
    law = m.evaluate(chain.joint(), sampler)
    ev = sys.modules["mdmtheory.exact"]  # the module (the package attribute is the function)
    orig = ev.evaluate
    ev.evaluate = lambda *a, **k: law  # measure the scoring alone
    try:
        peak = _traced_peak(lambda: walks.exact_walk_metrics(chain, sampler))
    finally:
        ev.evaluate = orig
    cells = 4.0**9
    assert peak <= cells * (8.0 + walks.WALK_EXACT_BYTES * 9)
    with pytest.raises(InputError, match="scoring the exact output law"):
        walks.exact_walk_metrics(chain, sampler, max_memory=cells * 8)


def test_huge_geometric_ratios_are_refused_with_the_range():
    """ratio = 1e308 (issue 21): refused with the valid range [1e-9, 1e9] (past the length every
    ratio gives the same steps); the edge of the range still gives the limit schedule."""
    from mdmtheory.schedules import geometric

    for r, k in ((1e308, None), (1e300, 3), (1e-300, 3)):
        with pytest.raises(InputError, match="between 1e-09 and 1e"):
            geometric(10, r, k)
    assert geometric(10, 1e9).steps == (1, 9)
    assert geometric(10, 1e9, 3).steps == (1, 1, 8)
