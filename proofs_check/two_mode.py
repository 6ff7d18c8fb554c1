"""The two-mode example (half ``ABAB...``, half ``BABA...``): its exact KL for every schedule
and for every sampler of the registry, against the closed form ``(s_1 - 1) log 2``.

Every position is a fair bit and any revealed bit fixes the rest, so only the first step costs:
sampling ``s_1`` positions independently hits one of the two modes with probability
``2 * 2^-s_1``, and ``KL(mu || nu) = (s_1 - 1) log 2`` for a fixed order, on average over random
orders (Theorem 4) and for the random-order mixture alike.  The first step's size is read off
each rule's parameters (not from the evaluator): a schedule's ``s_1``; ``n`` for a threshold
``tau <= 1/2``, else 1; ``1 + floor(gamma / log 2)`` for EB; ``max(1, floor(eps / log 2))`` for
``entropy_sum`` with ``crossing = exclude`` and ``1 + floor(eps / log 2)`` (at most ``n``) with ``include``; 1 for ``frechet_profile`` (fair candidates: ``L_2 - U_2 < 0``); 1 for ``punt_pairwise`` (``delta <
log 2``), the published ``punt`` (any ``eps``: the top candidate is an anchor of every round) and
bisection; ``n``
for the optimal policy with one call, else a first step of 1."""

from __future__ import annotations

import itertools
import math

import numpy as np

from mdmtheory import RULES, evaluate, expected_kl, fixed_order_kl, make_sampler, mixture_kl, two_mode

from . import TOL, Claim

NAME = "two_mode_exact"
#: What the verdict checked (proofs_check.KINDS).
KIND = "consistency"
SOURCE_READ = "none"
SOURCE = (
    "the two-mode example users ask about (issue 12): closed form (s_1 - 1) log 2 derived here; "
    "exact engines: Chen-Cong-Li (arXiv 2511.04647) Theorem 4, fixed-order chain rule, mixture law, "
    "the exact sampler evaluator"
)

LOG2 = math.log(2.0)


def first_step_size(name: str, params: dict, n: int) -> int | None:
    """Size of the first unmasked set on the two-mode table, from the rule's parameters (its
    registered closed form, ``Rule.closed_forms["two_mode_first_step"]``); ``None`` when the rule
    (or this setting of it) has none."""
    form = RULES[name].closed_forms.get("two_mode_first_step")
    return None if form is None else form(params, n)


def closed_form(first: int) -> float:
    """``(s_1 - 1) log 2`` nats."""
    return (first - 1) * LOG2


def sampler_grid(n: int) -> tuple[list, list[str]]:
    """Every registered sampler with a closed form here, with its defaults and the settings its
    closed form probes (``Rule.closed_forms["two_mode_probes"]``, else its frontier grid), and
    the names of the rules skipped for want of a closed form.

    Published samplers run with their ``frontier_fixed`` parameters (candidates at temperature 1,
    drawn from the marginals: at their default temperature 0 the candidate is the argmax, the
    output a point mass and the KL infinite).  ``dream`` (its per-step counts follow a timestep
    schedule) declares no closed form.
    """
    out, skipped = [], []
    for name, rule in RULES.items():
        if "two_mode_first_step" not in rule.closed_forms:
            skipped.append(name)
            continue
        probes = rule.closed_forms.get("two_mode_probes") or [
            {key: value} if key else {} for key, value in (rule.frontier(n, n * LOG2) if rule.frontier else [])]
        for probe in ({}, *probes):
            prm = {**rule.frontier_fixed, **{k: (n if v is None and k == "steps" else v) for k, v in probe.items()}}
            out.append(make_sampler(name, **prm))
    return out, skipped


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
        grid, skipped = sampler_grid(n)
        for sampler in grid:
            first = first_step_size(sampler.name, sampler.params, n)
            if first is None:  # a setting without a closed form (fast_dllm's factor rule)
                continue
            r = engine(joint, sampler)
            want = formula(first)
            worst_sampler = max(worst_sampler, abs(r["kl"] - want))
            if n == sizes[-1] and sampler.params == make_sampler(sampler.name).params:
                table[f"{sampler.name}_kl_bits(n={n})"] = r["kl"] / LOG2
            cases += 1
    return Claim(
        name=NAME,
        kind=KIND,
        source_read=SOURCE_READ,
        source=SOURCE,
        passed=worst_sched <= TOL and worst_sampler <= TOL,
        numbers={"cases": cases, "max_schedule_error": worst_sched, "max_sampler_error": worst_sampler,
                 "no_closed_form": ",".join(skipped) or "none", **table},
        detail=(
            "two_mode(n): every schedule's Theorem 4 expected KL, a fixed order's KL and the mixture KL, and every "
            "sampler's exact KL (defaults and the probes each rule registers; the published samplers at temperature 1) "
            "equal (s_1 - 1) log 2 with s_1 the first step's size; rules that register no closed form are listed under "
            "no_closed_form and skipped."
        ),
    )
