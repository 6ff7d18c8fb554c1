"""Shared matplotlib style and the save helper for every figure."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from mdmtheory.files import atomic_write, check_output_dir  # noqa: E402

STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "legend.fontsize": 8,
}


def new_figure(*args, **kwargs):
    """``plt.subplots`` under the project style."""
    with plt.rc_context(STYLE):
        return plt.subplots(*args, **kwargs)


def save(fig, name: str, out_dir: str | Path = "figures", pdf: bool = True) -> list[Path]:
    """Write ``name.png`` (and ``name.pdf``) into ``out_dir``, each atomically (a temporary
    file renamed into place; a symlink planted at the target is refused); returns the paths."""
    out = check_output_dir(out_dir)
    paths = [out / f"{name}.png"] + ([out / f"{name}.pdf"] if pdf else [])
    try:
        for p in paths:
            atomic_write(p, lambda fh, p=p: fig.savefig(fh, format=p.suffix[1:], bbox_inches="tight"))
    finally:
        plt.close(fig)
    return paths
