"""Graph families, walk matrices, starts: closed-form counts and the error messages."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from mdmtheory import InputError
from mdmtheory.graphs import (
    GRAPH_FAMILIES,
    chain_period,
    check_stochastic,
    make_graph,
    parse_graph,
    start_distribution,
    stationary_distribution,
    walk_matrix,
)

# spec -> (vertices, edges) in closed form
COUNTS = {
    "cycle:7": (7, 7),
    "path:5": (5, 4),
    "complete:5": (5, 10),
    "star:6": (6, 5),
    "grid:3x4": (12, 3 * 3 + 4 * 2),
    "torus:3x4": (12, 24),
    "hypercube:3": (8, 12),
    "bipartite:2,3": (5, 6),
    "barbell:4": (8, 2 * 6 + 1),
    "barbell:4,2": (10, 2 * 6 + 3),
    "lollipop:4,3": (7, 6 + 3),
    "petersen": (10, 15),
    "tree:3": (15, 14),
    "regular:3,10,seed=2": (10, 15),
}


@pytest.mark.parametrize("spec", sorted(COUNTS))
def test_family_counts(spec):
    """Every family has its closed-form number of vertices and edges, labelled 0..q-1."""
    G = parse_graph(spec)
    assert (G.number_of_nodes(), G.number_of_edges()) == COUNTS[spec]
    assert sorted(G.nodes()) == list(range(G.number_of_nodes()))


def test_every_family_has_a_count_case():
    """The closed-form table covers every named family but the edge-list file."""
    names = {s.split(":")[0] for s in COUNTS}
    assert names == set(GRAPH_FAMILIES) - {"file"}


def test_regular_is_regular_and_seeded():
    """A random regular graph has every degree D and depends only on the seed."""
    G = parse_graph("regular:4,12,seed=5")
    assert {d for _, d in G.degree()} == {4}
    assert sorted(G.edges()) == sorted(parse_graph("regular:4,12,seed=5").edges())
    assert sorted(G.edges()) != sorted(parse_graph("regular:4,12,seed=6").edges())


@pytest.mark.parametrize("spec", ["cycle:6", "grid:3x3", "star:5", "barbell:3", "petersen", "lollipop:3,2"])
def test_simple_walk_matrix(spec):
    """The simple walk: P[u, v] = 1/deg(u) on edges, 0 elsewhere."""
    G = parse_graph(spec)
    P = walk_matrix(G)
    A = nx.to_numpy_array(G, nodelist=range(G.number_of_nodes()))
    assert np.allclose(P, A / A.sum(axis=1, keepdims=True), rtol=1e-12, atol=1e-12)
    assert np.allclose(P.sum(axis=1), 1.0, rtol=1e-12, atol=1e-12)


def test_lazy_and_weighted():
    """lazy=a puts a on the diagonal; weights are used only when asked."""
    A = np.array([[0, 1, 3], [1, 0, 0], [3, 0, 0]], dtype=float)
    P = walk_matrix(A, weighted=True)
    assert np.allclose(P[0], [0, 0.25, 0.75], rtol=1e-12, atol=1e-12)
    assert np.allclose(walk_matrix(A)[0], [0, 0.5, 0.5], rtol=1e-12, atol=1e-12)
    L = walk_matrix(A, lazy=0.3, weighted=True)
    assert np.allclose(L, 0.3 * np.eye(3) + 0.7 * P, rtol=1e-12, atol=1e-12)


def test_stationary_is_degree_proportional():
    """For a walk on a connected graph pi(v) = deg(v) / 2|E| (also with laziness)."""
    G = parse_graph("lollipop:4,3")
    deg = np.array([d for _, d in sorted(G.degree())], dtype=float)
    for lazy in (0.0, 0.4):
        pi = stationary_distribution(walk_matrix(G, lazy=lazy))
        assert np.allclose(pi, deg / deg.sum(), atol=1e-12)


def test_stationary_of_a_general_chain():
    """pi P = pi for a chain with a transient state."""
    P = np.array([[0.2, 0.8, 0.0], [0.0, 0.5, 0.5], [0.0, 0.3, 0.7]])
    pi = stationary_distribution(P)
    assert pi[0] == 0.0
    assert np.allclose(pi @ P, pi, atol=1e-12)
    assert np.allclose(pi[1:], [0.375, 0.625], rtol=1e-12, atol=1e-12)


def test_stationary_not_unique():
    """Two closed classes: the stationary law is not unique and we say so."""
    with pytest.raises(InputError, match="closed classes"):
        stationary_distribution(np.eye(2))


def test_starts():
    """Start keywords, vertex and vector forms."""
    P = walk_matrix("star:4")
    assert np.allclose(start_distribution(P, "uniform"), 0.25, rtol=1e-12, atol=1e-12)
    assert start_distribution(P, "vertex:3").tolist() == [0, 0, 0, 1]
    assert start_distribution(P, 2).tolist() == [0, 0, 1, 0]
    assert np.allclose(start_distribution(P, [0.5, 0.5, 0, 0]), [0.5, 0.5, 0, 0], rtol=1e-12, atol=1e-12)
    assert np.allclose(start_distribution(P), [0.5, 1 / 6, 1 / 6, 1 / 6], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "start, msg",
    [("vertex:4", "outside the vertex set"), (-1, "outside the vertex set"), ("sideways", "unknown start"),
     ([0.5, 0.5], "length 4"), ([0.5, 0.6, 0, -0.1], "non-negative"), ("vertex:x", "integer")],
)
def test_bad_starts(start, msg):
    """A start outside the vertex set or not a distribution is refused with its reason."""
    with pytest.raises(InputError, match=msg):
        start_distribution(walk_matrix("star:4"), start)


@pytest.mark.parametrize(
    "P, msg",
    [([[0.5, 0.4], [0.5, 0.5]], "row 0 sums"), ([[1.5, -0.5], [0.5, 0.5]], "negative"),
     ([[1.0, 0.0]], "square"), ([[np.nan, 1], [0, 1]], "NaN")],
)
def test_bad_P(P, msg):
    """Non-stochastic matrices are refused, naming the problem."""
    with pytest.raises(InputError, match=msg):
        check_stochastic(P)


def test_graph_errors(tmp_path):
    """Isolated vertices, asymmetric or directed input, unknown families and bad arguments."""
    with pytest.raises(InputError, match="isolated"):
        make_graph([[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    with pytest.raises(InputError, match="not symmetric"):
        make_graph([[0, 1], [0, 0]])
    with pytest.raises(InputError, match="directed"):
        make_graph(nx.DiGraph([(0, 1)]))
    with pytest.raises(InputError, match="unknown graph family 'moebius'.*cycle:N"):
        parse_graph("moebius:5")
    with pytest.raises(InputError, match="not an integer"):
        parse_graph("cycle:five")
    with pytest.raises(InputError, match="wrong arguments"):
        parse_graph("grid:1,2,3")
    with pytest.raises(InputError, match="D\\*N even"):
        parse_graph("regular:3,7")
    with pytest.raises(InputError, match="N >= 3"):
        parse_graph("cycle:2")
    with pytest.raises(InputError, match="no such edge-list"):
        parse_graph(f"file:{tmp_path / 'missing.txt'}")
    with pytest.raises(InputError, match="lazy"):
        walk_matrix("cycle:4", lazy=1.0)


def test_edge_list_file(tmp_path):
    """An edge-list file with comments and weights; labels sorted to 0..q-1."""
    f = tmp_path / "g.txt"
    f.write_text("# a triangle with a tail\n10 20 2\n20 30\n30 10 # closing edge\n30 40 0.5\n")
    G = parse_graph(f"file:{f}")
    assert G.number_of_nodes() == 4 and G.number_of_edges() == 4
    P = walk_matrix(G, weighted=True)
    assert np.allclose(P[0], [0, 2 / 3, 1 / 3, 0], rtol=1e-12, atol=1e-12)  # vertex 10: weights 2 (to 20) and 1 (to 30)
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2 -3\n")
    with pytest.raises(InputError, match="weights must be"):
        parse_graph(f"file:{bad}")


def test_period():
    """Periods: bipartite graphs 2, odd cycles and lazy walks 1, a directed 3-cycle 3."""
    assert chain_period(walk_matrix("grid:3x3")) == 2
    assert chain_period(walk_matrix("hypercube:3")) == 2
    assert chain_period(walk_matrix("petersen")) == 1
    assert chain_period(walk_matrix("path:4", lazy=0.1)) == 1
    assert chain_period(np.roll(np.eye(3), 1, axis=1)) == 3
    two = np.zeros((5, 5))
    two[:2, :2] = [[0, 1], [1, 0]]
    two[2:, 2:] = np.roll(np.eye(3), 1, axis=1)
    assert chain_period(two) == 6
