"""The walk kernel's output laws against independent references, for every walk sampler.

These replace SHA-256 digests of the kernel's output (which a numba/LLVM upgrade may change
without anything being wrong): the law of the samples and of the number of calls is checked
against

* the slow recursive reference of ``tests/test_evaluate.py`` (recursion over runs, marginals
  sliced from the full table, the plain-Python rules of ``tests/rules_reference.py``) on small
  chains with ties, zeros, a lazy chain, a point start and none of these, candidate rules
  included (the chi-square helper's power: ``tests/test_walks.py``);
* the numpy reference sampler of ``tests/walk_reference.py`` on longer walks (gaps of dozens of
  positions), for the rules that rank every masked position.
"""

from __future__ import annotations

import numpy as np
import pytest

from mdmtheory import make_sampler, random_walk, sample_walks, walk_metrics
from mdmtheory.markov import MarkovChain

from .test_evaluate import ref_run
from .test_walks import _chi_square_pvalue
from .walk_reference import reference_sample_walks

SAMPLERS = [
    ("left_to_right", {"steps": 3}), ("random", {"steps": 4}), ("confidence", {}), ("confidence", {"steps": 3}),
    ("margin", {"steps": 4}), ("entropy", {}), ("entropy", {"steps": 3}), ("threshold", {"tau": 0.6}),
    ("eb", {"gamma": 0.3}), ("eb", {"gamma": 0.05, "proxy": "confidence"}), ("eb", {"gamma": 0.2, "proxy": "margin"}),
    ("punt_pairwise", {"delta": 0.05}), ("bisection", {}), ("llada", {"steps": 4, "block_length": 2}),
    ("llada", {"steps": 4, "block_length": 2, "remasking": "random", "temperature": 0.7}),
    ("fast_dllm", {"block_length": 2, "threshold": 0.7}), ("fast_dllm", {"block_length": 2, "factor": 1.0}),
    ("dream", {"steps": 4, "alg": "entropy"}), ("dream", {"steps": 4, "alg": "origin"}),
    ("dream", {"steps": 4, "alg": "maskgit_plus", "alg_temp": 0.5, "top_p": 0.9}),
    ("dream", {"steps": 4, "alg": "topk_margin", "top_k": 2, "temperature": 0.5}),
    ("dream", {"steps": 3, "eps": 0.4, "alg": "maskgit_plus", "temperature": 1.0}),  # float32 counts: 0, 1, 3
    ("fast_dllm", {"threshold": 0.7, "variant": "paper", "temperature": 1.0, "steps_per_block": 2}),
]

DRAWS = 4000


def _chains():
    """Small chains: ties everywhere (a cycle), a lazy path, a point start, a star (zeros), and two
    without symmetries (where the rules part ways): one with zeros and an impossible start value,
    one dense."""
    yield random_walk("cycle:4", 4)
    yield random_walk("path:3", 4, lazy=0.5)
    yield random_walk("grid:2x2", 4, start="vertex:0")
    yield random_walk("star:3", 4)
    yield MarkovChain(np.array([[0.0, 0.5, 0.5], [0.3, 0.0, 0.7], [0.5, 0.5, 0.0]]), [0.5, 0.5, 0.0], 4)
    yield MarkovChain(np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7]]), [0.2, 0.3, 0.5], 4)


@pytest.mark.parametrize("name, params", SAMPLERS)
def test_walk_kernel_law_equals_the_recursive_reference(name, params):
    """On each small chain the kernel's samples pass a chi-square test against the reference law,
    never leave its support, and the mean number of calls agrees with the reference's."""
    sampler = make_sampler(name, **params)
    for a, chain in enumerate(_chains()):
        nu, steps, _ = ref_run(chain.joint(), sampler)
        assert nu.sum() == pytest.approx(1.0, abs=1e-12)
        x, calls = sample_walks(chain, sampler, DRAWS, seed=a)
        counts = np.zeros(nu.shape)
        np.add.at(counts, tuple(x.T), 1.0)
        assert counts[nu <= 0].sum() == 0, (a, "a sample outside the support of the reference law")
        assert _chi_square_pvalue(counts[nu > 0], DRAWS * nu[nu > 0]) > 1e-6, (a, name, params)
        mean_calls = sum(t * p for t, p in steps.items())
        sd = calls.std() / np.sqrt(DRAWS) + 1e-9
        assert abs(calls.mean() - mean_calls) <= 5 * sd + 1e-9, (a, name, params)


LONG = [("entropy", {}), ("confidence", {"steps": 7}), ("eb", {"gamma": 0.5}), ("threshold", {"tau": 0.3}),
        ("punt_pairwise", {"delta": 0.1}), ("margin", {})]


# punt_pairwise at n = 30 only: its reference computes O(n^2) bridge informations a step in Python
# (a minute of CPU: slow, CI only; make test skips slow tests unless CI=true)
@pytest.mark.parametrize("n, name, params", [pytest.param(n, a, p, marks=pytest.mark.slow) if a == "punt_pairwise" else (n, a, p)
                                             for n in (30, 90) for a, p in LONG if (n, a) != (90, "punt_pairwise")])
def test_walk_kernel_long_gaps_against_the_numpy_reference(n, name, params):
    """Long walks (gaps of dozens of positions): validity, the fraction of valid transitions and the
    mean number of calls of the kernel agree with the numpy reference sampler within sampling error
    (different random streams), and both start at the start law."""
    chain = random_walk("cycle:16", n, start="vertex:0")
    sampler = make_sampler(name, **params)
    xa, ca = sample_walks(chain, sampler, 2000, seed=1)
    xb, cb = reference_sample_walks(chain, sampler, 150 if n == 30 else 40, seed=2)
    a, b = walk_metrics(chain, xa, ca), walk_metrics(chain, xb, cb)
    assert np.all(xa[:, 0] == 0) and np.all(xb[:, 0] == 0)  # the point start
    se = np.sqrt(0.25 / len(xa) + 0.25 / len(xb))
    assert abs(a["validity"] - b["validity"]) <= 4 * se
    assert abs(a["valid_transition_fraction"] - b["valid_transition_fraction"]) <= 4 * se
    sd = np.sqrt(ca.var() / len(ca) + cb.var() / len(cb)) + 1e-9
    assert abs(ca.mean() - cb.mean()) <= 5 * sd + 1e-9
