"""Parallel samplers for masked diffusion models: one interface, chosen by name.

A sampler sees the revealed positions, their values and the oracle's conditional marginals of
the masked positions (a :class:`SamplerState`) and returns the sets of positions to unmask next
with their probabilities (:meth:`Sampler.select`); every member of the chosen set is then drawn
independently from its marginal.  :func:`make_sampler` builds one from a name in
:data:`SAMPLER_NAMES` and keyword parameters; :func:`mdmtheory.evaluate` computes the
exact output law of any of them.

Selection rules (THEORY.md section 6; ``p_i`` is the marginal of masked position ``i``)

========================  ===================================================================
``random``                uniform random subset of the masked positions, size ``s_t``
``left_to_right``         the ``s_t`` smallest masked positions
``confidence``            top ``s_t`` by ``max_v p_i(v)`` (LLaDA low-confidence remasking)
``margin``                top ``s_t`` by ``p_i(1st) - p_i(2nd)``
``entropy``               the ``s_t`` lowest ``H(p_i)``
``threshold(tau)``        every ``i`` with ``max_v p_i(v) >= tau``, at least the most confident
                          one (Fast-dLLM)
``eb(gamma, proxy)``      sort by the proxy (``entropy``: ``H``; ``confidence``: ``-max p``;
                          ``margin``: ``-margin``), take the largest prefix ``U`` with
                          ``sum_U H(p_i) - max_U H(p_i) <= gamma`` (at least one; EB-sampler)
``punt(delta)``           candidates in decreasing confidence; a candidate is dropped when its
                          conditional mutual information with a more confident candidate,
                          ``I(X_i; X_j | x_R)``, exceeds ``delta`` (PUNT with an exact test)
``bisection``             the midpoint ``(a + b) // 2`` of every maximal run ``a..b`` of masked
                          positions (the runs at both ends included)
``optimal(k)``            the best deterministic adaptive policy with at most ``k`` model calls
                          (depends on the joint; built by
                          :func:`mdmtheory.optimal_policy`)
========================  ===================================================================

The schedule samplers (``random``, ``left_to_right``, ``confidence``, ``margin``, ``entropy``)
take ``schedule=[s_1, ..., s_k]`` (sizes summing to ``n``) or ``steps=k`` (an even split, the
remainder going to the first steps, as LLaDA; default ``steps=2``).  ``s_t`` is the size of step
``t = state.step``, clipped to the number of masked positions (all of them past the last step).

Conventions, the same in every implementation (the numba kernels included)

* Ties are broken by position: among equal keys the lower index wins.  Keys (confidence, margin,
  entropy) are compared as :func:`rank_key` ``= rint(key * 10**KEY_DECIMALS)``, so that
  marginals computed in different orders of floating-point operations rank the same.
* Thresholds are compared with slack :data:`TOL`: ``max p >= tau - TOL``,
  ``sum H - max H <= gamma + TOL``, dependent when ``I > delta + TOL``.
* Entropies and mutual informations are in nats (``gamma`` and ``delta`` are in nats).

References
----------
.. [1] Nie et al., "Large language diffusion models" (LLaDA), arXiv:2502.09992 (low-confidence
   remasking, even step split).
.. [2] Wu et al., "Fast-dLLM", arXiv:2505.22618 (confidence threshold).
.. [3] Ben-Hamu et al., "Accelerated sampling from masked diffusion models via entropy bounded
   unmasking", arXiv:2505.24857 (EB-sampler).
.. [4] Azangulov et al., arXiv:2510.21961 (PUNT).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import comb
from typing import Callable

import numpy as np

from .errors import InputError
from .schedules import Schedule, as_schedule

__all__ = [
    "SAMPLER_NAMES",
    "SamplerState",
    "Sampler",
    "make_sampler",
    "step_sizes",
    "confidence",
    "margin",
    "marginal_entropy",
    "KEY_DECIMALS",
    "TOL",
    "describe",
    "rank_key",
]

#: Registry names, in display order.
SAMPLER_NAMES = (
    "random",
    "left_to_right",
    "confidence",
    "margin",
    "entropy",
    "threshold",
    "eb",
    "punt",
    "bisection",
    "optimal",
)

#: Ranking keys are rounded to this many decimals before sorting (ties -> lower position).
KEY_DECIMALS = 12
#: Slack on every threshold comparison (tau, gamma, delta).
TOL = 1e-12

_SCHEDULE_SAMPLERS = ("random", "left_to_right", "confidence", "margin", "entropy")
_PROXIES = ("entropy", "confidence", "margin")

# name -> (defaults, deterministic, one-line description)
_SPECS: dict[str, tuple[dict, bool, str]] = {
    "random": ({"steps": 2}, False, "uniform random subsets, sizes from a schedule"),
    "left_to_right": ({"steps": 2}, True, "smallest masked positions first, sizes from a schedule"),
    "confidence": ({"steps": 2}, True, "top-k by max probability (LLaDA low-confidence remasking)"),
    "margin": ({"steps": 2}, True, "top-k by the margin between the two most likely values"),
    "entropy": ({"steps": 2}, True, "top-k by lowest marginal entropy"),
    "threshold": ({"tau": 0.9}, True, "all with max probability >= tau, at least one (Fast-dLLM)"),
    "eb": ({"gamma": 0.1, "proxy": "entropy"}, True, "largest prefix with sum H - max H <= gamma (EB-sampler)"),
    "punt": ({"delta": 0.01}, True, "confidence order, drop members dependent (CMI > delta) on a better one"),
    "bisection": ({}, True, "midpoint of every run of masked positions"),
    "optimal": ({"k": 2}, True, "best deterministic adaptive policy with at most k calls (needs the joint)"),
}


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
        past ``q_i`` are 0); rows of revealed positions are zero.
    step : int
        0-based index of the model call about to be made.
    pair_mi : callable, optional
        ``pair_mi(i, j) -> I(X_i; X_j | X_R = x_R)`` in nats for two masked positions (the exact
        oracle's dependence test; only ``punt`` uses it).
    """

    n: int
    revealed: np.ndarray
    values: np.ndarray
    marginals: np.ndarray
    step: int = 0
    pair_mi: Callable[[int, int], float] | None = None

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


def _rank(keys: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``positions`` sorted by increasing rounded key, ties by increasing position."""
    return positions[np.lexsort((positions, rank_key(keys)))]


def rank_key(x) -> np.ndarray:
    """``rint(x * 10**KEY_DECIMALS)``: the rounded key every implementation ranks by.

    Examples
    --------
    >>> bool(rank_key(0.1 + 0.2) == rank_key(0.3))
    True
    """
    return np.rint(np.asarray(x, dtype=float) * 10.0**KEY_DECIMALS)


def step_sizes(params: dict, n: int) -> tuple[int, ...]:
    """Step sizes of a schedule sampler for length ``n`` (``schedule`` or the ``steps`` split).

    Examples
    --------
    >>> step_sizes({"steps": 3}, 8)
    (3, 3, 2)
    """
    if "schedule" in params:
        return as_schedule(params["schedule"], n).steps
    k = int(params["steps"])
    if k > n:
        raise InputError(f"steps={k} exceeds n={n}: a step unmasks at least one position; give steps <= {n}")
    return tuple(n // k + (1 if t < n % k else 0) for t in range(k))


def _coerce(name: str, key: str, value):
    """Validate one parameter (strings from the command line are accepted)."""
    if key == "proxy":
        if value not in _PROXIES:
            raise InputError(f"eb proxy must be one of {', '.join(_PROXIES)}; got {value!r}")
        return value
    try:
        if key == "schedule":
            if isinstance(value, str):
                value = [v for v in value.replace(" ", "").split(",") if v]
            elif np.isscalar(value):
                value = [value]  # --param schedule=4: one step of 4
            return list(Schedule(value).steps)
        if key in ("steps", "k"):
            v = float(value)
            if not v.is_integer() or v < 1:
                raise ValueError
            return int(v)
        v = float(value)
    except (TypeError, ValueError):
        want = "a positive integer" if key in ("steps", "k") else "a number"
        raise InputError(f"{name} parameter {key} takes {want}; got {value!r}") from None
    if key == "tau" and not 0.0 <= v <= 1.0:
        raise InputError(f"threshold tau must be a probability in [0, 1]; got {v!r}")
    if key in ("gamma", "delta") and not (v >= 0 and np.isfinite(v)):
        raise InputError(f"{name} parameter {key} must be a finite number >= 0 (nats); got {v!r}")
    return v


class Sampler:
    """A parallel sampler: a named selection rule with validated parameters.

    Build with :func:`make_sampler`.  ``name``, ``params`` (defaults filled in) and
    ``deterministic`` describe it; :meth:`select` applies the rule.
    """

    def __init__(self, name: str, params: dict, policy: Callable | None = None):
        self.name = name
        self.params = params
        self.deterministic = _SPECS[name][1]
        self._policy = policy

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"Sampler({self.name!r}{', ' if args else ''}{args})"

    def sizes(self, n: int) -> tuple[int, ...] | None:
        """The step sizes for length ``n`` (schedule samplers), else ``None``.

        Examples
        --------
        >>> make_sampler("entropy", steps=2).sizes(5), make_sampler("eb").sizes(5)
        ((3, 2), None)
        """
        return step_sizes(self.params, n) if self.name in _SCHEDULE_SAMPLERS else None

    def select(self, state: SamplerState) -> list[tuple[float, tuple[int, ...]]]:
        """The sets to unmask at this step with their probabilities.

        Returns
        -------
        list of (float, tuple of int)
            ``[(1.0, S)]`` for a deterministic sampler; for ``random`` every subset of the
            masked positions of size ``s_t`` with probability ``1 / C(m, s_t)``.  Sets are
            sorted tuples of positions; empty when nothing is masked.

        Examples
        --------
        >>> st = SamplerState(3, np.array([False, False, True]), np.array([-1, -1, 0]),
        ...                   np.array([[0.6, 0.4], [0.9, 0.1], [0.0, 0.0]]))
        >>> make_sampler("confidence", schedule=[1, 1, 1]).select(st)
        [(1.0, (1,))]
        >>> make_sampler("threshold", tau=0.5).select(st)
        [(1.0, (0, 1))]
        """
        masked = state.masked
        if masked.size == 0:
            return [(1.0, ())]
        P = np.asarray(state.marginals, dtype=float)[masked]
        name, prm = self.name, self.params
        if name in _SCHEDULE_SAMPLERS:
            sizes = self.sizes(state.n)
            s = sizes[state.step] if state.step < len(sizes) else masked.size
            s = max(1, min(int(s), masked.size))
            if name == "random":
                w = 1.0 / comb(masked.size, s)
                return [(w, tuple(int(i) for i in S)) for S in itertools.combinations(masked, s)]
            keys = {
                "left_to_right": np.zeros(masked.size),
                "confidence": -confidence(P),
                "margin": -margin(P),
                "entropy": marginal_entropy(P),
            }[name]
            return [(1.0, tuple(sorted(int(i) for i in _rank(keys, masked)[:s])))]
        if name == "threshold":
            conf = confidence(P)
            chosen = masked[conf >= prm["tau"] - TOL]
            if chosen.size == 0:
                chosen = _rank(-conf, masked)[:1]
            return [(1.0, tuple(int(i) for i in chosen))]
        if name == "eb":
            H = marginal_entropy(P)
            proxy = {"entropy": H, "confidence": -confidence(P), "margin": -margin(P)}[prm["proxy"]]
            ranked = _rank(proxy, np.arange(masked.size))  # masked is increasing: same ties
            taken, total, top = [], 0.0, 0.0
            for r in ranked:
                total, top = total + H[r], max(top, H[r])
                if taken and total - top > prm["gamma"] + TOL:
                    break
                taken.append(int(masked[r]))
            return [(1.0, tuple(sorted(taken)))]
        if name == "punt":
            if state.pair_mi is None:
                raise InputError("punt needs the oracle's pairwise dependence test: give SamplerState(pair_mi=...)")
            ranked = [int(i) for i in _rank(-confidence(P), masked)]
            kept = [
                i for a, i in enumerate(ranked) if not any(state.pair_mi(j, i) > prm["delta"] + TOL for j in ranked[:a])
            ]
            return [(1.0, tuple(sorted(kept)))]
        if name == "bisection":
            return [(1.0, _midpoints(masked))]
        if name == "optimal":
            if self._policy is None:
                raise InputError(
                    "the optimal policy depends on the joint: build it with "
                    "mdmtheory.optimal_policy(joint, k) (evaluate() does this for you)"
                )
            return [(1.0, tuple(self._policy(state)))]
        raise AssertionError(name)  # pragma: no cover


def _midpoints(masked: np.ndarray) -> tuple[int, ...]:
    """``(a + b) // 2`` of every maximal run ``a..b`` of consecutive masked positions."""
    out, start = [], int(masked[0])
    for prev, cur in zip(masked[:-1], masked[1:]):
        if cur != prev + 1:
            out.append((start + int(prev)) // 2)
            start = int(cur)
    out.append((start + int(masked[-1])) // 2)
    return tuple(out)


def make_sampler(name: str, **params) -> Sampler:
    """Build a sampler from its registry name and parameters.

    Parameters
    ----------
    name : str
        One of :data:`SAMPLER_NAMES`.
    **params
        ``schedule`` (sizes summing to ``n``) or ``steps`` for the schedule samplers; ``tau``
        (threshold), ``gamma`` and ``proxy`` (eb), ``delta`` (punt), ``k`` (optimal).  Strings
        (from the command line) are converted; ``schedule`` also takes ``"2,3,1"``.

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
    >>> make_sampler("eb", gamma="0.5").params
    {'gamma': 0.5, 'proxy': 'entropy'}
    >>> make_sampler("confidence", schedule="2,1").params
    {'schedule': [2, 1]}
    """
    if name not in _SPECS:
        raise InputError(f"unknown sampler {name!r}; valid samplers: {', '.join(SAMPLER_NAMES)}")
    defaults = _SPECS[name][0]
    valid = ("schedule", "steps") if name in _SCHEDULE_SAMPLERS else tuple(defaults)
    bad = [k for k in params if k not in valid]
    if bad:
        listed = ", ".join(valid) if valid else "none"
        raise InputError(f"unknown parameter {bad[0]!r} for sampler {name!r}; valid parameters: {listed}")
    if name in _SCHEDULE_SAMPLERS and "schedule" in params and "steps" in params:
        raise InputError(f"give {name} either schedule= or steps=, not both")
    out = {k: _coerce(name, k, v) for k, v in params.items()}
    if not (name in _SCHEDULE_SAMPLERS and "schedule" in out):
        out = {**{k: v for k, v in defaults.items() if k not in out}, **out}
        out = {k: out[k] for k in list(defaults) + [k for k in out if k not in defaults]}
    return Sampler(name, out)


def describe() -> dict[str, str]:
    """``name -> one-line description`` of every registered sampler.

    Examples
    --------
    >>> list(describe())[:3]
    ['random', 'left_to_right', 'confidence']
    """
    return {name: _SPECS[name][2] for name in SAMPLER_NAMES}
