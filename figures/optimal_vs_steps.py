"""Optimal expected KL against the number of steps for several distributions, with the
constant, cosine, TC and DTC schedule families and the Li-Cai and constant-step bounds."""

from __future__ import annotations

import math

import numpy as np

from ._schedule_curves import symmetric_chain_curve
from ._style import new_figure, save
from mdmtheory import frontier, information_curve, mixture_of_products, random_joint
from mdmtheory.divergence import expected_kl
from mdmtheory.plot import draw_series, legend_outside, series_styles
from mdmtheory.schedules import constant, cosine, dtc, tc


def _cases() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    comps = [[[p, 1 - p] for p in rng.uniform(0.05, 0.95, size=12)] for _ in range(3)]
    return {
        "symmetric chain, n = 256, p = 0.05": symmetric_chain_curve(256, 0.05),
        "mixture of 3 products, n = 12": information_curve(mixture_of_products([0.5, 0.3, 0.2], comps)),
        "Dirichlet table, n = 10, alpha = 0.2": information_curve(random_joint(10, 2, alpha=0.2, seed=4)),
    }


def _positive(xs, ys):
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    keep = ys > 1e-12
    return xs[keep], ys[keep]


def make_figure():
    """One panel per distribution: expected KL (nats, log scale) against steps (zeros, which a
    log scale cannot show, are named in the panel's title)."""
    cases = _cases()
    fig, axes = new_figure(1, len(cases), figsize=(13.5, 4.2))
    for ax, (name, z) in zip(axes, cases.items()):
        n = z.size
        ks = np.arange(1, n + 1)
        opt = np.array([o.expected_kl for o in frontier(z)])
        series = {"optimal (exact)": (ks, opt)}
        cs = {}
        for s in range(1, n + 1):
            sch = constant(n, s)
            cs[sch.k] = min(cs.get(sch.k, math.inf), expected_kl(z, sch))
        series["constant step"] = (list(cs), list(cs.values()))
        series["cosine"] = (ks, [expected_kl(z, cosine(n, k)) for k in ks])
        tcv, dtcv = float(np.sum(z)), n * float(z[-1]) - float(np.sum(z))
        for fam, hat, make in (("TC", tcv, tc), ("DTC", dtcv, dtc)):
            pts = {}
            for frac in np.geomspace(2.0, 1e-3, 40):
                sch = make(n, hat, frac * hat)
                pts[sch.k] = expected_kl(z, sch)
            series[f"{fam} schedule (Thm 9)"] = (list(pts), list(pts.values()))
        smax = np.ceil(n / ks)
        series["(s_max - 1) Z_n, even"] = (ks, (smax - 1) * z[-1])
        series["Li-Cai, even"] = (ks, (2 ** np.ceil(np.log2(smax)) - 1) * z[-1])
        styles = series_styles(list(series))
        for label in ("(s_max - 1) Z_n, even", "Li-Cai, even"):  # bounds: lines, markers every few points
            styles[label] = {**styles[label], "ls": ":", "markevery": max(1, n // 12)}
        draw_series(ax, {k: _positive(*v) for k, v in series.items()}, styles, ms=4, lw=1)
        zero = ks[opt <= 1e-12]
        note = f"\noptimum = 0 for k >= {int(zero[0])} (not on the log scale)" if zero.size else ""
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("number of steps k")
        ax.set_ylabel("expected KL  [nats]")
        ax.set_title(name + note, fontsize=9)  # in the title, not over the data
    fig.suptitle("Exact optimal schedules against the published families and bounds (Chen-Cong-Li Thm 4)")
    fig.tight_layout()
    legend_outside(axes)
    return fig


if __name__ == "__main__":
    print(*save(make_figure(), "optimal_vs_steps"))
