"""Advice: the cheapest setting of a sampler that meets a KL target, for any model.

:func:`advise` sweeps each sampler's knob grid (the registry's :attr:`~mdmtheory.registry.Rule.frontier`,
with its :attr:`~mdmtheory.registry.Rule.frontier_fixed` parameters) with the sampler querying a
model, measures every setting's KL from a reference law (exactly on a table, or estimated with a
95% interval on an HMM) and returns the setting with the fewest expected model calls whose KL's
interval has its upper end at or below the target, with the whole table
(:class:`Advice`).  The points run through :func:`mdmtheory.sweep`, so on processes or Dask.
:func:`plot_advice` draws KL against calls.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from ._numeric import check_real
from .errors import InputError
from .files import atomic_write
from .information import unit_name
from .plot import legend_outside, series_styles
from .registry import RULES, SAMPLER_NAMES
from .sweeps import build_model, sweep

__all__ = ["Advice", "advise", "plot_advice", "advice_settings"]

#: The metrics a setting's row carries (with ``_low`` / ``_high`` where estimated).
METRICS = ("kl", "reverse_kl", "tv", "expected_steps", "marginal_error", "dependence_error")


def advice_settings(sampler: str, n: int, hmax: float, params: Mapping | None = None) -> list[dict]:
    """The settings :func:`advise` tries for ``sampler`` on a law of length ``n`` with
    ``hmax = sum_i log q_i`` nats: the rule's knob grid (``Rule.frontier``), each with the
    rule's fixed parameters (``Rule.frontier_fixed``) and then ``params`` (which win).

    Raises
    ------
    InputError
        An unknown sampler, or one without a knob grid.

    Examples
    --------
    >>> [s["steps"] for s in advice_settings("llada", 3, 2.0)]
    [1, 2, 3]
    >>> advice_settings("llada", 3, 2.0)[0]["temperature"]
    1.0
    """
    if sampler not in RULES:
        raise InputError(f"unknown sampler {sampler!r}; valid samplers: {', '.join(SAMPLER_NAMES)}")
    rule = RULES[sampler]
    if rule.frontier is None:
        raise InputError(f"sampler {sampler!r} declares no knob grid (Rule.frontier); advise cannot sweep it")
    fixed = {**rule.frontier_fixed, **dict(params or {})}
    out = []
    for key, value in rule.frontier(int(n), max(float(hmax), 1e-3)):
        if key in (params or {}):  # the caller fixed the knob itself: one setting
            continue
        out.append({**fixed, **({key: value} if key else {})})
    return out or [fixed]


@dataclass(frozen=True)
class Advice:
    """The cheapest passing setting and the table of every setting tried.

    Attributes
    ----------
    model : str
        The queried model's spec.
    reference : str
        The law the KL is measured from (the truth's description).
    samplers : list of str
    target_kl : float
        In ``unit``.
    mode : str
        ``"exact"`` (a table: every number exact) or ``"samples"`` (estimates with intervals).
    rows : list of dict
        One per setting, in the order tried: ``sampler``, ``setting`` (every parameter),
        ``knob`` / ``value`` (the swept one), ``expected_calls`` (and ``expected_calls_low`` /
        ``_high``), ``kl``, ``kl_low``, ``kl_high`` (equal to ``kl`` when exact), ``reverse_kl``,
        ``tv``, ``marginal_error``, ``dependence_error`` (``None`` where not given), ``passes``
        (``kl_high <= target_kl``), ``not_estimated`` / ``error`` (why a number is missing).
    chosen : dict or None
        The passing row with the fewest expected calls (ties: the smaller ``kl_high``, then the
        first tried); ``None`` when no setting passes.
    samples, seed : int or None
    unit : str
    confidence : float
    """

    model: str
    reference: str
    samplers: list
    target_kl: float
    mode: str
    rows: list
    chosen: dict | None
    samples: int | None
    seed: int | None
    unit: str
    confidence: float = 0.95
    seconds: float = 0.0
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready dict of every field (infinities as ``"inf"`` by the JSON writer)."""
        return {"model": self.model, "reference": self.reference, "samplers": list(self.samplers),
                "target_kl": self.target_kl, "mode": self.mode, "unit": self.unit, "samples": self.samples,
                "seed": self.seed, "confidence": self.confidence, "chosen": self.chosen, "rows": list(self.rows),
                "seconds": self.seconds, "notes": list(self.notes)}


def _num(v):
    return None if v is None or v == "" else float(v)


def _row(raw: dict, sampler: str, knob: str, setting: dict, target: float) -> dict:
    kl = _num(raw.get("kl"))
    out = {"sampler": sampler, "knob": knob, "value": setting.get(knob), "setting": dict(setting)}
    calls = _num(raw.get("expected_steps"))
    out.update(expected_calls=calls, expected_calls_low=_num(raw.get("expected_steps_low", calls)),
               expected_calls_high=_num(raw.get("expected_steps_high", calls)))
    out.update(kl=kl, kl_low=_num(raw.get("kl_low", kl)), kl_high=_num(raw.get("kl_high", kl)))
    for k in ("reverse_kl", "tv", "marginal_error", "dependence_error"):
        out[k] = _num(raw.get(k))
    out["passes"] = out["kl_high"] is not None and not math.isnan(out["kl_high"]) and out["kl_high"] <= target
    if raw.get("not_estimated") and kl is None:
        out["not_estimated"] = raw["not_estimated"]
    if raw.get("error"):
        out["error"] = raw["error"]
    return out


def advise(model: str, samplers: str | Sequence[str], target_kl: float, truth: Mapping | None = None, *,
           length: int | None = None, samples: int | None = None,
           seed: int = 0, base: float | None = None, params: Mapping | None = None, jobs: int = 1,
           scheduler: str | None = None, dask_local: int | None = None, show_progress: bool = True) -> Advice:
    """The cheapest setting of each sampler whose KL meets ``target_kl``, with the table of
    every setting tried.

    Parameters
    ----------
    model : str
        The model the samplers query, a ``--model`` spec (:func:`mdmtheory.models.model_oracle`
        over the truth: ``smooth=A``, ``temperature=T``, ``python:FILE.py:NAME``,
        ``torch:PATH``...); ``"truth"`` queries the truth itself.
    samplers : str or list of str
        Sampler names (``llada``, ``fast_dllm``, ``dream``, ``confidence``...).
    target_kl : float
        The target on ``KL(mu || nu)`` (in the unit of ``base``): a setting passes when its
        KL's upper end (the interval's, or the exact value) is ``<= target_kl``.
    truth : mapping, optional
        The reference law ``mu`` as a sweep ``[[model]]`` entry: ``{"family": ..., ...}`` or
        ``{"table": PATH}`` (exact), ``{"hmm": SPEC, "length": N}`` (exact with ``samples=None``
        on a small length, else estimated).  Default: the model's own slow decoding law (one
        position per call, left to right; :class:`mdmtheory.decoding.ModelDecodingLaw`): what
        decoding fast loses, no ground truth needed (``model`` a ``torch:`` spec).
    length : int, optional
        Without ``truth``: the law's length (a built-in model knows its own).
    samples : int, optional
        Estimates with this many draws a setting (default: exact).
    seed : int, default 0
    base : float, optional
        Logarithm base (nats by default).
    params : mapping, optional
        Parameters fixed for every setting (e.g. ``{"block_length": 8}``); a fixed knob gives
        one setting.
    jobs, scheduler, dask_local
        The executor (:func:`mdmtheory.sweep`).
    show_progress : bool
        A progress bar on a terminal.

    Returns
    -------
    Advice

    Raises
    ------
    InputError
        A bad target, truth, model, sampler or parameter; a table truth with ``samples``.

    Notes
    -----
    Cost: one sweep point per setting (the knob grid of each rule: e.g. ``steps = 1..n``),
    each an exact evaluation or ``samples`` runs of the estimator
    (:func:`mdmtheory.estimate_sampler_divergences`).  A setting whose KL is not estimated
    (a sampler that draws its sets at random at ``n`` beyond enumeration) never passes; its
    row says why.  Exact when every number is: the choice then is the true cheapest passing
    setting on the grid; with estimates each passing setting's KL is below the target with
    95% confidence (one interval per setting, not simultaneous).

    Examples
    --------
    >>> a = advise("smooth=0.05", "confidence", 0.1, {"family": "copy", "n": 3}, show_progress=False)
    >>> a.chosen["value"], round(a.chosen["kl"], 6), len(a.rows)   # one at a time: 2 * -log(0.95 + 0.05 / 2)
    (3, 0.050636, 3)
    """
    target = check_real(target_kl, "target_kl", 0.0)
    names = [samplers] if isinstance(samplers, str) else list(samplers)
    names = [str(s).strip() for part in names for s in str(part).split(",") if s.strip()]
    if not names:
        raise InputError("give at least one sampler (e.g. llada, fast_dllm, dream)")
    if truth is None:
        if not isinstance(model, str) or not model.strip().startswith("torch:"):
            raise InputError("without a truth the reference is the model's own decoding law: give a torch:... model, or "
                             "a truth (a table or an HMM) for a model transform")
        # start-up time: torch loads only for a torch model
        from .models import torch_model
        from .torch_oracle import parse_torch_spec

        path, opts = parse_torch_spec(model.strip()[len("torch:"):])
        if length is None:  # a built-in model knows its length
            length = torch_model(model.strip()[len("torch:"):], None).n
        truth = {"kind": "torch", "path": path, "length": length, **opts}
    elif length is not None:
        raise InputError("length goes without a truth (the model's own decoding law); an HMM truth carries its length")
    if not isinstance(truth, Mapping):
        raise InputError(f"truth must be a sweep model entry like {{'hmm': 'block:2,2', 'length': 32}} or "
                         f"{{'table': 'T.npy'}}; got {type(truth).__name__}")
    if not isinstance(model, str) or not model.strip():
        raise InputError(f"model must be a --model spec string (or 'truth'); got {model!r}")
    law = build_model(dict(truth))
    table = "family" in truth or "table" in truth
    table = table and truth.get("kind") != "torch"
    if samples is not None and table:
        raise InputError("a table truth is evaluated exactly: drop samples (or give an HMM truth)")
    if samples is None and "graph" in truth:
        raise InputError("advise takes a table or an HMM truth, not a walk")
    entry = dict(truth)
    if model.strip() != "truth" and entry.get("kind") != "torch":
        entry["query"] = model.strip()
    hmax = float(sum(math.log(int(v)) for v in _alphabets(law)))
    plan = [(name, advice_settings(name, law.n, hmax, params)) for name in names]
    spec = {"model": [entry],
            "sampler": [{"name": name, "params": s} for name, settings in plan for s in settings],
            "sweep": {"metrics": list(METRICS), **({"base": base} if base is not None else {}),
                      **({"mode": "samples", "samples": samples, "seeds": [seed]} if samples is not None else {})}}
    result = sweep(spec, jobs=jobs, scheduler=scheduler, dask_local=dask_local, show_progress=show_progress)
    rows = []
    it = iter(result.rows)
    for name, settings in plan:
        knob = RULES[name].frontier(law.n, max(hmax, 1e-3))[0][0] if RULES[name].frontier else ""
        for s in settings:
            rows.append(_row(next(it), name, knob, s, target))
    passing = [r for r in rows if r["passes"] and r["expected_calls"] is not None]
    chosen = min(passing, key=lambda r: (r["expected_calls"], r["kl_high"])) if passing else None
    notes = []
    if any(r.get("not_estimated") for r in rows):
        notes.append("settings whose KL is not estimated (see not_estimated) never pass")
    reference = ("its own slow decoding (one position per call, left to right)" if truth.get("kind") == "torch"
                 else " ".join(f"{k}={v}" for k, v in truth.items()))
    return Advice(model.strip(), reference, names, target,
                  "samples" if samples is not None else "exact", rows, chosen, samples,
                  seed if samples is not None else None, unit_name(base), 0.95, round(result.seconds, 3), notes)


def _alphabets(law) -> list:
    q = law.oracle.q if getattr(law, "q", None) is None else law.q  # a torch point: its network's
    return [int(v) for v in q] if hasattr(q, "__len__") else [int(q)] * int(law.n)


def plot_advice(advice: Advice, out: str) -> str:
    """KL against expected model calls of every setting (error bars: the intervals), one series
    per sampler (distinct colour and marker), the target as a line and the chosen setting
    circled; the legend outside the axes.  Written to ``out`` (format from the suffix).

    Raises
    ------
    InputError
        An unwritable ``out``, or an advice without a finite KL to draw.
    """
    if not isinstance(advice, Advice):
        raise InputError(f"plot_advice draws an Advice (mdmtheory.advise(...)); got {type(advice).__name__}")
    # start-up time: matplotlib loads only when a figure is drawn
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # start-up time: as above

    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    styles = series_styles(advice.samplers)  # the one series style of every figure (mdmtheory.plot)
    drawn = 0
    for name in advice.samplers:
        pts = [r for r in advice.rows if r["sampler"] == name and r["kl"] is not None and math.isfinite(r["kl"])
               and r["expected_calls"] is not None]
        if not pts:
            continue
        x = [r["expected_calls"] for r in pts]
        y = [r["kl"] for r in pts]
        err = [[max(0.0, r["kl"] - r["kl_low"]) for r in pts], [max(0.0, r["kl_high"] - r["kl"]) for r in pts]]
        st = styles[name]
        ax.errorbar(x, y, yerr=err, color=st["color"], marker=st["marker"], linestyle=st["ls"], mfc="none", capsize=2,
                    label=name)
        drawn += 1
    if not drawn:
        plt.close(fig)
        raise InputError("no setting has a finite KL to draw (see the table's not_estimated)")
    ax.axhline(advice.target_kl, color="0.3", linestyle="--", label=f"target {advice.target_kl:g} {advice.unit}")
    if advice.chosen is not None:
        ax.plot([advice.chosen["expected_calls"]], [advice.chosen["kl"]], linestyle="none", marker="o", markersize=14,
                markerfacecolor="none", markeredgecolor="k", label=f"chosen: {advice.chosen['sampler']} "
                f"{advice.chosen['knob']}={advice.chosen['value']}")
    ax.set_xlabel("expected model calls")
    ax.set_ylabel(f"KL(reference || sampler) ({advice.unit})")
    ax.set_yscale("symlog", linthresh=max(advice.target_kl / 10.0, 1e-6))
    ax.set_title(f"{advice.model} against {advice.reference}", fontsize=9)
    legend_outside([ax], fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fmt = str(out).rsplit(".", 1)[-1].lower() if "." in str(out) else "png"
    fig.savefig(buf, format=fmt, dpi=120, bbox_inches="tight")
    plt.close(fig)
    atomic_write(out, lambda fh: fh.write(buf.getvalue()))
    return str(out)
