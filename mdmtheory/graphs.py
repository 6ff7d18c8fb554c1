"""Graphs and random walks on them: the data of the structured half of the toolkit.

A walk ``x_1..x_n`` on a graph ``G`` has the vertices as its alphabet: ``x_1 ~ start`` and
``x_{t+1} ~ P[x_t, .]``.  This module builds ``G`` (by family name, from a spec string, a
networkx graph, an adjacency matrix or an edge-list file), the transition matrix ``P``
(simple, lazy, weighted walk) and the start vector (stationary, uniform, a vertex, a vector).
:class:`mdmtheory.markov.MarkovChain` turns ``(P, start, n)`` into exact information measures.

Vertices are always relabelled ``0..q-1`` (sorted labels when they sort, else insertion
order), so ``vertex:V`` and the columns of ``P`` refer to the same index.

References
----------
.. [1] Bansal, Cholyeon, Kumar, Sanghavi, Sarkar, arXiv:2606.22976 (walks on graphs as a
   test bed for parallel unmasking; docs/theory.md section 5).
"""

from __future__ import annotations

import os
import re
from math import gcd
from typing import Callable

import numpy as np

from .tolerances import STOCHASTIC_TOL  # noqa: F401 - re-exported
from ._lazy import lazy_module

from ._numeric import check_real, clamp_nonneg, sum_tolerance
from .errors import InputError, check_memory
from .files import check_input_file

nx = lazy_module("networkx")

__all__ = [
    "GRAPH_FAMILIES",
    "make_graph",
    "parse_graph",
    "walk_matrix",
    "check_stochastic",
    "stationary_distribution",
    "start_distribution",
    "chain_period",
]



def _star(n: int) -> nx.Graph:
    if n < 2:
        raise InputError(f"star:N needs N >= 2 vertices (one centre and N-1 leaves); got {n}")
    return nx.star_graph(n - 1)


def _regular(d: int, n: int, seed: int = 0) -> nx.Graph:
    if d < 1 or d >= n or (d * n) % 2:
        raise InputError(f"regular:D,N needs 1 <= D < N and D*N even; got D={d}, N={n}")
    if seed < 0:
        raise InputError(f"regular:D,N,seed=S needs a seed S >= 0; got seed={seed}")
    return nx.random_regular_graph(d, n, seed=seed)


def _grid(r: int, c: int | None = None) -> nx.Graph:
    return nx.grid_2d_graph(r, r if c is None else c)


def _torus(r: int, c: int | None = None) -> nx.Graph:
    c = r if c is None else c
    if r < 3 or c < 3:
        raise InputError(f"torus:RxC needs R, C >= 3 (smaller sides make multi-edges); got {r}x{c}")
    return nx.grid_2d_graph(r, c, periodic=True)


def _barbell(m: int, bridge: int = 0) -> nx.Graph:
    if m < 2:
        raise InputError(f"barbell:M needs cliques of M >= 2 vertices; got {m}")
    return nx.barbell_graph(m, bridge)


def _lollipop(m: int, k: int = 1) -> nx.Graph:
    if m < 2 or k < 0:
        raise InputError(f"lollipop:M,K needs a clique of M >= 2 and a path of K >= 0 vertices; got {m},{k}")
    return nx.lollipop_graph(m, k)


def _cycle(n: int) -> nx.Graph:
    if n < 3:
        raise InputError(f"cycle:N needs N >= 3 vertices; got {n}")
    return nx.cycle_graph(n)


def _min2(fn: Callable[[int], nx.Graph], what: str) -> Callable[..., nx.Graph]:
    def build(n: int) -> nx.Graph:
        if n < 2:
            raise InputError(f"{what}:N needs N >= 2 vertices (a walk needs an edge); got {n}")
        return fn(n)

    return build


#: Family name -> (builder, argument help).  Spec strings are ``name:arg,arg,key=value``.
GRAPH_FAMILIES: dict[str, tuple[Callable[..., nx.Graph], str]] = {
    "cycle": (_cycle, "cycle:N  (N vertices)"),
    "path": (_min2(lambda n: nx.path_graph(n), "path"), "path:N"),
    "complete": (_min2(lambda n: nx.complete_graph(n), "complete"), "complete:N"),
    "star": (_star, "star:N  (a centre and N-1 leaves)"),
    "grid": (_grid, "grid:RxC"),
    "torus": (_torus, "torus:RxC  (R, C >= 3)"),
    "hypercube": (lambda d: nx.hypercube_graph(d), "hypercube:D  (2^D vertices)"),
    "bipartite": (lambda a, b: nx.complete_bipartite_graph(a, b), "bipartite:A,B  (complete bipartite K_{A,B})"),
    "barbell": (_barbell, "barbell:M[,B]  (two K_M joined by a path of B vertices, default 0)"),
    "lollipop": (_lollipop, "lollipop:M,K  (K_M with a path of K vertices)"),
    "petersen": (lambda: nx.petersen_graph(), "petersen"),
    "tree": (lambda h: nx.balanced_tree(2, h), "tree:H  (binary tree of height H, 2^(H+1)-1 vertices)"),
    "regular": (_regular, "regular:D,N[,seed=S]  (random D-regular, seeded)"),
    "file": (None, "file:PATH  (edge list: 'u v [weight]' per line)"),  # type: ignore[dict-item]
}
_ALIASES = {"complete_bipartite": "bipartite", "binary_tree": "tree", "edgelist": "file", "ring": "cycle"}


#: Bytes a networkx graph takes per vertex and per edge, with the relabelled copy
#: :func:`make_graph` may make (measured: grid 300x300 140 MB, complete:1500 180 MB).
GRAPH_BYTES_PER_NODE = 1000
GRAPH_BYTES_PER_EDGE = 500
#: Dense ``q x q`` float64 arrays counted for building the walk: :func:`walk_matrix` and the
#: chain's checks of ``P`` peak at 5.1-5.5 of them (``tracemalloc``: grid:40x40, cycle:1500,
#: hypercube:10); 8 leaves room for the allocator.
WALK_MATRIX_COPIES = 8

def _hypercube_size(d: int) -> tuple[int, int]:
    """``(2^d, d 2^(d-1))`` for ``1 <= d``, with ``d`` capped at 400 (beyond any memory limit);
    a ``d < 1`` is left for the builder to refuse."""
    d = min(d, 400)
    return (2**d, d * 2 ** (d - 1)) if d >= 1 else (1, 0)


def _tree_size(h: int) -> tuple[int, int]:
    """``(2^(h+1) - 1, 2^(h+1) - 2)`` for ``h >= 0``, with ``h`` capped at 399; a negative
    ``h`` is left for the builder to refuse."""
    h = min(h, 399)
    return (2 ** (h + 1) - 1, 2 ** (h + 1) - 2) if h >= 0 else (0, 0)


_SIZES: dict[str, Callable[..., tuple[int, int]]] = {
    "cycle": lambda n: (n, n),
    "path": lambda n: (n, n - 1),
    "complete": lambda n: (n, n * (n - 1) // 2),
    "star": lambda n: (n, n - 1),
    "grid": lambda r, c=None: (r * (r if c is None else c), r * ((r if c is None else c) - 1) + (r if c is None else c) * (r - 1)),
    "torus": lambda r, c=None: (r * (r if c is None else c), 2 * r * (r if c is None else c)),
    "hypercube": lambda d: _hypercube_size(d),
    "bipartite": lambda a, b: (a + b, a * b),
    "barbell": lambda m, b=0: (2 * m + b, m * (m - 1) + b + 1),
    "lollipop": lambda m, k=1: (m + k, m * (m - 1) // 2 + k),
    "petersen": lambda: (10, 15),
    "tree": lambda h: _tree_size(h),
    "regular": lambda d, n, seed=0: (n, d * n // 2),
}


def graph_memory(nodes: int, edges: int) -> float:
    """Bytes to build a graph with ``nodes`` vertices and ``edges`` edges and its dense walk
    matrix (the estimate :func:`parse_graph` checks before building anything)."""
    nodes, edges = max(int(nodes), 0), max(int(edges), 0)
    need = GRAPH_BYTES_PER_NODE * nodes + GRAPH_BYTES_PER_EDGE * edges + WALK_MATRIX_COPIES * 8 * nodes * nodes
    return float(min(need, 10**30))  # exact integers first: hypercube:10000 would overflow a float


def _count(x: int) -> str:
    if x >= 2**399:  # the spec's exponent was capped at 400: say only that it is astronomical
        return "over 1e120"
    return str(x) if x < 10**12 else f"{float(x):.3g}"


def _check_graph_size(spec: str, nodes: int, edges: int, max_memory: float | None) -> None:
    v, e = _count(nodes), _count(edges)
    check_memory(
        graph_memory(nodes, edges),
        f"the graph {spec!r} ({v} vertices, {e} edges) with its dense {v} x {v} walk matrix",
        max_memory,
    )


def _families_help() -> str:
    return "; ".join(h for _, h in GRAPH_FAMILIES.values())


def _edge_lines(path: str):
    """``(u, v, weight)`` for each edge line of an edge-list file (comments and blank lines skipped)."""
    try:
        with open(path, encoding="utf-8-sig", errors="strict") as fh:  # -sig: a BOM is not part of a label
            for lineno, line in enumerate(fh, 1):
                parts = line.split("#", 1)[0].split()
                if not parts:
                    continue
                if len(parts) not in (2, 3):
                    raise InputError(f"{path}:{lineno}: expected 'u v' or 'u v weight'; got {line.strip()[:80]!r}")
                u, v = (int(p) if re.fullmatch(r"-?\d+", p) else p for p in parts[:2])
                w = 1.0
                if len(parts) == 3:
                    try:
                        w = float(parts[2])
                    except ValueError:
                        raise InputError(f"{path}:{lineno}: the weight {parts[2]!r} is not a number") from None
                    if not (w > 0 and np.isfinite(w)):
                        raise InputError(f"{path}:{lineno}: edge weights must be finite and > 0; got {parts[2]}")
                yield u, v, w
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; an edge list is a text file with one 'u v [weight]' per line") from None


def _read_edgelist(path: str, spec: str = "", max_memory: float | None = None) -> nx.Graph:
    """Read an edge list in two passes: count vertices and edges (checking the memory as the
    count grows, every 65536 lines), then build the graph only if it fits."""
    if not os.path.exists(path):
        raise InputError(f"no such edge-list file: {path!r}; give a text file with one 'u v [weight]' per line")
    check_input_file(path, "an edge-list file")
    spec = spec or f"file:{path}"
    labels: set = set()
    edges = 0
    for u, v, _ in _edge_lines(path):
        labels.add(u)
        labels.add(v)
        edges += 1
        if edges % 65536 == 0:
            _check_graph_size(spec, len(labels), edges, max_memory)
    if edges == 0:
        raise InputError(f"the edge-list file {path!r} has no edges")
    _check_graph_size(spec, len(labels), edges, max_memory)
    del labels
    G = nx.Graph()
    for u, v, w in _edge_lines(path):
        G.add_edge(u, v, weight=w)
    return G


def parse_graph(spec: str, max_memory: float | None = None) -> nx.Graph:
    """Build a graph from a spec string such as ``cycle:8``, ``grid:4x4``, ``regular:3,20,seed=1``.

    Parameters
    ----------
    spec : str
        ``name`` or ``name:args``; arguments are comma-separated integers (``x`` also
        separates, as in ``4x4``) and ``key=value`` pairs.  ``file:PATH`` reads an edge list.
    max_memory : float, optional
        Ceiling in bytes (default 4 GiB) for the graph and its dense walk matrix, estimated
        from the spec (or the edge-list file's size) before anything is built.

    Returns
    -------
    networkx.Graph
        With vertices relabelled ``0..q-1``.

    Raises
    ------
    InputError
        Unknown family (the message lists them), bad arguments, isolated vertices, a graph
        too big for ``max_memory`` (``complete:100000``, ``grid:1000x1000``, ``hypercube:30``),
        an edge-list path that is not a regular file.

    Examples
    --------
    >>> parse_graph("grid:2x3").number_of_nodes()
    6
    >>> parse_graph("regular:3,8,seed=1").number_of_edges()
    12
    """
    text = str(spec).strip()
    name, _, rest = text.partition(":")
    name = _ALIASES.get(name.strip().lower(), name.strip().lower())
    if name not in GRAPH_FAMILIES:
        raise InputError(f"unknown graph family {name!r} in {spec!r}; known: {_families_help()}")
    if name == "file":
        if not rest:
            raise InputError("file:PATH needs the path of an edge-list file")
        return make_graph(_read_edgelist(rest, text, max_memory))
    builder = GRAPH_FAMILIES[name][0]
    args: list[int] = []
    kwargs: dict[str, int] = {}
    for part in [p.strip() for p in re.split(r"[,x]", rest) if p.strip()] if rest else []:
        key, eq, val = part.partition("=")
        try:
            if eq:
                kwargs[key.strip()] = int(val)
            else:
                args.append(int(part))
        except ValueError:
            raise InputError(f"graph argument {part!r} in {spec!r} is not an integer; usage: {GRAPH_FAMILIES[name][1]}") from None
    try:
        nodes, edges = _SIZES[name](*args, **kwargs)
    except TypeError:
        pass  # wrong arguments: the builder below names the usage
    else:
        _check_graph_size(text, nodes, edges, max_memory)
    try:
        G = builder(*args, **kwargs)
    except TypeError:
        raise InputError(f"wrong arguments in {spec!r}; usage: {GRAPH_FAMILIES[name][1]}") from None
    except nx.NetworkXError as exc:
        raise InputError(f"cannot build {spec!r}: {exc}") from None
    return make_graph(G)


def make_graph(graph) -> nx.Graph:
    """Coerce a spec string, a networkx graph or a symmetric adjacency matrix to a graph on ``0..q-1``.

    An adjacency matrix gives edge weights (its entries); it must be square, symmetric,
    finite and non-negative.

    Raises
    ------
    InputError
        Empty graph, directed or asymmetric input, or isolated vertices (a walk cannot leave them).

    Examples
    --------
    >>> sorted(make_graph([[0, 1], [1, 0]]).edges())
    [(0, 1)]
    """
    if isinstance(graph, str):
        return parse_graph(graph)
    if isinstance(graph, nx.Graph):
        if graph.is_directed():
            raise InputError("the graph is directed; give an undirected graph, or its row-stochastic P as a Markov chain")
        G = graph
    else:
        try:
            A = np.asarray(graph)
        except (TypeError, ValueError):
            A = None
        if A is None or A.dtype.kind not in "biuf":  # complex, object, strings: refused, never cast
            raise InputError(
                f"a graph is a spec string (e.g. 'cycle:8'), a networkx graph or a square real adjacency matrix; got {graph!r:.80}"
            )
        with np.errstate(over="ignore", invalid="ignore"):  # float128 beyond float64: inf, refused below
            A = A.astype(np.float64)
        if A.ndim != 2 or A.shape[0] != A.shape[1] or A.size == 0:
            raise InputError(f"an adjacency matrix must be square and non-empty; got shape {A.shape}")
        if not np.all(np.isfinite(A)) or np.any(A < 0):
            raise InputError("an adjacency matrix must have finite, non-negative entries (edge weights)")
        with np.errstate(over="ignore"):
            if not np.all(np.isfinite(A.sum(axis=1))):
                raise InputError("the edge weights are too large: a vertex's weights sum past the float64 range; scale them down")
        if not np.allclose(A, A.T):
            raise InputError("the adjacency matrix is not symmetric; for a directed chain give its row-stochastic P instead")
        G = nx.Graph()
        G.add_nodes_from(range(A.shape[0]))
        for u, v in zip(*np.nonzero(np.triu(A))):
            G.add_edge(int(u), int(v), weight=float(A[u, v]))
    if G.number_of_nodes() == 0:
        raise InputError("the graph has no vertices")
    isolated = list(nx.isolates(G))
    if isolated:
        raise InputError(
            f"the graph has {len(isolated)} isolated vertices ({isolated[:5]}{'...' if len(isolated) > 5 else ''}); "
            "a walk cannot leave them: remove them or add edges"
        )
    try:
        order = sorted(G.nodes())
    except TypeError:
        order = list(G.nodes())
    if order == list(range(len(order))):
        return G
    return nx.relabel_nodes(G, {v: i for i, v in enumerate(order)}, copy=True)


def walk_matrix(graph, lazy: float = 0.0, weighted: bool = False) -> np.ndarray:
    """Transition matrix of the walk on ``graph``: ``P = lazy * I + (1 - lazy) D^-1 A``.

    Parameters
    ----------
    graph : str, networkx.Graph or array_like
        Anything :func:`make_graph` takes.
    lazy : float, default 0
        Holding probability ``a`` in ``[0, 1)``.
    weighted : bool, default False
        Use edge weights (attribute ``weight``, or the adjacency entries); otherwise every
        edge counts 1 (the simple walk).

    Returns
    -------
    numpy.ndarray
        Row-stochastic ``(q, q)`` matrix.

    Raises
    ------
    InputError
        For an invalid graph (see :func:`make_graph`) or ``lazy`` outside ``[0, 1)``.

    Examples
    --------
    >>> walk_matrix("path:3", lazy=0.5)[1].tolist()
    [0.25, 0.5, 0.25]
    """
    G = make_graph(graph)
    try:
        lazy_value = check_real(lazy, "lazy", 0.0, hi=1.0)
    except InputError:
        lazy_value = 1.0
    if not lazy_value < 1.0:
        raise InputError(f"lazy must be a holding probability in [0, 1); got {lazy!r}")
    lazy = lazy_value
    q = G.number_of_nodes()
    A = nx.to_numpy_array(G, nodelist=range(q), weight="weight" if weighted else None)
    if not weighted:
        A = (A > 0).astype(float)
    P = A / A.sum(axis=1, keepdims=True)
    return float(lazy) * np.eye(q) + (1.0 - float(lazy)) * P


def _numeric_array(value, message: str) -> np.ndarray:
    """``value`` as an array of its own numeric dtype (booleans, integers, floats; the dtype sets
    the precision a sum is judged at), else :class:`InputError` with ``message``."""
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        raise InputError(message) from None
    if raw.dtype.kind not in "biuf":
        raise InputError(message)
    return raw


def check_stochastic(P) -> np.ndarray:
    """Validate a row-stochastic matrix (square, finite, non-negative, rows summing to 1).

    Any real dtype is accepted, its row sums judged at its precision; the result is float64
    with every row divided by its sum.

    Raises
    ------
    InputError
        Naming the first offending row.

    Examples
    --------
    >>> check_stochastic([[0.5, 0.5], [1.0, 0.0]]).shape
    (2, 2)
    """
    raw = _numeric_array(P, f"P must be a numeric square matrix (row-stochastic); got {P!r:.80}")
    with np.errstate(over="ignore", invalid="ignore"):  # float128 beyond float64: inf, refused below
        P = raw.astype(np.float64)
    if P.ndim != 2 or P.shape[0] != P.shape[1] or P.size == 0:
        raise InputError(f"P must be a non-empty square matrix; got shape {P.shape}")
    if not np.all(np.isfinite(P)):
        raise InputError("P has NaN or infinite entries; a transition matrix holds probabilities")
    if np.any(P < 0):
        raise InputError(f"P has negative entries (smallest {P.min():.3g}); transition probabilities must be >= 0")
    dev = np.abs(P.sum(axis=1) - 1.0)
    if dev.max() > sum_tolerance(raw.dtype, P.shape[1]):
        row = int(np.argmax(dev))
        raise InputError(
            f"P is not row-stochastic: row {row} sums to {P[row].sum()!r}; every row must sum to 1 "
            "(divide each row by its sum)"
        )
    return P / P.sum(axis=1, keepdims=True)


def _closed_classes(P: np.ndarray) -> list[np.ndarray]:
    # start-up time: scipy loads on first use, not with import mdmtheory
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    nc, lab = connected_components(csr_matrix(P > 0), directed=True, connection="strong")
    leaves = []
    for c in range(nc):
        members = np.flatnonzero(lab == c)
        out = P[np.ix_(members, np.flatnonzero(lab != c))]
        if not np.any(out > 0):
            leaves.append(members)
    return leaves


def stationary_distribution(P) -> np.ndarray:
    """The stationary distribution ``pi = pi P`` of a chain with one closed class.

    Raises
    ------
    InputError
        If ``P`` is not stochastic, or has several closed classes (then ``pi`` is not
        unique: give the start vector explicitly).

    Examples
    --------
    >>> stationary_distribution(walk_matrix("star:3")).round(6).tolist()
    [0.5, 0.25, 0.25]
    """
    P = check_stochastic(P)
    classes = _closed_classes(P)
    if len(classes) != 1:
        raise InputError(
            f"P has {len(classes)} closed classes, so its stationary distribution is not unique; "
            "give the start explicitly (uniform, vertex:V or a vector)"
        )
    c = classes[0]
    sub = P[np.ix_(c, c)]
    # pi on the closed class: null vector of (sub^T - I) with sum 1, by least squares
    A = np.vstack([sub.T - np.eye(len(c)), np.ones((1, len(c)))])
    b = np.zeros(len(c) + 1)
    b[-1] = 1.0
    pi_c = np.linalg.lstsq(A, b, rcond=None)[0]
    pi_c = clamp_nonneg(pi_c, "a stationary probability", tol=1e-9)  # least squares: rounding only
    pi = np.zeros(P.shape[0])
    pi[c] = pi_c / pi_c.sum()
    return pi


def start_distribution(P, start="stationary") -> np.ndarray:
    """The law of ``x_1``: ``"stationary"``, ``"uniform"``, ``"vertex:V"`` / an int ``V``, or a vector.

    Raises
    ------
    InputError
        Unknown keyword, a vertex outside ``0..q-1``, or a vector that is not a distribution
        on the ``q`` vertices.

    Examples
    --------
    >>> start_distribution(walk_matrix("path:3"), "vertex:2").tolist()
    [0.0, 0.0, 1.0]
    """
    P = check_stochastic(P)
    q = P.shape[0]
    if isinstance(start, str):
        s = start.strip().lower()
        if s in ("stationary", "pi"):
            return stationary_distribution(P)
        if s == "uniform":
            return np.full(q, 1.0 / q)
        if s.startswith("vertex:"):
            try:
                start = int(s[7:])
            except ValueError:
                raise InputError(f"start {start!r}: vertex:V needs an integer V in 0..{q - 1}") from None
        else:
            raise InputError(f"unknown start {start!r}; use stationary, uniform, vertex:V or a probability vector")
    if isinstance(start, (bool, np.bool_)):
        raise InputError(f"start must be stationary, uniform, vertex:V, a vertex index or a probability vector; got {start!r}")
    if isinstance(start, (int, np.integer)):
        if not 0 <= int(start) < q:
            raise InputError(f"start vertex {int(start)} is outside the vertex set 0..{q - 1}")
        v = np.zeros(q)
        v[int(start)] = 1.0
        return v
    raw = _numeric_array(
        start, f"start must be stationary, uniform, vertex:V, a vertex index or a probability vector; got {start!r}"
    )
    v = raw.astype(np.float64)
    if v.shape != (q,):
        raise InputError(f"a start vector must have one entry per vertex (length {q}); got shape {v.shape}")
    if not np.all(np.isfinite(v)) or np.any(v < 0) or abs(v.sum() - 1.0) > sum_tolerance(raw.dtype, q):
        raise InputError("a start vector must be non-negative and sum to 1")
    return v / v.sum()


def chain_period(P) -> int:
    """Least common multiple of the periods of the strongly connected classes of ``P``.

    ``P^d`` restricted to a class is asymptotically periodic with that class's period; the
    lcm ``L`` is the period with which ``P^d`` (and ``start P^d``) settle, used to stop
    computing matrix powers early.

    Examples
    --------
    >>> chain_period(walk_matrix("cycle:6")), chain_period(walk_matrix("cycle:5")), chain_period(walk_matrix("cycle:6", lazy=0.2))
    (2, 1, 1)

    Raises
    ------
    InputError
        If ``P`` is not a row-stochastic matrix.
    """
    # start-up time: scipy loads on first use, not with import mdmtheory
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components, shortest_path

    P = check_stochastic(P)
    nc, lab = connected_components(csr_matrix(P > 0), directed=True, connection="strong")
    L = 1
    for c in range(nc):
        members = np.flatnonzero(lab == c)
        sub = P[np.ix_(members, members)] > 0
        if not sub.any():
            continue  # a transient singleton without a loop: no cycles
        level = shortest_path(csr_matrix(sub.astype(float)), unweighted=True, indices=0)
        u, v = np.nonzero(sub)
        p = 0
        for d in np.abs(level[u] + 1 - level[v]).astype(np.int64):
            p = gcd(p, int(d))
            if p == 1:
                break
        L = L * p // gcd(L, p) if p else L
    return L
