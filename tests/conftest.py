"""Shared fixtures: hypothesis profile, numba warm-up, small random tables."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import mdmtheory as m

# ``mdm`` (the default): derandomized, so CI is reproducible.  ``thorough`` explores: ten times the
# examples, fresh random draws each run (``make test-thorough`` or ``--hypothesis-profile=thorough``;
# a failure prints its ``@reproduce_failure`` blob).  An explicit ``--hypothesis-profile`` is
# applied by the hypothesis plugin after this file is loaded, so it wins over the default.
settings.register_profile(
    "mdm", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile(
    "thorough", deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow], derandomize=False
)
settings.load_profile("mdm")


@pytest.fixture(scope="session", autouse=True)
def warm_kernels():
    """Compile (or load from cache) every numba kernel once per session."""
    m.subset_entropies(m.random_joint(3, 2, seed=0))
    m.simulate(m.random_walk("cycle:4", 5), m.make_sampler("punt_pairwise"), samples=2)  # walk kernels (issue 4)
    m.random_walk("path:3", 4, "uniform").fixed_order_kl([[0, 1], [2, 3]])
    m.evaluate(m.random_joint(3, 2, seed=0), "eb"), m.optimal_kl(m.random_joint(2, 2, seed=0))  # issue 5
    m.optimal_schedule([0.0, 1.0, 2.0], 2), m.frontier([0.0, 1.0]), m.min_steps([0.0, 1.0], 0.5)  # schedules (issue 3)


@st.composite
def tables(draw, max_n: int = 5, max_q: int = 3, max_cells: int = 600, zeros: bool = True):
    """A random probability table: 1..max_n positions, alphabet sizes 1..max_q (heterogeneous),
    Dirichlet-like weights with some exact zeros (never all zero)."""
    n = draw(st.integers(1, max_n))
    shape = []
    for _ in range(n):
        shape.append(draw(st.integers(1 if n > 1 else 2, max_q)))
        if int(np.prod(shape)) > max_cells:
            shape[-1] = 1
    seed = draw(st.integers(0, 2**32 - 1))
    alpha = draw(st.sampled_from([0.1, 0.5, 1.0, 5.0]))
    rng = np.random.default_rng(seed)
    t = rng.gamma(alpha, size=shape)
    if zeros:
        t[rng.random(size=shape) < draw(st.sampled_from([0.0, 0.3, 0.6]))] = 0.0
    if t.sum() <= 0 or not np.isfinite(t.sum()):
        t = np.ones(shape)
    return m.Joint(t / t.sum(), normalize=True)
