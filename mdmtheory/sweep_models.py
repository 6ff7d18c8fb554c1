"""The model points of a sweep (``[[model]]``): tables, walks, HMMs, a queried model
(``query = SPEC``) and torch networks (``kind = "torch"``: the network the sampler queries and the
truth it is measured against, its own slow decoding,
:class:`mdmtheory.decoding.ModelDecodingLaw`, or an HMM; torch loads only when such a point is
built, :func:`mdmtheory.models.torch_model`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from typing import Mapping

from . import joint as _joint
from ._lazy import lazy_function
from .errors import InputError
from .hmm_families import parse_hmm
from .joint import load_joint
from .markov import random_walk
from .models import model_oracle

__all__ = ["TABLE_FAMILIES", "WALK_KEYS", "TORCH_KEYS", "TorchPoint", "build_model", "query_oracle", "build_torch_point",
           "hmm_path", "run_torch_point"]

#: Built-in table families a spec may name (``family = ...``): the constructors of :mod:`mdmtheory.joint`.
TABLE_FAMILIES = (
    "product", "random_joint", "copy", "parity", "linear_code", "reed_solomon", "mixture_of_products",
    "ising_chain", "markov_chain",
)
#: Keys of a walk model besides ``graph`` and ``length``.
WALK_KEYS = ("start", "lazy", "weighted")

# start-up time: the engines load on the first torch point
decoding_loss = lazy_function("mdmtheory.decoding", "decoding_loss")
evaluate = lazy_function("mdmtheory.exact", "evaluate")
estimate_sampler_divergences = lazy_function("mdmtheory.sampler_estimate", "estimate_sampler_divergences")


def build_model(model: Mapping, spec_dir: str = ".", max_memory: float | None = None):
    """The law of one ``[[model]]`` entry of a spec as a sweep builds it (``query`` ignored): a
    :class:`~mdmtheory.joint.Joint`, a chain, an HMM or a :class:`TorchPoint`; relative paths from
    ``spec_dir``; tables loaded under ``max_memory``.

    Raises
    ------
    InputError
        A bad entry (unknown keys, a missing length, an unknown family), naming the fix.

    Examples
    --------
    >>> build_model({"family": "copy", "n": 3}).n
    3
    """
    model = dict(model)
    if model.get("kind") == "torch":
        return build_torch_point(model, spec_dir)
    if "kind" in model:
        raise InputError(f"kind = {model['kind']!r}: the one model kind is 'torch' (tables, walks and HMMs need no kind)")
    model.pop("query", None)  # the model the sampler queries: query_oracle
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
        return parse_hmm(hmm_path(str(model["hmm"]), spec_dir), model["length"])
    if "table" in model:
        if set(model) - {"table", "label"}:
            raise InputError("a table model has only table = PATH (and label)")
        path = model["table"] if os.path.isabs(model["table"]) else os.path.join(spec_dir, model["table"])
        return load_joint(path, max_memory)
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


def query_oracle(model: Mapping, obj):
    """The oracle the sampler queries (``query = SPEC``, :func:`mdmtheory.models.model_oracle`
    over the law ``obj``), or ``None`` (the law itself).

    Raises
    ------
    InputError
        A query on a walk, or a bad model spec.
    """
    spec = model.get("query")
    if spec is None:
        return None
    if "graph" in model:
        raise InputError(f"query = {spec!r}: a queried model goes with a table or an HMM, not a walk (graph)")
    return model_oracle(str(spec), obj)


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


def build_torch_point(model: dict, spec_dir: str) -> TorchPoint:
    """The :class:`TorchPoint` of a sweep's ``kind = "torch"`` model table (keys :data:`TORCH_KEYS`;
    relative paths from ``spec_dir``).

    Raises
    ------
    InputError
        An unknown key, a missing ``path`` or ``length``, a bad truth, or a network whose alphabet
        differs from the HMM's.
    """
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
    text = ",".join([_network_path(str(model["path"]), spec_dir, BUILTIN_MODELS)] + [
        f"{k}={':'.join(str(v) for v in val) if isinstance(val, list) else val}" for k, val in opts.items()])
    oracle = torch_model(text, model["length"])
    hmm = parse_hmm(hmm_path(str(model["hmm"]), spec_dir), model["length"]) if "hmm" in model else None
    if hmm is not None and set(oracle.q) != {int(hmm.q)}:
        raise InputError(f"the torch model's alphabet sizes {list(oracle.q)} differ from the HMM's q = {hmm.q}; give vocab = "
                         "a list of that many token ids")
    return TorchPoint(oracle, hmm, model.get("order"))


def _network_path(path: str, spec_dir: str, builtin) -> str:
    if path in builtin or os.path.isabs(path):
        return path
    return os.path.join(spec_dir, path)


def hmm_path(spec: str, spec_dir: str) -> str:
    """An HMM spec with a relative ``.npz`` path taken from ``spec_dir``."""
    return os.path.join(spec_dir, spec) if spec.lower().endswith(".npz") and not os.path.isabs(spec) else spec


def run_torch_point(point_obj: TorchPoint, sampler, mode: str, samples: int, seed: int, base):
    """A torch point: the sampler on the network against its own slow decoding
    (:func:`mdmtheory.decoding.decoding_loss`) or against the HMM, exactly (``mode = "exact"``:
    the dense law, a dict) or by the estimates (``mode = "samples"``: an estimate object)."""
    o, truth = point_obj.oracle, point_obj.truth
    if mode == "exact":
        if truth is None:
            return decoding_loss(o, sampler, point_obj.order, base=base)
        return evaluate(truth.joint(), sampler, base, model=o)
    if truth is None:
        return decoding_loss(o, sampler, point_obj.order, samples=samples, seed=seed, base=base)
    return estimate_sampler_divergences(truth, sampler, samples, seed, base, model=o)
