"""The sympy claim: passes, and its zero test can tell a false identity from a true one."""

from __future__ import annotations

from mdmtheory.proofs_check import symbolic_sympy as sym


def test_symbolic_claim_passes():
    c = sym.check(quick=True)
    assert c.passed, c.numbers


def test_zero_test_separates_true_from_false_identities():
    n = 3
    xs, p = sym._joint(n)
    z = sym._curve(p, xs, n)
    tc = sum(sym._H(p, xs, [i]) for i in range(n)) - sym._H(p, xs, list(range(n)))
    assert sym._zero(sum(z) - tc)  # Lemma 8: TC is the area under Z
    assert not sym._zero(n * z[-1] - tc)  # n Z_n = TC + DTC, and DTC is not identically 0
