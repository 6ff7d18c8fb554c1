"""The information curve ``Z_j`` of each built-in example (Chen-Cong-Li, Section 3)."""

from __future__ import annotations

import numpy as np

from figures._style import new_figure, save
from mdmtheory.examples import builtin_examples
from mdmtheory.information import information_curve


def make_figure():
    """``Z_j`` against ``j`` for every built-in example, in bits."""
    fig, ax = new_figure(figsize=(6.4, 4.0))
    for name, joint in builtin_examples().items():
        z = information_curve(joint, base=2)
        ax.plot(np.arange(1, joint.n + 1), z, marker="o", ms=3, drawstyle="default", label=name)
    ax.set_xlabel("j (number of revealed positions + 1)")
    ax.set_ylabel("Z_j = E I(X_i ; X_S), |S| = j-1  [bits]")
    ax.set_title("Information curves of the built-in examples")
    ax.legend(loc="upper left")
    return fig


if __name__ == "__main__":
    print(*save(make_figure(), "information_curves"))
