"""Numba kernels, kept together: one small private module per topic, each with a plain
numpy reference in ``tests/``.

Rules: ``cache=True``; guard ``log(0)`` explicitly; subsets are int64 bitmasks; no
``int.bit_count``; the test session warms every kernel once (``tests/conftest.py``).
"""
