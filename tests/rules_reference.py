"""Slow, obviously-correct references of every selection rule (plain Python, nothing from
``mdmtheory._kernels``): the law of one step at one state, written from the published code.

``reference_law(name, params, n, q, revealed, P, step, pair_mi, conditional)`` returns rows
``(probability, S, values)``: the set ``S`` (sorted tuple) unmasked with the candidate ``values``
(rules that draw candidates) or ``None`` (values drawn from the marginals).  Candidate rules
enumerate the candidates of *every* masked position (not only the eligible ones) and their
sets; random position draws enumerate orderings (Dream's ``alg_temp``).  ``reference_steps`` adds
each row's model calls; ``step_calls(name, m)`` is the most calls of one step with ``m`` masked
positions (PUNT's every round run).
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from functools import lru_cache
from math import comb, log

import numpy as np

KEY_DECIMALS = 12  # the documented convention: keys rounded to 12 decimals, ties by position
TOL = 1e-12


def rkey(x: float) -> float:
    return float(np.rint(x * 10.0**KEY_DECIMALS))


def ranked(keys: dict) -> list[int]:
    """Positions by increasing rounded key, ties by position."""
    return sorted(keys, key=lambda i: (rkey(keys[i]), i))


def H(p) -> float:
    return float(-sum(x * log(x) for x in p if x > 0))


def split(n: int, k: int) -> list[int]:
    return [n // k + (1 if t < n % k else 0) for t in range(k)]


def llada_counts(n: int, steps: int, L: int) -> list[int]:
    """get_num_transfer_tokens per block (every block starts fully masked)."""
    spb = steps // (n // L)
    out = []
    for _ in range(n // L):
        base, rem = divmod(L, spb)
        out += [base + (1 if i < rem else 0) for i in range(spb)]
    return out


def tempered(p, T):
    """Law of argmax(log p + T * Gumbel) = p^(1/T)/Z; T = 0: the first argmax."""
    p = np.asarray(p, float)
    if T == 0:
        out = np.zeros_like(p)
        out[min(range(len(p)), key=lambda v: (-rkey(p[v]), v))] = 1.0
        return out
    w = np.where(p > 0, p ** (1.0 / T), 0.0)
    return w / w.sum()


def dream_probs(p, T, top_p, top_k):
    """Dream sample_tokens: logits / T (if T > 0), top_p_logits, top_k_logits, softmax (orders and
    the k-th largest compared on probabilities rounded to 12 decimals, ties by value)."""
    with np.errstate(divide="ignore"):
        logits = np.log(np.asarray(p, float))
    if T > 0:
        logits = logits / T
    if top_p is not None and top_p < 1:
        e = np.exp(logits - logits.max())
        probs = e / e.sum()
        order = sorted(range(len(p)), key=lambda v: (-rkey(probs[v]), v))
        cum = np.cumsum(probs[order])
        remove = cum > top_p + TOL
        remove[1:] = remove[:-1].copy()
        remove[0] = False
        for a, v in enumerate(order):
            if remove[a]:
                logits[v] = -np.inf
    if top_k is not None:
        e = np.exp(logits - logits.max())
        keys = [rkey(x) for x in e / e.sum()]
        kth = sorted(keys, reverse=True)[min(top_k, len(p)) - 1]
        logits = np.where(np.array(keys) < kth, -np.inf, logits)
    e = np.exp(logits - logits.max())
    return e / e.sum()


def nearest_float32(x: Fraction) -> np.float32:
    """The float32 nearest to the exact rational ``x`` (ties to even), by comparing neighbours."""
    c = np.float32(float(x))
    best = c
    for cand in (np.nextafter(c, np.float32(-np.inf)), c, np.nextafter(c, np.float32(np.inf))):
        dc, db = abs(Fraction(float(cand)) - x), abs(Fraction(float(best)) - x)
        if dc < db or (dc == db and int(cand.view(np.int32)) % 2 == 0):
            best = cand
    return best


@lru_cache(maxsize=4096)
def torch_linspace_float32(start: float, end: float, num: int, fused: bool = True) -> tuple:
    """``torch.linspace(start, end, num)`` in torch's default float32, emulated with numpy float32
    scalars: the CPU kernel's ``step = (end - start) / (num - 1)``, ``start + step * i`` for
    ``i < num // 2`` and ``end - step * (num - 1 - i)`` after; ``fused``: each a fused
    multiply-add (the exact rational value rounded once, as torch's AVX2/AVX512 builds compute it),
    else the product and the sum each rounded to float32 (torch's DEFAULT build)."""
    f = np.float32
    start, end = f(start), f(end)
    step = (end - start) / f(num - 1)
    out = []
    for i in range(num):
        a, k = (start, i) if i < num // 2 else (end, -(num - 1 - i))
        if fused:
            out.append(nearest_float32(Fraction(float(a)) + Fraction(float(step)) * k))
        else:
            out.append(a + step * f(k) if k >= 0 else a - step * f(-k))
    return tuple(out)


def dream_transfer(i: int, steps: int, eps: float, dtype: str) -> float:
    """``1 - s / t`` of Dream's step ``i`` (1 at the last step): in float32 on the emulated
    ``torch.linspace`` (fused, or ``float32_unfused``); in float64 on ``t = 1 + i (eps - 1) / steps``."""
    if i >= steps - 1:
        return 1.0
    if dtype in ("float32", "float32_unfused"):
        ts = torch_linspace_float32(1.0, eps, steps + 1, fused=dtype == "float32")
        return np.float32(1.0) - ts[i + 1] / ts[i]
    t, s = 1.0 + i * (eps - 1.0) / steps, 1.0 + (i + 1) * (eps - 1.0) / steps
    return 1.0 - s / t


def dream_count(m: int, i: int, steps: int, eps: float, dtype: str) -> int:
    """``int(num_mask_token * (1 - s / t))``, ``num_mask_token`` a float32 quotient in float32."""
    if i >= steps - 1:
        return m
    r = dream_transfer(i, steps, eps, dtype)
    return int(np.float32(m) * r) if dtype != "float64" else int(m * r)


def pl_law(E: list[int], w: dict, k: int) -> dict:
    """Probability of each k-set drawn without replacement with weights w: sum over orderings."""
    out: dict = {}
    total = sum(w[i] for i in E)
    for perm in itertools.permutations(E, k):
        p, rest = 1.0, total
        for i in perm:
            p *= w[i] / rest
            rest -= w[i]
        S = tuple(sorted(perm))
        out[S] = out.get(S, 0.0) + p
    return out


def brute_components(adj: dict, nodes) -> list[list[int]]:
    """Connected components of the graph ``adj`` restricted to ``nodes`` (repeated merging)."""
    comps = [{v} for v in nodes]
    merged = True
    while merged:
        merged = False
        for a in range(len(comps)):
            for b in range(a + 1, len(comps)):
                if any(w in comps[b] for v in comps[a] for w in adj[v]):
                    comps[a] |= comps.pop(b)
                    merged = True
                    break
            if merged:
                break
    return sorted(sorted(c) for c in comps)


def brute_centroid_rounds(edges, n: int) -> list[list[int]]:
    """The centroid decomposition by brute force: in every component of the unrevealed positions,
    the vertex whose removal leaves the smallest largest part (the lower position of a tie)."""
    adj = {v: set() for v in range(n)}
    for i, j in edges:
        adj[i].add(j)
        adj[j].add(i)
    left, rounds = set(range(n)), []
    while left:
        S = []
        for comp in brute_components(adj, left):
            worst = {v: max([len(c) for c in brute_components(adj, set(comp) - {v})] + [0]) for v in comp}
            S.append(min(comp, key=lambda v: (worst[v], v)))
        rounds.append(sorted(S))
        left -= set(S)
    return rounds


def _plain_law(name, params, n, masked, P, step, pair_mi):
    """Rules without candidates: the law of the set."""
    m = len(masked)
    if name in ("random", "left_to_right", "confidence", "margin", "entropy"):
        sizes = params["schedule"] if params.get("schedule") is not None else split(n, params["steps"])
        s = sizes[step] if step < len(sizes) else m
        s = max(1, min(s, m))
        if name == "random":
            return {S: 1.0 / comb(m, s) for S in itertools.combinations(masked, s)}
        keys = {
            "left_to_right": lambda i: 0.0,
            "confidence": lambda i: -max(P[i]),
            "margin": lambda i: -(sorted(P[i], reverse=True) + [0.0])[0] + (sorted(P[i], reverse=True) + [0.0])[1],
            "entropy": lambda i: H(P[i]),
        }[name]
        return {tuple(sorted(ranked({i: keys(i) for i in masked})[:s])): 1.0}
    if name == "threshold":
        S = [i for i in masked if max(P[i]) >= params["tau"] - TOL]
        return {tuple(S or ranked({i: -max(P[i]) for i in masked})[:1]): 1.0}
    if name == "eb":  # statistics of p, or of p^(1/T)/Z with entropy_of=tempered
        T = params.get("temperature", 1.0)
        R = {i: tempered(P[i], T) if params.get("entropy_of") == "tempered" else np.asarray(P[i], float) for i in masked}
        proxy = {"entropy": lambda i: H(R[i]), "confidence": lambda i: -max(R[i]),
                 "margin": lambda i: -(sorted(R[i], reverse=True)[0] - (sorted(R[i], reverse=True) + [0.0])[1])}
        order = ranked({i: proxy[params["proxy"]](i) for i in masked})
        best = 1
        for j in range(1, m + 1):
            hs = [H(R[i]) for i in order[:j]]
            if sum(hs) - max(hs) <= params["gamma"] + TOL:
                best = j
            else:
                break
        return {tuple(sorted(order[:best])): 1.0}
    if name == "entropy_sum":  # every unmasked entropy counts, the first position always goes
        order = ranked({i: H(P[i]) for i in masked})
        take = [order[0]]
        if params.get("crossing", "include") == "include":  # unmask until the sum exceeds eps
            while len(take) < m and sum(H(P[j]) for j in take) <= params["eps"] + TOL:
                take.append(order[len(take)])
            return {tuple(sorted(take)): 1.0}
        for i in order[1:]:
            if sum(H(P[j]) for j in take + [i]) > params["eps"] + TOL:
                break
            take.append(i)
        return {tuple(sorted(take)): 1.0}
    if name == "punt_pairwise":
        order = ranked({i: -max(P[i]) for i in masked})
        kept = [i for a, i in enumerate(order) if all(pair_mi(j, i) <= params["delta"] + TOL for j in order[:a])]
        return {tuple(sorted(kept)): 1.0}
    if name == "centroid":  # a fixed-order rule: the masked positions of the earliest round
        edges = params["edges"] if params["edges"] is not None else [(i, i + 1) for i in range(n - 1)]
        rounds = brute_centroid_rounds(edges, n)
        first = min(r for r, S in enumerate(rounds) if set(S) & set(masked))
        return {tuple(sorted(set(rounds[first]) & set(masked))): 1.0}
    if name == "bisection":
        runs, cur = [], [masked[0]]
        for i in masked[1:]:
            if i == cur[-1] + 1:
                cur.append(i)
            else:
                runs.append(cur)
                cur = [i]
        runs.append(cur)
        return {tuple((r[0] + r[-1]) // 2 for r in runs): 1.0}
    raise KeyError(name)


def _candidate_law(name, params, n, q, masked, P, step):
    """llada, fast_dllm, frechet_profile, dream: every candidate vector of every masked position."""
    W, Q = {}, {}
    for i in masked:
        if name == "dream":
            Q[i] = dream_probs(P[i][: q[i]], params["temperature"], params["top_p"], params["top_k"])
            W[i] = Q[i] if params["temperature"] > 0 else tempered(Q[i], 0)
        else:
            Q[i] = np.asarray(P[i][: q[i]], float)
            W[i] = tempered(Q[i], params["temperature"])
    L = n if params.get("block_length") is None else params["block_length"]
    out: dict = {}
    for ys in itertools.product(*[range(q[i]) for i in masked]):
        py = float(np.prod([W[i][v] for i, v in zip(masked, ys)]))
        if py <= 0:
            continue
        y = dict(zip(masked, ys))
        if name == "llada":
            b = step // (params["steps"] // (n // L))
            E = [i for i in masked if b * L <= i < (b + 1) * L]
            k = min(llada_counts(n, params["steps"], L)[step], len(E))
            if params["remasking"] == "random":
                sets = {S: 1.0 / comb(len(E), k) for S in itertools.combinations(E, k)}
            else:
                conf = {i: Q[i][y[i]] for i in E}
                sets = {tuple(sorted(ranked({i: -conf[i] for i in E})[:k])): 1.0}
        elif name == "frechet_profile":  # Fast-dLLM++ Algorithm 1, lines 10-19, literally
            b = masked[0] // L
            E = [i for i in masked if b * L <= i < (b + 1) * L]
            c = [Q[i][y[i]] for i in ranked({i: -Q[i][y[i]] for i in E})]
            Ls = [max(0.0, sum(c[:n]) - (n - 1)) for n in range(1, len(c) + 1)]
            Us = [1.0 - c[n - 1] for n in range(1, len(c) + 1)]
            accepted = [n for n in range(1, len(c) + 1) if Ls[n - 1] - Us[n - 1] > params["margin"] + TOL]
            S = ranked({i: -Q[i][y[i]] for i in E})[: max(accepted, default=1)]
            sets = {tuple(sorted(S)): 1.0}
        elif name == "fast_dllm":
            b = masked[0] // L
            E = [i for i in masked if b * L <= i < (b + 1) * L]
            paper = params["variant"] == "paper"  # Algorithm 1 of the paper: c_i = max_x p_i(x)
            conf = {i: (max(Q[i]) if paper else Q[i][y[i]]) for i in E}
            order = ranked({i: -conf[i] for i in E})
            cap = params["steps_per_block"]
            if paper and cap is not None and cap < L and step >= cap - 1:
                S = E  # the block's T-th call (one block: the call count is the step) takes the rest
            elif params["factor"] is None:
                S = [order[0]] + [i for i in order[1:] if conf[i] >= params["threshold"] - TOL]
            else:  # the published loop, literally
                c = [conf[i] for i in order]
                threshs = [1 - params["factor"] / (j + 1) for j in range(1, len(c) + 1)]
                threshs[0] = -1
                top_i = 0
                for top_i in range(len(threshs)):
                    if c[top_i] < threshs[top_i] - TOL:
                        break
                if top_i == 0 or top_i == len(threshs) - 1:
                    top_i += 1
                S = order[:top_i]
            sets = {tuple(sorted(S)): 1.0}
        else:  # dream
            steps, eps, alg, dtype = params["steps"], params["eps"], params["alg"], params["count_dtype"]
            m = len(masked)
            if alg == "origin":
                p = float(dream_transfer(step, steps, eps, dtype))
                sets = {}
                for r in range(m + 1):
                    for S in itertools.combinations(masked, r):
                        pr = p**r * (1 - p) ** (m - r)
                        if pr > 0:
                            sets[S] = pr
            else:
                if alg == "maskgit_plus":
                    conf = {i: Q[i][y[i]] for i in masked}
                elif alg == "topk_margin":
                    conf = {i: sorted(Q[i], reverse=True)[0] - (sorted(Q[i], reverse=True) + [0.0])[1] for i in masked}
                else:
                    conf = {i: float(np.sum(Q[i] * np.log(Q[i] + 1e-10))) for i in masked}
                k = dream_count(m, step, steps, eps, dtype)
                if k == 0:
                    sets = {(): 1.0}
                elif params["alg_temp"]:
                    z = {i: conf[i] / params["alg_temp"] for i in masked}
                    top = max(z.values())
                    w = {i: np.exp(z[i] - top) for i in masked}
                    sets = pl_law(masked, {i: w[i] / sum(w.values()) for i in masked}, k)
                else:
                    sets = {tuple(sorted(ranked({i: -conf[i] for i in masked})[:k])): 1.0}
        for S, p in sets.items():
            key = (S, tuple(y[i] for i in S))
            out[key] = out.get(key, 0.0) + py * p
    return out


def step_calls(name: str, m: int) -> int:
    """Most model calls of one step with ``m`` masked positions: PUNT adds at most one call per bit
    needed to write the ranks ``0..m-1`` (``ceil(log2 m)``; every one under ``rounds =
    "independent"``), every other rule makes one."""
    if name != "punt" or m <= 1:
        return 1
    bits = 0
    while 2**bits < m:
        bits += 1
    return 1 + bits


def kl_nats(p, r) -> float:
    """KL(p || r) in nats, infinite when r misses mass of p."""
    out = 0.0
    for a, b in zip(p, r):
        if a > 0:
            if b <= 0:
                return float("inf")
            out += a * log(a / b)
    return out


def _punt_law(params, q, masked, P, conditional):
    """PUNT, both readings; keys ``(S, values, calls)``: the set, its candidate values and the
    step's model calls.  Candidates ``y_i ~ p_i`` for every masked position, ranked by
    ``p_i(y_i)`` (ties by position); round ``r`` splits the ranks by bit ``r`` (clear: anchor).

    ``rounds = "shrinking"``, transcribed from the published ``decode_punt``
    (cntlgns/HybridDPLM ``src/byprot/models/dplm2/decoding_strategies.py``, commit 4d92b875):
    ``R_mask`` starts full; a round takes ``S0_in_R`` (anchors) and ``S1_in_R`` (tested) among the
    ranks still in ``R`` and is skipped, no forward pass, when either is empty; a tested token
    leaves ``R`` when ``kl > epsilon``; the survivors of ``R`` are unmasked (at least the top one).
    ``"independent"`` (issue 10's statement): every rank takes part in every round, each a call,
    dropped when ``KL >= eps``.  Anchors of probability 0 (``conditional`` gives None for a tested
    token): the conditional does not exist and every tested token of the round is dropped."""
    out: dict = {}
    m = len(masked)
    shrink = params.get("rounds", "shrinking") == "shrinking"
    eps = params["eps"]
    for ys in itertools.product(*[range(q[i]) for i in masked]):
        py = float(np.prod([P[i][v] for i, v in zip(masked, ys)]))
        if py <= 0:
            continue
        y = dict(zip(masked, ys))
        order = ranked({i: -P[i][y[i]] for i in masked})
        in_r = [True] * m  # R_mask, by rank
        calls = 1
        num_rounds = 0 if m <= 1 else (m - 1).bit_length()  # ceil(log2 m)
        for bit in range(num_rounds):
            s0 = [rank for rank in range(m) if not (rank >> bit) & 1 and (in_r[rank] or not shrink)]
            s1 = [rank for rank in range(m) if (rank >> bit) & 1 and (in_r[rank] or not shrink)]
            if shrink and (not s0 or not s1):
                continue
            calls += 1
            anchors = {order[rank]: y[order[rank]] for rank in s0}
            pcs = {rank: conditional(dict(anchors), order[rank]) for rank in s1}
            impossible = any(pc is None for pc in pcs.values())
            for rank in s1:
                j = order[rank]
                if impossible:
                    in_r[rank] = False
                    continue
                kl = kl_nats(list(P[j][: q[j]]), list(pcs[rank]))
                if (kl > eps + TOL) if shrink else (kl >= eps - TOL):
                    in_r[rank] = False
        kept = [order[rank] for rank in range(m) if in_r[rank]] or [order[0]]
        S = tuple(sorted(kept))
        key = (S, tuple(y[i] for i in S), calls)
        out[key] = out.get(key, 0.0) + py
    return out


#: References of rules registered by a test (``name -> law(params, n, masked, P, step)``, the law of
#: the set as ``{S: probability}``; values drawn from the marginals): tests add and remove theirs.
EXTRA_REFERENCES: dict = {}


def reference_steps(name, params, n, q, revealed, P, step, pair_mi=None, conditional=None):
    """The law of one step with its cost: rows ``(probability, S, values or None, calls)``
    (``punt``'s calls depend on its candidates under ``rounds = "shrinking"``; one otherwise)."""
    from mdmtheory.samplers import RULES  # which rules draw candidates: the registry's flag

    masked = [i for i in range(n) if not revealed[i]]
    if not masked:
        return [(1.0, (), None, 0)]
    if name in EXTRA_REFERENCES:
        return [(p, S, None, 1) for S, p in EXTRA_REFERENCES[name](params, n, masked, P, step).items()]
    if name == "punt":
        return [(p, S, v, c) for (S, v, c), p in _punt_law(params, q, masked, P, conditional).items()]
    if name == "eb" and params.get("temperature", 1.0) != 1.0:  # the values of S drawn from p^(1/T)/Z
        rows = []
        for S, p in _plain_law(name, params, n, masked, P, step, pair_mi).items():
            W = {i: tempered(P[i][: q[i]], params["temperature"]) for i in S}
            for vals in itertools.product(*[range(q[i]) for i in S]):
                pv = p * float(np.prod([W[i][v] for i, v in zip(S, vals)]))
                if pv > 0:
                    rows.append((pv, S, vals, 1))
        return rows
    if RULES[name].candidates:
        return [(p, S, v, 1) for (S, v), p in _candidate_law(name, params, n, q, masked, P, step).items()]
    return [(p, S, None, 1) for S, p in _plain_law(name, params, n, masked, P, step, pair_mi).items()]


def reference_law(name, params, n, q, revealed, P, step, pair_mi=None, conditional=None):
    """The law of one step: rows ``(probability, S, values or None)``."""
    out: dict = {}
    for p, S, v, _ in reference_steps(name, params, n, q, revealed, P, step, pair_mi, conditional):
        out[(S, v)] = out.get((S, v), 0.0) + p
    return [(p, S, v) for (S, v), p in out.items()]
