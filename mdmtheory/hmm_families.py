"""Built-in hidden Markov models and order-``m`` chains, and their spec strings.

:func:`block_hmm` (block-structured, after Zhang et al.), :func:`order_m_chain` (an order-``m``
token chain as an :class:`~mdmtheory.hmm.HMM`; :func:`random_order_m_kernel` draws a kernel)
and :func:`noisy_walk` (a walk on a graph seen through a noisy channel); :func:`parse_hmm` builds
one from a command-line spec (:data:`HMM_FAMILIES`).  The theory: ``docs/hmm.md`` section H.2.

References
----------
.. [3] Zhang, Yu, Brekelmans, Tang, Asif, Ver Steeg, "Generation order and parallel decoding
   in masked diffusion models: an information-theoretic perspective", arXiv:2602.00286
   (the Block-HMM experiments; only the abstract was reachable, see :func:`block_hmm`).
"""

from __future__ import annotations


import numpy as np

from ._numeric import as_rng, check_real, is_int
from .errors import InputError, check_memory
from .graphs import make_graph, walk_matrix
from .hmm import HMM, check_probabilities, load_hmm

__all__ = ["block_hmm", "order_m_chain", "noisy_walk", "random_order_m_kernel", "HMM_FAMILIES", "parse_hmm"]


def _prob(v, name: str) -> float:
    """A probability in ``[0, 1]``."""
    return check_real(v, name, 0.0, hi=1.0)


def block_hmm(blocks: int, size: int, n: int, stay: float = 0.9, eps: float = 0.1) -> HMM:
    """A block-structured HMM (our definition; see Notes).

    Hidden states are ``(b, j)`` for ``blocks`` blocks of ``size`` states; tokens likewise
    (``q = h = blocks * size``), block ``b`` owning tokens ``b*size .. b*size + size - 1``.

    Parameters
    ----------
    blocks, size : int
        Number of blocks and states (tokens) per block, ``>= 1``.
    n : int
        Sequence length.
    stay : float, default 0.9
        From ``(b, j)`` the chain moves to ``(b, j+1 mod size)`` with probability ``stay``
        and to a uniformly random state of another block otherwise (with one block, it
        always stays).
    eps : float, default 0.1
        State ``(b, j)`` emits its own token with probability ``1 - eps`` and a uniform
        token of its block otherwise.  The start is uniform.

    Raises
    ------
    InputError
        Sizes below 1, ``stay`` or ``eps`` outside ``[0, 1]``.

    Notes
    -----
    Zhang et al. [3]_ validate their theory on "a controlled Block-HMM"; only the abstract
    was reachable, so this construction is ours: deterministic-ish motion inside a block
    (low-entropy, easy tokens once the block is known) and rare jumps between blocks
    (high-entropy positions), which is what makes generation order matter.

    Examples
    --------
    >>> block_hmm(3, 2, 10)
    HMM(h=6, q=6, n=10)
    """
    for name, v in (("blocks", blocks), ("size", size)):
        if not is_int(v, 1):
            raise InputError(f"{name} must be a positive integer; got {v!r}")
    stay, eps = _prob(stay, "stay"), _prob(eps, "eps")
    K, s = int(blocks), int(size)
    h = K * s
    check_memory(24.0 * float(min(h, 10**15)) ** 2, f"a block HMM with {h} states")
    A = np.zeros((h, h))
    B = np.zeros((h, h))
    for b in range(K):
        own = slice(b * s, (b + 1) * s)
        for j in range(s):
            z = b * s + j
            if K > 1:
                A[z] = (1.0 - stay) / (h - s)
                A[z, own] = 0.0
                A[z, b * s + (j + 1) % s] += stay
            else:
                A[z, b * s + (j + 1) % s] = 1.0
            B[z, own] = eps / s
            B[z, z] += 1.0 - eps
    return HMM(A, B, "uniform", n)


def order_m_chain(P_m, n: int, start="uniform") -> HMM:
    """An order-``m`` token chain ``x_{t+m} ~ P_m[x_t, ..., x_{t+m-1}, .]`` as an HMM.

    Parameters
    ----------
    P_m : array_like
        Shape ``(q,) * (m + 1)``: ``P_m[a_1, ..., a_m, b]`` is the probability of the next
        token ``b`` after the ``m`` tokens ``a_1..a_m``; stochastic along the last axis.
    n : int
        Sequence length.
    start : array_like or str, default "uniform"
        Law of the first ``m`` tokens: shape ``(q,) * m`` (or flattened to ``q^m``),
        ``"uniform"``, or ``"stationary"`` (the stationary law of the window chain; needs
        one closed class).

    Raises
    ------
    InputError
        ``P_m`` not a cube of side ``q`` with ``m >= 1``, not stochastic, or a bad start.

    Notes
    -----
    The hidden state is a window of ``m`` tokens: ``z_t = (x_t, ..., x_{t+m-1})`` (the last
    ``m`` tokens at time ``t+m-1``; ``h = q^m``, index ``sum_k x_{t+k} q^(m-1-k)``).  It
    moves by shifting in ``x_{t+m} ~ P_m[z_t, .]`` and emits its first token ``x_t``, so the
    emitted ``x_1..x_n`` follow the order-``m`` chain exactly (windows reaching past ``n``
    are summed out).  With ``m = 1`` this is the visible chain.

    Examples
    --------
    >>> P2 = np.full((2, 2, 2), 0.5); P2[0, 0] = [0.0, 1.0]      # no 0 after two 0s
    >>> m = order_m_chain(P2, 3)
    >>> float(np.exp(m.log_prob([0, 0, 0])[0]))
    0.0
    """
    try:
        P = np.array(P_m, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise InputError("P_m must be an array of probabilities of shape (q,) * (m + 1)") from None
    if P.ndim < 2 or len(set(P.shape)) != 1:
        raise InputError(f"P_m must have shape (q,) * (m + 1) with m >= 1; got shape {P.shape}")
    q, m = P.shape[0], P.ndim - 1
    P = check_probabilities(P, "order-m kernel P_m", P.ndim)
    h = q**m
    check_memory(8.0 * h * (h + q) * 2, f"an order-{m} chain over {q} tokens ({h} hidden windows)")
    z = np.arange(h)
    A = np.zeros((h, h))
    rows = P.reshape(h, q)
    nxt = (z[:, None] * q) % h + np.arange(q)[None, :]  # shift the window, append b
    A[np.repeat(z, q), nxt.ravel()] = rows.ravel()
    B = np.zeros((h, q))
    B[z, z // q ** (m - 1)] = 1.0
    if isinstance(start, str):
        s = start
    else:
        try:
            s = np.asarray(start, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            raise InputError("the start of an order-m chain must be 'uniform', 'stationary' or an array") from None
        if s.shape not in ((q,) * m, (h,)):
            raise InputError(f"the start of an order-{m} chain has shape {(q,) * m} (or {h} flat); got {s.shape}")
        s = s.reshape(h)
    return HMM(A, B, s, n)


def noisy_walk(graph, eps: float, n: int, start="stationary", lazy: float = 0.0) -> HMM:
    """A random walk on a graph seen through a noisy channel.

    The hidden chain is the walk on ``mdmtheory.graphs.make_graph(graph)`` (``P = D^-1 A``,
    optionally lazy); each position shows the current vertex with probability ``1 - eps``
    and a uniformly random vertex otherwise (so the true vertex has ``1 - eps + eps/q``).

    Parameters
    ----------
    graph : str, networkx.Graph or array_like
        A spec such as ``"grid:4x4"`` (see :func:`mdmtheory.graphs.parse_graph`).
    eps : float
        Noise level in ``[0, 1]``; ``eps = 0`` is the visible walk.
    n : int
        Walk length.
    start : str or array_like, default "stationary"
        ``"stationary"`` (``pi ∝ degree``, defined even for a disconnected graph),
        ``"uniform"`` or a vector over the vertices.
    lazy : float, default 0
        Holding probability of the walk.

    Raises
    ------
    InputError
        Bad graph spec, ``eps`` outside ``[0, 1]``, bad start.

    Examples
    --------
    >>> w = noisy_walk("path:3", 0.0, 3, start="uniform")
    >>> float(np.exp(w.log_prob([0, 2, 1])[0]))                  # 0 -> 2 is not an edge
    0.0
    """
    eps = _prob(eps, "eps")
    G = make_graph(graph)
    P = walk_matrix(G, lazy=lazy)
    q = P.shape[0]
    if isinstance(start, str) and start.strip().lower() in ("stationary", "pi"):
        deg = np.array([G.degree(v) for v in range(q)], dtype=float)
        start = deg / deg.sum() if deg.sum() > 0 else "uniform"
    B = (1.0 - eps) * np.eye(q) + eps / q
    return HMM(P, B, start, n)


def random_order_m_kernel(q: int, m: int, seed: int = 0, alpha: float = 1.0) -> np.ndarray:
    """A random order-``m`` kernel ``P_m`` of shape ``(q,) * (m + 1)``: every row drawn from
    a symmetric Dirichlet(``alpha``) (seeded), for :func:`order_m_chain`.

    Raises
    ------
    InputError
        ``q``, ``m`` not positive integers, ``alpha <= 0``, or a table over the memory limit.

    Examples
    --------
    >>> random_order_m_kernel(3, 2, seed=1).shape
    (3, 3, 3)
    """
    for name, v in (("q", q), ("m", m)):
        if not is_int(v, 1):
            raise InputError(f"{name} must be a positive integer; got {v!r}")
    if isinstance(alpha, (bool, str)) or not isinstance(alpha, (int, float, np.integer, np.floating)) \
            or not 0 < alpha < np.inf:
        raise InputError(f"alpha must be a finite number > 0; got {alpha!r}")
    if int(m) > 63:
        raise InputError(f"m must be between 1 and 63 (the kernel has m + 1 axes; numpy's limit is 64); got {m!r}")
    cells = 2 * int(m) * np.log10(float(q))  # log10 of the q^(2m) cells of the window chain
    check_memory(16.0 * 10.0 ** min(cells, 30.0), f"an order-{m} chain over {q} tokens")
    rng = as_rng(seed)
    return rng.dirichlet(np.full(int(q), float(alpha)), size=(int(q),) * int(m))


#: The built-in HMM families of :func:`parse_hmm`: name -> usage.
HMM_FAMILIES = {
    "block": "block:BLOCKS,SIZE[,STAY[,EPS]] (block-structured HMM, defaults stay=0.9 eps=0.1)",
    "order": "order:Q,M[,SEED[,ALPHA]] (random order-M chain over Q tokens, stationary start)",
    "noisy": "noisy:EPS:GRAPH (walk on GRAPH, e.g. noisy:0.1:grid:8x8, shown through an EPS-noisy channel)",
    "file": "FILE.npz (arrays transition, emission, start; see HMM.save)",
}


def parse_hmm(spec: str, n: int, max_memory: float | None = None) -> HMM:
    """Build an :class:`HMM` of length ``n`` from a spec string (for the command line).

    Parameters
    ----------
    spec : str
        ``PATH.npz`` (:func:`load_hmm`), ``block:BLOCKS,SIZE[,STAY[,EPS]]``
        (:func:`block_hmm`), ``order:Q,M[,SEED[,ALPHA]]`` (:func:`order_m_chain` of
        :func:`random_order_m_kernel`, stationary start) or ``noisy:EPS:GRAPH``
        (:func:`noisy_walk`, ``GRAPH`` a :func:`mdmtheory.graphs.parse_graph` spec).
    n : int
        Sequence length.
    max_memory : float, optional
        The memory ceiling a ``.npz`` file's model is checked against before it is loaded
        (:func:`load_hmm`; default 4 GiB).

    Raises
    ------
    InputError
        Unknown family (the message lists the forms), bad numbers, or a bad file.

    Examples
    --------
    >>> parse_hmm("block:8,4", 100)
    HMM(h=32, q=32, n=100)
    >>> parse_hmm("noisy:0.1:grid:3x3", 50)
    HMM(h=9, q=9, n=50)
    >>> parse_hmm("order:2,3,7", 10)
    HMM(h=8, q=2, n=10)
    """
    text = str(spec).strip()
    forms = "; ".join(HMM_FAMILIES.values())
    if text.lower().endswith(".npz"):
        return load_hmm(text, n, max_memory)
    name, _, rest = text.partition(":")
    name = name.strip().lower()

    def numbers(parts, kinds, what):
        if not 1 <= len(parts) <= len(kinds) or any(not p.strip() for p in parts):
            raise InputError(f"bad arguments in {spec!r}; usage: {HMM_FAMILIES[what]}")
        try:
            return [k(p.strip()) for k, p in zip(kinds, parts)]
        except ValueError:
            raise InputError(f"bad number in {spec!r}; usage: {HMM_FAMILIES[what]}") from None

    if name == "block":
        args = numbers(rest.split(","), (int, int, float, float), "block")
        if len(args) < 2:
            raise InputError(f"block needs BLOCKS and SIZE; usage: {HMM_FAMILIES['block']}")
        return block_hmm(*args[:2], n, *args[2:])
    if name == "order":
        args = numbers(rest.split(","), (int, int, int, float), "order")
        if len(args) < 2:
            raise InputError(f"order needs Q and M; usage: {HMM_FAMILIES['order']}")
        q, m = args[0], args[1]
        seed = args[2] if len(args) > 2 else 0
        alpha = args[3] if len(args) > 3 else 1.0
        return order_m_chain(random_order_m_kernel(q, m, seed, alpha), n, "stationary")
    if name == "noisy":
        eps_text, _, graph = rest.partition(":")
        (eps,) = numbers([eps_text], (float,), "noisy")
        if not graph.strip():
            raise InputError(f"noisy needs a graph after the noise level; usage: {HMM_FAMILIES['noisy']}")
        return noisy_walk(graph.strip(), eps, n)
    raise InputError(f"unknown HMM {spec!r}; give one of: {forms}")
