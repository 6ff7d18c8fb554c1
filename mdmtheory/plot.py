"""Figures from results tables, and the one series style every figure of the project uses.

:func:`plot_table` draws any two numeric columns of a sweep table (:mod:`mdmtheory.sweeps`): the
frontier plot of the literature is ``x = expected_steps`` (alias ``calls``), ``y = kl``,
``by = sampler``, one panel per model.  Where the table has ``{y}_low`` and ``{y}_high`` (an
estimate's interval) they are drawn as error bars.  Failed rows (``error`` set) are skipped.

The style rules (here once; ``mdmtheory plot`` and every script of ``figures/`` use them):

* **a distinct colour and marker per series** (:func:`series_style`): series ``i`` gets colour
  ``i mod 10`` of a qualitative palette and marker ``i mod 13``; 10 and 13 are coprime, so the
  first 130 series have distinct (colour, marker) pairs, and two consecutive series differ in
  both; past 130 the line style changes too;
* **every series shows** (:func:`draw_series`): markers are hollow, so overlapping points of two
  series both show, and a series drawn earlier (under the later ones) has wider lines and larger
  markers, so it shows around them where they overlap; a series identical to one drawn before it in the same panel is drawn dashed
  with larger markers and labelled ``name (= other)``;
* **infinite values are drawn, not dropped**: a point with ``y = +inf`` (``-inf``) is marked at
  the top (bottom) edge of its panel with :data:`INFINITE_MARKER` in the series' colour, and
  counted (``infinite``);
* **legends outside the axes** (:func:`legend_outside`): one legend to the right of the
  rightmost panel, never over data.
"""

from __future__ import annotations

import io
import math
import unicodedata
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .errors import InputError
from .files import atomic_write

__all__ = ["plot_table", "ALIASES", "PALETTE", "MARKERS", "INFINITE_MARKER", "series_style", "series_styles",
           "draw_series", "legend_outside"]

#: Column aliases accepted for ``x`` and ``y``.
ALIASES = {"calls": "expected_steps"}

#: Qualitative colours (matplotlib's ``tab10``).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")

#: Markers; their number (13) is coprime with the palette's (10).
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", "*", ">", "h", "p", "d")

#: Line styles past ``len(PALETTE) * len(MARKERS)`` series.
LINESTYLES = ("-", "--", ":", "-.")

#: The marker of an infinite value, drawn at the edge of the panel (not one of :data:`MARKERS`).
INFINITE_MARKER = r"$\infty$"

#: The legend label of the infinite-value markers.
INFINITE_LABEL = "infinite (marked at the edge)"


def series_style(i: int) -> dict:
    """The style of the ``i``-th series: ``color``, ``marker`` and ``ls``.

    Colour ``PALETTE[i % 10]``, marker ``MARKERS[i % 13]``: by the Chinese remainder theorem the
    pairs of series ``0 .. 129`` are distinct; the line style cycles every 130 series.

    Examples
    --------
    >>> series_style(0) == series_style(130)
    False
    >>> len({(series_style(i)["color"], series_style(i)["marker"]) for i in range(130)})
    130
    """
    i = int(i)
    if i < 0:
        raise InputError(f"a series index is a non-negative integer, not {i}")
    return {"color": PALETTE[i % len(PALETTE)], "marker": MARKERS[i % len(MARKERS)],
            "ls": LINESTYLES[(i // (len(PALETTE) * len(MARKERS))) % len(LINESTYLES)]}


def series_styles(names: Sequence) -> dict:
    """``name -> style`` (:func:`series_style`) in the order given; the same name keeps one style.

    Examples
    --------
    >>> s = series_styles(["a", "b"])
    >>> s["a"]["marker"], s["b"]["marker"], s["a"]["color"] != s["b"]["color"]
    ('o', 's', True)
    """
    out: dict = {}
    for name in names:
        if name not in out:
            out[name] = series_style(len(out))
    return out


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    fa, fb = np.isfinite(a), np.isfinite(b)
    if not np.array_equal(fa, fb) or not np.array_equal(a[~fa], b[~fb]):
        return False
    return bool(np.allclose(a[fa], b[fb], rtol=1e-9, atol=1e-12))


def draw_series(ax, series: dict, styles: dict | None = None, errors: dict | None = None, ms: float = 5.0,
                lw: float = 1.2) -> dict:
    """Draw each series of one panel so that every one shows.

    Parameters
    ----------
    ax : matplotlib Axes
    series : dict
        ``name -> (xs, ys)``, drawn in this order, points sorted by ``x``; ``nan`` points and
        non-finite ``x`` are not drawn (counted ``skipped``); ``y = +-inf`` is marked at the
        top / bottom edge with :data:`INFINITE_MARKER` (counted ``infinite``).
    styles : dict, optional
        ``name -> keyword arguments of Axes.plot``; default :func:`series_styles` of the names.
        Markers are drawn hollow unless a style sets ``mfc``.
    errors : dict, optional
        ``name -> (low, high)`` arrays (absolute bounds, as ``ys``): error bars.
    ms, lw : float
        Marker size and line width.

    Returns
    -------
    dict
        ``lines`` (series drawn), ``points`` (finite points), ``infinite``, ``skipped`` and
        ``identical`` (``[name, same_as]`` pairs: ``name`` is, point for point, a series drawn
        before it; it is drawn dashed with larger markers and labelled ``name (= same_as)``).

    Complexity ``O(s^2 m)`` for ``s`` series of ``m`` points (the identity check).
    """
    styles = series_styles(list(series)) if styles is None else styles
    drawn: list[tuple[Any, np.ndarray, np.ndarray]] = []
    out = {"lines": 0, "points": 0, "infinite": 0, "skipped": 0, "identical": []}
    for name, (xs, ys) in series.items():
        xs, ys = np.asarray(xs, dtype=float).ravel(), np.asarray(ys, dtype=float).ravel()
        if xs.shape != ys.shape:
            raise InputError(f"series {name!r} has {xs.size} x values but {ys.size} y values; give one y per x")
        keep = np.isfinite(xs) & ~np.isnan(ys)
        out["skipped"] += int(np.sum(~keep))
        order = np.lexsort((ys[keep], xs[keep]))
        xs, ys = xs[keep][order], ys[keep][order]
        style = dict(styles.get(name, {}) if name in styles else series_style(len(drawn)))
        style.setdefault("mfc", "none")
        label = str(style.pop("label", name))
        ms0, lw0 = style.pop("ms", ms), style.pop("lw", lw)
        twin = next((other for other, ox, oy in drawn if _same(ox, xs) and _same(oy, ys)), None)
        # a series drawn earlier (hence under the later ones) is wider and has larger markers, so
        # where series overlap in part the ones below still show around the ones above
        below = (len(series) - 1 - len(drawn)) / max(len(series) - 1, 1)
        size, width = ms0 * (1 + 0.6 * below), lw0 * (1 + 1.2 * below)
        if twin is not None:
            out["identical"].append([str(name), str(twin)])
            label = f"{label} (= {twin})"
            style["ls"] = "--"
            size = max(size, ms0 * 1.8)
        drawn.append((name, xs, ys))
        fin = np.isfinite(ys)
        # an infinite point breaks the line (nan) and is marked at the edge below
        (line,) = ax.plot(xs, np.where(fin, ys, np.nan), ms=size, lw=width, label=_plain(label), **{"mew": 1.1, **style})
        color = line.get_color()
        if errors is not None and name in errors:
            lo, hi = (np.asarray(v, dtype=float).ravel()[keep][order][fin] for v in errors[name])
            ok = np.isfinite(lo) & np.isfinite(hi) & (np.abs(lo) <= LARGEST) & (np.abs(hi) <= LARGEST)
            if ok.any():  # each bar spans [low, high] wherever the value lies (below or above it too)
                lo, hi = lo[ok], hi[ok]
                ax.errorbar(xs[fin][ok], lo / 2 + hi / 2, yerr=np.abs(hi / 2 - lo / 2), fmt="none", ecolor=color,
                            capsize=2, lw=0.8)
        for sign, edge in ((1, 1.0), (-1, 0.0)):
            at = xs[ys == sign * math.inf]
            if at.size:
                first = not any(h.get_label() == INFINITE_LABEL for h in ax.get_lines())
                ax.plot(at, np.full(at.size, edge), ls="none", marker=INFINITE_MARKER, ms=10, color=color, clip_on=False,
                        transform=ax.get_xaxis_transform(), label=INFINITE_LABEL if first else "_nolegend_", zorder=4)
                out["infinite"] += int(at.size)
        out["lines"] += 1
        out["points"] += int(fin.sum())
    return out


def legend_outside(axes, ncol: int | None = None, fontsize: float = 7, **kwargs):
    """One legend for every labelled artist of ``axes``, placed to the right of the rightmost
    panel, outside every axes; returns the legend (``None`` if nothing is labelled).

    A label appears once.  A series that :func:`draw_series` found identical to another in some
    panels is one entry: ``name (= other)`` when it is so in every panel it is drawn in, else
    ``name (= other in j of m panels)``.  ``ncol`` defaults to one column per 22 entries.
    """
    axes = [ax for ax in np.ravel(np.asarray(axes, dtype=object)) if ax.get_visible()]
    handles: dict = {}
    panels: dict = {}  # base label -> panels it is drawn in
    twins: dict = {}  # base label -> {other: panels where it is identical to other}
    only_twin: set = set()  # base labels whose handle so far is a dashed (identical) drawing
    for ax in axes:
        old = ax.get_legend()
        if old is not None:
            old.remove()
        seen = set()
        for h, label in zip(*ax.get_legend_handles_labels()):
            base, twin = label, None
            if label.endswith(")") and " (= " in label:
                base, twin = label[:-1].rsplit(" (= ", 1)
            if base not in handles or (twin is None and base in only_twin):  # a plain drawing preferred
                handles[base] = h
                (only_twin.add if twin is not None else only_twin.discard)(base)
            if base not in seen:
                seen.add(base)
                panels[base] = panels.get(base, 0) + 1
            if twin is not None:
                twins.setdefault(base, {})[twin] = twins.get(base, {}).get(twin, 0) + 1
    if INFINITE_LABEL in handles:  # last, in black: the marker means "infinite" in every colour
        # start-up time: matplotlib loads only when a figure is drawn
        from matplotlib.lines import Line2D

        handles.pop(INFINITE_LABEL)
        handles[INFINITE_LABEL] = Line2D([], [], ls="none", marker=INFINITE_MARKER, ms=10, color="black")
    if not handles:
        return None
    labels = []
    for base in handles:
        notes = [f"= {t}" if j == panels[base] else f"= {t} in {j} of {panels[base]} panels"
                 for t, j in twins.get(base, {}).items()]
        labels.append(f"{base} ({'; '.join(notes)})" if notes else base)
    anchor = max(axes, key=lambda ax: (round(ax.get_position().x1, 6), ax.get_position().y1))
    ncol = ncol or max(1, math.ceil(len(handles) / 22))
    return anchor.legend(list(handles.values()), labels, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                         borderaxespad=0.0, frameon=False, fontsize=fontsize, ncol=ncol, **kwargs)


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


def _columns(by, columns: set) -> list[str]:
    """``by`` (a name, ``"a,b"`` or a sequence) as table columns; a bare sampler or model parameter
    name (``temperature``) means its column (``sampler.temperature``) when that is the only match."""
    names = [b.strip() for b in by.split(",")] if isinstance(by, str) else [str(b) for b in by]
    if not names or any(not b for b in names):
        raise InputError(f"--by {by!r} has an empty column name; give columns separated by commas, e.g. sampler,temperature")
    out = []
    for b in names:
        if b not in columns:
            hits = [c for c in (f"sampler.{b}", f"model.{b}") if c in columns]
            if len(hits) != 1:
                raise InputError(f"--by {b!r} is not a column of the table; columns: {', '.join(sorted(columns))}")
            b = hits[0]
        out.append(b)
    return out


def _series_name(r: dict, cols: list[str]) -> str:
    """``llada, temperature=0.0``: the first column's value, then ``name=value`` of the others
    that the row has (a sampler's or model's parameter by its bare name)."""
    first = r.get(cols[0])
    parts = ["-" if first is None else str(first)]
    parts += [f"{c.split('.', 1)[1] if c.startswith(('sampler.', 'model.')) else c}={r.get(c)}" for c in cols[1:]
              if r.get(c) is not None]
    return ", ".join(parts)


def plot_table(
    rows: Sequence[dict],
    x: str,
    y: str,
    by: str | Sequence[str] | None = "sampler",
    facet: str | None = "model",
    logy: bool = False,
    out: str | None = None,
    axes=None,
    styles: dict | None = None,
    legend: bool = True,
) -> dict:
    """Draw ``y`` against ``x``, one series per value of ``by``, one panel per value of ``facet``,
    in the style of this module (distinct colour and marker per series, identical series noted,
    infinite values at the edge, the legend outside the panels).

    Parameters
    ----------
    rows : sequence of dict
        Table rows (:func:`mdmtheory.sweeps.read_table` or :attr:`SweepResult.rows`).
    x, y : str
        Numeric columns (``calls`` means ``expected_steps``).
    by : str, sequence of str or None
        Grouping columns: one series per combination of their values (``"sampler,temperature"``
        or ``["sampler", "temperature"]``; ``temperature`` means ``sampler.temperature`` when the
        table has that column and no ``temperature``).  ``None``: one series.
    facet : str or None
        One panel per value (``None``, or a column absent from the table: one panel).
    logy : bool
        Logarithmic y axis (symlog, so zeros show).
    out : str, optional
        Write the figure there (format from the suffix) and close it.
    axes : sequence of matplotlib Axes, optional
        Draw into these (one per facet value, in order of first appearance) instead of a new figure.
    styles : dict, optional
        Series name -> keyword arguments of ``Axes.plot``; default :func:`series_styles`.
    legend : bool
        Place one legend outside the panels (:func:`legend_outside`).

    Returns
    -------
    dict
        ``x``, ``y``, ``by`` (the columns, comma-separated), ``by_columns``, ``panels`` (facet
        values), ``lines``, ``points`` (finite points drawn), ``infinite`` (points with an infinite
        ``y``, marked at the edge), ``skipped`` (rows not drawn: an error, no number, ``nan``, an
        infinite ``x``), ``identical`` (``{"panel", "series", "same_as"}``: series drawn over an
        identical one, dashed and noted in the legend) and ``out``; plus ``figure`` when ``out`` is
        not given.

    Raises
    ------
    InputError
        A column that is not in the table, or no row with numbers to draw.

    Examples
    --------
    >>> rows = [{"sampler": "a", "model": "m", "expected_steps": k, "kl": 1.0 / k} for k in (1, 2, 4)]
    >>> d = plot_table(rows, "calls", "kl")
    >>> d["panels"], d["lines"], d["points"], d["infinite"], d["skipped"]
    (['m'], 1, 3, 0, 0)
    """
    # start-up time: matplotlib loads only when a figure is drawn
    import matplotlib

    if axes is None and out is not None:
        matplotlib.use("Agg")
    # start-up time: matplotlib.pyplot after the backend is chosen
    import matplotlib.pyplot as plt

    x, y = ALIASES.get(x, x), ALIASES.get(y, y)
    columns = {k for r in rows for k in r}
    for name, col in (("x", x), ("y", y)):
        if col not in columns:
            raise InputError(f"--{name} {col!r} is not a column of the table; columns: {', '.join(sorted(columns))}")
    cols = _columns(by, columns) if by is not None else []
    facet = facet if facet in columns else None
    groups: dict[Any, dict[Any, list]] = {}
    skipped = 0
    for r in rows:
        xv, yv = _number(r.get(x)), _number(r.get(y))
        if r.get("error") or xv is None or yv is None:
            skipped += 1
            continue
        if max(abs(xv), abs(yv)) > LARGEST and math.isfinite(xv) and math.isfinite(yv):
            raise InputError(f"a row has {x} = {xv:g}, {y} = {yv:g}: beyond {LARGEST:g} the axes cannot be drawn; "
                             "rescale the column or leave those rows out")
        lo, hi = _number(r.get(f"{y}_low")), _number(r.get(f"{y}_high"))
        panel = groups.setdefault(r.get(facet) if facet else "", {})
        panel.setdefault(_series_name(r, cols) if cols else y, []).append((xv, yv, lo, hi))
    if not any(np.isfinite(p[0]) and not np.isnan(p[1]) for g in groups.values() for pts in g.values() for p in pts):
        raise InputError(f"no row of the table has numbers in both {x!r} and {y!r}")
    panels = list(groups)
    if axes is None:
        fig, axs = plt.subplots(1, len(panels), figsize=(5.0 * len(panels), 4.0), squeeze=False)
        axes = list(axs[0])
    else:
        axes = list(np.ravel(np.asarray(axes, dtype=object)))
        fig = axes[0].figure
        if len(axes) < len(panels):
            raise InputError(f"{len(panels)} panels to draw but {len(axes)} axes given")
    names = [name for g in groups.values() for name in g]
    base = series_styles(names)
    styles = {name: {**base[name], **(styles or {}).get(name, {})} for name in base}
    counts = {"lines": 0, "points": 0, "infinite": 0}
    identical = []
    for ax, panel in zip(axes, panels):
        pts = groups[panel]
        series = {name: ([p[0] for p in v], [p[1] for p in v]) for name, v in pts.items()}
        errors = {name: ([p[2] for p in v], [p[3] for p in v]) for name, v in pts.items()
                  if all(p[2] is not None and p[3] is not None for p in v)}
        d = draw_series(ax, series, styles, errors)
        for k in counts:
            counts[k] += d[k]
        skipped += d["skipped"]
        identical += [{"panel": str(panel), "series": a, "same_as": b} for a, b in d["identical"]]
        if panel != "":
            ax.set_title(_plain(panel), fontsize=9)
        ax.set_xlabel(_plain(x))
        ax.set_ylabel(_plain(y + (f" ({_unit(rows)})" if _unit(rows) else "")))
        if logy:
            ax.set_yscale("symlog", linthresh=1e-4)
    if legend:
        legend_outside(axes[:len(panels)])
    result = {"x": x, "y": y, "by": ",".join(cols) if cols else None, "by_columns": cols, "panels": [str(p) for p in panels],
              **counts, "skipped": skipped, "identical": identical, "out": out}
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
