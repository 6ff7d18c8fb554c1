"""What a rule declaration is: :class:`Rule`, its typed parameters (:class:`Param`), the
ranked-prefix family (:class:`Ranking`), where a rule comes from (:class:`Origin`), the oracle
capabilities a rule may need (:data:`CAPABILITIES`) and the schedule split (:func:`step_sizes`).

The built-in rules and the registry itself are in :mod:`mdmtheory.registry`, which re-exports
these names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ._kernels import codes as _c
from .errors import InputError
from .schedules import Schedule, as_schedule

__all__ = [
    "Param", "Ranking", "Origin", "ORIGIN_KINDS", "Rule", "CAPABILITIES", "RANK_KEYS", "RANK_STOPS", "PUNT_ROUNDS",
    "step_sizes", "fixed_pack",
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


#: The largest magnitude of an integer sampler parameter (the kernels take int64).
MAX_INT_PARAM = 2**62


@dataclass(frozen=True)
class Param:
    """One typed sampler parameter.

    ``kind`` is ``"int"``, ``"float"``, ``"str"``, ``"bool"``, ``"sizes"`` (a list of positive ints) or
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
        if self.kind == "bool":
            if not isinstance(value, (bool, np.bool_)):
                raise InputError(f"{where} takes a boolean, true or false; got {value!r}")
            return bool(value)
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
            if abs(v) > MAX_INT_PARAM:  # beyond int64 the kernels cannot hold it
                raise InputError(f"{where} must be an integer of magnitude at most 2**62 (the valid range: "
                                 f"{'1' if self.lo == 1 else self.lo if self.lo is not None else '-2**62'} to 2**62); got {value!r}")
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
        return (np.array([key, RANK_STOPS[stop], stat], dtype=np.int64), np.array([x]),
                np.array(sizes, dtype=np.int64))



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
    continuous
        ``continuous(params) -> str | None``: why a step's law has a continuous part under these
        parameters (``llada`` with ``confidence_noise``: its confidence is a continuous random
        variable), or ``None``.  The engines that enumerate a step's law (exact evaluation,
        :meth:`~mdmtheory.samplers.Sampler.transitions`, exact walk metrics) refuse such a
        sampler with the reason; the engines that draw (walks, estimates) run it.
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
    continuous: Callable | None = field(repr=False, default=None)

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
        return level, np.zeros(0), np.zeros(0, dtype=np.int64)

    return pack
