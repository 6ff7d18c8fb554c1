"""Dense joint distributions over ``[q_1] x ... x [q_n]`` and the built-in families.

A :class:`Joint` is a validated probability table with one axis per position.  The
families are deterministic functions of their arguments (random ones take a seed), so
every number the toolkit prints can be reproduced.

References
----------
.. [1] Chen, Cong, Li, "Optimal inference schedules for masked diffusion models",
   COLT 2026, arXiv:2511.04647 (the distributions used in its examples and lower bounds).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .errors import InputError, check_memory

__all__ = [
    "Joint",
    "load_joint",
    "product",
    "random_joint",
    "copy",
    "parity",
    "linear_code",
    "reed_solomon",
    "mixture_of_products",
    "ising_chain",
    "markov_chain",
]

#: Tolerance on ``|sum - 1|`` for a table to count as a distribution.
SUM_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class Joint:
    """A probability table over ``[q_1] x ... x [q_n]``, one axis per position.

    Parameters
    ----------
    table : array_like
        Non-negative, finite entries summing to 1 (within ``1e-9``), at least one axis.
    normalize : bool, default False
        Divide by the sum instead of requiring it to be 1.

    Raises
    ------
    InputError
        If the table is empty, has no axis, has NaN/inf or negative entries, or does not
        sum to 1 (and ``normalize`` is false).

    Examples
    --------
    >>> J = Joint([[0.5, 0.0], [0.0, 0.5]])
    >>> J.n, J.q
    (2, (2, 2))
    """

    table: np.ndarray

    def __init__(self, table, normalize: bool = False):
        t = np.array(table, dtype=np.float64, copy=True)
        if t.ndim == 0:
            raise InputError("a joint table needs at least one position (axis); got a scalar")
        if t.size == 0:
            raise InputError(f"a joint table must have every alphabet size >= 1; got shape {t.shape}")
        if not np.all(np.isfinite(t)):
            bad = int(np.sum(~np.isfinite(t)))
            raise InputError(f"the table has {bad} NaN or infinite entries; every entry must be a finite probability")
        if np.any(t < 0):
            raise InputError(
                f"the table has {int(np.sum(t < 0))} negative entries (smallest {t.min():.3g}); probabilities must be >= 0"
            )
        total = float(t.sum())
        if normalize:
            if total <= 0:
                raise InputError("the table sums to 0 and cannot be normalized; give at least one positive entry")
            t /= total
        elif abs(total - 1.0) > SUM_TOL:
            raise InputError(
                f"the table sums to {total!r}, not 1 (tolerance {SUM_TOL}); "
                "normalize it first (Joint(table, normalize=True) or divide by its sum)"
            )
        t.setflags(write=False)
        object.__setattr__(self, "table", t)

    @property
    def n(self) -> int:
        """Number of positions."""
        return self.table.ndim

    @property
    def q(self) -> tuple[int, ...]:
        """Alphabet size of each position."""
        return tuple(int(s) for s in self.table.shape)

    def marginal(self, positions: Sequence[int]) -> np.ndarray:
        """Marginal table of ``positions`` (axes in increasing position order)."""
        keep = sorted(set(int(i) for i in positions))
        drop = tuple(i for i in range(self.n) if i not in keep)
        return self.table.sum(axis=drop) if drop else self.table.copy()

    def conditional(self, pinned: dict[int, int]) -> "Joint":
        """The law of the other positions given ``X_i = v`` for ``(i, v)`` in ``pinned``.

        Raises
        ------
        InputError
            If a position or value is out of range, or the pinning has probability 0.
        """
        index: list = [slice(None)] * self.n
        for i, v in pinned.items():
            if not 0 <= int(i) < self.n:
                raise InputError(f"pinned position {i} is out of range 0..{self.n - 1}")
            if not 0 <= int(v) < self.q[int(i)]:
                raise InputError(f"pinned value {v} at position {i} is out of range 0..{self.q[int(i)] - 1}")
            index[int(i)] = int(v)
        sub = self.table[tuple(index)]
        mass = float(sub.sum())
        if mass <= 0:
            raise InputError(f"the pinning {dict(pinned)} has probability 0 under this distribution; pin a possible assignment")
        if sub.ndim == 0:
            raise InputError("the pinning fixes every position; leave at least one position free")
        return Joint(sub / mass, normalize=True)

    def save(self, path: str | os.PathLike) -> None:
        """Save the table as a ``.npy`` file."""
        np.save(path, self.table)

    def __repr__(self) -> str:
        return f"Joint(n={self.n}, q={list(self.q)})"


def load_joint(path: str | os.PathLike, max_memory: float | None = None) -> Joint:
    """Load a :class:`Joint` from a ``.npy`` file, refusing oversize tables before reading them.

    Raises
    ------
    InputError
        Missing file, a directory, FIFO or device, not a ``.npy`` file, object arrays, or an
        invalid table.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "t.npy")
    >>> parity(3).save(path)
    >>> load_joint(path).q
    (2, 2, 2)
    """
    from .files import check_input_file

    path = check_input_file(path, "a .npy table", " (numpy.save)")  # FIFOs and devices would hang
    try:
        header = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(f"{path!r} is not a readable .npy file ({exc}); save tables with numpy.save") from None
    if not isinstance(header, np.ndarray) or header.dtype.kind not in "biuf":
        raise InputError(f"{path!r} does not hold a numeric array; save a float table with numpy.save")
    check_memory(8.0 * header.size * 2, f"loading {path!r} (shape {header.shape})", max_memory)
    return Joint(np.asarray(header, dtype=np.float64))


def _check_n(n: int, name: str = "n") -> int:
    if int(n) != n or n < 1:
        raise InputError(f"{name} must be a positive integer; got {n!r}")
    return int(n)


def _dense_from_support(points: np.ndarray, shape: tuple[int, ...]) -> Joint:
    """Uniform distribution on the distinct rows of ``points``."""
    check_memory(8.0 * float(np.prod(shape, dtype=float)), f"a dense table of shape {shape}")
    t = np.zeros(shape)
    uniq = np.unique(points, axis=0)
    t[tuple(uniq.T)] = 1.0 / len(uniq)
    return Joint(t)


def product(marginals: Sequence[Sequence[float]]) -> Joint:
    """Product distribution ``prod_i p_i(x_i)`` of the given marginals.

    Examples
    --------
    >>> product([[0.5, 0.5], [0.2, 0.3, 0.5]]).q
    (2, 3)
    """
    if len(marginals) == 0:
        raise InputError("product needs at least one marginal")
    t = np.ones(())
    for m in marginals:
        m = np.asarray(Joint(m).table)
        if m.ndim != 1:
            raise InputError("each marginal of product must be a 1-D probability vector")
        t = np.multiply.outer(t, m)
    return Joint(t, normalize=True)


def random_joint(n: int, q: int | Sequence[int] = 2, alpha: float = 1.0, seed: int = 0) -> Joint:
    """A table drawn from a symmetric Dirichlet with concentration ``alpha`` (seeded).

    Small ``alpha`` gives sparse, strongly dependent tables; large ``alpha`` near-uniform ones.

    Examples
    --------
    >>> t = random_joint(3, q=[2, 3, 2], alpha=0.5, seed=1)
    >>> t.q, round(float(t.table.sum()), 12)
    ((2, 3, 2), 1.0)
    """
    n = _check_n(n)
    shape = tuple([int(q)] * n) if np.isscalar(q) else tuple(int(x) for x in q)
    if len(shape) != n or min(shape) < 1:
        raise InputError(f"q must be an alphabet size >= 1 or a list of n={n} of them; got {q!r}")
    if not alpha > 0:
        raise InputError(f"alpha must be > 0; got {alpha!r}")
    size = int(np.prod(shape))
    check_memory(8.0 * size, f"a random table of shape {shape}")
    rng = np.random.default_rng(seed)
    # gamma draws, normalised: Dirichlet without underflow to an all-zero table
    g = rng.gamma(alpha, size=size)
    if g.sum() <= 0:  # pragma: no cover - only for absurdly small alpha
        g[rng.integers(size)] = 1.0
    return Joint(g.reshape(shape), normalize=True)


def copy(n: int, q: int = 2) -> Joint:
    """All positions equal to one uniform symbol in ``[q]`` (the 'giant bit' for ``q = 2``).

    ``H = log q``, ``TC = (n - 1) log q``, ``DTC = log q``; random-order expected KL of a
    schedule is ``(s_1 - 1) log q`` (THEORY.md section 7).

    Examples
    --------
    >>> float(copy(3, 2).table[1, 1, 1]), float(copy(3, 2).table[0, 1, 1])
    (0.5, 0.0)
    """
    n = _check_n(n)
    pts = np.repeat(np.arange(q)[:, None], n, axis=1)
    return _dense_from_support(pts, (q,) * n)


def parity(n: int) -> Joint:
    """Uniform over even-weight bit strings of length ``n``.

    ``TC = 1`` bit and ``DTC = n - 1`` bits for ``n >= 2``.

    Examples
    --------
    >>> int((parity(4).table > 0).sum())
    8
    """
    n = _check_n(n)
    pts = np.array([x for x in itertools.product((0, 1), repeat=n) if sum(x) % 2 == 0])
    return _dense_from_support(pts, (2,) * n)


def _is_prime(q: int) -> bool:
    return q >= 2 and all(q % d for d in range(2, int(q**0.5) + 1))


def linear_code(G, q: int = 2) -> Joint:
    """Uniform over the row space ``{u G : u in F_q^k}`` of a generator matrix over prime ``F_q``.

    Positions are the columns of ``G``.

    Examples
    --------
    >>> int((linear_code([[1, 1, 0], [0, 1, 1]], 2).table > 0).sum())   # 2^rank codewords
    4
    """
    G = np.asarray(G)
    if G.ndim != 2 or G.size == 0:
        raise InputError("G must be a non-empty 2-D generator matrix (rows = generators, columns = positions)")
    if not _is_prime(int(q)):
        raise InputError(f"q must be a prime (the field F_q); got {q!r}")
    k, n = G.shape
    check_memory(8.0 * float(q) ** n + 8.0 * float(q) ** k * n, f"the code table over F_{q}^{n}")
    msgs = np.array(list(itertools.product(range(q), repeat=k)), dtype=np.int64).reshape(-1, k)
    pts = (msgs @ (G.astype(np.int64) % q)) % q
    return _dense_from_support(pts, (q,) * n)


def reed_solomon(n: int, k: int, q: int) -> Joint:
    """Uniform over the Reed-Solomon code: polynomials of degree ``< k`` over prime ``F_q``
    evaluated at ``0, 1, ..., n-1`` (needs ``q >= n``).  An MDS code: ``Z_j = log q * [j > k]``
    (Chen-Cong-Li, Prop. 20).

    Examples
    --------
    >>> int((reed_solomon(4, 2, 5).table > 0).sum())   # q^k codewords
    25
    """
    n, k = _check_n(n), _check_n(k, "k")
    if not _is_prime(int(q)) or q < n:
        raise InputError(f"reed_solomon needs a prime q >= n = {n}; got q={q!r}")
    if k > n:
        raise InputError(f"reed_solomon needs k <= n; got k={k}, n={n}")
    G = np.array([[pow(a, i, q) for a in range(n)] for i in range(k)])
    return linear_code(G, q)


def mixture_of_products(weights: Sequence[float], components: Sequence[Sequence[Sequence[float]]]) -> Joint:
    """``sum_c w_c prod_i p_{c,i}(x_i)``: a latent-class model.

    Examples
    --------
    >>> bool(np.allclose(mixture_of_products([0.5, 0.5], [[[1, 0], [1, 0]], [[0, 1], [0, 1]]]).table, copy(2, 2).table))
    True
    """
    w = Joint(weights).table
    if w.ndim != 1 or len(w) != len(components):
        raise InputError("weights must be a probability vector with one entry per component")
    tabs = [product(c).table for c in components]
    if len({t.shape for t in tabs}) != 1:
        raise InputError("every component must have the same positions and alphabet sizes")
    return Joint(sum(wc * t for wc, t in zip(w, tabs)), normalize=True)


def ising_chain(n: int, J: float = 1.0, h: float = 0.0) -> Joint:
    """Open Ising chain ``p(s) ∝ exp(J sum s_i s_{i+1} + h sum s_i)``, ``s_i = 2 x_i - 1``.

    Examples
    --------
    >>> t = ising_chain(3, J=1.0).table
    >>> bool(t[0, 0, 0] > t[0, 1, 0])    # aligned neighbours are likelier for J > 0
    True
    """
    n = _check_n(n)
    check_memory(8.0 * 2.0**n, f"an Ising table with n={n}")
    s = np.array(list(itertools.product((-1, 1), repeat=n)), dtype=float).reshape(-1, n)
    energy = J * np.sum(s[:, 1:] * s[:, :-1], axis=1) + h * s.sum(axis=1)
    w = np.exp(energy - energy.max())
    return Joint(w.reshape((2,) * n), normalize=True)


def markov_chain(P, start, n: int) -> Joint:
    """Dense table of a Markov chain: ``x_1 ~ start``, ``x_{t+1} ~ P[x_t, .]`` (small ``n``).

    Examples
    --------
    >>> t = markov_chain([[0.9, 0.1], [0.2, 0.8]], [0.5, 0.5], 3).table
    >>> round(float(t[0, 0, 1]), 12)      # 0.5 * 0.9 * 0.1
    0.045
    """
    n = _check_n(n)
    P = np.asarray(P, dtype=float)
    start = np.asarray(start, dtype=float)
    if P.ndim != 2 or P.shape[0] != P.shape[1]:
        raise InputError(f"P must be a square matrix; got shape {P.shape}")
    if np.any(P < 0) or not np.allclose(P.sum(axis=1), 1.0, atol=1e-9):
        raise InputError("P must be row-stochastic: non-negative rows summing to 1")
    if start.shape != (P.shape[0],):
        raise InputError(f"start must be a vector of length {P.shape[0]}")
    check_memory(8.0 * float(P.shape[0]) ** n, f"a dense Markov-chain table with n={n}")
    t = Joint(start).table
    for _ in range(n - 1):
        t = t[..., :, None] * P[(None,) * (t.ndim - 1)]
    return Joint(t, normalize=True)
