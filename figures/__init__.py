"""Figure scripts: one module per figure, each with ``make_figure() -> matplotlib Figure``.

``mdmtheory reproduce`` renders every module listed in :data:`FIGURES` to PNG and PDF.
Each module can also be run alone: ``python -m mdmtheory.figures.information_curves``.
"""

FIGURES = [
    "information_curves", "schedule_error", "optimal_vs_steps", "schedule_shapes", "sampler_frontier", "walk_samplers",
    "published_samplers", "bounds_vs_optimal",
]
