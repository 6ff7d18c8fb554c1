"""Fast-dLLM: the published code against the paper's Algorithm 1 (``variant``), and the boundary
between the published factor rule and Frechet profile decoding (issue 18).

The paper's Algorithm 1 (arXiv:2505.22618; ``paper/fast_dllm.pdf`` of NVlabs/Fast-dLLM) scores a
masked position by ``c_i = max_x p_i(x)`` and runs at most ``T`` calls per block; the published
``get_transfer_index`` scores the drawn candidate's probability and has no cap.  Each engine is
compared with the plain-Python reference of ``tests/rules_reference.py`` (``ref_run``).
"""

from __future__ import annotations

import numpy as np
import pytest

import mdmtheory as m
from mdmtheory import InputError
from mdmtheory.samplers import SamplerState, make_sampler

from .rules_reference import reference_law
from .test_evaluate import ref_run


def _committed(sampler, rows):
    n = len(rows)
    P = np.array(rows, dtype=float)
    st = SamplerState(n, np.zeros(n, dtype=bool), np.full(n, -1), P, q=(P.shape[1],) * n)
    law = sampler.transitions(st)
    assert len(law) == 1 and law[0][0] == pytest.approx(1.0)
    return law[0][1]


def test_factor_accepts_at_equality_frechet_is_strict():
    """11 positions at confidence 0.9 (T = 0: every candidate has p = 0.9).  By hand: the published
    factor loop accepts rank a (0-based) while 0.9 >= 1 - 1/(a + 2), i.e. a <= 8 (a = 8: 0.9 >= 0.9,
    equality), stops at a = 9, takes top_i = 9.  Frechet accepts n while (n + 1)(1 - 0.9) < 1: n = 8
    (0.9 < 1), not n = 9 (1.0 < 1 fails: strict).  So factor = 1 commits 9 and margin = 0 commits 8."""
    rows = [[0.9, 0.1]] * 11
    assert len(_committed(make_sampler("fast_dllm", factor=1.0), rows)) == 9
    assert len(_committed(make_sampler("frechet_profile", margin=0.0), rows)) == 8
    # off the boundary they agree: at 0.89 both stop below (n + 1)(0.11) < 1, n <= 8
    rows = [[0.89, 0.11]] * 11
    assert len(_committed(make_sampler("fast_dllm", factor=1.0), rows)) == len(
        _committed(make_sampler("frechet_profile", margin=0.0), rows)) == 8


def test_paper_scores_max_p_the_code_the_candidate():
    """A position with marginal (0.6, 0.4) at T = 1 and threshold 0.5: the code keeps it beside the
    top one only when its candidate is the 0.6 value; the paper keeps it whatever was drawn."""
    rows = [[1.0, 0.0], [0.6, 0.4]]
    n, P = 2, np.array(rows)
    st = SamplerState(n, np.zeros(n, dtype=bool), np.full(n, -1), P, q=(2, 2))
    for variant, want in (("code", {(0, 1): 0.6, (0,): 0.4}), ("paper", {(0, 1): 1.0})):
        s = make_sampler("fast_dllm", threshold=0.5, temperature=1.0, variant=variant)
        got: dict = {}
        for p, S, _ in s.transitions(st):
            got[S] = got.get(S, 0.0) + p
        assert got == pytest.approx(want)
        ref: dict = {}
        for p, S, _ in reference_law("fast_dllm", s.params, n, (2, 2), np.zeros(n, bool), P, 0):
            ref[S] = ref.get(S, 0.0) + p
        assert ref == pytest.approx(want)


@pytest.mark.parametrize("params", [
    {"variant": "paper", "threshold": 0.9, "temperature": 1.0},
    {"variant": "paper", "threshold": 0.95, "temperature": 0.0, "steps_per_block": 2},
    {"variant": "paper", "threshold": 1.0, "temperature": 1.0, "steps_per_block": 1},
    {"variant": "paper", "threshold": 0.7, "temperature": 0.5, "block_length": 2, "steps_per_block": 2},
])
def test_paper_variant_exact_law_equals_the_reference(params):
    for seed in range(3):
        J = m.random_joint(4, [2, 3, 2, 2], alpha=0.5, seed=seed)
        s = make_sampler("fast_dllm", **params)
        r = m.evaluate(J, s)
        nu, steps, _ = ref_run(J, s)
        assert np.allclose(r.law.table, nu, atol=1e-12)
        assert {x["steps"]: pytest.approx(x["probability"]) for x in r.steps_distribution} == steps
        cap = params.get("steps_per_block")
        if cap is not None and params.get("block_length") is None:
            assert r.max_steps <= cap


def test_cap_one_is_one_call():
    """steps_per_block = 1 on one block, T = 1: the first call unmasks everything from the
    marginals (the product law: KL = TC)."""
    J = m.random_joint(4, 2, seed=4)
    r = m.evaluate(J, make_sampler("fast_dllm", variant="paper", steps_per_block=1, temperature=1.0))
    assert r.max_steps == 1 and r.kl == pytest.approx(m.total_correlation(J), abs=1e-12)


def test_bad_combinations():
    with pytest.raises(InputError, match="variant='paper'"):
        make_sampler("fast_dllm", steps_per_block=2)
    with pytest.raises(InputError, match="no factor"):
        make_sampler("fast_dllm", variant="paper", factor=1.0)
    with pytest.raises(InputError, match="depend on the path"):
        m.evaluate(m.random_joint(4, 2, seed=0), make_sampler("fast_dllm", variant="paper", block_length=2,
                                                             steps_per_block=1))
