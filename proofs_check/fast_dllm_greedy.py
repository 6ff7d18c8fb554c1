"""Fast-dLLM (Wu et al., arXiv 2505.22618) Theorem 1: if every selected position's most likely
value has marginal probability above ``1 - eps`` and ``(n + 1) eps <= 1`` (``n`` selected
positions), greedy parallel decoding (the argmax of each marginal) equals greedy sequential
decoding (the argmax of each conditional given the values already decoded, in order).

Checked on enumerated tables (peaked random tables, every subset of positions selected, the other
positions left masked i.e. summed out) with the decoders written directly, and on a family just
past the condition, ``eps = 1/(n+1) + 2 delta``, where the two decoders differ:
mass ``1/(n+1) - n delta`` on the all-zero string and ``1/(n+1) + delta`` on each string with a
single 1 (every marginal of 0 is ``n/(n+1) - delta``; the last conditional prefers 1)."""

from __future__ import annotations

import itertools

import numpy as np

from mdmtheory import Joint, random_joint

from . import Claim

NAME = "fast_dllm_theorem1"
#: What the verdict checked (proofs_check.KINDS).
KIND = "confirmed"
SOURCE_READ = "full text"
SOURCE = (
    "C. Wu et al. (2025), Fast-dLLM, arXiv 2505.22618 (v3), Theorem 1 part 1 (read in the paper's appendix A: "
    "hypothesis (n + 1) eps <= 1, tight by the construction of its step 3); decoders and counterexample written here"
)


def _marginal(table: np.ndarray, keep: list[int]) -> np.ndarray:
    drop = tuple(a for a in range(table.ndim) if a not in keep)
    return table.sum(axis=drop) if drop else table


def greedy_parallel(table: np.ndarray, selected: list[int]) -> tuple[int, ...]:
    """Argmax of each selected position's marginal (first value on ties)."""
    return tuple(int(np.argmax(_marginal(table, [i]))) for i in selected)


def greedy_sequential(table: np.ndarray, selected: list[int]) -> tuple[int, ...]:
    """Selected positions in increasing order, each the argmax of its conditional given the
    values already decoded (the unselected positions stay masked)."""
    sel = sorted(selected)
    marg = _marginal(table, sel)  # axes in increasing position order
    out: list[int] = []
    for k in range(len(sel)):
        sub = marg[tuple(out)]  # fix the decoded prefix
        cond = sub.sum(axis=tuple(range(1, sub.ndim))) if sub.ndim > 1 else sub
        out.append(int(np.argmax(cond)))
    order = {p: v for p, v in zip(sel, out)}
    return tuple(order[i] for i in selected)


def theorem_condition(n_selected: int, eps: float) -> bool:
    """Theorem 1's hypothesis on ``eps`` (besides every marginal exceeding ``1 - eps``)."""
    return (n_selected + 1) * eps <= 1.0 + 1e-15


def counterexample(n: int, delta: float) -> Joint:
    """The table just past the condition (module docstring), ``0 < delta < 1/(n(n+1))``."""
    t = np.zeros((2,) * n)
    t[(0,) * n] = 1.0 / (n + 1) - n * delta
    for j in range(n):
        x = [0] * n
        x[j] = 1
        t[tuple(x)] = 1.0 / (n + 1) + delta
    return Joint(t)


def _peaked_tables(quick: bool):
    rng = np.random.default_rng(505)
    shapes = [(2, 2, 2), (3, 2, 2), (2, 2, 2, 2)] if quick else [(2, 2, 2), (3, 2, 2), (2, 3, 3), (2, 2, 2, 2), (3, 3, 2, 2)]
    per = 40 if quick else 150
    for s, shape in enumerate(shapes):
        for r in range(per):
            noise = random_joint(len(shape), list(shape), alpha=float(rng.choice([0.1, 0.5, 2.0])), seed=1000 * s + r).table
            peak = np.zeros(shape)
            peak[tuple(int(rng.integers(q)) for q in shape)] = 1.0
            w = float(rng.uniform(0.4, 1.0))
            yield Joint(w * peak + (1 - w) * noise, normalize=True)


def check(quick: bool = False, parallel=greedy_parallel, sequential=greedy_sequential, condition=theorem_condition) -> Claim:
    """No disagreement where the hypothesis holds; disagreement on every table just past it."""
    deltas = (1e-3, 1e-6)
    past = [counterexample(n, d) for n in range(2, 5 if quick else 7) for d in deltas]
    held, broken, near = 0, 0, 0
    for joint in itertools.chain(_peaked_tables(quick), past):
        t = joint.table
        for r in range(1, joint.n + 1):
            for sel in itertools.combinations(range(joint.n), r):
                sel = list(sel)
                top = min(float(_marginal(t, [i]).max()) for i in sel)
                eps = 1.0 - top + 1e-12  # the smallest eps with every marginal > 1 - eps (up to rounding)
                if not condition(len(sel), eps):
                    continue
                held += 1
                near += eps > 0.8 / (len(sel) + 1)
                broken += parallel(t, sel) != sequential(t, sel)
    differ = 0
    for joint in past:
        n = joint.n
        sel = list(range(n))
        top = min(float(_marginal(joint.table, [i]).max()) for i in sel)
        differ += parallel(joint.table, sel) != sequential(joint.table, sel) and top > 1.0 - (1.0 / (n + 1) + 3e-3)
    passed = broken == 0 and held > 0 and differ == len(past)
    return Claim(
        name=NAME,
        kind=KIND,
        source_read=SOURCE_READ,
        source=SOURCE,
        passed=passed,
        numbers={
            "selections_meeting_hypothesis": held,
            "of_which_near_the_boundary": int(near),
            "disagreements_under_hypothesis": broken,
            "tables_just_past_condition": len(past),
            "of_which_decoders_differ": differ,
        },
        detail=(
            "Greedy parallel = greedy sequential on every selection meeting the hypothesis (peaked random tables, "
            "q up to 3, other positions masked); on the family with eps = 1/(n+1) + 2 delta (n = 2.., delta = 1e-3, "
            "1e-6) every marginal still exceeds 1 - eps but the sequential decoder ends on a 1, the parallel one on 0."
        ),
    )
