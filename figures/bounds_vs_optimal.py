"""The exact optimal expected KL against the number of steps on each built-in family, with every
published bound the toolkit computes drawn beside it (one panel per family).

Upper bounds (hold for the even schedule with ``k`` steps, hence for the optimum): Li-Cai
``(2^ceil(log2 s_max) - 1) Z_n`` and ``(s_max - 1) Z_n`` with ``s_max = ceil(n / k)``; the
Theorem 9 guarantees ``TC / (zeta - 1)`` and ``DTC / (zeta - 1)`` at the step count of the TC and
DTC schedules.  Lower bound: Li-Cai Theorem 2 as quoted in issue 12 at ``s_max = ceil(n / k)``
(some schedule with that largest step costs at least this; not a bound on the optimum).  The
worst schedule with that largest step is drawn too, so the lower bound's gap is visible."""

from __future__ import annotations

import itertools
import math

import numpy as np

from ._style import new_figure, save
from mdmtheory import frontier, information_curve
from mdmtheory.bounds import li_cai_lower_bound, theorem9_error_bound
from mdmtheory.divergence import expected_kl
from mdmtheory.plot import draw_series, legend_outside, series_styles
from mdmtheory.proofs_check._families import builtin_families
from mdmtheory.schedules import dtc_schedule_zeta, tc_schedule_zeta


def _positive(xs, ys):
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    keep = ys > 1e-12
    return xs[keep], ys[keep]


def _worst_by_smax(z: np.ndarray) -> dict[int, float]:
    """Largest exact expected KL among the schedules with each largest step (all 2^(n-1))."""
    n = z.size
    out: dict[int, float] = {}
    for cuts in itertools.chain.from_iterable(itertools.combinations(range(1, n), r) for r in range(n)):
        nodes = (0,) + cuts + (n,)
        sched = [b - a for a, b in zip(nodes[:-1], nodes[1:])]
        out[max(sched)] = max(out.get(max(sched), 0.0), expected_kl(z, sched))
    return out


def panel_data(z: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every curve of one panel, ``label -> (steps, nats)`` (zeros kept)."""
    n = z.size
    ks = np.arange(1, n + 1)
    smax = np.ceil(n / ks).astype(int)
    worst = _worst_by_smax(z)
    data = {
        "optimal (exact)": (ks, np.array([o.expected_kl for o in frontier(z)])),
        "Li-Cai upper, s_max = ceil(n/k)": (ks, (2.0 ** np.ceil(np.log2(smax)) - 1) * z[-1]),
        "(s_max - 1) Z_n": (ks, (smax - 1) * z[-1]),
        # s_max >= 2 only: at s_max = 1 every schedule has KL 0 (claim li_cai_lower_bound)
        "Li-Cai lower (Thm 2, as quoted)": (ks[smax >= 2], np.array([li_cai_lower_bound(z, int(s)) for s in smax[smax >= 2]])),
        "worst schedule with that s_max": (ks, np.array([worst[int(s)] for s in smax])),
    }
    for fam, make in (("tc", tc_schedule_zeta), ("dtc", dtc_schedule_zeta)):
        pts: dict[int, float] = {}
        for zeta in range(2, 4 * n):
            k = make(n, zeta).k
            pts[k] = min(pts.get(k, math.inf), theorem9_error_bound(z, zeta, fam))
        data[f"Thm 9 {fam.upper()} guarantee"] = (np.array(list(pts)), np.array(list(pts.values())))
    return data


def make_figure():
    """One panel per built-in family (n = 8): nats, log scale, against steps (zeros, which a log
    scale cannot show, are named in the panel's title)."""
    fams = builtin_families(False)
    fig, axes = new_figure(2, (len(fams) + 1) // 2, figsize=(16, 7.5))
    for ax, (name, joint) in zip(axes.ravel(), fams.items()):
        z = information_curve(joint)
        data = panel_data(z)
        draw_series(ax, {label: _positive(x, y) for label, (x, y) in data.items()}, series_styles(list(data)))
        ks, opt = data["optimal (exact)"]
        zero = ks[opt <= 1e-12]
        note = f"\noptimum = 0 for k >= {int(zero[0])} (not on the log scale)" if zero.size else ""
        ax.set_yscale("log")
        ax.set_xlabel("number of steps k")
        ax.set_ylabel("KL  [nats]")
        ax.set_title(name + note, fontsize=9)  # in the title, not over the data
    for ax in axes.ravel()[len(fams):]:
        ax.set_visible(False)
    fig.suptitle("Exact optimal expected KL (Chen-Cong-Li Thm 4) against every published bound, per built-in family")
    fig.tight_layout()
    legend_outside(axes)
    return fig


if __name__ == "__main__":
    print(*save(make_figure(), "bounds_vs_optimal"))
