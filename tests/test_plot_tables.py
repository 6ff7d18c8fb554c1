"""``mdmtheory plot`` on tables that are not what a sweep writes (issue 21): exit 2 with one line,
or the right figure with nothing on standard error; never a traceback or a warning."""

from __future__ import annotations

import warnings

import pytest

from mdmtheory.cli import main
from mdmtheory.errors import InputError
from mdmtheory.plot import plot_table
from mdmtheory.sweeps import read_table, write_table

pytest.importorskip("matplotlib")

HEADER = b"point,model,sampler,expected_steps,kl,error\n"
BAD_TABLES = [
    ("ragged.csv", HEADER + b"0,m,a,1,0.5,\n1,m,a,2,0.25,,extra\n", r"field\(s\), the header has"),
    ("short.csv", HEADER + b"0,m,a,1,0.5,\n1,m\n", r"field\(s\), the header has"),
    ("quoted.csv", HEADER + b'0,"m,a,1,0.5,\n', "CSV"),
    ("empty.csv", b"", "empty"),
    ("blank.csv", b"\n \n", "empty"),
    ("nul.csv", HEADER + b"0,m\x00,a,1,0.5,\n", "NUL"),
    ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "UTF-8|NUL"),
    ("dupe.csv", b"kl,kl\n1,2\n", "repeated"),
    ("noname.csv", b"kl,,x\n1,2,3\n", "empty column name"),
    ("empty.parquet", b"", "Parquet"),
    ("garbage.parquet", b"PAR1 not really a parquet file PAR1", "Parquet"),
    ("huge.csv", HEADER + b"0,m,a,1,1e308,\n1,m,a,2,-1e308,\n", "cannot be drawn"),
]


def _plot(capsys, *argv):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main(["plot", *argv])
    out, err = capsys.readouterr()
    return code, out, err, [str(w.message) for w in caught]


@pytest.mark.parametrize("name, data, words", BAD_TABLES)
def test_a_table_that_cannot_be_plotted_exits_2_with_one_line(tmp_path, capsys, monkeypatch, name, data, words):
    if name.endswith(".parquet"):
        pytest.importorskip("pyarrow")
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_bytes(data)
    code, out, err, caught = _plot(capsys, name, "--x", "calls", "--y", "kl", "--out", "f.png")
    assert code == 2 and err.count("\n") == 1 and err.startswith("mdmtheory: error: "), err
    assert __import__("re").search(words, err), err
    assert caught == [] and not (tmp_path / "f.png").exists()


@pytest.mark.parametrize("label", ["$\\frac{$", "$x^$", "$", "a $b$ c", "\\", "50% $$", "a\x01\x1b[31m\x7f"])
def test_labels_are_drawn_as_plain_text(tmp_path, capsys, monkeypatch, label):
    monkeypatch.chdir(tmp_path)
    rows = [{"point": i, "model": label, "sampler": label, "expected_steps": k, "kl": 1.0 / k, "error": "",
             "unit": label} for i, k in enumerate((1, 2, 4))]
    write_table(rows, tmp_path / "t.csv")
    code, out, err, caught = _plot(capsys, "t.csv", "--x", "calls", "--y", "kl", "--out", "f.png", "--json")
    assert code == 0 and err == "" and caught == [], (err, caught)
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
    d = plot_table(read_table(tmp_path / "t.csv"), "calls", "kl")
    ax = d["figure"].axes[0]
    assert ax.get_title() == ax.get_legend().get_texts()[0].get_text()  # the same text, whatever mathtext would do
    want = "".join("\ufffd" if ord(c) < 32 or ord(c) == 127 else c for c in label)  # no glyph: drawn as U+FFFD
    assert ax.get_title().replace("\\$", "$") == want


def test_error_bars_span_the_interval_wherever_the_value_lies(tmp_path, capsys, monkeypatch):
    """An interval below the value, one above, one around it and one given high-low reversed:
    each bar spans exactly [low, high]; nothing on stderr."""
    pts = [(1, 0.5, 0.1, 0.3), (2, 0.2, 0.4, 0.9), (3, 0.3, 0.25, 0.35), (4, 0.4, 0.6, 0.5)]
    rows = [{"point": i, "model": "m", "sampler": "a", "expected_steps": x, "kl": y, "kl_low": lo, "kl_high": hi,
             "error": ""} for i, (x, y, lo, hi) in enumerate(pts)]
    monkeypatch.chdir(tmp_path)
    write_table(rows, tmp_path / "t.csv")
    code, out, err, caught = _plot(capsys, "t.csv", "--x", "calls", "--y", "kl", "--out", "f.png")
    assert code == 0 and err == "" and caught == [], (err, caught)
    ax = plot_table(rows, "calls", "kl")["figure"].axes[0]
    (bars,) = [c for c in ax.collections if len(c.get_segments()) == len(pts)]
    spans = sorted((float(s[0][0]), float(min(s[0][1], s[1][1])), float(max(s[0][1], s[1][1]))) for s in bars.get_segments())
    for (x, _, lo, hi), (bx, blo, bhi) in zip(pts, spans):
        assert bx == x and blo == pytest.approx(min(lo, hi), abs=1e-15) and bhi == pytest.approx(max(lo, hi), abs=1e-15)


def test_values_too_large_to_draw_are_refused_by_the_api():
    rows = [{"model": "m", "sampler": "a", "expected_steps": 1, "kl": 1e308},
            {"model": "m", "sampler": "a", "expected_steps": 2, "kl": 1.0}]
    with pytest.raises(InputError, match="cannot be drawn"):
        plot_table(rows, "calls", "kl")
    rows[0]["kl"] = 1e299  # large but drawable
    assert plot_table(rows, "calls", "kl")["points"] == 2


def test_read_table_keeps_text_columns_and_refuses_nul(tmp_path):
    write_table([{"point": 0, "model": "007", "sampler": "1e5", "kl": 0.5, "key": "1234567890123456"}], tmp_path / "t.csv")
    (row,) = read_table(tmp_path / "t.csv")
    assert row["model"] == "007" and row["sampler"] == "1e5" and row["key"] == "1234567890123456" and row["kl"] == 0.5
    (tmp_path / "n.csv").write_bytes(b"a,b\n1,\x002\n")
    with pytest.raises(InputError, match="NUL"):
        read_table(tmp_path / "n.csv")
