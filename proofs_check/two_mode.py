"""The two-mode example (half ``ABAB...``, half ``BABA...``): its exact KL for every schedule
and for every sampler of the registry, against the closed form ``(s_1 - 1) log 2``.

Every position is a fair bit and any revealed bit fixes the rest, so only the first step costs:
sampling ``s_1`` positions independently hits one of the two modes with probability
``2 * 2^-s_1``, and ``KL(mu || nu) = (s_1 - 1) log 2`` for a fixed order, on average over random
orders (Theorem 4) and for the random-order mixture alike.  The first step's size is read off
each rule's parameters (not from the evaluator): a schedule's ``s_1``; ``n`` for a threshold
``tau <= 1/2``, else 1; ``1 + floor(gamma / log 2)`` for EB; ``max(1, floor(eps / log 2))`` for
``entropy_sum``; 1 for ``frechet_profile`` (fair candidates: ``L_2 - U_2 < 0``); 1 for ``punt_pairwise`` (``delta <
log 2``), the published ``punt`` (any ``eps``: the top candidate is an anchor of every round) and
bisection; ``n``
for the optimal policy with one call, else a first step of 1."""

from __future__ import annotations

import itertools
import math

import numpy as np

from mdmtheory import SAMPLER_NAMES, evaluate, expected_kl, fixed_order_kl, make_sampler, mixture_kl, two_mode
from mdmtheory.samplers import step_sizes

from . import TOL, Claim

NAME = "two_mode_exact"
SOURCE = (
    "the two-mode example users ask about (issue 12): closed form (s_1 - 1) log 2 derived here; "
    "exact engines: Chen-Cong-Li (arXiv 2511.04647) Theorem 4, fixed-order chain rule, mixture law, "
    "the exact sampler evaluator"
)

LOG2 = math.log(2.0)


def first_step_size(name: str, params: dict, n: int) -> int:
    """Size of the first unmasked set on the two-mode table, from the rule's parameters."""
    if "schedule" in params or "steps" in params:
        return step_sizes(params, n)[0]
    if name == "threshold":
        return n if params["tau"] <= 0.5 else 1  # every confidence is 1/2 at the start
    if name == "eb":
        return min(n, 1 + math.floor(params["gamma"] / LOG2 + 1e-12))  # sum H - max H = (|U|-1) log 2
    if name == "punt_pairwise":
        return n if params["delta"] >= LOG2 else 1  # every pair has conditional MI log 2
    if name == "punt":
        return 1  # every anchor set holds the top candidate: a tested one is then fixed or impossible (KL inf)
    if name == "bisection":
        return 1  # one gap, one midpoint
    if name == "optimal":
        return n if params["k"] == 1 else 1
    if name == "entropy_sum":
        return min(n, max(1, math.floor(params["eps"] / LOG2 + 1e-12)))  # every entropy counts: |U| log 2 <= eps
    if name == "frechet_profile":
        return 1  # every candidate's confidence is 1/2: G_1 = 1/2 - 1/2 = 0, G_2 = 0 - 1/2 < 0, so n* = 1
    if name == "fast_dllm" and params["factor"] is None:
        return n if params["threshold"] <= 0.5 else 1  # the top candidate, and every one >= threshold
    raise ValueError(f"no closed form for sampler {name!r}")


def closed_form(first: int) -> float:
    """``(s_1 - 1) log 2`` nats."""
    return (first - 1) * LOG2


def sampler_grid(n: int) -> list:
    """Every registered sampler with a closed form here, with its defaults and a sweep of its knob.

    The candidate samplers run at temperature 1 (candidates drawn from the marginals): at their
    default temperature 0 the candidate is the argmax, the output a point mass and the KL
    infinite.  ``dream`` (its per-step counts follow a timestep schedule) has no closed form here.
    """
    out = []
    for name in SAMPLER_NAMES:
        if name == "dream":
            continue
        if name == "llada":
            out += [make_sampler(name, steps=k, temperature=1.0) for k in (1, 2, 3, n)]
            continue
        if name == "fast_dllm":
            out += [make_sampler(name, temperature=1.0, threshold=t) for t in (0.4, 0.5, 0.9)]
            continue
        if name == "frechet_profile":
            out += [make_sampler(name, temperature=1.0, margin=d) for d in (0.0, 0.25, 0.9)]
            continue
        out.append(make_sampler(name))
        if name in ("random", "left_to_right", "confidence", "margin", "entropy"):
            out += [make_sampler(name, steps=k) for k in (1, 3, n)]
        elif name == "threshold":
            out += [make_sampler(name, tau=t) for t in (0.5, 0.6, 0.99)]
        elif name == "eb":
            out += [make_sampler(name, gamma=g, proxy=p) for g in (0.7, 1.5, 10.0) for p in ("entropy", "confidence", "margin")]
        elif name == "entropy_sum":
            out += [make_sampler(name, eps=e) for e in (0.69, 0.7, 1.4, 3.0, 100.0)]
        elif name == "punt_pairwise":
            out += [make_sampler(name, delta=0.7)]
        elif name == "punt":
            out += [make_sampler(name, eps=0.7), make_sampler(name, eps=0.0), make_sampler(name, eps=100.0)]
        elif name == "optimal":
            out += [make_sampler(name, k=1), make_sampler(name, k=3)]
    return out


def check(quick: bool = False, family=two_mode, engine=evaluate, schedule_kl=expected_kl, formula=closed_form) -> Claim:
    """Every schedule (Theorem 4, fixed orders, mixture) and every sampler against the closed form."""
    sizes = (4, 5) if quick else (4, 5, 6)
    rng = np.random.default_rng(12)
    worst_sched, worst_sampler, cases = 0.0, 0.0, 0
    table = {}
    for n in sizes:
        joint = family(n)
        for cuts in itertools.chain.from_iterable(itertools.combinations(range(1, n), r) for r in range(n)):
            nodes = (0,) + cuts + (n,)
            sched = [b - a for a, b in zip(nodes[:-1], nodes[1:])]
            want = formula(sched[0])
            order = rng.permutation(n)
            blocks = [order[a:b].tolist() for a, b in zip(nodes[:-1], nodes[1:])]
            got = [schedule_kl(joint, sched), fixed_order_kl(joint, blocks)]
            if n <= 5:
                got.append(mixture_kl(joint, sched))
            worst_sched = max(worst_sched, max(abs(g - want) for g in got))
            cases += 1
        for sampler in sampler_grid(n):
            r = engine(joint, sampler)
            want = formula(first_step_size(sampler.name, sampler.params, n))
            worst_sampler = max(worst_sampler, abs(r["kl"] - want))
            if n == sizes[-1] and sampler.params == make_sampler(sampler.name).params:
                table[f"{sampler.name}_kl_bits(n={n})"] = r["kl"] / LOG2
            cases += 1
    return Claim(
        name=NAME,
        source=SOURCE,
        passed=worst_sched <= TOL and worst_sampler <= TOL,
        numbers={"cases": cases, "max_schedule_error": worst_sched, "max_sampler_error": worst_sampler, **table},
        detail=(
            "two_mode(n): every schedule's Theorem 4 expected KL, a fixed order's KL and the mixture KL, and every "
            "sampler's exact KL (defaults and knob sweeps; llada, fast_dllm and frechet_profile at temperature 1; dream has no closed "
            "form here) equal (s_1 - 1) log 2 with s_1 the first step's size."
        ),
    )
