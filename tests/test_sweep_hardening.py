"""Sweeps under bad input (issue 21): typed specs, checked journal and table rows, existing
outputs that are not sweep tables, sizes and worker counts before any work, scheduler addresses."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory.cli import main
from mdmtheory.errors import InputError
from mdmtheory.sweep_checks import MAX_POINTS, MAX_WORKERS, check_scheduler_address, row_digest
from mdmtheory.sweeps import expand, read_table, sweep

SMALL = {"sweep": {"metrics": ["kl", "tv"]}, "model": [{"family": "copy", "n": 3}],
         "sampler": [{"name": "entropy", "grid": {"steps": "1..n"}}]}


def _strip(rows):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def _cli(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(err: str) -> bool:
    return err.count("\n") == 1 and err.startswith("mdmtheory: error: ") and "Traceback" not in err


@pytest.fixture(scope="module")
def clean_rows():
    """The rows of SMALL, computed directly (the reference every damaged rerun must give)."""
    return sweep(SMALL, show_progress=False).rows


# ----------------------------------------------------------------------------------------------
# the spec's types

WALK = {"graph": "cycle:4", "length": 4}
BAD_SPECS = [
    ({**SMALL, "model": [{**WALK, "weighted": "false"}]}, "weighted = 'false' is a string; write weighted = true or"),
    ({**SMALL, "model": [{**WALK, "weighted": "yes"}]}, "weighted"),
    ({**SMALL, "model": [{**WALK, "weighted": 0}]}, "weighted"),
    ({**SMALL, "model": [{**WALK, "grid": {"weighted": [True, "false"]}}]}, "weighted"),
    ({**SMALL, "model": [{**WALK, "lazy": "0.5"}]}, "lazy"),
    ({**SMALL, "model": "copy"}, "model = 'copy' is a string"),
    ({**SMALL, "model": [1, 2]}, r"\[\[model\]\]"),
    ({**SMALL, "model": {"family": "copy", "n": 3}}, r"write \[\[model\]\]"),
    ({**SMALL, "sampler": "entropy"}, "sampler = 'entropy' is a string"),
    ({**SMALL, "sampler": [[{"name": "entropy"}]]}, r"\[\[sampler\]\]"),
    ({**SMALL, "sampler": {"name": "entropy"}}, r"write \[\[sampler\]\]"),
    ({**SMALL, "sweep": "fast"}, r"write a \[sweep\] table"),
    ({**SMALL, "sweep": [{"base": 2}]}, r"\[sweep\] table"),
    ({**SMALL, "sampler": [{"name": "entropy", "params": [1, 2]}]}, "params = \\[1, 2\\] is a list; write params = {"),
    ({**SMALL, "sampler": [{"name": "entropy", "grid": [1]}]}, "grid"),
    ({**SMALL, "sampler": [{"name": 5}]}, "name = 5 is an integer"),
    ({**SMALL, "model": [{"family": "copy", "n": 3, "label": float("nan")}]}, "label = nan is not a text"),
    ({**SMALL, "model": [{"family": "copy", "n": 3, "label": True}]}, "label"),
    ({**SMALL, "model": [{"table": 5}]}, "table = 5 is an integer; write table = "),
    ({**SMALL, "model": [{"graph": 5, "length": 4}]}, "graph = 5"),
    ({**SMALL, "model": [{"hmm": ["block"], "length": 4}]}, "hmm"),
    ({**SMALL, "model": [{"family": 3}]}, "family = 3"),
    ({**SMALL, "model": [{"family": "copy", "n": 3, "grid": 5}]}, "grid = 5"),
    ({**SMALL, "sampler": [{"name": "entropy", "grid": {"steps": "5..3"}}]}, r"is empty \(5 > 3\)"),
    ({**SMALL, "model": [{"family": "copy", "n": 3, "grid": {"q": "4..2"}}]}, "empty"),
]


@pytest.mark.parametrize("spec, words", BAD_SPECS)
def test_a_value_of_the_wrong_type_is_refused_naming_the_key(spec, words):
    with pytest.raises(InputError, match=words):
        expand(spec)


def test_weighted_false_is_the_unweighted_walk():
    """The boolean the string stood for gives the right number (the string itself is refused above)."""
    spec = {"sweep": {"metrics": ["kl"]}, "model": [{**WALK, "weighted": False}],
            "sampler": [{"name": "entropy", "params": {"steps": 2}}]}
    (row,) = sweep(spec, show_progress=False).rows
    want = m.exact_walk_metrics(m.random_walk("cycle:4", 4, weighted=False), m.make_sampler("entropy", steps=2))
    assert row["error"] == "" and row["kl"] == want["kl"] and row["model.weighted"] is False


TOML_CASES = [
    ('[[model]]\ngraph = "cycle:4"\nlength = 4\nweighted = "false"\n[[sampler]]\nname = "entropy"\n', "weighted"),
    ('[model]\nfamily = "copy"\nn = 3\n[[sampler]]\nname = "entropy"\n', "[[model]]"),
    ('model = "copy"\n[[sampler]]\nname = "entropy"\n', "model = 'copy'"),
    ('sweep = 5\n[[model]]\nfamily = "copy"\nn = 3\n[[sampler]]\nname = "entropy"\n', "[sweep]"),
    ('[[model]]\nfamily = "copy"\nn = 3\nlabel = nan\n[[sampler]]\nname = "entropy"\n', "label"),
    ('[[model]]\ntable = 5\n[[sampler]]\nname = "entropy"\n', "table = 5"),
    ('[[model]]\nfamily = "copy"\nn = 3\n[[sampler]]\nname = "entropy"\nparams = [1, 2]\n', "params"),
    ('[[model]]\nfamily = "copy"\nn = 3\n[[sampler]]\nname = "entropy"\ngrid = { steps = "5..3" }\n', "empty"),
]


@pytest.mark.parametrize("text, words", TOML_CASES)
def test_cli_refuses_a_badly_typed_spec_with_one_line(tmp_path, capsys, monkeypatch, text, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text(text)
    code, out, err = _cli(["sweep", "s.toml", "--out", "t.csv"], capsys)
    assert code == 2 and _one_line(err) and words in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]  # nothing written


# ----------------------------------------------------------------------------------------------
# journal and table rows


def _damaged_first_line(clean, kind):
    """The journal line that replaces the first finished row, for each kind of damage."""
    row = dict(clean[0])
    if kind == "changed kl":
        row["kl"] = row["kl"] + 0.25
        return json.dumps(row).encode()
    if kind == "changed sampler.steps":
        row["sampler.steps"] = 99
        return json.dumps(row).encode()
    if kind == "key only":
        return json.dumps({"key": row["key"]}).encode()
    if kind == "injected column":
        row["evil"] = 1
        return json.dumps(row).encode()
    if kind == "digest dropped":
        row.pop("digest")
        return json.dumps(row).encode()
    return {"null": b"null", "list": b"[1, 2]", "number": b"5", "string": b'"a string"', "true": b"true",
            "binary": b"\xff\xfe\x00\x81garbage", "deep": b"[" * 100000}[kind]


DAMAGE = ["null", "list", "number", "string", "true", "binary", "deep", "changed kl", "changed sampler.steps",
          "key only", "injected column", "digest dropped"]


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_journal_line_is_reported_and_its_point_recomputed(tmp_path, clean_rows, kind):
    out = tmp_path / "t.csv"
    journal = tmp_path / "t.csv.journal"
    lines = [_damaged_first_line(clean_rows, kind)] + [json.dumps(r).encode() for r in clean_rows[1:]]
    journal.write_bytes(b"\n".join(lines) + b"\n")
    notes = []
    r = sweep(SMALL, out, show_progress=False, on_note=notes.append)
    assert r.reused == len(clean_rows) - 1 and r.computed == 1, notes  # no finished row lost
    assert _strip(r.rows) == _strip(clean_rows)  # the damaged point has its true numbers again
    assert "evil" not in r.columns
    assert len(notes) == 1 and "line 1" in notes[0] and "computed again" in notes[0]
    assert r.notes == notes and r.to_dict()["notes"] == notes
    assert not journal.exists()
    assert [(t["key"], t["kl"], t["digest"]) for t in read_table(out)] == [(c["key"], c["kl"], c["digest"]) for c in clean_rows]


def test_cli_reports_a_damaged_journal_on_stderr_and_succeeds(tmp_path, capsys, monkeypatch, clean_rows):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text('[sweep]\nmetrics = ["kl", "tv"]\n[[model]]\nfamily = "copy"\nn = 3\n'
                                     '[[sampler]]\nname = "entropy"\ngrid = { steps = "1..n" }\n')
    (tmp_path / "t.csv.journal").write_bytes(b"null\n" + json.dumps(clean_rows[1]).encode() + b"\n")
    code, out, err = _cli(["sweep", "s.toml", "--out", "t.csv", "--json"], capsys)
    assert code == 0 and json.loads(out)["reused"] == 1 and json.loads(out)["computed"] == 2
    assert err.startswith("mdmtheory: note: t.csv.journal line 1: expected a row") and "Traceback" not in err


def test_a_changed_number_in_the_table_is_recomputed(tmp_path, clean_rows):
    out = tmp_path / "t.csv"
    sweep(SMALL, out, show_progress=False)
    text = out.read_text().splitlines()
    header = text[0].split(",")
    cells = text[2].split(",")
    cells[header.index("kl")] = "12.5"
    out.write_text("\n".join([text[0], text[1], ",".join(cells), *text[3:]]) + "\n")
    r = sweep(SMALL, out, show_progress=False)
    assert r.reused == 2 and r.computed == 1 and "t.csv row 2" in r.notes[0]
    assert _strip(r.rows) == _strip(clean_rows)


def test_a_damaged_row_with_a_whole_copy_elsewhere_is_not_recomputed(tmp_path, clean_rows):
    out = tmp_path / "t.csv"
    sweep(SMALL, out, show_progress=False)
    text = out.read_text().splitlines()
    header = text[0].split(",")
    cells = text[1].split(",")
    cells[header.index("kl")] = "0.0"
    out.write_text("\n".join([text[0], ",".join(cells), *text[2:]]) + "\n")
    (tmp_path / "t.csv.journal").write_text(json.dumps(clean_rows[0]) + "\n")
    r = sweep(SMALL, out, show_progress=False)
    assert r.reused == 3 and r.computed == 0 and r.rows[0]["kl"] == clean_rows[0]["kl"]
    assert len(r.notes) == 1 and "t.csv row 1" in r.notes[0] and "a whole copy of that row is reused" in r.notes[0]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_labels_keep_the_spelling_the_spec_gave(tmp_path, suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    labels = ["007", "1e5", "1_000", "inf", "True"]
    spec = {"sweep": {"metrics": ["kl"]}, "model": [{"family": "copy", "n": 2, "label": s} for s in labels],
            "sampler": [{"name": "entropy", "params": {"steps": 1}}]}
    out = tmp_path / f"t{suffix}"
    first = sweep(spec, out, show_progress=False)
    again = sweep(spec, out, show_progress=False)
    assert again.reused == len(labels) and again.computed == 0 and not again.notes
    for r in (first, again):
        assert [row["model"] for row in r.rows] == labels
    assert [row["model"] for row in read_table(out)] == labels


def test_row_digest_covers_every_result_cell(clean_rows):
    row = clean_rows[0]
    assert row["digest"] == row_digest(row)
    assert row_digest({**row, "seconds": 99.0, "point": 7}) == row["digest"]  # timing and place are not results
    for change in ({"kl": row["kl"] * 2}, {"unit": "bits"}, {"extra": 1}, {"error": "boom"}):
        assert row_digest({**row, **change}) != row["digest"], change


# ----------------------------------------------------------------------------------------------
# an existing --out


NOT_TABLES = [
    ("t.csv", b"point,model,kind,sampler,version,error,key\n0,a,table,entropy,1,,k\n1,a\n", "field"),
    ("t.csv", b"point,model,kind,sampler,version,error,key\n0,a,table,entropy,1,,k,extra\n", "field"),
    ("t.csv", b'point,model,kind,sampler,version,error,key\n"0,a,table\n', "CSV"),
    ("t.csv", b"", "empty"),
    ("t.csv", b"\n\n", "empty"),
    ("t.csv", b"x,y\n1,2\n", r"no column\(s\) point"),
    ("t.csv", b"point,point\n1,2\n", "repeated"),
    ("t.csv", b"\xff\xfe binary", "UTF-8"),
    ("t.csv", b"point,model\x00,kind\n", "NUL"),
    ("t.parquet", b"this is not parquet at all", "Parquet"),
    ("t.parquet", b"", "Parquet"),
]


@pytest.mark.parametrize("name, data, words", NOT_TABLES)
def test_an_existing_out_that_is_not_a_sweep_table_is_refused_before_any_work(tmp_path, monkeypatch, name, data, words):
    if name.endswith(".parquet"):
        pytest.importorskip("pyarrow")
    monkeypatch.setattr("mdmtheory.sweeps.run_point", lambda p: pytest.fail("a point was computed"))
    out = tmp_path / name
    out.write_bytes(data)
    with pytest.raises(InputError, match=words):
        sweep(SMALL, out, show_progress=False)
    assert out.read_bytes() == data and sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_an_empty_out_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for out in ("", "  "):
        with pytest.raises(InputError, match="output table"):
            sweep(SMALL, out, show_progress=False)
    (tmp_path / "s.toml").write_text('[[model]]\nfamily = "copy"\nn = 2\n[[sampler]]\nname = "entropy"\n')
    code, _, err = _cli(["sweep", "s.toml", "--out", ""], capsys)
    assert code == 2 and _one_line(err) and "--out ''" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


# ----------------------------------------------------------------------------------------------
# sizes and workers


def test_a_huge_range_is_refused_with_the_count_and_the_limit():
    spec = {**SMALL, "sampler": [{"name": "entropy", "grid": {"steps": "1..1000000000"}}]}
    t0 = time.perf_counter()
    with pytest.raises(InputError, match=f"1,000,000,000 points, more than the limit {MAX_POINTS:,}"):
        expand(spec)
    assert time.perf_counter() - t0 < 5.0


def test_a_huge_model_grid_is_refused_before_any_model_is_built(monkeypatch):
    built = []
    real = m.joint.copy
    monkeypatch.setattr(m.joint, "copy", lambda *a, **k: built.append(1) or real(*a, **k))
    axis = list(range(2, 3002))
    spec = {**SMALL, "model": [{"family": "copy", "grid": {"n": axis, "q": axis}}]}
    with pytest.raises(InputError, match="9,000,000 points"):
        expand(spec)
    assert built == []


def test_points_summed_over_samplers_are_limited():
    half = MAX_POINTS // 2 + 1
    spec = {**SMALL, "sampler": [{"name": "eb", "grid": {"gamma": [0.01 * i for i in range(half)]}}] * 2}
    with pytest.raises(InputError, match="more than the limit"):
        expand(spec)


@pytest.mark.parametrize("kwargs", [{"jobs": 10**32}, {"jobs": MAX_WORKERS + 1}, {"dask_local": 10**32},
                                    {"dask_local": MAX_WORKERS + 1}])
def test_absurd_worker_counts_are_refused(kwargs):
    with pytest.raises(InputError, match=f"more than {MAX_WORKERS} worker processes"):
        sweep(SMALL, show_progress=False, **kwargs)


@pytest.mark.parametrize("flag", ["--jobs", "--dask-local"])
def test_cli_absurd_worker_counts_exit_2(tmp_path, capsys, monkeypatch, flag):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text('[[model]]\nfamily = "copy"\nn = 2\n[[sampler]]\nname = "entropy"\n')
    code, _, err = _cli(["sweep", "s.toml", flag, "99999999999999999999999999999999"], capsys)
    assert code == 2 and _one_line(err) and "worker processes" in err and "Overflow" not in err


def test_jobs_above_the_points_are_lowered_with_a_note(clean_rows):
    notes = []
    r = sweep(SMALL, jobs=64, show_progress=False, on_note=notes.append)
    assert _strip(r.rows) == _strip(clean_rows)
    assert len(notes) == 1 and r.notes == notes
    assert ("--jobs 64 lowered to 2" in notes[0] or "--jobs 64 lowered to 1" in notes[0]) and "3 point(s)" in notes[0]


def test_max_memory_is_enforced_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("mdmtheory.sweeps.run_point", lambda p: pytest.fail("a point was computed"))
    spec = {**SMALL, "model": [{"family": "copy", "n": 14}]}  # 3^14 cells of exact tables: about 150 MB
    with pytest.raises(InputError, match="max_memory|memory"):
        sweep(spec, show_progress=False, max_memory=10 * 2**20)
    with pytest.raises(InputError, match="max_memory"):
        sweep(SMALL, show_progress=False, max_memory=-1)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text('[[model]]\nfamily = "copy"\nn = 14\n[[sampler]]\nname = "entropy"\n')
    code, _, err = _cli(["sweep", "s.toml", "--max-memory", "10M"], capsys)
    assert code == 2 and _one_line(err) and "memory" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


def test_the_out_of_memory_message_names_only_options_the_command_has(tmp_path, capsys, monkeypatch):
    def oom(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("mdmtheory.sweeps.sweep", oom)
    monkeypatch.setattr("mdmtheory.plot.plot_table", oom)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text("")
    (tmp_path / "t.csv").write_text("a,b\n1,2\n")
    code, _, err = _cli(["sweep", "s.toml"], capsys)
    assert code == 2 and _one_line(err) and "--max-memory" in err
    code, _, err = _cli(["plot", "t.csv", "--x", "a", "--y", "b"], capsys)
    assert code == 2 and _one_line(err) and "out of memory" in err and "--max-memory" not in err


# ----------------------------------------------------------------------------------------------
# scheduler addresses


@pytest.mark.parametrize("address", ["garbage", "", "   ", "tcp://", "http://127.0.0.1:1", "tcp://127.0.0.1",
                                     "tcp://127.0.0.1:0", "tcp://127.0.0.1:99999", "tcp://:8786", "ftp://h:1",
                                     "tcp://a b:1", "tcp://300.1.1.1:8786", "inproc://", "tcp://h:80x"])
def test_a_bad_scheduler_address_is_refused_before_connecting(address):
    with pytest.raises(InputError, match="--scheduler"):
        check_scheduler_address(address)
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="--scheduler"):
        sweep(SMALL, scheduler=address, show_progress=False)
    assert time.perf_counter() - t0 < 2.0


@pytest.mark.parametrize("address, want", [("tcp://127.0.0.1:8786", "tcp://127.0.0.1:8786"),
                                           ("127.0.0.1:8786", "tcp://127.0.0.1:8786"),
                                           ("TLS://sched.example:443", "tls://sched.example:443"),
                                           ("tcp://[::1]:8786", "tcp://[::1]:8786"),
                                           ("inproc://10.0.0.1/123/1", "inproc://10.0.0.1/123/1")])
def test_good_scheduler_addresses_pass(address, want):
    assert check_scheduler_address(address) == want


@pytest.mark.parametrize("cli", [False, True])
def test_cli_garbage_scheduler_exits_2_naming_the_address(tmp_path, capsys, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text('[[model]]\nfamily = "copy"\nn = 2\n[[sampler]]\nname = "entropy"\n')
    address = "http://127.0.0.1:1" if cli else "garbage"
    code, _, err = _cli(["sweep", "s.toml", "--scheduler", address], capsys)
    assert code == 2 and _one_line(err) and repr(address) in err


class _SilentServer:
    """A TCP server on 127.0.0.1 that accepts and never answers (or answers with ``reply``);
    it stops itself after ``life`` seconds."""

    def __init__(self, reply: bytes = b"", life: float = 30.0):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.reply, self.end, self.conns = reply, time.time() + life, []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while time.time() < self.end:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(conn)
            if self.reply:
                conn.sendall(self.reply)
        for c in self.conns:
            c.close()
        self.sock.close()

    def stop(self):
        self.end = 0
        self.thread.join(5)


@pytest.mark.parametrize("reply", [b"", b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" * 20])
def test_an_endpoint_that_accepts_and_never_answers_fails_within_the_timeout(reply):
    pytest.importorskip("dask.distributed")
    server = _SilentServer(reply)
    address = f"tcp://127.0.0.1:{server.port}"
    t0 = time.perf_counter()
    try:
        with pytest.raises(InputError, match="could not reach a Dask scheduler at 'tcp://127.0.0.1:"):
            sweep(SMALL, scheduler=address, scheduler_timeout=1.5, show_progress=False)
    finally:
        server.stop()
    assert time.perf_counter() - t0 < 6.0
    assert server.conns  # it did connect: the timeout, not the address check, refused it


def test_an_inproc_address_with_no_scheduler_is_a_clean_error():
    pytest.importorskip("dask.distributed")
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="could not reach a Dask scheduler at 'inproc://nothing'"):
        sweep(SMALL, scheduler="inproc://nothing", scheduler_timeout=2, show_progress=False)
    assert time.perf_counter() - t0 < 8.0


def test_a_running_scheduler_gives_the_same_table(clean_rows):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        r = sweep(SMALL, scheduler=cluster.scheduler_address, show_progress=False)
    assert _strip(r.rows) == _strip(clean_rows)


# ----------------------------------------------------------------------------------------------
# fuzz: any journal bytes, any table bytes

_LINES = st.one_of(
    st.binary(max_size=60),
    st.sampled_from([b"null", b"[1, 2]", b"5", b'"s"', b"true", b"{}", b'{"key": 5}', b"{\"key\": \"x\"}", b"\xff"]),
    st.builds(lambda k, v: json.dumps({k: v}).encode(), st.sampled_from(["key", "kl", "digest", "model"]),
              st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8))),
)


@pytest.mark.fuzz
@given(junk=st.lists(_LINES, max_size=6), keep=st.lists(st.booleans(), min_size=3, max_size=3))
@settings(max_examples=30)
def test_any_journal_bytes_give_the_right_rows(tmp_path_factory, clean_rows, junk, keep):
    """Junk lines mixed with some whole rows: the sweep never raises, reuses every whole row and
    recomputes the others to the same numbers."""
    folder = tmp_path_factory.mktemp("j")
    out = folder / "t.csv"
    whole = [json.dumps(r).encode() for r, k in zip(clean_rows, keep) if k]
    (folder / "t.csv.journal").write_bytes(b"\n".join(junk + whole) + b"\n")
    r = sweep(SMALL, out, show_progress=False)
    assert r.reused == sum(keep) and r.computed == len(clean_rows) - sum(keep)
    assert _strip(r.rows) == _strip(clean_rows)


@pytest.mark.fuzz
@given(data=st.one_of(st.binary(max_size=120), st.text(alphabet=st.sampled_from(list('ab1.,"\n\r\x00 $')), max_size=80)))
@settings(max_examples=60)
def test_read_table_either_refuses_or_gives_rectangular_rows(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("t") / "t.csv"
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    try:
        rows = read_table(path)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc).strip()
        return
    assert all(isinstance(k, str) and k.strip() for r in rows for k in r)
    assert len({tuple(r) for r in rows}) <= 1  # every row has the header's columns
