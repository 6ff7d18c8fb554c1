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
most the rows in flight.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import math
import multiprocessing
import os
import time
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from . import __version__
from . import joint as _joint
from .errors import InputError
from .sampler_estimate import estimate_sampler_divergences
from .exact import evaluate
from .files import atomic_write, check_input_file, check_output_file, open_append
from .hmm_families import parse_hmm
from .oracle_estimates import estimate_fixed_order_divergences, estimate_random_order_kl
from .joint import load_joint
from .markov import random_walk
from .models import model_oracle
from .progress import progress
from .samplers import make_sampler
from .walks import exact_walk_metrics, simulate

__all__ = ["sweep", "expand", "build_model", "run_point", "read_table", "write_table", "Point", "SweepResult", "TABLE_FAMILIES"]

#: Built-in table families a spec may name (``family = ...``): the constructors of :mod:`mdmtheory.joint`.
TABLE_FAMILIES = (
    "product", "random_joint", "copy", "parity", "linear_code", "reed_solomon", "mixture_of_products",
    "ising_chain", "markov_chain",
)
#: Keys of a walk model besides ``graph`` and ``length``.
WALK_KEYS = ("start", "lazy", "weighted")
#: Columns every row starts with, in this order; the model and sampler inputs, metrics and the
#: trailing columns follow.
LEAD = ("point", "model", "kind")
TRAIL = ("mode", "samples", "seed", "unit", "seconds", "version", "error", "key")
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
    journal, ``failed`` carry an error message.
    """

    rows: list[dict]
    computed: int
    reused: int
    failed: int
    seconds: float
    out: str | None = None
    columns: list[str] = field(default_factory=list)
    unreported: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON summary (without the rows); ``unreported`` lists the requested metrics that no
        point's engine reported (a misspelt name, or a metric of another kind of model)."""
        return {"points": len(self.rows), "computed": self.computed, "reused": self.reused, "failed": self.failed,
                "unreported": self.unreported, "seconds": self.seconds, "out": self.out}

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


def _axis(key: str, value: Any, n: int | None) -> list:
    """The values of one grid axis: a list, or a range ``"a..b"`` (``b`` may be ``n``)."""
    if isinstance(value, str) and ".." in value:
        lo, _, hi = value.partition("..")
        try:
            a = int(lo)
            b = n if hi.strip() == "n" else int(hi)
        except ValueError:
            raise InputError(f"grid {key} = {value!r}: a range is 'a..b' with integers (b may be n)") from None
        if b is None:
            raise InputError(f"grid {key} = {value!r}: 'n' is only known for a model, not here")
        return list(range(a, b + 1))
    if isinstance(value, list):
        if not value:
            raise InputError(f"grid {key} is empty; give at least one value")
        return value
    raise InputError(f"grid {key} takes a list of values or a range 'a..b'; got {value!r}")


def _grid(fixed: Mapping, grid: Mapping, n: int | None = None) -> list[dict]:
    if not isinstance(grid, Mapping):
        raise InputError(f"grid must be a table like grid = {{ J = [0.4, 0.8] }}; got {grid!r}")
    axes = [(k, _axis(k, v, n)) for k, v in grid.items()]
    out = []
    for combo in itertools.product(*(vals for _, vals in axes)):
        out.append({**fixed, **dict(zip((k for k, _ in axes), combo))})
    return out


#: Keys of a torch model point (``kind = "torch"``).
TORCH_KEYS = ("kind", "path", "length", "mask_id", "vocab", "prompt", "batch_size", "device", "dtype", "truth", "order",
              "hmm", "label")


@dataclass(frozen=True)
class TorchPoint:
    """A torch model point: the network the sampler queries and the truth it is compared with
    (``None``: its own slow decoding, :class:`mdmtheory.decoding.ModelDecodingLaw`)."""

    oracle: Any
    truth: Any
    order: Any

    @property
    def n(self) -> int:
        return int(self.oracle.n)


def _build_torch(model: dict, spec_dir: str) -> TorchPoint:
    # start-up time: torch (through models.torch_model) loads only for a torch point
    from .models import torch_model
    from .torch_oracle import BUILTIN_MODELS  # start-up time: as above (torch is importable: torch_model checked it)

    unknown = set(model) - set(TORCH_KEYS)
    if unknown:
        raise InputError(f"unknown key(s) {', '.join(sorted(unknown))} in a torch model; valid: {', '.join(TORCH_KEYS)}")
    if "path" not in model or "length" not in model:
        raise InputError("a torch model needs path = FOLDER, FILE.pt or a built-in name, and length = N")
    truth = model.get("truth", "hmm" if "hmm" in model else "model-decoding")
    if truth not in ("model-decoding", "hmm") or (truth == "hmm") != ("hmm" in model):
        raise InputError(f"a torch model's truth is 'model-decoding' (its own slow decoding) or an HMM given as hmm = SPEC; "
                         f"got truth = {truth!r}")
    if truth == "hmm" and "order" in model:
        raise InputError("order = [...] is the slow decoding order of truth = 'model-decoding'; drop it with hmm = SPEC")
    opts = {k: model[k] for k in ("mask_id", "vocab", "prompt", "batch_size", "device", "dtype") if k in model}
    text = ",".join([_torch_path(str(model["path"]), spec_dir, BUILTIN_MODELS)] + [
        f"{k}={':'.join(str(v) for v in val) if isinstance(val, list) else val}" for k, val in opts.items()])
    oracle = torch_model(text, model["length"])
    hmm = parse_hmm(_hmm_path(str(model["hmm"]), spec_dir), model["length"]) if "hmm" in model else None
    if hmm is not None and set(oracle.q) != {int(hmm.q)}:
        raise InputError(f"the torch model's alphabet sizes {list(oracle.q)} differ from the HMM's q = {hmm.q}; give vocab = "
                         "a list of that many token ids")
    return TorchPoint(oracle, hmm, model.get("order"))


def _torch_path(path: str, spec_dir: str, builtin) -> str:
    if path in builtin or os.path.isabs(path):
        return path
    return os.path.join(spec_dir, path)


def _hmm_path(spec: str, spec_dir: str) -> str:
    return os.path.join(spec_dir, spec) if spec.lower().endswith(".npz") and not os.path.isabs(spec) else spec


def _build_model(model: Mapping, spec_dir: str):
    """The model object of one model point: a :class:`~mdmtheory.joint.Joint`, a chain, an HMM
    or a :class:`TorchPoint`."""
    model = dict(model)
    if model.get("kind") == "torch":
        return _build_torch(model, spec_dir)
    if "kind" in model:
        raise InputError(f"kind = {model['kind']!r}: the one model kind is 'torch' (tables, walks and HMMs need no kind)")
    model.pop("query", None)  # the model the sampler queries: _query_oracle
    if "graph" in model:
        if "length" not in model:
            raise InputError(f"walk model {model['graph']!r} needs a length (length = 64 or grid = {{ length = [...] }})")
        unknown = set(model) - {"graph", "length", "label", *WALK_KEYS}
        if unknown:
            raise InputError(f"unknown key(s) {', '.join(sorted(unknown))} in walk model; valid: graph, length, {', '.join(WALK_KEYS)}")
        return random_walk(model["graph"], model["length"], start=model.get("start", "stationary"),
                           lazy=model.get("lazy", 0.0), weighted=model.get("weighted", False))
    if "hmm" in model:
        if "length" not in model or set(model) - {"hmm", "length", "label"}:
            raise InputError(f"an HMM model has hmm = SPEC and length = N (and label); got keys {sorted(model)}")
        spec = str(model["hmm"])
        if spec.lower().endswith(".npz") and not os.path.isabs(spec):
            spec = os.path.join(spec_dir, spec)
        return parse_hmm(spec, model["length"])
    if "table" in model:
        if set(model) - {"table", "label"}:
            raise InputError("a table model has only table = PATH (and label)")
        path = model["table"] if os.path.isabs(model["table"]) else os.path.join(spec_dir, model["table"])
        return load_joint(path)
    if "family" in model:
        name = model["family"]
        if name not in TABLE_FAMILIES:
            raise InputError(f"unknown table family {name!r}; valid families: {', '.join(TABLE_FAMILIES)}")
        kwargs = {k: v for k, v in model.items() if k not in ("family", "label")}
        try:
            return getattr(_joint, name)(**kwargs)
        except TypeError as exc:
            raise InputError(f"family {name}: {exc}") from None
    raise InputError(f"a model needs family = NAME, table = PATH, graph = SPEC or hmm = SPEC; got keys {sorted(model)}")


def build_model(model: Mapping, spec_dir: str = "."):
    """The law of one ``[[model]]`` entry of a spec as a sweep builds it (``query`` ignored);
    :class:`InputError` on a bad entry.  ``build_model({"family": "copy", "n": 3}).n == 3``."""
    return _build_model(model, spec_dir)


def _query_oracle(model: Mapping, obj):
    """The oracle the sampler queries (``query = SPEC``, :func:`mdmtheory.models.model_oracle`
    over the law ``obj``), or ``None`` (the law itself)."""
    spec = model.get("query")
    if spec is None:
        return None
    if "graph" in model:
        raise InputError(f"query = {spec!r}: a queried model goes with a table or an HMM, not a walk (graph)")
    return model_oracle(str(spec), obj)


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


def expand(spec: Mapping, spec_dir: str = ".") -> list[Point]:
    """Every point of a spec, in order (models, then samplers, then grid values, then seeds).

    Each model is built once here (so a bad model or parameter is refused before any work) and
    each sampler parameter set validated by :func:`mdmtheory.samplers.make_sampler`.

    Raises
    ------
    InputError
        An unknown key, family, sampler or parameter, an empty grid, or a mode the models do not
        support.
    """
    if not isinstance(spec, Mapping):
        raise InputError("a sweep spec is a table with [sweep], [[model]] and [[sampler]] sections")
    unknown = set(spec) - {"sweep", "model", "sampler"}
    if unknown:
        raise InputError(f"unknown section(s) {', '.join(sorted(unknown))}; a spec has [sweep], [[model]], [[sampler]]")
    head = dict(spec.get("sweep", {}))
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
    models, samplers = spec.get("model", []), spec.get("sampler", [])
    if not models or not samplers:
        raise InputError("a sweep needs at least one [[model]] and one [[sampler]]")
    points: list[Point] = []
    for model in models:
        model = dict(model)
        for mpoint in _grid({k: v for k, v in model.items() if k != "grid"}, model.get("grid", {})):
            obj = _build_model(mpoint, spec_dir)
            _query_oracle(mpoint, obj)  # a bad query spec is refused before any work
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
                for prm in _grid(dict(s.get("params", {})), s.get("grid", {}), obj.n):
                    sampler = make_sampler(s["name"], **prm)
                    for seed in seeds if mode == "samples" else [None]:
                        points.append(Point(
                            index=len(points), label=_label(mpoint), model=mpoint, sampler=sampler.name,
                            params=dict(sampler.params), mode=mode, samples=samples if mode == "samples" else None,
                            seed=seed, base=base, metrics=metrics, spec_dir=spec_dir, version=__version__,
                        ))
    return points


# ----------------------------------------------------------------------------------------------
# one point


def _kind(model: Mapping) -> str:
    if model.get("kind") == "torch":
        return "torch"
    return "walk" if "graph" in model else "hmm" if "hmm" in model else "table"


def _torch_result(point_obj: TorchPoint, sampler, point: Point):
    """A torch point: the sampler on the network against its own slow decoding
    (:func:`mdmtheory.decoding.decoding_loss`) or against the HMM, exactly (``mode = "exact"``:
    the dense law) or by the estimates (``mode = "samples"``)."""
    # start-up time: the decoding engine loads only for a torch point
    from .decoding import decoding_loss

    o, truth = point_obj.oracle, point_obj.truth
    if point.mode == "exact":
        if truth is None:
            return decoding_loss(o, sampler, point_obj.order, base=point.base)
        return evaluate(truth.joint(), sampler, point.base, model=o)
    if truth is None:
        est = decoding_loss(o, sampler, point_obj.order, samples=point.samples, seed=point.seed, base=point.base)
    else:
        est = estimate_sampler_divergences(truth, sampler, point.samples, point.seed, point.base, model=o)
    out = _estimate_row(est)
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


def run_point(point: Point) -> dict:
    """Compute the row of one point.  Never raises on a failed computation: the row then carries
    ``error`` (the exception's type and message) and no metrics."""
    t0 = time.perf_counter()
    row: dict = {"point": point.index, "model": point.label, "kind": _kind(point.model)}
    row.update({f"model.{k}": _cell(v) for k, v in point.model.items() if k != "label"})
    row["sampler"] = point.sampler
    row.update({f"sampler.{k}": _cell(v) for k, v in point.params.items()})
    error = ""
    try:
        obj = _build_model(point.model, point.spec_dir)
        sampler = make_sampler(point.sampler, **point.params)
        if row["kind"] == "walk":
            if point.mode == "exact":
                result = exact_walk_metrics(obj, sampler, point.base)
            else:
                result = simulate(obj, sampler, point.samples, point.seed, point.base)
        elif row["kind"] == "torch":
            result = _torch_result(obj, sampler, point)
        elif row["kind"] == "hmm" and point.mode == "samples":
            result = _hmm_estimate(obj, sampler, point, _query_oracle(point.model, obj))
        else:
            law = obj.joint() if row["kind"] == "hmm" else obj
            result = evaluate(law, sampler, point.base, model=_query_oracle(point.model, law))
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


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "inf" if v == math.inf else "-inf" if v == -math.inf else "nan" if v != v else repr(v)
    return str(v)


def _parse(text: str) -> Any:
    if text == "":
        return None
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            continue
    return text


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
            w.writerow([_text(r.get(c)) for c in cols])
        data = text.getvalue().encode()
    atomic_write(path, lambda fh: fh.write(data))
    return cols


def read_table(path: str | os.PathLike) -> list[dict]:
    """The rows of a sweep table (CSV or Parquet), numbers parsed back."""
    path = Path(check_input_file(path, "a table written by mdmtheory sweep"))
    if path.suffix == ".parquet":
        try:
            # start-up time: pyarrow (optional) loads only for a Parquet table
            import pyarrow.parquet as pq
        except ImportError:
            raise InputError(f"reading {str(path)!r} needs pyarrow (pip install pyarrow)") from None
        return pq.read_table(path).to_pylist()
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return [{k: _parse(v) for k, v in r.items()} for r in csv.DictReader(fh)]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{str(path)!r} is not a CSV table written by mdmtheory sweep ({exc})") from None


def _journal_rows(path: Path) -> list[dict]:
    rows = []
    if path.is_file():
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    break  # a line cut by an interruption: the rows before it are whole
    return rows


# ----------------------------------------------------------------------------------------------
# executors


def _inprocess(points: Sequence[Point], on_row: Callable[[dict], None]) -> None:
    for p in points:
        on_row(run_point(p))


def _pool(points: Sequence[Point], on_row: Callable[[dict], None], jobs: int) -> None:
    ex = futures.ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))
    try:
        for fut in futures.as_completed([ex.submit(run_point, p) for p in points]):
            on_row(fut.result())
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def _dask(points: Sequence[Point], on_row: Callable[[dict], None], scheduler: str | None, workers: int | None) -> None:
    try:
        # start-up time: dask (the optional [dask] extra) loads only for its executor
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError("the Dask executor needs dask.distributed: pip install 'mdmtheory[dask]'") from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        with Client(cluster if cluster is not None else scheduler) as client:
            futures = client.map(run_point, list(points), pure=False)
            try:
                for fut in as_completed(futures):
                    on_row(fut.result())
            finally:
                client.cancel(futures)
    finally:
        if cluster is not None:
            cluster.close()


def sweep(
    spec: Mapping | str | os.PathLike,
    out: str | os.PathLike | None = None,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    dask_local: int | None = None,
    show_progress: bool = True,
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

    Returns
    -------
    SweepResult
        ``rows`` sorted by point; :meth:`SweepResult.to_pandas` gives a DataFrame.

    Raises
    ------
    InputError
        A bad spec (before any work), bad executor options, or an unwritable ``out``.

    Notes
    -----
    Rows are the same whatever the executor (except ``seconds``).  Failed points become rows
    with ``error`` set; a rerun computes them again.

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
    points = expand(spec, spec_dir)
    done: dict[str, dict] = {}
    journal = None
    if out is not None:
        out = Path(out)
        if out.suffix == ".parquet":
            try:
                # start-up time: pyarrow (optional): checked only when the output is Parquet
                import pyarrow  # noqa: F401
            except ImportError:
                raise InputError(f"writing {str(out)!r} needs pyarrow (pip install pyarrow); or give a .csv path") from None
        check_output_file(out)
        check_output_file(out.with_name(out.name + ".journal"))
        journal = out.with_name(out.name + ".journal")
        old = read_table(out) if out.is_file() else []
        for r in old + _journal_rows(journal):
            if not r.get("error") and r.get("key") is not None:
                done[str(r["key"])] = r
    wanted = {p.key: p for p in points}
    reused = {k: dict(done[k], point=p.index) for k, p in wanted.items() if k in done}
    todo = [p for k, p in wanted.items() if k not in done]
    new: list[dict] = []
    failed = 0
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
            _dask(todo, on_row, scheduler, dask_local)
        elif jobs > 1:
            _pool(todo, on_row, jobs)
        else:
            _inprocess(todo, on_row)
    finally:
        bar.close()
        if fh is not None:
            fh.close()
    rows = sorted([*reused.values(), *new], key=lambda r: r["point"])
    requested = points[0].metrics or ()
    unreported = [m for m in requested if all(r.get(m) is None for r in rows if not r["error"])]
    result = SweepResult(rows, computed=len(new), reused=len(reused), failed=failed, seconds=0.0,
                         out=None if out is None else str(out), columns=columns_of(rows), unreported=unreported)
    if out is not None:
        write_table(rows, out)
        if journal is not None:
            journal.unlink(missing_ok=True)
    result.seconds = time.perf_counter() - t0
    return result
