"""Parallel samplers for masked diffusion models: one interface, chosen by name.

A sampler sees the revealed positions, their values and the oracle's conditional marginals of
the masked positions (a :class:`SamplerState`) and returns the sets of positions to unmask next
with their probabilities (:meth:`Sampler.select`); every member of the chosen set is then drawn
independently from its marginal.  :func:`make_sampler` builds one from a name in
:data:`SAMPLER_NAMES` and keyword parameters; :func:`mdmtheory.evaluate` computes the
exact output law of any of them.

Selection rules (docs/theory.md section 6; ``p_i`` is the marginal of masked position ``i``).  The
first group ranks by a statistic of the marginal and then draws the chosen positions from their
marginals; the second group (the published samplers) first draws a *candidate* for every
eligible position and ranks by the probability of the drawn candidate, then unmasks with it.

========================  ===================================================================
``random``                uniform random subset of the masked positions, size ``s_t``
``left_to_right``         the ``s_t`` smallest masked positions
``confidence``            top ``s_t`` by ``max_v p_i(v)``
``margin``                top ``s_t`` by ``p_i(1st) - p_i(2nd)``
``entropy``               the ``s_t`` lowest ``H(p_i)``
``threshold(tau)``        every ``i`` with ``max_v p_i(v) >= tau``, at least the most confident
                          one
``eb(gamma, proxy)``      sort by the proxy (``entropy``: ``H``; ``confidence``: ``-max p``;
                          ``margin``: ``-margin``), take the largest prefix ``U`` with
                          ``sum_U H(p_i) - max_U H(p_i) <= gamma`` (at least one; EB-sampler);
                          ``temperature=T``: values from ``p^(1/T)/Z`` as in the candidate rules,
                          the statistics of ``p`` (``entropy_of=untempered``) or of ``p^(1/T)/Z``
                          (``tempered``): public implementations differ on this.  At ``T != 1``
                          the rule runs as a candidate rule (the registry's ``resolve``): the
                          exact evaluator enumerates the candidates, the walk engine and the
                          estimators draw them, and no chain-rule term is reported
``punt_pairwise(delta)``  positions in decreasing confidence; one is dropped when its
                          conditional mutual information with a more confident one,
                          ``I(X_i; X_j | x_R)``, exceeds ``delta`` (pairwise, with an exact
                          test: not the published PUNT)
``bisection``             the midpoint ``(a + b) // 2`` of every maximal run ``a..b`` of masked
                          positions (the runs at both ends included)
``optimal(k)``            the best deterministic adaptive policy with at most ``k`` model calls
                          (depends on the joint; built by
                          :func:`mdmtheory.optimal_policy`)
``llada``                 LLaDA ``generate.py`` ``generate``: blocks of ``block_length``, the
                          steps split evenly over blocks and inside a block ``base`` plus one for
                          the first ``remainder`` steps (``get_num_transfer_tokens``; zeros
                          allowed, a call is still made); candidates ``argmax(log p / T +
                          Gumbel)`` = a draw from ``p^(1/T)/Z`` (``add_gumbel_noise``; ``T = 0``:
                          argmax); ``remasking=low_confidence`` takes the top ``s_t`` of the block
                          by the *untempered* ``p_i(y_i)``, ``random`` a uniform subset
``fast_dllm``             Fast-dLLM ``llada/generate.py``: blocks completed in order; candidates as
                          ``llada``; ``get_transfer_index`` keeps the most confident candidate and
                          every other with ``p_i(y_i) >= threshold``;
                          ``get_transfer_index_dynamic`` (``factor``) sorts the confidences
                          ``c_0 >= c_1 >= ...``, stops at the first ``a >= 1`` with
                          ``c_a < 1 - factor / (a + 2)`` and takes the top ``a`` (all of them when
                          it stops at the last one or never: the code's ``top_i`` rule); ``variant=paper``: the paper's Algorithm 1 [2], confidence
                          ``max p_i`` whatever the candidate, at most ``steps_per_block`` calls a
                          block (the last takes the rest of the block; a binding cap needs one
                          block)
``dream``                 Dream ``generation_utils.py`` ``_sample``: ``steps`` calls on
                          ``linspace(1, eps, steps + 1)`` (float32 and ``torch.linspace``'s
                          arithmetic, as published; :func:`dream_counts`); candidates from ``sample_tokens``
                          (``log p / T``, ``top_p``, ``top_k``; ``T = 0``: argmax); ``alg=origin``
                          unmasks every masked position with probability ``1 - s / t``;
                          ``maskgit_plus`` / ``topk_margin`` / ``entropy`` take
                          ``int(m (1 - s / t))`` (all at the last step) by the processed
                          probability of the candidate, its margin, or ``sum p log(p + 1e-10)``;
                          with ``alg_temp`` the positions are drawn without replacement from
                          ``softmax(confidence / alg_temp)``
``punt(eps, rounds)``     PUNT (Azangulov et al. [4]): a candidate ``y_i ~ p_i`` for every masked
                          position, ranked by ``p_i(y_i)`` (rank ``0..m-1``); up to
                          ``ceil(log2 m)`` extra calls, one per bit of the rank: in round ``r``
                          the candidates with bit ``r`` = 0 are the anchors, revealed together
                          at their candidate values, and each tested candidate ``j`` is dropped
                          when ``KL(p_j(.|x) || p_j(.|x, y_anchors)) > eps``; the kept candidates
                          are unmasked with their values (rank 0, the top one, is an anchor in
                          every round: never dropped).  ``rounds="shrinking"`` (default; the one
                          public implementation, a third party's ``decode_punt`` [8]; default
                          ``eps = 0.04`` as there): a dropped candidate takes no further part
                          (neither anchor nor tested) and a round with no anchor or no tested
                          candidate left is skipped, no call; ``rounds="independent"`` (issue
                          10's statement): every candidate in every round, each a call, dropped
                          when ``KL >= eps``
``entropy_sum(eps, crossing)``
                          Cai and Li [6]: sort by ``H(p_i)`` increasing; ``crossing="include"``
                          (default; the abstract's "until the cumulative entropy exceeds a
                          threshold"): add positions until their entropy sum exceeds ``eps``, the
                          crossing one included (all when it never does), which is
                          ``eb(gamma = eps, proxy = "entropy")``; ``crossing="exclude"`` (issue
                          12's reading): the largest prefix ``U`` with ``sum_U H(p_i) <= eps``.
                          At least one.  Both certify a step's conditional total correlation
                          ``<= eps``
``frechet_profile``       Fast-dLLM++ [7] (Frechet profile decoding; ``v1/llada/generate.py``
                          ``get_transfer_index_frechet_profile``): blocks and candidates as
                          ``fast_dllm``; with the confidences sorted ``c_(1) >= c_(2) >= ...``
                          unmask the largest ``n`` with ``L_n - U_n > margin``, ``L_n = max(0,
                          sum_{j<=n} c_(j) - (n - 1))`` (Frechet-Hoeffding lower bound on all
                          ``n`` being jointly right), ``U_n = 1 - c_(n)``; at least one.  Equal
                          confidences ``c``: the largest ``n`` with ``(n + 1)(1 - c) < 1 - margin``
                          (strict); the published factor code accepts ``(n + 1)(1 - c) <=
                          factor`` (at equality), so at 11 confidences 0.9 ``fast_dllm(factor=1)``
                          commits 9 and ``frechet_profile(margin=0)`` 8 (and keeps its ``top_i``
                          quirk)
========================  ===================================================================

Every rule is declared once, as a :class:`~mdmtheory.registry.Rule` of the registry
(:mod:`mdmtheory.registry`): its typed parameters, call model, randomness, the oracle capabilities
it needs, how an estimate replays it, its knob grid for ``frontier``, the closed forms claims read,
its source; its selection code lives in ``mdmtheory/_kernels/rules.py`` (fixed codes; parameters,
tolerance and key scale passed as arguments).  One step is defined once: the rule functions of
that module, run by the exact evaluator (which enumerates a step's outcomes), the walk engine,
:meth:`Sampler.draw` (one step drawn: the estimators' step) and :meth:`Sampler.transitions` (the
law of one step).  Every engine, command, claim and test reads the registry.

Adding a rule: a rule of the *ranked-prefix family* (rank the masked positions by a statistic of
their marginals, keep a prefix by a size schedule, a per-position test or an entropy budget:
:class:`~mdmtheory.registry.Ranking`) is one registry entry (in ``registry.py``, or at run time
with :func:`~mdmtheory.registry.register_rule`) plus its independent reference in
``tests/rules_reference.py``: no kernel code.  A rule outside the family adds its branch to
``rules.select`` (and ``candidate_law`` if it draws candidates) and a code in
``_kernels/codes.py``.

The schedule samplers (``random``, ``left_to_right``, ``confidence``, ``margin``, ``entropy``)
take ``schedule=[s_1, ..., s_k]`` (sizes summing to ``n``) or ``steps=k`` (an even split, the
remainder going to the first steps, as LLaDA; default ``steps=2``).  ``s_t`` is the size of step
``t = state.step``, clipped to the number of masked positions (all of them past the last step).

Conventions, the same in every implementation (the numba kernels included)

* Ties are broken by position: among equal keys the lower index wins.  Keys (confidence, margin,
  entropy) are compared as :func:`rank_key` ``= rint(key * 10**KEY_DECIMALS)``, so that
  marginals computed in different orders of floating-point operations rank the same.
* Thresholds are compared with slack :data:`TOL`: ``max p >= tau - TOL``,
  ``sum H - max H <= gamma + TOL``, dependent when ``I > delta + TOL``, ``punt`` drops when
  ``KL > eps + TOL`` (``rounds="independent"``: ``KL >= eps - TOL``), ``entropy_sum`` stops once
  ``sum H > eps + TOL`` (``crossing="exclude"``: keeps ``sum H <= eps + TOL``), ``frechet_profile``
  accepts ``n`` when ``L_n - U_n > margin + TOL``.
* Entropies and mutual informations are in nats (``gamma`` and ``delta`` are in nats).
* Where the published code and its paper differ, the code is followed by default: the
  ``fast_dllm`` dynamic rule's ``top_i`` quirk above and its candidate-probability confidence
  (``variant=paper`` for the paper's), Dream's counts in float32 with ``torch.linspace``'s
  arithmetic (``count_dtype=float64`` for the real-number reading), ties of
  ``torch.topk``/``sort`` (unspecified there) by position.

References
----------
.. [1] Nie et al., "Large language diffusion models" (LLaDA), arXiv:2502.09992 (low-confidence
   remasking, even step split).
.. [2] Wu et al., "Fast-dLLM", arXiv:2505.22618 (confidence threshold).
.. [3] Ben-Hamu et al., "Accelerated sampling from masked diffusion models via entropy bounded
   unmasking", arXiv:2505.24857 (EB-sampler).
.. [4] Azangulov et al., arXiv:2510.21961 (PUNT).
.. [5] Ye et al., "Dream 7B", arXiv:2508.15487 (``generation_utils.py``).
.. [6] Cai and Li, arXiv:2603.22248 (the entropy-sum rule; its abstract: "continues unmasking tokens
   within each iteration until the cumulative entropy exceeds a threshold"; issue 12's summary: "reaches
   eps KL in ~O(H(X)/eps) expected iterations"; the full text was not read).
.. [7] Kasa, Dai, Negi and Li, "Fast-dLLM++: Frechet profile decoding for faster diffusion LLM
   inference", arXiv:2606.02955 (Algorithm 1, Theorem 4.1; code ``v1/llada/generate.py``).
.. [8] cntlgns/HybridDPLM, ``src/byprot/models/dplm2/decoding_strategies.py``, ``decode_punt``
   (commit 4d92b8752e2be57afc74fa9164af4249832d5853), "Parallel Unmasking with Non-influence Tests" in a
   protein-MDM decoding module: the only public PUNT implementation found.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._kernels import codes as _c
from ._lazy import lazy_module
from .batch_step import sample_sets, step_specs
from .errors import InputError, check_memory
from .registry import (  # noqa: F401 - the registry's public names, re-exported
    CAPABILITIES, PUNT_ROUNDS, RULES, SAMPLER_NAMES, Param, Ranking, Rule, dream_counts, llada_sizes, register_rule,
    step_sizes,
    unregister_rule,
)
from .tolerances import KEY_DECIMALS, TOL  # noqa: F401 - re-exported

_r = lazy_module("mdmtheory._kernels.rules")

__all__ = [
    "SAMPLER_NAMES",
    "RULES",
    "Param",
    "Rule",
    "Ranking",
    "register_rule",
    "unregister_rule",
    "SamplerState",
    "Sampler",
    "make_sampler",
    "step_sizes",
    "llada_sizes",
    "dream_counts",
    "confidence",
    "margin",
    "marginal_entropy",
    "KEY_DECIMALS",
    "TOL",
    "describe",
    "CAPABILITIES",
    "punt_kept",
    "rank_key",
]


@dataclass(frozen=True, eq=False)
class SamplerState:
    """What a sampler sees before model call ``step``.

    Attributes
    ----------
    n : int
        Sequence length.
    revealed : numpy.ndarray of bool, shape (n,)
        Which positions are revealed.
    values : numpy.ndarray of int, shape (n,)
        Revealed values, ``-1`` where masked.
    marginals : numpy.ndarray, shape (n, qmax)
        The oracle's conditional marginal ``mu(X_i = v | x_R)`` of each masked position (entries
        past ``q_i`` are 0); rows of revealed positions are not read.
    step : int
        0-based index of the model call about to be made.
    pair_mi : callable, optional
        ``pair_mi(i, j) -> I(X_i; X_j | X_R = x_R)`` in nats for two masked positions (the exact
        oracle's dependence test; only ``punt_pairwise`` uses it).
    q : sequence of int, optional
        Alphabet sizes (default: the width of ``marginals`` for every position).
    conditional : callable, optional
        ``conditional(assign, j) -> p_j(.|x_R, x_A = assign)`` (a length-``q_j`` array) for a dict
        ``assign`` of masked positions to values and a masked ``j`` not in it, or ``None`` when
        that context has probability 0 (the oracle's extra queries; only ``punt`` uses it).
    conditional_rows : callable, optional
        ``conditional_rows(assign) -> (n, qmax)`` marginals given ``x_R`` and ``x_A = assign``
        (one oracle call for every position), or ``None`` when that context has probability 0;
        ``punt`` prefers it to ``conditional`` (one call a round instead of one a position).
    """

    n: int
    revealed: np.ndarray
    values: np.ndarray
    marginals: np.ndarray
    step: int = 0
    pair_mi: Callable[[int, int], float] | None = None
    q: tuple | None = None
    conditional: Callable[[dict, int], np.ndarray | None] | None = None
    conditional_rows: Callable[[dict], np.ndarray | None] | None = None

    @property
    def masked(self) -> np.ndarray:
        """Indices of the masked positions, increasing."""
        return np.flatnonzero(~np.asarray(self.revealed, dtype=bool))


def confidence(p: np.ndarray) -> np.ndarray:
    """``max_v p(v)`` of each row of marginals.

    Examples
    --------
    >>> confidence(np.array([[0.2, 0.8], [0.5, 0.5]])).tolist()
    [0.8, 0.5]
    """
    return np.asarray(p, dtype=float).max(axis=-1)


def margin(p: np.ndarray) -> np.ndarray:
    """``p(1st) - p(2nd)`` of each row (the second is 0 for a one-letter alphabet).

    Examples
    --------
    >>> margin(np.array([[0.1, 0.6, 0.3]])).round(12).tolist()
    [0.3]
    """
    p = np.asarray(p, dtype=float)
    if p.shape[-1] < 2:
        return p[..., 0].copy()
    s = -np.sort(-p, axis=-1)
    return s[..., 0] - s[..., 1]


def marginal_entropy(p: np.ndarray) -> np.ndarray:
    """``H(p) = -sum_v p(v) log p(v)`` of each row in nats, ``0 log 0 = 0``.

    Examples
    --------
    >>> marginal_entropy(np.array([[0.5, 0.5], [1.0, 0.0]])).round(12).tolist()
    [0.69314718056, 0.0]
    """
    p = np.asarray(p, dtype=float)
    safe = np.where(p > 0, p, 1.0)
    return -np.sum(np.where(p > 0, p * np.log(safe), 0.0), axis=-1)


def rank_key(x) -> np.ndarray:
    """``rint(x * 10**KEY_DECIMALS)``: the rounded key every implementation ranks by.

    Examples
    --------
    >>> bool(rank_key(0.1 + 0.2) == rank_key(0.3))
    True
    """
    return np.rint(np.asarray(x, dtype=float) * 10.0**KEY_DECIMALS)


class Sampler:
    """A parallel sampler: a registered rule (:data:`RULES`) with validated, typed parameters.

    Build with :func:`make_sampler`.  ``name``, ``params`` (defaults filled in), ``rule`` and
    ``deterministic`` (selection a function of the state, values from the marginals: the chain
    rule holds) describe it; :meth:`select` and :meth:`transitions` apply the rule.
    """

    def __init__(self, name: str, params: dict, policy: Callable | None = None):
        self.name = name
        self.params = params
        self.rule = RULES[name]
        if self.rule.resolve is not None:  # the rule these parameters run (eb with T != 1 draws candidates)
            self.rule = self.rule.resolve(params)
        self.deterministic = self.rule.deterministic
        self._policy = policy
        self._packed: dict = {}  # kernel arguments by length n (the parameters are fixed at construction)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"Sampler({self.name!r}{', ' if args else ''}{args})"

    def sizes(self, n: int) -> tuple[int, ...] | None:
        """The step sizes for length ``n`` (the rule's ``sizes``: schedule samplers and ``llada``),
        else ``None``.

        Examples
        --------
        >>> make_sampler("entropy", steps=2).sizes(5), make_sampler("eb").sizes(5)
        ((3, 2), None)
        """
        return None if self.rule.sizes is None else tuple(self.rule.sizes(self.params, n))

    def kernel_args(self, n: int, max_memory: float | None = None) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """``(code, ip, fp, sizes)`` for the kernels at length ``n`` (validated against ``n``).

        The calls every run makes (:meth:`min_calls`, e.g. LLaDA's ``steps``: one schedule entry
        and one count each) are checked against ``max_memory`` before anything is built.

        Raises
        ------
        InputError
            Parameters that do not fit ``n`` (a schedule not summing to ``n``, a block length
            not dividing it, ...), or more calls than ``max_memory`` can count.
        """
        packed = self._packed.get(n)
        if packed is None:
            calls = self.min_calls()
            check_memory(16.0 * calls, f"the {self.name} sampler's {calls} model calls (one schedule entry and count each)",
                         max_memory)
            ip, fp, sizes = self.rule.pack(self.params, n)
            packed = (self.rule.code, np.ascontiguousarray(ip, np.int64), np.ascontiguousarray(fp, float),
                      np.ascontiguousarray(sizes, np.int64))
            self._packed[n] = packed
        return packed

    def min_calls(self) -> int:
        """Calls every run makes even when nothing is left to unmask: ``steps`` for a rule that
        declares ``calls_every_step`` (LLaDA's ``generate`` loops ``for i in range(steps)`` and
        Dream's ``_sample`` loops over its ``steps`` timesteps, each calling the model even when
        a step unmasks nothing; the engines stop when the sequence is complete and count the
        remaining calls with this), else the rule's ``min_calls``; 0 for the others.

        Examples
        --------
        >>> make_sampler("dream", steps=3).min_calls(), make_sampler("entropy").min_calls()
        (3, 0)
        """
        if self.rule.calls_every_step:
            return int(self.params["steps"])
        return 0 if self.rule.min_calls is None else int(self.rule.min_calls(self.params))

    def step_calls(self, m: int) -> int:
        """Model calls of one step with ``m`` masked positions (the rule's ``step_calls``:
        ``1 + ceil(log2 m)`` for ``punt``, its anchor/test rounds), else 1.

        Examples
        --------
        >>> [make_sampler("punt").step_calls(m) for m in (1, 2, 3, 4, 5)]
        [1, 2, 3, 3, 4]
        """
        return 1 if self.rule.step_calls is None else int(self.rule.step_calls(m))

    def max_calls(self, n: int) -> int:
        """An upper bound on the model calls of one run at length ``n``."""
        if self.rule.max_calls is not None:
            return int(self.rule.max_calls(self.params, n))
        sizes = self.sizes(n)
        return n + (len(sizes) if sizes else 0) + 1

    def path_kind(self) -> str:
        """How a run's path depends on its randomness (the rule's ``path``): ``"deterministic"``,
        ``"point_mass"``, ``"random_order"`` or ``"random"`` (see
        :func:`mdmtheory.estimate.path_kind`)."""
        if self.rule.path is not None:
            return self.rule.path(self.params)
        return "deterministic" if self.deterministic else "random"

    def check_engine(self, provides, engine: str, advice: str) -> None:
        """Refuse a rule that needs an oracle capability (:data:`CAPABILITIES`) the engine lacks.

        Raises
        ------
        InputError
            Naming the engine, the rule, what it needs and ``advice`` (what to use instead).
        """
        missing = sorted(self.rule.needs - set(provides))
        if missing:
            raise InputError(f"{engine} does not support {self.name} ({CAPABILITIES[missing[0]]}); {advice}")

    def check_enumerable(self, engine: str, advice: str) -> None:
        """Refuse a sampler whose step law has a continuous part (``Rule.continuous``) in an
        engine that enumerates step laws.

        Raises
        ------
        InputError
            Naming the engine, the sampler, the reason and ``advice`` (what to use instead).
        """
        why = None if self.rule.continuous is None else self.rule.continuous(self.params)
        if why:
            raise InputError(f"{engine} enumerates each step's law and cannot run {self.name} with {why}; {advice}")

    @property
    def needs_joint(self) -> bool:
        """The rule needs the dense joint (``optimal``) and its policy is not built yet: build it
        with :func:`mdmtheory.optimal_policy` (what :func:`mdmtheory.evaluate` does)."""
        return "joint" in self.rule.needs and self._policy is None

    def fixed_sets(self, n: int) -> list[list[int]] | None:
        """The sets of a rule whose selection does not depend on the values (``order =
        "fixed"``), in order; ``None`` for the others."""
        return None if self.rule.fixed_sets is None else self.rule.fixed_sets(self.params, n)

    def transitions(self, state: SamplerState) -> list[tuple[float, tuple[int, ...], tuple[int, ...] | None]]:
        """The law of the next step: ``(probability, S, values)`` rows.

        ``values`` are the candidate values the positions of ``S`` take (rules that draw
        candidates), or ``None``: the positions of ``S`` are then drawn independently from
        their marginals.  Uses the kernel rule of ``mdmtheory/_kernels/rules.py`` (the one the
        engines use).

        Examples
        --------
        >>> st = SamplerState(2, np.array([False, False]), np.array([-1, -1]),
        ...                   np.array([[0.75, 0.25], [0.5, 0.5]]))
        >>> make_sampler("llada", steps=1).transitions(st)   # argmax candidates, both at once
        [(1.0, (0, 1), (0, 0))]
        """
        self.check_enumerable("Sampler.transitions", "draw steps with Sampler.draw")
        masked = state.masked
        if masked.size == 0:
            return [(1.0, (), None)]
        n = int(state.n)
        if self.rule.code == _c.OPTIMAL:
            if self._policy is None:
                raise InputError(
                    "the optimal policy depends on the joint: build it with "
                    "mdmtheory.optimal_policy(joint, k) (evaluate() does this for you)"
                )
            return [(1.0, tuple(self._policy(state)), None)]
        P = np.ascontiguousarray(state.marginals, dtype=float)
        qs = np.asarray(state.q, dtype=np.int64) if state.q is not None else np.full(n, P.shape[1], dtype=np.int64)
        code, ip, fp, sizes = self.kernel_args(n)
        pos = np.ascontiguousarray(masked, dtype=np.int64)
        m = pos.size
        conf, margk, H = np.zeros(n), np.zeros(n), np.zeros(n)
        _r.marginal_stats(P, qs, pos, conf, margk, H)
        key, chosen, w, score = np.zeros(n), np.zeros(n, dtype=np.int64), np.zeros(n), np.zeros(n)
        t = int(state.step)

        def law(val=None):
            kind, k, e = _r.select(code, ip, fp, t, sizes, m, pos, conf, margk, H, score, TOL, 10.0**KEY_DECIMALS,
                                   key, chosen, w)
            if kind == _c.DEPENDENCE:
                if state.pair_mi is None:
                    raise InputError("punt needs the oracle's pairwise dependence test: give SamplerState(pair_mi=...)")
                ranked = [int(i) for i in chosen[:e]]
                kept = [i for a, i in enumerate(ranked)
                        if not any(_r.pairwise_dependent(state.pair_mi(j, i), fp[0], TOL) for j in ranked[:a])]
                return [(1.0, tuple(sorted(kept)))]
            if kind == _c.ANCHORED:
                ranked = chosen[:e].copy()
                kept, _ = punt_kept(ranked, P, qs, fp[0], {int(i): val[int(i)] for i in ranked}, _anchored(state, P, qs),
                                    self.params["rounds"])
                return [(1.0, tuple(sorted(kept)))]
            if kind == _c.DET:
                return [(1.0, tuple(sorted(int(i) for i in chosen[:k])))]
            if n > 62:
                raise InputError(f"Sampler.transitions lists random sets as 64-bit masks: n = {n} is too large")
            if e > 24:  # the law of a random set among e positions has up to 2^e members
                raise InputError(f"the selection law of {self.name} among {e} positions has up to 2^{e} sets: too many to list")
            sets, probs, dp = np.zeros(1 << e, dtype=np.int64), np.zeros(1 << e), np.zeros(1 << e)
            r = _r.enumerate_spec(kind, k, e, chosen, w, sets, probs, dp)
            return [(float(probs[b]), tuple(i for i in range(n) if sets[b] >> i & 1)) for b in range(r)]

        if not self.rule.candidates:
            return [(p, S, None) for p, S in law()]
        elig = np.zeros(n, dtype=np.int64)
        e = _r.eligible(code, ip, t, m, pos, elig)
        elig = [int(i) for i in elig[:e]]
        Q, W = np.zeros_like(P), np.zeros_like(P)
        for i in elig:
            _r.candidate_law(code, ip, fp, P[i], qs[i], Q[i], W[i], TOL, 10.0**KEY_DECIMALS)
            _r.candidate_stats(code, ip, Q[i], qs[i], i, conf, margk, H)
        out: dict = {}
        for ys in itertools.product(*[range(qs[i]) for i in elig]):
            py = float(np.prod([W[i, v] for i, v in zip(elig, ys)]))
            if py <= 0:
                continue
            for i, v in zip(elig, ys):
                score[i] = _r.candidate_score(code, ip, Q[i], qs[i], v)
            val = dict(zip(elig, ys))
            for p, S in law(val):
                k = (S, tuple(val[i] for i in S))
                out[k] = out.get(k, 0.0) + py * p
        return [(p, S, vals) for (S, vals), p in out.items()]

    def draw(self, state: SamplerState, rng, point_mass: bool = False) -> tuple[np.ndarray, np.ndarray | None, float]:
        """One step drawn (the Monte Carlo engines' step; :meth:`transitions` is its law).

        The same rule functions of ``mdmtheory/_kernels/rules.py`` as :meth:`transitions`: the
        marginals' statistics where the rule reads them, a candidate drawn for every eligible
        position (``draw_candidate``; its argmax with ``point_mass``), the selection spec and a
        draw from it (``sample_spec``), ``punt``'s rounds (``punt_round``).

        Parameters
        ----------
        state : SamplerState
            The state (``pair_mi`` for ``punt_pairwise``; ``conditional_rows`` or
            ``conditional`` for ``punt``).
        rng : numpy.random.Generator
            The run's randomness (candidates, random selections).
        point_mass : bool
            Candidates at temperature 0 are argmaxes: draw nothing for them.

        Returns
        -------
        (S, values, log_w, calls)
            ``S`` the sorted positions unmasked; ``values`` their candidate values (rules that
            draw candidates) or ``None`` (the engine draws them from the marginals); ``log_w`` the
            log-probability of the candidates of ``S`` under their law; ``calls`` the model calls
            of the step (1, plus ``punt``'s anchor/test rounds run; at most :meth:`step_calls`).

        Examples
        --------
        >>> st = SamplerState(2, np.array([False, False]), np.array([-1, -1]),
        ...                   np.array([[0.75, 0.25], [0.5, 0.5]]))
        >>> S, values, log_w, calls = make_sampler("entropy", steps=2).draw(st, np.random.default_rng(0))
        >>> S.tolist(), values, calls
        ([0], None, 1)
        """
        masked = state.masked
        if masked.size == 0:
            return np.zeros(0, dtype=np.int64), None, 0.0, 0
        n = int(state.n)
        if self.rule.code == _c.OPTIMAL or (self.deterministic and "pair_test" in self.rule.needs):
            rows = self.transitions(state)  # a policy, or the pairwise tests: one set
            return np.array(rows[0][1], dtype=np.int64), None, 0.0, 1
        P = np.ascontiguousarray(state.marginals, dtype=float)
        qs = np.asarray(state.q, dtype=np.int64) if state.q is not None else np.full(n, P.shape[1], dtype=np.int64)
        kinds, ks, es, chosen, w, cands, candps = step_specs(
            self, P[None], np.ascontiguousarray(state.revealed, dtype=bool)[None], np.array([int(state.step)]),
            [rng], qs, point_mass)
        cand, candp = cands[0], candps[0]
        calls = 1
        if kinds[0] == _c.ANCHORED:
            ranked = chosen[0, :es[0]].copy()
            kept, rounds = punt_kept(ranked, P, qs, self.kernel_args(n)[2][0], {int(i): int(cand[i]) for i in ranked},
                                     _anchored(state, P, qs), self.params["rounds"])
            S = np.array(sorted(kept), dtype=np.int64)
            calls += rounds
        else:
            sample_sets(self.name, kinds, ks, es, chosen, w, [rng])
            S = np.sort(chosen[0, :ks[0]]).astype(np.int64)
        if self.rule.candidates:
            return S, cand[S], float(np.log(candp[S]).sum()), calls
        return S, None, 0.0, calls

    def select(self, state: SamplerState) -> list[tuple[float, tuple[int, ...]]]:
        """The sets to unmask at this step with their probabilities.

        Returns
        -------
        list of (float, tuple of int)
            ``[(1.0, S)]`` for a deterministic sampler; for ``random`` every subset of the
            masked positions of size ``s_t`` with probability ``1 / C(m, s_t)``; for the rules
            that draw candidates, the law of the set over the candidates.  Sets are sorted
            tuples of positions; empty when nothing is masked.

        Examples
        --------
        >>> st = SamplerState(3, np.array([False, False, True]), np.array([-1, -1, 0]),
        ...                   np.array([[0.6, 0.4], [0.9, 0.1], [0.0, 0.0]]))
        >>> make_sampler("confidence", schedule=[1, 1, 1]).select(st)
        [(1.0, (1,))]
        >>> make_sampler("threshold", tau=0.5).select(st)
        [(1.0, (0, 1))]
        """
        out: dict = {}
        for p, S, _ in self.transitions(state):
            out[S] = out.get(S, 0.0) + p
        return [(p, S) for S, p in out.items()]


def _anchored(state: SamplerState, P: np.ndarray, qs: np.ndarray):
    """``given(anchors, tested) -> rows or None`` for :func:`punt_kept` from the state's oracle:
    ``conditional_rows`` (one call) or ``conditional`` (one call a tested position)."""
    if state.conditional_rows is not None:
        return lambda anchors, tested: state.conditional_rows(anchors)
    if state.conditional is None:
        raise InputError("punt needs the oracle's conditionals given the anchors: give "
                         "SamplerState(conditional_rows=...) or SamplerState(conditional=...)")

    def given(anchors: dict, tested: list):
        Pc = np.zeros_like(P)
        for j in tested:
            pc = state.conditional(anchors, j)
            if pc is None:
                return None
            Pc[j, : qs[j]] = np.asarray(pc, dtype=float)[: qs[j]]
        return Pc

    return given


def punt_kept(ranked: np.ndarray, P: np.ndarray, q: np.ndarray, eps: float, candidates: dict, given,
              rounds: str = "shrinking") -> tuple[list[int], int]:
    """The members of the ranked ``punt`` candidates that no anchor/test round drops, and the
    model calls the rounds make: the rounds of ``mdmtheory/_kernels/rules.py``
    (``punt_rounds``, ``punt_round_runs``, ``punt_is_anchor``, ``punt_in_play``, ``punt_round``),
    with ``given(anchors, tested) -> rows or None`` the engine's oracle (its marginals given the
    anchors' candidate values ``{position: value}``, ``None`` when they have probability 0).
    Used by :meth:`Sampler.transitions`, :meth:`Sampler.draw` and the estimators; the exact
    evaluator's kernel runs the same round functions on its tables.

    ``rounds = "shrinking"`` (the published ``decode_punt``): only the candidates no earlier
    round dropped take part, a round without anchors or tested candidates among them is skipped
    (no call), and a candidate is dropped when ``KL > eps``; ``"independent"``: every candidate
    takes part in every one of the ``ceil(log2 e)`` rounds, each a call, dropped when
    ``KL >= eps``.

    Returns
    -------
    (kept, calls)
        The kept positions in rank order, and the rounds run (the step's calls beyond its first).

    Examples
    --------
    >>> P = np.array([[0.5, 0.5], [0.5, 0.5]])
    >>> copy = lambda anchors, tested: np.array([[0.0, 0.0], [1.0, 0.0]])  # X1 = X0 = 0 given X0 = 0
    >>> punt_kept(np.array([0, 1]), P, np.array([2, 2]), 0.04, {0: 0, 1: 0}, copy)
    ([0], 1)
    """
    if rounds not in PUNT_ROUNDS:
        raise InputError(f"punt_kept: rounds must be one of {', '.join(PUNT_ROUNDS)}; got {rounds!r}")
    shrink = rounds == "shrinking"
    ranked = np.ascontiguousarray(ranked, dtype=np.int64)
    qa = np.ascontiguousarray(q, dtype=np.int64)
    e = ranked.size
    kept = np.ones(e, dtype=np.bool_)
    empty = np.zeros_like(P)
    calls = 0
    for rnd in range(int(_r.punt_rounds(e))):
        if not _r.punt_round_runs(e, rnd, kept, shrink):
            continue
        calls += 1
        play = [bool(_r.punt_in_play(a, kept, shrink)) for a in range(e)]
        anchors = {int(i): int(candidates[int(i)]) for a, i in enumerate(ranked) if play[a] and _r.punt_is_anchor(a, rnd)}
        tested = [int(i) for a, i in enumerate(ranked) if play[a] and not _r.punt_is_anchor(a, rnd)]
        Pc = given(anchors, tested)
        _r.punt_round(e, ranked, rnd, P, empty if Pc is None else np.ascontiguousarray(Pc, dtype=float), Pc is not None,
                      qa, eps, TOL, kept, shrink)
    return [int(i) for i in ranked[kept]], calls


def make_sampler(name: str, **params) -> Sampler:
    """Build a sampler from its registry name and typed parameters.

    Parameters
    ----------
    name : str
        One of :data:`SAMPLER_NAMES`.
    **params
        The rule's parameters (``mdmtheory samplers`` lists them with types, defaults and
        units): ``schedule`` (a list of sizes summing to ``n``) or ``steps`` for the schedule
        samplers; ``tau`` (threshold), ``gamma``, ``proxy``, ``temperature`` and ``entropy_of`` (eb), ``delta`` (punt_pairwise),
        ``k`` (optimal); ``steps``, ``block_length``, ``temperature``, ``remasking`` (llada);
        ``block_length``, ``temperature``, ``threshold``, ``factor``, ``variant``,
        ``steps_per_block`` (fast_dllm); ``steps``, ``alg``, ``temperature``, ``top_p``, ``top_k``,
        ``alg_temp``, ``eps``, ``count_dtype`` (dream); ``eps``, ``rounds`` (punt);
        ``eps``, ``crossing`` (entropy_sum); ``block_length``, ``temperature``, ``margin`` (frechet_profile).  Values are
        typed (numbers, lists); strings from a command line are parsed by ``mdmtheory.cli``.

    Returns
    -------
    Sampler
        With ``params`` validated and the defaults filled in.

    Raises
    ------
    InputError
        Unknown name or parameter (the message lists the valid ones), or an invalid value.

    Notes
    -----
    The rules and the tie-breaking conventions are listed in the module docstring.

    Examples
    --------
    >>> make_sampler("eb", gamma=0.5).params
    {'gamma': 0.5, 'proxy': 'entropy', 'temperature': 1.0, 'entropy_of': 'untempered'}
    >>> make_sampler("confidence", schedule=[2, 1]).params
    {'schedule': [2, 1]}
    """
    if name not in RULES:
        raise InputError(f"unknown sampler {name!r}; valid samplers: {', '.join(SAMPLER_NAMES)}")
    rule = RULES[name]
    valid = tuple(p.name for p in rule.params)
    bad = [k for k in params if k not in valid]
    if bad:
        listed = ", ".join(valid) if valid else "none"
        raise InputError(f"unknown parameter {bad[0]!r} for sampler {name!r}; valid parameters: {listed}")
    if rule.schedule:
        if "schedule" in params and "steps" in params:
            raise InputError(f"give {name} either schedule= or steps=, not both")
        if params.get("schedule") is not None:
            return Sampler(name, {"schedule": rule.params[1].check(name, params["schedule"])})
        return Sampler(name, {"steps": rule.params[0].check(name, params.get("steps", 2))})
    if rule.check is not None:
        rule.check(params)
    out = {p.name: p.check(name, params[p.name]) if p.name in params else p.default for p in rule.params}
    return Sampler(name, out)


def describe() -> dict[str, str]:
    """``name -> one-line description`` of every registered sampler.

    Examples
    --------
    >>> list(describe())[:3]
    ['random', 'left_to_right', 'confidence']
    """
    return {name: RULES[name].doc for name in SAMPLER_NAMES}
