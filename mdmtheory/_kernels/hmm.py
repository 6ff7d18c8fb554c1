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


@njit(cache=True, inline="always")
def _backward(AT, B, beta_next, v1, nxt, out):
    """One unnormalised backward message: ``out[y] = sum_z A[y, z] e_{t+1}(z) beta_{t+1}(z)``
    (``e_{t+1}`` the emission of the revealed ``v1``, 1 when masked), accumulated along the
    contiguous rows of ``A^T``; returns its sum.  ``out`` may be ``beta_next`` itself (``nxt``
    holds the weighted message first).  The single and the batched forward-backward share it."""
    h = AT.shape[0]
    for z in range(h):
        nxt[z] = beta_next[z] * (B[z, v1] if v1 >= 0 else 1.0)
    for y in range(h):
        out[y] = 0.0
    for z in range(h):
        w = nxt[z]
        if w != 0.0:
            for y in range(h):
                out[y] += AT[z, y] * w
    s = 0.0
    for y in range(h):
        s += out[y]
    return s


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
            s = _backward(AT, B, beta, values[t + 1], nxt, beta)
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



@njit(cache=True, inline="always")
def _gamma_row(alpha, beta, B, r, t, g_, out):
    """``out[r, t] = sum_z gamma(z) B[z, .]`` with ``gamma ∝ alpha[r, t] beta[r, t]`` (``g_`` scratch)."""
    h = B.shape[0]
    q = B.shape[1]
    for j in range(q):
        out[r, t, j] = 0.0
    g = 0.0
    for z in range(h):
        g_[z] = alpha[r, t, z] * beta[r, t, z]
        g += g_[z]
    for z in range(h):
        w = g_[z] / g
        if w > 0.0:
            for j in range(q):
                out[r, t, j] += w * B[z, j]


@njit(cache=True)
def suffix_emissions(A, B, n, out):
    """``out[k] = A^k B`` for ``k = 0..n`` (``out`` ``(n + 1, h, q)``): the law of the token
    ``k`` steps after a known hidden law, for the masked suffix of :func:`posterior_marginals_batch`."""
    h = A.shape[0]
    q = B.shape[1]
    for z in range(h):
        for j in range(q):
            out[0, z, j] = B[z, j]
    for k in range(1, n + 1):
        for z in range(h):
            for j in range(q):
                out[k, z, j] = 0.0
            for y in range(h):
                w = A[z, y]
                if w != 0.0:
                    for j in range(q):
                        out[k, z, j] += w * out[k - 1, y, j]


@njit(cache=True)
def posterior_marginals_batch(A, AT, B, start, C, values, known, alpha, logc, beta, tops, lows, out, loglik):
    """:func:`posterior_marginals` for every row of ``values`` ``(R, n)``, reusing what the
    previous call on the same buffers computed (the incremental path of a batch of runs).

    Per row ``r``: ``known[r]`` the values the buffers hold (``-2`` everywhere: nothing yet),
    ``tops[r]`` the last revealed position ``T`` of those values, ``alpha`` ``(R, n, h)`` the
    scaled forward messages up to ``T`` and ``logc`` ``(R, n)`` the running log of their scale
    factors, ``beta`` ``(R, n, h)`` the scaled backward messages, valid on ``lows[r]..T``;
    ``out`` ``(R, n, q)`` the marginals, ``loglik[r]`` ``log mu(x_R)`` (``-inf``: impossible,
    ``out[r]`` unspecified and the row forgotten).  ``C`` is :func:`suffix_emissions`.

    With ``f`` (``l``) the first (last) position where a row differs from ``known[r]``, ``T``
    its last revealed position and ``m0`` its first masked one:

    * after ``T`` every position is masked: ``beta`` is uniform there (``A`` is row-stochastic),
      so ``gamma_t = alpha_T A^(t-T)`` and the marginal is ``alpha_T C[t - T]`` (``start C[t]``
      with nothing revealed), no forward or backward message past ``T``;
    * the forward pass runs from ``min(f, T_old + 1)`` to ``T`` (earlier messages depend on
      unchanged values);
    * ``beta_T`` is uniform; the backward pass runs down to ``m0`` only (the rows of revealed
      positions are point masses and need no ``beta``), reusing ``beta_t`` for ``t >= l``
      where the previous call left it valid;
    * a revealed position whose value is unchanged keeps its point mass; an unchanged row is
      skipped.

    The numbers are those of :func:`posterior_marginals` up to rounding.
    """
    R, n = values.shape
    h = A.shape[0]
    q = B.shape[1]
    a = np.empty(h)
    nxt = np.empty(h)
    idx = np.empty(h, dtype=np.int64)
    for r in range(R):
        f = n
        for t in range(n):
            if values[r, t] != known[r, t]:
                f = t
                break
        if f == n:
            continue
        fresh = known[r, 0] == -2
        last = f
        for t in range(n - 1, f, -1):
            if values[r, t] != known[r, t]:
                last = t
                break
        top = -1
        for t in range(n - 1, -1, -1):
            if values[r, t] >= 0:
                top = t
                break
        m0 = n
        for t in range(n):
            if values[r, t] < 0:
                m0 = t
                break
        old_top = -1 if fresh else tops[r]
        # ---- forward, up to the last revealed position
        fs = min(f, old_top + 1)
        cum = logc[r, fs - 1] if fs > 0 else 0.0
        ok = True
        for t in range(fs, top + 1):
            v = values[r, t]
            if t == 0:
                for z in range(h):
                    a[z] = start[z]
            else:
                for z in range(h):
                    a[z] = 0.0
                for y in range(h):
                    w = alpha[r, t - 1, y]
                    if w != 0.0:
                        for z in range(h):
                            a[z] += w * A[y, z]
            s = 0.0
            for z in range(h):
                if v >= 0:
                    a[z] *= B[z, v]
                s += a[z]
            if not s > 0.0:
                ok = False
                break
            for z in range(h):
                alpha[r, t, z] = a[z] / s
            cum += np.log(s)
            logc[r, t] = cum
        if not ok:
            loglik[r] = -np.inf
            for t in range(n):
                known[r, t] = -2
            continue
        loglik[r] = logc[r, top] if top >= 0 else 0.0
        sf = top
        # ---- backward, from the last revealed position down to the first masked one
        if top >= 0:
            sf = top
            if not fresh and last < top and top <= old_top and lows[r] <= top:
                sf = max(last, lows[r])
            else:
                for y in range(h):
                    beta[r, top, y] = 1.0 / h
            for t in range(sf - 1, m0 - 1, -1):
                s = _backward(AT, B, beta[r, t + 1], values[r, t + 1], nxt, a)
                if not s > 0.0:  # pragma: no cover - cannot happen when the forward pass succeeded
                    ok = False
                    break
                for y in range(h):
                    beta[r, t, y] = a[y] / s
                if values[r, t] < 0:  # its marginal now, while alpha_t and beta_t are hot
                    _gamma_row(alpha, beta, B, r, t, a, out)
            lows[r] = min(sf, m0)
        if not ok:  # pragma: no cover
            loglik[r] = -np.inf
            for t in range(n):
                known[r, t] = -2
            continue
        tops[r] = top
        # ---- marginals: up to the last revealed position (masked ones below the recomputed
        # backward messages were done with them), then the masked suffix
        for t in range(top + 1):
            v = values[r, t]
            if v >= 0:
                if known[r, t] == v:
                    continue
                for j in range(q):
                    out[r, t, j] = 0.0
                out[r, t, v] = 1.0
            elif t >= sf:
                _gamma_row(alpha, beta, B, r, t, a, out)
        nz = 0  # the support of the hidden law at the last revealed position, gathered once
        for z in range(h):
            w = alpha[r, top, z] if top >= 0 else start[z]
            if w > 0.0:
                idx[nz] = z
                a[nz] = w
                nz += 1
        for t in range(top + 1, n):
            k = t - top if top >= 0 else t
            z = idx[0]
            w = a[0]
            for j in range(q):
                out[r, t, j] = w * C[k, z, j]
            for c in range(1, nz):
                z = idx[c]
                w = a[c]
                for j in range(q):
                    out[r, t, j] += w * C[k, z, j]
        for t in range(n):
            known[r, t] = values[r, t]
