"""Exact evaluation of parallel samplers, and the best adaptive policy as the floor.

* :func:`evaluate` -- the output law ``nu`` of any sampler of :mod:`mdmtheory.samplers`, exactly,
  by pushing probability mass through every reachable partial assignment ``(R, x_R)``; with
  ``KL(mu || nu)``, reverse KL, TV, the law of the number of model calls and, for deterministic
  samplers, the per-step dependence error of the chain rule (checked against the KL).
* :func:`optimal_kl` / :func:`optimal_policy` -- the best deterministic adaptive policy with at
  most ``k`` model calls, by dynamic programming over partial assignments.
* :func:`optimal_tradeoff` -- the deterministic adaptive policy minimising ``KL + lam E[calls]``
  (no budget): the convex-hull floor against expected calls.
* :func:`sampler_frontier` -- (expected model calls, KL) for a sweep of each sampler's knob.

The oracle is undefined on contexts of probability 0 under ``mu``; there it returns the uniform
distribution (as :mod:`mdmtheory.divergence`).  ``KL(mu || nu)``, reverse KL and TV do not depend
on that choice; the law of the number of calls does.

References
----------
.. [1] Chen, Cong, Li, "Optimal inference schedules for masked diffusion models",
   COLT 2026, arXiv:2511.04647 (the chain rule for parallel unmasking).
.. [2] docs/theory.md sections 2.4, 2.5 and 6.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from math import comb
from typing import Sequence

import numpy as np

from .tolerances import CHAIN_RULE_RTOL  # noqa: F401 - re-exported
from ._lazy import lazy_function, lazy_module
from .divergence import expected_kl
from ._numeric import clamp_nonneg
from .errors import ImpossibleContext, InputError, check_memory
from .information import check_joint, unit_scale, unit_name
from .joint import Joint
from .models import CallableOracle, ModelOracle
from .oracles import TableOracle, as_oracle, check_model_rows
from .progress import progress
from .samplers import KEY_DECIMALS, RULES, SAMPLER_NAMES, TOL, Sampler, SamplerState, make_sampler

_k = lazy_module("mdmtheory._kernels.evaluate")
rel_entr = lazy_function("scipy.special", "rel_entr")

__all__ = ["Evaluation", "evaluate", "optimal_kl", "optimal_policy", "optimal_tradeoff", "sampler_frontier", "DEFAULT_FRONTIER", "OPTIMAL_MAX_WORK"]

#: Samplers swept by :func:`sampler_frontier` by default.
DEFAULT_FRONTIER = ("eb", "entropy", "confidence", "random", "llada", "fast_dllm", "optimal")

#: Refuse :func:`optimal_kl` when ``k * prod_i (1 + 2 q_i)`` (inner-loop cells) exceeds this.
OPTIMAL_MAX_WORK = 3e9



class _Tables:
    """Every subset marginal of a joint in the kernel layout (see ``mdmtheory._kernels.evaluate``)."""

    def __init__(self, joint: Joint, max_memory: float | None = None, extra: float = 0.0, what: str = "evaluation"):
        q = np.array(joint.q, dtype=np.int64)
        n = joint.n
        if n > 30:
            raise InputError(f"exact evaluation enumerates subsets of positions; n = {n} is far too large")
        self.total = float(np.prod(q.astype(float) + 1.0))
        check_memory(
            8.0 * self.total * (3.0 + extra) + 32.0 * 2.0**n, f"the {what} tables for shape {joint.q}", max_memory
        )
        sizes = np.ones(1 << n, dtype=np.int64)
        pop = np.zeros(1 << n, dtype=np.int64)
        for i in range(n):
            sizes[1 << i : 1 << (i + 1)] = sizes[: 1 << i] * q[i]
            pop[1 << i : 1 << (i + 1)] = pop[: 1 << i] + 1
        self.q, self.n = q, n
        self.off = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.marg = _k.subset_marginals(np.ascontiguousarray(joint.table).ravel(), q, self.off)
        self.order = np.argsort(pop, kind="stable").astype(np.int64)

    def cell(self, state: SamplerState) -> tuple[int, int]:
        """``(R, cell index)`` of a state."""
        R, c = 0, 0
        for i in range(self.n):
            if state.revealed[i]:
                R |= 1 << i
                c = c * int(self.q[i]) + int(state.values[i])
        return R, c


def _dp_tables(joint: Joint, kmax: int, max_memory: float | None) -> _Tables:
    """Tables for the optimal-policy DP, refusing too much work before allocating anything."""
    work = kmax * float(np.prod(1.0 + 2.0 * np.array(joint.q, dtype=float)))
    if work > OPTIMAL_MAX_WORK:
        raise InputError(
            f"the optimal-policy DP for shape {joint.q} with k = {kmax} needs about {work:.2g} "
            f"inner steps (limit {OPTIMAL_MAX_WORK:.0g}); use a smaller n or k"
        )
    return _Tables(joint, max_memory, extra=3.0 + kmax, what="optimal-policy DP")


def _optimal_tables(tab: _Tables, kmax: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    total = int(tab.off[-1])
    policy = np.zeros((kmax + 1, total), dtype=np.int64)
    values = np.zeros(kmax + 1)
    esteps = np.zeros(kmax + 1)
    Wp, Ep, Wc, Ec = (np.zeros(total) for _ in range(4))
    for b in progress(range(1, kmax + 1), desc="optimal policy DP (budget)"):
        _k.optimal_level(tab.marg, tab.off, tab.q, b, Wp, Ep, Wc, Ec, policy, 1e-12)
        values[b], esteps[b] = Wc[0], Ec[0]
        Wp, Wc, Ep, Ec = Wc, Wp, Ec, Ep
    return policy, values, esteps


def _check_k(k, n: int) -> int:
    if int(k) != k or k < 1:
        raise InputError(f"k (the number of model calls) must be a positive integer; got {k!r}")
    return int(min(int(k), n))


def optimal_kl(joint: Joint, k: int | None = None, base: float | None = None, max_memory: float | None = None):
    """The least ``KL(mu || nu)`` of a deterministic adaptive policy with at most ``k`` calls.

    ``V_b(R, x_R) = min_S [ TC(X_S | x_R) + E_{x_S ~ mu(. | x_R)} V_{b-1}(R u S, x_{R u S}) ]``
    over non-empty masked sets ``S``, ``V_b(full) = 0``, ``V_0(R) = inf`` otherwise: the
    chain-rule KL is additive over the visited states (docs/theory.md section 2).

    Parameters
    ----------
    joint : Joint
    k : int, optional
        The call budget; ``None`` returns the values for every ``k = 1..n``.
    base : float, optional
        Logarithm base of the result (default nats).

    Returns
    -------
    float or numpy.ndarray
        ``optimal(k)``, or the array ``[optimal(1), ..., optimal(n)]``.  ``optimal(1) = TC``
        and ``optimal(n) = 0``.

    Notes
    -----
    Time ``O(k n prod_i (1 + 2 q_i))`` (pairs of disjoint ``R``, ``S`` and their values), memory
    ``O(k prod_i (1 + q_i))``.  Exact for tiny ``n``; measured on one core, every ``k = 1..n``:
    binary ``n = 10`` in 3 s, ``n = 11`` in 15 s; ``q = 3``: ``n = 8`` in 1 s, ``n = 9`` in 8 s
    (``benchmarks/bench_samplers.py``).  Refused above :data:`OPTIMAL_MAX_WORK`.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> [round(float(v), 12) for v in optimal_kl(copy(3, 2), base=2)]   # one call: TC = 2 bits
    [2.0, 0.0, 0.0]
    """
    check_joint(joint)
    kmax = joint.n if k is None else _check_k(k, joint.n)
    tab = _dp_tables(joint, kmax, max_memory)
    _, values, _ = _optimal_tables(tab, kmax)
    vals = clamp_nonneg(values[1:], "an optimal-policy KL") * unit_scale(base)
    if k is None:
        return vals
    return float(vals[kmax - 1])


def optimal_policy(joint: Joint, k: int, max_memory: float | None = None) -> Sampler:
    """The optimal deterministic adaptive policy with at most ``k`` calls, as a :class:`Sampler`.

    Its ``select(state)`` reads the DP of :func:`optimal_kl` at ``(R, x_R)`` with ``k -
    state.step`` calls left.  Ties between sets of equal KL go to fewer expected calls (under
    ``mu``), then to the smaller bitmask; on contexts of probability 0 it unmasks everything.

    Examples
    --------
    >>> import numpy as np
    >>> from mdmtheory import copy
    >>> pol = optimal_policy(copy(3, 2), 2)
    >>> st = SamplerState(3, np.zeros(3, bool), np.full(3, -1), np.full((3, 2), 0.5))
    >>> pol.select(st)   # one position first, then the other two are determined
    [(1.0, (0,))]
    """
    check_joint(joint)
    kk = _check_k(k, joint.n)
    tab = _dp_tables(joint, kk, max_memory)
    policy, _, _ = _optimal_tables(tab, kk)

    def rule(state: SamplerState) -> tuple[int, ...]:
        b = kk - int(state.step)
        if b < 1:
            raise InputError(f"the optimal policy with k = {kk} has no call left at step {state.step}")
        R, c = tab.cell(state)
        S = int(policy[b, tab.off[R] + c])
        return tuple(i for i in range(joint.n) if S >> i & 1)

    return Sampler("optimal", {"k": int(k)}, policy=rule)


def optimal_tradeoff(
    joint: Joint, lam: float | Sequence[float], base: float | None = None, max_memory: float | None = None
) -> dict:
    """The deterministic adaptive policy minimising ``KL(mu || nu) + lam * E_mu[calls]`` (no budget).

    ``V(R, x_R) = min_S [ TC(X_S | x_R) + lam + E_{x_S ~ mu(. | x_R)} V(R u S, x_{R u S}) ]``:
    both the chain-rule KL and the expected number of calls on data ``x ~ mu`` are sums over the
    visited states, so one pass over partial assignments (largest first) is exact.  Sweeping
    ``lam`` traces the lower convex hull of ``(E_mu[calls], KL)`` over every deterministic adaptive
    policy: a floor for deterministic samplers plotted at their ``expected_steps_mu``.

    Parameters
    ----------
    joint : Joint
    lam : float or sequence of float
        Price of one model call (nats, or units of ``base``), ``>= 0``.
    base : float, optional
        Logarithm base of ``kl`` and of ``lam``.

    Returns
    -------
    dict
        ``unit`` and ``points``: rows ``lam``, ``expected_steps_mu``, ``kl``, one per ``lam``.

    Notes
    -----
    Time ``O(n prod_i (1 + 2 q_i))`` per ``lam`` (the work of one level of :func:`optimal_kl`),
    memory ``O(prod_i (1 + q_i))``.  Ties go to fewer expected calls.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> pts = optimal_tradeoff(copy(3, 2), [0.1, 10.0], base=2)["points"]
    >>> [(p["expected_steps_mu"], round(p["kl"], 12)) for p in pts]   # 2 calls and 0, or 1 call and TC
    [(2.0, 0.0), (1.0, 2.0)]
    """
    check_joint(joint)
    lams = [float(v) for v in np.atleast_1d(lam)]
    if any(not (v >= 0 and np.isfinite(v)) for v in lams):
        raise InputError(f"lam (the price of one call) must be finite and >= 0; got {lam!r}")
    work = float(np.prod(1.0 + 2.0 * np.array(joint.q, dtype=float)))
    if work > OPTIMAL_MAX_WORK:
        raise InputError(f"the trade-off DP for shape {joint.q} needs about {work:.2g} inner steps (limit {OPTIMAL_MAX_WORK:.0g})")
    tab = _Tables(joint, max_memory, extra=3.0, what="trade-off DP")
    scale = unit_scale(base)
    total = int(tab.off[-1])
    W, E = np.zeros(total), np.zeros(total)
    policy = np.zeros(total, dtype=np.int64)
    points = []
    for v in progress(lams, desc="trade-off DP"):
        kl = _k.tradeoff_dp(tab.marg, tab.off, tab.q, tab.order, v / scale, W, E, policy, 1e-12)
        points.append({"lam": v, "expected_steps_mu": float(E[0]), "kl": clamp_nonneg(float(kl), "the trade-off KL") * scale})
    return {"unit": unit_name(base), "points": points}


@dataclass
class Evaluation:
    """The exact output law of a sampler and its distance to ``mu`` (:func:`evaluate`).

    ``law`` is ``nu`` as a :class:`Joint`; the optional fields are ``None`` where they do not
    apply: the chain-rule fields (``dependence_error``, ``dependence_error_per_step``,
    ``dependence_error_max``, ``chain_rule_gap``, ``expected_steps_mu``) need a deterministic
    selection with values drawn from the marginals, ``expected_kl`` is for ``random``, ``dp_kl``
    for ``optimal``; ``model`` (the model's spec) and ``marginal_error`` (deterministic rules)
    are set when a model that is not the truth drives the sampler.  :meth:`to_dict` gives the JSON contract (the set fields, without ``law``);
    ``result["kl"]`` reads a field by name.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> r = evaluate(copy(2, 2), "bisection")
    >>> r.kl, sorted(r.to_dict())[:3]
    (0.0, ['chain_rule_gap', 'dependence_error', 'dependence_error_max'])
    """

    sampler: str
    params: dict
    unit: str
    kl: float
    reverse_kl: float
    tv: float
    expected_steps: float
    max_steps: int
    steps_distribution: list
    states_visited: int
    law: Joint = field(repr=False)
    dependence_error: float | None = None
    dependence_error_per_step: list | None = None
    dependence_error_max: float | None = None
    chain_rule_gap: float | None = None
    expected_steps_mu: float | None = None
    expected_kl: float | None = None
    dp_kl: float | None = None
    model: str | None = None
    marginal_error: float | None = None

    def to_dict(self) -> dict:
        """The JSON contract: every field that is set, ``law`` left out."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "law" and getattr(self, f.name) is not None}

    def __getitem__(self, key: str):
        if key == "law" or key in self.to_dict():
            return getattr(self, key)
        raise KeyError(key)

    def __contains__(self, key: str) -> bool:
        return key == "law" or key in self.to_dict()

    def get(self, key: str, default=None):
        """``result[key]`` if set, else ``default``."""
        return self[key] if key in self else default


def _steps_table(probs: np.ndarray) -> list[dict]:
    return [{"steps": t, "probability": float(p)} for t, p in enumerate(probs) if p > 0]


def evaluate(
    joint: Joint, sampler: Sampler | str, base: float | None = None, max_memory: float | None = None, model=None
) -> Evaluation:
    """The exact output law of a parallel sampler and its distance to ``mu``.

    ``nu(x) = sum over runs of prod_t P(S_t | state) prod_{i in S_t} mu(x_i | x_{R_t})``, pushed
    through every reachable partial assignment ``(R, x_R)``; conditional marginals are read off
    precomputed subset-marginal tables in O(1).

    Parameters
    ----------
    joint : Joint
        The true law ``mu`` (also the exact oracle).
    sampler : Sampler or str
        From :func:`mdmtheory.samplers.make_sampler` (a name uses the default parameters).
    base : float, optional
        Logarithm base of the divergences (default nats).
    max_memory : float, optional
        Ceiling in bytes (default 4 GiB), checked before allocating.
    model : oracle, callable or Joint, optional
        The model the sampler queries instead of the truth: a model oracle of
        :mod:`mdmtheory.models` (:class:`~mdmtheory.models.TemperatureOracle`, ...), any
        oracle (``n``, ``q``, ``conditional_marginals``), a :class:`Joint` (its conditionals) or a
        function ``fn(revealed_mask, values) -> (n, qmax)`` (validated on every call,
        :class:`~mdmtheory.models.CallableOracle`).  The sampler selects and samples from the
        model's conditionals; ``kl``, ``reverse_kl`` and ``tv`` are against ``joint``.

    Returns
    -------
    Evaluation
        ``sampler``, ``params``, ``unit``, ``kl`` (``KL(mu || nu)``), ``reverse_kl``, ``tv``,
        ``expected_steps``, ``max_steps``, ``steps_distribution`` (rows ``steps``,
        ``probability``: the law of the number of model calls of a run of the sampler),
        ``states_visited`` (incomplete partial assignments reached, one oracle query each) and
        ``law`` (``nu`` as a :class:`Joint`).

        Deterministic samplers add ``dependence_error`` (the sum over visited states of
        ``mu(x_R) TC(X_S | x_R)``), ``dependence_error_per_step``, ``dependence_error_max`` (the
        largest ``TC(X_S | x_R)`` of a visited state), ``chain_rule_gap``
        (``|kl - dependence_error|``) and ``expected_steps_mu`` (expected calls on data
        ``x ~ mu``).  ``optimal`` adds ``dp_kl`` (the DP's value, equal to ``kl``); ``random``
        adds ``expected_kl``, the mean over orders ``E_S KL(mu || nu_S)`` (Chen-Cong-Li
        Theorem 4), ``>= kl`` by convexity.

        With a ``model``: ``model`` (its spec); deterministic samplers add ``marginal_error``
        (the sum over visited states of ``mu(x_R) sum_{i in S} KL(mu_i(.|x_R) ||
        model_i(.|x_R))``) next to ``dependence_error`` and the identity ``kl =
        dependence_error + marginal_error`` is checked (``chain_rule_gap``).  Where the model
        gives probability 0 to a value of positive truth probability at a visited state,
        ``kl`` and ``marginal_error`` are ``inf`` and ``dependence_error`` is left unset (the
        model's runs do not reach every state ``mu`` visits).  ``random``'s ``expected_kl`` is
        ``E_S KL(mu || nu_S)`` with the model's rows (the truth's ``expected_kl`` plus the mean
        marginal error over random orders).

    Raises
    ------
    InputError
        ``joint`` not a :class:`Joint`, bad sampler, parameters that do not fit ``n`` (a schedule
        not summing to ``n``, a block length not dividing it), or not enough memory; a model of
        the wrong length or alphabet, a bad return value of a model function, and a model with
        ``optimal`` (its DP is built from the truth's tables: not defined for a model),
        ``punt_pairwise`` (its exact pairwise test needs the model's pairwise laws, which a
        marginal oracle does not give) or ``punt`` (its anchor tests query the model off the
        sampler's path: not supported yet).
    RuntimeError
        If the chain-rule identity fails (it cannot, up to rounding, for a deterministic sampler).

    Notes
    -----
    Chain rule (docs/theory.md section 2): for a deterministic adaptive policy
    ``KL(mu || nu) = sum_{visited (R, x_R)} mu(x_R) TC(X_{S(R, x_R)} | x_R)``.  Both sides are
    computed independently (``nu`` from the propagated mass, the right side from the subset
    marginals) and compared.  With a model the path is the one the model's rows select, the
    weights ``mu(x_R)`` are the truth's and each visited state adds its marginal error
    ``sum_{i in S} KL(mu_i(.|x_R) || model_i(.|x_R))`` (the decoupling).  One propagation
    engine serves both: the model's rows are stored per cell before propagating (the row
    transforms of :mod:`mdmtheory.oracles` applied to every context at once when the model's base
    is ``joint``; otherwise one model call per reached context of positive probability, the
    propagation re-run after each new depth of contexts, at most ``n + 1`` runs), ``n qmax``
    floats per cell.  On contexts of probability 0 under ``mu`` the model is not queried and
    the rows are uniform: mass there stays on sequences of probability 0, so ``kl``,
    ``reverse_kl`` and ``tv`` do not depend on that choice (the law of the calls does).  Time ``O(prod_i (1 + q_i))`` states times ``O(n q)`` (marginals)
    plus the rule (``O(n^2 q^2)`` for ``punt_pairwise``) plus the cells written, ``O(n)`` each;
    ``random`` enumerates the ``C(m, s)`` sets of each state.  The rules that draw candidates
    (``llada``, ``fast_dllm``, ``dream``, ``punt``) enumerate the ``prod_{i eligible} q_i``
    candidate vectors of each state and the sets of their selection law (Dream's ``alg_temp``:
    every set of the draw without replacement, its probability a sum over orders, by a DP over
    subsets), one layer of mass per model call (a state may be reached after different numbers
    of calls): in all about ``2^n prod_i q_i n`` work.  ``punt`` adds, per candidate vector, its
    anchor/test rounds run (at most ``ceil(log2 m)``), each conditional ``p_j(.|x_R, y_A)`` read
    from the subset-marginal tables in ``O(n q_j)``, and its step moves mass ``1 +`` its rounds run
    layers ahead (the calls are counted).  Memory ``~ 3 prod_i (1 + q_i)`` floats (two layers for the
    candidate rules, ``2 + ceil(log2 n)`` for ``punt``).

    Examples
    --------
    >>> from mdmtheory import copy, make_sampler
    >>> r = evaluate(copy(3, 2), make_sampler("confidence", schedule=[2, 1]), base=2)
    >>> round(r["kl"], 12), r["expected_steps"], r["chain_rule_gap"] < 1e-12
    (1.0, 2.0, True)
    """
    check_joint(joint)
    if isinstance(sampler, str):
        sampler = make_sampler(sampler)
    if not isinstance(sampler, Sampler):
        raise InputError(f"sampler must be a Sampler (make_sampler(name, ...)) or a name; got {sampler!r}")
    sampler.check_enumerable("exact evaluation", "estimate it instead (evaluate TABLE --samples M, "
                             "mdmtheory.estimate_sampler)")
    if model is not None:
        model = _check_model(joint, sampler, model)
        sampler.kernel_args(joint.n, max_memory)
        qmax = max(joint.q)
        extra = 1.5 + 2.0 * joint.n * qmax
        return _run(joint, _Tables(joint, max_memory, extra=extra, what="evaluation with a model"), sampler, base,
                    model=model)
    if "joint" in sampler.rule.needs:  # the optimal policy: its DP over the truth's tables
        kb = _check_k(sampler.params["k"], joint.n)
        tab = _dp_tables(joint, kb, max_memory)
        policy, values, _ = _optimal_tables(tab, kb)
        return _run(joint, tab, sampler, base, policy, kb, float(values[kb]))
    sampler.kernel_args(joint.n, max_memory)  # validates the parameters against n before allocating
    # 2.5 arrays beyond the tables, plus the layers of the punt ring past two
    return _run(joint, _Tables(joint, max_memory, extra=1.5 + sampler.step_calls(joint.n)), sampler, base)




def _check_model(joint: Joint, sampler: Sampler, model):
    """The model as an oracle of ``joint``'s shape, or InputError."""
    sampler.check_engine((), "evaluate with a model", "use another sampler")
    if callable(model) and not callable(getattr(model, "conditional_marginals", None)) and not isinstance(model, Joint):
        model = CallableOracle(model, joint.q)
    model = as_oracle(model)
    if int(model.n) != joint.n:
        raise InputError(f"the model has length n = {model.n} but the joint has n = {joint.n}; give a model of the joint's length")
    q = getattr(model, "q", None)
    if q is not None and tuple(int(v) for v in np.broadcast_to(np.asarray(q), (joint.n,))) != tuple(joint.q):
        raise InputError(f"the model's alphabet sizes {list(np.broadcast_to(np.asarray(q), (joint.n,)))} differ from the joint's {list(joint.q)}")
    return model


def _model_spec(model) -> str:
    if isinstance(model, TableOracle):
        return "table"
    return str(getattr(model, "spec", type(model).__name__))


def _same_truth(model, joint: Joint) -> bool:
    """Whether ``model`` is a row transform of ``joint`` itself (the vectorised path)."""
    return (isinstance(model, ModelOracle) and isinstance(model.base, TableOracle)
            and (model.base.joint is joint or np.array_equal(model.base.joint.table, joint.table)))


def _cell_context(tab: _Tables, cell: int) -> tuple[np.ndarray, np.ndarray]:
    """``(mask, values)`` of a cell of the kernel layout."""
    R = int(np.searchsorted(tab.off, cell, side="right")) - 1
    c = cell - int(tab.off[R])
    mask = np.zeros(tab.n, dtype=bool)
    vals = np.full(tab.n, -1, dtype=np.int64)
    for i in range(tab.n - 1, -1, -1):
        if (R >> i) & 1:
            mask[i] = True
            vals[i] = c % int(tab.q[i])
            c //= int(tab.q[i])
    return mask, vals


def _fill_model(tab: _Tables, model, mrows: np.ndarray, have: np.ndarray, cells) -> None:
    """Query the model at ``cells`` (one call each) into ``mrows``, validated; a context the
    model gives probability 0 (:class:`ImpossibleContext`) gets the uniform law on each alphabet,
    the convention used where the truth has probability 0."""
    what = f"the model {_model_spec(model)}"
    for cell in cells:
        mask, vals = _cell_context(tab, int(cell))
        try:
            got = model.conditional_marginals(mask, vals)
        except ImpossibleContext:
            q = tab.q.astype(np.int64)
            got = (np.arange(int(q.max()))[None, :] < q[:, None]) / q[:, None].astype(float)
        rows = check_model_rows(got, mask, tab.q, what)
        mrows[cell] = rows
        have[cell] = True


def _random_model_kl(joint: Joint, tab: _Tables, truth_rows, mrows, sizes) -> float:
    """``E_S KL(mu || nu_S)`` over random orders with the model's rows: the truth's expected KL
    plus ``sum_t s_t E_{|R| = r_t} (1 / (n - r_t)) sum_{i not in R} E_mu KL(mu_i || model_i)``."""
    n = joint.n
    out = expected_kl(joint, [int(v) for v in sizes])
    r = 0
    for s in sizes:
        s = int(s)
        acc = 0.0
        for R in range(1 << n):
            if bin(R).count("1") != r:
                continue
            lo, hi = int(tab.off[R]), int(tab.off[R + 1])
            w = tab.marg[lo:hi]
            pos = w > 0
            if not np.any(pos):
                continue
            for i in range(n):
                if (R >> i) & 1:
                    continue
                qi = int(tab.q[i])
                kl = np.sum(rel_entr(truth_rows[lo:hi, i, :qi][pos], mrows[lo:hi, i, :qi][pos]), axis=1)
                acc += float(np.dot(w[pos], kl))
        out += s * acc / (comb(n, r) * (n - r))
        r += s
    return out


def _run(
    joint: Joint,
    tab: _Tables,
    sampler: Sampler,
    base: float | None,
    policy: np.ndarray | None = None,
    kb: int = 0,
    dp_kl: float | None = None,
    model=None,
) -> Evaluation:
    """Propagate the mass of ``sampler`` through the tables ``tab`` of ``joint`` (with the rows
    of ``model`` for the sampler, when given)."""
    n = joint.n
    total = int(tab.off[-1])
    if model is None:
        mrows, have, truth_rows = np.zeros((1, 1, 1)), np.zeros(1, dtype=bool), None
        return _propagate(joint, tab, sampler, base, policy, kb, dp_kl, False, mrows, have)
    qmax = int(max(joint.q))
    truth_rows = np.zeros((total, n, qmax))
    _k.conditional_rows(tab.marg, tab.off, tab.q, truth_rows)
    if _same_truth(model, joint):
        mrows = np.ascontiguousarray(model.rows(truth_rows), dtype=float)
        have = np.ones(total, dtype=bool)
    else:
        mrows = np.zeros((total, n, qmax))
        have = np.zeros(total, dtype=bool)
        _fill_model(tab, model, mrows, have, [0])
    for _ in range(n + 2):
        out, need = _propagate(joint, tab, sampler, base, policy, kb, dp_kl, True, mrows, have)
        if out is not None:
            break
        _fill_model(tab, model, mrows, have, np.flatnonzero(need))
    else:  # pragma: no cover - each run reaches at least one new depth of contexts
        raise RuntimeError("the model's contexts were not all filled after n + 2 propagations")
    out.model = _model_spec(model)
    if sampler.rule.order == "random":
        sizes = sampler.kernel_args(n)[3]
        levels = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
        pop = np.array([bin(R).count("1") for R in range(1 << n)])
        # a context of positive mu(x_R) at a step boundary that no order reached has nu_S(x_R) = 0
        # for every order through R: their KL is infinite (the model is not queried there)
        missing = any(not have[c] and tab.marg[c] > 0 for R in np.flatnonzero(np.isin(pop, levels))
                      for c in range(int(tab.off[R]), int(tab.off[R + 1])))
        out.expected_kl = float("inf") if missing else _random_model_kl(joint, tab, truth_rows, mrows, sizes) * unit_scale(base)
    return out


def _propagate(joint, tab, sampler, base, policy, kb, dp_kl, use_model, mrows, have):
    """One propagation; with a model, ``(None, need)`` when contexts without rows were reached."""
    n = joint.n
    code, ip, fp, sizes = sampler.kernel_args(n)
    if policy is None:
        policy = np.zeros((1, 1), dtype=np.int64)
    cap = kb if kb else sampler.max_calls(n)  # kb: the optimal policy's call budget
    nu = np.zeros(int(np.prod(joint.q)))
    steps_prob = np.zeros(cap + 2)
    dep = np.zeros(cap + 2)
    merr = np.zeros(cap + 2)
    one_pass = not sampler.rule.candidates
    total = int(tab.off[-1])
    need = np.zeros(total if use_model else 1, dtype=bool)
    # mass layers: one array in one pass; a ring of 1 + (most calls of one step) + 1 otherwise
    depth = 1 if one_pass else 1 + sampler.step_calls(n)
    lay = np.zeros((depth, total))
    stepof = np.full(total if one_pass else 1, -1, dtype=np.int16)
    seen = np.zeros(1 if one_pass else total, dtype=bool)
    worst, calls_mu, visited, ok = _k.propagate(
        tab.marg, tab.off, tab.q, tab.order, code, ip, fp, sizes, TOL, 10.0**KEY_DECIMALS, sampler.deterministic,
        one_pass, policy, kb, cap, lay, stepof, seen, nu, steps_prob, dep, use_model, mrows, have, need, merr,
    )
    if use_model and need.any():
        return None, need
    if not ok:  # pragma: no cover - every rule finishes within max_calls, each state at one call count
        raise RuntimeError(f"mass left after {cap} calls, or a state reached after two different numbers of calls")
    floor = sampler.min_calls()
    if floor:  # runs finished early still make their remaining (empty) calls
        steps_prob[floor] += steps_prob[:floor].sum()
        steps_prob[:floor] = 0.0
    nu = nu.reshape(joint.q)
    if abs(nu.sum() - 1.0) > 1e-9:  # pragma: no cover
        raise RuntimeError(f"the propagated mass sums to {nu.sum()!r}, not 1")
    nu = nu / nu.sum()
    mu = joint.table
    scale = unit_scale(base)
    kl = clamp_nonneg(float(np.sum(rel_entr(mu, nu))), "KL(mu || nu)", terms=mu.size)
    out = Evaluation(
        sampler=sampler.name,
        params=dict(sampler.params),
        unit=unit_name(base),
        kl=kl * scale,
        reverse_kl=clamp_nonneg(float(np.sum(rel_entr(nu, mu))), "KL(nu || mu)", terms=mu.size) * scale,
        tv=0.5 * float(np.abs(mu - nu).sum()),
        expected_steps=float(np.dot(np.arange(steps_prob.size), steps_prob) / steps_prob.sum()),
        max_steps=int(np.flatnonzero(steps_prob > 0).max()),
        steps_distribution=_steps_table(steps_prob),
        states_visited=int(visited),
        law=Joint(nu, normalize=True),
    )
    if sampler.deterministic and use_model:
        me = float(merr.sum())
        if not np.isfinite(me):
            if np.isfinite(kl):  # pragma: no cover - a value of mu-probability > 0 the model never draws
                raise RuntimeError(f"decoupling violated: KL = {kl!r} but the marginal error is infinite")
            out.marginal_error = float("inf")
        else:
            out.marginal_error = clamp_nonneg(me, "the marginal error", terms=mu.size) * scale
    if sampler.deterministic and not (use_model and out.marginal_error == float("inf")):
        total = float(dep.sum()) + float(merr.sum())
        gap = abs(kl - total)
        if gap > CHAIN_RULE_RTOL * max(1.0, kl):
            raise RuntimeError(f"chain rule violated: KL = {kl!r} but sum of dependence (and marginal) errors = {total!r}")
        last = out.max_steps
        out.dependence_error = clamp_nonneg(float(dep.sum()), "the dependence error", terms=mu.size) * scale
        out.dependence_error_per_step = [float(v) * scale for v in clamp_nonneg(dep[:last], "a step's dependence error", terms=mu.size)]
        out.dependence_error_max = float(worst) * scale
        out.chain_rule_gap = gap * scale
        out.expected_steps_mu = float(calls_mu)
    if sampler.rule.order == "random" and not use_model:
        out.expected_kl = expected_kl(joint, [int(v) for v in sizes], base)
    if dp_kl is not None:
        out.dp_kl = clamp_nonneg(dp_kl, "the DP's KL") * scale
    return (out, need) if use_model else out


def _knobs(name: str, joint: Joint) -> list[tuple[str, object]]:
    """The knob values :func:`sampler_frontier` tries for ``name`` (the rule's registered grid)."""
    if name not in RULES:
        raise InputError(f"unknown sampler {name!r}; valid samplers: {', '.join(SAMPLER_NAMES)}")
    rule = RULES[name]
    if rule.frontier is None:
        raise InputError(f"sampler {name!r} declares no knob grid for frontier (Rule.frontier); give it one")
    return rule.frontier(joint.n, max(float(sum(np.log(joint.q))), 1e-3))


def sampler_frontier(
    joint: Joint, samplers: Sequence[str] = DEFAULT_FRONTIER, base: float | None = None, max_memory: float | None = None
) -> dict:
    """(expected model calls, KL) of each sampler over a sweep of its knob.

    The knobs: ``steps = 1..n`` for the schedule samplers, ``llada`` (one block) and ``dream``
    (``maskgit_plus``), ``k = 1..n`` for ``optimal`` (one DP gives every budget), ``tau`` on
    ``0, 0.5, ..., 0.99, 1`` for ``threshold`` and the same grid of ``threshold`` for
    ``fast_dllm`` (one block), ``gamma``, ``delta`` and ``eps`` on ``0`` and a geometric grid up to
    ``sum_i log q_i`` for ``eb``, ``punt_pairwise``, ``punt`` (whose ``expected_steps`` count its
    anchor/test rounds) and ``entropy_sum``, ``margin`` on ``0, 0.05, ..., 0.99`` for
    ``frechet_profile`` (one block); ``bisection`` has none.  The published samplers
    run at temperature 1 (the rules' ``frontier_fixed``); their ``expected_steps_mu`` is the expected
    number of calls of their own runs (they have no chain rule on data ``x ~ mu``).

    Returns
    -------
    dict
        ``unit`` and ``points``: rows ``sampler``, ``param``, ``value``, ``expected_steps`` (under
        the sampler's law), ``expected_steps_mu`` (on data ``x ~ mu``), ``max_steps``, ``kl``,
        ``tv``, one per evaluated setting, in the order swept.

    Notes
    -----
    The subset-marginal tables are computed once and shared; each point costs one
    :func:`evaluate` propagation, ``optimal`` one DP for ``k = n`` (:func:`optimal_kl`).

    Examples
    --------
    >>> from mdmtheory import copy
    >>> pts = sampler_frontier(copy(3, 2), ["confidence", "optimal"], base=2)["points"]
    >>> [(p["sampler"], p["value"], round(p["kl"], 12)) for p in pts if p["value"] == 2]
    [('confidence', 2, 1.0), ('optimal', 2, 0.0)]
    """
    check_joint(joint)
    names = [str(s).strip() for s in samplers]
    plan = [(name, _knobs(name, joint)) for name in names]
    use_opt = any("joint" in RULES[name].needs for name in names)
    # the ring of mass layers of the rules whose step costs several calls (punt)
    extra = 0.5 + max([make_sampler(name).step_calls(joint.n) - 1 for name in names] + [0])
    tab = _dp_tables(joint, joint.n, max_memory) if use_opt else _Tables(joint, max_memory, extra=extra)
    policy = _optimal_tables(tab, joint.n)[0] if use_opt else None
    points = []
    bar = progress(total=sum(len(knobs) for _, knobs in plan), desc="frontier")
    for name, knobs in plan:
        for key, value in knobs:
            sampler = make_sampler(name, **RULES[name].frontier_fixed, **({key: value} if key else {}))
            if "joint" in sampler.rule.needs:  # the optimal policy: one DP gives every budget
                r = _run(joint, tab, sampler, base, policy, int(value))
            else:
                r = _run(joint, tab, sampler, base)
            points.append(
                {
                    "sampler": name,
                    "param": key,
                    "value": value,
                    "expected_steps": r["expected_steps"],
                    # random: every run makes exactly k calls, on any law; candidate rules: their own runs
                    "expected_steps_mu": r.get("expected_steps_mu", r["expected_steps"]),
                    "max_steps": r["max_steps"],
                    "kl": r["kl"],
                    "tv": r["tv"],
                }
            )
            bar.update()
    bar.close()
    return {"unit": unit_name(base), "points": points}
