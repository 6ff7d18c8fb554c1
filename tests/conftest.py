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


def dirichlet_table(seed: int, q=(2, 3, 2, 2), zeros: int = 0, alpha: float = 0.7) -> m.Joint:
    """A ``Dirichlet(alpha)`` table of shape ``q`` (seeded), with ``zeros`` cells set to 0."""
    rng = np.random.default_rng(seed)
    t = rng.dirichlet(np.full(int(np.prod(q)), alpha)).reshape(q)
    if zeros:
        flat = t.reshape(-1)
        flat[rng.choice(flat.size, zeros, replace=False)] = 0.0
    return m.Joint(t / t.sum())


@st.composite
def hmms(draw, max_n=4, max_h=3, max_q=3):
    """A random HMM with exact zeros in transition, emission and start; h and q may differ.
    Returns ``(hmm, rng)``."""
    n = draw(st.integers(1, max_n))
    h = draw(st.integers(1, max_h))
    q = draw(st.integers(1, max_q))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    zero = draw(st.sampled_from([0.0, 0.3, 0.6]))

    def rows(r, c):
        M = rng.gamma(0.7, size=(r, c))
        M[rng.random((r, c)) < zero] = 0.0
        M[M.sum(axis=1) == 0, rng.integers(c)] = 1.0
        return M / M.sum(axis=1, keepdims=True)

    return m.HMM(rows(h, h), rows(h, q), rows(1, h)[0], n), rng


#: Junk arguments for the "a value or InputError, never another exception" fuzz tests: types,
#: signs, NaN, inf, 10^30, 1e308, nested lists, dicts, numpy scalars.
JUNK = [None, True, -1, 0, 1, 2, 3, 2.5, -0.5, float("nan"), float("inf"), -float("inf"), 10**30, 1e308, "x", "2", [],
        [0], [0, 0], [[0]], [1, 2, 3], {}, {0: 1}, {0: 0.5}, np.array([0.5, 0.5]), np.float32(2), np.int64(3), object(),
        (0, 1), [0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]], -(10**30), [float("nan")], [float("inf")]]


def junk_failures(f) -> list[str]:
    """Every pair of junk arguments ``f(a, b)`` that raises anything but InputError (the
    arguments, the exception's type and message); a returned value or InputError is fine."""
    import warnings

    from mdmtheory.errors import InputError

    others = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for a in JUNK:
            for b in JUNK[:12] + [None]:
                try:
                    f(a, b)
                except InputError:
                    pass
                except Exception as exc:  # noqa: BLE001 - what the fuzz tests look for
                    others.append(f"({a!r:.30}, {b!r:.20}): {type(exc).__name__}: {exc}")
    return others


def run_cli(argv, capsys):
    """``(exit code, stdout, stderr)`` of ``mdmtheory ARGV`` run in process (arguments as strings)."""
    from mdmtheory.cli import main

    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err
