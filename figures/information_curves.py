"""The information curve ``Z_j`` of each built-in example (Chen-Cong-Li, Section 3)."""

from __future__ import annotations

import numpy as np

from ._style import new_figure, save
from mdmtheory.examples import builtin_examples
from mdmtheory.information import information_curve
from mdmtheory.plot import draw_series, legend_outside


def make_figure():
    """``Z_j`` against ``j`` for every built-in example, in bits (curves that coincide are drawn
    dashed over each other and named in the legend)."""
    fig, ax = new_figure(figsize=(7.5, 4.0))
    series = {name: (np.arange(1, joint.n + 1), information_curve(joint, base=2))
              for name, joint in builtin_examples().items()}
    draw_series(ax, series)
    ax.set_xlabel(r"$j$  (size of the revealed set $S$ plus one)")
    ax.set_ylabel(r"$Z_j = \mathbb{E}\, I(X_i; X_S)$, $|S| = j-1$  [bits]")
    ax.set_title("Information curves of the built-in examples (Chen-Cong-Li, Sec. 3)")
    legend_outside(ax, fontsize=8)
    return fig


if __name__ == "__main__":
    print(*save(make_figure(), "information_curves"))
