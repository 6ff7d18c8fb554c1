"""Chain rule for adaptive parallel samplers (docs/theory.md section 2.2): for a deterministic adaptive
policy, ``KL(mu || nu) = sum over visited states (R, x_R) of mu(x_R) TC(X_S | x_R)``.

Checked by brute force, independently of the evaluator's kernel: for every ``x`` the policy is
walked along ``x`` (``Sampler.select`` on marginals sliced from the table), giving ``nu(x)`` as the
product of the conditionals used and, for ``mu(x) > 0``, the sum of the conditional total
correlations met on the way (``conditional_total_correlation`` of :mod:`mdmtheory.information`).
The evaluator's ``kl`` is compared too."""

from __future__ import annotations

import itertools

import numpy as np
from scipy.special import entr

from mdmtheory import conditional_total_correlation, evaluate, make_sampler, optimal_policy, random_joint
from mdmtheory.divergence import kl_divergence
from mdmtheory.samplers import SamplerState

from . import TOL, Claim

NAME = "chain_rule_adaptive"
#: What the verdict checked (proofs_check.KINDS).
KIND = "consistency"
SOURCE_READ = "none"


def _state(joint, values: list[int], step: int) -> SamplerState:
    """The exact oracle's view of the partial assignment ``values`` (-1 = masked)."""
    mu, n, q = joint.table, joint.n, joint.q
    free = [i for i in range(n) if values[i] < 0]
    sub = mu[tuple(v if v >= 0 else slice(None) for v in values)]
    mass = float(sub.sum())
    P = np.zeros((n, max(q)))
    for a, i in enumerate(free):
        other = tuple(b for b in range(len(free)) if b != a)
        P[i, : q[i]] = sub.sum(axis=other) / mass if mass > 0 else 1.0 / q[i]

    def pair_mi(i: int, j: int) -> float:
        if mass <= 0:
            return 0.0
        a, b = free.index(i), free.index(j)
        pij = sub.sum(axis=tuple(c for c in range(len(free)) if c not in (a, b))) / mass
        return float(np.sum(entr(P[i])) + np.sum(entr(P[j])) - np.sum(entr(pij)))

    return SamplerState(n, np.array([v >= 0 for v in values]), np.array(values), P, step, pair_mi)


def walk(joint, sampler, tc_fn=conditional_total_correlation) -> tuple[np.ndarray, float]:
    """``(nu, sum_x mu(x) sum_t TC(X_{S_t} | x_{R_t}))`` of a deterministic policy, by brute force;
    ``tc_fn(joint, S, pinned)`` gives the conditional total correlation."""
    n, q = joint.n, joint.q
    nu = np.zeros(q)
    chain = 0.0
    for x in itertools.product(*[range(s) for s in q]):
        values, step, p, tc = [-1] * n, 0, 1.0, 0.0
        while min(values) < 0:
            st = _state(joint, values, step)
            [(_, S)] = sampler.select(st)
            if joint.table[x] > 0:
                pinned = {i: values[i] for i in range(n) if values[i] >= 0}
                tc += tc_fn(joint, list(S), pinned)
            for i in S:
                p *= st.marginals[i, x[i]]
                values[i] = x[i]
            step += 1
        nu[x] = p
        chain += joint.table[x] * tc
    return nu, chain


def check(quick: bool = False, tc_fn=conditional_total_correlation) -> Claim:
    """``tc_fn(joint, S, pinned)`` is the conditional TC under test (injectable, to show the check can fail)."""
    shapes = [(2, 2, 2), (3, 2, 2)] if quick else [(2, 2, 2, 2), (3, 3, 2), (2, 3, 2, 2), (3, 3, 3)]
    specs = [
        ("confidence", {"steps": 2}),
        ("entropy", {"steps": 2}),
        ("margin", {"schedule": None}),
        ("eb", {"gamma": 0.3}),
        ("threshold", {"tau": 0.6}),
        ("punt_pairwise", {"delta": 0.01}),
        ("bisection", {}),
        ("optimal", {"k": 2}),
    ]
    worst_chain, worst_kernel, cases = 0.0, 0.0, 0
    for s, shape in enumerate(shapes):
        for alpha in (0.3, 1.0):
            joint = random_joint(len(shape), list(shape), alpha=alpha, seed=100 + s)
            for name, params in specs:
                if name == "margin":
                    params = {"schedule": [2] + [1] * (joint.n - 2)}
                sampler = optimal_policy(joint, params["k"]) if name == "optimal" else make_sampler(name, **params)
                nu, chain = walk(joint, sampler, tc_fn)
                kl = kl_divergence(joint, nu)
                worst_chain = max(worst_chain, float(abs(kl - chain)))
                worst_kernel = max(worst_kernel, abs(evaluate(joint, sampler)["kl"] - kl))
                cases += 1
    return Claim(
        name=NAME,
        kind=KIND,
        source_read=SOURCE_READ,
        source="Chain rule (Chen-Cong-Li arXiv 2511.04647; docs/theory.md section 2.2)",
        passed=worst_chain < TOL and worst_kernel < TOL,
        numbers={"cases": cases, "max_abs_kl_minus_chain_sum": worst_chain, "max_abs_evaluator_minus_brute": worst_kernel},
        detail="For confidence, entropy, margin, EB, threshold, punt_pairwise, bisection and the optimal policy on random "
        "tables, KL(mu||nu) of the law built along each x equals the mu-weighted sum of TC(X_S | x_R) over the "
        "visited states, and the evaluator's KL (nats).",
    )
