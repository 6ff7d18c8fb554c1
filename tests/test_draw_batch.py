"""The lockstep estimator's batched step (:func:`mdmtheory.batch_step.draw_batch`) against
its definition, :meth:`Sampler.draw` run by run: the same set, the same candidates, the same
number of calls, and each run's generator left in the same state (so every later draw of the run
agrees too), for every rule that needs only the marginals, on unequal alphabets with zeros and
ties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory.errors import InputError
from mdmtheory.samplers import SamplerState, make_sampler
from mdmtheory.batch_step import draw_batch

CONFIGS = [
    ("random", {"steps": 2}), ("left_to_right", {"steps": 2}), ("confidence", {"steps": 2}), ("margin", {"steps": 3}),
    ("entropy", {"steps": 2}), ("threshold", {"tau": 0.6}), ("eb", {"gamma": 0.3}),
    ("eb", {"gamma": 0.3, "temperature": 0.5, "entropy_of": "tempered"}), ("eb", {"gamma": 0.3, "temperature": 2.0}),
    ("bisection", {}), ("centroid", {}), ("entropy_sum", {"eps": 0.4}), ("entropy_sum", {"eps": 0.4, "crossing": "exclude"}),
    ("llada", {"steps": 2}), ("llada", {"steps": 3, "temperature": 1.0}), ("llada", {"steps": 2, "temperature": 0.7}),
    ("llada", {"steps": 2, "temperature": 0.7, "confidence_noise": True}),
    ("llada", {"steps": 2, "temperature": 1.0, "remasking": "random"}),
    ("fast_dllm", {}), ("fast_dllm", {"temperature": 1.0, "threshold": 0.5}), ("fast_dllm", {"temperature": 1.0, "factor": 1.0}),
    ("fast_dllm", {"temperature": 1.0, "variant": "paper", "steps_per_block": 2}),
    ("dream", {"steps": 2}), ("dream", {"steps": 2, "temperature": 1.0}),
    ("dream", {"steps": 2, "alg": "maskgit_plus", "temperature": 1.0, "alg_temp": 0.5}),
    ("dream", {"steps": 3, "alg": "topk_margin", "temperature": 0.8, "top_p": 0.7}),
    ("dream", {"steps": 2, "alg": "entropy", "temperature": 1.0, "top_k": 2}),
    ("frechet_profile", {}), ("frechet_profile", {"temperature": 1.0, "margin": 0.1}),
]


def _case(seed: int, n: int, B: int):
    """Unequal alphabets, marginals with zeros and ties (multiples of 1/4 half the time), random
    revealed sets (one run with nothing masked), random step indices."""
    rng = np.random.default_rng(seed)
    q = rng.integers(1, 4, size=n)
    q[rng.integers(n)] = 3
    width = int(q.max())
    P = np.zeros((B, n, width))
    for b in range(B):
        for i in range(n):
            w = rng.integers(0, 3, size=q[i]).astype(float) if rng.random() < 0.5 else rng.random(q[i]) * (rng.random(q[i]) < 0.8)
            if w.sum() == 0:
                w[rng.integers(q[i])] = 1.0
            P[b, i, :q[i]] = w / w.sum()
    masks = rng.random((B, n)) < 0.4
    masks[0] = False
    if B > 2:
        masks[B - 1] = True  # nothing left to unmask
    return P, masks, rng.integers(0, 3, size=B), q


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 7), B=st.integers(1, 6), which=st.sampled_from(range(len(CONFIGS))))
def test_draw_batch_is_draw_run_by_run(seed, n, B, which):
    name, prm = CONFIGS[which]
    s = make_sampler(name, **prm)
    try:
        s.kernel_args(n)
    except InputError:  # parameters that do not fit this n (a schedule of more steps than positions, ...)
        return
    P, masks, ts, q = _case(seed, n, B)
    point_mass = s.path_kind() == "point_mass"
    for pm in {False, point_mass}:
        rngs = [np.random.default_rng([seed, b]) for b in range(B)]
        sel, values, calls = draw_batch(s, P, masks, ts, rngs, q, point_mass=pm)
        for b in range(B):
            ref = np.random.default_rng([seed, b])
            vals = np.where(masks[b], 0, -1)
            S, cand, _, c = s.draw(SamplerState(n, masks[b], vals, P[b], step=int(ts[b]), q=tuple(q)), ref, point_mass=pm)
            assert np.flatnonzero(sel[b]).tolist() == S.tolist(), (name, prm, b)
            assert calls[b] == c
            if masks[b].all():  # nothing to unmask: an empty set, no call
                assert S.size == 0 and c == 0 and cand is None
            elif cand is None:
                assert values is None
            else:
                assert values[b, S].tolist() == cand.tolist()
            assert rngs[b].bit_generator.state == ref.bit_generator.state  # the same draws taken from the stream
            assert not np.any(sel[b] & masks[b])


def test_draw_batch_refuses_what_it_cannot_step():
    P = np.full((2, 3, 2), 0.5)
    masks = np.zeros((2, 3), dtype=bool)
    with pytest.raises(InputError, match="Sampler.draw"):
        draw_batch(make_sampler("punt"), P, masks, [0, 0], [np.random.default_rng(0)] * 2)
    with pytest.raises(InputError, match="one generator a run"):
        draw_batch(make_sampler("llada", steps=3, temperature=1.0), P, masks, [0, 0])
    with pytest.raises(InputError, match="one generator a run"):
        draw_batch(make_sampler("random", steps=3), P, masks, [0, 0], [np.random.default_rng(0)])
    with pytest.raises(InputError, match=r"\(B, n, width\)"):
        draw_batch(make_sampler("entropy", steps=3), P, masks[:1], [0, 0])
    for q, steps in (([2, 3, 2], [0, 0]), ([2, 2], [0, 0]), ([0, 2, 2], [0, 0]), ([2, 2, 2], [0, -1])):
        with pytest.raises(InputError, match="q of shape"):
            draw_batch(make_sampler("entropy", steps=3), P, masks, steps, q=q)


@pytest.mark.parametrize("sampler", [make_sampler("llada", steps=4, temperature=1.0, confidence_noise=True),
                                     make_sampler("dream", steps=3, alg="maskgit_plus", temperature=1.0, alg_temp=0.5),
                                     make_sampler("punt_pairwise", delta=0.05), make_sampler("punt", eps=0.1)])
def test_estimates_do_not_depend_on_the_batch_size(sampler):
    """The batched step and the rules stepped run by run: batch sizes 1, 4 and 256 give the same
    numbers (one stream a run)."""
    hmm = m.block_hmm(2, 2, 8)
    res = [m.estimate_sampler_divergences(hmm, sampler, samples=12, seed=7, batch_size=b).to_dict() for b in (1, 4, 256)]
    for r in res[1:]:
        for k in ("kl", "reverse_kl", "tv", "expected_calls", "support"):
            assert r[k] == pytest.approx(res[0][k], rel=1e-12, abs=1e-12) if res[0][k] is not None else r[k] is None


def _enumerable(which: int) -> bool:
    s = make_sampler(*CONFIGS[which][:1], **CONFIGS[which][1])
    return s.rule.continuous is None or not s.rule.continuous(s.params)


@pytest.mark.parametrize("which", [w for w in range(len(CONFIGS)) if _enumerable(w)])
def test_the_drawn_step_follows_the_enumerated_law(which):
    """The drawn step (``draw_batch``, hence ``Sampler.draw``: the same pieces) against the law
    :meth:`Sampler.transitions` enumerates with ``candidate_law`` (not the uniforms of
    ``draw_candidate``): 6,000 runs from one state with unequal alphabets, a zero and a tie;
    every drawn outcome (set, candidates) is in the law's support and every frequency is within
    5 standard errors of its probability.  LLaDA's Gumbel-noised confidence has no enumerated
    law (its own closed-form test is tests/test_llada_confidence_noise.py)."""
    name, params = CONFIGS[which]
    s = make_sampler(name, **params)
    q = np.array([3, 2, 3, 1, 2])
    P = np.array([[0.5, 0.3, 0.2], [0.5, 0.5, 0.0], [0.0, 0.7, 0.3], [1.0, 0.0, 0.0], [0.9, 0.1, 0.0]])
    mask = np.array([False, False, False, False, True])
    vals = np.array([-1, -1, -1, -1, 0])
    law = {}
    for p, S, v in s.transitions(SamplerState(5, mask, vals, P, step=1, q=tuple(q))):
        key = (tuple(S), tuple(v) if v is not None and s.rule.candidates else None)
        law[key] = law.get(key, 0.0) + p
    B = 6000
    rngs = np.random.default_rng(which).spawn(B)
    sel, cand, _ = draw_batch(s, np.repeat(P[None], B, axis=0), np.repeat(mask[None], B, axis=0), np.ones(B, np.int64),
                              rngs, q)
    got = {}
    for b in range(B):
        S = tuple(int(i) for i in np.flatnonzero(sel[b]))
        key = (S, tuple(int(cand[b, i]) for i in S) if cand is not None else None)
        got[key] = got.get(key, 0) + 1
    assert set(got) <= {k for k, p in law.items() if p > 0}, (set(got) - set(law))
    for k, p in law.items():
        se = max(np.sqrt(p * (1 - p) / B), 1e-12)
        assert abs(got.get(k, 0) / B - p) <= 5 * se + 1e-12, (k, got.get(k, 0) / B, p)
