"""The one rule layer (``mdmtheory/_kernels/rules.py``): ``Sampler.transitions`` against the
plain-Python references of ``tests/rules_reference.py`` on random states, the candidate
samplers' exact laws against brute force, closed forms, and the constants passed as arguments."""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import rel_entr

import mdmtheory as m
from mdmtheory import InputError
from mdmtheory._kernels import rules as R
from mdmtheory.exact import evaluate
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
    # punt's conditionals given anchors: per query, the marginal itself (KL 0), a point mass, a
    # pool row (zeros, ties) or None (anchors of probability 0); fixed per query once drawn
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    answers: dict = {}

    def conditional(assign, j):
        key = (tuple(sorted(assign.items())), j)
        if key not in answers:
            kind = rng.integers(4)
            if kind == 0:
                answers[key] = P[j, : q[j]].copy()
            elif kind == 1:
                answers[key] = np.eye(q[j])[rng.integers(q[j])]
            elif kind == 2:
                w = rng.choice(pool, size=q[j])
                w[rng.integers(q[j])] += 1.0
                answers[key] = w / w.sum()
            else:
                answers[key] = None
        return answers[key]

    return n, q, revealed, values, P, pair_mi, conditional


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
    n, q, revealed, values, P, pair_mi, conditional = state
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
    st_ = SamplerState(n, revealed, values, P, step, pair_mi, q=tuple(q), conditional=conditional)
    if sampler.name == "llada":
        L = sampler.params["block_length"] or n
        block = step // (sampler.params["steps"] // (n // L))
        if not any(not revealed[i] for i in range(block * L, (block + 1) * L)) and m_:
            return  # unreachable: a block is finished only after its steps
    want = reference_law(sampler.name, sampler.params, n, q, revealed, P, step, pair_mi, conditional)
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
    """Dream's schedule: int(m (1 - s/t)) with t on linspace(1, eps, steps + 1), all at the last step
    (float64: the real-number linspace)."""
    assert [R.dream_count(10, i, 4, 1e-3, R.DREAM_FLOAT64) for i in range(4)] == [
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
    fixed codes, which import nothing at all, and its sibling rule pieces: PUNT's rounds and
    Dream's counts, which import only the codes)."""
    from mdmtheory._kernels import codes, dream, punt

    assert not [n for n in ast.walk(ast.parse(inspect.getsource(codes))) if isinstance(n, (ast.Import, ast.ImportFrom))]
    for mod in (dream, punt):
        relative = [n.module for n in ast.walk(ast.parse(inspect.getsource(mod))) if isinstance(n, ast.ImportFrom)
                    and n.level == 1]
        assert set(relative) <= {"codes"}, relative
    tree = ast.parse(inspect.getsource(R))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                assert node.module in ("codes", "dream", "punt"), node.module
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
    code, ip, fp, sizes = make_sampler("threshold", tau=0.9).kernel_args(n)
    args = (code, ip, fp, 0, sizes, n, pos, conf, z, z, z)
    scratch = lambda: (np.zeros(n), np.zeros(n, np.int64), np.zeros(n))  # noqa: E731
    key, chosen, w = scratch()
    kind, k, e = R.select(*args, 1e-12, 1e12, key, chosen, w)
    assert sorted(chosen[:k]) == [0, 2]
    kind, k, e = R.select(*args, 0.0, 1e12, key, chosen, w)
    assert sorted(chosen[:k]) == [2]
    # keyscale: 0.5 and 0.5 + 1e-13 tie at 12 decimals (lower position wins), not at 14
    conf2 = np.array([0.5, 0.5 + 1e-13, 0.1])
    code, ip, fp, _ = make_sampler("confidence", schedule=[1, 2]).kernel_args(n)
    a2 = (code, ip, fp, 0, np.array([1, 2], np.int64), n, pos, conf2, z, z, z)
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
    # the ranked and the fixed-order families share one code each
    codes = [r.code for r in RULES.values() if r.ranking is None and r.code != R.FIXED]
    assert len(set(codes)) == len(codes) and R.RANKED not in codes
    assert all(r.order == "fixed" for r in RULES.values() if r.code == R.FIXED)
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


# --- the published PUNT (arXiv:2510.21961, as issue 10 states it) -----------------------------

PUNT_EPS = [0.0, 1e-3, 0.04, 0.05, 0.3, 1.0, 50.0]


@settings(max_examples=120)
@given(data=st.data(), joint=st.one_of(tables(**SMALL), tables(max_n=5, max_q=2, max_cells=32)))
def test_punt_law_cell_by_cell(data, joint):
    """punt: the exact output law equals the brute-force enumeration of every candidate vector and
    every anchor/test round (conditionals sliced from the full table) cell by cell, and the law of
    the number of calls (1 + the rounds run, per step) matches, on tables with zeros and ties, n <= 5,
    under both readings of the rounds."""
    sampler = make_sampler("punt", eps=data.draw(st.sampled_from(PUNT_EPS)),
                           rounds=data.draw(st.sampled_from(["shrinking", "independent"])))
    got = evaluate(joint, sampler)
    nu, steps, _ = ref_run(joint, sampler)
    assert np.allclose(got.law.table, nu, rtol=1e-9, atol=1e-13)
    table = {r["steps"]: r["probability"] for r in got.steps_distribution}
    assert {t for t, p in table.items() if p > 1e-15} == {t for t, p in steps.items() if p > 1e-15}
    for t, p in steps.items():
        assert table.get(t, 0.0) == pytest.approx(p, rel=1e-9, abs=1e-15)
    assert got.kl == pytest.approx(max(float(np.sum(rel_entr(joint.table, nu))), 0.0), rel=1e-9, abs=1e-12)
    assert max(steps) <= sampler.max_calls(joint.n)  # the registry's bound holds under both readings


def _ceil_log2(m: int) -> int:
    return 0 if m <= 1 else int(np.ceil(np.log2(m) - 1e-12))


@pytest.mark.parametrize("shape", [(2, 3, 2), (3, 1, 2, 2), (2, 2, 2, 2, 2)])
@pytest.mark.parametrize("eps", [1e-6, 0.05, 1.0])
@pytest.mark.parametrize("rounds", ["shrinking", "independent"])
def test_punt_keeps_everything_on_a_product(shape, eps, rounds):
    """Closed form: on a product distribution every conditional given the anchors is the marginal
    (KL 0 < eps): one step unmasks everything, costing 1 + ceil(log2 n) calls, and nu = mu."""
    rng = np.random.default_rng(len(shape))
    rows = [rng.dirichlet(np.ones(k)) for k in shape]
    rows[0][0] = 0.0  # a zero in a marginal
    rows[0] /= rows[0].sum()
    table = rows[0]
    for r in rows[1:]:
        table = np.multiply.outer(table, r)
    J = m.Joint(table)
    got = evaluate(J, make_sampler("punt", eps=eps, rounds=rounds))
    n = len(shape)
    assert got.kl == pytest.approx(0.0, abs=1e-13)
    assert got.steps_distribution == [{"steps": 1 + _ceil_log2(n), "probability": pytest.approx(1.0)}]


@pytest.mark.parametrize("n, q", [(2, 2), (3, 2), (4, 3), (5, 2)])
@pytest.mark.parametrize("rounds", ["shrinking", "independent"])
def test_punt_on_copy_keeps_only_the_top_token(n, q, rounds):
    """Closed form on copy(n, q): any other candidate conditioned on anchors that contain the top
    one is a point mass (or the anchors disagree: probability 0), so KL = inf and only the top
    survives the first step (1 + ceil(log2 n) calls); the rest are then determined, KL 0, and go
    together (1 + ceil(log2(n - 1)) calls).  The output is exact."""
    got = evaluate(m.copy(n, q), make_sampler("punt", eps=0.5, rounds=rounds))
    calls = 1 + _ceil_log2(n) + 1 + _ceil_log2(n - 1)
    assert got.kl == pytest.approx(0.0, abs=1e-13)
    assert got.steps_distribution == [{"steps": calls, "probability": pytest.approx(1.0)}]
    st_ = SamplerState(n, np.zeros(n, bool), np.full(n, -1), np.full((n, q), 1.0 / q), q=(q,) * n,
                       conditional=lambda assign, j: (np.eye(q)[assign[0]] if 0 in assign else np.full(q, 1.0 / q)))
    law = make_sampler("punt", eps=0.5, rounds=rounds).select(st_)
    assert law == [(pytest.approx(1.0), (0,))]  # all tied: the top is position 0


@settings(max_examples=40)
@given(joint=tables(**SMALL))
def test_punt_eps_zero_is_one_at_a_time(joint):
    """eps = 0 with rounds = independent: every tested candidate is dropped (KL >= 0) and the
    never-dropped top one goes alone: the law of LLaDA with n steps at temperature 1 (top-1 by the
    candidate's probability, ties by position; not mu: the position chosen depends on its drawn
    value), and the run costs sum_{m=1..n} (1 + ceil(log2 m)) calls, the bound max_calls gives
    under both readings."""
    got = evaluate(joint, make_sampler("punt", eps=0.0, rounds="independent"))
    llada = evaluate(joint, make_sampler("llada", steps=joint.n, temperature=1.0))
    assert np.allclose(got.law.table, llada.law.table, rtol=1e-9, atol=1e-13)
    calls = sum(1 + _ceil_log2(k) for k in range(1, joint.n + 1))
    assert got.steps_distribution == [{"steps": calls, "probability": pytest.approx(1.0)}]
    assert make_sampler("punt", eps=0.0, rounds="independent").max_calls(joint.n) == calls
    assert make_sampler("punt", eps=0.0).max_calls(joint.n) == calls
    shrinking = evaluate(joint, make_sampler("punt", eps=0.0))  # strict KL > 0: never more calls
    assert shrinking.max_steps <= calls


def _copied_pair() -> m.Joint:
    """X0 a fair bit, X1 = X2 a second fair bit (issue 18's example)."""
    t = np.zeros((2, 2, 2))
    for a in range(2):
        for b in range(2):
            t[a, b, b] = 0.25
    return m.Joint(t)


@pytest.mark.parametrize("eps", [0.0, 0.04, 0.5])
def test_punt_rounds_issue_example(eps):
    """X0 a fair bit, X1 = X2 a copied fair bit; every candidate has probability 1/2, so the ranks
    are the positions.  Round 0: anchors {X0, X2}, X1 tested: fixed by X2, KL log 2, dropped.
    Round 1: independent: anchors {X0, X1} (X1 takes part although dropped), X2 tested: fixed,
    dropped; commits {0} (3 calls), then {1} of the two left (2 calls), then {2} (1 call): 6.
    Shrinking: X1 left R, anchors {X0}, X2 tested: independent of X0, KL 0, kept; commits {0, 2}
    (3 calls), then {1} (1 call): 4.  KL 0 both (the exact evaluator)."""
    J = _copied_pair()
    for rounds, first, calls in (("independent", (0,), 6), ("shrinking", (0, 2), 4)):
        sampler = make_sampler("punt", eps=eps, rounds=rounds)
        got = evaluate(J, sampler)
        assert got.kl == pytest.approx(0.0, abs=1e-13)
        assert got.steps_distribution == [{"steps": calls, "probability": pytest.approx(1.0)}]

        def conditional(assign, j):  # p_j(. | anchors) sliced from the table
            sub = J.table[tuple(assign.get(i, slice(None)) for i in range(3))]
            rest = [i for i in range(3) if i not in assign]
            if sub.sum() <= 0:
                return None
            return sub.sum(axis=tuple(a for a, i in enumerate(rest) if i != j)) / sub.sum()

        st_ = SamplerState(3, np.zeros(3, bool), np.full(3, -1), np.full((3, 2), 0.5), q=(2, 2, 2),
                           conditional=conditional)
        law = sampler.select(st_)
        assert law == [(pytest.approx(1.0), first)]


def test_punt_shrinking_never_skips_a_round_in_a_run():
    """The published skip (a round whose anchors or tested tokens in R are all gone) cannot happen
    in a run: rank 0 is an anchor in every round and rank 2^r, tested only in round r, is still in R
    then.  punt_round_runs does skip an artificial state (a lone tested rank already dropped), and
    on a run every step costs 1 + ceil(log2 m) under both readings."""
    kept = np.array([True, False])
    assert not R.punt_round_runs(2, 0, kept, True) and R.punt_round_runs(2, 0, kept, False)
    assert R.punt_round_runs(2, 0, np.array([True, True]), True)
    for e in range(2, 33):
        for rnd in range(R.punt_rounds(e)):
            # the smallest R a run can hold at round rnd: every rank tested earlier dropped
            kept = np.array([a & ((1 << rnd) - 1) == 0 for a in range(e)])
            assert kept[0] and kept[1 << rnd] and R.punt_round_runs(e, rnd, kept, True)


def test_punt_rounds_and_anchors():
    """ceil(log2 m) rounds; every pair of ranks is split (one anchor, one tested) in some round;
    rank 0 is an anchor in every round."""
    for e in range(1, 40):
        rounds = R.punt_rounds(e)
        assert rounds == _ceil_log2(e) and rounds == max(0, (e - 1).bit_length())
        for a in range(e):
            assert R.punt_is_anchor(0, a % max(rounds, 1))
            for b in range(a + 1, e):
                assert any(R.punt_is_anchor(a, r) != R.punt_is_anchor(b, r) for r in range(rounds))
    assert R.punt_kl(np.array([0.5, 0.5]), np.array([1.0, 0.0]), 2) == np.inf
    assert R.punt_kl(np.array([1.0, 0.0]), np.array([0.5, 0.5]), 2) == pytest.approx(np.log(2))
    assert R.punt_drops(0.1 - TOL / 2, 0.1, TOL, False) and not R.punt_drops(0.1 - 2 * TOL, 0.1, TOL, False)
    # strict (the published kl > epsilon): equality within TOL keeps, above eps + TOL drops
    assert not R.punt_drops(0.1 + TOL / 2, 0.1, TOL, True) and R.punt_drops(0.1 + 2 * TOL, 0.1, TOL, True)
    assert not R.punt_drops(0.0, 0.0, TOL, True) and R.punt_drops(0.0, 0.0, TOL, False)


def test_punt_needs_its_oracle_and_is_refused_by_the_walk_engine():
    """Sampler.select without the conditionals, and walk simulation: InputError naming the fix."""
    st_ = SamplerState(2, np.zeros(2, bool), np.full(2, -1), np.array([[0.5, 0.5], [0.5, 0.5]]))
    with pytest.raises(InputError, match="conditional"):
        make_sampler("punt").select(st_)
    chain = m.random_walk("cycle:3", 4)
    with pytest.raises(InputError, match="punt_pairwise"):
        m.simulate(chain, make_sampler("punt"), samples=2)
    with pytest.raises(InputError, match="eps must be >= 0"):
        make_sampler("punt", eps=-0.1)
    r = m.exact_walk_metrics(chain, make_sampler("punt", eps=0.05))  # small n: the exact evaluator
    assert r["kl"] is not None and r["kl"] >= 0.0
