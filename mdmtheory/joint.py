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

from ._numeric import check_int, check_real, check_seed, sum_tolerance
from .errors import InputError, check_memory
from .tolerances import FLOAT64_EPS
from .files import atomic_write, load_npy
from .forests import check_forest
from .graphs import check_stochastic  # the one rule for transition matrices

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
    "two_mode",
    "noisy_copy",
    "shuffle",
    "forest_joint",
]

# SUM_TOL and sum_tolerance (the one normalisation rule) live in mdmtheory._numeric.


def check_index(value, what: str, size: int) -> int:
    """An integer index in ``0..size-1``; the message says "out of range" or "not an integer"."""
    v = check_int(value, what)
    if not 0 <= v < size:
        raise InputError(f"{what} is out of range 0..{size - 1}")
    return v


def check_positions(positions, n: int, what: str = "positions") -> list[int]:
    """Validate a collection of distinct positions in ``0..n-1`` and return them as ints (in order).

    Raises
    ------
    InputError
        For a non-iterable, non-integer entries, positions out of range, or duplicates.

    Examples
    --------
    >>> check_positions([2, 0], 3)
    [2, 0]
    """
    if isinstance(positions, (str, bytes, dict)) or not hasattr(positions, "__iter__"):
        raise InputError(f"{what} must be a list of distinct integer positions in 0..{n - 1}; got {positions!r}")
    out = [check_index(i, f"position {i!r} in {what}", n) for i in positions]
    if len(set(out)) != len(out):
        dup = sorted({i for i in out if out.count(i) > 1})
        raise InputError(f"{what} lists position(s) {dup} more than once; give each position once")
    return out


@dataclass(frozen=True, eq=False)
class Joint:
    """A probability table over ``[q_1] x ... x [q_n]``, one axis per position.

    Parameters
    ----------
    table : array_like
        Non-negative, finite real entries summing to 1, at least one axis.  Any real
        floating dtype is accepted and judged at its own precision (float64: ``1e-9``;
        float32: a few float32 ulps, see :func:`~mdmtheory._numeric.sum_tolerance`); the stored
        table is float64, divided by its sum once here (a table summing to ``1 + 1e-10`` is
        accepted and every engine sees it normalised, never a different tolerance).
    normalize : bool, default False
        Divide by the sum instead of requiring it to be 1.

    Raises
    ------
    InputError
        If the table is not numeric (or complex, or ragged), is empty, has no axis, has
        NaN/inf or negative entries, or does not sum to 1 (and ``normalize`` is false).

    Examples
    --------
    >>> J = Joint([[0.5, 0.0], [0.0, 0.5]])
    >>> J.n, J.q
    (2, (2, 2))
    """

    table: np.ndarray

    def __init__(self, table, normalize: bool = False):
        if isinstance(table, Joint):
            table = table.table
        try:
            raw = np.asarray(table)
        except (TypeError, ValueError):
            raw = None
        if raw is None or raw.dtype.kind not in "biuf":
            what = "a ragged or non-numeric" if raw is None or raw.dtype.kind in "OUSV" else f"a {raw.dtype}"
            raise InputError(f"a joint table must be an array of real probabilities; got {what} table")
        with np.errstate(over="ignore", invalid="ignore"):  # float128 beyond float64: inf, refused below
            t = np.array(raw, dtype=np.float64, copy=True)
        if t.ndim == 0:
            raise InputError("a joint table needs at least one position (axis); got a scalar")
        _check_positions_count(t.ndim)
        if t.size == 0:
            raise InputError(f"a joint table must have every alphabet size >= 1; got shape {t.shape}")
        if not np.all(np.isfinite(t)):
            bad = int(np.sum(~np.isfinite(t)))
            raise InputError(f"the table has {bad} NaN or infinite entries; every entry must be a finite probability")
        if np.any(t < 0):
            raise InputError(
                f"the table has {int(np.sum(t < 0))} negative entries (smallest {t.min():.3g}); probabilities must be >= 0"
            )
        with np.errstate(over="ignore"):
            total = float(t.sum())
        if normalize:
            if not total > 0:
                raise InputError("the table sums to 0 and cannot be normalized; give at least one positive entry")
            if not np.isfinite(total):  # finite entries whose sum overflows: scale down first
                t /= t.max()
                total = float(t.sum())
            t /= total
        else:
            tol = sum_tolerance(raw.dtype, t.size)
            if abs(total - 1.0) > tol:
                raise InputError(
                    f"the table sums to {total!r}, not 1 (tolerance {tol:.3g} for {raw.dtype}); "
                    "normalize it first (Joint(table, normalize=True) or divide by its sum)"
                )
            if abs(total - 1.0) > 64 * FLOAT64_EPS or raw.dtype != np.float64:
                # normalised once, here: every engine sees a table summing to 1 in float64 (a table
                # already normalised, off by a few ulps, is kept bit for bit: save/load round-trips)
                t /= total
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
        """Marginal table of ``positions`` (axes in increasing position order).

        Raises
        ------
        InputError
            If a position is out of range ``0..n-1``, not an integer, or listed twice.

        Examples
        --------
        >>> parity(3).marginal([2, 0]).tolist()
        [[0.25, 0.25], [0.25, 0.25]]
        """
        keep = sorted(check_positions(positions, self.n))
        drop = tuple(i for i in range(self.n) if i not in keep)
        return self.table.sum(axis=drop) if drop else self.table.copy()

    def conditional(self, pinned: dict[int, int]) -> "Joint":
        """The law of the other positions given ``X_i = v`` for ``(i, v)`` in ``pinned``.

        Raises
        ------
        InputError
            If ``pinned`` is not a dict, a position or value is not an integer or out of
            range, or the pinning has probability 0.

        Examples
        --------
        >>> parity(3).conditional({0: 1}).table.tolist()
        [[0.0, 0.5], [0.5, 0.0]]
        """
        if not isinstance(pinned, dict):
            raise InputError(f"pinned must be a dict {{position: value}}; got {pinned!r}")
        index: list = [slice(None)] * self.n
        for i, v in pinned.items():
            i = check_index(i, f"pinned position {i!r}", self.n)
            v = check_index(v, f"pinned value {v!r} at position {i}", self.q[i])
            index[i] = v
        sub = self.table[tuple(index)]
        mass = float(sub.sum())
        if mass <= 0:
            raise InputError(f"the pinning {dict(pinned)} has probability 0 under this distribution; pin a possible assignment")
        if sub.ndim == 0:
            raise InputError("the pinning fixes every position; leave at least one position free")
        return Joint(sub / mass, normalize=True)

    def save(self, path: str | os.PathLike) -> None:
        """Save the table as a ``.npy`` file (``.npy`` appended to a name without it, as
        :func:`numpy.save` does), written through :func:`mdmtheory.files.atomic_write`.

        Raises
        ------
        InputError
            A target that is a symbolic link (refused, never followed), a directory or another
            non-regular file, or a folder that is not writable.
        """
        target = os.fspath(path)
        if not target.endswith(".npy"):
            target += ".npy"
        atomic_write(target, lambda fh: np.save(fh, self.table))

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
    return Joint(load_npy(path, "a .npy table", max_memory))  # Joint judges the sum at the file's own precision


#: Most positions a dense table can have: numpy's limit on the number of array dimensions.
MAX_POSITIONS = 64


def _check_positions_count(n: int) -> None:
    if n > MAX_POSITIONS:
        raise InputError(f"a dense table has at most {MAX_POSITIONS} positions (numpy's limit on array dimensions); got {n}")


def _check_n(n: int, name: str = "n") -> int:
    try:
        return check_int(n, name, 1)
    except InputError:
        raise InputError(f"{name} must be a positive integer; got {n!r}") from None


def _check_cells(shape: Sequence[int], what: str) -> None:
    """Refuse, before any enumeration, a dense table of ``shape`` over the memory limit."""
    logs = sum(np.log2(float(x)) for x in shape)
    cells = 2.0**logs if logs < 1000 else float("inf")
    check_memory(8.0 * cells, f"{what} of shape {tuple(shape)}")


def _check_cells_power(q: int, n: int, what: str) -> None:
    """:func:`_check_cells` for the shape ``(q,) * n`` without building it (``n`` may be huge)."""
    logs = n * float(np.log2(q)) if q > 1 else 0.0
    cells = 2.0**logs if logs < 1000 else float("inf")
    check_memory(8.0 * cells, f"{what} of shape ({q},) * {n}")


def _dense_from_support(points: np.ndarray, shape: tuple[int, ...]) -> Joint:
    """Uniform distribution on the distinct rows of ``points``."""
    check_memory(8.0 * float(np.prod(shape, dtype=float)), f"a dense table of shape {shape}")
    uniq = np.unique(points, axis=0)
    flat, stride = np.zeros(len(uniq), dtype=np.int64), 1
    for j in range(len(shape) - 1, -1, -1):  # C-order flat index (fancy indexing stops at 63 axes)
        flat += uniq[:, j].astype(np.int64) * stride
        stride *= int(shape[j])
    t = np.zeros(stride)
    t[flat] = 1.0 / len(uniq)
    return Joint(t.reshape(shape))


def product(marginals: Sequence[Sequence[float]]) -> Joint:
    """Product distribution ``prod_i p_i(x_i)`` of the given marginals.

    Raises
    ------
    InputError
        If ``marginals`` is empty or not a list, a marginal is not a 1-D probability
        vector, or the table would be too large.

    Examples
    --------
    >>> product([[0.5, 0.5], [0.2, 0.3, 0.5]]).q
    (2, 3)
    """
    if isinstance(marginals, (str, bytes, dict)) or not hasattr(marginals, "__len__") or len(marginals) == 0:
        raise InputError(f"product needs a list of at least one probability vector; got {marginals!r}")
    ms = []
    for m in marginals:
        m = np.asarray(Joint(m).table)
        if m.ndim != 1:
            raise InputError("each marginal of product must be a 1-D probability vector")
        ms.append(m)
    _check_positions_count(len(ms))
    _check_cells([m.size for m in ms], "a product table")
    t = np.ones(())
    for m in ms:
        t = np.multiply.outer(t, m)
    return Joint(t, normalize=True)


def random_joint(n: int, q: int | Sequence[int] = 2, alpha: float = 1.0, seed: int = 0) -> Joint:
    """A table drawn from a symmetric Dirichlet with concentration ``alpha`` (seeded).

    Small ``alpha`` gives sparse, strongly dependent tables; large ``alpha`` near-uniform ones.

    Raises
    ------
    InputError
        If ``n`` is not a positive integer, ``q`` is not one alphabet size ``>= 1`` or a
        list of ``n`` of them, ``alpha`` is not a finite number ``> 0``, ``seed`` is not an
        integer ``>= 0``, or the table would be too large.

    Examples
    --------
    >>> t = random_joint(3, q=[2, 3, 2], alpha=0.5, seed=1)
    >>> t.q, round(float(t.table.sum()), 12)
    ((2, 3, 2), 1.0)
    """
    n = _check_n(n)
    _check_positions_count(n)
    if np.ndim(q) == 0:
        q = check_int(q, "the alphabet size q", 1)
        _check_cells_power(q, n, "a random table")
        shape = (q,) * n
    else:
        shape = tuple(check_int(x, "an alphabet size in q", 1) for x in q)
        if len(shape) != n:
            raise InputError(f"q must be an alphabet size >= 1 or a list of n={n} of them; got {q!r}")
    alpha = check_real(alpha, "alpha", 0.0, lo_open=True)
    seed = check_seed(seed)
    _check_cells(shape, "a random table")
    size = int(np.prod(shape))
    rng = np.random.default_rng(seed)
    # gamma draws, normalised: Dirichlet without underflow to an all-zero table
    g = rng.gamma(alpha, size=size)
    if g.sum() <= 0:  # pragma: no cover - only for absurdly small alpha
        g[rng.integers(size)] = 1.0
    return Joint(g.reshape(shape), normalize=True)


def copy(n: int, q: int = 2) -> Joint:
    """All positions equal to one uniform symbol in ``[q]`` (the 'giant bit' for ``q = 2``).

    ``H = log q``, ``TC = (n - 1) log q``, ``DTC = log q``; random-order expected KL of a
    schedule is ``(s_1 - 1) log q`` (docs/theory.md section 7).

    Raises
    ------
    InputError
        If ``n`` or ``q`` is not a positive integer, or the table would be too large.

    Examples
    --------
    >>> float(copy(3, 2).table[1, 1, 1]), float(copy(3, 2).table[0, 1, 1])
    (0.5, 0.0)
    """
    n = _check_n(n)
    q = check_int(q, "the alphabet size q", 1)
    _check_positions_count(n)
    _check_cells_power(q, n, "a copy table")
    pts = np.repeat(np.arange(q)[:, None], n, axis=1)
    return _dense_from_support(pts, (q,) * n)


def parity(n: int) -> Joint:
    """Uniform over even-weight bit strings of length ``n``.

    ``TC = 1`` bit and ``DTC = n - 1`` bits for ``n >= 2``.

    Raises
    ------
    InputError
        If ``n`` is not a positive integer, or the table would be too large.

    Examples
    --------
    >>> int((parity(4).table > 0).sum())
    8
    """
    n = _check_n(n)
    _check_positions_count(n)
    _check_cells_power(2, n, "a parity table")
    pts = np.array([x for x in itertools.product((0, 1), repeat=n) if sum(x) % 2 == 0])
    return _dense_from_support(pts, (2,) * n)


def _is_prime(q: int) -> bool:
    return q >= 2 and all(q % d for d in range(2, int(q**0.5) + 1))


def linear_code(G, q: int = 2) -> Joint:
    """Uniform over the row space ``{u G : u in F_q^k}`` of a generator matrix over prime ``F_q``.

    Positions are the columns of ``G``.

    Raises
    ------
    InputError
        If ``G`` is not a non-empty 2-D integer matrix, ``q`` is not a prime, or the table
        would be too large.

    Examples
    --------
    >>> int((linear_code([[1, 1, 0], [0, 1, 1]], 2).table > 0).sum())   # 2^rank codewords
    4
    """
    try:
        G = np.asarray(G)
    except (TypeError, ValueError):
        G = np.zeros((0,))
    if G.ndim != 2 or G.size == 0 or G.dtype.kind not in "biuf":
        raise InputError("G must be a non-empty 2-D generator matrix (rows = generators, columns = positions)")
    if G.dtype.kind == "f" and not (np.all(np.isfinite(G)) and np.all(G == np.round(G))):
        raise InputError("the entries of G must be integers (elements of F_q)")
    q = check_int(q, "q", 2)
    if not _is_prime(q):
        raise InputError(f"q must be a prime (the field F_q); got {q!r}")
    G = np.mod(G.astype(np.int64) if G.dtype.kind == "f" else G, q)
    k, n = G.shape
    _check_positions_count(n)
    check_memory(8.0 * float(q) ** n + 8.0 * float(q) ** k * n, f"the code table over F_{q}^{n}")
    msgs = np.array(list(itertools.product(range(q), repeat=k)), dtype=np.int64).reshape(-1, k)
    pts = (msgs @ (G.astype(np.int64) % q)) % q
    return _dense_from_support(pts, (q,) * n)


def reed_solomon(n: int, k: int, q: int) -> Joint:
    """Uniform over the Reed-Solomon code: polynomials of degree ``< k`` over prime ``F_q``
    evaluated at ``0, 1, ..., n-1`` (needs ``q >= n``).  An MDS code: ``Z_j = log q * [j > k]``
    (Chen-Cong-Li, Prop. 20).

    Raises
    ------
    InputError
        If ``n`` or ``k`` is not a positive integer, ``k > n``, or ``q`` is not a prime ``>= n``.

    Examples
    --------
    >>> int((reed_solomon(4, 2, 5).table > 0).sum())   # q^k codewords
    25
    """
    n, k = _check_n(n), _check_n(k, "k")
    q = check_int(q, "q", 2)
    if not _is_prime(q) or q < n:
        raise InputError(f"reed_solomon needs a prime q >= n = {n}; got q={q!r}")
    if k > n:
        raise InputError(f"reed_solomon needs k <= n; got k={k}, n={n}")
    G = np.array([[pow(a, i, q) for a in range(n)] for i in range(k)])
    return linear_code(G, q)


def mixture_of_products(weights: Sequence[float], components: Sequence[Sequence[Sequence[float]]]) -> Joint:
    """``sum_c w_c prod_i p_{c,i}(x_i)``: a latent-class model.

    Raises
    ------
    InputError
        If the weights are not a probability vector with one entry per component, or the
        components are not products over the same alphabets.

    Examples
    --------
    >>> bool(np.allclose(mixture_of_products([0.5, 0.5], [[[1, 0], [1, 0]], [[0, 1], [0, 1]]]).table, copy(2, 2).table))
    True
    """
    w = Joint(weights).table
    if not hasattr(components, "__len__") or isinstance(components, (str, bytes, dict)):
        raise InputError("components must be a list of lists of marginals, one list per weight")
    if w.ndim != 1 or len(w) != len(components):
        raise InputError("weights must be a probability vector with one entry per component")
    tabs = [product(c).table for c in components]
    if len({t.shape for t in tabs}) != 1:
        raise InputError("every component must have the same positions and alphabet sizes")
    return Joint(sum(wc * t for wc, t in zip(w, tabs)), normalize=True)


def ising_chain(n: int, J: float = 1.0, h: float = 0.0) -> Joint:
    """Open Ising chain ``p(s) ∝ exp(J sum s_i s_{i+1} + h sum s_i)``, ``s_i = 2 x_i - 1``.

    Raises
    ------
    InputError
        If ``n`` is not a positive integer, ``J`` or ``h`` is not finite (or overflows the
        energies), or the table would be too large.

    Examples
    --------
    >>> t = ising_chain(3, J=1.0).table
    >>> bool(t[0, 0, 0] > t[0, 1, 0])    # aligned neighbours are likelier for J > 0
    True
    """
    n = _check_n(n)
    J, h = check_real(J, "the coupling J"), check_real(h, "the field h")
    if abs(J) * n + abs(h) * n > 1e300:
        raise InputError(f"J = {J!r} and h = {h!r} overflow the energies at n = {n}; use |J|, |h| below 1e300 / n")
    _check_positions_count(n)
    check_memory(8.0 * 2.0**n, f"an Ising table with n={n}")
    s = np.array(list(itertools.product((-1, 1), repeat=n)), dtype=float).reshape(-1, n)
    energy = J * np.sum(s[:, 1:] * s[:, :-1], axis=1) + h * s.sum(axis=1)
    w = np.exp(energy - energy.max())
    return Joint(w.reshape((2,) * n), normalize=True)


def markov_chain(P, start, n: int) -> Joint:
    """Dense table of a Markov chain: ``x_1 ~ start``, ``x_{t+1} ~ P[x_t, .]`` (small ``n``).

    Raises
    ------
    InputError
        If ``P`` is not a finite row-stochastic square matrix, ``start`` not a probability
        vector of matching length, ``n`` not a positive integer, or the table too large.

    Examples
    --------
    >>> t = markov_chain([[0.9, 0.1], [0.2, 0.8]], [0.5, 0.5], 3).table
    >>> round(float(t[0, 0, 1]), 12)      # 0.5 * 0.9 * 0.1
    0.045
    """
    n = _check_n(n)
    P = check_stochastic(P)
    t = Joint(start).table
    if t.shape != (P.shape[0],):
        raise InputError(f"start must be a vector of length {P.shape[0]}")
    _check_positions_count(n)
    _check_cells_power(P.shape[0], n, "a dense Markov-chain table")
    for _ in range(n - 1):
        t = t[..., :, None] * P[(None,) * (t.ndim - 1)]
    return Joint(t, normalize=True)


# --- families from the wider literature (issue 12) ---------------------------------------------


def two_mode(n: int) -> Joint:
    """Half the mass on ``ABAB...`` and half on ``BABA...`` (``A = 0``, ``B = 1``).

    The two-mode example: every position is a fair bit and the first revealed bit fixes all the
    others.  Its information curve is the copy distribution's (``Z_1 = 0``, ``Z_j = log 2`` for
    ``j >= 2``), so ``H = log 2``, ``TC = (n - 1) log 2``, ``DTC = log 2``, and a first step that
    samples ``s_1`` positions independently costs ``KL = (s_1 - 1) log 2``; later steps are
    free (the revealed bit determines the rest).

    Parameters
    ----------
    n : int
        Number of positions, ``>= 1``.

    Returns
    -------
    Joint
        Binary table of shape ``(2,) * n``.

    Raises
    ------
    InputError
        If ``n`` is not a positive integer.

    Examples
    --------
    >>> t = two_mode(4).table
    >>> float(t[0, 1, 0, 1]), float(t[1, 0, 1, 0]), float(t[0, 0, 0, 0])
    (0.5, 0.5, 0.0)
    """
    n = _check_n(n)
    a = np.arange(n) % 2
    return _dense_from_support(np.stack([a, 1 - a]), (2,) * n)


def noisy_copy(n: int, q: int = 2, delta: float = 0.1) -> Joint:
    """``(1 - delta) copy(n, q) + delta * uniform``: all positions equal, except with probability
    ``delta`` when the string is uniform over ``[q]^n``.

    Every one-position marginal is uniform, so one-step factorised decoding outputs the uniform
    law ``nu`` and its reverse KL is exactly

        ``KL(nu || mu) = (1 - q^(1-n)) log(1/delta) + q^(1-n) log(q^(-n) / ((1-delta)/q + delta q^(-n)))``

    which grows without bound as ``delta -> 0`` while the forward KL stays below
    ``TC <= (n - 1) log q`` (Zhang et al., arXiv 2602.00286: factorised parallel decoding can have
    arbitrarily large reverse KL; this family is our instance of that statement).

    Parameters
    ----------
    n : int
        Number of positions, ``>= 1``.
    q : int, default 2
        Alphabet size, ``>= 1``.
    delta : float, default 0.1
        Noise weight, ``0 < delta <= 1`` (``delta = 1`` is the uniform law).

    Returns
    -------
    Joint

    Raises
    ------
    InputError
        If ``n`` or ``q`` is not a positive integer, or ``delta`` is outside ``(0, 1]``.

    Examples
    --------
    >>> t = noisy_copy(2, 2, delta=0.2).table
    >>> [round(float(v), 12) for v in t.ravel()]
    [0.45, 0.05, 0.05, 0.45]
    """
    n = _check_n(n)
    q = _check_n(q, "q")
    try:
        delta = float(delta)
    except (TypeError, ValueError):
        raise InputError(f"delta must be a number in (0, 1]; got {delta!r}") from None
    if not 0.0 < delta <= 1.0:
        raise InputError(f"delta must be in (0, 1] (delta = 0 is copy(n, q)); got {delta!r}")
    check_memory(8.0 * float(q) ** n, f"a dense table of shape {(q,) * n}")
    t = np.full((q,) * n, delta / float(q) ** n)
    diag = np.arange(q)
    t[(diag,) * n] += (1.0 - delta) / q
    return Joint(t, normalize=True)


def shuffle(n: int) -> Joint:
    """Uniform over the ``n!`` permutations of ``0..n-1`` (one position per list slot, alphabet
    ``n``): the output law of ParallelBench's *shuffle* task for a list of ``n`` distinct items.

    Every position is uniform over the items and the positions are strongly dependent (no
    repeats).  Unmasking ``s`` positions in parallel when ``m`` items remain gives a valid
    partial permutation with probability ``m! / ((m - s)! m^s)``, whatever the positions, so a
    schedule's accuracy is the product over its steps and ``KL(mu || nu) = -log(accuracy)``.

    Parameters
    ----------
    n : int
        List length, ``>= 1`` (the table has ``n^n`` cells).

    Returns
    -------
    Joint

    Raises
    ------
    InputError
        If ``n`` is not a positive integer or the table is too large.

    References
    ----------
    .. [1] W. Kang et al., "ParallelBench", arXiv:2510.04767 (the synthetic list tasks).

    Examples
    --------
    >>> t = shuffle(3).table
    >>> float(t[2, 0, 1]), float(t[0, 0, 1]), int((t > 0).sum())
    (0.16666666666666666, 0.0, 6)
    """
    n = _check_n(n)
    check_memory(8.0 * float(n) ** n, f"the shuffle table with n={n} ({n}^{n} cells)")
    return _dense_from_support(np.array(list(itertools.permutations(range(n)))), (n,) * n)


def replace_random(n: int) -> Joint:
    """ParallelBench's *replace-random* task: the output list of ``n`` items with exactly one item,
    chosen uniformly, replaced by the given word; position ``i`` is 1 when its item was replaced
    and 0 when it was kept (alphabet 2), so the law is uniform over the ``n`` one-hot strings.

    The task (``replace_random_list`` of the benchmark's list operations: "Replace a random word
    from the list ... with the word ...") is the one where every position is confident
    (``P(kept) = 1 - 1/m`` with ``m`` positions left) yet two parallel replacements break the
    list.  The benchmark's *copy* and *replace-index* tasks have one correct output (a point mass:
    every decoder is exact on them) and need no family; :func:`copy` is a different law (one
    random symbol copied to every position).

    Unmasking ``s`` of the ``m`` positions left (none replaced yet) keeps the list valid with
    probability ``(1 - 1/m)^s + (s/m)(1 - 1/m)^(s - 1)`` (at most one replacement), exactly one
    when ``s = m``: ``(1 - 1/m)^(m - 1)``; once a replacement is drawn the others are certain.

    Parameters
    ----------
    n : int
        List length, ``>= 1`` (the table has ``2^n`` cells).

    Returns
    -------
    Joint
        Binary table of shape ``(2,) * n``.

    Raises
    ------
    InputError
        If ``n`` is not a positive integer or the table is too large.

    References
    ----------
    .. [1] W. Kang et al., "ParallelBench", arXiv:2510.04767 (``tasks_list_op.yaml``:
       ``replace_random_list``, metric ``list_random_replace_score``).

    Examples
    --------
    >>> t = replace_random(3).table
    >>> float(t[0, 1, 0]), float(t[1, 1, 0]), int((t > 0).sum())
    (0.3333333333333333, 0.0, 3)
    """
    n = _check_n(n)
    _check_positions_count(n)
    _check_cells_power(2, n, "the replace_random table")
    return _dense_from_support(np.eye(n, dtype=np.int64), (2,) * n)


# --- tree-structured laws (issue 18) -----------------------------------------------------------


def forest_joint(edges, n: int, q: int | Sequence[int] = 2, alpha: float = 1.0, seed: int = 0) -> Joint:
    """A random Markov random field on a forest over the positions (seeded).

    ``mu(x) = (1/Z) prod_i phi_i(x_i) prod_{(i, j) in E} psi_ij(x_i, x_j)`` for the forest
    ``E = edges`` on ``0..n-1`` (:func:`mdmtheory.forests.check_forest`), every entry of every
    potential drawn independently from ``Gamma(alpha)``.  Small ``alpha`` gives strongly dependent
    neighbours; any positive potentials give full support.  The law is Markov on the forest:
    given the positions of a separating set, the components of the rest are independent (so the
    ``centroid`` sampler with the same edges samples it exactly); positions in different trees
    are independent.

    Parameters
    ----------
    edges : list of pairs
        The forest (no cycles, no repeated edge, endpoints in ``0..n-1``); ``[]`` gives a product law.
    n : int
        Number of positions.
    q : int or list of int, default 2
        One alphabet size, or one per position.
    alpha : float, default 1
        Gamma concentration of the potentials' entries (``> 0``).
    seed : int, default 0

    Raises
    ------
    InputError
        Not a forest, a bad ``n``, ``q``, ``alpha`` or ``seed``, or the table too large.

    Notes
    -----
    ``O(q^n (n + |E|))`` time and ``8 q^n`` bytes: one broadcast product per factor.

    Examples
    --------
    >>> from mdmtheory.forests import random_forest
    >>> t = forest_joint(random_forest(5, seed=2), 5, q=3, seed=2)
    >>> t.q, round(float(t.table.sum()), 12)
    ((3, 3, 3, 3, 3), 1.0)
    """
    n = _check_n(n)
    _check_positions_count(n)
    E = check_forest(edges, n)
    if np.ndim(q) == 0:
        shape = (check_int(q, "the alphabet size q", 1),) * n
    else:
        shape = tuple(check_int(x, "an alphabet size in q", 1) for x in q)
        if len(shape) != n:
            raise InputError(f"q must be an alphabet size >= 1 or a list of n={n} of them; got {q!r}")
    alpha = check_real(alpha, "alpha", 0.0, lo_open=True)
    rng = np.random.default_rng(check_seed(seed))
    _check_cells(shape, "a forest table")
    t = np.ones(shape)
    for i in range(n):
        t *= rng.gamma(alpha, size=shape[i]).reshape([-1 if a == i else 1 for a in range(n)])
    for i, j in E:
        psi = rng.gamma(alpha, size=(shape[i], shape[j]))
        t *= psi.reshape([shape[a] if a in (i, j) else 1 for a in range(n)])
    if not np.isfinite(t).all() or t.sum() <= 0:  # pragma: no cover - only for absurdly small alpha
        raise InputError(f"alpha={alpha!r} underflows every entry of the table; use a larger alpha")
    return Joint(t / t.sum(), normalize=True)
