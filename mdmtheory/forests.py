"""Forests over the positions ``0..n-1``: validation, random forests and the centroid decomposition.

A *forest* is an undirected graph on the positions without cycles, given as a list of edges
``[(i, j), ...]`` (``i != j``, each pair once).  Its connected components are trees.  A *centroid*
of a tree ``T`` with ``N`` vertices is a vertex whose removal leaves components of at most
``floor(N / 2)`` vertices each (every tree has one or two; Jordan 1869).  The *centroid
decomposition* reveals, in round 1, one centroid of every component of the forest, and in round
``r + 1`` one centroid of every component of the forest restricted to the positions not yet
revealed.  Every component of round ``r + 1`` lies inside a component of round ``r`` with its
centroid removed, so its size at most halves: a forest whose largest tree has ``N`` vertices is
decomposed in at most ``floor(log2 N) + 1 = ceil(log2(N + 1))`` rounds.

This is the schedule of the ``centroid`` sampler (:data:`mdmtheory.registry.RULES`): on a law that
is a Markov random field on the forest (:func:`mdmtheory.joint.forest_joint`) the positions of one
round lie in different components of the unrevealed forest, which are conditionally independent
given the revealed positions (the global Markov property), so each round is sampled exactly.

References
----------
.. [1] Kawata, Hayakawa, Suzuki (2026), counterfactual probing of a hidden forest structure:
   forest laws are sampled exactly in ``O(log N)`` rounds by revealing one centroid per
   component (as issue 18 states it; the paper's text was not reachable).
"""

from __future__ import annotations

import numpy as np

from ._numeric import check_int, check_seed, int_list
from .errors import InputError, check_memory

__all__ = ["check_forest", "random_forest", "forest_components", "tree_centroid", "centroid_rounds",
           "centroid_round_bound"]


def check_forest(edges, n: int) -> list[tuple[int, int]]:
    """The validated edges of a forest on ``0..n-1``, each as ``(min, max)``, sorted.

    Raises
    ------
    InputError
        ``edges`` not a list of pairs of integers, an endpoint outside ``0..n-1``, a self-loop, a
        repeated edge, or a cycle (named by the edge that closes it).

    Examples
    --------
    >>> check_forest([[1, 0], [1, 2]], 4)
    [(0, 1), (1, 2)]
    """
    n = check_int(n, "the number of positions n", 1)
    bad = InputError(f"edges must be a list of pairs of positions like [[0, 1], [1, 2]]; got {edges!r}")
    if isinstance(edges, (str, bytes, dict)) or not hasattr(edges, "__iter__"):
        raise bad
    check_memory(64.0 * n, f"a forest on n={n} positions")
    try:
        items = list(edges)
        pairs = [tuple(e) for e in items if not isinstance(e, (str, bytes, dict))]
    except TypeError:
        raise bad from None
    if len(pairs) != len(items) or any(len(e) != 2 for e in pairs):
        raise InputError(f"each edge must be a pair of positions like [0, 1]; got {edges!r}")
    out = []
    for e in pairs:
        i, j = (check_int(v, "an edge endpoint", 0, n - 1) for v in e)
        if i == j:
            raise InputError(f"edge {list(e)} is a self-loop; a forest joins two different positions")
        out.append((min(i, j), max(i, j)))
    if len(set(out)) != len(out):
        raise InputError(f"edges repeat a pair: {sorted(out)}; give each edge once")
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i, j in out:
        ri, rj = find(i), find(j)
        if ri == rj:
            raise InputError(f"edge ({i}, {j}) closes a cycle: the edges must form a forest (no cycles)")
        parent[ri] = rj
    return sorted(out)


def _adjacency(edges, n: int) -> list[list[int]]:
    E = check_forest(edges, n)
    adj: list[list[int]] = [[] for _ in range(n)]
    for i, j in E:
        adj[i].append(j)
        adj[j].append(i)
    return adj


def random_forest(n: int, components: int = 1, seed: int = 0) -> list[tuple[int, int]]:
    """Edges of a random forest on ``0..n-1`` with ``components`` trees (seeded).

    A random recursive tree on a random relabelling (vertex ``k`` of the order joins a uniformly
    chosen earlier vertex), with ``components - 1`` of its edges removed at random.

    Raises
    ------
    InputError
        ``n`` not a positive integer, ``components`` outside ``1..n``, a bad seed.

    Examples
    --------
    >>> edges = random_forest(6, components=2, seed=1)
    >>> len(edges), len(forest_components(edges, 6))
    (4, 2)
    """
    n = check_int(n, "the number of positions n", 1)
    components = check_int(components, "components", 1, n)
    check_memory(64.0 * n, f"a forest on n={n} positions")
    rng = np.random.default_rng(check_seed(seed))
    order = rng.permutation(n)
    edges = [(int(order[k]), int(order[rng.integers(k)])) for k in range(1, n)]
    drop = set(rng.choice(n - 1, size=components - 1, replace=False).tolist()) if components > 1 else set()
    return check_forest([e for a, e in enumerate(edges) if a not in drop], n)


def forest_components(edges, n: int, nodes=None) -> list[list[int]]:
    """The connected components of the forest restricted to ``nodes`` (default all), each sorted,
    listed by their smallest position.

    Raises
    ------
    InputError
        ``edges`` not a forest on ``0..n-1`` (:func:`check_forest`), ``nodes`` not a list of positions.

    Examples
    --------
    >>> forest_components([(0, 1), (1, 2), (3, 4)], 5, nodes=[0, 2, 3, 4])
    [[0], [2], [3, 4]]
    """
    adj = _adjacency(edges, n)
    keep = range(n) if nodes is None else [check_int(v, "a position", 0, n - 1) for v in int_list(nodes, "nodes")]
    return _components(adj, set(keep))


def _components(adj: list[list[int]], keep: set) -> list[list[int]]:
    seen: set = set()
    out = []
    for s in sorted(keep):
        if s in seen:
            continue
        comp, stack = [], [s]
        seen.add(s)
        while stack:
            v = stack.pop()
            comp.append(v)
            for w in adj[v]:
                if w in keep and w not in seen:
                    seen.add(w)
                    stack.append(w)
        out.append(sorted(comp))
    return out


def tree_centroid(edges, n: int, component) -> int:
    """The centroid of the tree ``component`` (a connected set of positions of the forest): the
    vertex whose largest remaining part is smallest, the lower position of two.

    ``O(N)`` for a tree of ``N`` vertices (one traversal and subtree sizes).

    Raises
    ------
    InputError
        ``component`` is empty or not connected in the forest.

    Examples
    --------
    >>> tree_centroid([(0, 1), (1, 2), (2, 3)], 4, [0, 1, 2, 3])
    1
    """
    adj = _adjacency(edges, n)
    comp = sorted({check_int(v, "a position", 0, n - 1) for v in int_list(component, "component")})
    if not comp:
        raise InputError("tree_centroid needs a non-empty component")
    return _centroid(adj, comp)


def _centroid(adj: list[list[int]], comp: list[int]) -> int:
    inside = set(comp)
    root = comp[0]
    order, parent = [root], {root: -1}
    for v in order:  # BFS order: parents before children
        for w in adj[v]:
            if w in inside and w not in parent:
                parent[w] = v
                order.append(w)
    if len(order) != len(comp):
        raise InputError(f"positions {comp} are not one connected component of the forest")
    size = {v: 1 for v in order}
    for v in reversed(order[1:]):
        size[parent[v]] += size[v]
    N = len(comp)
    best, arg = N + 1, -1
    for v in comp:  # increasing: the lower of two centroids wins the tie
        worst = max([size[w] for w in adj[v] if w in inside and parent[w] == v] + [N - size[v]])
        if worst < best:
            best, arg = worst, v
    return arg


def centroid_rounds(edges, n: int) -> list[list[int]]:
    """The centroid decomposition: round ``r`` lists one centroid (:func:`tree_centroid`) of every
    component of the forest restricted to the positions no earlier round revealed.

    Returns
    -------
    list of list of int
        The rounds, each sorted; together a partition of ``0..n-1``.

    Raises
    ------
    InputError
        ``edges`` not a forest on ``0..n-1`` (:func:`check_forest`).

    Notes
    -----
    ``O(n log n)`` set operations: each round traverses every remaining component once.  The
    number of rounds is at most :func:`centroid_round_bound`.

    Examples
    --------
    >>> centroid_rounds([(0, 1), (1, 2), (2, 3), (3, 4)], 5)   # a path: bisection
    [[2], [0, 3], [1, 4]]
    """
    adj = _adjacency(edges, n)
    comps = _components(adj, set(range(n)))
    rounds = []
    while comps:
        S = [_centroid(adj, c) for c in comps]
        rounds.append(sorted(S))
        comps = [d for c, v in zip(comps, S) for d in _components(adj, set(c) - {v})]
    return rounds


def centroid_round_bound(edges, n: int) -> int:
    """``ceil(log2(N + 1))`` with ``N`` the size of the largest tree: the most rounds the centroid
    decomposition takes (each round at least halves every component).

    Raises
    ------
    InputError
        ``edges`` not a forest on ``0..n-1`` (:func:`check_forest`).

    Examples
    --------
    >>> centroid_round_bound([(0, 1), (1, 2)], 4)   # largest tree: 3 vertices
    2
    """
    N = max(len(c) for c in forest_components(edges, n))
    return int(N).bit_length()  # = ceil(log2(N + 1))
