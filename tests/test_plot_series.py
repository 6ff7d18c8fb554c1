"""The series style of ``mdmtheory plot`` and every figure (mdmtheory/plot.py): distinct colour
and marker per series past 10 series, legends outside the panels, identical series noted, infinite
values marked at the edge and counted, ``--by`` with several columns."""

from __future__ import annotations

import json
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mdmtheory.errors import InputError  # noqa: E402
from mdmtheory.plot import INFINITE_MARKER, draw_series, legend_outside, plot_table  # noqa: E402
from mdmtheory.sweeps import write_table  # noqa: E402


def _series_lines(fig):
    """The drawn series (Line2D with a legend label, the infinity markers left out) per axes."""
    return [ln for ax in fig.axes for ln in ax.get_lines()
            if not ln.get_label().startswith("_") and ln.get_marker() != INFINITE_MARKER]


def _rows(n_series: int, panels=("m1", "m2")) -> list[dict]:
    rng = np.random.default_rng(n_series)
    return [{"sampler": f"s{i:02d}", "model": p, "expected_steps": k, "kl": float(rng.uniform(0.1, 5.0)), "error": ""}
            for p in panels for i in range(n_series) for k in (1, 2, 3)]


@pytest.mark.parametrize("n_series", [14, 30])
def test_every_series_has_its_own_colour_and_marker(n_series):
    d = plot_table(_rows(n_series), "calls", "kl")
    fig = d.pop("figure")
    try:
        lines = _series_lines(fig)
        assert d["lines"] == len(lines) == 2 * n_series
        by_name: dict = {}
        for ln in lines:  # one style per series, the same in both panels
            style = (matplotlib.colors.to_hex(ln.get_color()), ln.get_marker())
            assert by_name.setdefault(ln.get_label(), style) == style
        assert len(by_name) == n_series
        assert len(set(by_name.values())) == n_series  # no two series share (colour, marker)
        assert len({c for c, _ in by_name.values()}) == 10  # the palette is used, not one colour
    finally:
        plt.close(fig)


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("n_series, panels", [(3, ("m",)), (14, ("m1", "m2", "m3")), (30, ("m1", "m2"))])
def test_legend_lies_outside_every_axes(n_series, panels):
    d = plot_table(_rows(n_series, panels), "calls", "kl")
    fig = d.pop("figure")
    try:
        fig.tight_layout()
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
        assert len(legends) == 1  # one legend for the figure
        box = legends[0].get_window_extent(renderer)
        assert len(legends[0].get_texts()) == n_series
        for ax in fig.axes:
            assert not _overlaps(box, ax.get_window_extent(renderer)), "the legend covers a panel"
    finally:
        plt.close(fig)


def test_legend_outside_a_grid_with_a_hidden_panel():
    fig, axes = plt.subplots(2, 3)
    try:
        for ax in axes.ravel()[:5]:
            draw_series(ax, {f"s{i}": ([0, 1], [i, i + 1]) for i in range(12)})
        axes[1, 2].set_visible(False)
        leg = legend_outside(axes)
        fig.canvas.draw()
        box = leg.get_window_extent(fig.canvas.get_renderer())
        assert len(leg.get_texts()) == 12  # labels once, not once per panel
        for ax in axes.ravel()[:5]:
            assert not _overlaps(box, ax.get_window_extent(fig.canvas.get_renderer()))
    finally:
        plt.close(fig)


def test_identical_series_both_show_and_are_named():
    rows = [{"sampler": s, "model": "m", "expected_steps": k, "kl": 1.0 / k} for s in ("random", "llada") for k in (1, 2, 4)]
    rows += [{"sampler": "entropy", "model": "m", "expected_steps": k, "kl": 0.5 / k} for k in (1, 2, 4)]
    d = plot_table(rows, "calls", "kl")
    fig = d.pop("figure")
    try:
        assert d["identical"] == [{"panel": "m", "series": "llada", "same_as": "random"}]
        lines = {ln.get_label(): ln for ln in _series_lines(fig)}
        assert set(lines) == {"random", "llada (= random)", "entropy"}
        a, b = lines["random"], lines["llada (= random)"]
        np.testing.assert_array_equal(a.get_xydata(), b.get_xydata())  # drawn at the true values
        assert b.get_linestyle() == "--" and b.get_markersize() > a.get_markersize()  # the one below shows
        assert a.get_marker() != b.get_marker() and a.get_markerfacecolor() == "none"
        assert "llada (= random)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    finally:
        plt.close(fig)


def test_nearly_identical_series_are_not_merged():
    fig, ax = plt.subplots()
    try:
        d = draw_series(ax, {"a": ([1, 2], [1.0, 2.0]), "b": ([1, 2], [1.0, 2.001])})
        assert d["identical"] == []
    finally:
        plt.close(fig)


def test_infinite_values_are_marked_at_the_top_edge_and_counted():
    rows = [{"sampler": "a", "model": "m", "expected_steps": k, "kl": v, "error": ""}
            for k, v in ((1, 2.0), (2, float("inf")), (3, 0.5), (4, float("nan")))]
    rows += [{"sampler": "b", "model": "m", "expected_steps": 2, "kl": float("inf"), "error": ""},
             {"sampler": "b", "model": "m", "expected_steps": 3, "kl": None, "error": "failed"}]
    d = plot_table(rows, "calls", "kl")
    fig = d.pop("figure")
    try:
        assert (d["points"], d["infinite"], d["skipped"]) == (2, 2, 2)  # nan and the failed row skipped
        ax = fig.axes[0]
        marks = [ln for ln in ax.get_lines() if ln.get_marker() == INFINITE_MARKER]
        assert len(marks) == 2
        for ln in marks:
            assert list(ln.get_xdata()) == [2.0] and list(ln.get_ydata()) == [1.0]
            assert ln.get_transform() == ax.get_xaxis_transform()  # y in axes units: the top edge
        finite = next(ln for ln in _series_lines(fig) if ln.get_label() == "a")
        assert np.isnan(finite.get_ydata()[1])  # the line breaks at the infinite point
        assert "infinite (marked at the edge)" in [t.get_text() for t in ax.get_legend().get_texts()]
        assert d["lines"] == 2  # b, all infinite, is still a series
    finally:
        plt.close(fig)


def test_minus_infinity_at_the_bottom_edge():
    fig, ax = plt.subplots()
    try:
        d = draw_series(ax, {"a": ([1, 2, 3], [1.0, -np.inf, np.inf])})
        assert d["infinite"] == 2 and d["points"] == 1
        ys = sorted(float(ln.get_ydata()[0]) for ln in ax.get_lines() if ln.get_marker() == INFINITE_MARKER)
        assert ys == [0.0, 1.0]
    finally:
        plt.close(fig)


def _temperature_rows():
    rows = []
    for t, scale in ((0.0, 1.0), (1.0, 2.0)):
        rows += [{"model": "m", "sampler": "llada", "sampler.temperature": t, "sampler.steps": k, "expected_steps": k,
                  "kl": scale / k, "error": ""} for k in (1, 2, 4)]
    rows += [{"model": "m", "sampler": "random", "sampler.temperature": None, "sampler.steps": k, "expected_steps": k,
              "kl": 3.0 / k, "error": ""} for k in (1, 2, 4)]
    return rows


@pytest.mark.parametrize("by", ["sampler,temperature", "sampler, sampler.temperature", ["sampler", "temperature"]])
def test_by_several_columns_separates_temperatures(by):
    d = plot_table(_temperature_rows(), "calls", "kl", by=by)
    fig = d.pop("figure")
    try:
        assert d["lines"] == 3 and d["by_columns"] == ["sampler", "sampler.temperature"]
        labels = sorted(ln.get_label() for ln in _series_lines(fig))
        assert labels == ["llada, temperature=0.0", "llada, temperature=1.0", "random"]
    finally:
        plt.close(fig)


def test_by_one_column_merges_them():
    d = plot_table(_temperature_rows(), "calls", "kl", by="sampler")
    plt.close(d.pop("figure"))
    assert d["lines"] == 2 and d["by"] == "sampler"


@pytest.mark.parametrize("by, words", [("sampler,nope", "'nope' is not a column"), ("sampler,,steps", "empty column"),
                                       ("steps,temperature,x", "'x' is not a column")])
def test_by_bad_columns_are_named(by, words):
    with pytest.raises(InputError, match=words):
        plot_table(_temperature_rows(), "calls", "kl", by=by)


def test_cli_by_several_columns(tmp_path):
    write_table(_temperature_rows(), tmp_path / "t.csv")
    r = subprocess.run([sys.executable, "-m", "mdmtheory", "plot", "t.csv", "--x", "calls", "--y", "kl", "--by",
                        "sampler,temperature", "--out", "t.png", "--json"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert (d["lines"], d["points"], d["infinite"], d["skipped"]) == (3, 9, 0, 0)
    assert d["by"] == "sampler,sampler.temperature"
    assert (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"


def test_identical_in_some_panels_is_one_legend_entry():
    rows = [{"sampler": s, "model": p, "expected_steps": k, "kl": (1.0 if s == "a" or p == "m1" else 2.0) / k}
            for p in ("m1", "m2") for s in ("a", "b") for k in (1, 2)]
    d = plot_table(rows, "calls", "kl")
    fig = d.pop("figure")
    try:
        assert d["identical"] == [{"panel": "m1", "series": "b", "same_as": "a"}]
        texts = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
        assert texts == ["a", "b (= a in 1 of 2 panels)"]
    finally:
        plt.close(fig)
