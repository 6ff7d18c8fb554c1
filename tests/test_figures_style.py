"""Every shipped figure follows the one style of mdmtheory/plot.py: the legend outside every
panel, a distinct (colour, marker) per series within a panel, the helper used by every script."""

from __future__ import annotations

import importlib
import inspect

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mdmtheory.figures import FIGURES  # noqa: E402
from mdmtheory.plot import INFINITE_MARKER  # noqa: E402

#: Figures drawn here in full (the two sweep figures are drawn from small tables below).
DIRECT = ["information_curves", "schedule_error", "schedule_shapes", "optimal_vs_steps", "bounds_vs_optimal",
          "published_samplers"]


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def check_style(fig) -> int:
    """Assert the style; returns the number of series lines seen."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None] + list(fig.legends)
    assert len(legends) == 1, "one legend per figure"
    box = legends[0].get_window_extent(renderer)
    seen = 0
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        assert not _overlaps(box, ax.get_window_extent(renderer)), f"the legend covers the panel {ax.get_title()!r}"
        series = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")
                  and ln.get_marker() not in ("None", "", None, INFINITE_MARKER) and ln.get_color() != "black"]
        pairs = [(matplotlib.colors.to_hex(ln.get_color()), ln.get_marker()) for ln in series]
        assert len(set(pairs)) == len(pairs), f"two series share colour and marker in {ax.get_title()!r}"
        seen += len(series)
    return seen


@pytest.mark.parametrize("name", DIRECT)
def test_figure_style(name):
    fig = importlib.import_module(f"mdmtheory.figures.{name}").make_figure()
    try:
        n = check_style(fig)
        assert n > 0 or name == "schedule_error"  # schedule_error draws steps and bars, no markers
    finally:
        plt.close(fig)


def test_every_figure_script_uses_the_shared_style():
    assert set(DIRECT) | {"sampler_frontier", "walk_samplers"} == set(FIGURES)
    for name in FIGURES:
        src = inspect.getsource(importlib.import_module(f"mdmtheory.figures.{name}"))
        assert "from mdmtheory.plot import" in src, name
        assert ".legend(" not in src, f"{name} places a legend itself (use legend_outside)"
        assert "tab:" not in src, f"{name} picks its own colours (use the palette of mdmtheory.plot)"


def test_walk_samplers_from_a_small_table():
    from mdmtheory.figures import walk_samplers

    rows = []
    for spec, start in walk_samplers.PANELS:
        for name in ("random", "entropy", "confidence", "bisection"):
            for k in (1, 2, 7):
                v = 0.5 if name == "confidence" else 0.1 * k  # confidence apart, the others coincide
                rows.append({"model.graph": spec, "model.start": start, "sampler": name, "expected_steps": float(k),
                             "kl": v, "validity": min(1.0, v), "error": ""})
    fig = walk_samplers.make_figure(rows)
    try:
        assert check_style(fig) == 4 * 2 * len(walk_samplers.PANELS)
        texts = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
        assert texts == ["random", "entropy (= random)", "confidence", "bisection (= random)"]
    finally:
        plt.close(fig)


def test_sampler_frontier_from_a_small_table_marks_infinite_kl():
    from mdmtheory.figures import sampler_frontier

    rows = []
    for model in sampler_frontier.examples():
        for name in ("random", "entropy", "llada", "optimal"):
            for k in (1, 2, 4):
                kl = np.inf if (name == "llada" and k == 4) else 1.0 / k + (name == "entropy")
                rows.append({"model": model, "sampler": name, "expected_steps": float(k), "expected_steps_mu": float(k),
                             "kl": kl, "error": ""})
    fig = sampler_frontier.make_figure(rows)
    try:
        check_style(fig)
        marks = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_marker() == INFINITE_MARKER]
        assert len(marks) == len(sampler_frontier.examples())  # llada's infinite KL, once per panel, at the top edge
        assert all(list(ln.get_ydata()) == [1.0] for ln in marks)
    finally:
        plt.close(fig)
