"""``mdmtheory plot TABLE --x COLUMN --y COLUMN [--by COLUMN[,COLUMN...]] [--facet COLUMN] [--out FILE]``: a
line plot from any sweep table (one series per combination of the ``--by`` values, one panel per
``--facet`` value; the style rules of :mod:`mdmtheory.plot`)."""

from __future__ import annotations

import os

from . import emit


def register(sub) -> None:
    p = sub.add_parser("plot", help="draw a figure from a sweep table (e.g. KL against model calls by sampler)")
    p.add_argument("table", metavar="TABLE", help="a table written by mdmtheory sweep (.csv or .parquet)")
    p.add_argument("--x", required=True, help="column on the x axis (calls = expected_steps)")
    p.add_argument("--y", required=True, help="column on the y axis, e.g. kl; its _low/_high columns become error bars")
    p.add_argument("--by", default="sampler",
                   help="one series per value of these columns, comma-separated (default sampler; e.g. sampler,temperature: "
                        "a sampler parameter's bare name means its sampler.NAME column)")
    p.add_argument("--facet", default="model", help="one panel per value of this column (default model)")
    p.add_argument("--logy", action="store_true", help="logarithmic y axis")
    p.add_argument("--out", help="image file (.png, .pdf, .svg; default TABLE name with .png)")
    p.add_argument("--json", action="store_true", help="print what was drawn as strict JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    # start-up time: plot and sweep load only when plot runs, not for mdmtheory --help
    from ..plot import plot_table
    from ..sweeps import read_table

    rows = read_table(args.table)
    out = args.out or os.path.splitext(os.path.basename(args.table))[0] + ".png"
    drawn = plot_table(rows, args.x, args.y, by=args.by, facet=args.facet, logy=args.logy, out=out)
    emit(drawn, args.json, title=f"plot of {args.table}")
    return 0
