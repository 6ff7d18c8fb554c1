"""Subset-entropy lattice and information measures: against plain numpy, closed forms and dit."""

from __future__ import annotations

from math import log

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from tests.conftest import tables
from tests.reference import all_subset_entropies, subset_entropy

LN2 = log(2)


@given(tables(max_n=6, max_q=4, max_cells=800))
def test_lattice_equals_numpy_per_subset(joint):
    """Every lattice entropy equals a direct marginalisation of the full table."""
    ref = all_subset_entropies(joint.table)
    got = m.subset_entropies(joint)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


@given(tables(max_n=6, max_q=4, max_cells=800))
def test_both_lattice_engines_equal_numpy_per_subset(joint):
    """The small-table numpy walk and the numba kernel each match the reference (the public
    function picks one of them by size, so each is tested directly)."""
    from mdmtheory._kernels.lattice import lattice_entropies
    from mdmtheory.information import _small_lattice

    ref = all_subset_entropies(joint.table)
    for got in (_small_lattice(joint.table), lattice_entropies(joint.table)):
        got = got.copy()
        got[0] = 0.0
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


def test_small_lattice_cutoff_is_used_and_refuses_nothing():
    """Tables up to SMALL_LATTICE_N positions take the numpy path; one more takes the kernel;
    both agree with the reference at the boundary."""
    from mdmtheory.information import SMALL_LATTICE_N

    for n in (SMALL_LATTICE_N, SMALL_LATTICE_N + 1):
        j = m.random_joint(n, 2, alpha=0.5, seed=n)
        np.testing.assert_allclose(m.subset_entropies(j), all_subset_entropies(j.table), atol=1e-12)


@pytest.mark.parametrize("shape", [(2,) * 10, (3,) * 7, (4, 1, 3, 2, 5), (1, 1, 2), (7,)])
def test_lattice_larger_tables(shape):
    """Bigger and degenerate shapes (alphabet size 1) also match the reference."""
    rng = np.random.default_rng(len(shape))
    t = rng.gamma(0.3, size=shape)
    t[rng.random(shape) < 0.3] = 0
    t = t / t.sum()
    np.testing.assert_allclose(m.subset_entropies(m.Joint(t)), all_subset_entropies(t), atol=1e-12)


@given(tables(max_n=6, max_q=3))
def test_curve_identities(joint):
    """Lemma 8 and Han: Z_1 = 0, Z nondecreasing, TC = sum Z, DTC = n Z_n - TC."""
    z = m.information_curve(joint)
    tc, dtc = m.total_correlation(joint), m.dual_total_correlation(joint)
    assert abs(z[0]) < 1e-12
    assert np.all(np.diff(z) >= -1e-10)
    assert z.sum() == pytest.approx(tc, abs=1e-12)
    assert joint.n * z[-1] - tc == pytest.approx(dtc, abs=1e-12)


@given(tables(max_n=5, max_q=3))
def test_summary_matches_separate_functions(joint):
    s = m.information_summary(joint, base=2)
    assert s["unit"] == "bits"
    assert s["entropy"] == pytest.approx(m.entropy(joint, base=2), abs=1e-12)
    assert s["total_correlation"] == pytest.approx(m.total_correlation(joint, base=2), abs=1e-12)
    assert s["dual_total_correlation"] == pytest.approx(m.dual_total_correlation(joint, base=2), abs=1e-12)
    assert len(s["avg_entropy"]) == joint.n + 1 and len(s["information_curve"]) == joint.n
    # Hbar_k is the plain mean over k-subsets of the reference entropies
    ref = all_subset_entropies(joint.table) / LN2
    for k in range(joint.n + 1):
        vals = [ref[mm] for mm in range(1 << joint.n) if bin(mm).count("1") == k]
        assert s["avg_entropy"][k] == pytest.approx(np.mean(vals), abs=1e-12)


def test_base_converts_units():
    j = m.random_joint(4, 3, alpha=0.5, seed=3)
    assert m.total_correlation(j, base=2) == pytest.approx(m.total_correlation(j) / LN2, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(m.information_curve(j, base=2), m.information_curve(j) / LN2, rtol=1e-12, atol=1e-12)
    assert m.unit_name(None) == "nats" and m.unit_name(2) == "bits"
    with pytest.raises(m.InputError):
        m.entropy(j, base=1)


# ---------------------------------------------------------------- closed forms


@pytest.mark.parametrize("n", [2, 3, 5])
def test_product_has_no_correlation(n):
    """A product distribution: TC = DTC = 0 and Z = 0."""
    j = m.product([[0.2, 0.8], [0.1, 0.3, 0.6], [0.5, 0.5], [1.0], [0.25] * 4][:n])
    assert m.total_correlation(j) == pytest.approx(0, abs=1e-12)
    assert m.dual_total_correlation(j) == pytest.approx(0, abs=1e-12)
    np.testing.assert_allclose(m.information_curve(j), 0, atol=1e-12)


@pytest.mark.parametrize("n,q", [(2, 2), (4, 2), (5, 3), (3, 5)])
def test_copy_closed_form(n, q):
    """Copy ('giant bit' for q = 2): TC = (n-1) log q, DTC = log q, Z_j = log q for j >= 2."""
    j = m.copy(n, q)
    assert m.entropy(j) == pytest.approx(log(q), rel=1e-12, abs=1e-12)
    assert m.total_correlation(j) == pytest.approx((n - 1) * log(q), rel=1e-12, abs=1e-12)
    assert m.dual_total_correlation(j) == pytest.approx(log(q), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(m.information_curve(j), [0] + [log(q)] * (n - 1), atol=1e-12)


@pytest.mark.parametrize("n", [2, 3, 6, 9])
def test_parity_closed_form(n):
    """Even parity: TC = 1 bit, DTC = n - 1 bits, Z = one jump of 1 bit at j = n."""
    j = m.parity(n)
    assert m.total_correlation(j, base=2) == pytest.approx(1.0, rel=1e-12, abs=1e-12)
    assert m.dual_total_correlation(j, base=2) == pytest.approx(n - 1, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(m.information_curve(j, base=2), [0] * (n - 1) + [1], atol=1e-12)


@pytest.mark.parametrize("n,k,q", [(5, 2, 5), (6, 3, 7), (4, 1, 5), (4, 4, 5)])
def test_reed_solomon_curve_is_one_jump(n, k, q):
    """MDS code (Chen-Cong-Li Prop. 20): Z_j = log2 q * [j > k] bits."""
    z = m.information_curve(m.reed_solomon(n, k, q), base=2)
    np.testing.assert_allclose(z, [np.log2(q) * (j > k) for j in range(1, n + 1)], atol=1e-12)


def test_linear_code_entropy_is_rank():
    """Uniform on a row space: H = rank(G) log q, duplicate rows do not change it."""
    G = np.array([[1, 0, 1, 1], [0, 1, 1, 0], [1, 1, 0, 1]])  # third row = sum of the first two
    j = m.linear_code(G, 2)
    assert m.entropy(j, base=2) == pytest.approx(2.0, rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------- conditional measures


def test_conditional_measures_against_reference():
    j = m.random_joint(4, [2, 3, 2, 2], alpha=0.7, seed=11)
    t = j.table
    assert m.conditional_entropy(j, [0, 1], [2]) == pytest.approx(
        subset_entropy(t, [0, 1, 2]) - subset_entropy(t, [2])
    , rel=1e-12, abs=1e-12)
    mi = m.mutual_information(j, [0], [1, 3])
    assert mi == pytest.approx(subset_entropy(t, [0]) + subset_entropy(t, [1, 3]) - subset_entropy(t, [0, 1, 3]), rel=1e-12, abs=1e-12)
    assert mi == pytest.approx(m.mutual_information(j, [1, 3], [0]), rel=1e-12, abs=1e-12)
    # conditional TC given X_2 = 1, computed by slicing by hand
    sub = t[:, :, 1, :] / t[:, :, 1, :].sum()
    ref = sum(subset_entropy(sub, [i]) for i in (0, 1)) - subset_entropy(sub, [0, 1])
    assert m.conditional_total_correlation(j, [0, 1], {2: 1}) == pytest.approx(ref, rel=1e-12, abs=1e-12)


def test_conditional_tc_of_parity():
    """Given all but two bits of a parity, the two are a copy: TC = 1 bit."""
    j = m.parity(4)
    assert m.conditional_total_correlation(j, [0, 1], {2: 0, 3: 1}, base=2) == pytest.approx(1.0, rel=1e-12, abs=1e-12)
    assert m.conditional_total_correlation(j, [0, 1], {2: 0}, base=2) == pytest.approx(0.0, abs=1e-12)


def test_conditional_errors():
    j = m.copy(3, 2)
    with pytest.raises(m.InputError, match="probability 0"):
        m.conditional_total_correlation(j, [0], {1: 0, 2: 1})
    with pytest.raises(m.InputError, match="both in S and pinned"):
        m.conditional_total_correlation(j, [0, 1], {1: 0})
    with pytest.raises(m.InputError, match="out of range"):
        m.entropy(j, [5])


def test_lattice_refuses_before_allocating():
    with pytest.raises(m.InputError, match="would need .* over the limit"):
        m.subset_entropies(m.random_joint(10, 2), max_memory=1000)


# ---------------------------------------------------------------- dit as an independent reference

dit = pytest.importorskip("dit")


def _to_dit(joint):
    outcomes, pmf = [], []
    for idx in zip(*np.nonzero(joint.table)):
        outcomes.append(tuple(int(v) for v in idx))
        pmf.append(float(joint.table[idx]))
    return dit.Distribution(outcomes, pmf)


@settings(max_examples=15)
@given(n=st.integers(2, 6), q=st.integers(2, 3), seed=st.integers(0, 10**6), alpha=st.sampled_from([0.2, 1.0]))
def test_against_dit(n, q, seed, alpha):
    """TC, DTC and subset entropies agree with dit (bits)."""
    j = m.random_joint(n, q, alpha=alpha, seed=seed)
    d = _to_dit(j)
    assert m.total_correlation(j, base=2) == pytest.approx(dit.multivariate.total_correlation(d), abs=1e-12)
    assert m.dual_total_correlation(j, base=2) == pytest.approx(dit.multivariate.dual_total_correlation(d), abs=1e-12)
    H = m.subset_entropies(j, base=2)
    rng = np.random.default_rng(seed)
    for mask in rng.integers(1, 1 << n, size=5):
        rvs = [i for i in range(n) if mask >> i & 1]
        assert H[mask] == pytest.approx(dit.shannon.entropy(d, rvs), abs=1e-12)


def test_against_dit_n8():
    j = m.random_joint(8, 2, alpha=0.4, seed=8)
    d = _to_dit(j)
    assert m.total_correlation(j, base=2) == pytest.approx(dit.multivariate.total_correlation(d), abs=1e-12)
    assert m.dual_total_correlation(j, base=2) == pytest.approx(dit.multivariate.dual_total_correlation(d), abs=1e-12)


def test_dit_giant_bit_and_xor():
    """dit's textbook examples: the giant bit and XOR (parity of 3)."""
    assert m.total_correlation(m.copy(3, 2), base=2) == pytest.approx(
        dit.multivariate.total_correlation(dit.example_dists.giant_bit(3, 2))
    , rel=1e-12, abs=1e-12)
    xor = dit.example_dists.Xor()
    assert m.dual_total_correlation(m.parity(3), base=2) == pytest.approx(dit.multivariate.dual_total_correlation(xor), rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------- the fast lattice kernel itself

from mdmtheory._kernels import lattice as _lat  # noqa: E402


def test_vectorised_log_matches_numpy():
    """The branch-free log of the fast kernel is within 1e-15 (relative) of np.log."""
    rng = np.random.default_rng(0)
    x = np.concatenate([
        rng.random(20000), np.exp(rng.uniform(-708, 709, 20000)), 1 + rng.uniform(-0.02, 0.02, 20000),
        [2.2250738585072014e-308, 1.0, 0.5, np.finfo(float).max],
    ])
    out = np.empty_like(x)
    _lat._log_array(x, out)
    ref = np.log(x)
    big = np.abs(ref) > 1e-300
    assert np.max(np.abs(out[big] - ref[big]) / np.abs(ref[big])) <= 1e-15
    assert out[x == 1.0][0] == 0.0


@pytest.mark.parametrize("shape", [(2,) * 12, (3, 2, 4, 1, 2, 3), (5, 5, 5)])
def test_fast_kernel_equals_scalar_kernel(shape):
    rng = np.random.default_rng(sum(shape))
    t = rng.gamma(0.3, size=shape)
    t[rng.random(shape) < 0.2] = 0
    t /= t.sum()
    np.testing.assert_allclose(_lat.lattice_entropies(t), _lat.lattice_entropies_scalar(t), atol=1e-12)


def test_subnormal_entries_take_the_scalar_path():
    t = np.array([[0.5, 1e-310], [0.25, 0.25 - 1e-310]])
    np.testing.assert_allclose(m.subset_entropies(m.Joint(t)), all_subset_entropies(t), atol=1e-13)


def test_same_entropies_with_one_and_two_threads():
    import numba

    j = m.random_joint(12, 2, alpha=0.5, seed=4)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = m.subset_entropies(j)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = m.subset_entropies(j)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(one, two)


def test_deterministic_marginals_have_entropy_exactly_zero():
    """A point mass: every subset entropy is +0.0 (not -0.0 or -1e-16)."""
    t = np.zeros((2, 3, 2))
    t[1, 2, 0] = 1.0
    H = m.subset_entropies(m.Joint(t))
    assert np.all(H == 0.0) and not np.any(np.signbit(H))


# ---------------------------------------------------------------- threaded lattice path (issue 9)

from tests.conftest import tables as _tables  # noqa: E402


def test_serial_cutoff_is_what_the_large_tests_exceed():
    """The lattices below are above the serial cut-off, so the default call runs the threads."""
    assert 3**13 > _lat._SERIAL_CELLS > 3**12
    assert float(np.prod([q + 1 for q in (3, 4, 2, 3, 2, 5, 2, 3, 2, 2, 2)])) > _lat._SERIAL_CELLS


@pytest.mark.parametrize("shape", [(2,) * 13, (3, 4, 2, 3, 2, 5, 2, 3, 2, 2, 2)])
def test_threaded_lattice_above_cutoff_equals_serial_and_numpy(shape):
    """Above the serial cut-off: two threads == one thread (bit for bit) == plain numpy per subset,
    fast and scalar kernels alike, with zeros and ties in the table."""
    rng = np.random.default_rng(len(shape))
    t = rng.gamma(0.4, size=shape)
    t[rng.random(shape) < 0.3] = 0.0
    t.ravel()[:64] = t.ravel()[64:128]  # ties
    t /= t.sum()
    serial = _lat.lattice_entropies(t, threads=1)
    threaded = _lat.lattice_entropies(t, threads=2)
    np.testing.assert_array_equal(threaded, serial)
    np.testing.assert_array_equal(_lat.lattice_entropies_scalar(t, threads=2), _lat.lattice_entropies_scalar(t, threads=1))
    ref = all_subset_entropies(t)
    ref[0] = 0.0
    got = serial.copy()
    got[0] = 0.0
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


@given(_tables(max_n=6, max_q=4, max_cells=800))
def test_threaded_path_forced_on_small_lattices(joint):
    """The thread-pool path with the cut-off lowered to 0, against the serial path and numpy."""
    t = joint.table
    threaded = _lat.lattice_entropies(t, threads=3, serial_cells=0)
    np.testing.assert_array_equal(threaded, _lat.lattice_entropies(t, threads=1))
    ref = all_subset_entropies(t)
    np.testing.assert_allclose(threaded[1:], ref[1:], rtol=1e-12, atol=1e-12)
