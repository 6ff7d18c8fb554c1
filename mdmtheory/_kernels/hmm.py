"""Hidden-Markov-model kernels (numpy references: ``tests/test_hmm.py``).

Conventions: an HMM is ``(A, B, start)`` with ``A`` the row-stochastic ``(h, h)`` hidden
transition, ``B`` the row-stochastic ``(h, q)`` emission and ``start`` the law of the first
hidden state; positions are ``0..n-1``; ``values[i] = -1`` marks a masked position.  Every
forward message is rescaled to sum 1 (its sum is the factor ``c_t`` of the likelihood) and
every backward message too, so ``n`` in the thousands neither underflows nor loses precision.
A leaf: imports nothing from the library.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__: list[str] = []


@njit(cache=True, inline="always")
def _predict(A, start, alpha, t, out):
    """The forward message before the emission at ``t`` into ``out``: ``start`` at ``t = 0``,
    else ``alpha_{t-1} A``, accumulated row by row (``out += alpha_{t-1}(y) A[y, :]``, rows of
    weight 0 skipped): contiguous and free of a serial reduction."""
    h = A.shape[0]
    if t == 0:
        for z in range(h):
            out[z] = start[z]
        return
    for z in range(h):
        out[z] = 0.0
    for y in range(h):
        w = alpha[t - 1, y]
        if w != 0.0:
            for z in range(h):
                out[z] += w * A[y, z]


@njit(cache=True)
def _forward(A, B, start, values, alpha):
    """Scaled forward pass into ``alpha`` ``(n, h)`` (the messages of :func:`_predict`, each
    times the emission and normalised); returns ``log mu(x_R)`` or ``-inf``."""
    n = values.shape[0]
    h = A.shape[0]
    loglik = 0.0
    a = np.empty(h)
    for t in range(n):
        v = values[t]
        _predict(A, start, alpha, t, a)
        s = 0.0
        for z in range(h):
            if v >= 0:
                a[z] *= B[z, v]
            s += a[z]
        if not s > 0.0:
            return -np.inf
        for z in range(h):
            alpha[t, z] = a[z] / s
        loglik += np.log(s)
    return loglik


@njit(cache=True)
def log_marginal(A, B, start, values):
    """``log mu(x_R)`` of the revealed values (``-inf`` if impossible): the forward pass only."""
    alpha = np.empty((values.shape[0], A.shape[0]))
    return _forward(A, B, start, values, alpha)


@njit(cache=True)
def log_marginal_rows(A, B, start, values, out):
    """``out[r] = log mu(values[r])`` for every row of ``values`` ``(m, n)``."""
    alpha = np.empty((values.shape[1], A.shape[0]))
    for r in range(values.shape[0]):
        out[r] = _forward(A, B, start, values[r], alpha)


@njit(cache=True)
def posterior_marginals(A, B, start, values, out):
    """Exact ``mu(x_i = v | x_R)`` for every position by scaled forward-backward.

    ``out`` ``(n, q)`` receives, for a masked ``i``, ``sum_z gamma_i(z) B[z, v]`` with
    ``gamma_i`` the posterior of the hidden state given ``x_R``; for a revealed ``i``, the
    point mass at its value.  Returns ``log mu(x_R)`` (``-inf``: impossible values, ``out``
    left unspecified).  ``O(n h^2 + n h q)``.
    """
    return _posterior(A, B, start, values, out, False)


@njit(cache=True)
def leave_one_out_marginals(A, B, start, values, out):
    """As :func:`posterior_marginals`, but a revealed ``i`` gets ``mu(x_i = . | x_{R - i})``,
    its conditional given the *other* revealed values:
    ``∝ sum_z (alpha_{i-1} A)(z) beta_i(z) B[z, .]`` (``start`` for ``i = 0``)."""
    return _posterior(A, B, start, values, out, True)


@njit(cache=True)
def _posterior(A, B, start, values, out, loo):
    n = values.shape[0]
    h = A.shape[0]
    q = B.shape[1]
    alpha = np.empty((n, h))
    loglik = _forward(A, B, start, values, alpha)
    if loglik == -np.inf:
        return loglik
    AT = np.ascontiguousarray(A.T)
    beta = np.ones(h)
    nxt = np.empty(h)
    gamma = np.empty(h)
    for t in range(n - 1, -1, -1):
        if t < n - 1:
            # beta_t(y) = sum_z A[y, z] e_{t+1}(z) beta_{t+1}(z), rescaled to sum 1
            v1 = values[t + 1]
            for z in range(h):
                nxt[z] = beta[z] * (B[z, v1] if v1 >= 0 else 1.0)
            for y in range(h):
                beta[y] = 0.0
            for z in range(h):  # beta += A[:, z] nxt[z], along the contiguous rows of A^T
                w = nxt[z]
                if w != 0.0:
                    for y in range(h):
                        beta[y] += AT[z, y] * w
            s = 0.0
            for y in range(h):
                s += beta[y]
            if not s > 0.0:  # cannot happen when the forward pass succeeded
                return -np.inf
            for y in range(h):
                beta[y] /= s
        v = values[t]
        for j in range(q):
            out[t, j] = 0.0
        if v >= 0 and not loo:
            out[t, v] = 1.0
            continue
        if v >= 0:  # leave x_t out: the forward message before its emission
            _predict(A, start, alpha, t, gamma)
            for z in range(h):
                gamma[z] *= beta[z]
        else:
            for z in range(h):
                gamma[z] = alpha[t, z] * beta[z]
        g = 0.0
        for z in range(h):
            g += gamma[z]
        for z in range(h):
            w = gamma[z] / g
            if w > 0.0:
                for j in range(q):
                    out[t, j] += w * B[z, j]
    return loglik


@njit(cache=True)
def posterior_marginals_rows(A, B, start, values, out, loglik):
    """:func:`posterior_marginals` for every row of ``values`` ``(W, n)`` into ``out``
    ``(W, n, q)``; ``loglik[w]`` is ``log mu(x_R)`` of row ``w`` (``-inf``: impossible)."""
    for w in range(values.shape[0]):
        loglik[w] = posterior_marginals(A, B, start, values[w], out[w])
