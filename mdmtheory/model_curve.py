"""A model's own information curve, its optimal schedule, and how consistent the model is.

A model gives conditionals ``p_i(. | x_R)`` for every context; decoding one position per call
gives a proper law ``nu_1`` (its *slow decoding law*).  :func:`model_information_curve` estimates
the information curve ``Z_j = E[H(X_i) - H(X_i | X_S)]`` (``|S| = j - 1``) with the model's
own entropies along draws of that law, the optimal schedule of ``k`` steps for it (Chen-Cong-Li
Theorem 4, :func:`mdmtheory.optimal_schedule`), the schedule's predicted random-order KL with an
interval, and the random-order KL estimated directly (:func:`mdmtheory.estimate_random_order_kl`
against the decoding law).  When the model's conditionals are those of one joint law (they are
*consistent*; then the decoding law is that law) the curve is that law's curve and the two KLs
are equal in expectation; for a network they need not be, and the gap (predicted minus direct,
with its interval) measures the inconsistency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._lazy import lazy_function
from ._numeric import as_rng, check_int, t_quantile
from .estimate import Estimate, check_confidence, check_samples, mean_estimate
from .errors import InputError
from .information import unit_name, unit_scale
from .optimal import optimal_schedule
from .oracle_estimates import estimate_random_order_kl
from .oracles import as_oracle, batch_marginals
from .progress import progress

entr = lazy_function("scipy.special", "entr")

__all__ = ["ModelCurve", "model_information_curve", "CONSISTENCY_NOTE"]

#: Contexts per batched model call of :func:`model_information_curve`.
CHUNK = 4096

CONSISTENCY_NOTE = ("exact (unbiased) when the model's conditionals are those of one joint law; otherwise the curve is "
                    "the model's own reading of itself and consistency_gap measures the inconsistency")


@dataclass(frozen=True)
class ModelCurve:
    """The model's information curve and the optimal schedule for it.

    Attributes
    ----------
    j, curve, stderr, lower, upper : numpy.ndarray
        ``Z_j`` for ``j = 1..n`` with standard errors and intervals.
    steps : int or None
    schedule : list of int or None
        The optimal ``steps``-step schedule of the curve (made nondecreasing by a running max
        first: an estimate need not be).
    predicted_kl : Estimate or None
        Theorem 4's ``sum_t sum_j (Z_{N_{t-1}+j} - Z_{N_{t-1}+1})`` for ``schedule``, the same
        linear function applied draw by draw (so its interval is an honest t-interval).
    direct_kl : Estimate or None
        ``E_S KL(nu_1 || nu_S)`` for ``schedule`` estimated directly on draws of the decoding law.
    consistency_gap : Estimate or None
        ``predicted_kl - direct_kl`` (independent draws: standard errors added in quadrature).
    samples, seed : int
    unit : str
    note : str
    """

    j: np.ndarray
    curve: np.ndarray
    stderr: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    steps: int | None
    schedule: list | None
    predicted_kl: Estimate | None
    direct_kl: Estimate | None
    consistency_gap: Estimate | None
    samples: int
    seed: int
    confidence: float
    unit: str
    note: str = CONSISTENCY_NOTE

    def to_dict(self) -> dict:
        """JSON-ready dict: ``information_curve``, ``information_curve_stderr``,
        ``information_curve_interval``, ``steps``, ``schedule``, the three estimates flat
        (``predicted_kl``, ``predicted_kl_interval``...), ``samples``, ``seed``, ``unit``, ``note``."""
        out = {"n": int(self.j.size), "information_curve": [float(v) for v in self.curve],
               "information_curve_stderr": [float(v) for v in self.stderr],
               "information_curve_interval": [[float(a), float(b)] for a, b in zip(self.lower, self.upper)],
               "steps": self.steps, "schedule": self.schedule}
        for k in ("predicted_kl", "direct_kl", "consistency_gap"):
            e = getattr(self, k)
            out.update({k: None, f"{k}_interval": None} if e is None else e.flat(k, strict=True))
        out.update(samples=self.samples, seed=self.seed, confidence=self.confidence, unit=self.unit, note=self.note)
        return out


def _theorem4_weights(schedule, n: int) -> np.ndarray:
    """``w`` with ``sum_j w_j Z_j`` = Theorem 4's expected KL of ``schedule``."""
    w = np.ones(n)
    start = 0
    for s in schedule:
        w[start] -= s  # Z_{N+1} counted s times negatively, and once positively (j = N + 1)
        start += s
    return w


def model_information_curve(model, law=None, samples: int = 200, seed: int = 0, steps: int | None = None,
                            base: float | None = None, confidence: float = 0.95,
                            direct_samples: int | None = None) -> ModelCurve:
    """The information curve of a model from its own conditionals along its own samples.

    Parameters
    ----------
    model : oracle
        The conditionals ``p_i(. | x_R)`` (a network, a model transform, a table...).
    law : object, optional
        Draws of the model's one-at-a-time decoding law: ``sample(rng, m)`` and, for
        ``direct_kl``, ``log_prob(x)``.  Default: ``model`` itself (a table or an HMM has both).
    samples : int, default 200
        Draws ``x`` (each with its own uniform order): ``M n`` model calls, batched.
    seed : int, default 0
    steps : int, optional
        The optimal schedule of ``steps`` steps, its predicted and its directly estimated KL.
    base : float, optional
    confidence : float, default 0.95
    direct_samples : int, optional
        Draws of the direct estimate (default ``samples``).

    Returns
    -------
    ModelCurve

    Raises
    ------
    InputError
        A model or law without what is needed, bad samples, steps or confidence.

    Notes
    -----
    Per draw ``x ~ nu_1`` and uniform order ``pi``: ``Y_j = mean_{i not in S_j} [H(p_i(. | .)) -
    H(p_i(. | x_{S_j}))]`` with ``S_j`` the first ``j - 1`` positions of ``pi`` (the estimator of
    :func:`mdmtheory.oracle_estimates.estimate_information_curve`, here with all ``j`` of a draw
    in one batched call).  Unbiased for the curve of ``nu_1`` when the conditionals are ``nu_1``'s
    (consistent); the module docstring says what it is otherwise.

    Examples
    --------
    >>> from mdmtheory import copy
    >>> r = model_information_curve(copy(3), samples=10, steps=1, base=2)
    >>> r.curve.round(12).tolist(), r.schedule, round(r.predicted_kl.value, 12), round(r.direct_kl.value, 12)
    ([0.0, 1.0, 1.0], [3], 2.0, 2.0)
    """
    oracle = as_oracle(model)
    n = int(oracle.n)
    law = oracle if law is None else law
    if not callable(getattr(law, "sample", None)) and hasattr(law, "table"):  # a Joint: its table oracle
        law = as_oracle(law)
    if not callable(getattr(law, "sample", None)):
        raise InputError("the model's decoding law needs sample(rng, m): give law= (e.g. the model's one-at-a-time "
                         "decoding law) or a model with samples")
    M = check_samples(samples, n)
    confidence = check_confidence(confidence)
    if steps is not None:
        steps = check_int(steps, "steps", lo=1, hi=n)
    rng = as_rng(seed)
    X = np.asarray(law.sample(rng, M), dtype=np.int64)
    if X.shape != (M, n):
        raise InputError(f"the law's sample returned shape {X.shape}; expected ({M}, {n})")
    perms = np.stack([rng.permutation(n) for _ in range(M)])
    # contexts: draw r, j = 1..n reveals perm[:j-1]
    ranks = np.argsort(perms, axis=1)  # ranks[r, i] = place of i in draw r's order
    masks = ranks[:, None, :] < np.arange(n)[None, :, None]  # (M, n_j, n)
    vals = np.where(masks, X[:, None, :], -1).reshape(M * n, n)
    flat = masks.reshape(M * n, n)
    P = np.empty((M * n, n, int(max(np.broadcast_to(np.asarray(oracle.q), (n,))))))
    bar = progress(total=M * n, desc="model curve", unit="context")
    for lo in range(0, M * n, CHUNK):  # batched calls, a bar on a terminal
        P[lo:lo + CHUNK] = batch_marginals(oracle, flat[lo:lo + CHUNK], vals[lo:lo + CHUNK])
        bar.update(min(CHUNK, M * n - lo))
    bar.close()
    if np.isnan(P).any():
        raise InputError("the model refused a context of its own samples (probability 0); check the law and the model")
    H = entr(P).sum(axis=2).reshape(M, n, n)  # H[r, j, i]
    free = ~masks
    H0 = H[:, :1, :]  # nothing revealed
    Y = ((H0 - H) * free).sum(axis=2) / free.sum(axis=2)  # (M, n)
    sc = unit_scale(base)
    Y *= sc
    est = Y.mean(axis=0)
    se = Y.std(axis=0, ddof=1) / np.sqrt(M)
    half = t_quantile(confidence, M - 1) * se
    unit = unit_name(base)
    sched = pred = direct = gap = None
    if steps is not None:
        z = np.maximum.accumulate(np.maximum(est, 0.0))
        z[0] = 0.0
        sched = list(optimal_schedule(z, steps).schedule.steps)
        w = _theorem4_weights(sched, n)
        pred = mean_estimate(Y @ w, confidence, int(seed), 1.0, unit, "Theorem 4 on the model's curve, draw by draw",
                             "E_S KL(nu_1 || nu_S) predicted from the curve")
        if callable(getattr(law, "log_prob", None)):
            target = _Law(oracle, law)
            direct = estimate_random_order_kl(target, sched, direct_samples or M, int(seed) + 1, base, confidence)
            d = pred.value - direct.value
            s = float(np.hypot(pred.stderr, direct.stderr))
            h = t_quantile(confidence, min(M, direct.samples) - 1) * s
            gap = Estimate(d, s, (d - h, d + h), min(M, direct.samples), int(seed), confidence, unit,
                           "predicted_kl - direct_kl (independent draws)", "consistency gap")
    return ModelCurve(np.arange(1, n + 1), est, se, est - half, est + half, steps, sched, pred, direct, gap, M,
                      int(seed), confidence, unit)


class _Law:
    """The model's conditionals with its decoding law's draws and ``log_prob`` (what
    :func:`mdmtheory.estimate_random_order_kl` reads)."""

    def __init__(self, oracle, law):
        self.oracle, self.law, self.n = oracle, law, oracle.n
        self.q = getattr(oracle, "q", None)

    def conditional_marginals(self, mask, vals):
        return self.oracle.conditional_marginals(mask, vals)

    def sample(self, rng, m):
        return self.law.sample(rng, m)

    def log_prob(self, x):
        return self.law.log_prob(x)
