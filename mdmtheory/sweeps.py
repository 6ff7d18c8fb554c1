"""Sweeps: a grid of models x samplers x knobs x seeds as one tidy results table.

A sweep is described by a spec (a TOML file or the same structure as a dict)::

    [sweep]
    base = 2                  # optional: bits (default nats)
    mode = "exact"            # "exact" (default) or "samples" (walk simulation)
    samples = 2000            # mode = "samples": walks per point
    seeds = [0, 1]            # mode = "samples": one row per seed (default [0])
    metrics = ["kl", "tv"]    # optional: default every number the engine reports

    [[model]]                 # a built-in table family ...
    family = "ising_chain"
    n = 8
    h = 0.2
    grid = { J = [0.4, 0.8] } # every key under grid is an axis of the grid

    [[model]]                 # ... a table file (relative to the spec) ...
    table = "tables/t.npy"

    [[model]]                 # ... a random walk on a graph ...
    graph = "cycle:16"
    grid = { length = [64, 256] }

    [[model]]                 # ... or a hidden Markov model (mdmtheory.hmm_families.parse_hmm)
    hmm = "block:8,4"
    length = 1000
    query = "smooth=0.1"      # optional (tables, HMMs): the sampler queries this model spec, measured against the law

    [[model]]                 # ... or a neural network the sampler queries (mdmtheory.models.TorchOracle)
    kind = "torch"            # against its own slow decoding (truth = "model-decoding", the default)
    path = "model_dir"        # or a known truth: hmm = "block:8,4" (same length); keys of --model torch:
    length = 32               # mask_id, vocab = [...], prompt = [...], batch_size, device, dtype; order = [...]

    [[sampler]]
    name = "entropy"
    grid = { steps = "1..n" } # a range "a..b"; "n" is the model's length

Every point is (model, sampler with its parameters, seed); its row holds every input (``model.*``,
``sampler.*``, ``mode``, ``samples``, ``seed``), every metric with ``_low``/``_high`` where the
engine gives an interval, ``unit``, ``seconds``, the package ``version``, ``error`` (empty unless
the point failed) and ``key``, a digest of the inputs and the version.

Engines: tables and HMMs at small length exactly (:func:`mdmtheory.evaluate` on the dense law);
walks exactly (:func:`mdmtheory.walks.exact_walk_metrics`) or by simulation (``mode = "samples"``,
with Wilson intervals); HMMs at any length by unbiased estimates with intervals
(``mode = "samples"``: the fixed orders of ``left_to_right`` and ``bisection``, ``kl``,
``reverse_kl``, ``tv``; ``random``, its ``expected_kl``; every other sampler through
:func:`mdmtheory.estimate_sampler_divergences`, its estimates or ``null`` where none is unbiased).

Executors: in process (``jobs=1``), a local process pool (``jobs=N``), or Dask distributed
(``scheduler=ADDRESS`` or ``dask_local=N`` workers).  Every point is a pure function of its inputs
(seeded), so the table is the same whatever the executor, except the ``seconds`` column.

Resumable: finished rows are appended to a journal ``OUT.journal`` as they arrive; a rerun reads
the table and the journal and computes only the missing rows (and the failed ones again); the
table is written atomically at the end and the journal removed.  An interrupted sweep loses at
most the rows in flight.  A stored row is reused only when its key, its input columns and its
``digest`` (a checksum of its cells) match the point; a damaged journal line or table row is
noted (which line, what was expected) and its point computed again; an existing ``out`` that is
not a sweep's table is refused before any work.

Checked before any work (:mod:`mdmtheory.sweep_checks`): the spec's types, the number of points
(a grid is counted before it is expanded), each exact model's memory against ``max_memory``
(times the workers), the worker counts (lowered to the points and the cores, with a note) and a
scheduler address.  No worker outlives :func:`sweep` (:mod:`mdmtheory.sweep_executors`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

import numpy as np

from . import __version__
from . import joint as _joint
from .errors import InputError, check_memory
from .sampler_estimate import estimate_sampler_divergences
from .exact import evaluate
from .files import atomic_write, check_input_file, check_output_file, open_append
from .oracle_estimates import estimate_fixed_order_divergences, estimate_random_order_kl
from .progress import progress
from .sweep_executors import interrupts_held, run_dask, run_inprocess, run_pool
from .sweep_checks import (
    cell_text, check_scheduler_address, check_spec, grid_size, parse_range, read_csv_rows,
    read_journal, row_digest, row_problem, worker_count,
)
from .samplers import make_sampler
from .sweep_models import (  # noqa: F401 - TABLE_FAMILIES and WALK_KEYS re-exported with the sweeps
    TABLE_FAMILIES, WALK_KEYS, TorchPoint, build_model, query_oracle, run_torch_point,
)
from .walks import exact_walk_metrics, simulate

__all__ = ["sweep", "expand", "build_model", "run_point", "read_table", "write_table", "Point", "SweepResult", "TABLE_FAMILIES"]

#: Columns every row starts with, in this order; the model and sampler inputs, metrics and the
#: trailing columns follow.
LEAD = ("point", "model", "kind")
TRAIL = ("mode", "samples", "seed", "unit", "seconds", "version", "error", "key", "digest")
_SWEEP_KEYS = ("base", "mode", "samples", "seeds", "metrics", "name")


@dataclass(frozen=True)
class Point:
    """One point of a sweep: everything a worker needs to compute its row (picklable)."""

    index: int
    label: str
    model: dict
    sampler: str
    params: dict
    mode: str
    samples: int | None
    seed: int | None
    base: float | None
    metrics: tuple[str, ...] | None
    spec_dir: str
    version: str
    max_memory: float | None = None  # a ceiling for the engines, not an input: not in the key
    nbytes: float = 0.0  # the rough working memory of an exact table or HMM point (not in the key)

    @property
    def key(self) -> str:
        """Digest of every input and the package version: a row is reused only under the same key."""
        inputs = [self.model, self.sampler, self.params, self.mode, self.samples, self.seed, self.base,
                  self.metrics, self.version]
        return hashlib.sha256(_canonical(inputs).encode()).hexdigest()[:16]


@dataclass
class SweepResult:
    """The rows of a sweep (sorted by point) and what it took.

    ``computed`` rows were computed in this call, ``reused`` came from an earlier run's table or
    journal, ``failed`` carry an error message; ``notes`` say what was adjusted or redone.
    """

    rows: list[dict]
    computed: int
    reused: int
    failed: int
    seconds: float
    out: str | None = None
    columns: list[str] = field(default_factory=list)
    unreported: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON summary (without the rows); ``unreported`` lists the requested metrics that no
        point's engine reported (a misspelt name, or a metric of another kind of model); ``notes``
        what was adjusted or redone (a worker count lowered, a damaged stored row computed again)."""
        return {"points": len(self.rows), "computed": self.computed, "reused": self.reused, "failed": self.failed,
                "unreported": self.unreported, "seconds": self.seconds, "out": self.out, "notes": self.notes}

    def __len__(self) -> int:
        """The number of rows (points)."""
        return len(self.rows)

    def __iter__(self):
        """The rows, as :meth:`to_records` gives them."""
        return iter(self.to_records())

    def to_records(self) -> list[dict]:
        """The table without pandas: one dict a row with every column of :attr:`columns`, in that
        order (``None`` where a row has no value).

        Examples
        --------
        >>> r = SweepResult([{"a": 1}, {"a": 2, "b": 3.0}], 2, 0, 0, 0.1, columns=["a", "b"])
        >>> len(r), r.to_records()
        (2, [{'a': 1, 'b': None}, {'a': 2, 'b': 3.0}])
        """
        cols = self.columns or list(dict.fromkeys(k for row in self.rows for k in row))
        return [{c: row.get(c) for c in cols} for row in self.rows]

    def to_pandas(self):
        """The table as a :class:`pandas.DataFrame` (needs pandas, not a dependency: without it,
        :meth:`to_records` gives the same table as dicts)."""
        try:
            # start-up time: pandas (not a dependency) loads only for to_pandas()
            import pandas as pd
        except ImportError:
            raise InputError("to_pandas() needs pandas, which is not installed (pip install pandas); "
                             "to_records() gives the same table as a list of dicts without it") from None
        return pd.DataFrame(self.rows, columns=self.columns)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str, allow_nan=False)


# ----------------------------------------------------------------------------------------------
# the spec


def load_spec(path: str | os.PathLike) -> tuple[dict, str]:
    """Read a TOML spec; returns ``(spec, folder)`` (relative table paths are taken from the folder)."""
    path = check_input_file(path, "a sweep spec", " (a .toml file; `mdmtheory examples --copy DIR` copies example specs)")
    try:
        with open(path, "rb") as fh:
            spec = tomllib.load(fh)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path!r} is not valid TOML ({exc}); the format is in docs/sweeps.md, and `mdmtheory examples --copy DIR` copies example specs") from None
    return spec, os.path.dirname(os.path.abspath(path))


def _axis(key: str, value: Any, n: int | None) -> Sequence:
    """The values of one grid axis: a list, or a range ``"a..b"`` (``b`` may be ``n``), not expanded."""
    if isinstance(value, str) and ".." in value:
        return parse_range(key, value, n)
    if isinstance(value, list):
        if not value:
            raise InputError(f"grid {key} is empty; give at least one value")
        return value
    raise InputError(f"grid {key} takes a list of values or a range 'a..b'; got {value!r}")


def _grid(fixed: Mapping, grid: Mapping, n: int | None = None, what: str = "the grid", already: int = 0) -> list[dict]:
    """Every combination of the grid's axes over ``fixed``, counted (:func:`grid_size`) before it is built."""
    if not isinstance(grid, Mapping):
        raise InputError(f"grid must be a table like grid = {{ J = [0.4, 0.8] }}; got {grid!r}")
    axes = [(k, _axis(k, v, n)) for k, v in grid.items()]
    grid_size([len(vals) for _, vals in axes], what, already)
    out = []
    for combo in itertools.product(*(vals for _, vals in axes)):
        out.append({**fixed, **dict(zip((k for k, _ in axes), combo))})
    return out


def _label(model: Mapping) -> str:
    if "label" in model:
        return str(model["label"])
    if model.get("kind") == "torch":
        return f"torch({model.get('path')}, n={model.get('length')})"
    if "graph" in model:
        return f"walk({model['graph']}, n={model['length']})"
    if "hmm" in model:
        return f"hmm({model['hmm']}, n={model['length']})"
    if "table" in model:
        return str(model["table"])
    args = ",".join(f"{k}={_canonical(v)}" for k, v in model.items() if k != "family")
    return f"{model['family']}({args})"


def expand(spec: Mapping, spec_dir: str = ".", max_memory: float | None = None) -> list[Point]:
    """Every point of a spec, in order (models, then samplers, then grid values, then seeds).

    Each model is built once here (so a bad model or parameter is refused before any work) and
    each sampler parameter set validated by :func:`mdmtheory.samplers.make_sampler`.  Every grid
    is counted before it is built, and a sweep of more than
    :data:`~mdmtheory.sweep_checks.MAX_POINTS` points refused.

    Raises
    ------
    InputError
        An unknown key, family, sampler or parameter, a value of the wrong type (see
        :func:`mdmtheory.sweep_checks.check_spec`), an empty grid or range, too many points, a
        model over ``max_memory``, or a mode the models do not support.
    """
    head, models, samplers = check_spec(spec, {name: getattr(_joint, name) for name in TABLE_FAMILIES})
    unknown = set(spec) - {"sweep", "model", "sampler"}
    if unknown:
        raise InputError(f"unknown section(s) {', '.join(sorted(unknown))}; a spec has [sweep], [[model]], [[sampler]]")
    bad = set(head) - set(_SWEEP_KEYS)
    if bad:
        raise InputError(f"unknown key(s) {', '.join(sorted(bad))} in [sweep]; valid: {', '.join(_SWEEP_KEYS)}")
    mode = head.get("mode", "exact")
    if mode not in ("exact", "samples"):
        raise InputError(f"[sweep] mode is 'exact' or 'samples'; got {mode!r}")
    samples = head.get("samples")
    seeds = head.get("seeds", [0])
    if mode == "samples":
        if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
            raise InputError(f"mode = 'samples' needs samples = a positive integer; got {samples!r}")
        if not isinstance(seeds, list) or not seeds or any(not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in seeds):
            raise InputError(f"seeds is a list of integers >= 0; got {seeds!r}")
    elif samples is not None or "seeds" in head:
        raise InputError("samples and seeds go with mode = 'samples'; exact points use no randomness")
    base = head.get("base")
    if base is not None and (isinstance(base, bool) or not isinstance(base, (int, float)) or not base > 1 or not math.isfinite(base)):
        raise InputError(f"[sweep] base must be a number > 1 (2 for bits); got {base!r}")
    metrics = head.get("metrics")
    if metrics is not None:
        if not isinstance(metrics, list) or not metrics or not all(isinstance(m, str) for m in metrics):
            raise InputError(f"metrics is a non-empty list of names like ['kl', 'tv']; got {metrics!r}")
        metrics = tuple(metrics)
    if not models or not samplers:
        raise InputError("a sweep needs at least one [[model]] and one [[sampler]]")
    runs = len(seeds) if mode == "samples" else 1
    points: list[Point] = []
    for i, model in enumerate(models, 1):
        model = dict(model)
        mpoints = _grid({k: v for k, v in model.items() if k != "grid"}, model.get("grid", {}),
                        what=f"the grid of [[model]] {i}", already=len(points))
        for mpoint in mpoints:
            obj = build_model(mpoint, spec_dir, max_memory)
            query_oracle(mpoint, obj)  # a bad query spec is refused before any work
            nbytes = _model_bytes(obj, mpoint, mode)
            check_memory(nbytes, f"the exact tables of model {_label(mpoint)!r} (n={obj.n})", max_memory)
            if mode == "samples" and _kind(mpoint) == "table":
                raise InputError(
                    f"mode = 'samples' simulates walks and estimates on HMMs; model {_label(mpoint)!r} is a table: "
                    "use mode = 'exact'"
                )
            for s in samplers:
                s = dict(s)
                if "name" not in s:
                    raise InputError(f"a [[sampler]] needs name = ...; got keys {sorted(s)}")
                if set(s) - {"name", "grid", "params"}:
                    raise InputError(f"a [[sampler]] has name, params = {{...}} and grid = {{...}}; got keys {sorted(s)}")
                prms = _grid(dict(s.get("params", {})), s.get("grid", {}), obj.n,
                             what=f"the sweep (at [[sampler]] {s['name']!r})", already=len(points))
                grid_size([len(prms), runs], f"the sweep (at [[sampler]] {s['name']!r})", len(points))
                for prm in prms:
                    sampler = make_sampler(s["name"], **prm)
                    for seed in seeds if mode == "samples" else [None]:
                        points.append(Point(
                            index=len(points), label=_label(mpoint), model=mpoint, sampler=sampler.name,
                            params=dict(sampler.params), mode=mode, samples=samples if mode == "samples" else None,
                            seed=seed, base=base, metrics=metrics, spec_dir=spec_dir, version=__version__,
                            max_memory=max_memory, nbytes=nbytes,
                        ))
    return points


def _model_bytes(obj, model: Mapping, mode: str) -> float:
    """The rough working memory of an exact point on a table or an HMM (the evaluator holds a
    few arrays of ``prod(q_i + 1)`` cells); 0 for walks and estimates (their engines check their own)."""
    if mode != "exact" or _kind(model) in ("walk", "torch"):  # a torch point: its engine checks its own
        return 0.0
    qs = np.broadcast_to(np.asarray(obj.q, dtype=float), (obj.n,))
    with np.errstate(over="ignore"):
        return 8.0 * 4 * float(np.prod(qs + 1.0)) * (1.0 + float(getattr(obj, "h", 0))) + 32.0 * 2.0 ** min(obj.n, 1024)


# ----------------------------------------------------------------------------------------------
# one point


def _kind(model: Mapping) -> str:
    if model.get("kind") == "torch":
        return "torch"
    return "walk" if "graph" in model else "hmm" if "hmm" in model else "table"


def _torch_result(point_obj: TorchPoint, sampler, point: Point):
    """A torch point (:func:`mdmtheory.sweep_torch.run_torch_point`) as a row's metrics."""
    r = run_torch_point(point_obj, sampler, point.mode, point.samples, point.seed, point.base)
    if point.mode == "exact":
        return r
    out = _estimate_row(r)
    out.pop("model", None)
    return out


#: The samplers a sweep estimates on an HMM at scale (``mode = "samples"``) with the fixed-order and
#: random-order estimators of :mod:`mdmtheory.oracle_estimates`; the others go through
#: estimate_sampler_divergences.
def _hmm_estimate(hmm, sampler, point: Point, query=None) -> dict:
    """Unbiased estimates with intervals on an HMM: the fixed order of ``left_to_right`` /
    ``bisection`` (:func:`mdmtheory.oracle_estimates.estimate_fixed_order_divergences`: ``kl``,
    ``reverse_kl``, ``tv``), the random order's ``expected_kl``
    (:func:`mdmtheory.oracle_estimates.estimate_random_order_kl`), or any other sampler's
    :func:`mdmtheory.estimate_sampler_divergences`."""
    n = hmm.n
    if sampler.rule.order == "adaptive" or query is not None:  # adaptive and published samplers (issue 11), a model
        return _estimate_row(estimate_sampler_divergences(hmm, sampler, point.samples, point.seed, point.base, model=query))
    if sampler.rule.order == "random":
        sizes = list(sampler.sizes(n))
        est = estimate_random_order_kl(hmm, sizes, point.samples, point.seed, point.base).to_dict()
        return {"expected_kl": est["value"], "expected_kl_interval": est["interval"], "expected_steps": float(len(sizes)),
                "unit": est["unit"], "estimator": est["estimator"]}
    sets = sampler.fixed_sets(n)
    est = estimate_fixed_order_divergences(hmm, sets, point.samples, point.seed, point.base).to_dict()
    return {**est, "expected_steps": float(len(sets))}


def _estimate_row(est) -> dict:
    """A :class:`~mdmtheory.sampler_estimate.SamplerEstimate` as a row's numbers: its flat keys,
    ``expected_steps`` the expected calls, ``not_estimated`` the reasons in one string."""
    est = est.to_dict()
    out = {k: v for k, v in est.items() if not isinstance(v, dict)}
    out.update(expected_steps=est["expected_calls"], expected_steps_interval=est["expected_calls_interval"])
    if est["not_estimated"]:  # say why a number is missing (e.g. random selections)
        out["not_estimated"] = "; ".join(f"{k}: {why}" for k, why in est["not_estimated"].items())
    return out


def _scalar(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def point_inputs(point: Point) -> dict:
    """The input columns of a point's row (``model`` is its label as the spec spelt it)."""
    row: dict = {"model": point.label, "kind": _kind(point.model)}
    row.update({f"model.{k}": _cell(v) for k, v in point.model.items() if k != "label"})
    row["sampler"] = point.sampler
    row.update({f"sampler.{k}": _cell(v) for k, v in point.params.items()})
    row.update({"mode": point.mode, "samples": point.samples, "seed": point.seed, "version": point.version,
                "key": point.key})
    return row


def run_point(point: Point) -> dict:
    """Compute the row of one point.  Never raises on a failed computation: the row then carries
    ``error`` (the exception's type and message) and no metrics.  Its ``digest``
    (:func:`mdmtheory.sweep_checks.row_digest`) lets a rerun check the row before reusing it."""
    t0 = time.perf_counter()
    inputs = point_inputs(point)
    row: dict = {"point": point.index, **{k: v for k, v in inputs.items() if k not in TRAIL}}
    error = ""
    mem = point.max_memory
    try:
        obj = build_model(point.model, point.spec_dir, mem)
        sampler = make_sampler(point.sampler, **point.params)
        if row["kind"] == "walk":
            if point.mode == "exact":
                result = exact_walk_metrics(obj, sampler, point.base, max_memory=mem)
            else:
                result = simulate(obj, sampler, point.samples, point.seed, point.base, max_memory=mem)
        elif row["kind"] == "torch":
            result = _torch_result(obj, sampler, point)
        elif row["kind"] == "hmm" and point.mode == "samples":
            result = _hmm_estimate(obj, sampler, point, query_oracle(point.model, obj))
        else:
            law = obj.joint(mem) if row["kind"] == "hmm" else obj
            result = evaluate(law, sampler, point.base, max_memory=mem, model=query_oracle(point.model, law))
        result = result.to_dict() if hasattr(result, "to_dict") else dict(result)
        names = point.metrics or [k for k, v in result.items() if _scalar(v) and k not in ("samples", "seed", "length", "q")]
        metrics: dict = {}
        for name in names:  # a metric this engine does not report stays empty
            value = result.get(name)
            metrics[name] = float(value) if _scalar(value) else _cell(value)
            interval = result.get(f"{name}_interval")
            if interval is not None:
                metrics[f"{name}_low"], metrics[f"{name}_high"] = float(interval[0]), float(interval[1])
        if result.get("not_estimated"):  # why a requested number is empty, whatever the metrics
            metrics["not_estimated"] = result["not_estimated"]
        row.update(metrics)
        unit = result.get("unit")
    except Exception as exc:  # a failed point is a row with its error, not a crashed sweep
        error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        unit = None
    row.update({"mode": point.mode, "samples": point.samples, "seed": point.seed, "unit": unit,
                "seconds": time.perf_counter() - t0, "version": point.version, "error": error, "key": point.key})
    row["digest"] = row_digest(row)
    return row


def _cell(v: Any) -> Any:
    """A table cell: scalars as they are, anything else as compact JSON."""
    if v is None or isinstance(v, (str, bool, int, float)):
        return v
    return _canonical(v)


# ----------------------------------------------------------------------------------------------
# tables


def columns_of(rows: Sequence[dict]) -> list[str]:
    """The union of the rows' columns: LEAD, inputs, metrics (first-seen order), TRAIL."""
    seen: dict[str, None] = {}
    for r in rows:
        for k in r:
            seen.setdefault(k, None)
    middle = [k for k in seen if k not in LEAD and k not in TRAIL]
    inputs = [k for k in middle if k.startswith("model.")] + ["sampler"] * ("sampler" in middle)
    inputs += [k for k in middle if k.startswith("sampler.")]
    metrics = [k for k in middle if k not in inputs]
    return [k for k in LEAD if k in seen] + inputs + metrics + [k for k in TRAIL if k in seen]


def write_table(rows: Sequence[dict], path: str | os.PathLike) -> list[str]:
    """Write ``rows`` to ``path`` atomically (a temporary file in the same folder, then a rename):
    Parquet for ``.parquet`` (needs pyarrow), CSV otherwise.  Returns the columns."""
    path = Path(path)
    cols = columns_of(rows)
    if path.suffix == ".parquet":
        try:
            # start-up time: pyarrow (optional) loads only for a Parquet table
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise InputError(f"writing {str(path)!r} needs pyarrow (pip install pyarrow); or give a .csv path") from None
        buf = io.BytesIO()
        pq.write_table(pa.Table.from_pylist([{c: r.get(c) for c in cols} for r in rows]), buf)
        data = buf.getvalue()
    else:
        text = io.StringIO()
        w = csv.writer(text, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([cell_text(r.get(c)) for c in cols])
        data = text.getvalue().encode()
    atomic_write(path, lambda fh: fh.write(data))
    return cols


def read_table(path: str | os.PathLike, required: Sequence[str] = ()) -> list[dict]:
    """The rows of a table (CSV or Parquet), numbers parsed back, text columns
    (:data:`~mdmtheory.sweep_checks.TEXT_COLUMNS`) kept as text.

    Raises
    ------
    InputError
        A file that is not a table (not UTF-8, NUL bytes, ragged or badly quoted rows, empty, not
        Parquet), or that lacks a ``required`` column.
    """
    path = Path(check_input_file(path, "a table written by mdmtheory sweep"))
    fix = "give a table written by mdmtheory sweep"
    if path.suffix == ".parquet":
        try:
            # start-up time: pyarrow (optional) loads only for a Parquet table
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise InputError(f"reading {str(path)!r} needs pyarrow (pip install pyarrow)") from None
        try:
            table = pq.read_table(path)
            rows = table.to_pylist()
        except (pa.ArrowException, OSError, ValueError, TypeError) as exc:
            raise InputError(f"{str(path)!r} is not a readable Parquet table ({' '.join(str(exc).split())[:200]}); {fix}") from None
        columns = list(table.column_names)
        if any(not isinstance(c, str) or not c.strip() for c in columns) or len(set(columns)) != len(columns):
            raise InputError(f"{str(path)!r}: the columns have empty or repeated names; {fix}")
    else:
        rows = read_csv_rows(str(path))
        columns = list(rows[0]) if rows else []
        if not rows:
            with open(path, encoding="utf-8-sig") as fh:
                columns = next(csv.reader(fh), [])
    missing = [c for c in required if c not in columns]
    if missing:
        raise InputError(f"{str(path)!r} is not a table written by mdmtheory sweep: no column(s) {', '.join(missing)}; "
                         "move it away or choose another --out")
    return rows


def sweep(
    spec: Mapping | str | os.PathLike,
    out: str | os.PathLike | None = None,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    dask_local: int | None = None,
    show_progress: bool = True,
    max_memory: float | None = None,
    scheduler_timeout: float = 10.0,
    on_note: Callable[[str], None] | None = None,
) -> SweepResult:
    """Run every point of a sweep spec and return (and, with ``out``, write) the results table.

    Parameters
    ----------
    spec : dict or path
        The spec (see the module docstring), or the path of a TOML file.
    out : path, optional
        The table to write (``.csv``, or ``.parquet`` with pyarrow).  With ``out``, rows already in
        that table or its journal ``OUT.journal`` under the same key are reused, not recomputed.
    jobs : int
        Local worker processes (1: in this process).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``).
    dask_local : int, optional
        Start a Dask ``LocalCluster`` with this many single-threaded worker processes.
    show_progress : bool
        A progress bar (rows done, failed, time to go) on a terminal.
    max_memory : float, optional
        Memory ceiling in bytes (default 4 GiB): each model's exact tables are checked against
        it before any work (times the number of workers), and each point's engine runs under it.
    scheduler_timeout : float
        Seconds to reach the ``scheduler`` before giving up with an error (default 10).
    on_note : callable, optional
        Called with each note (a worker count lowered to the points or the cores, a damaged
        journal line or table row computed again); the notes are also in ``SweepResult.notes``.

    Returns
    -------
    SweepResult
        ``rows`` sorted by point; :meth:`SweepResult.to_pandas` gives a DataFrame.

    Raises
    ------
    InputError
        A bad spec (before any work), too many points or workers (more than
        :data:`~mdmtheory.sweep_checks.MAX_POINTS` or
        :data:`~mdmtheory.sweep_checks.MAX_WORKERS`), a model over ``max_memory``, bad executor
        options or scheduler address, an unreachable scheduler, an unwritable ``out``, or an
        existing ``out`` that is not a table a sweep wrote.

    Notes
    -----
    Rows are the same whatever the executor (except ``seconds``).  Failed points become rows
    with ``error`` set; a rerun computes them again.  A stored row is reused only when its key,
    input columns and digest match the point (:func:`mdmtheory.sweep_checks.row_problem`); any
    other is noted and computed again.  Workers are stopped (not awaited) on an error or Ctrl-C.

    Examples
    --------
    >>> spec = {"model": [{"family": "copy", "n": 3}],
    ...         "sampler": [{"name": "confidence", "grid": {"steps": "1..n"}}],
    ...         "sweep": {"base": 2, "metrics": ["kl"]}}
    >>> [(r["sampler.steps"], round(r["kl"], 12)) for r in sweep(spec, show_progress=False).rows]
    [(1, 2.0), (2, 1.0), (3, 0.0)]
    """
    t0 = time.perf_counter()
    spec_dir = "."
    notes: list[str] = []

    def note(text: str) -> None:
        notes.append(text)
        if on_note is not None:
            on_note(text)

    if not isinstance(spec, Mapping):
        if not isinstance(spec, (str, os.PathLike)):
            raise InputError(f"a sweep spec is a dict or the path of a .toml file; got {type(spec).__name__}")
        spec, spec_dir = load_spec(spec)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InputError(f"jobs must be a positive integer; got {jobs!r}")
    if scheduler is not None and dask_local is not None:
        raise InputError("give a Dask scheduler address or dask_local workers, not both")
    if dask_local is not None and (isinstance(dask_local, bool) or not isinstance(dask_local, int) or dask_local < 1):
        raise InputError(f"dask_local must be a positive number of workers; got {dask_local!r}")
    if (scheduler is not None or dask_local is not None) and jobs != 1:
        raise InputError("jobs goes with the local process pool; with Dask the workers are the cluster's")
    if scheduler is not None:
        scheduler = check_scheduler_address(scheduler)
    if (isinstance(scheduler_timeout, bool) or not isinstance(scheduler_timeout, (int, float))
            or not 0 < scheduler_timeout < 3600):
        raise InputError(f"the scheduler timeout is a number of seconds in (0, 3600); got {scheduler_timeout!r}")
    check_memory(0.0, "a sweep", max_memory)  # a bad max_memory is refused here
    for flag, n in (("jobs", jobs), ("dask_local", dask_local)):
        if n is not None:
            worker_count(n, 1, flag)  # more than MAX_WORKERS is refused before the spec is expanded
    if out is not None:
        if not isinstance(out, (str, os.PathLike)) or not os.fspath(out).strip():
            raise InputError(f"the output table must be a path like results.csv; got {out!r}")
        out = Path(out)
        if out.suffix == ".parquet":
            try:
                # start-up time: pyarrow (optional): checked only when the output is Parquet
                import pyarrow  # noqa: F401
            except ImportError:
                raise InputError(f"writing {str(out)!r} needs pyarrow (pip install pyarrow); or give a .csv path") from None
        check_output_file(out)
        check_output_file(out.with_name(out.name + ".journal"))
    points = expand(spec, spec_dir, max_memory)
    wanted = {p.key: p for p in points}
    reused: dict[str, dict] = {}
    journal = None
    if out is not None:
        journal = out.with_name(out.name + ".journal")
        if out.is_file():
            check_memory(8.0 * out.stat().st_size, f"reading the table {str(out)!r}", max_memory)
        old = [(f"{out.name} row {i}", r) for i, r in enumerate(read_table(out, required=_REQUIRED) if out.is_file() else [], 1)]
        lines, damaged = read_journal(journal, max_memory)
        for problem in damaged:
            note(f"{journal.name} {problem}; the point it held (if any) is computed again")
        problems: list[tuple[str, str]] = []
        for where, r in old + [(f"{journal.name} line {i}", r) for i, r in lines]:
            p = wanted.get(str(r.get("key")))
            if p is None or r.get("error"):
                continue  # another spec's or version's row, or a failed one: not reused
            problem = row_problem(r, point_inputs(p))
            if problem is None:
                reused[p.key] = {**r, **point_inputs(p), "point": p.index, "error": ""}  # the spec's spelling
            else:
                problems.append((p.key, f"{where}: {problem}"))
        for key, problem in problems:
            note(f"{problem}; {'a whole copy of that row is reused' if key in reused else 'that point is computed again'}")
    todo = [p for k, p in wanted.items() if k not in reused]
    workers = 1
    if todo and (jobs > 1 or dask_local is not None):
        flag = "--jobs" if dask_local is None else "--dask-local"
        workers, lowered = worker_count(jobs if dask_local is None else dask_local, len(todo), flag)
        if lowered:
            note(lowered)
    largest = max(todo, key=lambda p: p.nbytes, default=None)
    if largest is not None and workers > 1:
        check_memory(workers * largest.nbytes, f"{workers} workers each computing a point like "
                     f"{largest.label!r} (fewer workers need less)", max_memory)
    new: list[dict] = []
    failed = 0
    with interrupts_held():  # tqdm's lock may start multiprocessing's resource tracker: not half-started on Ctrl-C
        bar = progress(total=len(todo), desc="sweep", unit="row", show=show_progress)
    fh = open_append(journal) if journal is not None and todo else None

    def on_row(row: dict) -> None:
        nonlocal failed
        new.append(row)
        failed += bool(row["error"])
        if fh is not None:
            fh.write(json.dumps(row, allow_nan=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        bar.set_postfix(failed=failed, refresh=False)
        bar.update()

    try:
        if not todo:
            pass
        elif scheduler is not None or dask_local is not None:
            run_dask(run_point, todo, on_row, scheduler, workers if dask_local is not None else None, float(scheduler_timeout))
        elif workers > 1:
            run_pool(run_point, todo, on_row, workers)
        else:
            run_inprocess(run_point, todo, on_row)
    finally:
        bar.close()
        if fh is not None:
            fh.close()
    rows = sorted([*reused.values(), *new], key=lambda r: r["point"])
    requested = points[0].metrics or ()
    unreported = [m for m in requested if all(r.get(m) is None for r in rows if not r["error"])]
    result = SweepResult(rows, computed=len(new), reused=len(reused), failed=failed, seconds=0.0,
                         out=None if out is None else str(out), columns=columns_of(rows), unreported=unreported,
                         notes=notes)
    if out is not None:
        write_table(rows, out)
        if journal is not None:
            journal.unlink(missing_ok=True)
    result.seconds = time.perf_counter() - t0
    return result


#: Columns an existing ``--out`` table must have to be taken for a sweep's table.
_REQUIRED = ("point", "model", "kind", "sampler", "version", "error", "key")
