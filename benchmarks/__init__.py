"""Benchmarks (``make bench``): each ``bench_*.py`` module has ``run(quick: bool) -> str``
returning a markdown section; ``python -m benchmarks`` runs them all and writes RESULTS.md."""
