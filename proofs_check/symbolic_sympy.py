"""Theorem 4 and the one-step identity (our reading of Lemma 13) as symbolic identities.

For ``n = 2, 3`` binary positions the probabilities are free sympy symbols ``p_x`` (the last one
is ``1 - sum`` of the others).  Both sides are written from their definitions -- the left as the
average over ordered partitions of ``sum_x p_x log(p_x / nu_S(x))`` with ``nu_S`` the product of
conditional marginals, the right from the information curve ``Z`` built from marginal entropies
-- the logarithms are expanded into logarithms of marginal sums, and the difference must expand
to exactly 0.  No number is substituted: this is a proof for these ``n``, not a test on samples.
"""

from __future__ import annotations

import itertools
from math import comb

import sympy as sp

from . import Claim

NAME = "symbolic_theorem4_lemma13"
#: What the verdict checked (proofs_check.KINDS).
KIND = "confirmed"
SOURCE_READ = "reference notes"


def _joint(n: int):
    xs = list(itertools.product((0, 1), repeat=n))
    syms = sp.symbols(f"p0:{len(xs)}", positive=True)
    p = dict(zip(xs, syms))
    p[xs[-1]] = 1 - sum(syms[:-1])
    return xs, p


def _marg(p, xs, A, x):
    """``mu(X_A = x_A)`` as a sum of symbols."""
    return sum(p[y] for y in xs if all(y[i] == x[i] for i in A))


def _H(p, xs, A) -> sp.Expr:
    """``H(X_A) = -sum m log m`` over the values of ``X_A`` (``H(empty) = 0``)."""
    if not A:
        return sp.Integer(0)
    vals = {tuple(x[i] for i in A): x for x in xs}
    return -sum(_marg(p, xs, A, x) * sp.log(_marg(p, xs, A, x)) for x in vals.values())


def _curve(p, xs, n):
    hbar = [sum(_H(p, xs, A) for A in itertools.combinations(range(n), k)) / comb(n, k) for k in range(n + 1)]
    return [hbar[1] + hbar[j - 1] - hbar[j] for j in range(1, n + 1)]  # Z_1..Z_n


def _cond(p, xs, T, i, x):
    return _marg(p, xs, list(T) + [i], x) / _marg(p, xs, list(T), x)


def _zero(expr: sp.Expr) -> bool:
    return sp.expand(sp.expand_log(expr, force=True)) == 0


def _compositions(n):
    for k in range(1, n + 1):
        for cuts in itertools.combinations(range(1, n), k - 1):
            b = (0,) + cuts + (n,)
            yield [b[i + 1] - b[i] for i in range(k)]


def _ordered_partitions(n, sizes):
    def rec(rest, sizes):
        if not sizes:
            yield []
            return
        for S in itertools.combinations(rest, sizes[0]):
            for tail in rec([i for i in rest if i not in S], sizes[1:]):
                yield [S] + tail
    yield from rec(list(range(n)), sizes)


def theorem4_holds(n: int, curve_fn=_curve) -> list[bool]:
    xs, p = _joint(n)
    Z = curve_fn(p, xs, n)
    out = []
    for sizes in _compositions(n):
        parts = list(_ordered_partitions(n, sizes))
        lhs = 0
        for blocks in parts:
            T: list[int] = []
            for S in blocks:
                for x in xs:
                    # p_x log( mu(x_S | x_T) / prod_i mu(x_i | x_T) ), summed over blocks = KL
                    lhs += p[x] * (sp.log(_marg(p, xs, T + list(S), x)) - sp.log(_marg(p, xs, T, x)) if T else
                                   sp.log(_marg(p, xs, list(S), x)))
                    lhs -= p[x] * sum(sp.log(_cond(p, xs, T, i, x)) if T else sp.log(_marg(p, xs, [i], x)) for i in S)
                T += list(S)
        lhs = lhs / len(parts)
        nodes = [0]
        for s in sizes:
            nodes.append(nodes[-1] + s)
        rhs = sum(Z[a + j - 1] - Z[a] for a, s in zip(nodes, sizes) for j in range(1, s + 1))
        out.append(_zero(lhs - rhs))
    return out


def lemma13_holds(n: int, curve_fn=_curve) -> list[bool]:
    xs, p = _joint(n)
    Z = curve_fn(p, xs, n)
    out = []
    for t in range(n):
        for s in range(1, n - t + 1):
            pairs = [(T, S) for T in itertools.combinations(range(n), t)
                     for S in itertools.combinations([i for i in range(n) if i not in T], s)]
            lhs = 0
            for T, S in pairs:
                T = list(T)
                for x in xs:  # E_x TC(X_S | X_T) in its KL form
                    joint = sp.log(_marg(p, xs, T + list(S), x)) - (sp.log(_marg(p, xs, T, x)) if T else 0)
                    single = sum(sp.log(_marg(p, xs, T + [i], x)) - (sp.log(_marg(p, xs, T, x)) if T else 0) for i in S)
                    lhs += p[x] * (joint - single)
            lhs = lhs / len(pairs)
            rhs = sum(Z[t + j - 1] - Z[t] for j in range(1, s + 1))
            out.append(_zero(lhs - rhs))
    return out


def check(quick: bool = False, curve_fn=_curve) -> Claim:
    """``curve_fn(p, xs, n) -> [Z_1..Z_n]`` (symbolic) is injectable, to show the check can fail."""
    ns = (2, 3)
    t4 = {n: theorem4_holds(n, curve_fn) for n in ns}
    l13 = {n: lemma13_holds(n, curve_fn) for n in ns}
    numbers = {}
    for n in ns:
        numbers[f"theorem4_n{n}"] = f"{sum(t4[n])}/{len(t4[n])} schedules"
        numbers[f"lemma13_n{n}"] = f"{sum(l13[n])}/{len(l13[n])} (t,s) pairs"
    return Claim(
        name=NAME,
        kind=KIND,
        source_read=SOURCE_READ,
        source="Chen-Cong-Li (COLT 2026) Theorem 4 and Lemma 13 (our reading), sympy",
        passed=all(all(v) for v in t4.values()) and all(all(v) for v in l13.values()),
        numbers=numbers,
        detail="With symbolic probabilities on {0,1}^n, n = 2, 3, the average KL over ordered partitions "
        "minus the left-Riemann error of Z expands to exactly 0 for every schedule, and so does the "
        "one-step identity for every (t, s).",
    )
