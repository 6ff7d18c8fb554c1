"""Exact sampler evaluation: time on large tables, ratio to the recursive reference, and how far
the optimal-policy DP reaches.

* ``evaluate``: :func:`mdmtheory.evaluate` of EB, entropy and confidence on a random ``q = 3,
  n = 12`` table (target: 10 s or less each) and a binary ``n = 16`` table (Dirichlet(0.5),
  seed 0), including the subset-marginal tables (``prod_i (q_i + 1)`` cells) it builds.
* ``reference``: the benchmark's own slow recursive reference, :func:`_reference_law` below
  (recursion over runs, marginals sliced from the full table, each step's law from
  ``Sampler.transitions``) on the same table in the same run.  When it would take longer than
  the budget it is stopped and extrapolated from its rate (oracle queries per second) to the
  number of states the exact run visited (marked ``~``).
* ``optimal``: :func:`mdmtheory.optimal_kl` for budgets ``k = 2`` and ``k = n`` against ``n``, until
  one run passes the time limit; the work bound ``k prod_i (1 + 2 q_i)`` of the refusal is shown.
* ``published``: the exact evaluation of ``llada`` (temperature 1, two steps per block; two
  blocks, or three for ``n = 9``, which two blocks do not divide: LLaDA asserts it) and
  ``punt_pairwise`` (``delta = 0.01``) on a binary ``n = 12`` and a ``q = 3, n = 9``
  table (Dirichlet(0.5), seed 0), against the same brute-force recursion (every candidate
  vector of every masked position enumerated by ``Sampler.transitions``) in the same run,
  stopped at the budget and extrapolated from its rate (marked ``~``); the largest difference of
  the two laws when the reference finished.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
from scipy.special import entr

import mdmtheory as m
from mdmtheory.exact import OPTIMAL_MAX_WORK, optimal_kl

FULL = [(3, 12), (2, 16)]
QUICK = [(3, 6), (2, 9)]
TARGET_Q3_N12 = 10.0  # seconds per sampler


class _Stop(Exception):
    pass


def _reference_law(joint, sampler, query) -> np.ndarray:
    """The benchmark's reference (a timing baseline, not a test oracle): the output law of
    ``sampler`` on ``joint`` by recursion over runs, each state's marginals (and pairwise
    informations) sliced from the full table, the step's law from ``Sampler.transitions``;
    ``query()`` is called once a state (an oracle query)."""
    mu, n, q = joint.table, joint.n, joint.q
    qmax = max(q)
    nu = np.zeros(q)

    def H(p) -> float:
        return float(entr(np.asarray(p, dtype=float)).sum())

    def rec(values: tuple, step: int, w: float) -> None:
        free = [i for i in range(n) if values[i] < 0]
        if not free:
            nu[values] += w
            return
        query()
        sub = mu[tuple(v if v >= 0 else slice(None) for v in values)]
        mass = float(sub.sum())
        cond = sub / mass if mass > 0 else None
        P = np.zeros((n, qmax))
        for a, i in enumerate(free):
            if mass > 0:
                P[i, : q[i]] = cond.sum(axis=tuple(b for b in range(len(free)) if b != a))
            else:
                P[i, : q[i]] = 1.0 / q[i]

        def pair_mi(i, j):
            if mass <= 0:
                return 0.0
            a, b = free.index(i), free.index(j)
            return H(P[i]) + H(P[j]) - H(cond.sum(axis=tuple(c for c in range(len(free)) if c not in (a, b))))

        state = m.SamplerState(n, np.array([v >= 0 for v in values]), np.array(values), P, step, pair_mi, q=tuple(q))
        for prob, S, given in sampler.transitions(state):
            for xs in [given] if given is not None else itertools.product(*[range(q[i]) for i in S]):
                pr = prob * w * (1.0 if given is not None else float(np.prod([P[i, v] for i, v in zip(S, xs)])))
                if pr > 0:
                    nv = list(values)
                    for i, v in zip(S, xs):
                        nv[i] = v
                    rec(tuple(nv), step + 1, pr)

    rec(tuple([-1] * n), 0, 1.0)
    return nu


def _reference(joint, sampler, states: int, budget: float):
    """``(seconds, extrapolated, law or None)`` of :func:`_reference_law`, stopped at ``budget``
    seconds and then extrapolated from its rate (oracle queries per second) to ``states`` queries."""
    calls = [0]
    t0 = time.perf_counter()

    def query():
        calls[0] += 1
        if time.perf_counter() > t0 + budget:
            raise _Stop

    try:
        nu = _reference_law(joint, sampler, query)
        return time.perf_counter() - t0, False, nu
    except _Stop:
        return (time.perf_counter() - t0) / max(calls[0], 1) * states, True, None


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
