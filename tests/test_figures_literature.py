"""The bounds-vs-optimal figure (issue 12): registered, one panel per built-in family, and its
curves in the order the theorems promise."""

from __future__ import annotations

import numpy as np
import pytest

import mdmtheory as m
from mdmtheory.figures import FIGURES
from mdmtheory.figures.bounds_vs_optimal import make_figure, panel_data
from mdmtheory.proofs_check._families import builtin_families


def test_registered():
    assert "bounds_vs_optimal" in FIGURES


@pytest.mark.parametrize("name", list(builtin_families(True)))
def test_panel_upper_bounds_hold_and_lower_below_worst(name):
    """Optimal <= worst schedule <= each upper bound at s_max = ceil(n/k); lower <= worst."""
    z = m.information_curve(builtin_families(True)[name])
    d = panel_data(z)
    ks, opt = d["optimal (exact)"]
    _, worst = d["worst schedule with that s_max"]
    assert np.all(opt <= worst + 1e-12)
    for label in ("Li-Cai upper, s_max = ceil(n/k)", "(s_max - 1) Z_n"):
        assert np.all(worst <= d[label][1] + 1e-9), label
    lk, low = d["Li-Cai lower (Thm 2, as quoted)"]
    assert np.all(low <= worst[lk - 1] + 1e-12)
    assert opt[0] == pytest.approx(float(np.sum(z)))  # one step costs TC


def test_make_figure_has_one_panel_per_family():
    fig = make_figure()
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == len(builtin_families(False))
    assert all(ax.get_lines() for ax in visible)
