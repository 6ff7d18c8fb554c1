"""Every parallel sampler against the optimal adaptive floors: exact KL against expected model calls.

Each sampler's knob is swept by the sweep spec :data:`SPEC` (``figures/sampler_frontier.toml``, also
``examples/sweeps/sampler_frontier.toml``; the same table through any executor of
:func:`mdmtheory.sweep`), drawn with :func:`mdmtheory.plot.plot_table`; ``x`` is the expected number of
model calls on data ``x ~ mu`` (``expected_steps_mu``; exactly ``k`` for the schedule samplers),
``y`` the exact ``KL(mu || nu)``.  Two floors:

* black steps: ``optimal(k)``, the best deterministic adaptive policy with at most ``k`` calls,
  drawn on ``[k, k + 1)``; a deterministic sampler whose *largest* number of calls is ``k`` never
  lies below it, but adaptive samplers (EB, threshold, punt_pairwise) may use more calls than their mean;
* dashed: the lower convex hull of ``(E_mu[calls], KL)`` over every deterministic adaptive policy
  (:func:`mdmtheory.optimal_tradeoff`), which no deterministic sampler crosses.

The random-order mixture is not a deterministic policy and can sit below both; nor are the
published samplers (``llada``, ``fast_dllm``, ``dream`` at temperature 1, ``punt``; dashed), which draw a
candidate for every position and rank by its probability: their ``x`` is the expected number of
calls of their own runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._style import new_figure, save
from mdmtheory import ising_chain, markov_chain, random_joint
from mdmtheory.exact import optimal_tradeoff
from mdmtheory.plot import legend_outside, plot_table, series_styles
from mdmtheory.sweeps import sweep

#: The sweep behind the figure (``examples/sweeps/sampler_frontier.toml`` links to it).
SPEC = Path(__file__).with_name("sampler_frontier.toml")

def examples() -> dict:
    """The three tables of the figure (exact, seeded), by the labels of :data:`SPEC`; the
    optimal trade-off hull (not a sampler, so not a sweep point) is computed on them."""
    P = np.array([[0.8, 0.15, 0.05], [0.1, 0.8, 0.1], [0.05, 0.15, 0.8]])
    return {
        "Dirichlet table, n=8, q=2, alpha=0.3": random_joint(8, 2, alpha=0.3, seed=1),
        "Ising chain, n=8, J=0.8, h=0.2": ising_chain(8, J=0.8, h=0.2),
        "sticky Markov chain, n=7, q=3": markov_chain(P, [1 / 3, 1 / 3, 1 / 3], 7),
    }


def data(**executor) -> list[dict]:
    """The rows of the sweep :data:`SPEC` (``executor``: ``jobs=``, ``dask_local=``, ``scheduler=``)."""
    return sweep(SPEC, show_progress=False, **executor).rows


def make_figure(rows: list[dict] | None = None):
    """One panel per table: each sampler's sweep (the rows of :data:`SPEC`), the optimal(k)
    floor and the optimal trade-off hull, KL in bits."""
    rows = data() if rows is None else rows
    tables = examples()
    # one style per sampler across the panels (the order of the spec); the published samplers dashed
    published = ("llada", "fast_dllm", "dream", "punt")
    styles = series_styles(list(dict.fromkeys(r["sampler"] for r in rows if r["sampler"] != "optimal")))
    styles = {k: {**v, "ls": "--"} if k in published else v for k, v in styles.items()}
    fig, axes = new_figure(1, len(tables), figsize=(5.0 * len(tables), 4.2), sharey=False)
    for ax, (title, joint) in zip(np.atleast_1d(axes), tables.items()):
        # x: calls on data x ~ mu; random and the candidate samplers have no chain rule on data,
        # their every run makes expected_steps calls on average (as in mdmtheory.sampler_frontier)
        mine = [{**r, "calls_mu": r["expected_steps"] if r["expected_steps_mu"] is None else r["expected_steps_mu"]}
                for r in rows if r["model"] == title and not r["error"]]
        lams = np.concatenate([[0.0], np.geomspace(1e-4, 20.0, 60)])
        hull = sorted((p["expected_steps_mu"], p["kl"]) for p in optimal_tradeoff(joint, lams, base=2)["points"])
        hx, hy = np.array(hull).T
        ax.plot(hx, hy, color="black", ls="--", lw=1.5, label="optimal trade-off (hull)", zorder=3)
        # every sampler, infinite KL included (marked at the top edge); the palette of mdmtheory.plot
        plot_table([r for r in mine if r["sampler"] != "optimal"], "calls_mu", "kl", by="sampler", facet=None,
                   axes=[ax], styles=styles, legend=False)
        opt = sorted((r["calls_mu"], r["kl"]) for r in mine if r["sampler"] == "optimal")
        x, y = np.array(opt).T
        ax.step(x, y, where="post", color="black", lw=2, label="optimal(k) floor", zorder=3)
        ax.plot(x, y, "ko", ms=3, zorder=3)
        ax.set_yscale("symlog", linthresh=1e-3)
        ax.set_xlabel(r"expected model calls on data $x \sim \mu$")
        ax.set_ylabel("")
        ax.set_title(title, fontsize=9)
    np.atleast_1d(axes)[0].set_ylabel(r"$\mathrm{KL}(\mu \,\|\, \nu)$  [bits]")
    fig.suptitle("Exact KL of every parallel sampler and the best deterministic adaptive policies", fontsize=10)
    fig.tight_layout()
    legend_outside(axes)
    return fig


if __name__ == "__main__":
    print(*save(make_figure(), "sampler_frontier"))
