"""Dream's step counts in the published arithmetic (a leaf beside ``rules.py``): ``torch.linspace``
in float32 (fused or not) or the real-number reading in float64, and the per-step counts and
transfer probabilities the rule reads.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .codes import DREAM_FLOAT32, DREAM_FLOAT32_UNFUSED, DREAM_FLOAT64  # noqa: F401 - the dtype codes

__all__: list[str] = []


@njit(cache=True)
def fma32(a, b, c):
    """``float32(a * b + c)`` rounded once for float32 ``a, b, c``: ``a * b`` is exact in float64, the
    sum is rounded to odd (TwoSum's error; Boldo-Melquiond), then to float32: the correct rounding."""
    p = np.float64(a) * np.float64(b)
    cc = np.float64(c)
    s = p + cc
    bb = s - p
    err = (p - (s - bb)) + (cc - bb)
    if err != 0.0:
        bits = np.empty(1)
        bits[0] = s
        if bits.view(np.int64)[0] & 1 == 0:  # even: the odd neighbour towards the exact value
            s = np.nextafter(s, np.inf if err > 0.0 else -np.inf)
    return np.float32(s)


@njit(cache=True)
def linspace32(start, end, num, i, fused):
    """Entry ``i`` of ``torch.linspace(start, end, num)`` in float32 as torch's CPU kernel computes it
    (``RangeFactoriesKernel.cpp``: ``linspace_kernel``): ``step = (end - start) / (num - 1)``, then
    ``start + step * i`` below ``num // 2``, ``end - step * (num - 1 - i)`` above; ``fused``: each one
    rounding (a fused multiply-add, torch's AVX2/AVX512 builds), else two (its DEFAULT build)."""
    s = np.float32(start)
    e = np.float32(end)
    step = (e - s) / np.float32(num - 1)
    if i < num // 2:
        if fused:
            return fma32(step, np.float32(i), s)
        return s + step * np.float32(i)
    if fused:
        return fma32(-step, np.float32(num - 1 - i), e)
    return e - step * np.float32(num - 1 - i)


@njit(cache=True)
def dream_count(m, i, steps, eps, dtype):
    """Dream's ``number_transfer_tokens`` at step ``i`` with ``m`` masked positions:
    ``int(m * (1 - s / t))`` with ``t, s`` entries ``i, i + 1`` of ``linspace(1, eps, steps + 1)``,
    all ``m`` at the last step.  ``dtype`` 0 (``DREAM_FLOAT32``): as the published code computes
    it, ``timesteps`` a float32 tensor (:func:`linspace32`, fused) and ``num_mask_token`` a float32
    quotient, every operation rounded to float32; 2 (``DREAM_FLOAT32_UNFUSED``): the same with
    ``linspace`` unfused; 1 (``DREAM_FLOAT64``): the real-number ``linspace`` in float64,
    ``t = 1 + i (eps - 1) / steps`` (the toolkit's reading before issue 18)."""
    if i >= steps - 1:
        return m
    if dtype != DREAM_FLOAT64:
        t = linspace32(1.0, eps, steps + 1, i, dtype == DREAM_FLOAT32)
        s = linspace32(1.0, eps, steps + 1, i + 1, dtype == DREAM_FLOAT32)
        return int(np.float32(m) * (np.float32(1.0) - s / t))
    t = 1.0 + i * (eps - 1.0) / steps
    s = 1.0 + (i + 1) * (eps - 1.0) / steps
    return int(m * (1.0 - s / t))


@njit(cache=True)
def dream_p_transfer(i, steps, eps, dtype):
    """Dream ``origin``: every masked position is unmasked with probability ``1 - s / t``
    (``p_transfer``, in the dtype of :func:`dream_count`), 1 at the last step."""
    if i >= steps - 1:
        return 1.0
    if dtype != DREAM_FLOAT64:
        t = linspace32(1.0, eps, steps + 1, i, dtype == DREAM_FLOAT32)
        s = linspace32(1.0, eps, steps + 1, i + 1, dtype == DREAM_FLOAT32)
        return float(np.float32(1.0) - s / t)
    t = 1.0 + i * (eps - 1.0) / steps
    s = 1.0 + (i + 1) * (eps - 1.0) / steps
    return 1.0 - s / t
