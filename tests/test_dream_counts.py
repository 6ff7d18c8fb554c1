"""Dream's per-step counts as the published code computes them (issue 18).

Dream's ``_sample`` (``generation_utils.py``) takes ``timesteps = torch.linspace(1, eps, steps +
1)`` (torch's default float32) and ``number_transfer_tokens = int(num_mask_token * (1 - s / t))``
with ``num_mask_token`` a float32 quotient.  The kernel (``count_dtype="float32"``) is compared
with an independent numpy float32 emulation of torch's linspace kernel (``tests/rules_reference.py``),
with the issue's worked examples, and, where torch is installed, with the published arithmetic
run on ``torch.linspace`` itself (skipped without torch: it is not a dependency of the project).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdmtheory as m
from mdmtheory import InputError
from mdmtheory._kernels import rules as R
from mdmtheory.samplers import dream_counts, make_sampler

from .rules_reference import dream_count, torch_linspace_float32
from .test_evaluate import ref_run


def reference_counts(n, steps, eps, dtype):
    out, left = [], n
    for i in range(steps):
        k = dream_count(left, i, steps, eps, dtype)
        out.append(k)
        left -= k
    return tuple(out)


def test_issue_examples():
    """eps = 1e-3, n = 1024, steps = 1023: 1 - s/t is 2^-10 exactly in float32, so the first call
    unmasks 1 token (0 in float64), fused or not.  eps = 0.01, n = 129, steps = 99: the unfused
    float32 schedule differs from float64 at calls 71 and 72 (the issue's emulation); torch's
    fused linspace gives the float64 schedule there (a finding of this test)."""
    for fused in (True, False):
        ts = torch_linspace_float32(1.0, 1e-3, 1024, fused)
        assert np.float32(1.0) - ts[1] / ts[0] == np.float32(2.0**-10)
    f32, f64 = dream_counts(1024, 1023), dream_counts(1024, 1023, count_dtype="float64")
    assert f32[0] == 1 and f64[0] == 0 and dream_counts(1024, 1023, count_dtype="float32_unfused")[0] == 1
    a, b = dream_counts(129, 99, eps=0.01, count_dtype="float32_unfused"), dream_counts(129, 99, eps=0.01, count_dtype="float64")
    assert [i for i in range(99) if a[i] != b[i]] == [71, 72]
    assert dream_counts(129, 99, eps=0.01) == b
    for c in (f32, f64, a, b):
        assert sum(c) == (1024 if len(c) == 1023 else 129) and min(c) >= 0


def test_fused_and_unfused_linspace_differ():
    """The fused emulation rounds once: it differs from the unfused one on some entries, and on
    some count schedules (eps = 0.05, n = 64, steps = 38: calls 17 and 18)."""
    a, b = torch_linspace_float32(1.0, 0.01, 17, True), torch_linspace_float32(1.0, 0.01, 17, False)
    assert any(x != y for x, y in zip(a, b))
    u, v = dream_counts(64, 38, 0.05), dream_counts(64, 38, 0.05, "float32_unfused")
    assert [i for i in range(38) if u[i] != v[i]] == [17, 18]


@settings(max_examples=100)
@given(num=st.integers(2, 2000), eps=st.floats(1e-9, 1.0), fused=st.booleans())
def test_kernel_linspace_equals_the_emulation(num, eps, fused):
    """Every entry of the kernel's float32 linspace (fma by round-to-odd) equals the emulation
    (exact rationals rounded once; or two float32 roundings)."""
    want = torch_linspace_float32(1.0, eps, num, fused)
    for i in sorted({0, 1, num // 2 - 1, num // 2, num - 2, num - 1} & set(range(num))):
        assert R.linspace32(1.0, eps, num, i, fused) == want[i]


@settings(max_examples=150)
@given(n=st.integers(0, 300), steps=st.integers(1, 300), eps=st.sampled_from([1e-3, 1e-2, 0.05, 0.1, 0.25, 0.4, 0.9, 1.0]),
       dtype=st.sampled_from(["float32", "float64", "float32_unfused"]))
def test_kernel_equals_the_numpy_emulation(n, steps, eps, dtype):
    """The kernel's counts (public dream_counts) equal the numpy float32 emulation, step by step."""
    assert dream_counts(n, steps, eps, dtype) == reference_counts(n, steps, eps, dtype)


def test_p_transfer_in_float32():
    """origin's p_transfer = 1 - s/t is the float32 value, converted exactly to float64."""
    for steps in (2, 5, 99, 1023):
        ts = torch_linspace_float32(1.0, 1e-3, steps + 1)
        for i in range(steps - 1):
            assert R.dream_p_transfer(i, steps, 1e-3, R.DREAM_FLOAT32) == float(np.float32(1.0) - ts[i + 1] / ts[i])
        ts = torch_linspace_float32(1.0, 1e-3, steps + 1, fused=False)
        for i in range(steps - 1):
            assert R.dream_p_transfer(i, steps, 1e-3, R.DREAM_FLOAT32_UNFUSED) == float(np.float32(1.0) - ts[i + 1] / ts[i])
        assert R.dream_p_transfer(steps - 1, steps, 1e-3, R.DREAM_FLOAT32) == 1.0


@pytest.mark.slow  # CI only (make test skips it unless CI=true): a minute of CPU or more
def test_torch_linspace_itself():
    """The published arithmetic run with torch over a grid of (eps, n, steps): the same timesteps
    and counts (fused on torch's AVX2/AVX512 CPU builds, unfused on its DEFAULT build)."""
    torch = pytest.importorskip("torch")
    fused = torch.backends.cpu.get_cpu_capability() != "DEFAULT"
    dtype = "float32" if fused else "float32_unfused"
    for eps in (1e-3, 1e-2, 0.05, 0.3):
        for steps in (1, 2, 3, 7, 16, 38, 64, 99, 255, 1023):
            timesteps = torch.linspace(1, eps, steps + 1)
            assert timesteps.dtype == torch.float32
            ours = [float(x) for x in torch_linspace_float32(1.0, eps, steps + 1, fused)]
            assert timesteps.tolist() == ours
            for n in (1, 2, 5, 64, 129, 256, 1024):
                left, want = n, []
                for i in range(steps):
                    mask_index = torch.zeros(1, n + 3, dtype=torch.bool)
                    mask_index[0, :left] = True
                    num_mask_token = mask_index.sum() / mask_index.shape[0]
                    t, s = timesteps[i], timesteps[i + 1]
                    k = int(num_mask_token * (1 - s / t)) if i < steps - 1 else int(num_mask_token)
                    want.append(k)
                    left -= k
                assert dream_counts(n, steps, eps, count_dtype=dtype) == tuple(want), (eps, n, steps)


def test_the_dtype_changes_the_law_and_both_match_the_reference():
    """n = 4, steps = 3, eps = 0.4: call 1 unmasks int(4 * (1 - s/t)) tokens, 1 in float32 and 0
    in float64 (1 - s/t = 0.25 up to rounding); the exact laws differ, each equal to ref_run."""
    assert dream_counts(4, 3, 0.4) == (0, 1, 3) and dream_counts(4, 3, 0.4, "float64") == (0, 0, 4)
    J = m.random_joint(4, 2, alpha=0.5, seed=3)
    laws = []
    for dtype in ("float32", "float64"):
        s = make_sampler("dream", steps=3, eps=0.4, alg="maskgit_plus", temperature=1.0, count_dtype=dtype)
        r = m.evaluate(J, s)
        nu, steps, _ = ref_run(J, s)
        assert np.allclose(r.law.table, nu, atol=1e-12)
        laws.append(r.law.table)
    assert np.abs(laws[0] - laws[1]).max() > 1e-3


def test_bad_inputs():
    with pytest.raises(InputError, match="count_dtype"):
        dream_counts(4, 2, count_dtype="bfloat16")
    with pytest.raises(InputError, match="count_dtype"):
        make_sampler("dream", count_dtype="float16")
    with pytest.raises(InputError, match="eps"):
        dream_counts(4, 2, eps=0.0)
    with pytest.raises(InputError, match="steps"):
        dream_counts(4, 0)


def test_schedule_family_uses_the_published_arithmetic():
    """The ``dream`` schedule family is the rule's counts with the zero-size calls dropped: the
    issue's example, ``eps = 1e-3, n = 1024, steps = 1023``, unmasks 1 token at the first call in
    float32 (``1 - s/t = 2^-10`` exactly) and none in float64."""
    from mdmtheory.schedules import schedule_family

    from mdmtheory.samplers import dream_counts

    assert schedule_family("dream", 1024, k=1023).steps == tuple(s for s in dream_counts(1024, 1023) if s)
    assert dream_counts(1024, 1023)[0] == 1 and dream_counts(1024, 1023, count_dtype="float64")[0] == 0
    # a setting where the nonzero sizes themselves differ (found by a scan of (eps, n, steps))
    s32 = schedule_family("dream", 191, k=171, eps=0.05)
    s64 = schedule_family("dream", 191, k=171, eps=0.05, count_dtype="float64")
    assert s64.steps != s32.steps and sum(s32.steps) == sum(s64.steps) == 191
