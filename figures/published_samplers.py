"""LLaDA's block length against Fast-dLLM's threshold and factor: exact KL and TV against calls.

Exact output laws (:func:`mdmtheory.exact.evaluate`) at temperature 1 on three built-in
tables of ``n = 8`` positions.  ``llada``: ``steps`` swept over the multiples of the number of
blocks for ``block_length`` 8 (one block), 4 and 2 (semi-autoregressive); ``fast_dllm``: the
``threshold`` rule (``get_transfer_index``) over a grid of thresholds and the ``factor`` rule
(``get_transfer_index_dynamic``) over a grid of factors, one block.  ``x`` is the expected
number of model calls of a run; top row ``KL(mu || nu)`` in bits, bottom row the total variation.
"""

from __future__ import annotations

import numpy as np

from ._style import new_figure, save
from mdmtheory import ising_chain, markov_chain, random_joint
from mdmtheory.exact import evaluate
from mdmtheory.plot import draw_series, legend_outside
from mdmtheory.samplers import make_sampler

N = 8
THRESHOLDS = (0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)
FACTORS = (0.05, 0.2, 0.5, 1.0, 2.0, 4.0, 8.0)


def examples() -> dict:
    """The three tables (exact, seeded)."""
    P = np.array([[0.9, 0.1], [0.2, 0.8]])
    return {
        "Dirichlet table, n=8, q=2, alpha=0.3": random_joint(N, 2, alpha=0.3, seed=1),
        "Ising chain, n=8, J=0.8, h=0.2": ising_chain(N, J=0.8, h=0.2),
        "sticky Markov chain, n=8, q=2": markov_chain(P, [0.5, 0.5], N),
    }


def series(joint) -> dict[str, np.ndarray]:
    """``label -> rows (expected calls, KL bits, TV)`` sorted by calls."""
    out = {}
    for L in (8, 4, 2):
        blocks = N // L
        rows = []
        for steps in range(blocks, N + 1, blocks):
            r = evaluate(joint, make_sampler("llada", steps=steps, block_length=L, temperature=1.0), base=2)
            rows.append((r.expected_steps, r.kl, r.tv))
        out[f"llada, block_length={L}"] = np.array(sorted(rows))
    rows = [evaluate(joint, make_sampler("fast_dllm", threshold=t, temperature=1.0), base=2) for t in THRESHOLDS]
    out["fast_dllm threshold"] = np.array(sorted((r.expected_steps, r.kl, r.tv) for r in rows))
    rows = [evaluate(joint, make_sampler("fast_dllm", factor=f, temperature=1.0), base=2) for f in FACTORS]
    out["fast_dllm factor"] = np.array(sorted((r.expected_steps, r.kl, r.tv) for r in rows))
    return out


def make_figure():
    """Two rows (KL, TV) by one column per table."""
    tables = examples()
    fig, axes = new_figure(2, len(tables), figsize=(4.6 * len(tables), 7.0), sharex="col")
    for col, (title, joint) in enumerate(tables.items()):
        data = series(joint)
        for row, k in ((0, 1), (1, 2)):
            draw_series(axes[row, col], {label: (rows[:, 0], rows[:, k]) for label, rows in data.items()}, lw=1)
        axes[0, col].set_title(title, fontsize=9)
        axes[1, col].set_xlabel("expected model calls")
    axes[0, 0].set_ylabel(r"$\mathrm{KL}(\mu \,\|\, \nu)$  [bits]")
    axes[1, 0].set_ylabel("total variation")
    fig.suptitle("LLaDA block length and Fast-dLLM threshold / factor (temperature 1, exact)", fontsize=10)
    fig.tight_layout()
    legend_outside(axes)
    return fig


if __name__ == "__main__":
    print(*save(make_figure(), "published_samplers"))
