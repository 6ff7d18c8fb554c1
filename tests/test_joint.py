"""Joint tables: validation, families, files."""

from __future__ import annotations

import numpy as np
import pytest

import mdmtheory as m


@pytest.mark.parametrize(
    "table,match",
    [
        (np.array(1.0), "at least one position"),
        (np.zeros((2, 0)), "alphabet size >= 1"),
        (np.array([0.5, np.nan]), "NaN or infinite"),
        (np.array([0.5, np.inf]), "NaN or infinite"),
        (np.array([1.5, -0.5]), "negative"),
        (np.array([0.5, 0.6]), "sums to"),
    ],
)
def test_invalid_tables_are_refused(table, match):
    with pytest.raises(m.InputError, match=match):
        m.Joint(table)


def test_normalize_and_immutability():
    j = m.Joint([[1, 1], [2, 0]], normalize=True)
    np.testing.assert_allclose(j.table, [[0.25, 0.25], [0.5, 0]], rtol=1e-12, atol=1e-12)
    assert j.n == 2 and j.q == (2, 2)
    with pytest.raises(ValueError):
        j.table[0, 0] = 1.0
    with pytest.raises(m.InputError, match="sums to 0"):
        m.Joint([0.0, 0.0], normalize=True)


def test_families_have_the_stated_laws():
    p = m.product([[0.2, 0.8], [0.5, 0.25, 0.25]])
    np.testing.assert_allclose(p.table, np.outer([0.2, 0.8], [0.5, 0.25, 0.25]), rtol=1e-12, atol=1e-12)
    c = m.copy(3, 4)
    assert np.count_nonzero(c.table) == 4 and c.table[2, 2, 2] == pytest.approx(0.25, rel=1e-12, abs=1e-12)
    par = m.parity(4)
    assert np.count_nonzero(par.table) == 8 and par.table[1, 1, 0, 0] == pytest.approx(1 / 8, rel=1e-12, abs=1e-12)
    rs = m.reed_solomon(5, 2, 5)
    assert np.count_nonzero(rs.table) == 25
    # any k = 2 coordinates of an MDS code determine the codeword: pairs are uniform
    np.testing.assert_allclose(rs.marginal([1, 3]), np.full((5, 5), 1 / 25), rtol=1e-12, atol=1e-12)
    r1, r2 = m.random_joint(3, 3, alpha=0.5, seed=7), m.random_joint(3, 3, alpha=0.5, seed=7)
    np.testing.assert_array_equal(r1.table, r2.table)
    assert not np.array_equal(r1.table, m.random_joint(3, 3, alpha=0.5, seed=8).table)
    assert m.random_joint(3, [2, 3, 4]).q == (2, 3, 4)


def test_mixture_ising_markov():
    mix = m.mixture_of_products([0.5, 0.5], [[[1, 0], [1, 0]], [[0, 1], [0, 1]]])
    np.testing.assert_allclose(mix.table, m.copy(2, 2).table, rtol=1e-12, atol=1e-12)
    ising = m.ising_chain(4, J=0.7, h=0.0)
    np.testing.assert_allclose(ising.table, ising.table[::-1, ::-1, ::-1, ::-1], rtol=1e-12, atol=1e-12)  # spin-flip symmetry
    assert ising.table[0, 0, 0, 0] / ising.table[0, 1, 0, 0] == pytest.approx(np.exp(0.7 * 4), rel=1e-12, abs=1e-12)
    P = np.array([[0.9, 0.1], [0.4, 0.6]])
    start = np.array([0.3, 0.7])
    mc = m.markov_chain(P, start, 3)
    assert mc.table[0, 1, 1] == pytest.approx(0.3 * 0.1 * 0.6, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(mc.marginal([2]), start @ P @ P, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: m.reed_solomon(5, 2, 4), "prime q >= n"),
        (lambda: m.reed_solomon(5, 6, 5), "k <= n"),
        (lambda: m.linear_code([[1, 1]], 4), "prime"),
        (lambda: m.random_joint(0), "positive integer"),
        (lambda: m.random_joint(3, alpha=0), "alpha"),
        (lambda: m.random_joint(40, 2), "would need"),
        (lambda: m.markov_chain([[0.5, 0.6], [0.5, 0.5]], [1, 0], 3), "row-stochastic"),
        (lambda: m.product([]), "at least one"),
    ],
)
def test_family_errors(call, match):
    with pytest.raises(m.InputError, match=match):
        call()


def test_conditional_and_marginal():
    j = m.random_joint(3, [2, 3, 2], seed=1)
    c = j.conditional({1: 2})
    ref = j.table[:, 2, :] / j.table[:, 2, :].sum()
    np.testing.assert_allclose(c.table, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(j.marginal([2, 0]), j.table.sum(axis=1), rtol=1e-12, atol=1e-12)
    with pytest.raises(m.InputError, match="out of range"):
        j.conditional({1: 3})
    with pytest.raises(m.InputError, match="probability 0"):
        m.copy(2, 2).conditional({0: 0, 1: 1})


def test_save_load_roundtrip(tmp_path):
    j = m.random_joint(3, 2, seed=2)
    f = tmp_path / "j.npy"
    j.save(f)
    np.testing.assert_array_equal(m.load_joint(f).table, j.table)


def test_load_errors(tmp_path):
    with pytest.raises(m.InputError, match="no such file"):
        m.load_joint(tmp_path / "missing.npy")
    (tmp_path / "t.txt").write_text("hello")
    with pytest.raises(m.InputError, match="not a readable .npy"):
        m.load_joint(tmp_path / "t.txt")
    np.save(tmp_path / "s.npy", np.array(["a", "b"]))
    with pytest.raises(m.InputError, match="numeric"):
        m.load_joint(tmp_path / "s.npy")
    np.save(tmp_path / "big.npy", np.full((2,) * 12, 1 / 4096))
    with pytest.raises(m.InputError, match="would need"):
        m.load_joint(tmp_path / "big.npy", max_memory=1024)
