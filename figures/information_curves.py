"""The information curve ``Z_j`` of each built-in example (Chen-Cong-Li, Section 3)."""

from __future__ import annotations

import numpy as np

from ._style import new_figure, save
from mdmtheory.examples import builtin_examples
from mdmtheory.information import information_curve


def make_figure():
    """``Z_j`` against ``j`` for every built-in example, in bits."""
    fig, ax = new_figure(figsize=(7.5, 4.0))
    for name, joint in builtin_examples().items():
        z = information_curve(joint, base=2)
        ax.plot(np.arange(1, joint.n + 1), z, marker="o", ms=3, label=name)
    ax.set_xlabel(r"$j$  (size of the revealed set $S$ plus one)")
    ax.set_ylabel(r"$Z_j = \mathbb{E}\, I(X_i; X_S)$, $|S| = j-1$  [bits]")
    ax.set_title("Information curves of the built-in examples (Chen-Cong-Li, Sec. 3)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


if __name__ == "__main__":
    print(*save(make_figure(), "information_curves"))
