"""The walk kernel's outputs are frozen: samples, call counts and ``log nu`` bit for bit.

``tests/data/walk_kernel_golden.json`` holds SHA-256 digests of what ``simulate_walks`` returned
on ``main`` before the incremental-reveal rewrite (issue 11), for every walk sampler on several
chains (ties, zeros, a lazy chain, a periodic grid, unequal step sizes), seeds and the forced
mode (the rule's path replayed on chain samples).  Any change of a single drawn value, call
count or bit of ``log nu`` fails here.  Regenerate only for an intended change of results:
``python tests/test_walk_kernel_golden.py`` (and say so in the commit).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from mdmtheory import make_sampler, random_walk
from mdmtheory.walks import _run_walks

GOLDEN = Path(__file__).parent / "data" / "walk_kernel_golden.json"

SAMPLERS = [
    ("left_to_right", {"steps": 3}), ("random", {"steps": 4}), ("confidence", {}), ("confidence", {"steps": 3}),
    ("margin", {"steps": 4}), ("entropy", {}), ("entropy", {"steps": 5}), ("threshold", {"tau": 0.6}),
    ("eb", {"gamma": 0.3}), ("eb", {"gamma": 0.05, "proxy": "confidence"}), ("eb", {"gamma": 0.2, "proxy": "margin"}),
    ("punt_pairwise", {"delta": 0.05}), ("bisection", {}), ("llada", {"steps": 16, "block_length": 4}),
    ("llada", {"steps": 16, "block_length": 4, "remasking": "random", "temperature": 0.7}),
    ("fast_dllm", {"block_length": 4, "threshold": 0.7}), ("fast_dllm", {"block_length": 4, "factor": 1.0}),
    ("dream", {"steps": 4, "alg": "entropy"}), ("dream", {"steps": 4, "alg": "origin"}),
    ("dream", {"steps": 4, "alg": "maskgit_plus", "alg_temp": 0.5, "top_p": 0.9}),
    ("dream", {"steps": 4, "alg": "topk_margin", "top_k": 2, "temperature": 0.5}),
]

CHAINS = [
    ("cycle:5", 16, {}), ("path:4", 16, {"lazy": 0.5}), ("grid:3x3", 16, {"start": "vertex:0"}),
    ("star:4", 16, {}), ("grid:8x8", 64, {}),
]

SEEDS = (0, 7)
WALKS = 6


def _digest(chain, sampler, seed: int, forced: bool) -> str:
    x_forced = chain.sample(WALKS, seed=seed + 100) if forced else None
    xs, calls, lognu, _ = _run_walks(chain, sampler, WALKS, seed, None, forced=x_forced)
    h = hashlib.sha256()
    for a in (np.ascontiguousarray(xs, dtype=np.int64), np.ascontiguousarray(calls, dtype=np.int64),
              np.ascontiguousarray(lognu, dtype=np.float64)):
        h.update(a.tobytes())
    return h.hexdigest()


def _cases():
    for spec, n, kw in CHAINS:
        for name, params in SAMPLERS:
            for seed in SEEDS:
                for forced in (False, True):
                    yield f"{spec}/{n}/{sorted(kw.items())}/{name}/{sorted(params.items())}/{seed}/{forced}", (spec, n, kw, name, params, seed, forced)


def _compute(case) -> str:
    spec, n, kw, name, params, seed, forced = case
    return _digest(random_walk(spec, n, **kw), make_sampler(name, **params), seed, forced)


def test_kernel_outputs_bit_for_bit_as_before():
    golden = json.loads(GOLDEN.read_text())
    cases = dict(_cases())
    assert set(cases) <= set(golden)  # the fixture covers every case
    bad = [key for key, case in cases.items() if _compute(case) != golden[key]]
    assert not bad, f"{len(bad)} of {len(cases)} kernel outputs changed, e.g. {bad[:3]}"


@pytest.mark.parametrize("n", [30, 90])
def test_kernel_large_gaps_bit_for_bit(n):
    """Longer walks (gaps of dozens of positions) for the rules that rank every masked position."""
    golden = json.loads(GOLDEN.read_text())
    for name, params in [("entropy", {}), ("confidence", {"steps": 7}), ("eb", {"gamma": 0.5}),
                         ("threshold", {"tau": 0.3}), ("punt_pairwise", {"delta": 0.1}), ("margin", {})]:
        key = f"large/{n}/{name}/{sorted(params.items())}"
        got = _digest(random_walk("cycle:16", n), make_sampler(name, **params), 3, False)
        assert got == golden[key], key


def _regenerate() -> None:
    out = {key: _compute(case) for key, case in _cases()}
    for n in (30, 90):
        for name, params in [("entropy", {}), ("confidence", {"steps": 7}), ("eb", {"gamma": 0.5}),
                             ("threshold", {"tau": 0.3}), ("punt_pairwise", {"delta": 0.1}), ("margin", {})]:
            out[f"large/{n}/{name}/{sorted(params.items())}"] = _digest(random_walk("cycle:16", n),
                                                                        make_sampler(name, **params), 3, False)
    GOLDEN.write_text(json.dumps(out, indent=0, sort_keys=True) + "\n")


if __name__ == "__main__":
    _regenerate()
