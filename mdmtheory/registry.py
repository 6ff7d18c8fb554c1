"""The rule registry: every selection rule declared once (:data:`RULES`).

A :class:`Rule` holds everything about one rule but its kernel code: typed parameters
(:class:`Param`), call model, randomness, the oracle capabilities it needs (:data:`CAPABILITIES`),
how an estimate replays it, its order (fixed sets, random, adaptive), the knob grid ``frontier``
sweeps, the closed forms claims read and its source.  Rules of the ranked-prefix family
(:class:`Ranking`) need no kernel code at all; :func:`register_rule` adds one.  Every engine,
command, claim and test reads this registry; :mod:`mdmtheory.samplers` builds samplers from it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np

from ._kernels import codes as _c
from ._lazy import lazy_module
from .errors import InputError
from .forests import centroid_rounds, check_forest, forest_components
from .schedules import DREAM_COUNT_DTYPES, dream_counts  # noqa: F401 - re-exported with the registry
from .rule_spec import (  # noqa: F401 - the declaration types, re-exported with the registry
    CAPABILITIES, ORIGIN_KINDS, PUNT_ROUNDS, RANK_KEYS, RANK_STOPS, Origin, Param, Ranking, Rule, fixed_pack,
    step_sizes,
)

_r = lazy_module("mdmtheory._kernels.rules")
_markov = lazy_module("mdmtheory.markov")  # start-up time: networkx and scipy load on first use

__all__ = [
    "Param", "Ranking", "Origin", "ORIGIN_KINDS", "Rule", "RULES", "SAMPLER_NAMES", "CAPABILITIES", "RANK_KEYS",
    "RANK_STOPS", "register_rule", "unregister_rule", "step_sizes", "llada_sizes", "PUNT_ROUNDS", "fixed_pack",
    "dream_counts",
]


_I = lambda *v: np.array(v, dtype=np.int64)  # noqa: E731
_F = lambda *v: np.array(v, dtype=float)  # noqa: E731
_NONE = np.zeros(0, dtype=np.int64)

_STEPS = Param("steps", "int", 2, "calls", "number of model calls (even split, remainder to the first steps)", lo=1)
_SCHEDULE = Param("schedule", "sizes", None, "positions", "step sizes summing to n (instead of steps)", optional=True)
_TEMP = Param("temperature", "float", 0.0, "", "candidate temperature: p^(1/T)/Z, 0 = argmax", lo=0.0)
_BLOCK = Param("block_length", "int", None, "positions", "semi-autoregressive block length (None: n, one block)",
               lo=1, optional=True)


def _block(prm: dict, n: int, name: str) -> int:
    L = n if prm["block_length"] is None else int(prm["block_length"])
    if L > n or n % L:
        raise InputError(f"{name}: block_length={L} must divide n={n} (the published code asserts it)")
    return L


def llada_sizes(n: int, steps: int, block_length: int | None) -> tuple[int, ...]:
    """Tokens unmasked at each of LLaDA's ``steps`` calls: ``steps // (n // block_length)`` per
    block, each block's ``block_length`` split as ``base`` plus one for the first ``remainder``
    steps (``get_num_transfer_tokens``); zeros when a block has fewer positions than steps.

    Examples
    --------
    >>> llada_sizes(6, 4, 3), llada_sizes(4, 6, None)
    ((2, 1, 2, 1), (1, 1, 1, 1, 0, 0))
    """
    L = n if block_length is None else int(block_length)
    if L < 1 or L > n or n % L:
        raise InputError(f"llada: block_length={L} must divide n={n} (the published code asserts it)")
    blocks = n // L
    if steps % blocks:
        raise InputError(f"llada: steps={steps} must be a multiple of the {blocks} blocks (the published code asserts it)")
    spb = steps // blocks
    per = [L // spb + (1 if i < L % spb else 0) for i in range(spb)]
    return tuple(per * blocks)


def _llada_pack(prm: dict, n: int):
    if prm["block_length"] is not None and prm["block_length"] > n:
        raise InputError(f"llada: block_length={prm['block_length']} exceeds n={n}")
    L = _block(prm, n, "llada")
    sizes = llada_sizes(n, prm["steps"], L)
    spb = prm["steps"] // (n // L)
    return (_I(("low_confidence", "random").index(prm["remasking"]), L, spb, int(prm["confidence_noise"])),
            _F(prm["temperature"]), np.array(sizes, dtype=np.int64))


def _llada_continuous(prm: dict) -> str | None:
    if prm["confidence_noise"] and prm["temperature"] > 0 and prm["remasking"] == "low_confidence":
        return (f"confidence_noise=true at temperature={prm['temperature']:g} (a continuous confidence: the "
                "softmax of the Gumbel-noised logits)")
    return None


def _fast_pack(prm: dict, n: int):
    L = _block(prm, n, "fast_dllm")
    factor = prm["factor"]
    cap = prm["steps_per_block"] or 0
    if cap >= L:
        cap = 0  # every call unmasks at least one position: the block ends within L calls anyway
    if cap and n // L > 1:
        raise InputError(
            f"fast_dllm variant=paper: steps_per_block={cap} < block_length={L} with {n // L} blocks: the calls "
            "spent in the current block depend on the path, not on the state the exact engines key on; "
            "use one block (block_length=None) or steps_per_block >= block_length")
    return (_I(L, 0 if factor is None else 1, 1 if prm["variant"] == "paper" else 0, cap),
            _F(prm["temperature"], prm["threshold"], factor or 0.0), _NONE)


_DREAM_ALGS = ("origin", "maskgit_plus", "topk_margin", "entropy")


def _frechet_pack(prm: dict, n: int):
    return _I(_block(prm, n, "frechet_profile")), _F(prm["temperature"], prm["margin"]), _NONE


def _dream_pack(prm: dict, n: int):
    top_p = 1.0 if prm["top_p"] is None else prm["top_p"]
    top_k = 0 if prm["top_k"] is None else prm["top_k"]
    alg_temp = 0.0 if prm["alg_temp"] is None else prm["alg_temp"]
    dtype = DREAM_COUNT_DTYPES[prm["count_dtype"]]
    return (_I(_DREAM_ALGS.index(prm["alg"]), prm["steps"], top_k, dtype),
            _F(prm["temperature"], top_p, alg_temp, prm["eps"]), _NONE)




def _candidate_path(prm: dict) -> str:
    """Candidate rules: a point mass at temperature 0 unless the selection itself is random."""
    if prm.get("temperature") != 0.0 or prm.get("remasking", "low_confidence") != "low_confidence":
        return "random"
    if prm.get("alg") == "origin" or prm.get("alg_temp") is not None:
        return "random"
    return "point_mass"


def _steps_grid(n: int, hmax: float) -> list:
    return [("steps", k) for k in range(1, n + 1)]


def _probability_grid(name: str):
    return lambda n, hmax: [(name, t) for t in (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)]


def _nats_grid(name: str, lo: float, count: int):
    return lambda n, hmax: [(name, 0.0)] + [(name, float(g)) for g in np.geomspace(lo, max(hmax, 1e-3), count)]


def _fixed_sizes_sets(prm: dict, n: int) -> list[list[int]]:
    cuts = np.cumsum([0, *step_sizes(prm, n)])
    return [list(range(int(a), int(b))) for a, b in zip(cuts[:-1], cuts[1:])]


def _bisection_sets(prm: dict, n: int) -> list[list[int]]:
    return [list(S) for S in _markov.bisection_partition(n)]


def _forest(prm: dict, n: int) -> list:
    """The centroid rule's forest: ``edges``, or the path ``0-1-...-(n-1)`` when ``None``."""
    if prm["edges"] is None:
        return [(i, i + 1) for i in range(n - 1)]
    try:
        return check_forest(prm["edges"], n)
    except InputError as err:
        raise InputError(f"centroid parameter edges: {err}") from None


def _centroid_sets(prm: dict, n: int) -> list[list[int]]:
    return centroid_rounds(_forest(prm, n), n)


# Closed forms of the first step on the two-mode law (proofs_check/two_mode.py): every marginal is
# uniform on two values and every pair of positions is dependent.
_LOG2 = float(np.log(2.0))


def _two_mode(fn, *probes: dict):
    """``closed_forms`` for the two-mode claim: the first step's size and the settings it probes
    (the rule's knob around the closed form's edges; the frontier grid when none are given)."""
    return {"two_mode_first_step": fn, "two_mode_probes": probes}


#: ``steps = None`` in a probe stands for ``steps = n``.
_STEP_PROBES = ({"steps": 1}, {"steps": 3}, {"steps": None})
_SCHEDULE_DOC = "one per step of the schedule (steps, or len(schedule))"
_HERE = "mdmtheory/_kernels/rules.py: select"
_RANKED_HERE = "mdmtheory/_kernels/rules.py: ranked_prefix"


def _schedule_rule(name: str, ranking: Ranking, order: str, doc: str, **kw) -> Rule:
    return Rule(name, _c.RANKED, (_STEPS, _SCHEDULE), _SCHEDULE_DOC, False, False, _RANKED_HERE, doc, ranking=ranking,
                order=order, frontier=_steps_grid, closed_forms=_two_mode(lambda prm, n: step_sizes(prm, n)[0], *_STEP_PROBES), **kw)


def _entropy_sum_two_mode(prm: dict, n: int) -> int:
    """The first step of ``entropy_sum`` on the two-mode law (every entropy ``log 2``)."""
    k = int(np.floor(prm["eps"] / _LOG2 + 1e-12))  # the most positions with k log 2 <= eps
    if prm["crossing"] == "include":
        return min(n, k + 1)  # the shortest prefix whose sum exceeds eps
    return min(n, max(1, k))


PUNT_SOURCE = (
    "rounds=shrinking: cntlgns/HybridDPLM src/byprot/models/dplm2/decoding_strategies.py: decode_punt "
    "(commit 4d92b8752e2be57afc74fa9164af4249832d5853; the only public implementation found, a third party's: "
    "epsilon=0.04, R_mask shrinks, a round with an empty S0 or S1 in R is skipped, dropped when kl > epsilon); "
    "rounds=independent: Azangulov et al. arXiv:2510.21961 as issue 10 states it (every round a call, "
    "KL >= eps); mdmtheory/_kernels/rules.py: punt_rounds, punt_round_runs, punt_is_anchor, punt_in_play, "
    "punt_kl, punt_drops, punt_round")
ENTROPY_SUM_SOURCE = (
    "Cai and Li arXiv:2603.22248, the entropy-sum rule, from the abstract ('continues unmasking tokens within each "
    "iteration until the cumulative entropy exceeds a threshold': crossing=include; the paper's full text was not "
    "read); crossing=exclude: issue 12's earlier reading (sum H <= eps); " + _RANKED_HERE)
def _eb_tempered_pack(prm: dict, n: int):
    return (_I(RANK_KEYS[prm["proxy"]], _c.STOP_SUM_FREE_MAX, 0, 1 if prm["entropy_of"] == "tempered" else 0),
            _F(prm["temperature"], prm["gamma"]), _NONE)


def _eb_resolve(prm: dict) -> Rule:
    """``eb`` at ``T = 1`` is the ranked-prefix rule (values from the marginals, the chain rule
    holds); at ``T != 1`` its values come from ``p^(1/T)/Z``, which no engine draws for a
    marginal rule: it runs as a candidate rule (code ``EB_TEMPERED``: a candidate from
    ``p^(1/T)/Z`` for every masked position, the selection as at ``T = 1`` on the statistics of
    ``p`` or of the tempered law), so the exact evaluator enumerates the candidates, the walk
    engine and the estimators draw them, and the run is not deterministic."""
    rule = RULES["eb"]
    if prm["temperature"] == 1.0:
        return rule
    return replace(rule, code=_c.EB_TEMPERED, ranking=None, pack=_eb_tempered_pack, candidates=True,
                   path=lambda prm: "random", resolve=None)


def _check_fast_dllm(given: dict) -> None:
    if given.get("factor") is not None and "threshold" in given:
        raise InputError("give fast_dllm either threshold= or factor= (the dynamic rule), not both")
    if given.get("variant", "code") == "paper" and given.get("factor") is not None:
        raise InputError("fast_dllm variant=paper is the paper's threshold rule (Algorithm 1): it takes no factor=")
    if given.get("variant", "code") == "code" and given.get("steps_per_block") is not None:
        raise InputError("fast_dllm: steps_per_block (the paper's per-block cap T) needs variant='paper'; "
                         "the published code has no cap")


# Where each built-in rule comes from (Rule.origin): the published code read (repository, path,
# functions, the commit read) or the paper, and one line on where the rule departs from the paper.
_TOOLKIT_SELECT = dict(repository="mdmtheory", path="mdmtheory/_kernels/rules.py", functions=("select",))
_TOOLKIT_RANKED = dict(repository="mdmtheory", path="mdmtheory/_kernels/rules.py", functions=("ranked_prefix",))
_ORIGINS = {
    "random": Origin("toolkit", **_TOOLKIT_SELECT, paper="Chen-Cong-Li arXiv:2511.04647 (random order); MDLM arXiv:2406.07524",
                     departs="none: the papers' uniformly random order, sizes from a schedule"),
    "left_to_right": Origin("toolkit", **_TOOLKIT_RANKED, paper="",
                            departs="none: the autoregressive order, several positions per call"),
    "confidence": Origin("toolkit", **_TOOLKIT_RANKED, paper="MaskGIT arXiv:2202.04200; LLaDA arXiv:2502.09992",
                         departs="ranks by the marginal's max probability, then samples; MaskGIT and LLaDA rank "
                                 "sampled candidates by their probability (that is llada)"),
    "margin": Origin("toolkit", **_TOOLKIT_RANKED, paper="Dream arXiv:2508.15487 (alg='topk_margin')",
                     departs="ranks the marginals before sampling; Dream ranks with its drawn candidates (that is dream)"),
    "entropy": Origin("toolkit", **_TOOLKIT_RANKED, paper="Bansal et al. arXiv:2606.22976; Dream (alg='entropy')",
                      departs="none for Bansal et al.'s lowest-entropy unmasking; Dream ranks with drawn candidates (dream)"),
    "threshold": Origin("toolkit", **_TOOLKIT_RANKED, paper="Fast-dLLM arXiv:2505.22618 (threshold rule)",
                        departs="every position with max p >= tau, no candidates; the published rule ranks sampled "
                                "candidates (that is fast_dllm)"),
    "eb": Origin("paper", paper="Ben-Hamu et al. arXiv:2505.24857 (EB-sampler)",
                 departs="no temperature: entropies of the untempered marginals, positions sampled after selection; "
                         "public implementations differ on tempering the entropies"),
    "punt_pairwise": Origin("toolkit", repository="mdmtheory", path="mdmtheory/_kernels/rules.py",
                            functions=("select", "pairwise_dependent"), paper="PUNT-like (arXiv:2510.21961)",
                            departs="pairwise conditional mutual informations of the truth, not PUNT's anchor rounds"),
    "bisection": Origin("paper", paper="Bansal et al. arXiv:2606.22976 (bisection sampler)",
                        departs="none: the midpoint of every run of masked positions per call"),
    "centroid": Origin("paper", repository="mdmtheory", path="mdmtheory/forests.py", functions=("centroid_rounds",),
                       paper="Kawata, Hayakawa, Suzuki 2026 (counterfactual probing of a hidden forest; as issue 18 "
                             "states it, the paper was not reachable)",
                       departs="unknown: built from issue 18's one-line statement (one centroid of every component "
                               "of the masked positions per round)"),
    "optimal": Origin("toolkit", repository="mdmtheory", path="mdmtheory/exact.py", functions=("optimal_policy",),
                      departs="not a published sampler: the best deterministic policy with k calls (a floor)"),
    "llada": Origin("code", repository="ML-GSAI/LLaDA", path="generate.py",
                    functions=("generate", "get_num_transfer_tokens", "add_gumbel_noise"),
                    commit="41760b91240e934e7612b08d45a0642d680c098a", paper="Nie et al. arXiv:2502.09992",
                    departs="the paper's runs noised the remasking confidence with Gumbel noise (LLaDA issue #42); "
                            "the code, followed by default, ranks by the clean probability of the candidate; "
                            "confidence_noise=true ranks by softmax(log p + T G)[y] (our reading of the issue, "
                            "whose text is cut short)"),
    "fast_dllm": Origin("code", repository="NVlabs/Fast-dLLM", path="llada/generate.py",
                        functions=("get_transfer_index", "get_transfer_index_dynamic", "add_gumbel_noise"),
                        commit="f6b35ec3f1b16e1b3d3357938046559ae2d350fa", paper="Wu et al. arXiv:2505.22618",
                        departs="the paper's Algorithm 1 caps the steps per block and ranks the greedy max p; the code "
                                "(followed) has no cap, ranks the sampled candidate, and its factor rule's top_i step "
                                "commits all when only the last confidence fails"),
    "dream": Origin("code", repository="Dream-org/Dream-v0-Instruct-7B (Hugging Face model repository)",
                    path="generation_utils.py",
                    functions=("DreamGenerationMixin._sample", "sample_tokens", "top_p_logits", "top_k_logits"),
                    paper="Ye et al. arXiv:2508.15487",
                    note="the file lives on the Hugging Face hub, not on GitHub: no commit could be read here; it was "
                         "read through copies that name it as their source",
                    departs="none known from the paper (the code is followed); the code computes the step counts in "
                            "float32, the toolkit in float64"),
    "punt": Origin("third-party code", repository="cntlgns/HybridDPLM",
                   path="src/byprot/models/dplm2/decoding_strategies.py", functions=("decode_punt",),
                   commit="4d92b8752e2be57afc74fa9164af4249832d5853",
                   paper="Azangulov et al. arXiv:2510.21961 (PUNT)",
                   departs="rounds=shrinking (default) follows the one public implementation (a third party's); "
                           "rounds=independent is the paper as issue 10 states it (every round a call, KL >= eps); "
                           "candidates are drawn from p at temperature 1"),
    "entropy_sum": Origin("paper", **_TOOLKIT_RANKED, paper="Cai and Li arXiv:2603.22248 (entropy-sum rule, abstract)",
                          departs="crossing=include (default) follows the abstract (the token whose entropy makes the "
                                  "sum exceed eps is unmasked: the same rule as eb with the entropy proxy); "
                                  "crossing=exclude keeps issue 12's earlier reading"),
    "frechet_profile": Origin("code", repository="Ringo-Star/FastdLLM_plusplus", path="v1/llada/generate.py",
                              functions=("get_transfer_index_frechet_profile",),
                              commit="518b90f4228fb408a14e42d7fbc8d945ad934f50",
                              paper="Kasa et al. arXiv:2606.02955v2, Algorithm 1",
                              departs="none found: the code counts the n with L_n - U_n > margin, which is the largest "
                                      "such n (the score decreases in n), as Algorithm 1"),
}


#: The registry: one entry per rule, in display order (:func:`register_rule` adds one).
RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule("random", _c.RANDOM, (_STEPS, _SCHEDULE), _SCHEDULE_DOC, True, False, _HERE,
             "uniform random subsets, sizes from a schedule", lambda prm, n: (_NONE, _F(), np.array(step_sizes(prm, n))),
             order="random", sizes=step_sizes, path=lambda prm: "random_order", frontier=_steps_grid,
             closed_forms=_two_mode(lambda prm, n: step_sizes(prm, n)[0], *_STEP_PROBES)),
        _schedule_rule("left_to_right", Ranking("position"), "fixed",
                       "smallest masked positions first, sizes from a schedule", fixed_sets=_fixed_sizes_sets),
        _schedule_rule("confidence", Ranking("confidence"), "adaptive",
                       "top-k by the marginal's max probability, then sampled (no candidates; cf. llada)"),
        _schedule_rule("margin", Ranking("margin"), "adaptive",
                       "top-k by the marginal's margin between the two most likely values"),
        _schedule_rule("entropy", Ranking("entropy"), "adaptive", "top-k by lowest marginal entropy"),
        Rule("threshold", _c.RANKED,
             (Param("tau", "float", 0.9, "probability", "unmask every position with max p >= tau", lo=0.0, hi=1.0),),
             "at most n; adaptive", False, False, _RANKED_HERE,
             "all with marginal max probability >= tau, at least one (no candidates; cf. fast_dllm)",
             ranking=Ranking("confidence", "each", stat="confidence", param="tau"), frontier=_probability_grid("tau"),
             # every confidence is 1/2 at the start
             closed_forms=_two_mode(lambda prm, n: n if prm["tau"] <= 0.5 else 1, *({"tau": t} for t in (0.5, 0.6, 0.99)))),
        Rule("eb", _c.RANKED,
             (Param("gamma", "float", 0.1, "nats", "entropy budget: sum H - max H <= gamma", lo=0.0),
              Param("proxy", "str", "entropy", "", "ranking proxy", choices=("entropy", "confidence", "margin")),
              Param("temperature", "float", 1.0, "", "values drawn from p^(1/T)/Z (T != 1: drawn as candidates)",
                    lo=0.0, lo_open=True),
              Param("entropy_of", "str", "untempered", "", "rank and budget on the statistics of p (untempered) "
                    "or of p^(1/T)/Z (tempered)", choices=("untempered", "tempered"))),
             "at most n; adaptive", False, False, _RANKED_HERE + "; T != 1: " + _HERE + " (EB_TEMPERED)",
             "largest prefix with sum H - max H <= gamma (EB-sampler); values from p^(1/T)/Z",
             ranking=Ranking(stop="sum_free_max", param="gamma", key_param="proxy"), resolve=_eb_resolve,
             frontier=_nats_grid("gamma", 1e-3, 12),
             # sum H - max H = (|U| - 1) log 2
             closed_forms=_two_mode(lambda prm, n: min(n, 1 + int(np.floor(prm["gamma"] / _LOG2 + 1e-12))),
                                   *({"gamma": g, "proxy": p} for g in (0.7, 1.5, 10.0)
                                     for p in ("entropy", "confidence", "margin")))),
        Rule("punt_pairwise", _c.PUNT_PAIRWISE,
             (Param("delta", "float", 0.01, "nats", "dependence test: drop when I(X_i; X_j | x_R) > delta", lo=0.0),),
             "at most n; adaptive (the pairwise tests are oracle queries, not counted)", False, False,
             _HERE + " (pairwise; not the published PUNT)",
             "confidence order, drop members dependent (CMI > delta) on a better one",
             lambda prm, n: (_NONE, _F(prm["delta"]), _NONE), needs=frozenset({"pair_test"}),
             frontier=_nats_grid("delta", 1e-4, 8),
             # every pair has conditional mutual information log 2
             closed_forms=_two_mode(lambda prm, n: n if prm["delta"] >= _LOG2 else 1, {"delta": 0.7})),
        Rule("bisection", _c.BISECT, (), "ceil(log2(n + 1))", False, False, _HERE,
             "midpoint of every run of masked positions", lambda prm, n: (_NONE, _F(), _NONE), order="fixed",
             fixed_sets=_bisection_sets, chain_exact=True, frontier=lambda n, hmax: [("", None)],
             closed_forms=_two_mode(lambda prm, n: 1, {})),  # one gap, one midpoint
        Rule("centroid", None,
             (Param("edges", "edges", None, "positions",
                    "the forest over the positions, pairs [i, j] (None: the path 0-1-...-(n-1))", optional=True),),
             "one per round: at most ceil(log2(N + 1)), N the largest tree", False, False,
             "Kawata, Hayakawa, Suzuki (2026), counterfactual probing of a hidden forest: one centroid per "
             "component per round (as issue 18 states it; the paper's text was not reachable); "
             "mdmtheory/forests.py: centroid_rounds",
             "one centroid of every component of the masked positions in the forest (the centroid decomposition)",
             order="fixed", fixed_sets=_centroid_sets,
             frontier=lambda n, hmax: [("", None)],
             # the default path is one component: one centroid
             closed_forms=_two_mode(lambda prm, n: len(forest_components(_forest(prm, n), n)), {})),
        Rule("optimal", _c.OPTIMAL, (Param("k", "int", 2, "calls", "call budget", lo=1),), "at most k", False, False,
             "mdmtheory/exact.py: optimal_policy",
             "best deterministic adaptive policy with at most k calls (needs the joint)",
             lambda prm, n: (_NONE, _F(), _NONE), needs=frozenset({"joint"}),
             frontier=lambda n, hmax: [("k", k) for k in range(1, n + 1)],
             closed_forms=_two_mode(lambda prm, n: n if prm["k"] == 1 else 1, {"k": 1}, {"k": 3})),
        Rule("llada", _c.LLADA,
             (Param("steps", "int", 2, "calls", "total model calls (split evenly over blocks)", lo=1), _BLOCK, _TEMP,
              Param("remasking", "str", "low_confidence", "", "rank by candidate probability or at random",
                    choices=("low_confidence", "random")),
              Param("confidence_noise", "bool", False, "", "rank by softmax(log p + T G)[y], the Gumbel-noised "
                    "logits that drew the candidate (LLaDA issue #42: the paper's runs); no effect at T = 0")),
             "exactly steps", False, True, "ML-GSAI/LLaDA generate.py: generate, get_num_transfer_tokens, "
             "add_gumbel_noise (commit 41760b91240e934e7612b08d45a0642d680c098a)",
             "candidates from p^(1/T), top-k per step by the untempered probability of the candidate, in blocks",
             _llada_pack, sizes=lambda prm, n: llada_sizes(n, prm["steps"], prm["block_length"]),
             min_calls=lambda prm: int(prm["steps"]), max_calls=lambda prm, n: int(prm["steps"]), path=_candidate_path,
             continuous=_llada_continuous,
             frontier=_steps_grid, frontier_fixed={"temperature": 1.0},
             closed_forms=_two_mode(lambda prm, n: llada_sizes(n, prm["steps"], prm["block_length"])[0],
                                   *({"steps": k} for k in (1, 2, 3)), {"steps": None})),
        Rule("fast_dllm", _c.FAST_DLLM,
             (_BLOCK, _TEMP,
              Param("threshold", "float", 0.9, "probability", "keep the top one and every other candidate >= threshold",
                    lo=0.0, hi=1.0),
              Param("factor", "float", None, "", "dynamic variant: stop at the first c_(i) < 1 - factor/(i+1)",
                    lo=0.0, lo_open=True, optional=True),
              Param("variant", "str", "code", "", "code: the published code (confidence p(y) of the drawn candidate, "
                    "no cap); paper: Algorithm 1 (confidence max p, at most steps_per_block calls a block)",
                    choices=("code", "paper")),
              Param("steps_per_block", "int", None, "calls", "variant=paper: the cap T on calls per block (None: "
                    "none); the T-th call takes the rest of the block", lo=1, optional=True)),
             "at most n; adaptive", False, True,
             "NVlabs/Fast-dLLM llada/generate.py: get_transfer_index, get_transfer_index_dynamic (commit "
             "24cc59e75f20a6384bae8c905965bb090b96388e); variant=paper: paper/fast_dllm.pdf Algorithm 1 "
             "(arXiv:2505.22618), which scores max p and caps the calls per block",
             "candidates from p^(1/T); in blocks, top one plus all >= threshold (or the factor rule)", _fast_pack,
             path=_candidate_path, frontier=_probability_grid("threshold"), frontier_fixed={"temperature": 1.0},
             check=_check_fast_dllm,
             # the top candidate, and every one >= threshold (the factor rule has no closed form here)
             closed_forms=_two_mode(lambda prm, n: None if prm["factor"] is not None else (
                 n if prm["threshold"] <= 0.5 else 1), *({"threshold": t} for t in (0.4, 0.5, 0.9)))),
        Rule("dream", _c.DREAM,
             (Param("steps", "int", 2, "calls", "model calls (timesteps linspace(1, eps, steps + 1))", lo=1),
              Param("alg", "str", "origin", "", "Dream's alg", choices=_DREAM_ALGS),
              Param("temperature", "float", 0.0, "", "logits / T before top_p, top_k; 0 = argmax", lo=0.0),
              Param("top_p", "float", None, "probability", "nucleus filter (None: off)", lo=0.0, hi=1.0, lo_open=True,
                    optional=True),
              Param("top_k", "int", None, "values", "keep the k most likely values (None: off)", lo=1, optional=True),
              Param("alg_temp", "float", None, "", "positions drawn by softmax(confidence / alg_temp) (None: top-k)",
                    lo=0.0, optional=True),
              Param("eps", "float", 1e-3, "time", "final timestep", lo=0.0, hi=1.0, lo_open=True),
              Param("count_dtype", "str", "float32", "", "arithmetic of timesteps and counts (published code: "
                    "float32, torch.linspace fused as on AVX2/AVX512 and CUDA; float32_unfused: torch's DEFAULT CPU build)",
                    choices=("float32", "float64", "float32_unfused"))),
             "exactly steps (selection random for alg=origin and with alg_temp)", True, True,
             "Dream generation_utils.py (Hugging Face Dream-org/Dream-v0-Instruct-7B; HKUNLP/Dream at a1b4472 "
             "holds no sampler code; read in NVlabs/Fast-dLLM dream/model/generation_utils.py at 24cc59e, whose "
             "ranking branch is Dream's): _sample, sample_tokens, top_p_logits, top_k_logits; counts in float32 "
             "with torch.linspace's arithmetic (pytorch/pytorch aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp: "
             "linspace_kernel, commit 00c0db4e2b4a2c63eef4a9ce4ea34c86661d2c39)",
             "candidates from the processed probabilities; int(m (1 - s/t)) per step by confidence, margin or "
             "entropy (origin: each with probability 1 - s/t)", _dream_pack,
             max_calls=lambda prm, n: int(prm["steps"]), path=_candidate_path, frontier=_steps_grid,
             frontier_fixed={"alg": "maskgit_plus", "temperature": 1.0}),
        Rule("punt", _c.PUNT,
             (Param("eps", "float", 0.04, "nats", "drop a tested candidate when KL(p_j(.|x) || p_j(.|x, y_anchors)) "
                    "> eps (rounds=independent: >= eps)", lo=0.0),
              Param("rounds", "str", "shrinking", "", "shrinking: the published decode_punt (the set R shrinks, "
                    "a round with no anchor or no tested candidate in R is skipped, no call); independent: every "
                    "round over every candidate, each a call", choices=PUNT_ROUNDS)),
             "1 + (anchor/test rounds run) per step, at most 1 + ceil(log2 m) (m masked): the rounds are counted",
             False, True, PUNT_SOURCE,
             "candidates from p, ranked by p(y); up to ceil(log2 m) anchor/test rounds drop tested candidates with "
             "KL(p_j(.|x) || p_j(.|x, y_anchors)) > eps",
             lambda prm, n: (_I(_c.PUNT_SHRINKING if prm["rounds"] == "shrinking" else _c.PUNT_INDEPENDENT),
                             _F(prm["eps"]), _NONE),
             step_calls=lambda m: 1 + int(_r.punt_rounds(m)), needs=frozenset({"anchored_conditionals"}),
             # one position per step at worst, each step at most 1 + ceil(log2 m) calls
             max_calls=lambda prm, n: sum(1 + int(_r.punt_rounds(m)) for m in range(1, n + 1)),
             path=lambda prm: "random", frontier=_nats_grid("eps", 1e-4, 8),
             frontier_fixed={"rounds": "shrinking"},
             # every anchor set holds the top candidate: a tested one is then fixed or impossible (KL inf)
             closed_forms=_two_mode(lambda prm, n: 1, *({"eps": e, "rounds": r} for e in (0.7, 0.0, 100.0)
                                                        for r in PUNT_ROUNDS))),
        Rule("entropy_sum", _c.RANKED,
             (Param("eps", "float", 0.1, "nats", "entropy budget per step: unmask until the sum of H exceeds eps",
                    lo=0.0),
              Param("crossing", "str", "include", "", "include: the position whose entropy crosses eps is unmasked "
                    "too (the abstract's 'until the cumulative entropy exceeds a threshold'); exclude: every "
                    "unmasked H counts, sum H <= eps", choices=("include", "exclude"))),
             "at most n; adaptive", False, False, ENTROPY_SUM_SOURCE,
             "lowest-entropy prefix: until sum H exceeds eps (crossing=include, the crossing position unmasked), "
             "or sum H <= eps (exclude); at least one",
             ranking=Ranking("entropy", "sum_through", param="eps", stop_param="crossing",
                             stop_choices=(("include", "sum_through"), ("exclude", "sum"))),
             frontier=_nats_grid("eps", 1e-4, 8), frontier_fixed={"crossing": "include"},
             # include: the shortest prefix with |U| log 2 > eps; exclude: the longest with |U| log 2 <= eps
             closed_forms=_two_mode(_entropy_sum_two_mode, *({"eps": e, "crossing": c} for e in (0.69, 0.7, 1.4, 3.0, 100.0)
                                                            for c in ("include", "exclude")))),
        Rule("frechet_profile", _c.FRECHET,
             (_BLOCK, _TEMP,
              Param("margin", "float", 0.25, "", "accept n while L_n - U_n > margin (the paper's delta, >= 0)",
                    lo=0.0)),
             "at most n; adaptive", False, True,
             "Fast-dLLM++ arXiv:2606.02955, Algorithm 1; v1/llada/generate.py: get_transfer_index_frechet_profile",
             "candidates from p^(1/T); in blocks, the largest n with max(0, sum c - (n-1)) - (1 - c_(n)) > margin",
             _frechet_pack, path=_candidate_path,
             frontier=lambda n, hmax: [("margin", m) for m in (0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99)],
             frontier_fixed={"temperature": 1.0},
             # every candidate's confidence is 1/2: G_1 = 1/2 - 1/2 = 0, G_2 = 0 - 1/2 < 0, so n* = 1
             closed_forms=_two_mode(lambda prm, n: 1, *({"margin": d} for d in (0.0, 0.25, 0.9)))),
    )
}


for _name, _origin in _ORIGINS.items():
    RULES[_name] = replace(RULES[_name], origin=_origin)
if set(_ORIGINS) != set(RULES):  # pragma: no cover - a built-in rule without its origin is a bug
    raise AssertionError(f"built-in rules without an origin: {sorted(set(RULES) - set(_ORIGINS))}")


class _RegisteredNames(Sequence):
    """The registered rule names in display order, read live from :data:`RULES` (so a rule added
    by :func:`register_rule` is listed everywhere)."""

    def __getitem__(self, i):
        return tuple(RULES)[i]

    def __len__(self) -> int:
        return len(RULES)

    def __eq__(self, other) -> bool:
        return isinstance(other, (tuple, list, Sequence)) and tuple(RULES) == tuple(other)

    def __hash__(self):
        return hash(tuple(RULES))

    def __repr__(self) -> str:
        return repr(tuple(RULES))


#: Registry names, in display order (live: see :func:`register_rule`).
SAMPLER_NAMES = _RegisteredNames()


def register_rule(rule: Rule, replace: bool = False) -> Rule:
    """Add a rule to the registry (:data:`RULES`): every engine, command, claim and test then
    runs it.  A rule of the ranked-prefix family (``ranking=``) needs no kernel code.

    Raises
    ------
    InputError
        Not a :class:`Rule`, or the name is taken (unless ``replace``).

    Examples
    --------
    >>> cap = Rule("entropy_cap_doc", None, (Param("h", "float", 0.3, "nats", "cap", lo=0.0),), "at most n", False,
    ...            False, "docs", "every position with H <= h", ranking=Ranking("entropy", "each", "entropy", "h"))
    >>> register_rule(cap).code == RULES["confidence"].code
    True
    >>> unregister_rule("entropy_cap_doc")
    """
    if not isinstance(rule, Rule):
        raise InputError(f"register_rule takes a Rule; got {type(rule).__name__}")
    if rule.name in RULES and not replace:
        raise InputError(f"a rule named {rule.name!r} is registered already; pass replace=True or another name")
    RULES[rule.name] = rule
    return rule


def unregister_rule(name: str) -> None:
    """Remove a rule added by :func:`register_rule` (the built-in rules stay)."""
    if name in _BUILTIN:
        raise InputError(f"{name!r} is a built-in rule and stays registered")
    if name not in RULES:
        raise InputError(f"no rule named {name!r} is registered; registered: {', '.join(RULES)}")
    del RULES[name]


_BUILTIN = frozenset(RULES)
