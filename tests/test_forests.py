"""Forests over the positions, the forest laws and the ``centroid`` sampler (issue 18).

References written here or in ``tests/rules_reference.py`` (plain Python, from the definitions):
the centroid decomposition by brute force, the tree factorisation of a Markov law on a forest,
conditional independence by slicing the table, the recursive reference evaluator.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory import InputError
from mdmtheory.forests import (
    centroid_round_bound, centroid_rounds, check_forest, forest_components, random_forest, tree_centroid,
)
from mdmtheory.proofs_check import kawata_forest_centroid as claim
from mdmtheory.samplers import make_sampler

from .conftest import run_cli
from .rules_reference import brute_centroid_rounds, brute_components
from .test_evaluate import ref_run


@st.composite
def forests(draw, max_n: int = 9):
    """``(edges, n)``: vertex ``k`` of a random labelling joins an earlier vertex or none."""
    n = draw(st.integers(1, max_n))
    label = draw(st.permutations(range(n)))
    parents = [draw(st.integers(-1, k - 1)) for k in range(1, n)]
    return [(label[k + 1], label[a]) for k, a in enumerate(parents) if a >= 0], n


def adjacency(edges, n):
    adj = {v: set() for v in range(n)}
    for i, j in edges:
        adj[i].add(j)
        adj[j].add(i)
    return adj


# ------------------------------------------------------------------------------ forests


def test_check_forest_validates():
    assert check_forest([[2, 1], (0, 1)], 3) == [(0, 1), (1, 2)]
    assert check_forest([], 2) == []
    for bad, match in (([[0, 1], [1, 2], [2, 0]], "closes a cycle"), ([[1, 1]], "self-loop"),
                       ([[0, 1], [1, 0]], "repeat"), ([[0, 3]], "edge endpoint"), ([[0]], "pair"),
                       ("0-1", "list of pairs"), ([[0.5, 1]], "integer"), (None, "list of pairs")):
        with pytest.raises(InputError, match=match):
            check_forest(bad, 3)


@settings(max_examples=60)
@given(forests())
def test_centroid_rounds_equal_the_brute_force_decomposition(forest):
    edges, n = forest
    rounds = centroid_rounds(edges, n)
    assert rounds == brute_centroid_rounds(edges, n)
    assert sorted(v for S in rounds for v in S) == list(range(n))
    assert forest_components(edges, n) == brute_components(adjacency(edges, n), set(range(n)))


@settings(max_examples=60)
@given(forests())
def test_each_centroid_halves_its_component(forest):
    """Removing a component's centroid leaves parts of at most half its size (brute force over the
    parts), and no vertex leaves a smaller largest part; the rounds are at most ceil(log2(N+1))."""
    edges, n = forest
    adj = adjacency(edges, n)
    for comp in brute_components(adj, set(range(n))):
        c = tree_centroid(edges, n, comp)
        worst = {v: max([len(p) for p in brute_components(adj, set(comp) - {v})] + [0]) for v in comp}
        assert worst[c] <= len(comp) // 2 and worst[c] == min(worst.values())
    N = max(len(c) for c in forest_components(edges, n))
    assert len(centroid_rounds(edges, n)) <= math.ceil(math.log2(N + 1)) == centroid_round_bound(edges, n)


def test_centroid_of_a_path_is_bisection_and_of_a_star_its_centre():
    for n in range(1, 20):
        path = [(i, i + 1) for i in range(n - 1)]
        assert centroid_rounds(path, n) == [sorted(S) for S in m.bisection_partition(n)]
        assert len(centroid_rounds(path, n)) == math.ceil(math.log2(n + 1))
    star = [(3, i) for i in range(7) if i != 3]
    assert centroid_rounds(star, 7) == [[3], [0, 1, 2, 4, 5, 6]]
    with pytest.raises(InputError, match="not one connected component"):
        tree_centroid([(0, 1)], 3, [0, 2])


@pytest.mark.parametrize("n,k", [(1, 1), (7, 1), (7, 3), (10, 10)])
def test_random_forest_has_the_asked_components(n, k):
    for seed in range(5):
        edges = random_forest(n, k, seed)
        assert len(edges) == n - k and len(forest_components(edges, n)) == k
    assert random_forest(n, k, 3) == random_forest(n, k, 3)
    with pytest.raises(InputError, match="components"):
        random_forest(n, n + 1)


# ------------------------------------------------------------------------------ forest laws


def tree_factorisation(table, edges):
    """``prod_i mu(x_i) prod_{(i,j)} mu(x_i, x_j) / (mu(x_i) mu(x_j))``: equal to ``mu`` exactly when
    ``mu`` is Markov on the forest (and zero-free marginals)."""
    n = table.ndim
    out = np.ones(table.shape)
    one = [table.sum(axis=tuple(b for b in range(n) if b != a)) for a in range(n)]
    for a in range(n):
        out = out * one[a].reshape([-1 if b == a else 1 for b in range(n)])
    for i, j in (sorted(e) for e in edges):  # the pair table's axes are in increasing order
        pij = table.sum(axis=tuple(b for b in range(n) if b not in (i, j)))
        ratio = pij / np.outer(one[i], one[j])
        out = out * ratio.reshape([table.shape[b] if b in (i, j) else 1 for b in range(n)])
    return out


def conditionally_independent(table, A, B, C) -> bool:
    """``mu(x_A, x_B, x_C) mu(x_C) == mu(x_A, x_C) mu(x_B, x_C)`` cell by cell (by summing the table)."""
    n = table.ndim
    keep = sorted(A + B + C)
    p = table.sum(axis=tuple(b for b in range(n) if b not in keep))
    ax = {v: a for a, v in enumerate(keep)}

    def marg(S):
        return p.sum(axis=tuple(ax[v] for v in keep if v not in S), keepdims=True)

    return np.allclose(p * marg(C), marg(A + C) * marg(B + C), atol=1e-14, rtol=1e-10)


@settings(max_examples=30)
@given(forests(max_n=6), st.integers(2, 3), st.integers(0, 50))
def test_forest_joint_is_normalised_and_markov_on_its_forest(forest, q, seed):
    edges, n = forest
    qs = [q if (i + seed) % 3 else 2 for i in range(n)]
    t = m.forest_joint(edges, n, q=qs, alpha=0.7, seed=seed).table
    assert t.shape == tuple(qs) and t.sum() == pytest.approx(1.0, abs=1e-12) and (t > 0).all()
    assert np.allclose(tree_factorisation(t, edges), t, rtol=1e-9, atol=1e-15)
    adj = adjacency(edges, n)
    for v in range(n):  # removing v separates its neighbours' subtrees
        parts = brute_components(adj, set(range(n)) - {v})
        for a in range(len(parts)):
            for b in range(a + 1, len(parts)):
                assert conditionally_independent(t, parts[a], parts[b], [v])
    for i, j in edges:  # the edges carry dependence: not a product law
        assert m.mutual_information(m.Joint(t), [i], [j]) > 1e-11  # rounding is ~1e-16


def test_the_markov_check_fails_on_a_cycle_and_a_wrong_forest():
    """The two references above can fail: a law with an extra edge is not Markov on the forest."""
    cyc = m.forest_joint([(0, 1), (1, 2)], 3, alpha=0.5, seed=1).table
    extra = np.random.default_rng(0).gamma(0.5, size=(2, 2))[:, None, :]  # a factor on (0, 2)
    closed = cyc * extra / (cyc * extra).sum()
    assert not np.allclose(tree_factorisation(closed, [(0, 1), (1, 2)]), closed, rtol=1e-6)
    assert not conditionally_independent(closed, [0], [2], [1])


def test_forest_joint_validates_its_inputs():
    with pytest.raises(InputError, match="cycle"):
        m.forest_joint([(0, 1), (1, 2), (0, 2)], 3)
    with pytest.raises(InputError, match="alpha"):
        m.forest_joint([(0, 1)], 2, alpha=0.0)
    with pytest.raises(InputError, match="list of n=3"):
        m.forest_joint([(0, 1)], 3, q=[2, 2])
    with pytest.raises(InputError, match="edge endpoint"):
        m.forest_joint([(0, 5)], 3)
    product = m.forest_joint([], 3, q=2, seed=4)
    assert m.total_correlation(product) == pytest.approx(0.0, abs=1e-12)


# ------------------------------------------------------------------------------ the centroid sampler


@settings(max_examples=25)
@given(forests(max_n=5), st.integers(0, 20))
def test_centroid_evaluation_equals_the_recursive_reference_and_is_exact_on_its_forest(forest, seed):
    edges, n = forest
    joint = m.forest_joint(edges, n, q=2, alpha=0.5, seed=seed)
    s = make_sampler("centroid", edges=[list(e) for e in edges])
    r = m.evaluate(joint, s)
    nu, steps, dep = ref_run(joint, s)
    assert np.allclose(r.law.table, nu, atol=1e-12)
    assert r.kl == pytest.approx(0.0, abs=1e-10) and r.dependence_error == pytest.approx(dep, abs=1e-10)
    assert r.max_steps == len(brute_centroid_rounds(edges, n))


def test_centroid_on_the_wrong_forest_or_a_cycle_is_not_exact():
    joint = m.forest_joint([(0, 2), (2, 1), (1, 3)], 4, alpha=0.3, seed=2)
    assert m.evaluate(joint, make_sampler("centroid", edges=[[0, 2], [2, 1], [1, 3]])).kl < 1e-12
    assert m.evaluate(joint, make_sampler("centroid")).kl > 1e-4  # the default path 0-1-2-3 is not its forest
    assert m.evaluate(m.ising_chain(5, J=0.8), make_sampler("centroid")).kl < 1e-12  # a chain: the path
    assert m.evaluate(m.two_mode(5), make_sampler("centroid", edges=[[0, 1], [2, 3]])).kl > 0.1


def test_centroid_parameter_validation():
    with pytest.raises(InputError, match="list of pairs"):
        make_sampler("centroid", edges="0-1")
    with pytest.raises(InputError, match="list of pairs"):
        make_sampler("centroid", edges=[[0, -1]])
    joint = m.random_joint(3, 2, seed=0)
    with pytest.raises(InputError, match="centroid parameter edges: .*cycle"):
        m.evaluate(joint, make_sampler("centroid", edges=[[0, 1], [1, 2], [2, 0]]))
    with pytest.raises(InputError, match="centroid parameter edges: .*endpoint"):
        m.evaluate(joint, make_sampler("centroid", edges=[[0, 3]]))


def test_centroid_through_the_cli_the_walk_engine_and_the_sweep(capsys, tmp_path):
    path = tmp_path / "forest.npy"
    m.forest_joint([(0, 1), (0, 2), (2, 3)], 4, alpha=0.4, seed=3).save(str(path))
    code, out, err = run_cli(["evaluate", path, "--sampler", "centroid", "--param", "edges=0-1,0-2,2-3", "--json"],
                             capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["kl"] == pytest.approx(0.0, abs=1e-10) and d["max_steps"] == 3  # rounds [0], [1, 2], [3]
    code, out, err = run_cli(["evaluate", path, "--sampler", "centroid", "--param", "edges=0-1-2"], capsys)
    assert code != 0 and "pairs of positions" in err
    # a long walk: the default path is bisection's schedule (the fixed-order engine, no table)
    chain = m.random_walk("cycle:5", 300)
    got, want = m.exact_walk_metrics(chain, make_sampler("centroid")), m.exact_walk_metrics(chain, make_sampler("bisection"))
    assert got["kl"] == pytest.approx(want["kl"], abs=1e-12) and got["expected_steps"] == want["expected_steps"] == 9
    spec = {"model": [{"family": "ising_chain", "n": 5, "J": 0.8}], "sampler": [{"name": "centroid"}]}
    rows = m.sweep(spec, show_progress=False).rows
    assert rows[0]["error"] == "" and rows[0]["kl"] == pytest.approx(0.0, abs=1e-10)


def test_centroid_estimate_covers_the_exact_zero():
    joint = m.forest_joint(random_forest(5, 2, seed=1), 5, alpha=0.5, seed=1)
    s = make_sampler("centroid", edges=[list(e) for e in random_forest(5, 2, seed=1)])
    est = m.estimate_sampler_divergences(joint, s, samples=500, seed=2)
    lo, hi = est.kl.interval
    assert lo - (hi - lo) - 1e-12 <= 0.0 <= hi + (hi - lo) + 1e-12
    assert est.expected_calls.value == len(centroid_rounds(random_forest(5, 2, seed=1), 5))


# ------------------------------------------------------------------------------ the claim


def test_claim_passes_and_its_numbers_match():
    c = claim.check(quick=True)
    assert c.passed, c.numbers
    assert c.numbers["max_kl_evaluator"] < 1e-10 and c.numbers["bound_attained"] is True
    assert c.numbers["max_kl_left_to_right_same_rounds"] > 1e-6


def cycle_law(edges, n, q=2, alpha=0.5, seed=0):
    """The forest law with one more factor closing a cycle through a tree's first and last vertex."""
    t = m.forest_joint(edges, n, q=q, alpha=alpha, seed=seed).table
    comp = max(forest_components(edges, n), key=len)
    i, j = comp[0], comp[-1]
    f = np.random.default_rng(seed).gamma(0.3, size=(t.shape[i], t.shape[j]))
    t = t * f.reshape([t.shape[a] if a in (i, j) else 1 for a in range(n)])
    return m.Joint(t / t.sum(), normalize=True)


@pytest.mark.parametrize("wrong", [
    {"law_fn": cycle_law},  # not a forest law: the centroid sampler is not exact
    {"bound_fn": lambda N: max(1, int(math.floor(math.log2(N))))},  # a round bound one too small on paths
    {"rounds_fn": lambda edges, n: [[v] for v in range(n)]},  # one position per round: far over the bound
])
def test_claim_can_fail(wrong):
    c = claim.check(quick=True, **wrong)
    assert c.passed is False and c.verdict == "FAIL"


def test_any_fixed_order_rule_needs_no_kernel_code():
    """A rule declared with order="fixed" and fixed_sets only gets the FIXED kernel code: right to
    left in pairs, evaluated exactly, equals the chain rule of the table for those blocks."""
    from mdmtheory._kernels import codes
    from mdmtheory.registry import Rule, fixed_pack, register_rule, unregister_rule

    def pairs_from_the_right(prm, n):
        return [[i for i in (b, b - 1) if i >= 0] for b in range(n - 1, -1, -2)]

    rule = Rule("pairs_from_the_right", None, (), "ceil(n / 2)", False, False, "tests/test_forests.py",
                "right to left, two at a time", order="fixed", fixed_sets=pairs_from_the_right)
    assert rule.code == codes.FIXED
    register_rule(rule)
    try:
        joint = m.random_joint(5, [2, 3, 2, 2, 3], alpha=0.5, seed=4)
        r = m.evaluate(joint, "pairs_from_the_right")
        assert r.kl == pytest.approx(m.fixed_order_kl(joint, pairs_from_the_right({}, 5)), abs=1e-12)
        assert r.max_steps == 3 and r.kl > 1e-3
    finally:
        unregister_rule("pairs_from_the_right")
    with pytest.raises(InputError, match="partition"):
        fixed_pack(lambda prm, n: [[0], [0, 1]])({}, 2)
    with pytest.raises(InputError, match="leave positions"):
        fixed_pack(lambda prm, n: [[0]])({}, 2)
