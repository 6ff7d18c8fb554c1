"""One drawn step of many runs in lockstep: :func:`draw_batch` (the estimators' step,
:mod:`mdmtheory.sampler_estimate`), built from the two pieces every drawn step is made of,
:func:`step_specs` and :func:`sample_sets`, which :meth:`mdmtheory.samplers.Sampler.draw` runs
for one run.

The kernels (``mdmtheory/_kernels/estimate.py``) loop over the runs around the rule functions of
``mdmtheory/_kernels/rules.py``; each run draws from its own generator, in a fixed order: its
candidates' uniforms, then the seed of a random set.  So a run's step does not depend on the
other runs of the batch, and ``tests/test_draw_batch.py`` checks it against ``Sampler.draw`` run
by run.
"""

from __future__ import annotations

import numpy as np

from ._kernels import codes as _c
from ._lazy import lazy_module
from .errors import InputError
from .tolerances import KEY_DECIMALS, TOL

_ke = lazy_module("mdmtheory._kernels.estimate")

__all__ = ["draw_batch", "step_specs", "sample_sets"]


def draw_batch(sampler, marginals, masks, steps, rngs=None, q=None, point_mass: bool = False):
    """:meth:`Sampler.draw` for ``B`` runs at once: :func:`step_specs` and :func:`sample_sets`,
    the pieces ``draw`` runs for one run, over the whole batch, so run ``b`` gets exactly
    ``draw``'s step (the tests compare them).  Cost: ``O(B n q)``
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
    >>> from mdmtheory import make_sampler
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
    kinds, ks, es, chosen, w, cand, _ = step_specs(sampler, P, masks, ts, rngs, qs, point_mass)
    sample_sets(sampler.name, kinds, ks, es, chosen, w, rngs)
    sel = np.zeros((B, n), dtype=bool)
    sel[np.repeat(np.arange(B), ks), chosen[np.arange(n)[None, :] < ks[:, None]]] = True
    return sel, (cand if sampler.rule.candidates else None), (kinds >= 0).astype(np.int64)


def _need_rngs(rngs, B: int, name: str, what: str):
    if rngs is None or len(rngs) != B or any(r is None for r in rngs):
        raise InputError(f"{name} draws its {what} at random: give one generator a run (rngs, {B} of them)")


def step_specs(sampler, P: np.ndarray, masks: np.ndarray, ts: np.ndarray, rngs, qs: np.ndarray,
               point_mass: bool = False):
    """The selection spec of one step of each of ``B`` runs (validated arrays: ``P`` float64
    ``(B, n, width)``, ``masks`` bool ``(B, n)``, ``ts`` int64 ``(B,)``, ``qs`` int64 ``(n,)``):
    the marginals' statistics where the rule reads them, a candidate for every eligible position
    (drawn with the run's uniforms, taken from ``rngs[b]`` in one call; its argmax with
    ``point_mass``), and the spec the rule's ``select`` makes of them.

    Returns
    -------
    (kinds, ks, es, chosen, w, cand, candp)
        Per run: the spec's kind (a code of ``mdmtheory/_kernels/codes.py``; ``-1`` for a run with
        nothing masked), size and extra count, the ranked positions ``chosen[b]`` and weights
        ``w[b]``; ``cand[b, i]`` and ``candp[b, i]`` the candidate of position ``i`` and its
        probability (``-1`` and 1 where none was drawn).

    Raises
    ------
    InputError
        The rule draws candidates and a run has no generator.
    """
    B, n, width = P.shape
    code, ip, fp, sizes = sampler.kernel_args(n)
    cands = bool(sampler.rule.candidates)
    counts = np.zeros(B, dtype=np.int64)
    _ke.step_uniforms(code, ip, fp, ts, masks, cands, point_mass, width, counts)
    if counts.any():
        _need_rngs(rngs, B, sampler.name, "candidates")
    U = np.zeros((B, max(1, int(counts.max(initial=0)))))
    for b in np.flatnonzero(counts):  # the run's candidate uniforms, in the order the kernel reads them
        U[b, :counts[b]] = rngs[b].random(counts[b])
    kinds, ks, es = np.zeros(B, dtype=np.int64), np.zeros(B, dtype=np.int64), np.zeros(B, dtype=np.int64)
    chosen, w = np.zeros((B, n), dtype=np.int64), np.zeros((B, n))
    cand, candp = np.full((B, n), -1, dtype=np.int64), np.ones((B, n))
    _ke.draw_steps(code, ip, fp, sizes, ts, P, qs, masks, U, cands, point_mass, TOL, 10.0**KEY_DECIMALS,
                   kinds, ks, es, chosen, w, cand, candp)
    return kinds, ks, es, chosen, w, cand, candp


def sample_sets(name: str, kinds: np.ndarray, ks: np.ndarray, es: np.ndarray, chosen: np.ndarray, w: np.ndarray,
                rngs) -> None:
    """Draw the set of every run whose spec is random (not ``DET``, not ``punt``'s ``ANCHORED``,
    which :meth:`Sampler.draw` runs itself): numba's generator seeded from the run's stream
    (``rngs[b].integers(2**31)``), then ``sample_spec``; the set is left in ``chosen[b, :ks[b]]``.

    Raises
    ------
    InputError
        A random spec and a run without a generator.
    """
    drawn = (kinds != _c.DET) & (kinds != _c.ANCHORED) & (kinds >= 0)
    if not drawn.any():
        return
    _need_rngs(rngs, kinds.size, name, "sets")
    seeds = np.full(kinds.size, -1, dtype=np.int64)
    for b in np.flatnonzero(drawn):
        seeds[b] = int(rngs[b].integers(2**31))
    _ke.sample_specs(kinds, ks, es, chosen, w, seeds)
