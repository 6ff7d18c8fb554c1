"""`mdmtheory check NAME` accepts the names the table prints and the module names; an unknown
name exits 2 with one line listing the valid names, before any claim runs."""

from __future__ import annotations

import importlib
import json

import pytest

import mdmtheory.proofs_check as proofs_check
from mdmtheory.cli import main
from mdmtheory.errors import InputError
from mdmtheory.proofs_check import claim_modules, claim_names, resolve


def test_every_module_has_one_printed_name():
    """Each module names its claim once (NAME, or a literal in its Claim); the names are distinct and
    map back to the modules."""
    names = claim_names()
    assert sorted(names.values()) == claim_modules()
    assert len(names) == len(claim_modules()) >= 15
    assert names["theorem4_exact_kl"] == "theorem4" and names["entropy_vs_random_on_graphs"] == "entropy_vs_random"


@pytest.mark.parametrize("module", ["lemma8", "li_cai", "eb_bound", "theorem4"])
def test_claim_prints_its_name(module):
    """The name in the result is the module's NAME (checked on the fast claims)."""
    mod = importlib.import_module(f"mdmtheory.proofs_check.{module}")
    assert mod.check(quick=True).name == mod.NAME


def test_every_claim_module_names_its_claim_and_names_are_unique():
    """Each module has NAME, the name its check reports (the quick claims), and no two share one."""
    names = [importlib.import_module(f"mdmtheory.proofs_check.{m}").NAME for m in claim_modules()]
    assert len(set(names)) == len(names) == len(claim_modules())
    assert sorted(claim_names()) == sorted(names)


def test_every_claim_declares_a_verdict_kind_and_what_was_read():
    """Each module declares KIND (one of KINDS) and SOURCE_READ (terms of SOURCES_READ joined by ', ');
    the claims its check returns carry both (the fast claims run)."""
    for mod_name in claim_modules():
        mod = importlib.import_module(f"mdmtheory.proofs_check.{mod_name}")
        assert mod.KIND in proofs_check.KINDS, mod_name
        terms = mod.SOURCE_READ.split(", ")
        assert terms and all(t in proofs_check.SOURCES_READ for t in terms), mod_name
    for mod_name in ("lemma8", "li_cai", "austin"):
        mod = importlib.import_module(f"mdmtheory.proofs_check.{mod_name}")
        claim = mod.check(quick=True)
        assert (claim.kind, claim.source_read) == (mod.KIND, mod.SOURCE_READ)
    assert proofs_check.austin.KIND == "corrected" and proofs_check.zhang_easy_first.KIND == "scoped"
    assert proofs_check.lavenant_zanella.KIND == "consistency" == proofs_check.cai_li_entropy_sum.KIND


@pytest.mark.parametrize("bad", [{"kind": "proven"}, {"source_read": "full text, rumour"}, {"source_read": "abstract,code"}])
def test_claim_refuses_unknown_kind_or_source_read(bad):
    """An unknown verdict kind or source term raises InputError naming the valid ones."""
    with pytest.raises(InputError, match="not"):
        proofs_check.Claim("x", "paper", True, **bad)


def test_resolve_mixes_printed_and_module_names():
    """Printed names go to their modules, module names stay, order kept."""
    assert resolve(["theorem4_exact_kl", "lemma8", "austin_two_phase"]) == ["theorem4", "lemma8", "austin"]


def test_resolve_unknown_names_lists_the_valid_ones():
    """An unknown name raises InputError naming it and every valid name of both kinds."""
    with pytest.raises(InputError) as e:
        resolve(["lemma8", "theorem4_exact", "nope"])
    msg = str(e.value)
    assert "theorem4_exact, nope" in msg
    assert all(name in msg for name in claim_names()) and all(mod in msg for mod in claim_modules())


def test_check_accepts_printed_names(capsys):
    """`mdmtheory check theorem4_exact_kl lemma8 --quick --json` runs both, printed and module name."""
    code = main(["check", "theorem4_exact_kl", "lemma8", "--quick", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["failed"] == 0
    assert [c["name"] for c in data["claims"]] == ["theorem4_exact_kl", "lemma8_tc_dtc_areas"]
    assert [(c["verdict"], c["kind"], c["source_read"]) for c in data["claims"]] == [
        ("PASS", "confirmed", "abstract, reference notes"), ("PASS", "confirmed", "abstract, reference notes")]


def test_check_text_prints_kind_and_source_read(capsys):
    """The text table names each claim's verdict kind and what of its source was read, and counts the kinds."""
    code = main(["check", "austin", "lemma8", "--quick"])
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "austin_two_phase" in line)
    assert code == 0 and row.split()[1:3] == ["PASS", "corrected"]
    assert "read: abstract, reference notes" in out and "the statements: 1 confirmed, 1 corrected" in out


def test_check_accepts_every_printed_name(monkeypatch, capsys):
    """Every name the table prints is accepted (claims faked: only the name resolution runs)."""
    seen = []

    def fake(names=None, quick=False, progress=None):
        seen.extend(names)
        return [proofs_check.Claim(name=n, source="s", passed=True) for n in names]

    monkeypatch.setattr(proofs_check, "run_claims", fake)
    code = main(["check", *claim_names()])
    capsys.readouterr()
    assert code == 0 and sorted(seen) == claim_modules()


def test_check_unknown_name_exits_2_before_running(monkeypatch, capsys):
    """Exit 2, one line on stderr naming the problem and the valid names, nothing on stdout, no claim run."""
    ran = []
    monkeypatch.setattr(proofs_check, "run_claims", lambda *a, **k: ran.append(1) or [])
    code = main(["check", "lemma8", "theorem4_exact"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and not ran
    assert err.count("\n") == 1 and err.startswith("mdmtheory: error: unknown claim(s) theorem4_exact; choose from")
    assert "theorem4_exact_kl" in err and "Traceback" not in err


def test_docstring_examples():
    """proofs_check/ sits outside the doctest paths: run its package examples here."""
    import doctest

    result = doctest.testmod(proofs_check)
    assert result.failed == 0 and result.attempted >= 1
