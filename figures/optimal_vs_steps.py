"""Optimal expected KL against the number of steps for several distributions, with the
constant, cosine, TC and DTC schedule families and the Li-Cai and constant-step bounds."""

from __future__ import annotations

import math

import numpy as np

from ._schedule_curves import symmetric_chain_curve
from ._style import new_figure, save
from mdmtheory import frontier, information_curve, mixture_of_products, random_joint
from mdmtheory.divergence import expected_kl
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
    """One panel per distribution: expected KL (nats, log scale) against steps."""
    cases = _cases()
    fig, axes = new_figure(1, len(cases), figsize=(13.5, 4.2))
    for ax, (name, z) in zip(axes, cases.items()):
        n = z.size
        ks = np.arange(1, n + 1)
        opt = [o.expected_kl for o in frontier(z)]
        ax.plot(*_positive(ks, opt), color="black", lw=2, label="optimal (exact)")
        cs = {}
        for s in range(1, n + 1):
            sch = constant(n, s)
            cs[sch.k] = min(cs.get(sch.k, math.inf), expected_kl(z, sch))
        ax.plot(*_positive(list(cs), list(cs.values())), "o-", ms=2, lw=1, label="constant step")
        ax.plot(*_positive(ks, [expected_kl(z, cosine(n, k)) for k in ks]), lw=1, label="cosine")
        tcv, dtcv = float(np.sum(z)), n * float(z[-1]) - float(np.sum(z))
        for fam, hat, make, mk in (("TC", tcv, tc, "s"), ("DTC", dtcv, dtc, "^")):
            pts = {}
            for frac in np.geomspace(2.0, 1e-3, 40):
                sch = make(n, hat, frac * hat)
                pts[sch.k] = expected_kl(z, sch)
            ax.plot(*_positive(list(pts), list(pts.values())), mk, ms=4, ls="none", label=f"{fam} schedule (Thm 9)")
        smax = np.ceil(n / ks)
        ax.plot(ks, (smax - 1) * z[-1], ":", color="gray", label="(s_max - 1) Z_n, even")
        ax.plot(ks, (2 ** np.ceil(np.log2(smax)) - 1) * z[-1], "--", color="gray", lw=0.8, label="Li-Cai, even")
        ax.set_xscale("log")
        ax.set_yscale("log")
        low = min(v for v in opt if v > 1e-12) if any(v > 1e-12 for v in opt) else 1e-6
        ax.set_ylim(max(low / 3, 1e-8), 2 * max(tcv, 1e-9) * 1.5)
        ax.set_xlabel("number of steps k")
        ax.set_ylabel("expected KL  [nats]")
        ax.set_title(name)
    axes[0].legend(loc="lower left", fontsize=7)
    fig.suptitle("Exact optimal schedules against the published families and bounds (Chen-Cong-Li Thm 4)")
    return fig


if __name__ == "__main__":
    print(*save(make_figure(), "optimal_vs_steps"))
