"""Exact information theory of Markov chains at scale: bridges, curves, fixed-order KL, bisection.

A :class:`MarkovChain` is the law of ``x_1..x_n`` with ``x_1 ~ start`` and
``x_{t+1} ~ P[x_t, .]`` (a walk on a graph when ``P`` comes from :mod:`mdmtheory.graphs`).
Everything here is exact and needs no table of size ``q^n``:

* conditionals of every masked position given any revealed set (bridges, by scaled
  forward-backward);
* ``H(X_A)`` of any set, ``Hbar``, the information curve ``Z``, TC and DTC, for any start
  (stationary or not), in ``O(n log n + D q^3)``;
* the exact KL of any fixed ordered partition (random-order expected KL follows from
  ``Z`` by Theorem 4);
* the bisection partition, exact in ``ceil(log2(n+1))`` rounds.

References
----------
.. [1] Bansal, Cholyeon, Kumar, Sanghavi, Sarkar, arXiv:2606.22976 (walks on graphs, bridges,
   bisection; THEORY.md section 5).
.. [2] Chen, Cong, Li, COLT 2026, arXiv:2511.04647, Section 3 and Theorem 4 (curve, KL).
"""

from __future__ import annotations

from collections import deque
from math import ceil, log2
from typing import Sequence

import numpy as np
from scipy.special import entr

from ._kernels.markov import avg_entropy_kernel, bridge_marginals, fixed_order_tc, settle
from .errors import InputError, check_memory
from .graphs import chain_period, check_stochastic, make_graph, start_distribution, walk_matrix
from .information import _scale, curve_from_avg_entropy, unit_name
from .joint import Joint, markov_chain
from .progress import progress

__all__ = ["MarkovChain", "random_walk", "bisection_partition", "bisection_rounds"]

#: ``P^d`` counts as settled when ``max |P^d - P^{d-L}| <= SETTLE_TOL``.
SETTLE_TOL = 1e-14


class MarkovChain:
    """The law of a Markov chain ``x_1 ~ start``, ``x_{t+1} ~ P[x_t, .]`` of length ``n``.

    Parameters
    ----------
    P : array_like
        Row-stochastic ``(q, q)`` transition matrix.
    start : str, int or array_like, default "stationary"
        ``"stationary"``, ``"uniform"``, ``"vertex:V"`` / ``V``, or a probability vector.
    n : int
        Sequence length (positions ``0..n-1``).

    Raises
    ------
    InputError
        Non-stochastic ``P``, a bad start, ``n < 1``.

    Notes
    -----
    The powers ``P^d`` are computed once, up to the first ``D`` at which they settle
    (``max |P^D - P^{D-L}| <= 1e-14`` with ``L`` the chain period, see
    :func:`mdmtheory.graphs.chain_period`), or up to ``n - 1``: ``O(min(n, D) q^3)`` time,
    ``O(L q^2 + min(n, D) q)`` memory.  Beyond ``D`` they repeat with period ``L``.

    Examples
    --------
    >>> from mdmtheory.graphs import walk_matrix
    >>> chain = MarkovChain(walk_matrix("cycle:4"), "stationary", 3)
    >>> round(float(chain.entropy(base=2)), 12)     # 2 bits for x_1, 1 bit per step
    4.0
    """

    def __init__(self, P, start="stationary", n: int = 2):
        self.P = check_stochastic(P)
        self.start = start_distribution(self.P, start)
        if int(n) != n or n < 1:
            raise InputError(f"the length n must be a positive integer; got {n!r}")
        self.n = int(n)
        self._tables: tuple | None = None

    @property
    def q(self) -> int:
        """Number of states (vertices)."""
        return self.P.shape[0]

    @property
    def is_stationary(self) -> bool:
        """Whether ``start P = start`` (to ``1e-12``), so every ``x_i`` has law ``start``."""
        return bool(np.max(np.abs(self.start @ self.P - self.start)) <= 1e-12)

    def __repr__(self) -> str:
        return f"MarkovChain(q={self.q}, n={self.n}, stationary={self.is_stationary})"

    # ----------------------------------------------------------------- tables
    def tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
        """Settled tables ``(mu, hrow, Hmu, D, L)`` for ``d = 0..D``.

        ``mu[d] = start P^d`` (the law of ``x_{d+1}``), ``hrow[d, a] = H(P^d[a, .])`` (nats),
        ``Hmu[d] = H(mu[d])``; index ``d > D`` through ``settle(d, D, L)``.
        """
        if self._tables is None:
            self._tables = _settled_tables(self.P, self.start, self.n)
        return self._tables

    # ------------------------------------------------------------ conditionals
    def conditionals(self, values) -> np.ndarray:
        """``mu(x_i = v | x_R)`` for every masked ``i`` (bridges), as an ``(n, q)`` array.

        Parameters
        ----------
        values : array_like of int or dict
            Length ``n`` with ``-1`` at masked positions, or ``{position: value}``.

        Returns
        -------
        numpy.ndarray
            Row ``i`` is the conditional law of ``x_i``; rows of revealed positions are 0.

        Raises
        ------
        InputError
            Bad positions or values, or revealed values of probability 0.

        Notes
        -----
        For masked ``i`` with nearest revealed ``l < i < r``:
        ``mu(x_i = v | x_l = a, x_r = b) = P^{i-l}[a, v] P^{r-i}[v, b] / P^{r-l}[a, b]``
        (no right neighbour: drop the last factors; no left: ``(start P^{i-1})[v]``).
        Computed by forward-backward with every message rescaled, so ``n`` in the thousands
        neither underflows nor loses precision: ``O(n q^2)``.

        Examples
        --------
        >>> from mdmtheory.graphs import walk_matrix
        >>> c = MarkovChain(walk_matrix("path:3"), "vertex:0", 3)
        >>> c.conditionals([-1, -1, 2])[1].tolist()
        [0.0, 1.0, 0.0]
        """
        vals = self._values(values)
        out = np.empty((self.n, self.q))
        if not bridge_marginals(self.P, self.start, vals, out):
            raise InputError("the revealed values have probability 0 under this chain (not a possible partial walk)")
        return out

    def _values(self, values) -> np.ndarray:
        if isinstance(values, dict):
            vals = np.full(self.n, -1, dtype=np.int64)
            for i, v in values.items():
                if not 0 <= int(i) < self.n:
                    raise InputError(f"revealed position {i} is out of range 0..{self.n - 1}")
                vals[int(i)] = int(v)
        else:
            vals = np.asarray(values, dtype=np.int64).copy()
            if vals.shape != (self.n,):
                raise InputError(f"values must have length n = {self.n} with -1 at masked positions; got shape {vals.shape}")
        if np.any(vals < -1) or np.any(vals >= self.q):
            raise InputError(f"revealed values must be states 0..{self.q - 1} (or -1 for masked)")
        return vals

    # ---------------------------------------------------------------- laws
    def joint(self, max_memory: float | None = None) -> Joint:
        """The dense :class:`~mdmtheory.joint.Joint` (small ``n`` only: ``q^n`` cells).

        Examples
        --------
        >>> from mdmtheory.graphs import walk_matrix
        >>> round(float(MarkovChain(walk_matrix("cycle:3"), "uniform", 2).joint().table.sum()), 12)
        1.0
        """
        check_memory(8.0 * float(self.q) ** self.n * 2, f"a dense table of {self.q}^{self.n} cells", max_memory)
        return markov_chain(self.P, self.start, self.n)

    def sample(self, size: int, seed: int = 0) -> np.ndarray:
        """``size`` exact draws from the chain, an ``(size, n)`` int array (seeded).

        Examples
        --------
        >>> from mdmtheory.graphs import walk_matrix
        >>> c = MarkovChain(walk_matrix("cycle:5"), "stationary", 6)
        >>> bool(c.is_valid(c.sample(10, seed=1)).all())
        True
        """
        rng = np.random.default_rng(seed)
        cum = np.cumsum(self.P, axis=1)
        x = np.empty((int(size), self.n), dtype=np.int64)
        x[:, 0] = np.minimum(np.searchsorted(np.cumsum(self.start), rng.random(size), side="right"), self.q - 1)
        for t in range(1, self.n):
            u = rng.random(size)
            x[:, t] = np.minimum((cum[x[:, t - 1]] <= u[:, None]).sum(axis=1), self.q - 1)
        return x

    def is_valid(self, x) -> np.ndarray:
        """Whether each row of ``x`` has positive probability: ``start[x_1] > 0`` and every
        consecutive pair is a transition of ``P`` (an edge of the graph)."""
        x = np.atleast_2d(np.asarray(x, dtype=np.int64))
        ok = self.start[x[:, 0]] > 0
        if self.n > 1:
            ok &= np.all(self.P[x[:, :-1], x[:, 1:]] > 0, axis=1)
        return ok

    def is_valid_partial(self, values) -> bool:
        """Whether revealed values (``-1`` = masked) have positive probability: the first is
        possible under its marginal and consecutive revealed values are joined by paths.

        Examples
        --------
        >>> from mdmtheory.graphs import walk_matrix
        >>> c = MarkovChain(walk_matrix("cycle:4"), "stationary", 4)
        >>> c.is_valid_partial([0, -1, 0, -1]), c.is_valid_partial([0, -1, 1, -1])
        (True, False)
        """
        vals = self._values(values)
        out = np.empty((self.n, self.q))
        return bool(bridge_marginals(self.P, self.start, vals, out))

    # ------------------------------------------------------------- entropies
    def entropy(self, positions: Sequence[int] | None = None, base: float | None = None) -> float:
        """``H(X_A) = H(mu_{a_1}) + sum_m H(X_{a_{m+1}} | X_{a_m})`` (all positions by default).

        ``H(X_j | X_i) = sum_a mu_i(a) H(P^{j-i}[a, .])``: ``O(|A| q)`` after the tables.
        """
        A = range(self.n) if positions is None else sorted({int(i) for i in positions})
        A = list(A)
        if A and not (0 <= A[0] and A[-1] < self.n):
            raise InputError(f"positions must be in 0..{self.n - 1}")
        if not A:
            return 0.0
        mu, hrow, Hmu, D, L = self.tables()
        h = float(Hmu[settle(A[0], D, L)])
        for a, b in zip(A[:-1], A[1:]):
            h += float(mu[settle(a, D, L)] @ hrow[settle(b - a, D, L)])
        return h * _scale(base)

    def avg_entropy(self, base: float | None = None) -> np.ndarray:
        """``Hbar_k = mean_{|A| = k} H(X_A)``, ``k = 0..n``, without enumeration.

        Notes
        -----
        For any start, ``H(X_A)`` is a sum over consecutive members of ``A`` (Markov
        property), so ``Hbar_k = sum_i Pr(min A = i) H(X_i) + sum_d Pr(i, i+d consecutive)
        G(d)`` with ``Pr(min A = i) = C(n-i, k-1)/C(n, k)``, ``Pr = C(n-d-1, k-2)/C(n, k)``
        for each of the pairs at distance ``d``, and ``G(d) = sum_{i=1}^{n-d} sum_a mu_i(a)
        H(P^d[a, .])``.  A stationary start gives ``G(d) = (n - d) h(d)`` (THEORY.md
        section 5).  ``O(n log n)`` after the tables.

        Examples
        --------
        >>> from mdmtheory.graphs import walk_matrix
        >>> MarkovChain(walk_matrix("complete:2"), "uniform", 3).avg_entropy(base=2).round(12).tolist()
        [0.0, 1.0, 1.0, 1.0]
        """
        mu, hrow, Hmu, D, L = self.tables()
        n = self.n
        G = np.zeros(n)
        if n > 1:
            d = np.arange(1, n)
            idx = _settle_vec(d, D, L)
            if self.is_stationary:
                G[1:] = (n - d) * (hrow[idx] @ self.start)
            else:
                check_memory(8.0 * n * self.q * 3, f"the marginal sums of a chain with n={n}, q={self.q}")
                cum = np.cumsum(mu[_settle_vec(np.arange(n), D, L)], axis=0)  # cum[m-1] = sum_{i<=m} mu_i
                G[1:] = np.einsum("dq,dq->d", cum[n - d - 1], hrow[idx])
        hb = avg_entropy_kernel(Hmu[_settle_vec(np.arange(n), D, L)], G, n, self.is_stationary)
        return hb * _scale(base)

    def information_curve(self, base: float | None = None) -> np.ndarray:
        """``Z_j = Hbar_1 + Hbar_{j-1} - Hbar_j``, ``j = 1..n`` (array ``Z[j-1]``).

        Examples
        --------
        >>> from mdmtheory.graphs import walk_matrix
        >>> MarkovChain(walk_matrix("complete:2"), "uniform", 3).information_curve(base=2).round(12).tolist()
        [0.0, 1.0, 1.0]
        """
        return curve_from_avg_entropy(self.avg_entropy(base))

    def summary(self, base: float | None = None) -> dict:
        """What ``mdmtheory walk-info`` prints: ``n``, ``q``, ``unit``, ``entropy``,
        ``total_correlation`` (``n Hbar_1 - H``), ``dual_total_correlation`` (``n Z_n - TC``),
        ``avg_entropy``, ``information_curve``."""
        hb = self.avg_entropy(base)
        z = curve_from_avg_entropy(hb)
        n = self.n
        tc = self.total_correlation(base)
        return {
            "n": n,
            "q": self.q,
            "unit": unit_name(base),
            "stationary": self.is_stationary,
            "entropy": self.entropy(base=base),
            "total_correlation": tc,
            "dual_total_correlation": self.dual_total_correlation(base),
            "avg_entropy": [float(x) for x in hb],
            "information_curve": [float(x) for x in z],
        }

    def total_correlation(self, base: float | None = None) -> float:
        """``TC = sum_i H(X_i) - H(X)`` (exact, ``O(n q)`` after the tables)."""
        mu, hrow, Hmu, D, L = self.tables()
        singles = float(Hmu[_settle_vec(np.arange(self.n), D, L)].sum())
        return (singles - self.entropy()) * _scale(base)

    def dual_total_correlation(self, base: float | None = None) -> float:
        """``DTC = sum_i H(X_-i) - (n-1) H(X) = H(X) - sum_i delta_i`` with
        ``delta_i = H(X) - H(X_-i) = H(X_i | X_{i-1}) + H(X_{i+1} | X_i) - H(X_{i+1} | X_{i-1})``
        (local to ``i`` by the Markov property; the end terms drop).  ``O(n q)``."""
        n = self.n
        i = np.arange(n)
        prev = np.where(i > 0, i - 1, -1)
        nxt = np.where(i < n - 1, i + 1, -1)
        delta = self._links(prev, i) + self._links(i, nxt) - self._links(prev, nxt)
        return float(self.entropy() - delta.sum()) * _scale(base)

    def _links(self, l: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Vectorised chain terms: ``H(X_r | X_l)``; ``H(X_r)`` where ``l = -1``; 0 where ``r = -1``."""
        mu, hrow, Hmu, D, L = self.tables()
        l, r = np.asarray(l, dtype=np.int64), np.asarray(r, dtype=np.int64)
        out = np.zeros(l.shape)
        first = (l < 0) & (r >= 0)
        out[first] = Hmu[_settle_vec(r[first], D, L)]
        both = (l >= 0) & (r >= 0)
        out[both] = np.einsum(
            "iq,iq->i", mu[_settle_vec(l[both], D, L)], hrow[_settle_vec(r[both] - l[both], D, L)]
        )
        return out

    # ------------------------------------------------------------------ KL
    def fixed_order_kl(self, sets: Sequence[Sequence[int]], base: float | None = None) -> float:
        """Exact ``KL(mu || nu_S)`` of the ordered partition ``S_1..S_k`` at any ``n``.

        Notes
        -----
        Chain rule (THEORY.md section 2): ``KL = sum_t E TC(X_{S_t} | X_{T_t})``.  Given
        ``T_t`` the masked positions split into gaps between revealed neighbours ``l < r``;
        gaps are conditionally independent, so each step's TC is a sum over gaps, and a gap
        holding ``s_1 < ... < s_m`` of ``S_t`` contributes, expected over its boundary values,
        ``sum_j H(X_{s_j} | X_l, X_r) - H(X_{s_1..s_m} | X_l, X_r)``: a short chain of
        ``H(X_b | X_a)`` terms (the per-gap programme collapses to these by the Markov
        property).  ``O(n q + n log n)`` after the tables.

        Examples
        --------
        >>> from mdmtheory.graphs import walk_matrix
        >>> c = MarkovChain(walk_matrix("cycle:6"), "stationary", 7)
        >>> c.fixed_order_kl(bisection_partition(7))
        0.0
        """
        step = np.full(self.n, -1, dtype=np.int64)
        for t, S in enumerate(sets):
            if len(S) == 0:
                raise InputError("every step of an ordered partition must unmask at least one position")
            for i in S:
                i = int(i)
                if not 0 <= i < self.n:
                    raise InputError(f"position {i} is out of range 0..{self.n - 1}")
                if step[i] >= 0:
                    raise InputError(f"position {i} appears twice; the sets must partition 0..{self.n - 1}")
                step[i] = t
        if np.any(step < 0):
            raise InputError(f"positions {np.flatnonzero(step < 0)[:5].tolist()} are never unmasked; the sets must partition 0..{self.n - 1}")
        mu, hrow, Hmu, D, L = self.tables()
        return max(float(fixed_order_tc(step, mu, hrow, Hmu, D, L)), 0.0) * _scale(base)


def _settle_vec(d: np.ndarray, D: int, L: int) -> np.ndarray:
    d = np.asarray(d, dtype=np.int64)
    return np.where(d <= D, d, D - L + 1 + (d - D - 1) % L)


def _multiplier(P: np.ndarray):
    """``M -> P M`` (``P^d = P P^{d-1}``), through a sparse ``P`` when it has few non-zeros
    (a walk on a sparse graph: ``O(|E| q)`` per power instead of ``O(q^3)``)."""
    if P.shape[0] >= 32 and np.count_nonzero(P) <= 0.1 * P.size:
        from scipy.sparse import csr_matrix

        sp = csr_matrix(P)
        return lambda M: np.asarray(sp @ M)
    return lambda M: P @ M


def tables_memory(chain: "MarkovChain") -> float:
    """Bytes the chain's exact information measures need (``walk-info``, the large-``n``
    paths of ``walk --exact``): the settled tables with up to ``n`` powers (``mu``, ``hrow``
    as lists of arrays, their stacked copies and entropies: five ``n x q`` arrays plus about
    240 bytes of array headers per power), the ring of the last ``L`` powers and the power
    being computed with its temporaries (``L + 6`` dense ``q x q``), and the ``n x q`` and
    ``n``-long gathers of the entropy, TC and DTC sums (four ``n x q``, ten ``n``)."""
    q, n = chain.q, chain.n
    L = chain_period(chain.P)
    return 8.0 * q * q * (L + 6) + float(n) * (8.0 * q * 9 + 240.0 + 8.0 * 10)


def _settled_tables(P: np.ndarray, start: np.ndarray, n: int):
    """``mu[d] = start P^d``, ``hrow[d] = row entropies of P^d``, ``Hmu[d] = H(mu[d])`` for
    ``d = 0..D``, stopping at the first ``D >= L`` with ``max |P^D - P^{D-L}| <= SETTLE_TOL``.
    ``O(D (|E| q + q^2))`` for a sparse ``P`` with ``|E|`` non-zeros, ``O(D q^3)`` dense."""
    q = P.shape[0]
    L = chain_period(P)
    track = L * q * q * 8.0 <= 2.0**28  # keep the last L powers only when they fit in 256 MiB
    check_memory(8.0 * q * q * (L + 3 if track else 3) + 8.0 * n * (2 * q + 1), f"the matrix powers of a {q}-state chain")
    mu = [start.copy()]
    hrow = [np.zeros(q)]
    ring: deque = deque([np.eye(q)], maxlen=L)
    Pd = np.eye(q)
    D = 0
    step = _multiplier(P)
    for d in progress(range(1, max(n, 1)), desc="matrix powers"):
        Pd = step(Pd)
        mu.append(start @ Pd)
        hrow.append(entr(Pd).sum(axis=1))
        D = d
        if track:
            if d >= L and np.max(np.abs(Pd - ring[0])) <= SETTLE_TOL:
                break
            ring.append(Pd)
    mu_a = np.array(mu)
    return mu_a, np.array(hrow), entr(mu_a).sum(axis=1), D, L


def random_walk(graph, n: int, start="stationary", lazy: float = 0.0, weighted: bool = False) -> MarkovChain:
    """The walk of length ``n`` on ``graph`` as a :class:`MarkovChain`.

    Parameters
    ----------
    graph : str, networkx.Graph or array_like
        A spec such as ``"grid:4x4"`` (see :func:`mdmtheory.graphs.parse_graph`), a graph, or
        a symmetric adjacency matrix.
    n : int
        Walk length (number of positions).
    start : str, int or array_like, default "stationary"
        For a graph the stationary law is ``pi(v) ∝ deg(v)`` (weighted degree), defined even
        when the graph is disconnected.
    lazy : float, default 0
        Holding probability.
    weighted : bool, default False
        Use edge weights.

    Examples
    --------
    >>> random_walk("barbell:3", 5).q
    6
    """
    G = make_graph(graph)
    P = walk_matrix(G, lazy=lazy, weighted=weighted)
    if isinstance(start, str) and start.strip().lower() in ("stationary", "pi"):
        import networkx as nx

        A = nx.to_numpy_array(G, nodelist=range(G.number_of_nodes()), weight="weight" if weighted else None)
        deg = (A if weighted else (A > 0).astype(float)).sum(axis=1)
        start = deg / deg.sum()
    return MarkovChain(P, start, n)


def bisection_partition(n: int) -> list[list[int]]:
    """Rounds of the bisection sampler: each round unmasks the midpoint ``(a + b) // 2`` of
    every maximal masked run ``a..b`` (open-ended runs included).

    Exact for every Markov chain (one position per conditionally independent gap), in
    ``ceil(log2(n + 1))`` rounds.

    Examples
    --------
    >>> bisection_partition(7)
    [[3], [1, 5], [0, 2, 4, 6]]
    """
    if int(n) != n or n < 1:
        raise InputError(f"n must be a positive integer; got {n!r}")
    rounds: list[list[int]] = []
    runs = [(0, int(n) - 1)]
    while runs:
        mids, nxt = [], []
        for a, b in runs:
            m = (a + b) // 2
            mids.append(m)
            if a <= m - 1:
                nxt.append((a, m - 1))
            if m + 1 <= b:
                nxt.append((m + 1, b))
        rounds.append(mids)
        runs = nxt
    return rounds


def bisection_rounds(n: int) -> int:
    """``ceil(log2(n + 1))``, the number of bisection rounds for length ``n``.

    Examples
    --------
    >>> [bisection_rounds(n) for n in (1, 2, 3, 4, 7, 8)]
    [1, 2, 2, 3, 3, 4]
    """
    return int(ceil(log2(int(n) + 1)))
