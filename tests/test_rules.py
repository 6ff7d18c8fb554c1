"""The one rule layer (``mdmtheory/_kernels/rules.py``): ``Sampler.transitions`` against the
plain-Python references of ``tests/rules_reference.py`` on random states, the candidate
samplers' exact laws against brute force, closed forms, and the constants passed as arguments."""

from __future__ import annotations

import ast
import inspect
from math import comb

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import rel_entr

import mdmtheory as m
from mdmtheory import InputError
from mdmtheory._kernels import rules as R
from mdmtheory.evaluate import evaluate
from mdmtheory.samplers import KEY_DECIMALS, RULES, SAMPLER_NAMES, TOL, SamplerState, llada_sizes, make_sampler

from .conftest import tables
from .rules_reference import llada_counts, reference_law
from .test_evaluate import SMALL, ref_run, samplers_for


@st.composite
def states(draw):
    """A random state: n <= 5 positions, unequal alphabets, marginals with zeros and exact ties."""
    n = draw(st.integers(1, 5))
    q = [draw(st.integers(1 if n > 1 else 2, 3)) for _ in range(n)]
    qmax = max(q)
    revealed = np.array([draw(st.booleans()) for _ in range(n)])
    if revealed.all():
        revealed[draw(st.integers(0, n - 1))] = False
    P = np.zeros((n, qmax))
    pool = [0.0, 0.1, 0.25, 0.5, 1.0, 2.0]  # small pool: ties between rows and values are common
    for i in range(n):
        if revealed[i]:
            continue
        w = np.array([draw(st.sampled_from(pool)) for _ in range(q[i])])
        if w.sum() == 0:
            w[draw(st.integers(0, q[i] - 1))] = 1.0
        P[i, : q[i]] = w / w.sum()
    values = np.where(revealed, 0, -1)
    mi_vals = {(i, j): draw(st.sampled_from([0.0, 0.005, 0.5])) for i in range(n) for j in range(i + 1, n)}
    pair_mi = lambda i, j: mi_vals[(min(i, j), max(i, j))]  # noqa: E731
    return n, q, revealed, values, P, pair_mi


def _as_law(rows):
    out = {}
    for p, S, v in rows:
        k = (tuple(S), None if v is None else tuple(int(x) for x in v))
        out[k] = out.get(k, 0.0) + p
    return out


def _assert_same_law(got, want):
    got, want = _as_law(got), _as_law(want)
    keys = {k for k, p in got.items() if p > 1e-15} | {k for k, p in want.items() if p > 1e-15}
    for k in keys:
        assert got.get(k, 0.0) == pytest.approx(want.get(k, 0.0), rel=1e-9, abs=1e-13), k


@settings(max_examples=300)
@given(data=st.data(), state=states())
def test_transitions_match_reference_on_random_states(data, state):
    """Sampler.transitions (the kernel rule) equals the plain-Python reference, state by state, for
    every rule, step and parameter draw (ties, zeros, unequal alphabets)."""
    n, q, revealed, values, P, pair_mi = state
    sampler = data.draw(samplers_for(n))
    m_ = int((~revealed).sum())
    sizes = sampler.sizes(n)
    if sampler.name == "llada":  # a state the sampler can meet: steps of the current block
        k = sampler.params["steps"]
        step = data.draw(st.integers(0, k - 1))
    elif sampler.name == "dream":
        step = data.draw(st.integers(0, sampler.params["steps"] - 1))
    else:
        step = data.draw(st.integers(0, (len(sizes) if sizes else n) + 1))
    st_ = SamplerState(n, revealed, values, P, step, pair_mi, q=tuple(q))
    if sampler.name == "llada":
        L = sampler.params["block_length"] or n
        block = step // (sampler.params["steps"] // (n // L))
        if not any(not revealed[i] for i in range(block * L, (block + 1) * L)) and m_:
            return  # unreachable: a block is finished only after its steps
    want = reference_law(sampler.name, sampler.params, n, q, revealed, P, step, pair_mi)
    _assert_same_law(sampler.transitions(st_), want)
    assert sum(p for p, _, _ in sampler.transitions(st_)) == pytest.approx(1.0, abs=1e-12)


CANDIDATE = ("llada", "fast_dllm", "dream")


@settings(max_examples=150)
@given(data=st.data(), joint=tables(**SMALL))
def test_candidate_samplers_law_cell_by_cell(data, joint):
    """llada, fast_dllm, dream: the exact output law equals the brute-force enumeration of every
    candidate vector (and every random position draw) cell by cell, with the law of calls."""
    sampler = data.draw(samplers_for(joint.n, CANDIDATE))
    got = evaluate(joint, sampler)
    nu, steps, _ = ref_run(joint, sampler)
    assert np.allclose(got.law.table, nu, rtol=1e-9, atol=1e-13)
    table = {r["steps"]: r["probability"] for r in got.steps_distribution}
    assert set(table) == {t for t, p in steps.items() if p > 1e-15}
    for t, p in steps.items():
        assert table.get(t, 0.0) == pytest.approx(p, rel=1e-9, abs=1e-15)
    assert got.kl == pytest.approx(max(float(np.sum(rel_entr(joint.table, nu))), 0.0), rel=1e-9, abs=1e-12)
    assert got.tv == pytest.approx(0.5 * float(np.abs(joint.table - nu).sum()), abs=1e-12)
    assert got.dependence_error is None and "dependence_error" not in got.to_dict()


STRUCTURED = {
    "copy": lambda: m.copy(4, 2),
    "parity": lambda: m.parity(4),
    "ising": lambda: m.ising_chain(4, J=0.7, h=0.0),
    "uniform": lambda: m.Joint(np.ones((3, 3, 2, 2)), normalize=True),
}


@pytest.mark.parametrize("family", sorted(STRUCTURED))
def test_candidate_samplers_on_tied_tables(family):
    """Symmetric tables (exact ties everywhere) agree with the reference for the candidate rules."""
    J = STRUCTURED[family]()
    samplers = [
        make_sampler("llada", steps=4, block_length=2, temperature=1.0),
        make_sampler("llada", steps=2, temperature=0.0),
        make_sampler("llada", steps=2, remasking="random", temperature=0.5),
        make_sampler("fast_dllm", threshold=0.6, temperature=1.0),
        make_sampler("fast_dllm", factor=1.0, temperature=1.0, block_length=J.n // 2 if J.n % 2 == 0 else None),
        make_sampler("dream", steps=3, alg="maskgit_plus", temperature=0.7, top_p=0.9),
        make_sampler("dream", steps=2, alg="entropy", temperature=1.0, alg_temp=0.5),
        make_sampler("dream", steps=3, alg="origin", temperature=1.0, top_k=1),
        make_sampler("dream", steps=2, alg="topk_margin", temperature=2.0),
    ]
    for s in samplers:
        got = evaluate(J, s)
        nu, steps, _ = ref_run(J, s)
        assert np.allclose(got.law.table, nu, rtol=1e-9, atol=1e-13), s


def test_llada_closed_form_two_independent_positions():
    """llada(T=1, one per step) on independent p0 = (3/4, 1/4), p1 = (1/2, 1/2): position 0 goes
    first iff its candidate is 0 (3/4 >= 1/2); then nu(0, .) = 3/4 * 1/2 + 1/8 * 3/4 and
    nu(1, .) = 1/8 * 1/4 (hand computation): low-confidence remasking sharpens even a product law."""
    J = m.Joint(np.outer([0.75, 0.25], [0.5, 0.5]))
    r = evaluate(J, make_sampler("llada", steps=2, temperature=1.0))
    want = np.array([[0.46875, 0.46875], [0.03125, 0.03125]])
    assert np.allclose(r.law.table, want, atol=1e-15)
    assert r.kl > 0.05 and r.max_steps == 2


@settings(max_examples=30)
@given(data=st.data(), joint=tables(**SMALL))
def test_llada_random_remasking_is_the_random_sampler(data, joint):
    """remasking=random at temperature 1 with one block: a uniform k-subset unmasked with draws from
    the marginals, the law of the random-order sampler with LLaDA's step sizes (one at a time:
    exact)."""
    n = joint.n
    k = data.draw(st.integers(1, n))
    a = evaluate(joint, make_sampler("llada", steps=k, temperature=1.0, remasking="random"))
    b = evaluate(joint, make_sampler("random", schedule=list(llada_sizes(n, k, None))))
    assert np.allclose(a.law.table, b.law.table, atol=1e-12)
    if k == n:
        assert a.kl == pytest.approx(0.0, abs=1e-11)


@pytest.mark.parametrize("n,q", [(3, 2), (4, 3)])
def test_greedy_candidates_on_copy(n, q):
    """Temperature 0 on copy(n, q): every candidate is the argmax 0 of a uniform marginal, so the
    output is all zeros: TV = 1 - 1/q and KL(mu || nu) = inf, for llada, fast_dllm and dream."""
    J = m.copy(n, q)
    for s in (make_sampler("llada", steps=n), make_sampler("fast_dllm"), make_sampler("dream", steps=2, alg="maskgit_plus")):
        r = evaluate(J, s)
        assert r.tv == pytest.approx(1 - 1 / q, abs=1e-12) and r.kl == np.inf, s


def test_fast_dllm_threshold_one_unmasks_one_at_a_time_unless_certain():
    """threshold 1 at temperature 1: only the top candidate (or certain ones): exact on a product
    of uniform marginals is not required, but on copy(n, 2) the first call unmasks one position
    and the rest are then certain: KL 0 in n calls at most."""
    r = evaluate(m.copy(4, 2), make_sampler("fast_dllm", threshold=1.0, temperature=1.0))
    assert r.kl == pytest.approx(0.0, abs=1e-12) and r.max_steps == 2


def test_dream_origin_last_step_and_counts():
    """Dream's schedule: int(m (1 - s/t)) with t on linspace(1, eps, steps + 1), all at the last step."""
    assert [R.dream_count(10, i, 4, 1e-3) for i in range(4)] == [
        int(10 * (1 - (1 + (i + 1) * (1e-3 - 1) / 4) / (1 + i * (1e-3 - 1) / 4))) if i < 3 else 10 for i in range(4)
    ]
    r = evaluate(m.random_joint(3, 2, seed=1), make_sampler("dream", steps=3, alg="origin", temperature=1.0))
    assert r.max_steps == 3 and sum(x["probability"] for x in r.steps_distribution) == pytest.approx(1.0)


def test_llada_makes_all_its_calls():
    """LLaDA's generate calls the model steps times even after the last position is unmasked
    (a block shorter than its steps): n = 4, steps = 6 unmask 1, 1, 1, 1, 0, 0."""
    r = evaluate(m.random_joint(4, 2, seed=2), make_sampler("llada", steps=6, temperature=1.0))
    assert r.max_steps == 6 and r.expected_steps == 6.0
    x, calls = m.walks.sample_walks(m.random_walk("cycle:3", 4), make_sampler("llada", steps=6), 5, seed=0)
    assert calls.tolist() == [6] * 5


def test_llada_sizes_follow_get_num_transfer_tokens():
    """Per block base + remainder first; zeros when a block has fewer positions than steps."""
    for n, steps, L in [(6, 4, 3), (8, 4, 4), (4, 6, None), (12, 6, 4), (5, 2, None)]:
        assert list(llada_sizes(n, steps, L)) == llada_counts(n, steps, L or n)
    with pytest.raises(InputError, match="must divide"):
        llada_sizes(5, 2, 2)
    with pytest.raises(InputError, match="multiple"):
        llada_sizes(4, 3, 2)
    with pytest.raises(InputError, match="must divide"):
        evaluate(m.random_joint(3, 2, seed=0), make_sampler("llada", block_length=2))


def test_rules_module_is_a_leaf():
    """rules.py imports nothing from the library (only numpy, numba and the kernel layer's own
    fixed codes, which import nothing at all)."""
    from mdmtheory._kernels import codes

    assert not [n for n in ast.walk(ast.parse(inspect.getsource(codes))) if isinstance(n, (ast.Import, ast.ImportFrom))]
    tree = ast.parse(inspect.getsource(R))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                assert node.module == "codes", node.module
                continue
            assert node.level == 0 and node.module.split(".")[0] in ("__future__", "numpy", "numba"), node.module
        elif isinstance(node, ast.Import):
            assert all(a.name.split(".")[0] in ("numpy", "numba") for a in node.names)
    for mod in ("evaluate", "markov"):
        src = inspect.getsource(__import__(f"mdmtheory._kernels.{mod}", fromlist=["x"]))
        assert "from ..samplers" not in src and "SAMPLER_NAMES" not in src


def test_tolerance_and_key_scale_are_arguments():
    """The kernel rule reads tol and keyscale from its arguments (a cached kernel never freezes
    them): the same state answers differently under two tolerances."""
    n = 3
    pos = np.arange(n, dtype=np.int64)
    conf = np.array([0.9 - 5e-13, 0.5, 0.95])
    z = np.zeros(n)
    args = (R.THRESH, np.zeros(0, np.int64), np.array([0.9]), 0, np.zeros(0, np.int64), n, pos, conf, z, z, z)
    scratch = lambda: (np.zeros(n), np.zeros(n, np.int64), np.zeros(n))  # noqa: E731
    key, chosen, w = scratch()
    kind, k, e = R.select(*args, 1e-12, 1e12, key, chosen, w)
    assert sorted(chosen[:k]) == [0, 2]
    kind, k, e = R.select(*args, 0.0, 1e12, key, chosen, w)
    assert sorted(chosen[:k]) == [2]
    # keyscale: 0.5 and 0.5 + 1e-13 tie at 12 decimals (lower position wins), not at 14
    conf2 = np.array([0.5, 0.5 + 1e-13, 0.1])
    a2 = (R.CONF, np.zeros(1, np.int64), np.zeros(0), 0, np.array([1, 2], np.int64), n, pos, conf2, z, z, z)
    kind, k, e = R.select(*a2, TOL, 10.0**KEY_DECIMALS, key, chosen, w)
    assert list(chosen[:k]) == [0]
    kind, k, e = R.select(*a2, TOL, 1e14, key, chosen, w)
    assert list(chosen[:k]) == [1]


def test_python_and_kernels_agree_at_the_threshold_slack():
    """A confidence TOL/2 below tau counts as reaching it in Sampler.select, the exact evaluator and
    the walk engine alike (one definition of the slack, passed to every kernel)."""
    tau = 0.75
    p = tau - TOL / 2
    J = m.Joint(np.outer([p, 1 - p], [0.5, 0.5]))
    s = make_sampler("threshold", tau=tau)
    st_ = SamplerState(2, np.zeros(2, bool), np.full(2, -1), np.array([[p, 1 - p], [0.5, 0.5]]))
    assert s.select(st_) == [(1.0, (0,))]
    r = evaluate(J, s)
    assert r.max_steps == 2 and r.expected_steps == pytest.approx(2.0)


def test_registry_entries_are_complete():
    """Every rule: a code, typed parameters with defaults that build, a source, a docs line."""
    assert list(RULES) == list(SAMPLER_NAMES)
    codes = [r.code for r in RULES.values()]
    assert len(set(codes)) == len(codes)
    for r in RULES.values():
        assert r.source and r.doc and r.calls
        d = r.to_dict()
        assert [p["name"] for p in d["params"]] == [p.name for p in r.params]
        make_sampler(r.name)


def test_bad_parameters_raise_input_error():
    """Out-of-range or mistyped parameters of the new rules: InputError naming the parameter."""
    with pytest.raises(InputError, match="remasking must be one of"):
        make_sampler("llada", remasking="high")
    with pytest.raises(InputError, match="temperature"):
        make_sampler("llada", temperature=-1.0)
    with pytest.raises(InputError, match="not both"):
        make_sampler("fast_dllm", threshold=0.5, factor=1.0)
    with pytest.raises(InputError, match="alg must be one of"):
        make_sampler("dream", alg="greedy")
    with pytest.raises(InputError, match="top_p"):
        make_sampler("dream", top_p=0.0)
    with pytest.raises(InputError, match="top_k must be a positive integer"):
        make_sampler("dream", top_k=0)
    with pytest.raises(InputError, match="joint must be"):
        evaluate("notajoint", "confidence")


def test_walk_engine_candidate_samplers_match_exact_law():
    """The walk Monte Carlo engine with llada / fast_dllm / dream: empirical law of 20000 walks
    within 5 standard errors of the exact law, cell by cell (n = 4 on a 3-cycle)."""
    chain = m.random_walk("cycle:3", 4, start="uniform", lazy=0.3)
    J = chain.joint()
    for s in (make_sampler("llada", steps=4, block_length=2, temperature=1.0),
              make_sampler("fast_dllm", threshold=0.4, temperature=0.8),
              make_sampler("dream", steps=3, alg="entropy", temperature=1.0, alg_temp=0.7),
              make_sampler("dream", steps=2, alg="origin", temperature=1.0)):
        nu = evaluate(J, s).law.table.ravel()
        x, calls = m.walks.sample_walks(chain, s, 20000, seed=3)
        idx = np.ravel_multi_index(x.T, J.q)
        freq = np.bincount(idx, minlength=nu.size) / x.shape[0]
        se = np.sqrt(nu * (1 - nu) / x.shape[0]) + 1e-4
        assert np.all(np.abs(freq - nu) <= 5 * se), s
        assert calls.max() <= s.max_calls(4)
