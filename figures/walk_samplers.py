"""Samplers on random walks: validity and KL against model calls, one panel per graph family.

Exact numbers (the output law of each sampler from :func:`mdmtheory.evaluate.evaluate`) for walks of
length 7; each sampler's knob is swept (steps for the schedule samplers, ``tau``, ``gamma``,
``delta``), bisection is one point.  Entropy ordering beats random ordering on the path and tree
walks started at an end / the root, and loses on the cycle, complete graph and barbell
(``proofs_check/entropy_vs_random.py``); the grid from a corner is mixed."""

from __future__ import annotations

import numpy as np

from ._style import new_figure, save
from mdmtheory import make_sampler
from mdmtheory.markov import random_walk
from mdmtheory.walks import exact_walk_metrics

N = 7
PANELS = [("path:5", "vertex:0"), ("tree:2", "vertex:0"), ("grid:2x3", "vertex:0"),
          ("cycle:5", "stationary"), ("complete:5", "stationary"), ("barbell:3", "vertex:0")]
SWEEPS = {
    "random": [{"steps": k} for k in range(1, N + 1)],
    "left_to_right": [{"steps": k} for k in range(1, N + 1)],
    "confidence": [{"steps": k} for k in range(1, N + 1)],
    "margin": [{"steps": k} for k in range(1, N + 1)],
    "entropy": [{"steps": k} for k in range(1, N + 1)],
    "threshold": [{"tau": t} for t in (0.2, 0.4, 0.6, 0.8, 0.95)],
    "eb": [{"gamma": g} for g in (0.01, 0.1, 0.3, 1.0, 3.0)],
    "punt_pairwise": [{"delta": d} for d in (0.001, 0.01, 0.05, 0.2, 1.0)],
    "bisection": [{}],
}
STYLE = {"random": ("k", "o", "-"), "entropy": ("tab:red", "s", "-"), "confidence": ("tab:blue", "^", "--"),
         "margin": ("tab:cyan", "v", "--"), "left_to_right": ("tab:gray", "<", ":"), "threshold": ("tab:green", "D", "-."),
         "eb": ("tab:orange", "P", "-."), "punt_pairwise": ("tab:purple", "X", "-."), "bisection": ("tab:brown", "*", "")}


def curves(spec: str, start: str) -> dict[str, np.ndarray]:
    """``name -> array of (expected calls, KL nats, validity)`` sorted by calls."""
    chain = random_walk(spec, N, start=start)
    out = {}
    for name, sweep in SWEEPS.items():
        rows = []
        for prm in sweep:
            r = exact_walk_metrics(chain, make_sampler(name, **prm))
            rows.append((r["expected_steps"], r["kl"], r["validity"]))
        out[name] = np.array(sorted(rows))
    return out


def make_figure():
    """Two rows (validity, KL) by one column per graph family."""
    fig, axes = new_figure(2, len(PANELS), figsize=(3.0 * len(PANELS), 5.6), sharex=True)
    for c, (spec, start) in enumerate(PANELS):
        data = curves(spec, start)
        for name, arr in data.items():
            color, marker, ls = STYLE[name]
            for r, col in ((0, 2), (1, 1)):
                axes[r, c].plot(arr[:, 0], arr[:, col], color=color, marker=marker, ms=4, ls=ls or "none", lw=1,
                                label=name if c == 0 and r == 0 else None)
        axes[0, c].set_title(f"{spec}, start {start}", fontsize=9)
        axes[1, c].set_xlabel("expected model calls")
        axes[0, c].set_ylim(-0.03, 1.03)
    axes[0, 0].set_ylabel("validity  nu(walks)")
    axes[1, 0].set_ylabel("KL(mu || nu)  [nats]")
    fig.legend(loc="lower center", ncol=len(SWEEPS), bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(f"Parallel samplers on walks of length {N} (exact): entropy beats random on the path and tree, "
                 "loses on the cycle, complete graph and barbell")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


if __name__ == "__main__":
    print(*save(make_figure(), "walk_samplers"))
