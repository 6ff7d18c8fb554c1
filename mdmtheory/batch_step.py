"""One step of many runs in lockstep: :func:`draw_batch`, :meth:`mdmtheory.samplers.Sampler.draw`
for a batch of runs in one compiled call (the estimators' step, :mod:`mdmtheory.sampler_estimate`).

The kernels (``mdmtheory/_kernels/estimate.py``) loop over the runs around the rule functions of
``mdmtheory/_kernels/rules.py``, the same calls in the same order as :meth:`Sampler.draw` makes
for one run, and each run draws from its own generator exactly what ``draw`` draws from it: no
rule is defined a second time, and ``tests/test_draw_batch.py`` compares the two run by run.
"""

from __future__ import annotations

import numpy as np

from ._kernels import codes as _c
from ._lazy import lazy_module
from .errors import InputError
from .samplers import Sampler, make_sampler  # noqa: F401 - make_sampler: the doctest
from .tolerances import KEY_DECIMALS, TOL

_ke = lazy_module("mdmtheory._kernels.estimate")

__all__ = ["draw_batch"]


def draw_batch(sampler: Sampler, marginals, masks, steps, rngs=None, q=None, point_mass: bool = False):
    """:meth:`Sampler.draw` for ``B`` runs at once: one kernel call over the runs
    (``mdmtheory/_kernels/estimate.py``) makes, run by run, the rule functions' calls ``draw``
    makes, and each run draws from its own generator what ``draw`` draws from it, in the same
    order, so run ``b`` gets exactly ``draw``'s step (the tests compare them).  Cost: ``O(B n q)``
    in one compiled loop, plus one generator call a run that draws.

    Parameters
    ----------
    sampler : Sampler
        A rule that needs nothing of the oracle beyond the marginals (``rule.needs`` empty: not
        ``punt``, ``punt_pairwise`` or ``optimal``, which step through :meth:`Sampler.draw`).
    marginals : array (B, n, width)
        Each run's marginals (revealed rows are not read).
    masks : bool array (B, n)
        Each run's revealed positions (at least one masked; a run with none unmasks nothing).
    steps : int array (B,)
        Each run's step index ``t``.
    rngs : sequence of numpy.random.Generator, optional
        One generator a run (needed when the rule draws candidates or random sets).
    q : int array (n,), optional
        Alphabet sizes (default: ``width`` for every position).
    point_mass : bool
        Candidates at temperature 0 are argmaxes (nothing drawn for them).

    Returns
    -------
    (selected, values, calls)
        ``selected`` the ``(B, n)`` boolean mask of the positions each run unmasks; ``values``
        the ``(B, n)`` candidates (read where ``selected``) for rules that draw candidates, else
        ``None``; ``calls`` the model calls of each run's step (1; 0 for a run with nothing masked).

    Raises
    ------
    InputError
        A rule that needs the oracle's extra queries, shapes or alphabet sizes that disagree, a
        negative step, or no generators for a rule that draws.

    Examples
    --------
    >>> P = np.array([[[0.75, 0.25], [0.5, 0.5]]] * 2)
    >>> sel, values, calls = draw_batch(make_sampler("entropy", steps=2), P, np.zeros((2, 2), bool), [0, 0])
    >>> sel.tolist(), values, calls.tolist()
    ([[True, False], [True, False]], None, [1, 1])
    """
    if sampler.rule.needs:
        raise InputError(f"{sampler.name} needs the oracle's extra queries ({', '.join(sorted(sampler.rule.needs))}): "
                         "step it with Sampler.draw, one run at a time")
    P = np.ascontiguousarray(marginals, dtype=np.float64)
    masks = np.ascontiguousarray(masks, dtype=bool)
    ts = np.ascontiguousarray(steps, dtype=np.int64)
    if P.ndim != 3 or masks.shape != P.shape[:2] or ts.shape != P.shape[:1]:
        raise InputError(f"draw_batch needs marginals (B, n, width), masks (B, n) and steps (B,); got {P.shape}, "
                         f"{masks.shape}, {ts.shape}")
    B, n, width = P.shape
    qs = np.full(n, width, dtype=np.int64) if q is None else np.ascontiguousarray(q, dtype=np.int64)
    if qs.shape != (n,) or np.any(qs < 1) or np.any(qs > width) or np.any(ts < 0):
        raise InputError(f"draw_batch needs q of shape ({n},) with 1 <= q_i <= {width} (the marginals' width) and steps >= 0")
    code, ip, fp, sizes = sampler.kernel_args(n)
    cands = bool(sampler.rule.candidates)
    counts = np.zeros(B, dtype=np.int64)
    _ke.step_uniforms(code, ip, fp, ts, masks, cands, point_mass, width, counts)
    no_rngs = rngs is None or len(rngs) != B
    if counts.any() and no_rngs:
        raise InputError(f"{sampler.name} draws its candidates at random: give one generator a run (rngs, {B} of them)")
    U = np.zeros((B, max(1, int(counts.max(initial=0)))))
    for b in np.flatnonzero(counts):  # the run's candidate uniforms, as draw takes them one by one
        U[b, :counts[b]] = rngs[b].random(counts[b])
    kinds, ks, es = np.zeros(B, dtype=np.int64), np.zeros(B, dtype=np.int64), np.zeros(B, dtype=np.int64)
    chosen, w = np.zeros((B, n), dtype=np.int64), np.zeros((B, n))
    cand, candp = np.full((B, n), -1, dtype=np.int64), np.ones((B, n))
    _ke.draw_steps(code, ip, fp, sizes, ts, P, qs, masks, U, cands, point_mass, TOL, 10.0**KEY_DECIMALS,
                   kinds, ks, es, chosen, w, cand, candp)
    drawn = (kinds != _c.DET) & (kinds >= 0)
    if drawn.any():  # a random set: numba's generator seeded from the run's stream, as draw does
        if no_rngs:
            raise InputError(f"{sampler.name} draws its sets at random: give one generator a run (rngs, {B} of them)")
        seeds = np.full(B, -1, dtype=np.int64)
        for b in np.flatnonzero(drawn):
            seeds[b] = int(rngs[b].integers(2**31))
        _ke.sample_specs(kinds, ks, es, chosen, w, seeds)
    sel = np.zeros((B, n), dtype=bool)
    sel[np.repeat(np.arange(B), ks), chosen[np.arange(n)[None, :] < ks[:, None]]] = True
    return sel, (cand if cands else None), (kinds >= 0).astype(np.int64)
