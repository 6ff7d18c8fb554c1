"""Every sampler's selection rule, written once (a leaf: imports nothing from the library).

Used by the exact evaluator (``_kernels/evaluate.py``), the walk engine (``_kernels/markov.py``)
and, from Python, :meth:`mdmtheory.samplers.Sampler.select`.  The registry in
:mod:`mdmtheory.samplers` maps names to the fixed codes below and packs typed parameters into
the arrays ``ip`` (int64) and ``fp`` (float64); the tolerance ``tol`` and the key scale
``keyscale = 10**KEY_DECIMALS`` arrive as arguments (a cached kernel never freezes them).

A rule answers in two stages:

1. Rules with ``draws_candidates(code)`` first draw a candidate value ``y_i`` for every eligible
   masked position ``i`` (:func:`eligible`) from the law :func:`candidate_law` builds, and score
   it (:func:`candidate_score`); the positions then unmasked take their candidate values.  The
   other rules draw no candidates: the unmasked positions are drawn from their marginals.
2. :func:`select` returns a *selection spec* ``(kind, k, e)`` over ``chosen[:e]``:

   ``DET``        the set ``chosen[:k]``;
   ``UNIFORM``    ``k`` of ``chosen[:e]`` uniformly at random;
   ``BERNOULLI``  each of ``chosen[:e]`` independently with probability ``w[0]``;
   ``PLACKETT``   ``k`` draws without replacement from ``chosen[:e]`` with weights ``w[:e]``;
   ``DEPENDENCE`` ``chosen[:e]`` ranked; the engine drops every member dependent on an
                  earlier-ranked one (its oracle's pairwise test: ``punt_pairwise``).
   ``ANCHORED``   ``chosen[:e]`` ranked (the published ``punt``); the engine runs the
                  :func:`punt_rounds` anchor/test rounds with its oracle's conditionals given
                  the anchors' candidates and keeps the members no round drops
                  (:func:`punt_round_runs`, :func:`punt_is_anchor`, :func:`punt_in_play`,
                  :func:`punt_kl`, :func:`punt_drops`, :func:`punt_round`).

   :func:`enumerate_spec` lists the law of a spec (the exact evaluator, ``select``);
   :func:`sample_spec` draws from it (the walk engine).

Conventions: positions ``pos[:m]`` are the masked ones, increasing; ranking keys are
``rint(key * keyscale)`` sorted increasing, ties by position (lower first); thresholds are
compared with slack ``tol``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .codes import (  # noqa: F401 - the fixed rule codes, re-exported for the engines
    RANDOM, PUNT_PAIRWISE, BISECT, OPTIMAL, LLADA, FAST_DLLM, DREAM, PUNT, FRECHET, RANKED, FIXED, EB_TEMPERED,
    KEY_POSITION, KEY_CONFIDENCE, KEY_MARGIN, KEY_ENTROPY, STOP_SIZE, STOP_EACH, STOP_SUM, STOP_SUM_FREE_MAX,
    STOP_SUM_THROUGH, PUNT_INDEPENDENT, PUNT_SHRINKING,
    DET, UNIFORM, BERNOULLI, PLACKETT, DEPENDENCE, ANCHORED, DREAM_ORIGIN, DREAM_MASKGIT, DREAM_MARGIN, DREAM_ENTROPY,
    DREAM_FLOAT32, DREAM_FLOAT64, DREAM_FLOAT32_UNFUSED,
)
from .dream import dream_count, dream_p_transfer, fma32, linspace32  # noqa: F401 - re-exported for the engines
from .punt import (  # noqa: F401 - PUNT's rounds, re-exported for the engines
    punt_drops, punt_in_play, punt_is_anchor, punt_kl, punt_round, punt_round_runs, punt_rounds,
)

__all__: list[str] = []

# Parameter slots (ip: int64, fp: float64), per rule.
#   the ranked-prefix family (RANKED: left_to_right, confidence, margin, entropy, threshold, eb,
#               entropy_sum and any rule the registry declares with a Ranking): ip[0] the key
#               (KEY_*), ip[1] the stop (STOP_*), ip[2] the statistic STOP_EACH tests (a KEY_*);
#               fp[0] the stop's threshold
#   the fixed-order family (FIXED: centroid and any rule the registry declares with order="fixed"
#               and no code): ip[i] the round (0, 1, ...) of position i in the rule's fixed sets
#   punt_pairwise: fp[0] delta
#   punt:       ip[0] rounds (PUNT_INDEPENDENT, PUNT_SHRINKING); fp[0] eps (nats)
#   llada:      ip[0] remasking (0 low_confidence, 1 random), ip[1] block_length,
#               ip[2] steps per block; fp[0] temperature
#   fast_dllm:  ip[0] block_length, ip[1] rule (0 threshold, 1 factor), ip[2] variant (0 code,
#               1 paper: confidence max p), ip[3] steps per block (0: no cap; one block only);
#               fp[0] temperature, fp[1] threshold, fp[2] factor
#   eb with temperature != 1 (EB_TEMPERED, a candidate rule): ip[0] the proxy key (KEY_*), ip[1]
#               STOP_SUM_FREE_MAX, ip[3] statistics of the tempered law (1) or of p (0);
#               fp[0] temperature, fp[1] gamma (nats)
#   entropy_sum: fp[0] eps (nats)
#   frechet_profile: ip[0] block_length; fp[0] temperature, fp[1] margin (delta)
#   dream:      ip[0] alg (0 origin, 1 maskgit_plus, 2 topk_margin, 3 entropy), ip[1] steps,
#               ip[2] top_k (0: none), ip[3] count dtype (DREAM_FLOAT32, _FLOAT64, _FLOAT32_UNFUSED);
#               fp[0] temperature, fp[1] top_p (>= 1: none),
#               fp[2] alg_temp (0: none), fp[3] eps
#: ``sample_tokens`` of Dream computes ``sum p log(p + 1e-10)`` (its ``epsilon``).
DREAM_LOG_EPS = 1e-10


@njit(cache=True)
def draws_candidates(code):
    """Whether the rule samples a candidate for every eligible position before selecting."""
    return (code == LLADA or code == FAST_DLLM or code == DREAM or code == PUNT or code == FRECHET
            or code == EB_TEMPERED)


@njit(cache=True)
def ranks_by_stats(code, ip):
    """Whether ``select`` reads the marginal statistics (``conf``, ``margk``, ``H``) of every
    masked position (the engines compute them only then)."""
    if code == RANKED:
        return ip[0] != KEY_POSITION or ip[1] != STOP_SIZE
    return code == PUNT_PAIRWISE or code == EB_TEMPERED


@njit(cache=True)
def needs_entropy(code, ip):
    """Whether ``select`` reads the marginal entropies ``H`` (a subset of :func:`ranks_by_stats`)."""
    if code == RANKED:
        return (ip[0] == KEY_ENTROPY or ip[1] == STOP_SUM or ip[1] == STOP_SUM_FREE_MAX or ip[1] == STOP_SUM_THROUGH
                or (ip[1] == STOP_EACH and ip[2] == KEY_ENTROPY))
    return code == PUNT_PAIRWISE or code == EB_TEMPERED


@njit(cache=True)
def pairwise_dependent(mi, delta, tol):
    """The test of ``punt_pairwise``: a position is dependent on an earlier-ranked one when their
    conditional mutual information ``I(X_i; X_j | x_R) > delta`` (slack ``tol``); the engines
    drop a ranked position dependent on any earlier-ranked one."""
    return mi > delta + tol


@njit(cache=True)
def top_two(row, qi):
    """The largest and second-largest entries of ``row[:qi]`` (0 when absent)."""
    b1 = 0.0
    b2 = 0.0
    for v in range(qi):
        p = row[v]
        if p > b1:
            b2 = b1
            b1 = p
        elif p > b2:
            b2 = p
    return b1, b2


@njit(cache=True)
def row_entropy(row, qi):
    """``H(p) = -sum p log p`` of ``row[:qi]`` in nats (``0 log 0 = 0``)."""
    h = 0.0
    for v in range(qi):
        p = row[v]
        if p > 0.0:
            h -= p * np.log(p)
    return h


@njit(cache=True)
def stats(row, qi):
    """``(max p, p(1st) - p(2nd), H(p))`` of one marginal row (nats, ``0 log 0 = 0``): the
    quantities of :func:`top_two` and :func:`row_entropy` in one pass over the row (the same
    operations in the same order, so the same bits)."""
    h = 0.0
    b1 = 0.0
    b2 = 0.0
    for v in range(qi):
        p = row[v]
        if p > 0.0:
            h -= p * np.log(p)
        if p > b1:
            b2 = b1
            b1 = p
        elif p > b2:
            b2 = p
    return b1, b1 - b2, h


@njit(cache=True)
def marginal_stats(P, q, pos, conf, margk, H):
    """``conf[i], margk[i], H[i] = stats(P[i], q[i])`` for every ``i`` in ``pos`` (the statistics
    every ranked rule reads, computed the one way every engine computes them)."""
    for a in range(pos.size):
        i = pos[a]
        c, mk, h = stats(P[i], q[i])
        conf[i] = c
        margk[i] = mk
        H[i] = h


@njit(cache=True)
def rank_key(kind, conf, margk, entropy, keyscale):
    """The ranking key ``KEY_*`` of one masked position (lower ranks first; ties by position)."""
    if kind == KEY_POSITION:
        return 0.0
    if kind == KEY_MARGIN:
        return np.rint(-margk * keyscale)
    if kind == KEY_ENTROPY:
        return np.rint(entropy * keyscale)
    return np.rint(-conf * keyscale)


@njit(cache=True)
def passes(stat, x, conf, margk, entropy, tol):
    """The test of ``STOP_EACH``: ``conf >= x`` (``KEY_CONFIDENCE``), ``margk >= x``
    (``KEY_MARGIN``) or ``entropy <= x`` (``KEY_ENTROPY``), with slack ``tol``."""
    if stat == KEY_ENTROPY:
        return entropy <= x + tol
    if stat == KEY_MARGIN:
        return margk >= x - tol
    return conf >= x - tol


@njit(cache=True, inline="always")  # a per-step call with many arguments: inlined into the engines
def ranked_prefix(key_kind, stop, stat, x, t, sizes, m, pos, conf, margk, H, tol, keyscale, key, chosen):
    """The ranked-prefix family: rank the masked positions ``pos[:m]`` by ``key_kind`` (rounded
    keys, ties by position) and keep a prefix chosen by ``stop``; returns ``k`` (the set is
    ``chosen[:k]``, at least one position).

    ``STOP_SIZE``: the schedule's ``sizes[t]`` (all of them past the last step), clipped to
    ``1..m``; ``STOP_EACH``: every position whose statistic ``stat`` passes :func:`passes` (the
    set does not depend on the ranking), the first-ranked one when none does; ``STOP_SUM``: the
    longest prefix with ``sum H <= x + tol``; ``STOP_SUM_FREE_MAX``: the longest prefix with
    ``sum H - max H <= x + tol`` (the position that crosses the budget is free);
    ``STOP_SUM_THROUGH``: the shortest prefix with ``sum H > x + tol`` (the position that crosses
    the budget is unmasked with the others), or all ``m`` when the whole sum stays within it.  Statistic-based
    keys and stops need the marginals' statistics: an engine that passes none (``conf`` 0 at a
    masked position) gets a ValueError, never a silent "every entropy is 0".

    Cost: ``O(k)`` for left to right with a size, ``O(m)`` for ``STOP_EACH``, ``O(m k)`` for the
    entropy budgets (the prefix extracted one minimum at a time), ``O(m log m)`` for a size
    with a statistic key (a sort).
    """
    if key_kind == KEY_POSITION and stop == STOP_SIZE:  # left to right: the first positions, no keys
        k = sizes[t] if t < sizes.size else m
        if k > m:
            k = m
        if k < 1:
            k = 1
        for a in range(k):
            chosen[a] = pos[a]
        return k
    for a in range(m):
        i = pos[a]
        if conf[i] <= 0.0:  # a marginal's largest probability is >= 1/q > 0 when computed
            raise ValueError("a ranked rule: the engine passed no marginal statistics for a masked position")
        key[a] = rank_key(key_kind, conf[i], margk[i], H[i], keyscale)
    if stop == STOP_EACH:  # every passing position; else the first-ranked one (ties: lowest position)
        k = 0
        best = 0
        for a in range(m):
            i = pos[a]
            if passes(stat, x, conf[i], margk[i], H[i], tol):
                chosen[k] = i
                k += 1
            if key[a] < key[best]:
                best = a
        if k == 0:
            chosen[0] = pos[best]
            k = 1
        return k
    if stop == STOP_SIZE:
        for a in range(m):
            chosen[a] = pos[a]
        _ranked(m, chosen, key)
        k = sizes[t] if t < sizes.size else m
        if k > m:
            k = m
        if k < 1:
            k = 1
        return k
    # an entropy budget: the ranked prefix extracted one minimum at a time (ties: lowest position)
    total = 0.0
    top = 0.0
    k = 0
    while k < m:
        best = -1
        for a in range(m):
            if key[a] < np.inf and (best < 0 or key[a] < key[best]):
                best = a
        h = H[pos[best]]
        total += h
        if h > top:
            top = h
        over = total - top if stop == STOP_SUM_FREE_MAX else total
        if k > 0 and over > x + tol and stop != STOP_SUM_THROUGH:
            break
        chosen[k] = pos[best]
        key[best] = np.inf
        k += 1
        if stop == STOP_SUM_THROUGH and over > x + tol:
            break
    return k


@njit(cache=True)
def frechet_score(cum, n, c):
    """Fast-dLLM++'s Frechet score ``G_n = L_n - U_n`` of the top ``n`` candidates:
    ``L_n = max(0, sum_{j<=n} c_(j) - (n - 1))`` (``cum`` is the sum), the Frechet-Hoeffding lower
    bound on the probability that all ``n`` are jointly right, and ``U_n = 1 - c_(n)`` (``c`` the
    ``n``-th confidence), an upper bound on the probability of any other tuple."""
    lo = cum - (n - 1)
    if lo < 0.0:
        lo = 0.0
    return lo - (1.0 - c)


@njit(cache=True)
def eligible(code, ip, t, m, pos, out):
    """The masked positions the rule may unmask at step ``t`` into ``out``; returns how many.

    ``llada``: the masked positions of block ``t // steps_per_block``; ``fast_dllm`` and
    ``frechet_profile``: those of the block of the first masked position (blocks are completed in
    order); others: all."""
    lo = 0
    hi = 1 << 62
    if code == LLADA:
        lo = (t // ip[2]) * ip[1]
        hi = lo + ip[1]
    elif code == FAST_DLLM or code == FRECHET:
        lo = (pos[0] // ip[0]) * ip[0]
        hi = lo + ip[0]
    e = 0
    for a in range(m):
        if pos[a] >= lo and pos[a] < hi:
            out[e] = pos[a]
            e += 1
    return e


@njit(cache=True)
def candidate_law(code, ip, fp, row, qi, Q, W, tol, keyscale):
    """The processed distribution ``Q`` (what the rule scores with) and the law ``W`` of the
    candidate of one position with marginal ``row``.

    ``llada`` / ``fast_dllm`` / ``frechet_profile`` (LLaDA ``add_gumbel_noise``: ``argmax exp(l) / (-log U)^T``):
    ``W = p^(1/T) / Z``, the argmax for ``T = 0`` (lowest value on ties); ``Q = p``.
    ``eb`` with ``T != 1``: ``W = p^(1/T) / Z``; ``Q`` the law whose statistics it ranks and
    budgets (:func:`candidate_stats`): ``W`` (``entropy_of=tempered``) or ``p``.
    ``dream`` (``sample_tokens``): ``Q`` = softmax of ``log p / T`` (of ``log p`` for ``T = 0``)
    restricted by ``top_p`` (sorted decreasingly, ties by value; values after the cumulative
    sum exceeds ``top_p + tol`` dropped, the first always kept) then by ``top_k`` (values below
    the ``k``-th largest dropped, ties kept), renormalised; ``W = Q``, its argmax for ``T = 0``.
    Orders, ``top_k`` and the argmax compare the rounded keys ``rint(Q * keyscale)`` (ties by
    value index), so marginals computed in different orders of operations agree.
    """
    if code == PUNT:  # candidates from the marginal itself, scored by their probability
        for v in range(qi):
            Q[v] = row[v]
            W[v] = row[v]
        return
    T = fp[0]
    top = 0.0
    for v in range(qi):
        if row[v] > top:
            top = row[v]
    for v in range(qi):
        Q[v] = row[v]
    if T > 0.0 and T != 1.0 and top > 0.0:
        z = 0.0
        for v in range(qi):
            Q[v] = (row[v] / top) ** (1.0 / T) if row[v] > 0.0 else 0.0
            z += Q[v]
        for v in range(qi):
            Q[v] /= z
    if code == DREAM:
        top_p = fp[1]
        top_k = ip[2]
        if top_p < 1.0:
            rk = np.empty(qi)
            for v in range(qi):
                rk[v] = np.rint(-Q[v] * keyscale)
            order = np.argsort(rk, kind="mergesort")
            cum = 0.0
            drop = False
            for a in range(qi):
                if drop:
                    Q[order[a]] = 0.0
                cum += Q[order[a]]
                if cum > top_p + tol:
                    drop = True
        if top_k > 0 and top_k < qi:
            rk = np.empty(qi)
            for v in range(qi):
                rk[v] = np.rint(Q[v] * keyscale)
            kth = np.sort(rk)[qi - top_k]
            for v in range(qi):
                if rk[v] < kth:
                    Q[v] = 0.0
        z = 0.0
        for v in range(qi):
            z += Q[v]
        for v in range(qi):
            Q[v] /= z
        for v in range(qi):
            W[v] = Q[v]
    else:
        for v in range(qi):
            W[v] = Q[v]
        if not (code == EB_TEMPERED and ip[3] == 1):
            for v in range(qi):  # LLaDA ranks by the untempered probability (eb: its statistics of p)
                Q[v] = row[v]
    if T == 0.0:
        best = 0
        for v in range(1, qi):
            if np.rint(W[v] * keyscale) > np.rint(W[best] * keyscale):
                best = v
        for v in range(qi):
            W[v] = 0.0
        W[best] = 1.0


@njit(cache=True)
def candidate_stats(code, ip, Q, qi, i, conf, margk, H):
    """Rules that rank by statistics of the processed law ``Q`` (``eb`` with ``T != 1`` and
    ``entropy_of=tempered``): ``conf[i], margk[i], H[i] = stats(Q)``, over the statistics of the
    marginal every engine computed before.  Every engine calls it after :func:`candidate_law`."""
    if code == EB_TEMPERED and ip[3] == 1:
        c, mk, h = stats(Q, qi)
        conf[i] = c
        margk[i] = mk
        H[i] = h


@njit(cache=True, inline="always")  # a per-step call with many arguments: inlined into the engines
def draw_value(row, qi, u):
    """The value an engine that draws (walks, estimates) takes from ``row[:qi]`` with the uniform
    ``u``: the inverse CDF, never a value of probability 0 (a rounding guard at the top end)."""
    acc = 0.0
    x = qi - 1
    for v in range(qi):
        acc += row[v]
        if u < acc:
            x = v
            break
    while row[x] <= 0.0 and x > 0:
        x -= 1
    return x


@njit(cache=True)
def noisy_confidence(code, ip, fp):
    """Whether the rule's confidence is continuous: ``llada`` with ``confidence_noise`` at
    ``T > 0`` (the Gumbel-noised logits of LLaDA's paper runs).  Its candidate is then drawn
    from ``qmax`` uniforms ``g`` (:func:`draw_candidate`), not from one, and the engines that
    enumerate refuse it."""
    return code == LLADA and ip[3] == 1 and fp[0] > 0.0


@njit(cache=True, inline="always")  # a per-step call with many arguments: inlined into the engines
def draw_candidate(code, ip, fp, row, qi, Q, W, tol, keyscale, u, g):
    """One position's candidate, drawn with the uniform ``u``: its law (:func:`candidate_law`),
    the value (:func:`draw_value`) and its score (:func:`candidate_score`); returns
    ``(y, W[y], score)``.  The exact engines enumerate the same law instead.

    With :func:`noisy_confidence`, ``g[:qi]`` are the uniforms ``U_v`` of LLaDA's
    ``add_gumbel_noise``: the noised logits are ``a_v = log p_v + T G_v`` with the Gumbels
    ``G_v = -log(-log U_v)``, the candidate is ``y = argmax a`` (its law is ``W = p^(1/T) / Z``,
    the Gumbel-max identity) and the score is ``softmax(a)[y] = 1 / sum_v exp(a_v - a_y)``."""
    candidate_law(code, ip, fp, row, qi, Q, W, tol, keyscale)
    if noisy_confidence(code, ip, fp):
        T = fp[0]
        y = -1
        best = -np.inf
        for v in range(qi):
            if row[v] > 0.0:
                uv = g[v] if g[v] > 0.0 else 1e-300  # guard log(0): a uniform of exactly 0
                g[v] = np.log(row[v]) - T * np.log(-np.log(uv))
                if y < 0 or g[v] > best:
                    best = g[v]
                    y = v
        s = 0.0
        for v in range(qi):
            if row[v] > 0.0:
                s += np.exp(g[v] - best)
        return y, W[y], 1.0 / s
    y = draw_value(W, qi, u)
    return y, W[y], candidate_score(code, ip, Q, qi, y)


@njit(cache=True)
def candidate_score(code, ip, Q, qi, v):
    """Confidence of candidate ``v`` (higher ranks first): ``Q[v]`` (``llada``, ``fast_dllm``,
    ``frechet_profile``, Dream ``maskgit_plus``), ``max Q`` (``fast_dllm`` ``variant=paper``: the
    greedy confidence of Fast-dLLM's Algorithm 1, whatever the candidate), ``Q(1st) - Q(2nd)`` (``topk_margin``), ``sum Q log(Q + 1e-10)``
    (Dream ``entropy``, the negative entropy)."""
    if code == DREAM and ip[0] == DREAM_MARGIN:
        b1 = 0.0
        b2 = 0.0
        for u in range(qi):
            if Q[u] > b1:
                b2 = b1
                b1 = Q[u]
            elif Q[u] > b2:
                b2 = Q[u]
        return b1 - b2
    if code == DREAM and ip[0] == DREAM_ENTROPY:
        s = 0.0
        for u in range(qi):
            s += Q[u] * np.log(Q[u] + DREAM_LOG_EPS)
        return s
    if code == FAST_DLLM and ip[2] == 1:  # the paper's Algorithm 1: c_i = max_x p(x_i | .)
        b = 0.0
        for u in range(qi):
            if Q[u] > b:
                b = Q[u]
        return b
    return Q[v]


@njit(cache=True)
def _ranked(e, chosen, key):
    """Sort ``chosen[:e]`` by ``key[:e]`` (stable: ties keep increasing position)."""
    order = np.argsort(key[:e], kind="mergesort")
    tmp = chosen[:e].copy()
    for a in range(e):
        chosen[a] = tmp[order[a]]


@njit(cache=True)
def select(code, ip, fp, t, sizes, m, pos, conf, margk, H, score, tol, keyscale, key, chosen, w):
    """The selection spec ``(kind, k, e)`` of rule ``code`` at step ``t`` (see the module doc).

    ``pos[:m]`` the masked positions (increasing, ``m >= 1``); ``conf``, ``margk``, ``H`` the
    statistics of their marginals and ``score`` the candidates' confidences, indexed by position;
    ``sizes`` the step sizes of schedule rules (``llada``: per step, zeros allowed).

    The published samplers follow: ``llada`` LLaDA ``generate.py`` (``generate``: top-k of the
    block by the candidate's probability, ``-inf`` past the block; ``remasking=random``: uniform
    keys); ``fast_dllm`` Fast-dLLM ``llada/generate.py`` (``get_transfer_index`` with
    ``threshold``, ``get_transfer_index_dynamic`` with ``factor``, its ``top_i`` rule kept);
    ``dream`` Dream ``generation_utils.py`` (``_sample``: ``origin`` as independent transfers,
    the others ``torch.topk`` or, with ``alg_temp``, ``torch.multinomial`` without replacement
    on ``softmax(confidence / alg_temp)``).  ``torch.topk``/``sort`` ties (unspecified there)
    go to the lower position here.

    ``fast_dllm`` with ``variant=paper`` follows the Fast-dLLM paper's Algorithm 1 instead (Wu et
    al., arXiv:2505.22618; ``paper/fast_dllm.pdf`` and ``asset/pseudo_code.jpg`` of NVlabs/Fast-dLLM):
    the confidence is ``c_i = max_x p_i(x)`` (not the probability of the drawn candidate), the
    threshold rule ``c_i >= threshold`` plus the most confident, and at most ``T =
    steps_per_block`` calls per block; the paper's loop then moves on with the block's remaining
    positions still masked, which is not a sample: here the ``T``-th call of the block unmasks
    all of them (with one block, the block's call count is ``t``).

    ``punt`` follows PUNT (Azangulov et al., "Parallel sampling from masked diffusion models via
    conditional independence testing", arXiv:2510.21961): candidates sampled, confidence ranks
    encoded in ``ceil(log2 m)`` bits, one anchor group and one test group per round, a tested
    token dropped when ``KL(p_j(.|x) || p_j(.|x, y_anchors))`` exceeds ``eps``, the top token
    never dropped.  Two readings of the rounds (``ip[0]``).  ``PUNT_SHRINKING``, the one public
    implementation (a third party's ``decode_punt``, cntlgns/HybridDPLM
    ``src/byprot/models/dplm2/decoding_strategies.py``, commit 4d92b875): a set ``R`` of the
    candidates in play, all at first; round ``r`` takes its anchors and its tested tokens among
    ``R`` and is skipped, no model call, when either group is empty; a tested token leaves ``R``
    when ``KL > eps`` (strict: ``KL > eps + tol``).  ``PUNT_INDEPENDENT``, issue 10's statement:
    every ranked candidate takes part in every round whatever other rounds decided (a caller may
    batch them; each still counts as one call), dropped when ``KL >= eps - tol``.  Choices made
    here where the sources leave them open (each tested in ``tests/test_rules.py``): the
    candidates are drawn from ``p_i`` itself (temperature 1) and ranked by ``p_i(y_i)``, ties to
    the lower position; round ``r`` (``r = 0 .. ceil(log2 m) - 1``) takes bit ``r`` of the
    0-based rank, bit clear = anchor; when the anchors' values have probability 0 the
    conditional does not exist and every tested candidate of that round is dropped.  With
    ``m = 1`` there is no round.  The engine runs the rounds (``ANCHORED``); this returns the
    ranking.

    ``entropy_sum`` (Cai and Li, arXiv:2603.22248) is a ranked-prefix rule (``ranked_prefix``):
    the masked positions in increasing marginal entropy, ``STOP_SUM_THROUGH`` for the abstract's
    reading (``crossing = include``: until the sum exceeds ``eps``, the crossing one unmasked;
    this equals ``eb`` with the entropy proxy) or ``STOP_SUM`` for issue 12's (``exclude``: the
    longest prefix with sum ``<= eps``), at least the first one.

    ``frechet_profile`` follows Fast-dLLM++ (Kasa et al., arXiv:2606.02955, Algorithm 1;
    ``v1/llada/generate.py``: ``get_transfer_index_frechet_profile``): candidates and blocks as
    ``fast_dllm``, the eligible candidates ranked by confidence ``c_(1) >= c_(2) >= ...`` and the
    largest ``n`` with ``G_n = L_n - U_n > margin`` unmasked (:func:`frechet_score`; ``n = 1``
    when none), compared as ``G_n > margin + tol`` (a tie within rounding is not an excess).
    """
    if code == FIXED:  # the masked positions of the earliest round (ip[i]: the round of position i)
        lo = ip[pos[0]]
        for a in range(1, m):
            lo = min(lo, ip[pos[a]])
        k = 0
        for a in range(m):
            if ip[pos[a]] == lo:
                chosen[k] = pos[a]
                k += 1
        return DET, k, k
    if code == BISECT:
        k = 0
        start = pos[0]
        for a in range(1, m + 1):
            if a == m or pos[a] != pos[a - 1] + 1:
                chosen[k] = (start + pos[a - 1]) // 2
                k += 1
                if a < m:
                    start = pos[a]
        return DET, k, k
    if code == PUNT:  # every masked position, ranked by its candidate's probability
        for a in range(m):
            chosen[a] = pos[a]
            key[a] = np.rint(-score[pos[a]] * keyscale)
        _ranked(m, chosen, key)
        return ANCHORED, m, m
    if code == LLADA or code == FAST_DLLM or code == DREAM or code == FRECHET:
        e = eligible(code, ip, t, m, pos, chosen)
        if code == DREAM and ip[0] == DREAM_ORIGIN:
            w[0] = dream_p_transfer(t, ip[1], fp[3], ip[3])
            return BERNOULLI, e, e
        if code == LLADA:
            k = sizes[t] if t < sizes.size else e
            if k > e:
                k = e
            if ip[0] == 1:
                return UNIFORM, k, e
        elif code == DREAM:
            k = dream_count(e, t, ip[1], fp[3], ip[3])
            if k > 0 and fp[2] > 0.0:
                top = -np.inf
                for a in range(e):
                    if score[chosen[a]] / fp[2] > top:
                        top = score[chosen[a]] / fp[2]
                z = 0.0
                for a in range(e):
                    w[a] = np.exp(score[chosen[a]] / fp[2] - top)
                    z += w[a]
                for a in range(e):
                    w[a] /= z
                return PLACKETT, k, e
        for a in range(e):
            key[a] = np.rint(-score[chosen[a]] * keyscale)
        _ranked(e, chosen, key)
        if code == FRECHET:  # the largest n with G_n = L_n - U_n > margin (n = 1 when none)
            k = 1
            cum = 0.0
            for a in range(e):
                c = score[chosen[a]]
                cum += c
                if a > 0 and frechet_score(cum, a + 1, c) > fp[1] + tol:
                    k = a + 1
            return DET, k, e
        if code == FAST_DLLM:
            if ip[3] > 0 and t >= ip[3] - 1:  # paper: the block's last allowed step takes the rest
                return DET, e, e
            if ip[1] == 0:  # get_transfer_index: the top one, and every other >= threshold
                k = 1
                for a in range(1, e):
                    if score[chosen[a]] >= fp[1] - tol:
                        chosen[k] = chosen[a]
                        k += 1
                return DET, k, e
            # get_transfer_index_dynamic: stop at the first ranked a with c_a < 1 - factor/(a+2)
            top_i = e - 1
            for a in range(1, e):
                if score[chosen[a]] < 1.0 - fp[2] / (a + 2) - tol:
                    top_i = a
                    break
            if top_i == 0 or top_i == e - 1:
                top_i += 1
            return DET, top_i, e
        return DET, k, e
    if code == RANKED:
        k = ranked_prefix(ip[0], ip[1], ip[2], fp[0], t, sizes, m, pos, conf, margk, H, tol, keyscale, key, chosen)
        return DET, k, k
    if code == EB_TEMPERED:  # the values are the candidates, drawn from p^(1/T)/Z
        k = ranked_prefix(ip[0], STOP_SUM_FREE_MAX, 0, fp[1], t, sizes, m, pos, conf, margk, H, tol, keyscale, key,
                          chosen)
        return DET, k, k
    if code == RANDOM:
        size = sizes[t] if t < sizes.size else m
        if size > m:
            size = m
        if size < 1:
            size = 1
        for a in range(m):
            chosen[a] = pos[a]
        return UNIFORM, size, m
    if code == PUNT_PAIRWISE:  # ranked by confidence; the engine drops the dependent ones
        for a in range(m):
            chosen[a] = pos[a]
            key[a] = rank_key(KEY_CONFIDENCE, conf[pos[a]], margk[pos[a]], H[pos[a]], keyscale)
        _ranked(m, chosen, key)
        return DEPENDENCE, m, m
    raise ValueError("select: unknown rule code")


@njit(cache=True)
def enumerate_spec(kind, k, e, chosen, w, sets, probs, dp):
    """The law of a spec as bitmasks ``sets[:r]`` with ``probs[:r]``; returns ``r``.

    ``dp`` is scratch of length ``>= 2^e`` (``PLACKETT``: ``dp[A]`` = probability that the first
    ``|A|`` draws are the members ``A`` of ``chosen[:e]``, a sum over their orders)."""
    if kind == DET:
        S = 0
        for a in range(k):
            S |= 1 << chosen[a]
        sets[0] = S
        probs[0] = 1.0
        return 1
    r = 0
    full = (1 << e) - 1
    if kind == PLACKETT:
        for A in range(full + 1):
            dp[A] = 0.0
        dp[0] = 1.0
        for A in range(full + 1):
            if dp[A] == 0.0:
                continue
            cnt = 0
            used = 0.0
            for a in range(e):
                if (A >> a) & 1:
                    cnt += 1
                    used += w[a]
            if cnt >= k:
                continue
            rest = 0.0
            for a in range(e):
                if not (A >> a) & 1:
                    rest += w[a]
            if rest <= 0.0:
                continue
            for a in range(e):
                if not (A >> a) & 1:
                    dp[A | (1 << a)] += dp[A] * w[a] / rest
    ways = 1.0
    if kind == UNIFORM:
        for a in range(k):
            ways = ways * (e - a) / (a + 1)
    for A in range(full + 1):
        cnt = 0
        S = 0
        for a in range(e):
            if (A >> a) & 1:
                cnt += 1
                S |= 1 << chosen[a]
        if kind == UNIFORM:
            p = 1.0 / ways if cnt == k else 0.0
        elif kind == BERNOULLI:
            p = w[0] ** cnt * (1.0 - w[0]) ** (e - cnt)
        else:
            p = dp[A] if cnt == k else 0.0
        if p > 0.0:
            sets[r] = S
            probs[r] = p
            r += 1
    return r


@njit(cache=True)
def sample_spec(kind, k, e, chosen, w):
    """Draw from a spec (numba's generator): the set is left in ``chosen[:r]``; returns ``r``."""
    if kind == DET or kind == DEPENDENCE or kind == ANCHORED:
        return k
    if kind == UNIFORM:
        for c in range(k):
            j = c + np.random.randint(e - c)
            tmp = chosen[c]
            chosen[c] = chosen[j]
            chosen[j] = tmp
        return k
    if kind == BERNOULLI:
        r = 0
        for a in range(e):
            if np.random.random() < w[0]:
                chosen[r] = chosen[a]
                r += 1
        return r
    for c in range(k):  # PLACKETT: sequential draws without replacement
        rest = 0.0
        for a in range(c, e):
            rest += w[a]
        u = np.random.random() * rest
        j = e - 1
        acc = 0.0
        for a in range(c, e):
            acc += w[a]
            if u < acc and w[a] > 0.0:
                j = a
                break
        tmp = chosen[c]
        chosen[c] = chosen[j]
        chosen[j] = tmp
        tw = w[c]
        w[c] = w[j]
        w[j] = tw
    return k
