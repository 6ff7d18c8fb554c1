"""Chen-Cong-Li Figure 1 redrawn from a real distribution: the information curve ``Z`` of an
Ising chain with ``n = 13``, its left-Riemann step approximation for the schedule
``(4, 5, 2, 2)``, and the error (the shaded area), whose size is the exact expected KL
(Theorem 4)."""

from __future__ import annotations

import numpy as np

from ._style import new_figure, save
from mdmtheory import expected_kl, information_curve, ising_chain
from mdmtheory.plot import PALETTE, legend_outside

SCHEDULE = (4, 5, 2, 2)


def make_figure():
    """``Z_j`` (bits), the step approximation of ``(4, 5, 2, 2)`` and the shaded error."""
    joint = ising_chain(13, J=0.7, h=0.2)
    z = information_curve(joint, base=2)
    n = joint.n
    err = expected_kl(z, list(SCHEDULE))
    fig, ax = new_figure(figsize=(6.4, 4.0))
    j = np.arange(1, n + 1)
    nodes = np.concatenate([[0], np.cumsum(SCHEDULE)])
    approx = np.concatenate([np.full(s, z[a]) for a, s in zip(nodes[:-1], SCHEDULE)])
    ax.bar(j, z - approx, bottom=approx, width=1.0, align="edge", color=PALETTE[3], alpha=0.3, label="error (area = expected KL)")
    ax.step(np.append(j, n + 1), np.append(z, z[-1]), where="post", color=PALETTE[0], label="Z_j")
    ax.step(np.append(j, n + 1), np.append(approx, approx[-1]), where="post", color="black", ls="--", label="step approximation")
    for a in nodes[:-1]:
        ax.axvline(a + 1, color="gray", lw=0.6, ls=":")
    ax.set_xlabel("j (position in the random order)")
    ax.set_ylabel("Z_j  [bits]")
    ax.set_title(f"Ising chain n = 13, schedule {SCHEDULE}: E KL = {err:.4f} bits (exact, Theorem 4)")
    legend_outside(ax, fontsize=8)
    return fig


if __name__ == "__main__":
    print(*save(make_figure(), "schedule_error"))
