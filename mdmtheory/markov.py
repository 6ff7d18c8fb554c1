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
* the bisection partition, exact in ``ceil(log2(n+1))`` rounds;
* :class:`ChainOracle`, a chain behind the oracle protocol of the estimators.

References
----------
.. [1] Bansal, Cholyeon, Kumar, Sanghavi, Sarkar, arXiv:2606.22976 (walks on graphs, bridges,
   bisection; docs/theory.md section 5).
.. [2] Chen, Cong, Li, COLT 2026, arXiv:2511.04647, Section 3 and Theorem 4 (curve, KL).
"""

from __future__ import annotations

from collections import deque
from typing import Sequence

import numpy as np

from .tolerances import SETTLE_TOL  # noqa: F401 - re-exported
from ._lazy import lazy_function
from ._numeric import as_rng, check_int, check_seed, clamp_nonneg
from .errors import ImpossibleContext, InputError, check_memory
from .graphs import chain_period, check_stochastic, make_graph, start_distribution, walk_matrix
from .information import unit_scale, curve_from_avg_entropy, unit_name
from .joint import Joint, check_index, check_positions, markov_chain
from .progress import progress

entr = lazy_function("scipy.special", "entr")
avg_entropy_kernel, bridge_marginals, fixed_order_tc, settle = (
    lazy_function("mdmtheory._kernels.markov", f) for f in ("avg_entropy_kernel", "bridge_marginals", "fixed_order_tc", "settle")
)

__all__ = ["MarkovChain", "ChainOracle", "random_walk", "bisection_partition", "bisection_rounds"]



def _limit(M: np.ndarray) -> np.ndarray | None:
    """``lim_m M^m`` by repeated squaring (rows renormalised), for ``M = P^c`` with ``c`` a
    multiple of the period (the limit exists); ``None`` if 64 squarings do not settle it.
    Convergence is quadratic once ``M`` is near its limit: a few squarings in practice."""
    prev = np.inf
    for _ in range(64):
        M2 = M @ M
        M2 /= M2.sum(axis=1, keepdims=True)
        inc = float(np.max(np.abs(M2 - M)))
        M = M2
        if inc == 0.0 or (inc <= 1e-13 and inc >= prev):  # exact, or at the rounding floor
            return M
        prev = inc
    return M if prev <= 1e-13 else None


class Settling:
    """The settle rule, fed ``P^1, P^2, ...`` in order (:meth:`done`).

    Powers stop at the first ``D`` such that every later ``P^d`` may be replaced by
    ``P^{settle(d)}`` (``D - L < settle(d) <= D``, same residue mod ``L``):

    * **within tolerance of the limit**: with ``Pi_d = lim_m P^{d + mL}`` (computed once by
      :func:`_limit`) and ``x_d = max_i sum_j |P^d - Pi_d|_{ij}``, ``x_d`` is nonincreasing in
      ``d`` (``P^{d+1} - Pi_{d+1} = P (P^d - Pi_d)`` and ``P`` is stochastic), so once
      ``x_{D-L+1} <= SETTLE_TOL / 2`` every replacement errs by at most
      ``x_d + x_{settle(d)} <= SETTLE_TOL`` per row.  This measures the distance to the limit,
      not the step increment: on a chain with spectral gap ``g`` the increment is about
      ``g`` times the distance, and an increment rule stops ``1/g`` times too early.
    * **exactly periodic**: ``P^D == P^{D-L}`` bit for bit; the (deterministic) iteration
      would repeat its last ``L`` powers forever, so settling changes nothing.  This is how a
      slowly mixing chain stops: its floating-point powers stall within about ``eps / g`` of
      the limit (the rounding floor of iterating ``P``), above ``SETTLE_TOL``.

    The limit is computed only once the increment ``max |P^d - P^{d-L}|`` is below
    ``SETTLE_TOL`` (a necessary condition).  ``track=False`` (the last ``L`` powers do not fit
    in memory) never settles.
    """

    def __init__(self, q: int, L: int, track: bool = True):
        self.L, self.track = L, track
        self.ring: deque = deque([np.eye(q)], maxlen=L)  # P^{d-L} .. P^{d-1}
        self.limits: list | None = None  # Pi_s for the residues s mod L
        self.stop_at: int | None = None

    def done(self, d: int, Pd: np.ndarray) -> bool:
        """Whether ``P^d`` (just computed) is the last power to store."""
        if not self.track:
            return False
        if self.stop_at is not None:
            return d >= self.stop_at
        L = self.L
        if d >= L:
            inc = float(np.max(np.abs(Pd - self.ring[0])))
            if inc == 0.0:
                return True
            if self.limits is None and inc <= SETTLE_TOL:
                powers = list(self.ring)[1:] + [Pd]  # P^{d-L+1} .. P^d
                c = L * (d // L)
                lim = _limit(powers[c - (d - L + 1)])
                if lim is None:
                    self.track = False
                    return False
                self.limits = [None] * L
                for s, Ps in zip(range(d - L + 1, d + 1), powers):
                    self.limits[s % L] = Ps @ lim
        self.ring.append(Pd)
        if self.limits is not None and float(np.max(np.abs(Pd - self.limits[d % L]).sum(axis=1))) <= SETTLE_TOL / 2:
            self.stop_at = d + L - 1
            return L == 1
        return False


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
        Non-stochastic ``P``, a bad start, ``n`` not a positive integer.

    Notes
    -----
    The powers ``P^d`` are computed once (rows renormalised after each product), up to the
    first ``D`` at which they settle, or up to ``n - 1``: ``O(min(n, D) q^3)`` time,
    ``O(L q^2 + min(n, D) q)`` memory.  Beyond ``D`` they repeat with period ``L`` (the chain
    period, see :func:`mdmtheory.graphs.chain_period`); "settled" means every later power is
    within ``SETTLE_TOL = 1e-14`` (row L1) of the stored one it is replaced by, measured
    against the limit of the powers, not by the step increment (see :class:`Settling`).

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
        try:
            self.n = check_int(n, "the length n", 1)
        except InputError:
            raise InputError(f"the length n must be a positive integer; got {n!r}") from None
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
            raise ImpossibleContext("the revealed values have probability 0 under this chain (not a possible partial walk)")
        return out

    def _values(self, values) -> np.ndarray:
        if isinstance(values, dict):
            vals = np.full(self.n, -1, dtype=np.int64)
            for i, v in values.items():
                i = check_index(i, f"revealed position {i!r}", self.n)
                vals[i] = check_int(v, f"the revealed value at position {i}")
        else:
            try:
                raw = np.asarray(values)
            except (TypeError, ValueError):
                raw = np.zeros((0,), dtype=object)
            if raw.dtype.kind not in "biuf" or (raw.dtype.kind == "f" and not np.all(raw == np.round(raw))):
                raise InputError(f"values must be integer states (or -1 for masked), length n = {self.n}; got {values!r}")
            vals = raw.astype(np.int64)
            if vals.shape != (self.n,):
                raise InputError(f"values must have length n = {self.n} with -1 at masked positions; got shape {vals.shape}")
        if np.any(vals < -1) or np.any(vals >= self.q):
            raise InputError(f"revealed values must be states 0..{self.q - 1} (or -1 for masked)")
        return vals

    # ---------------------------------------------------------------- laws
    def joint(self, max_memory: float | None = None) -> Joint:
        """The dense :class:`~mdmtheory.joint.Joint` (small ``n`` only: ``q^n`` cells).

        Raises
        ------
        InputError
            If the table would need more than ``max_memory`` bytes.

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

        Raises
        ------
        InputError
            ``size`` not an integer ``>= 0``, ``seed`` not an integer ``>= 0``, or too much memory.
        """
        size = check_int(size, "size", 0)
        seed = check_seed(seed)
        check_memory(8.0 * size * self.n * 2, f"{size} samples of length {self.n}")
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
        consecutive pair is a transition of ``P`` (an edge of the graph).

        Raises
        ------
        InputError
            If ``x`` is not an integer array of rows of length ``n`` with states in ``0..q-1``.
        """
        try:
            raw = np.atleast_2d(np.asarray(x))
        except (TypeError, ValueError):
            raw = np.zeros((1, 0), dtype=object)
        if raw.ndim != 2 or raw.shape[1] != self.n or raw.dtype.kind not in "biu" or raw.size == 0:
            raise InputError(f"x must be integer walks of length n = {self.n} (one per row)")
        x = raw.astype(np.int64)
        if x.min() < 0 or x.max() >= self.q:
            raise InputError(f"walk states must be in 0..{self.q - 1}")
        ok = self.start[x[:, 0]] > 0
        if self.n > 1:
            ok &= np.all(self.P[x[:, :-1], x[:, 1:]] > 0, axis=1)
        return ok

    def is_valid_partial(self, values) -> bool:
        """Whether revealed values (``-1`` = masked) have positive probability: the first is
        possible under its marginal and consecutive revealed values are joined by paths.

        Raises
        ------
        InputError
            If ``values`` are not ``n`` integer states (``-1`` masked) or a dict of them.

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

        Raises
        ------
        InputError
            Positions out of range, not integers or repeated; an invalid ``base``.
        """
        A = list(range(self.n)) if positions is None else sorted(check_positions(positions, self.n))
        scale = unit_scale(base)
        if not A:
            return 0.0
        mu, hrow, Hmu, D, L = self.tables()
        h = float(Hmu[settle(A[0], D, L)])
        for a, b in zip(A[:-1], A[1:]):
            h += float(mu[settle(a, D, L)] @ hrow[settle(b - a, D, L)])
        return h * scale

    def avg_entropy(self, base: float | None = None) -> np.ndarray:
        """``Hbar_k = mean_{|A| = k} H(X_A)``, ``k = 0..n``, without enumeration.

        Notes
        -----
        For any start, ``H(X_A)`` is a sum over consecutive members of ``A`` (Markov
        property), so ``Hbar_k = sum_i Pr(min A = i) H(X_i) + sum_d Pr(i, i+d consecutive)
        G(d)`` with ``Pr(min A = i) = C(n-i, k-1)/C(n, k)``, ``Pr = C(n-d-1, k-2)/C(n, k)``
        for each of the pairs at distance ``d``, and ``G(d) = sum_{i=1}^{n-d} sum_a mu_i(a)
        H(P^d[a, .])``.  A stationary start gives ``G(d) = (n - d) h(d)`` (docs/theory.md
        section 5.4).  ``O(n log n)`` after the tables.

        Raises
        ------
        InputError
            If ``base`` is not ``None`` or a finite number ``> 1``.

        Examples
        --------
        >>> from mdmtheory.graphs import walk_matrix
        >>> MarkovChain(walk_matrix("complete:2"), "uniform", 3).avg_entropy(base=2).round(12).tolist()
        [0.0, 1.0, 1.0, 1.0]
        """
        scale = unit_scale(base)
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
        return hb * scale

    def information_curve(self, base: float | None = None) -> np.ndarray:
        """``Z_j = Hbar_1 + Hbar_{j-1} - Hbar_j``, ``j = 1..n`` (array ``Z[j-1]``).

        Raises
        ------
        InputError
            If ``base`` is not ``None`` or a finite number ``> 1``.

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
        ``avg_entropy``, ``information_curve``.

        Raises
        ------
        InputError
            If ``base`` is not ``None`` or a finite number ``> 1``.
        """
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
        """``TC = sum_i H(X_i) - H(X)`` (exact, ``O(n q)`` after the tables).

        Raises
        ------
        InputError
            If ``base`` is not ``None`` or a finite number ``> 1``.
        """
        scale = unit_scale(base)
        mu, hrow, Hmu, D, L = self.tables()
        singles = float(Hmu[_settle_vec(np.arange(self.n), D, L)].sum())
        return clamp_nonneg(singles - self.entropy(), "a total correlation", scale=singles) * scale

    def dual_total_correlation(self, base: float | None = None) -> float:
        """``DTC = sum_i H(X_-i) - (n-1) H(X) = H(X) - sum_i delta_i`` with
        ``delta_i = H(X) - H(X_-i) = H(X_i | X_{i-1}) + H(X_{i+1} | X_i) - H(X_{i+1} | X_{i-1})``
        (local to ``i`` by the Markov property; the end terms drop).  ``O(n q)``.

        Raises
        ------
        InputError
            If ``base`` is not ``None`` or a finite number ``> 1``.
        """
        scale = unit_scale(base)
        n = self.n
        i = np.arange(n)
        prev = np.where(i > 0, i - 1, -1)
        nxt = np.where(i < n - 1, i + 1, -1)
        delta = self._links(prev, i) + self._links(i, nxt) - self._links(prev, nxt)
        h = self.entropy()
        return clamp_nonneg(float(h - delta.sum()), "a dual total correlation", scale=h) * scale

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
        Chain rule (docs/theory.md section 2): ``KL = sum_t E TC(X_{S_t} | X_{T_t})``.  Given
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

        Raises
        ------
        InputError
            If ``sets`` do not partition ``0..n-1`` into non-empty blocks of integer
            positions, or ``base`` is invalid.
        """
        scale = unit_scale(base)
        if isinstance(sets, (str, bytes, dict)) or not hasattr(sets, "__iter__"):
            raise InputError(f"sets must be a list of lists of positions partitioning 0..{self.n - 1}")
        step = np.full(self.n, -1, dtype=np.int64)
        for t, S in enumerate(sets):
            if isinstance(S, (str, bytes, dict)) or not hasattr(S, "__len__"):
                raise InputError(f"sets must be a list of lists of positions partitioning 0..{self.n - 1}")
            if len(S) == 0:
                raise InputError("every step of an ordered partition must unmask at least one position")
            for i in S:
                i = check_index(i, f"position {i!r}", self.n)
                if step[i] >= 0:
                    raise InputError(f"position {i} appears twice; the sets must partition 0..{self.n - 1}")
                step[i] = t
        if np.any(step < 0):
            raise InputError(f"positions {np.flatnonzero(step < 0)[:5].tolist()} are never unmasked; the sets must partition 0..{self.n - 1}")
        mu, hrow, Hmu, D, L = self.tables()
        kl = float(fixed_order_tc(step, mu, hrow, Hmu, D, L))
        return clamp_nonneg(kl, "a fixed-order KL", scale=self.n * max(1.0, float(np.log(self.q)))) * scale


class ChainOracle:
    """A :class:`mdmtheory.MarkovChain` behind the oracle protocol (``n``,
    ``sample(rng, m)``, ``conditional_marginals(revealed_mask, values)``).

    Rows of revealed positions are the point mass at their value, as for :class:`~mdmtheory.hmm.HMM`.
    ``log_prob`` gives ``log mu`` of full sequences (for
    :func:`~mdmtheory.oracle_estimates.estimate_fixed_order_divergences`); ``conditional_marginals`` raises
    :class:`~mdmtheory.errors.ImpossibleContext` on values of probability 0 (the chain's bridges).

    Raises
    ------
    InputError
        If ``chain`` is not a :class:`mdmtheory.MarkovChain`; the methods raise it on bad
        values, seeds or sample counts (through the chain's own checks).

    Examples
    --------
    >>> o = ChainOracle(random_walk("cycle:4", 3, start="vertex:0"))
    >>> o.conditional_marginals(np.array([True, False, False]), np.array([0, 0, 0]))[1].tolist()
    [0.0, 0.5, 0.0, 0.5]
    """

    def __init__(self, chain):
        if not isinstance(chain, MarkovChain):
            raise InputError(f"ChainOracle wraps a mdmtheory.MarkovChain; got {type(chain).__name__}")
        self.chain = chain
        self.n = chain.n
        self.q = chain.q

    def sample(self, rng, m: int) -> np.ndarray:
        """``m`` exact draws (``(m, n)`` ints), seeded from ``rng``.

        Raises
        ------
        InputError
            A bad seed or count.
        """
        rng = as_rng(rng)
        return self.chain.sample(int(m), seed=int(rng.integers(2**63)))

    def log_prob(self, x) -> np.ndarray:
        """``log mu(x)`` of full sequences: ``log start[x_1] + sum_t log P[x_t, x_{t+1}]``.

        Raises
        ------
        InputError
            Rows of the wrong length or states out of range.
        """
        x = np.atleast_2d(np.asarray(x))
        if x.ndim != 2 or x.shape[1] != self.n or x.dtype.kind not in "iu" or np.any(x < 0) or np.any(x >= self.q):
            raise InputError(f"x must be sequences of length n = {self.n} of states 0..{self.q - 1}")
        x = np.atleast_2d(np.asarray(x, dtype=np.int64))
        with np.errstate(divide="ignore"):
            out = np.log(self.chain.start[x[:, 0]])
            if self.n > 1:
                out = out + np.log(self.chain.P[x[:, :-1], x[:, 1:]]).sum(axis=1)
        return out

    def conditional_marginals(self, revealed_mask, values) -> np.ndarray:
        """The chain's bridges given the revealed values, point masses at revealed rows.

        Raises
        ------
        InputError
            Bad mask or values, or values of probability 0.
        """
        mask = np.asarray(revealed_mask, dtype=bool)
        vals = np.where(mask, np.asarray(values, dtype=np.int64), -1)
        out = self.chain.conditionals(vals)
        idx = np.flatnonzero(mask)
        out[idx] = 0.0
        out[idx, vals[idx]] = 1.0
        return out

    def conditional_marginals_batch(self, revealed_masks, values) -> np.ndarray:
        """The batched oracle call: ``(B, n, q)`` bridges of ``B`` partial walks (row ``b`` as
        :meth:`conditional_marginals` gives it); a row of probability 0 is all NaN.

        Raises
        ------
        InputError
            Bad masks or values.

        Examples
        --------
        >>> from mdmtheory import random_walk
        >>> o = ChainOracle(random_walk("cycle:4", 3, start="vertex:0"))
        >>> o.conditional_marginals_batch(np.array([[True, False, False]]), np.array([[0, 0, 0]]))[0, 1].tolist()
        [0.0, 0.5, 0.0, 0.5]
        """
        from ._kernels.markov import bridge_marginals  # start-up time: numba loads on first use

        masks = np.asarray(revealed_masks)
        vals = np.asarray(values)
        if masks.ndim != 2 or masks.shape[1] != self.n or masks.dtype.kind != "b" or vals.shape != masks.shape \
                or vals.dtype.kind not in "iu":
            raise InputError(f"revealed_masks and values must be (B, {self.n}) booleans and integers; got shapes "
                             f"{masks.shape} and {vals.shape}")
        vals = np.where(masks, vals.astype(np.int64), -1)
        if np.any(masks & ((vals < 0) | (vals >= self.q))):
            raise InputError(f"revealed values must be states 0..{self.q - 1}")
        P, start = self.chain.P, self.chain.start
        out = np.empty((masks.shape[0], self.n, self.q))
        for b in range(masks.shape[0]):
            if not bridge_marginals(P, start, vals[b], out[b]):
                out[b] = np.nan
                continue
            idx = np.flatnonzero(masks[b])
            out[b, idx] = 0.0
            out[b, idx, vals[b, idx]] = 1.0
        return out



def _settle_vec(d: np.ndarray, D: int, L: int) -> np.ndarray:
    d = np.asarray(d, dtype=np.int64)
    return np.where(d <= D, d, D - L + 1 + (d - D - 1) % L)


def multiplier(P: np.ndarray):
    """``M -> P M`` (``P^d = P P^{d-1}``), through a sparse ``P`` when it has few non-zeros
    (a walk on a sparse graph: ``O(|E| q)`` per power instead of ``O(q^3)``)."""
    if P.shape[0] >= 32 and np.count_nonzero(P) <= 0.1 * P.size:
        # start-up time: scipy loads on first use, not with import mdmtheory
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
    ``d = 0..D``, stopping at the first ``D`` the settle rule (:class:`Settling`) allows.
    ``O(D (|E| q + q^2))`` for a sparse ``P`` with ``|E|`` non-zeros, ``O(D q^3)`` dense."""
    q = P.shape[0]
    L = chain_period(P)
    track = L * q * q * 8.0 <= 2.0**28  # keep the last L powers only when they fit in 256 MiB
    check_memory(8.0 * q * q * (L + 3 if track else 3) + 8.0 * n * (2 * q + 1), f"the matrix powers of a {q}-state chain")
    mu = [start.copy()]
    hrow = [np.zeros(q)]
    settling = Settling(q, L, track)
    Pd = np.eye(q)
    D = 0
    step = multiplier(P)
    for d in progress(range(1, max(n, 1)), desc="matrix powers"):
        Pd = step(Pd)
        Pd /= Pd.sum(axis=1, keepdims=True)  # keep the rows stochastic: no drift over many products
        mu.append(start @ Pd)
        hrow.append(entr(Pd).sum(axis=1))
        D = d
        if settling.done(d, Pd):
            break
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

    Raises
    ------
    InputError
        For an invalid graph, ``lazy`` outside ``[0, 1)``, a bad start, or ``n`` not a
        positive integer.

    Examples
    --------
    >>> random_walk("barbell:3", 5).q
    6
    """
    G = make_graph(graph)
    P = walk_matrix(G, lazy=lazy, weighted=weighted)
    if isinstance(start, str) and start.strip().lower() in ("stationary", "pi"):
        # start-up time: networkx loads on first use, not with import mdmtheory
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

    Raises
    ------
    InputError
        If ``n`` is not a positive integer (or the partition would not fit in memory).
    """
    try:
        n = check_int(n, "n", 1)
    except InputError:
        raise InputError(f"n must be a positive integer; got {n!r}") from None
    check_memory(64.0 * n, f"the bisection partition of n = {n} positions")
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

    Raises
    ------
    InputError
        If ``n`` is not a positive integer.
    """
    try:
        n = check_int(n, "n", 1)
    except InputError:
        raise InputError(f"n must be a positive integer; got {n!r}") from None
    return n.bit_length()  # = ceil(log2(n + 1)), exactly, for any size
