"""Unmasking schedules: step sizes ``s_1..s_k`` summing to ``n``.

References
----------
.. [1] Chen, Cong, Li, "Optimal inference schedules for masked diffusion models",
   COLT 2026, arXiv:2511.04647, Section 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .errors import InputError

__all__ = ["Schedule", "as_schedule", "parse_schedule"]


@dataclass(frozen=True)
class Schedule:
    """Validated step sizes: positive integers summing to ``n``.

    Parameters
    ----------
    steps : sequence of int
        The number of positions unmasked at each step, in order.
    n : int, optional
        The sequence length the schedule must sum to (checked when given).

    Examples
    --------
    >>> s = Schedule([4, 5, 2, 2])
    >>> s.n, s.k, s.max_step, s.nodes
    (13, 4, 5, (0, 4, 9, 11, 13))
    """

    steps: tuple[int, ...]

    def __init__(self, steps: Sequence[int], n: int | None = None):
        try:
            arr = [int(s) for s in steps]
            exact = all(float(a) == float(s) for a, s in zip(arr, steps))
        except (TypeError, ValueError):
            raise InputError(f"a schedule is a list of positive integers; got {steps!r}") from None
        if not arr:
            raise InputError("a schedule needs at least one step")
        if not exact:
            raise InputError(f"schedule step sizes must be integers; got {list(steps)!r}")
        if min(arr) < 1:
            raise InputError(f"schedule steps must be positive (no zero or negative sizes); got {arr}")
        if n is not None and sum(arr) != n:
            raise InputError(f"schedule {arr} sums to {sum(arr)}, but n = {n}; the step sizes must sum to n")
        object.__setattr__(self, "steps", tuple(arr))

    @property
    def n(self) -> int:
        """Sequence length ``sum s_t``."""
        return sum(self.steps)

    @property
    def k(self) -> int:
        """Number of steps (model calls)."""
        return len(self.steps)

    @property
    def max_step(self) -> int:
        """Largest step size ``s_max``."""
        return max(self.steps)

    @property
    def nodes(self) -> tuple[int, ...]:
        """Partial sums ``N_0 = 0, N_1, ..., N_k = n``."""
        return tuple(int(x) for x in np.concatenate([[0], np.cumsum(self.steps)]))

    def __len__(self) -> int:
        return self.k

    def __iter__(self):
        return iter(self.steps)


def as_schedule(schedule, n: int | None = None) -> Schedule:
    """Coerce a :class:`Schedule` or a sequence of ints, checking it sums to ``n``."""
    if isinstance(schedule, Schedule):
        if n is not None and schedule.n != n:
            raise InputError(f"schedule {list(schedule.steps)} sums to {schedule.n}, but n = {n}; the step sizes must sum to n")
        return schedule
    return Schedule(schedule, n)


def parse_schedule(text: str, n: int | None = None) -> Schedule:
    """Parse ``"2,3,1"`` into a :class:`Schedule`."""
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    try:
        steps = [int(p) for p in parts]
    except ValueError:
        raise InputError(f"--schedule takes comma-separated positive integers like 2,3,1; got {text!r}") from None
    return Schedule(steps, n)
