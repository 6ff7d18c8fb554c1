"""Figures from results tables: one line per group, one panel per facet (``mdmtheory plot``).

:func:`plot_table` draws any two numeric columns of a sweep table (:mod:`mdmtheory.sweeps`): the
frontier plot of the literature is ``x = expected_steps`` (alias ``calls``), ``y = kl``,
``by = sampler``, one panel per model.  Where the table has ``{y}_low`` and ``{y}_high`` (an
estimate's interval) they are drawn as error bars.  Failed rows (``error`` set) are skipped.
"""

from __future__ import annotations

import io
import math
import unicodedata
from pathlib import Path
from typing import Any, Sequence

from .errors import InputError
from .files import atomic_write

__all__ = ["plot_table", "ALIASES"]

#: Column aliases accepted for ``x`` and ``y``.
ALIASES = {"calls": "expected_steps"}


#: The largest magnitude drawn: beyond it the axis span (max - min, plus margins) overflows.
LARGEST = 1e300


def _plain(text: Any) -> str:
    """A label drawn as plain text: a ``$`` is a dollar sign, never the start of mathtext; a
    control character (no glyph in any font) is drawn as U+FFFD."""
    return "".join("\ufffd" if unicodedata.category(c) == "Cc" else c for c in str(text)).replace("$", r"\$")


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str) and v in ("inf", "-inf", "nan"):
        return float(v)
    return None


def plot_table(
    rows: Sequence[dict],
    x: str,
    y: str,
    by: str | None = "sampler",
    facet: str | None = "model",
    logy: bool = False,
    out: str | None = None,
    axes=None,
    styles: dict | None = None,
) -> dict:
    """Draw ``y`` against ``x``, one line per value of ``by``, one panel per value of ``facet``.

    Parameters
    ----------
    rows : sequence of dict
        Table rows (:func:`mdmtheory.sweeps.read_table` or :attr:`SweepResult.rows`).
    x, y : str
        Numeric columns (``calls`` means ``expected_steps``).
    by, facet : str or None
        Grouping columns (``None``: one line, one panel).  A facet column absent from the table
        gives one panel.
    logy : bool
        Logarithmic y axis.
    out : str, optional
        Write the figure there (format from the suffix) and close it.
    axes : sequence of matplotlib Axes, optional
        Draw into these (one per facet value, in order of first appearance) instead of a new figure.
    styles : dict, optional
        ``by`` value -> keyword arguments of ``Axes.plot`` (colour, marker, ...).

    Returns
    -------
    dict
        ``x``, ``y``, ``by``, ``panels`` (facet values), ``lines``, ``points``, ``skipped`` (rows
        without numbers or with an error) and ``out``; plus ``figure`` when ``out`` is not given.

    Raises
    ------
    InputError
        A column that is not in the table, or no row with numbers to draw.

    Examples
    --------
    >>> rows = [{"sampler": "a", "model": "m", "expected_steps": k, "kl": 1.0 / k} for k in (1, 2, 4)]
    >>> d = plot_table(rows, "calls", "kl")
    >>> d["panels"], d["lines"], d["points"]
    (['m'], 1, 3)
    """
    # start-up time: matplotlib loads only when a figure is drawn
    import matplotlib

    if axes is None and out is not None:
        matplotlib.use("Agg")
    # start-up time: matplotlib.pyplot after the backend is chosen
    import matplotlib.pyplot as plt

    x, y = ALIASES.get(x, x), ALIASES.get(y, y)
    columns = {k for r in rows for k in r}
    for name, col in (("x", x), ("y", y), ("by", by)):
        if col is not None and col not in columns:
            raise InputError(f"--{name} {col!r} is not a column of the table; columns: {', '.join(sorted(columns))}")
    facet = facet if facet in columns else None
    groups: dict[Any, dict[Any, list]] = {}
    skipped = 0
    for r in rows:
        xv, yv = _number(r.get(x)), _number(r.get(y))
        if r.get("error") or xv is None or yv is None or math.isnan(xv) or math.isnan(yv):
            skipped += 1
            continue
        if max(abs(xv), abs(yv)) > LARGEST and math.isfinite(xv) and math.isfinite(yv):
            raise InputError(f"a row has {x} = {xv:g}, {y} = {yv:g}: beyond {LARGEST:g} the axes cannot be drawn; "
                             "rescale the column or leave those rows out")
        lo, hi = _number(r.get(f"{y}_low")), _number(r.get(f"{y}_high"))
        panel = groups.setdefault(r.get(facet) if facet else "", {})
        panel.setdefault(r.get(by) if by else y, []).append((xv, yv, lo, hi))
    if not groups:
        raise InputError(f"no row of the table has numbers in both {x!r} and {y!r}")
    panels = list(groups)
    if axes is None:
        fig, axs = plt.subplots(1, len(panels), figsize=(5.0 * len(panels), 4.0), squeeze=False)
        axes = list(axs[0])
    else:
        axes = list(axes)
        fig = axes[0].figure
        if len(axes) < len(panels):
            raise InputError(f"{len(panels)} panels to draw but {len(axes)} axes given")
    lines = points = 0
    for ax, panel in zip(axes, panels):
        for name, pts in groups[panel].items():
            pts.sort(key=lambda p: (p[0], p[1]))
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            style = dict((styles or {}).get(name, {"marker": "o"}))
            style.setdefault("label", _plain(name))
            (line,) = ax.plot(xs, ys, ms=4, lw=1.2, **style)
            bars = [p for p in pts if p[2] is not None and p[3] is not None and math.isfinite(p[2]) and math.isfinite(p[3])
                    and max(abs(p[2]), abs(p[3])) <= LARGEST]
            if bars and len(bars) == len(pts):  # each bar spans [low, high], wherever the value lies
                mids = [p[2] / 2 + p[3] / 2 for p in bars]
                half = [abs(p[3] / 2 - p[2] / 2) for p in bars]
                ax.errorbar([p[0] for p in bars], mids, yerr=half, fmt="none", ecolor=line.get_color(), capsize=2, lw=0.8)
            lines += 1
            points += len(pts)
        if panel != "":
            ax.set_title(_plain(panel), fontsize=9)
        ax.set_xlabel(_plain(x))
        ax.set_ylabel(_plain(y + (f" ({_unit(rows)})" if _unit(rows) else "")))
        if logy:
            ax.set_yscale("symlog", linthresh=1e-4)
        ax.legend(fontsize=7)
    result = {"x": x, "y": y, "by": by, "panels": [str(p) for p in panels], "lines": lines, "points": points,
              "skipped": skipped, "out": out}
    if out is not None:
        fmt = Path(out).suffix.lstrip(".").lower() or "png"
        if fmt not in fig.canvas.get_supported_filetypes():
            raise InputError(f"cannot write a figure as .{fmt}; use .png, .pdf or .svg")
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, bbox_inches="tight")
        plt.close(fig)
        atomic_write(out, lambda fh: fh.write(buf.getvalue()))
    else:
        result["figure"] = fig
    return result


def _unit(rows: Sequence[dict]) -> str:
    units = {r.get("unit") for r in rows if r.get("unit")}
    return units.pop() if len(units) == 1 else ""
