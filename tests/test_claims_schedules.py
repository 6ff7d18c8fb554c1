"""The schedule claims of proofs_check/ pass in quick mode, and `mdmtheory check` reports them
(exit 0) or a failure (exit 1)."""

from __future__ import annotations

import json

import pytest

import mdmtheory.proofs_check as proofs_check
from mdmtheory.cli import main
from mdmtheory.proofs_check import Claim

SCHEDULE_CLAIMS = ["theorem4", "lemma8", "lemma13", "theorem9", "li_cai", "austin", "prop20", "theorem30"]


@pytest.mark.parametrize("name", SCHEDULE_CLAIMS)
def test_claim_passes(name):
    """Each claim module returns a passing Claim with its numbers."""
    assert name in proofs_check.claim_modules()
    (claim,) = proofs_check.run_claims([name], quick=True)
    assert isinstance(claim, Claim) and claim.numbers and claim.source
    assert claim.passed, (claim.name, claim.numbers, claim.detail)


def test_check_command(capsys):
    """`mdmtheory check NAME --quick --json` prints the claims and exits 0 when all pass."""
    code = main(["check", "lemma8", "prop20", "--quick", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["failed"] == 0
    assert [c["verdict"] for c in data["claims"]] == ["PASS", "PASS"]


def test_check_command_failure_exit_code(monkeypatch, capsys):
    """A failing claim makes the table say FAIL and the exit code 1."""

    def fake(names=None, quick=False, progress=None):
        return [Claim(name="made_up", source="nowhere", passed=False, numbers={"x": 1.0})]

    monkeypatch.setattr(proofs_check, "run_claims", fake)
    code = main(["check"])
    out = capsys.readouterr().out
    assert code == 1 and "FAIL" in out and "made_up" in out
