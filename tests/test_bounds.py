"""Bounds against the exact expected KL, curve validation and loading, and the ``schedule``,
``bounds`` and ``check`` commands."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory import bounds as B
from mdmtheory import schedules as S
from mdmtheory.cli import main
from mdmtheory.errors import InputError
from mdmtheory.divergence import expected_kl
from tests.conftest import tables
from tests.test_optimal import curves


def _random_schedule(n, seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, n + 1))
    cuts = np.sort(rng.choice(np.arange(1, n), size=k - 1, replace=False)) if k > 1 else np.array([], int)
    return np.diff(np.concatenate([[0], cuts, [n]])).tolist()


@given(curves(min_n=1, max_n=60), st.integers(0, 2**31))
def test_general_bounds_hold(z, seed):
    """Li-Cai and (s_max - 1) Z_n hold for every schedule; Li-Cai is never below the other."""
    sched = _random_schedule(len(z), seed)
    exact = expected_kl(z, sched)
    lc, cs = B.li_cai_bound(z, sched), B.constant_step_bound(z, sched)
    assert exact <= cs + 1e-9 and cs <= lc + 1e-12
    smax = max(sched)
    assert lc == pytest.approx((2 ** math.ceil(math.log2(smax)) - 1) / len(z) * (len(z) * z[-1]), rel=1e-12, abs=1e-12)


@given(tables(max_n=5), st.integers(0, 2**31))
def test_li_cai_with_tc_dtc(joint, seed):
    """Li-Cai as printed, (2^ceil(log2 s_max) - 1)/n (TC + DTC), bounds the exact KL of a table."""
    n = joint.n
    sched = _random_schedule(n, seed)
    z = m.information_curve(joint)
    tcdtc = m.total_correlation(joint) + m.dual_total_correlation(joint)
    printed = (2 ** math.ceil(math.log2(max(sched))) - 1) / n * tcdtc
    assert B.li_cai_bound(z, sched) == pytest.approx(printed, abs=1e-12)
    assert m.expected_kl(joint, sched) <= printed + 1e-9


@settings(max_examples=20)
@given(tables(max_n=5))
def test_austin_formula(joint):
    """Two-phase schedule: the exact error is (n-k+1)(Hbar_k - Hbar_{k-1}) - (Hbar_n - Hbar_{k-1})
    (expected conditional TC of the last step) = sum_{j>k}(Z_j - Z_k) <= (n-k+1)(Z_n - Z_k)."""
    n = joint.n
    hbar = m.avg_entropy(joint)
    z = m.information_curve(joint)
    for k in range(1, n + 1):
        exact = m.expected_kl(z, S.austin(n, k))
        chain = (n - k + 1) * (hbar[k] - hbar[k - 1]) - (hbar[n] - hbar[k - 1])
        assert exact == pytest.approx(chain, abs=1e-12)
        assert exact <= B.austin_bound(z, k) + 1e-9


def test_austin_printed_form_is_not_exact():
    """(n-k+1)(Z_n - Z_k) overstates the two-phase error whenever it is positive: parity(4),
    k = 2: exact log 2 (one jump at the end), printed 3 log 2."""
    z = m.information_curve(m.parity(4))
    assert m.expected_kl(z, S.austin(4, 2)) == pytest.approx(math.log(2), rel=1e-12, abs=1e-12)
    assert B.austin_bound(z, 2) == pytest.approx(3 * math.log(2), rel=1e-12, abs=1e-12)


@settings(max_examples=30)
@given(curves(min_n=2, max_n=80), st.integers(1, 40))
def test_theorem9_rows(z, zeta):
    """check_bounds recognises TC and DTC schedules; their rows hold."""
    n = len(z)
    for fam, make in (("tc", S.tc_schedule_zeta), ("dtc", S.dtc_schedule_zeta)):
        sched = make(n, zeta)
        got = B.theorem9_zeta(sched, fam)
        if zeta >= 2 and sched.k < n:
            assert got is not None and got >= zeta and make(n, got) == sched
        table = m.check_bounds(z, sched)
        assert all(r["holds"] for r in table["bounds"]), table
        assert table["expected_kl"] == pytest.approx(expected_kl(z, sched), rel=1e-12, abs=1e-12)


def test_check_bounds_table():
    """Rows, ratios and keys for the copy distribution, where (s_max - 1) Z_n is tight when the
    first step is the largest: copy(6, 2), schedule (3, 2, 1): exact 2 bits."""
    t = m.check_bounds(m.copy(6, 2), [3, 2, 1], base=2)
    assert t["expected_kl"] == pytest.approx(2.0, rel=1e-12, abs=1e-12)
    rows = {r["name"]: r for r in t["bounds"]}
    assert set(rows) >= {"li_cai", "constant_step"}
    assert rows["constant_step"]["value"] == pytest.approx(2.0, rel=1e-12, abs=1e-12) and rows["constant_step"]["ratio"] == pytest.approx(1.0, rel=1e-12, abs=1e-12)
    assert rows["li_cai"]["value"] == pytest.approx(3.0, rel=1e-12, abs=1e-12) and rows["li_cai"]["ratio"] == pytest.approx(1.5, rel=1e-12, abs=1e-12)
    assert t["unit"] == "bits"
    # parity(4), schedule (1, 1, 2): the first two steps are exact; the last unmasks two uniform bits
    # whose xor the two revealed ones fix, a pair with H(a) + H(b) - H(a, b) = 1 + 1 - 1 = 1 bit of
    # total correlation, in every order: exact log 2 nats (not 0)
    par = m.check_bounds(m.parity(4), [1, 1, 2])
    assert par["expected_kl"] == pytest.approx(math.log(2), rel=1e-12, abs=1e-12)


# -- curves ------------------------------------------------------------------------------


def test_validate_curve():
    """Finite, Z_1 = 0, nondecreasing, each within tolerance; small violations are cleaned."""
    with pytest.raises(InputError, match="finite.*Z_2"):
        m.validate_curve([0.0, np.nan])
    with pytest.raises(InputError, match="starts at Z_1 = 0"):
        m.validate_curve([0.5, 1.0])
    with pytest.raises(InputError, match="worst decrease 0.3 from Z_3 to Z_4"):
        m.validate_curve([0.0, 1.0, 1.0, 0.7, 0.9, 0.8])
    with pytest.raises(InputError, match="non-empty 1-D"):
        m.validate_curve([])
    out = m.validate_curve([1e-12, 1.0, 1.0 - 1e-12, 2.0])
    assert out.tolist() == [0.0, 1.0, 1.0, 2.0]


def test_load_curve_formats(tmp_path):
    """.npy, .json list, the JSON of `mdmtheory info`, and a .csv column with a header."""
    z = [0.0, 0.25, 0.5, 1.0]
    np.save(tmp_path / "z.npy", np.array(z))
    (tmp_path / "z.json").write_text(json.dumps(z))
    (tmp_path / "info.json").write_text(json.dumps({"unit": "bits", "information_curve": z}))
    (tmp_path / "z.csv").write_text("Z\n" + "\n".join(map(str, z)) + "\n")
    for name in ("z.npy", "z.json", "info.json", "z.csv"):
        assert m.load_curve(tmp_path / name).tolist() == z
    (tmp_path / "bad.csv").write_text("0,1\n0,2\n")
    with pytest.raises(InputError, match="one column"):
        m.load_curve(tmp_path / "bad.csv")
    (tmp_path / "bad.txt").write_text("0\n")
    with pytest.raises(InputError, match=".npy, .json or .csv"):
        m.load_curve(tmp_path / "bad.txt")
    (tmp_path / "dec.json").write_text("[0, 1, 0.5]")
    with pytest.raises(InputError, match="dec.json.*nondecreasing"):
        m.load_curve(tmp_path / "dec.json")


# -- command line --------------------------------------------------------------------------


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_schedule_json(tmp_path, capsys):
    """`schedule --steps` prints schedule, expected_kl, unit; --frontier adds every k."""
    joint = m.random_joint(5, 2, alpha=0.5, seed=3)
    path = tmp_path / "j.npy"
    joint.save(path)
    code, out, _ = _run(capsys, "schedule", str(path), "--steps", "2", "--json", "--base", "2", "--frontier")
    assert code == 0
    data = json.loads(out)
    opt = m.optimal_schedule(joint, 2, base=2)
    assert data["schedule"] == list(opt.schedule.steps)
    assert data["expected_kl"] == pytest.approx(opt.expected_kl, rel=1e-12, abs=1e-12)
    assert data["unit"] == "bits"
    assert [r["steps"] for r in data["frontier"]] == [1, 2, 3, 4, 5]
    assert data["frontier"][0]["expected_kl"] == pytest.approx(m.total_correlation(joint, base=2), rel=1e-12, abs=1e-12)
    assert set(data["frontier"][0]) == {"steps", "expected_kl", "schedule"}


def test_cli_schedule_curve_and_family(tmp_path, capsys):
    """--curve FILE and --family NAME --param key=value."""
    z = np.array([0.0, 0.0, 1.0, 1.0, 2.0, 2.0])
    np.save(tmp_path / "z.npy", z)
    code, out, _ = _run(capsys, "schedule", "--curve", str(tmp_path / "z.npy"), "--family", "tc", "--param", "tc_hat=6", "eps=1", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["schedule"] == list(S.tc(6, 6, 1).steps)
    assert data["expected_kl"] == pytest.approx(expected_kl(z, S.tc(6, 6, 1)), rel=1e-12, abs=1e-12)
    code, out, _ = _run(capsys, "schedule", "--curve", str(tmp_path / "z.npy"), "--eps", "0", "--json")
    assert json.loads(out)["expected_kl"] == 0.0


def test_cli_bounds(tmp_path, capsys):
    """`bounds --schedule` prints the table with name, value, holds."""
    m.copy(6, 2).save(tmp_path / "c.npy")
    code, out, _ = _run(capsys, "bounds", str(tmp_path / "c.npy"), "--schedule", "3,2,1", "--base", "2", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["expected_kl"] == pytest.approx(2.0, rel=1e-12, abs=1e-12)
    assert all({"name", "value", "holds"} <= set(r) for r in data["bounds"])
    code, out, _ = _run(capsys, "bounds", str(tmp_path / "c.npy"), "--schedule", "3,2,1")
    assert code == 0 and "li_cai" in out


@pytest.mark.parametrize(
    "argv, match",
    [
        (["schedule", "--steps", "2"], "exactly one source"),
        (["schedule", "X.npy", "--curve", "z.npy", "--steps", "2"], "exactly one source"),
        (["schedule", "--curve", "dec.json", "--steps", "2"], "nondecreasing"),
        (["schedule", "--curve", "z.json", "--steps", "9"], "between 1 and n = 3"),
        (["schedule", "--curve", "z.json"], "say what to compute"),
        (["schedule", "--curve", "z.json", "--steps", "2", "--eps", "1"], "exclude each other"),
        (["schedule", "--curve", "z.json", "--family", "even", "--param", "k"], "KEY=VALUE"),
        (["schedule", "--curve", "z.json", "--family", "even"], "missing parameter"),
        (["bounds", "--curve", "z.json", "--schedule", "1,1"], "sums to 2"),
        (["bounds", "--curve", "z.json"], "--schedule"),
        (["check", "no_such_claim"], "unknown claim"),
    ],
)
def test_cli_errors(tmp_path, monkeypatch, capsys, argv, match):
    """Bad input: exit 2 and one line, no traceback."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "z.json").write_text("[0, 0.5, 1]")
    (tmp_path / "dec.json").write_text("[0, 1, 0.5]")
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("mdmtheory: error:") and match in err
