"""The rule registry: every selection rule declared once (:data:`RULES`).

A :class:`Rule` holds everything about one rule but its kernel code: typed parameters
(:class:`Param`), call model, randomness, the oracle capabilities it needs (:data:`CAPABILITIES`),
how an estimate replays it, its order (fixed sets, random, adaptive), the knob grid ``frontier``
sweeps, the closed forms claims read and its source.  Rules of the ranked-prefix family
(:class:`Ranking`) need no kernel code at all; :func:`register_rule` adds one.  Every engine,
command, claim and test reads this registry; :mod:`mdmtheory.samplers` builds samplers from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np

from ._kernels import codes as _c
from ._lazy import lazy_module
from .errors import InputError
from .forests import centroid_rounds, check_forest, forest_components
from .schedules import Schedule, as_schedule

_r = lazy_module("mdmtheory._kernels.rules")
_markov = lazy_module("mdmtheory.markov")  # start-up time: networkx and scipy load on first use

__all__ = [
    "Param", "Ranking", "Origin", "ORIGIN_KINDS", "Rule", "RULES", "SAMPLER_NAMES", "CAPABILITIES", "RANK_KEYS",
    "RANK_STOPS", "register_rule", "unregister_rule", "step_sizes", "llada_sizes", "PUNT_ROUNDS", "fixed_pack",
    "dream_counts",
]


#: What a rule follows (:attr:`Origin.follows`): the published ``code`` (read at a commit), the
#: ``paper`` (no public code read), ``third-party code`` (an implementation by others than the
#: authors) or the ``toolkit`` (a rule of this project, a published one's relative).
ORIGIN_KINDS = ("code", "paper", "third-party code", "toolkit")


@dataclass(frozen=True)
class Origin:
    """Where a rule comes from, structured: what it follows, the code it was read against (repository,
    path, functions, commit), the paper, and one line on where the rule departs from the paper.

    ``commit`` is the 40-hex commit of the file read (``""`` where none could be read: ``note``
    then says why); the toolkit's own rules name their file in this repository and no commit.

    Examples
    --------
    >>> Origin("paper", paper="arXiv:2505.24857", departs="none").to_dict()["follows"]
    'paper'
    """

    follows: str
    repository: str = ""
    path: str = ""
    functions: tuple[str, ...] = ()
    commit: str = ""
    paper: str = ""
    departs: str = ""
    note: str = ""

    def __post_init__(self):
        if self.follows not in ORIGIN_KINDS:
            raise InputError(f"Origin.follows={self.follows!r}: choose from {', '.join(ORIGIN_KINDS)}")
        if self.commit and not (len(self.commit) == 40 and all(c in "0123456789abcdef" for c in self.commit)):
            raise InputError(f"Origin.commit={self.commit!r}: give the 40-hex commit of the file read, or ''")
        if self.follows in ("code", "third-party code") and not (self.repository and self.path and self.functions):
            raise InputError("an Origin that follows code names its repository, path and functions")
        if self.follows in ("code", "third-party code") and not (self.commit or self.note):
            raise InputError("an Origin that follows code gives the commit read, or a note saying why there is none")

    def to_dict(self) -> dict:
        """``follows``, ``repository``, ``path``, ``functions`` (list), ``commit``, ``paper``, ``note``."""
        return {"follows": self.follows, "repository": self.repository, "path": self.path,
                "functions": list(self.functions), "commit": self.commit, "paper": self.paper, "note": self.note}

    def line(self) -> str:
        """One line: ``follows: repository, path: functions @ commit[:12]; paper ...``.

        Examples
        --------
        >>> Origin("code", "o/r", "g.py", ("f",), "0" * 40, "arXiv:1").line()
        'code: o/r, g.py: f @ 000000000000; paper arXiv:1'
        """
        parts = [", ".join(p for p in (self.repository, self.path) if p)]
        if self.functions:
            parts[0] += ": " + ", ".join(self.functions)
        if self.commit:
            parts[0] += f" @ {self.commit[:12]}"
        elif self.follows in ("code", "third-party code"):
            parts[0] += " (no commit read)"
        if self.follows == "paper":
            return f"paper: {self.paper}" + (f"; written in {parts[0]}" if parts[0] else "")
        if self.paper:
            parts.append(f"paper {self.paper}")
        return f"{self.follows}: " + "; ".join(p for p in parts if p)


@dataclass(frozen=True)
class Param:
    """One typed sampler parameter.

    ``kind`` is ``"int"``, ``"float"``, ``"str"``, ``"sizes"`` (a list of positive ints) or
    ``"edges"`` (a list of pairs of positions ``[[i, j], ...]``; checked against ``n`` when packed);
    ``optional`` parameters accept ``None`` (their default); ``lo``/``hi`` bound numbers
    (``lo_open``: strictly above ``lo``); ``choices`` lists the valid strings.
    """

    name: str
    kind: str
    default: object
    unit: str
    doc: str
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    choices: tuple = ()
    optional: bool = False

    def check(self, sampler: str, value):
        """The validated value (typed input only: strings are parsed by the CLI).

        Raises
        ------
        InputError
            Wrong type or out of range, naming the parameter and the valid values.
        """
        if value is None and self.optional:
            return None
        where = f"{sampler} parameter {self.name}"
        if self.kind == "str":
            if value not in self.choices:
                raise InputError(f"{where} must be one of {', '.join(self.choices)}; got {value!r}")
            return value
        if self.kind == "edges":
            bad = InputError(f"{where} takes a list of pairs of positions like [[0, 1], [1, 2]]; got {value!r}")
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                raise bad
            out = []
            for e in value:
                if isinstance(e, (str, bytes)) or not hasattr(e, "__len__") or len(e) != 2 or not all(
                        isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) and v >= 0 for v in e):
                    raise bad
                out.append([int(e[0]), int(e[1])])
            return out
        if self.kind == "sizes":
            if isinstance(value, (str, bytes)) or np.isscalar(value) and not isinstance(value, (int, np.integer)):
                raise InputError(f"{where} takes a list of positive integers like [2, 1, 1]; got {value!r}")
            try:
                return list(Schedule([value] if np.isscalar(value) else value).steps)
            except (TypeError, ValueError):
                raise InputError(f"{where} takes a list of positive integers like [2, 1, 1]; got {value!r}") from None
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            want = "an integer" if self.kind == "int" else "a number"
            raise InputError(f"{where} takes {want}; got {value!r} (parse strings first, as the CLI does)")
        v = float(value)
        if self.kind == "int":
            if not v.is_integer():
                raise InputError(f"{where} takes an integer; got {value!r}")
            v = int(v)
        if not np.isfinite(v) or (self.lo is not None and (v <= self.lo if self.lo_open else v < self.lo)) or (
            self.hi is not None and v > self.hi
        ):
            if self.kind == "int" and self.lo == 1:
                raise InputError(f"{where} must be a positive integer; got {value!r}")
            if self.unit == "probability" and not self.lo_open:
                raise InputError(f"{where} must be a probability in [0, 1]; got {value!r}")
            lo = "" if self.lo is None else f"{'>' if self.lo_open else '>='} {self.lo:g}"
            hi = "" if self.hi is None else f"<= {self.hi:g}"
            rng = " and ".join(x for x in (lo, hi) if x) or "finite"
            raise InputError(f"{where} must be {rng}{' (' + self.unit + ')' if self.unit else ''}; got {value!r}")
        return v

    def to_dict(self) -> dict:
        out = {"name": self.name, "type": self.kind, "default": self.default, "unit": self.unit, "doc": self.doc}
        if self.choices:
            out["choices"] = list(self.choices)
        return out


def step_sizes(params: dict, n: int) -> tuple[int, ...]:
    """Step sizes of a schedule sampler for length ``n`` (``schedule`` or the ``steps`` split).

    Examples
    --------
    >>> step_sizes({"steps": 3}, 8)
    (3, 3, 2)
    """
    if params.get("schedule") is not None:
        return as_schedule(params["schedule"], n).steps
    k = int(params["steps"])
    if k > n:
        raise InputError(f"steps={k} exceeds n={n}: a step unmasks at least one position; give steps <= {n}")
    return tuple(n // k + (1 if t < n % k else 0) for t in range(k))


#: The oracle capabilities a rule may need beyond the marginals (:attr:`Rule.needs`), with what
#: each means; an engine that lacks one refuses the rule (:meth:`Sampler.check_engine`).
CAPABILITIES = {
    "joint": "its policy is a DP over the dense truth's tables",
    "pair_test": "its exact pairwise test needs the oracle's pairwise laws I(X_i; X_j | x_R)",
    "anchored_conditionals": "its anchor tests query the oracle's marginals given the anchors' candidate values, "
                             "off the sampler's path",
}

#: The ranking keys and stops of the ranked-prefix family (:class:`Ranking`), by name.
RANK_KEYS = {"position": _c.KEY_POSITION, "confidence": _c.KEY_CONFIDENCE, "margin": _c.KEY_MARGIN,
             "entropy": _c.KEY_ENTROPY}
RANK_STOPS = {"size": _c.STOP_SIZE, "each": _c.STOP_EACH, "sum": _c.STOP_SUM, "sum_free_max": _c.STOP_SUM_FREE_MAX,
              "sum_through": _c.STOP_SUM_THROUGH}

#: ``punt``'s readings of its rounds (parameter ``rounds``), the published code's first.
PUNT_ROUNDS = ("shrinking", "independent")


@dataclass(frozen=True)
class Ranking:
    """A rule of the ranked-prefix family, declared without kernel code.

    The masked positions are ranked by ``key`` (``"position"``: left to right; ``"confidence"``:
    decreasing ``max p``; ``"margin"``: decreasing ``p(1st) - p(2nd)``; ``"entropy"``: increasing
    ``H(p)``; rounded keys, ties by position), or by the key named by the string parameter
    ``key_param`` (whose choices are key names), and a prefix is unmasked, chosen by ``stop``:

    ``"size"``          the schedule's size of the step (the rule is then a schedule rule:
                        ``steps`` or ``schedule``);
    ``"each"``          every position whose statistic ``stat`` passes (``confidence`` or
                        ``margin >= x``, ``entropy <= x``), at least the first-ranked one;
    ``"sum"``           the longest prefix with ``sum H <= x``, at least one;
    ``"sum_free_max"``  the longest prefix with ``sum H - max H <= x``, at least one;
    ``"sum_through"``   the shortest prefix with ``sum H > x`` (the position that crosses the
                        budget included), or all of them when the sum stays ``<= x``.

    ``x`` is the value of the parameter named ``param``.  ``stop_param`` names a string parameter
    whose value picks the stop through ``stop_choices`` (``{value: stop name}``), as ``key_param``
    picks the key; ``stop`` is then the stop of the parameter's default.  The exact evaluator, the walk engine,
    the estimators and :meth:`Sampler.transitions` all run it through the one kernel function
    ``ranked_prefix`` of ``mdmtheory/_kernels/rules.py``.
    """

    key: str = "position"
    stop: str = "size"
    stat: str | None = None
    param: str | None = None
    key_param: str | None = None
    stop_param: str | None = None
    stop_choices: tuple = ()

    def __post_init__(self):
        stops = dict(self.stop_choices)
        if (self.stop_param is None) != (not stops) or any(v not in RANK_STOPS or v in ("size", "each")
                                                           for v in stops.values()):
            raise InputError("Ranking: stop_param=NAME goes with stop_choices=((value, stop), ...), stops among "
                             "'sum', 'sum_free_max', 'sum_through'")
        if self.key not in RANK_KEYS or self.stop not in RANK_STOPS:
            raise InputError(f"Ranking: key must be one of {', '.join(RANK_KEYS)} and stop one of "
                             f"{', '.join(RANK_STOPS)}; got key={self.key!r}, stop={self.stop!r}")
        if (self.stop == "each") != (self.stat is not None) or (self.stat is not None and self.stat not in RANK_KEYS):
            raise InputError("Ranking: stop='each' takes stat='confidence', 'margin' or 'entropy' (and no other stop does)")
        if (self.stop == "size") == (self.param is not None):
            raise InputError("Ranking: every stop but 'size' reads its threshold from a parameter: give param=NAME")

    def pack(self, prm: dict, n: int):
        """``(ip, fp, sizes)`` for the kernel."""
        key = RANK_KEYS[prm[self.key_param] if self.key_param else self.key]
        stop = dict(self.stop_choices)[prm[self.stop_param]] if self.stop_param else self.stop
        stat = RANK_KEYS[self.stat] if self.stat else 0
        x = float(prm[self.param]) if self.param else 0.0
        sizes = step_sizes(prm, n) if stop == "size" else ()
        return _I(key, RANK_STOPS[stop], stat), _F(x), np.array(sizes, dtype=np.int64)



def _no_closed_forms():
    return {}


@dataclass(frozen=True)
class Rule:
    """A registry entry: everything about one selection rule, declared once.

    Every engine, command, claim and test reads these fields; no list of sampler names exists
    elsewhere.

    Attributes
    ----------
    name, params, calls, source, doc
        The rule's name, typed parameters (:class:`Param`), what one run costs in model calls
        (words), the published file and function it follows, a one-line description.
    code
        The rule's fixed code in ``mdmtheory/_kernels/rules.py`` (``codes.RANKED`` for the
        ranked-prefix family; ``None`` with ``order = "fixed"``: ``codes.FIXED``, the fixed-order
        family, whose kernel reads the rounds of ``fixed_sets`` and needs no code of its own).
    random_selection, candidates
        Whether the chosen set is random given the state (and the candidates); whether the rule
        samples a candidate for every eligible position first and unmasks with it.
    ranking
        A :class:`Ranking`: the rule belongs to the ranked-prefix family and needs no kernel code
        of its own (``code`` and ``pack`` are derived).
    pack
        ``pack(params, n) -> (ip, fp, sizes)``, the kernel arguments (derived from ``ranking``).
    order
        ``"adaptive"`` (the sets depend on the values), ``"fixed"`` (they do not: ``fixed_sets``
        lists them) or ``"random"`` (uniformly random sets of the schedule's sizes: the random
        order of Chen-Cong-Li).
    fixed_sets
        ``fixed_sets(params, n) -> list of position lists`` for ``order = "fixed"``.
    chain_exact
        The rule samples any first-order Markov chain exactly (every step's positions are
        separated by revealed ones).
    sizes
        ``sizes(params, n)``: the step sizes where the rule has them (schedule rules: derived).
    min_calls, max_calls, step_calls
        ``min_calls(params)``: calls every run makes even when nothing is left to unmask;
        ``max_calls(params, n)``: an upper bound on one run's calls (default ``n`` plus the
        steps plus one); ``step_calls(m)``: calls of one step with ``m`` masked positions
        (default 1).
    needs
        Oracle capabilities beyond the marginals: ``"joint"`` (the dense table), ``"pair_test"``
        (``I(X_i; X_j | x_R)`` of the truth), ``"anchored_conditionals"`` (the oracle's marginals
        given extra revealed values).  An engine that lacks one refuses the rule with the reason.
    path
        ``path(params) -> str``: how an estimate replays a run (see
        :func:`mdmtheory.estimate.path_kind`); default ``"deterministic"`` or ``"random"``.
    frontier, frontier_fixed
        ``frontier(n, hmax) -> [(param, value), ...]``: the knob values ``frontier`` sweeps
        (``hmax = sum_i log q_i`` nats); ``frontier_fixed``: parameters fixed while sweeping.
    closed_forms
        ``{claim: function}``: closed forms that claims read (``two_mode_first_step(params, n)``:
        the size of the first step on the two-mode law); a claim skips a rule without one.
    check
        ``check(given) -> None``: cross-parameter checks on the given keyword parameters.
    origin
        An :class:`Origin`: what the rule follows (published code at a commit, the paper, third-party
        code, the toolkit) and, in one line (``origin.departs``), where it departs from the paper.
        Every built-in rule has one; ``source`` stays the one-line citation.
    resolve
        ``resolve(params) -> Rule``: the rule a sampler with these parameters runs, when it is
        not this one (``eb`` with ``temperature != 1`` draws its values as candidates from
        ``p^(1/T)/Z``: a candidate rule of its own code); every engine reads the resolved rule.
    """

    name: str
    code: int
    params: tuple[Param, ...]
    calls: str
    random_selection: bool
    candidates: bool
    source: str
    doc: str
    pack: Callable = field(repr=False, default=None)
    ranking: Ranking | None = None
    order: str = "adaptive"
    fixed_sets: Callable | None = field(repr=False, default=None)
    chain_exact: bool = False
    sizes: Callable | None = field(repr=False, default=None)
    min_calls: Callable | None = field(repr=False, default=None)
    max_calls: Callable | None = field(repr=False, default=None)
    step_calls: Callable | None = field(repr=False, default=None)
    needs: frozenset = frozenset()
    path: Callable | None = field(repr=False, default=None)
    frontier: Callable | None = field(repr=False, default=None)
    frontier_fixed: dict = field(default_factory=dict)
    closed_forms: dict = field(repr=False, default_factory=_no_closed_forms)
    check: Callable | None = field(repr=False, default=None)
    origin: Origin | None = None
    resolve: Callable | None = field(repr=False, default=None)

    def __post_init__(self):
        if self.ranking is not None:
            if self.code not in (None, _c.RANKED):
                raise InputError(f"rule {self.name}: a Ranking rule has the code RANKED")
            object.__setattr__(self, "code", _c.RANKED)
            object.__setattr__(self, "pack", self.ranking.pack)
            if self.ranking.stop == "size" and self.sizes is None:
                object.__setattr__(self, "sizes", step_sizes)
        if self.code is None and self.ranking is None and self.order == "fixed" and self.fixed_sets is not None:
            object.__setattr__(self, "code", _c.FIXED)
            if self.pack is None:
                object.__setattr__(self, "pack", fixed_pack(self.fixed_sets))
        if self.pack is None:
            raise InputError(f"rule {self.name}: give pack= (kernel arguments), ranking=, or order='fixed' with "
                             "fixed_sets= and no code")
        if self.order not in ("adaptive", "fixed", "random") or (self.order == "fixed") != (self.fixed_sets is not None):
            raise InputError(f"rule {self.name}: order is 'adaptive', 'random' or 'fixed' (with fixed_sets=)")

    @property
    def deterministic(self) -> bool:
        """Selection a function of the state and values drawn from the marginals: the chain rule holds."""
        return not (self.random_selection or self.candidates)

    @property
    def schedule(self) -> bool:
        """Whether the rule takes ``steps`` or ``schedule`` (sizes summing to ``n``)."""
        return tuple(p.name for p in self.params[:2]) == ("steps", "schedule")

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "params": [p.to_dict() for p in self.params],
            "model_calls": self.calls,
            "random_selection": self.random_selection,
            "candidates": self.candidates,
            "source": self.source,
            "doc": self.doc,
            "origin": None if self.origin is None else self.origin.to_dict(),
            "departs": "" if self.origin is None else self.origin.departs,
        }


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
    return (_I(("low_confidence", "random").index(prm["remasking"]), L, spb), _F(prm["temperature"]),
            np.array(sizes, dtype=np.int64))


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
    dtype = _DREAM_DTYPES[prm["count_dtype"]]
    return (_I(_DREAM_ALGS.index(prm["alg"]), prm["steps"], top_k, dtype),
            _F(prm["temperature"], top_p, alg_temp, prm["eps"]), _NONE)


_DREAM_DTYPES = {"float32": _c.DREAM_FLOAT32, "float64": _c.DREAM_FLOAT64, "float32_unfused": _c.DREAM_FLOAT32_UNFUSED}


def dream_counts(n: int, steps: int, eps: float = 1e-3, count_dtype: str = "float32") -> tuple[int, ...]:
    """Tokens Dream unmasks at each of its ``steps`` calls on ``n`` masked positions (the
    deterministic ``alg`` values; ``origin`` draws them): ``int(m * (1 - s / t))`` with ``m`` the
    positions still masked and ``t, s`` consecutive entries of ``torch.linspace(1, eps, steps +
    1)``, all the rest at the last call (``_sample`` of Dream's ``generation_utils.py``).

    ``count_dtype="float32"`` computes as the published code does: ``timesteps`` a float32
    tensor (torch's default dtype, with ``torch.linspace``'s own arithmetic: ``start + step * i``
    for the first half, ``end - step * (steps - i)`` for the second, each a fused multiply-add as
    torch's AVX2/AVX512 CPU kernels compute it) and ``num_mask_token`` a float32 quotient, every
    operation rounded to float32; ``"float32_unfused"`` the same with the multiply and the add
    rounded apart (torch's DEFAULT CPU build); ``"float64"`` the real-number
    ``linspace``, ``t = 1 + i (eps - 1) / steps``, in float64 (the toolkit's reading before
    issue 18).  The two differ at some settings, e.g. ``n = 1024, steps = 1023``: in float32 the
    first call unmasks 1 token (``1 - s/t = 2^-10`` exactly), in float64 none.  O(steps).

    Examples
    --------
    >>> dream_counts(1024, 1023)[:2], dream_counts(1024, 1023, count_dtype="float64")[:2]
    ((1, 0), (0, 1))
    >>> sum(dream_counts(10, 4))
    10
    """
    n, steps = int(n), int(steps)
    if n < 0 or steps < 1:
        raise InputError(f"dream_counts takes n >= 0 and steps >= 1; got n={n}, steps={steps}")
    if not 0.0 < float(eps) <= 1.0:
        raise InputError(f"dream_counts: eps must be in (0, 1] (the final timestep); got {eps!r}")
    if count_dtype not in _DREAM_DTYPES:
        raise InputError(f"dream_counts: count_dtype must be one of {', '.join(_DREAM_DTYPES)}; got {count_dtype!r}")
    dtype = _DREAM_DTYPES[count_dtype]
    out, m = [], n
    for i in range(steps):
        k = int(_r.dream_count(m, i, steps, float(eps), dtype))
        out.append(k)
        m -= k
    return tuple(out)


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


def fixed_pack(fixed_sets: Callable) -> Callable:
    """``pack`` of the fixed-order family (kernel code ``FIXED``): ``ip[i]`` is the round of
    position ``i`` in ``fixed_sets(params, n)``, which must partition ``0..n-1``.

    Examples
    --------
    >>> ip, fp, sizes = fixed_pack(lambda prm, n: [[1], [0, 2]])({}, 3)
    >>> ip.tolist()
    [1, 0, 1]
    """

    def pack(prm: dict, n: int):
        sets = fixed_sets(prm, n)
        level = np.full(n, -1, dtype=np.int64)
        for r, S in enumerate(sets):
            for i in S:
                if not 0 <= int(i) < n or level[int(i)] >= 0:
                    raise InputError(f"fixed sets {sets} must partition the positions 0..{n - 1} (each once)")
                level[int(i)] = r
        if (level < 0).any():
            raise InputError(f"fixed sets {sets} leave positions {np.flatnonzero(level < 0).tolist()} out; "
                             f"they must partition 0..{n - 1}")
        return level, _F(), _NONE

    return pack


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
                            "the code, followed here, ranks by the clean probability of the candidate"),
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
                    choices=("low_confidence", "random"))),
             "exactly steps", False, True, "ML-GSAI/LLaDA generate.py: generate, get_num_transfer_tokens, "
             "add_gumbel_noise (commit 41760b91240e934e7612b08d45a0642d680c098a)",
             "candidates from p^(1/T), top-k per step by the untempered probability of the candidate, in blocks",
             _llada_pack, sizes=lambda prm, n: llada_sizes(n, prm["steps"], prm["block_length"]),
             min_calls=lambda prm: int(prm["steps"]), max_calls=lambda prm, n: int(prm["steps"]), path=_candidate_path,
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
