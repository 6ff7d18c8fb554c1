"""Schedule shapes: step size against step index for the optimal, TC, DTC and cosine
schedules of one distribution (stationary symmetric chain, ``n = 512``)."""

from __future__ import annotations

import numpy as np

from ._schedule_curves import symmetric_chain_curve
from ._style import new_figure, save
from mdmtheory import optimal_schedule
from mdmtheory.divergence import expected_kl
from mdmtheory.plot import draw_series, legend_outside
from mdmtheory.schedules import cosine, dtc, tc


def make_figure():
    """Step sizes (log scale) of four schedules; the legend gives steps and expected KL."""
    n, p = 512, 0.05
    z = symmetric_chain_curve(n, p)
    tcv = float(np.sum(z))
    dtcv = n * float(z[-1]) - tcv
    eps = 0.05 * tcv
    s_tc = tc(n, tcv, eps)
    k = s_tc.k
    s_dtc = dtc(n, dtcv, eps * dtcv / tcv)
    scheds = {
        "optimal": optimal_schedule(z, k).schedule,
        "TC (Thm 9)": s_tc,
        "DTC (Thm 9)": s_dtc,
        "cosine": cosine(n, k),
    }
    fig, ax = new_figure(figsize=(6.4, 4.0))
    draw_series(ax, {f"{name}: {s.k} steps, E KL = {expected_kl(z, s):.3g} nats": (np.arange(1, s.k + 1), s.steps)
                     for name, s in scheds.items()}, ms=4, lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("step index t")
    ax.set_ylabel("step size s_t (positions unmasked)")
    ax.set_title(f"Schedule shapes, symmetric chain n = {n}, p = {p}")
    legend_outside(ax)
    return fig

if __name__ == "__main__":
    print(*save(make_figure(), "schedule_shapes"))
