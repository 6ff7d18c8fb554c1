"""Samplers on random walks: validity and KL against model calls, one panel per graph family.

Exact numbers (the output law of each sampler from :func:`mdmtheory.walks.exact_walk_metrics`) for
walks of length 7, computed by the sweep spec :data:`SPEC` (``figures/walk_samplers.toml``, also
``examples/sweeps/walk_samplers.toml``); each sampler's knob is swept (steps for the schedule samplers, ``tau``, ``gamma``,
``delta``), bisection is one point.  Entropy ordering beats random ordering on the path and tree
walks started at an end / the root, and loses on the cycle, complete graph and barbell
(``proofs_check/entropy_vs_random.py``); the grid from a corner is mixed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._style import new_figure, save
from mdmtheory.plot import draw_series, legend_outside, series_styles
from mdmtheory.sweeps import sweep

#: The sweep behind the figure (``examples/sweeps/walk_samplers.toml`` links to it).
SPEC = Path(__file__).with_name("walk_samplers.toml")
N = 7
PANELS = [("path:5", "vertex:0"), ("tree:2", "vertex:0"), ("grid:2x3", "vertex:0"),
          ("cycle:5", "stationary"), ("complete:5", "stationary"), ("barbell:3", "vertex:0")]


def data(**executor) -> list[dict]:
    """The rows of the sweep :data:`SPEC` (``executor``: ``jobs=``, ``dask_local=``, ``scheduler=``)."""
    return sweep(SPEC, show_progress=False, **executor).rows


def curves(rows: list[dict], spec: str, start: str) -> dict[str, np.ndarray]:
    """``name -> array of (expected calls, KL nats, validity)`` sorted by calls, for one walk model."""
    out: dict[str, list] = {}
    for r in rows:
        if r["model.graph"] == spec and r["model.start"] == start and not r["error"]:
            out.setdefault(r["sampler"], []).append((r["expected_steps"], r["kl"], r["validity"]))
    return {name: np.array(sorted(v)) for name, v in out.items()}


def make_figure(rows: list[dict] | None = None):
    """Two rows (validity, KL) by one column per graph family."""
    rows = data() if rows is None else rows
    fig, axes = new_figure(2, len(PANELS), figsize=(3.0 * len(PANELS), 5.6), sharex=True)
    styles = series_styles(list(dict.fromkeys(r["sampler"] for r in rows)))  # one style per sampler, all panels
    for c, (spec, start) in enumerate(PANELS):
        arrs = curves(rows, spec, start)
        for r, col in ((0, 2), (1, 1)):
            draw_series(axes[r, c], {name: (arr[:, 0], arr[:, col]) for name, arr in arrs.items()}, styles, lw=1)
        axes[0, c].set_title(f"{spec}, start {start}", fontsize=9)
        axes[1, c].set_xlabel("expected model calls")
        axes[0, c].set_ylim(-0.03, 1.03)
    axes[0, 0].set_ylabel("validity  nu(walks)")
    axes[1, 0].set_ylabel("KL(mu || nu)  [nats]")
    fig.suptitle(f"Parallel samplers on walks of length {N} (exact): entropy beats random on the path and tree, "
                 "loses on the cycle, complete graph and barbell", fontsize=10)
    fig.tight_layout()
    legend_outside(axes)
    return fig

if __name__ == "__main__":
    print(*save(make_figure(), "walk_samplers"))
