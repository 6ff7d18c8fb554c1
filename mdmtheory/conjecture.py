"""Hunt for counterexamples to a conjectured bound.

A researcher writes a bound as a Python function ``bound(ctx) -> float`` and names the exact
quantity it should bound: the random-order expected KL of a schedule family
(``expected_kl``), the KL to the random-order mixture law (``mixture_kl``), or the KL of a
sampler (``sampler_kl``).  :func:`hunt` evaluates quantity and bound with the exact engines on

1. the built-in families (copy, parity, Reed-Solomon codes, Ising chains, products, mixtures),
2. random Dirichlet tables across concentrations (sparse to near-uniform),
3. local optimisation of the normalised gap ``(quantity - bound) / (|bound| + 1e-6)`` over
   tables, from the worst starts (L-BFGS-B on a softmax parametrisation of the table),

within a time budget, seeded, and keeps the worst table found.  The worst table is saved as
``.npy`` with a JSON record (seed, stage, parameters, numbers, the command that replays it).
"""

from __future__ import annotations

import heapq
import json
import math
import os
import shlex
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Callable

import numpy as np

from .tolerances import VIOLATION_TOL  # noqa: F401 - re-exported
from .divergence import expected_kl, mixture_kl
from .exact import evaluate
from .errors import InputError, check_memory
from .files import atomic_write, check_output_dir, check_output_file, to_jsonable
from .information import information_summary, lattice_memory
from .joint import Joint, copy, ising_chain, mixture_of_products, parity, product, random_joint, reed_solomon
from .progress import progress
from .samplers import make_sampler
from .schedules import Schedule, schedule_family
from .usercode import BOUND_TIMEOUT, TimeLimit, user_code

__all__ = ["BoundContext", "Quantity", "hunt", "HuntReport", "QUANTITIES"]

#: The quantities a bound can be tested against.
QUANTITIES = ("expected_kl", "mixture_kl", "sampler_kl")

#: Values and bounds below this (nats) are rounding noise for the ratio ``value / bound``.
RATIO_FLOOR = 1e-9




@dataclass(frozen=True)
class BoundContext:
    """What a bound function sees.  All information quantities are in nats.

    Attributes
    ----------
    n, q : int, tuple of int
        Number of positions and alphabet sizes.
    curve : numpy.ndarray
        The information curve ``Z_1..Z_n`` (``curve[j-1] = Z_j``).
    tc, dtc, entropy : float
        Total correlation, dual total correlation, joint entropy.
    schedule : Schedule or None
        The schedule (for ``expected_kl`` / ``mixture_kl``; for a schedule sampler too).
    sampler : str or None
        The sampler name (for ``sampler_kl``).
    params : dict
        The family's or sampler's parameters.
    joint : Joint
        The table itself.
    """

    n: int
    q: tuple
    curve: np.ndarray
    tc: float
    dtc: float
    entropy: float
    schedule: Schedule | None
    sampler: str | None
    params: dict
    joint: Joint
    unit: str = "nats"


@dataclass(frozen=True)
class Quantity:
    """The exact quantity to test: ``kind`` in :data:`QUANTITIES`, with a schedule ``family`` (for
    ``expected_kl`` and ``mixture_kl``) or a ``sampler`` name (for ``sampler_kl``) and ``params``.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> value, ctx = Quantity("expected_kl", family="constant", params={"s": 2}).evaluate(copy(4, 2))
    >>> round(value, 12) == round(float(np.log(2)), 12), ctx.schedule.steps   # (s_1 - 1) log q
    (True, (2, 2))
    """

    kind: str
    family: str | None = None
    sampler: str | None = None
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in QUANTITIES:
            raise InputError(f"unknown quantity {self.kind!r}; choose one of {', '.join(QUANTITIES)}")
        if self.kind == "sampler_kl":
            if not self.sampler:
                raise InputError("quantity sampler_kl needs a sampler name (--sampler NAME)")
            make_sampler(self.sampler, **self.params)  # validates names now, not mid-search
        elif not self.family:
            raise InputError(f"quantity {self.kind} needs a schedule family (--family NAME)")

    def describe(self) -> str:
        what = self.sampler if self.kind == "sampler_kl" else self.family
        args = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.kind}[{what}({args})]"

    def evaluate(self, joint: Joint, max_memory: float | None = None) -> tuple[float, BoundContext]:
        """``(quantity value in nats, context for the bound)``; ``max_memory`` (bytes) caps each engine."""
        info = information_summary(joint, max_memory=max_memory)
        n, z = joint.n, np.array(info["information_curve"])
        schedule, sampler = None, None
        if self.kind == "sampler_kl":
            sampler = make_sampler(self.sampler, **self.params)
            sizes = sampler.sizes(n)
            if sizes is not None and min(sizes) > 0:  # a schedule of sizes (llada may have empty steps)
                schedule = Schedule(sizes)
            value = float(evaluate(joint, sampler, max_memory=max_memory)["kl"])
        else:
            schedule = schedule_family(self.family, n, curve=z, **self.params)
            value = (expected_kl(z, schedule) if self.kind == "expected_kl"
                     else mixture_kl(joint, schedule, max_memory=max_memory))
        ctx = BoundContext(n, joint.q, z, info["total_correlation"], info["dual_total_correlation"], info["entropy"],
                           schedule, self.sampler, dict(self.params), joint)
        return float(value), ctx

    def replay(self, path: str, ctx: BoundContext) -> str:
        """The command line that recomputes the quantity on a saved table."""
        if self.kind == "sampler_kl":
            params = " ".join(f"--param {shlex.quote(str(k))}={_cli_value(v)}" for k, v in self.params.items())
            return f"mdmtheory evaluate {shlex.quote(path)} --sampler {shlex.quote(self.sampler)} {params}".strip()
        steps = ",".join(str(s) for s in ctx.schedule.steps)
        return f"mdmtheory kl {shlex.quote(path)} --schedule {steps}" + (" --mixture" if self.kind == "mixture_kl" else "")


def _cli_value(v) -> str:
    """A parameter value as one shell word (quoted: the command is meant to be pasted)."""
    return shlex.quote(",".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v))


@dataclass
class HuntReport:
    """The outcome of :func:`hunt`.  ``worst`` describes a violating table if there is one, and
    among those (or among all, if none violates) the one with the largest ratio (to 6 decimals;
    then the largest ``value - bound``)
    ``value / bound`` of the quantity's value to the bound (``inf`` when the bound is 0 and the
    value is not)."""

    quantity: str
    tried: int
    violations: int
    worst: dict
    stages: dict
    seconds: float
    seed: int
    files: dict = field(default_factory=dict)

    @property
    def violated(self) -> bool:
        return self.violations > 0

    def as_dict(self) -> dict:
        return {
            "quantity": self.quantity,
            "unit": "nats",
            "tried": self.tried,
            "violations": self.violations,
            "violated": self.violated,
            "worst": self.worst,
            "stages": self.stages,
            "seconds": self.seconds,
            "seed": self.seed,
            "files": self.files,
        }


class _OutOfTime(Exception):
    pass


def _builtins(n_range: tuple[int, int], q_range: tuple[int, int]):
    """The built-in families as ``(name, build)`` pairs: each table is built only when tried,
    and dropped after (a long list of tables held at once grew with the ranges)."""
    for n in range(n_range[0], n_range[1] + 1):
        for q in range(q_range[0], q_range[1] + 1):
            yield f"copy({n},{q})", (lambda n=n, q=q: copy(n, q))
            yield f"mixture_of_products({n},{q})", (lambda n=n, q=q: mixture_of_products(
                [0.5, 0.5], [[np.eye(q)[0] * 0.8 + 0.2 / q] * n, [np.eye(q)[-1] * 0.8 + 0.2 / q] * n]))
        yield f"parity({n})", (lambda n=n: parity(n))
        yield f"product({n})", (lambda n=n: product([[0.3, 0.7]] * n))
        for J in (-1.0, 1.0):
            yield f"ising_chain({n},J={J})", (lambda n=n, J=J: ising_chain(n, J=J, h=0.2))
        for q in (5, 7):
            if q >= n and q <= max(q_range[1], 7) and q**n <= 20000:
                for k in range(1, n):
                    yield f"reed_solomon({n},{k},{q})", (lambda n=n, k=k, q=q: reed_solomon(n, k, q))


def table_memory(n: int, q: int) -> float:
    """Bytes to build and analyse one table of ``q^n`` cells: the table while it is made and
    normalised (three copies), the lattice of :func:`~mdmtheory.information.subset_entropies`."""
    cells = float(q) ** n
    return 3 * 8.0 * cells + lattice_memory(SimpleNamespace(table=SimpleNamespace(size=cells), q=(q,) * n, n=n))


def hunt(
    bound: Callable[[BoundContext], float],
    quantity: Quantity,
    *,
    budget: float = 60.0,
    seed: int = 0,
    n_range: tuple[int, int] = (2, 6),
    q_range: tuple[int, int] = (2, 3),
    starts: int = 3,
    max_tables: int | None = None,
    out_dir: str | os.PathLike | None = None,
    bound_timeout: float | None = BOUND_TIMEOUT,
    max_memory: float | None = None,
    force: bool = False,
    bound_file: str | os.PathLike | None = None,
    command: str | None = None,
) -> HuntReport:
    """Search for tables where ``quantity > bound`` (see the module docstring).

    Parameters
    ----------
    bound : callable
        ``bound(ctx: BoundContext) -> float`` (nats).
    quantity : Quantity
        What the bound should bound.
    budget : float
        Seconds for the whole search: the built-in families first, then random tables for about
        half of what is left, then local optimisation.
    seed : int
        Seeds the random tables and the optimiser starts.  The tables are a fixed sequence for
        a seed; how far down it the search gets depends on the budget and the machine, so the
        saved record (with the worst table) is what makes a finding replayable.
    n_range, q_range : (int, int)
        Inclusive ranges of the number of positions and the alphabet size of the tables tried.
    starts : int
        Number of worst tables the local optimisation starts from.
    max_tables : int, optional
        Stop after this many tables as well.  With it, the random stage gets half of the tables
        left after the built-ins instead of half of the time, so a search that ends by count
        is the same on every machine.
    out_dir : path, optional
        Where to save ``worst.npy`` and ``worst.json`` (not saved when None), each written
        atomically; the folder is checked (created) before the search starts.
    bound_timeout : float or None
        Seconds one call of ``bound`` may take (default :data:`BOUND_TIMEOUT`); None for no
        limit.  Enforced with ``SIGALRM`` from the main thread only: Python code is stopped
        at once, a single long call into C (one huge numpy operation) when it returns.  What
        ``bound`` prints goes to standard error.
    max_memory : float, optional
        Ceiling in bytes for one table's evaluation (default 4 GiB), checked for the largest
        table before the search starts.  Only the current table and the ``starts`` worst
        ones are kept, so memory does not grow with the budget.
    force : bool, default False
        Overwrite a result saved in ``out_dir`` (refused before the search otherwise: a saved
        counterexample is never lost to a second run).
    bound_file, command : optional
        Recorded in ``worst.json``: the file that defines ``bound`` (``bound_file``, absolute)
        and the command line that replays the search (``command``; the command line passes
        both).

    Returns
    -------
    HuntReport

    Raises
    ------
    InputError
        Bad ranges, budget, seed or ``max_tables``; a largest table over ``max_memory``; an
        ``out_dir`` that is not a folder, or that holds a saved result (``worst.npy`` or
        ``worst.json``) without ``force``; a bound that raises, exits, prints nothing but NaN,
        or runs past ``bound_timeout``.

    Examples
    --------
    >>> q = Quantity("expected_kl", family="constant", params={"s": 2})
    >>> r = hunt(lambda ctx: ctx.tc, q, budget=1, n_range=(2, 3), q_range=(2, 2))
    >>> r.violated   # one step of size <= n never loses more than TC
    False
    """
    if not (1 <= n_range[0] <= n_range[1]) or not (2 <= q_range[0] <= q_range[1]):
        raise InputError(f"n range {n_range} and q range {q_range} must be increasing, n >= 1 and q >= 2")
    if not (isinstance(budget, (int, float)) and math.isfinite(budget) and budget > 0):
        raise InputError(f"the budget must be a positive finite number of seconds; got {budget!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"the seed must be a non-negative integer; got {seed!r}")
    if max_tables is not None and (isinstance(max_tables, bool) or not isinstance(max_tables, (int, np.integer))
                                   or max_tables < 1):
        raise InputError(f"max_tables must be a positive integer (or None); got {max_tables!r}")
    if bound_timeout is not None and not (math.isfinite(bound_timeout) and bound_timeout > 0):
        raise InputError(f"the bound time limit must be a positive number of seconds; got {bound_timeout!r}")
    check_memory(table_memory(n_range[1], q_range[1]),
                 f"the largest table tried (n={n_range[1]}, q={q_range[1]}; --n and --q set the ranges)", max_memory)
    if out_dir is not None:  # refuse a bad folder or a planted link now, not after the search

        folder = check_output_dir(out_dir)
        check_output_file(folder / "worst.npy"), check_output_file(folder / "worst.json")
        saved = [str(folder / f) for f in ("worst.npy", "worst.json") if (folder / f).exists()]
        if saved and not force:
            raise InputError(f"{' and '.join(saved)} hold a saved result; give --force (force=True) to overwrite "
                             "it, or another --out folder")
    t0 = time.perf_counter()
    deadline = t0 + float(budget)
    rng = np.random.default_rng(seed)
    state = {"tried": 0, "violations": 0, "worst": None, "key": (False, -math.inf, -math.inf)}
    stages = {"builtin": 0, "random": 0, "optimise": 0}
    best: list[tuple[float, int, str, Joint]] = []  # a heap of the `starts` highest gaps: (gap, -index, ...)

    def keep(gap: float, source: str, joint: Joint) -> None:
        if not math.isfinite(gap) or starts < 1:
            return
        item = (gap, -state["tried"], source, joint)
        if len(best) < starts:
            heapq.heappush(best, item)
        elif item[:2] > best[0][:2]:
            heapq.heapreplace(best, item)

    def score(joint: Joint, stage: str, source: str) -> float:
        try:
            value, ctx = quantity.evaluate(joint, max_memory)
        except InputError as exc:  # e.g. a family that cannot serve this n: skip the table
            if stage == "builtin":
                return -math.inf
            raise exc
        try:
            with user_code(bound_timeout):
                b = float(bound(ctx))
        except TimeLimit:
            raise InputError(
                f"bound(ctx) ran for more than {bound_timeout:g} s on {source} (n={ctx.n}, q={list(ctx.q)}); "
                "make it faster or raise the limit (--bound-timeout)"
            ) from None
        except SystemExit as exc:
            raise InputError(f"bound(ctx) called sys.exit({exc.code!r}) on {source}; return a number instead") from None
        except Exception as exc:  # the user's code
            raise InputError(
                f"bound(ctx) raised {type(exc).__name__}: {exc} on {source} (n={ctx.n}, q={list(ctx.q)}); fix the bound function"
            ) from None
        if math.isnan(b):
            raise InputError(f"bound(ctx) returned NaN on {source}; it must return a number")
        state["tried"] += 1
        stages[stage] += 1
        violated = value > b + VIOLATION_TOL * (1 + abs(b))
        state["violations"] += int(violated)
        # below RATIO_FLOOR both numbers are rounding noise: no ratio is read off them
        if b > RATIO_FLOOR:
            ratio = value / b
        else:
            ratio = math.inf if value > RATIO_FLOOR else 0.0
        gap = (value - b) / (abs(b) + 1e-6)
        # a violation outranks any non-violation; ratios equal to 6 decimals are told apart by
        # the absolute excess, so the witness is the clearest one, not a rounding-level tie
        key = (violated, round(ratio, 6) if math.isfinite(ratio) else ratio, value - b)
        if state["worst"] is None or key > state["key"]:
            state["key"] = key
            state["worst"] = {
                "stage": stage,
                "source": source,
                "n": ctx.n,
                "q": list(ctx.q),
                "value": value,
                "bound": b,
                "ratio": ratio,
                "violated": violated,
                "schedule": list(ctx.schedule.steps) if ctx.schedule is not None else None,
                "table": joint,
            }
        return gap

    def out_of_budget() -> bool:
        return time.perf_counter() >= deadline or (max_tables is not None and state["tried"] >= max_tables)

    bar = progress(total=max_tables, desc="conjecture")
    try:
        for source, build in _builtins(n_range, q_range):
            if out_of_budget():
                break
            try:
                joint = build()
            except InputError:  # a family that cannot be built at this size: skip it
                continue
            keep(score(joint, "builtin", source), source, joint)
            bar.update(1)
        random_end = time.perf_counter() + max(0.0, deadline - time.perf_counter()) / 2
        quota = None if max_tables is None else state["tried"] + max(0, max_tables - state["tried"]) // 2
        alphas = (0.05, 0.1, 0.3, 1.0, 3.0)
        i = 0
        while not out_of_budget() and (time.perf_counter() < random_end if quota is None else state["tried"] < quota):
            n = int(rng.integers(n_range[0], n_range[1] + 1))
            q = int(rng.integers(q_range[0], q_range[1] + 1))
            alpha = alphas[i % len(alphas)]
            s = int(rng.integers(2**31))
            source = f"random_joint({n},{q},alpha={alpha},seed={s})"
            joint = random_joint(n, q, alpha=alpha, seed=s)
            keep(score(joint, "random", source), source, joint)
            bar.update(1)
            i += 1
        _optimise([(g, src, j) for g, _, src, j in sorted(best, reverse=True)], score, out_of_budget, rng, bar)
    finally:
        bar.close()
    if state["worst"] is None:
        raise InputError(f"no table was evaluated within the budget of {budget:g} s; raise --budget")
    worst = dict(state["worst"])
    table = worst.pop("table")
    report = HuntReport(quantity.describe(), state["tried"], state["violations"], worst, stages,
                        time.perf_counter() - t0, seed)
    if out_dir is not None:
        report.files = _save(out_dir, table, report, quantity, bound, max_memory, bound_file, command)
    return report


def _optimise(starts, score, out_of_budget, rng, bar) -> None:
    """Local optimisation from each of ``starts`` (``(gap, source, joint)``, worst first)."""
    # start-up time: scipy loads on first use, not with import mdmtheory
    from scipy.optimize import minimize

    for _, source, joint in starts:
        if out_of_budget():
            return
        shape = joint.table.shape
        theta0 = np.log(joint.table.ravel() + 1e-3) + 1e-3 * rng.standard_normal(joint.table.size)
        label = f"optimised from {source}"

        def objective(theta):
            if out_of_budget():
                raise _OutOfTime
            p = np.exp(theta - theta.max())
            bar.update(1)
            return -score(Joint(p.reshape(shape), normalize=True), "optimise", label)

        try:
            minimize(objective, theta0, method="L-BFGS-B", options={"maxiter": 30, "maxfun": 2000})
        except _OutOfTime:
            return


def _save(out_dir, table: Joint, report: HuntReport, quantity: Quantity, bound, max_memory=None, bound_file=None,
          command=None) -> dict:
    """Write ``worst.npy`` and ``worst.json`` atomically (never through a planted symlink);
    the record names the bound file and the command that replays the search."""

    out = check_output_dir(out_dir)
    npy, rec = out / "worst.npy", out / "worst.json"
    _, ctx = quantity.evaluate(table, max_memory)
    record = {
        "quantity": quantity.kind,
        "family": quantity.family,
        "sampler": quantity.sampler,
        "params": quantity.params,
        "seed": report.seed,
        "bound_function": getattr(bound, "__module__", None),
        **report.worst,
        "unit": "nats",
        "replay": quantity.replay(str(npy), ctx),
        "bound_file": None if bound_file is None else os.path.abspath(os.fspath(bound_file)),
        "command": command,
    }
    text = json.dumps(to_jsonable(record), allow_nan=False, indent=2) + "\n"
    atomic_write(npy, lambda fh: np.save(fh, table.table))
    atomic_write(rec, lambda fh: fh.write(text.encode()))
    return {"table": str(npy), "record": str(rec)}
