"""The exact large-n curve used by the schedule figures, against the table engine."""

from __future__ import annotations

import numpy as np
import pytest

import mdmtheory as m
from mdmtheory.figures._schedule_curves import symmetric_chain_curve


@pytest.mark.parametrize("n, p", [(1, 0.2), (2, 0.1), (5, 0.3), (8, 0.05)])
def test_symmetric_chain_curve_matches_table(n, p):
    """The consecutive-pair formula (docs/theory.md section 5.4) equals the lattice on the dense table."""
    P = np.array([[1 - p, p], [p, 1 - p]])
    want = m.information_curve(m.markov_chain(P, [0.5, 0.5], n))
    assert symmetric_chain_curve(n, p) == pytest.approx(want, abs=1e-12)
