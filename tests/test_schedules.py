"""Schedule families: validity, the published rules transcribed independently, and the
Theorem 9 guarantees (error and step count) on random nondecreasing curves and tables."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory import schedules as S
from mdmtheory.errors import InputError
from mdmtheory.divergence import expected_kl
from tests.conftest import tables
from tests.test_optimal import curves

nk = st.integers(1, 200).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n)))


@given(nk)
def test_even_is_llada(args):
    """even(n, k): floor(n/k) each, the first n mod k steps one more (LLaDA's transfer counts)."""
    n, k = args
    s = S.even(n, k).steps
    base, rem = divmod(n, k)
    assert s == tuple([base + 1] * rem + [base] * (k - rem))


@given(nk)
def test_constant(args):
    """constant(n, s): steps of s, remainder last."""
    n, s = args
    got = S.constant(n, s).steps
    assert sum(got) == n and all(x == s for x in got[:-1]) and 1 <= got[-1] <= s
    assert len(got) == math.ceil(n / s)


@given(nk, st.sampled_from(["linear", "cosine", "loglinear"]))
def test_masking_rate_families_have_k_steps(args, name):
    """Masking-rate schedules: exactly k positive steps summing to n."""
    n, k = args
    s = S.schedule_family(name, n, k=k)
    assert s.k == k and s.n == n and min(s.steps) >= 1


def test_masking_rate_rules_by_hand():
    """Linear: masked counts floor(n (1 - i/k)); cosine: floor(n cos(pi i / 2k)) (MaskGIT)."""
    n, k = 100, 4
    lin = [100, 75, 50, 25, 0]
    assert S.linear(n, k).steps == tuple(a - b for a, b in zip(lin, lin[1:]))
    cos = [100] + [math.floor(100 * math.cos(math.pi * i / 8)) for i in (1, 2, 3)] + [0]
    assert cos == [100, 92, 70, 38, 0]
    assert S.cosine(n, k).steps == (8, 22, 32, 38)
    # log-linear: masking probability (1 - eps) t on t = 1 - i/k
    ll = [100] + [math.floor(100 * (1 - 1e-3) * (1 - i / 4)) for i in (1, 2, 3)] + [0]
    assert S.loglinear(n, k).steps == tuple(a - b for a, b in zip(ll, ll[1:]))


def _dream_reference(n, k, eps=1e-3):
    """Dream's sampling loop, transcribed: number_transfer_tokens per step (zeros kept)."""
    timesteps = np.linspace(1, eps, k + 1)
    masked, out = n, []
    for i in range(k):
        t, s = timesteps[i], timesteps[i + 1]
        num = int(masked * (1 - s / t)) if i < k - 1 else masked
        out.append(num)
        masked -= num
    return out


@given(nk)
def test_dream_matches_its_loop(args):
    """dream(n, k) is Dream's loop with the zero-size (no-op) steps dropped."""
    n, k = args
    ref = _dream_reference(n, k)
    assert S.dream(n, k).steps == tuple(x for x in ref if x > 0)
    assert sum(ref) == n


@given(nk, st.floats(0.2, 5.0))
def test_geometric(args, r):
    """geometric(n, r, k): k steps, monotone in the direction of r; without k, steps 1, r, r^2..."""
    n, k = args
    s = S.geometric(n, r, k).steps
    assert len(s) == k and sum(s) == n and min(s) >= 1
    if r > 1:
        g = S.geometric(n, r).steps
        assert sum(g) == n and g[0] == 1


def test_geometric_doubling():
    """Ratio 2 without k: 1, 2, 4, 8, ... (the last cut to fit)."""
    assert S.geometric(20, 2).steps == (1, 2, 4, 8, 5)


def _tc_reference(n, tc_hat, eps):
    """Theorem 9's TC schedule as printed, in exact rational arithmetic."""
    zeta = 1 + math.ceil(tc_hat / eps)
    if zeta == 1:
        return [n]
    lam = math.floor(math.log(n - zeta + 1) / math.log(1 / (1 - 1 / zeta))) + 2 if zeta <= n else 0
    nodes = [0]
    for _ in range(lam):
        nxt = math.floor(nodes[-1] + Fraction(n - nodes[-1], zeta))
        if nxt > nodes[-1]:
            nodes.append(nxt)
    steps = [b - a for a, b in zip(nodes, nodes[1:])]
    return steps + [1] * (n - nodes[-1])


def _dtc_reference(n, dtc_hat, eps):
    """Theorem 9's DTC schedule as printed: N'_0 = n, N'_i = ceil(N'_{i-1}(1 - 1/zeta))
    while at least zeta remain, the first positions one per step."""
    zeta = 1 + math.ceil(dtc_hat / eps)
    nodes = [n]
    while nodes[-1] >= zeta and nodes[-1] > 0:
        nodes.append(math.ceil(nodes[-1] * (1 - Fraction(1, zeta))))
    head = nodes[-1]
    back = [a - b for a, b in zip(nodes, nodes[1:])]
    return [1] * head + back[::-1]


@given(st.integers(1, 300), st.floats(0, 20), st.floats(0.01, 5))
def test_tc_dtc_match_printed_rules(n, hat, eps):
    """The integer implementations equal the printed recursions in exact rational arithmetic
    (floats would misround: 9 (1 - 1/3) = 6.000000000000001)."""
    assert list(S.tc(n, hat, eps).steps) == _tc_reference(n, hat, eps)
    assert list(S.dtc(n, hat, eps).steps) == _dtc_reference(n, hat, eps)


@settings(max_examples=60)
@given(curves(min_n=1, max_n=120), st.sampled_from([1.0, 0.5, 0.2, 0.1, 0.03, 0.01]))
def test_theorem9_guarantees_on_curves(z, frac):
    """Theorem 9: with TChat = TC (DTChat = DTC), E KL <= eps and k <= 2 + (1 + ln n)(1 +
    ceil(hat/eps)), for any nondecreasing curve (the proofs use only monotonicity)."""
    n = len(z)
    tc = float(np.sum(z))
    dtc = n * float(z[-1]) - tc
    for hat, make in ((tc, S.tc), (dtc, S.dtc)):
        if hat <= 0:
            continue
        eps = frac * hat
        s = make(n, hat, eps)
        assert expected_kl(z, s) <= eps * (1 + 1e-9)
        assert s.k <= 2 + (1 + math.log(n)) * (1 + math.ceil(hat / eps))


@settings(max_examples=20)
@given(tables(max_n=5))
def test_theorem9_on_tables(joint):
    """The same guarantees with TC, DTC and the exact expected KL of a table."""
    z = m.information_curve(joint)
    tc, dtc = m.total_correlation(joint), m.dual_total_correlation(joint)
    for hat, make in ((tc, S.tc), (dtc, S.dtc)):
        if hat <= 1e-12:
            continue
        for eps in (hat, hat / 3):
            s = make(joint.n, hat, eps)
            assert m.expected_kl(z, s) <= eps + 1e-9


def test_zero_correlation_is_one_step():
    """TChat = 0 (a product distribution): zeta = 1, one step."""
    assert S.tc(7, 0.0, 0.1).steps == (7,)
    assert S.dtc(7, 0.0, 0.1).steps == (7,)


@given(st.integers(1, 200), st.integers(1, 40))
def test_sweep(n, budget):
    """The sweep's pick fits the budget; with a curve it is the best candidate."""
    rng = np.random.default_rng(n * 41 + budget)
    z = np.cumsum(rng.exponential(size=n))
    z -= z[0]
    cands = S.theorem9_candidates(n, budget)
    assert all(c[2].k <= budget for c in cands)
    pick = S.sweep(n, budget, curve=z)
    assert pick.k <= budget
    assert expected_kl(z, pick) == pytest.approx(min(expected_kl(z, c[2]) for c in cands), rel=1e-12, abs=1e-12)
    assert S.sweep(n, budget).k <= budget


@given(nk, st.integers(1, 10))
def test_austin(args, l):
    """Austin: k - 1 ones, then l near-equal steps; its exact error is sum_{j > k}(Z_j - Z_k)."""
    n, k = args
    l = min(l, n - k + 1)
    s = S.austin(n, k, l)
    assert s.steps[: k - 1] == (1,) * (k - 1) and s.k == k - 1 + l
    rng = np.random.default_rng(n + k)
    z = np.cumsum(rng.exponential(size=n))
    z -= z[0]
    assert expected_kl(z, S.austin(n, k)) == pytest.approx(float(np.sum(z[k:] - z[k - 1])), rel=1e-12, abs=1e-12)


def test_family_registry_errors():
    """Unknown names and wrong parameters say what the family takes."""
    with pytest.raises(InputError, match="unknown schedule family"):
        S.schedule_family("nope", 5)
    with pytest.raises(InputError, match="missing parameter.*k"):
        S.schedule_family("cosine", 5)
    with pytest.raises(InputError, match="unknown parameter.*x"):
        S.schedule_family("even", 5, k=2, x=1)
    with pytest.raises(InputError, match="between 1 and 5"):
        S.even(5, 6)
    with pytest.raises(InputError, match="eps"):
        S.tc(5, 1.0, 0)
    with pytest.raises(InputError, match="ratio > 1"):
        S.geometric(5, 0.5)
