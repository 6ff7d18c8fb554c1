"""Exact sampler evaluation: time on large tables, ratio to the recursive reference, and how far
the optimal-policy DP reaches.

* ``evaluate``: :func:`mdmtheory.evaluate` of EB, entropy and confidence on a random ``q = 3,
  n = 12`` table (target: 10 s or less each) and a binary ``n = 16`` table (Dirichlet(0.5),
  seed 0), including the subset-marginal tables (``prod_i (q_i + 1)`` cells) it builds.
* ``reference``: the slow recursive reference of ``tests/test_evaluate.py`` (recursion over runs,
  marginals sliced from the full table, the plain-Python rules of ``tests/rules_reference.py``)
  on the same table in the same run.  When it would take longer than the budget it is stopped and extrapolated from its
  rate (oracle queries per second) to the number of states the exact run visited (marked ``~``).
* ``optimal``: :func:`mdmtheory.optimal_kl` for budgets ``k = 2`` and ``k = n`` against ``n``, until
  one run passes the time limit; the work bound ``k prod_i (1 + 2 q_i)`` of the refusal is shown.
* ``published``: the exact evaluation of ``llada`` (temperature 1, two steps per block; two
  blocks, or three for ``n = 9``, which two blocks do not divide: LLaDA asserts it) and
  ``punt_pairwise`` (``delta = 0.01``) on a binary ``n = 12`` and a ``q = 3, n = 9``
  table (Dirichlet(0.5), seed 0), against the brute-force recursion of ``tests/test_evaluate.py``
  with the plain-Python rules of ``tests/rules_reference.py`` (every candidate vector of every
  masked position enumerated) in the same run, stopped at the budget and extrapolated from its
  rate (marked ``~``); the largest difference of the two laws when the reference finished.
"""

from __future__ import annotations

import time

import mdmtheory as m
from mdmtheory.evaluate import OPTIMAL_MAX_WORK, optimal_kl

FULL = [(3, 12), (2, 16)]
QUICK = [(3, 6), (2, 9)]
TARGET_Q3_N12 = 10.0  # seconds per sampler


class _Stop(Exception):
    pass


def _reference(joint, sampler, states: int, budget: float):
    """``(seconds, extrapolated, law or None)`` of the recursive reference of ``tests/test_evaluate.py``
    (plain-Python rules of ``tests/rules_reference.py``), stopped at ``budget`` seconds and then
    extrapolated from its rate (oracle queries per second) to ``states`` queries."""
    import tests.test_evaluate as te

    real, calls = te.reference_law, [0]
    t0 = time.perf_counter()

    def counted(*a, **k):
        calls[0] += 1
        if time.perf_counter() > t0 + budget:
            raise _Stop
        return real(*a, **k)

    te.reference_law = counted
    try:
        nu, _, _ = te.ref_run(joint, sampler)
        return time.perf_counter() - t0, False, nu
    except _Stop:
        return (time.perf_counter() - t0) / max(calls[0], 1) * states, True, None
    finally:
        te.reference_law = real


def _reference_time(joint, sampler, states: int, budget: float) -> tuple[float, bool]:
    t, extrapolated, _ = _reference(joint, sampler, states, budget)
    return t, extrapolated


def _samplers(n: int):
    return [
        m.make_sampler("eb", gamma=0.1),
        m.make_sampler("eb", gamma=1.0),
        m.make_sampler("entropy", steps=4),
        m.make_sampler("confidence", steps=4),
    ]


def _fmt(x: float) -> str:
    return f"{x:.3g} s" if x >= 0.01 else f"{x * 1e3:.3g} ms"


def _evaluate_section(quick: bool) -> list[str]:
    sizes = QUICK if quick else FULL
    budget = 5.0 if quick else 20.0
    lines = [
        "| table | cells `prod (q_i+1)` | sampler | KL (nats) | E calls | states | time | reference | ratio |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for q, n in sizes:
        joint = m.random_joint(n, q, alpha=0.5, seed=0)
        cells = (q + 1) ** n
        for s in _samplers(n):
            m.evaluate(m.random_joint(4, q, seed=1), s)  # compiled before timing
            t0 = time.perf_counter()
            r = m.evaluate(joint, s)
            t = time.perf_counter() - t0
            ref, extrapolated = _reference_time(joint, s, r["states_visited"], budget)
            label = f"{s.name}({', '.join(f'{k}={v}' for k, v in s.params.items())})"
            lines.append(
                f"| q={q}, n={n} | {cells:,} | {label} | {r['kl']:.4g} | {r['expected_steps']:.3g} | "
                f"{r['states_visited']:,} | {_fmt(t)} | {'~' if extrapolated else ''}{_fmt(ref)} | "
                f"{'~' if extrapolated else ''}{ref / t:,.0f}x |"
            )
            if (q, n) == (3, 12):
                verdicts.append(t <= TARGET_Q3_N12)
    if verdicts:
        lines.append("")
        lines.append(
            f"Target (each sampler on q = 3, n = 12 in {TARGET_Q3_N12:.0f} s or less, tables included): "
            + ("met." if all(verdicts) else "NOT met.")
        )
    return lines


def _optimal_section(quick: bool) -> list[str]:
    limit = 0.5 if quick else 60.0
    lines = ["| q | n | k | work `k prod (1+2q_i)` | time | optimal(k) (nats) |", "|---:|---:|---:|---:|---:|---:|"]
    optimal_kl(m.random_joint(2, 2, seed=1), 2)  # compiled before timing
    for q, n0 in ((2, 4), (3, 3)):
        n = n0
        while True:
            joint = m.random_joint(n, q, alpha=0.5, seed=0)
            slow = False
            for k in (2, n):
                work = k * (1 + 2 * q) ** n
                if work > OPTIMAL_MAX_WORK:
                    lines.append(f"| {q} | {n} | {k} | {work:.3g} | refused (limit {OPTIMAL_MAX_WORK:.0g}) | |")
                    slow = True
                    continue
                t0 = time.perf_counter()
                v = optimal_kl(joint, k)
                t = time.perf_counter() - t0
                lines.append(f"| {q} | {n} | {k} | {work:.3g} | {_fmt(t)} | {v:.4g} |")
                slow = slow or t > limit
            if slow:
                break
            n += 1
    return lines


def _published_section(quick: bool) -> list[str]:
    import numpy as np

    sizes = [(2, 6), (3, 4)] if quick else [(2, 12), (3, 9)]
    budget = 5.0 if quick else 60.0
    lines = ["| table | sampler | KL (nats) | TV | E calls | states | time | brute force | ratio | max abs diff |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for q, n in sizes:
        joint = m.random_joint(n, q, alpha=0.5, seed=0)
        # two blocks where they divide n (LLaDA asserts n % block_length == 0): q = 3, n = 9 has three
        blocks = 2 if n % 2 == 0 else 3
        llada = m.make_sampler("llada", steps=2 * blocks, block_length=n // blocks, temperature=1.0)
        for s in (llada, m.make_sampler("punt_pairwise", delta=0.01)):
            small = m.make_sampler("llada", steps=4, block_length=2, temperature=1.0) if s.name == "llada" else s
            m.evaluate(m.random_joint(4, q, seed=1), small)  # compiled before timing
            t0 = time.perf_counter()
            r = m.evaluate(joint, s)
            t = time.perf_counter() - t0
            ref, extrapolated, nu = _reference(joint, s, r.states_visited, budget)
            mark = "~" if extrapolated else ""
            diff = "-" if nu is None else f"{float(np.abs(nu - r.law.table).max()):.1e}"
            label = f"{s.name}({', '.join(f'{k}={v}' for k, v in s.params.items())})"
            lines.append(f"| q={q}, n={n} | {label} | {r.kl:.4g} | {r.tv:.3g} | {r.expected_steps:.3g} | "
                         f"{r.states_visited:,} | {_fmt(t)} | {mark}{_fmt(ref)} | {mark}{ref / t:,.0f}x | {diff} |")
    return lines


def run(quick: bool = False) -> str:
    out = ["## Exact sampler evaluation (`mdmtheory.evaluate`)", "", __doc__.split("\n\n", 1)[1].strip(), ""]
    out += ["### Evaluator and the recursive reference", ""] + _evaluate_section(quick)
    out += ["", "### optimal(k): how far the DP reaches", ""] + _optimal_section(quick)
    out += ["", "### Published samplers against brute force", ""] + _published_section(quick)
    return "\n".join(out) + "\n"
