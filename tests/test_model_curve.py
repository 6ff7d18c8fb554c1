"""The model's own information curve (issue 19): exact (unbiased) on a consistent model, whose
curve is information.py's; the marginal/dependence split of the stepwise estimate."""

import numpy as np
import pytest

import mdmtheory as m
from mdmtheory.errors import InputError
from mdmtheory.model_curve import model_information_curve


@pytest.mark.parametrize("joint", [m.ising_chain(5, J=0.8, h=0.1), m.random_joint(4, 3, alpha=0.5, seed=3),
                                   m.parity(4)])
def test_curve_of_a_consistent_model_is_exact(joint):
    exact = m.information_curve(joint)
    covered = 0
    seeds = range(20)
    for seed in seeds:
        r = model_information_curve(joint, samples=60, seed=seed)
        assert r.curve[0] == 0.0 and r.stderr[0] == 0.0
        covered += int(np.all((r.lower[1:] <= exact[1:] + 1e-12) & (exact[1:] - 1e-12 <= r.upper[1:])))
    # every interval is a 95% one: all n - 1 of them at once cover in most seeds
    assert covered >= 12
    big = model_information_curve(joint, samples=3000, seed=99)
    assert np.max(np.abs(big.curve - exact)) < 6 * max(float(np.max(big.stderr)), 1e-3)


def test_schedule_predicted_and_direct_agree_on_a_consistent_model():
    joint = m.ising_chain(6, J=0.9, h=0.0)
    r = model_information_curve(joint, samples=800, seed=1, steps=3)
    opt = m.optimal_schedule(joint, 3)
    exact_kl = m.expected_kl(joint, r.schedule)
    assert exact_kl <= opt.expected_kl + 0.05  # the estimated curve finds a near-optimal schedule
    assert r.predicted_kl.interval[0] - 1e-9 <= exact_kl <= r.predicted_kl.interval[1] + 1e-9
    assert r.direct_kl.interval[0] - 1e-9 <= exact_kl <= r.direct_kl.interval[1] + 1e-9
    assert r.consistency_gap.interval[0] <= 0.0 <= r.consistency_gap.interval[1]
    d = r.to_dict()
    assert d["schedule"] == r.schedule and len(d["information_curve_interval"]) == 6


def test_inconsistent_model_shows_a_gap():
    """A model that ignores the context (product of marginals) queried along draws of the truth:
    its own curve is 0, the truth's random-order KL is not."""
    joint = m.copy(5, 2)
    model = m.MarginalsOracle(joint)
    r = model_information_curve(model, law=joint, samples=200, seed=0, steps=1)
    assert np.all(r.curve == 0.0)
    assert r.predicted_kl.value == 0.0
    assert r.direct_kl.value == pytest.approx(4 * np.log(2))  # (s_1 - 1) log 2 per draw, exactly
    assert r.consistency_gap.interval[1] < 0


def test_bad_input():
    class NoSamples:
        n, q = 2, (2, 2)

        def conditional_marginals(self, mask, vals):
            return np.full((2, 2), 0.5)

    with pytest.raises(InputError, match="sample"):
        model_information_curve(NoSamples())
    with pytest.raises(InputError):
        model_information_curve(m.copy(3), steps=4)


@pytest.mark.parametrize("sampler,alpha", [("confidence", 0.2), ("entropy", 0.05), ("left_to_right", 0.3)])
def test_split_adds_up_and_covers_the_exact_parts(sampler, alpha):
    joint = m.ising_chain(5, J=0.8, h=0.2)
    s = m.make_sampler(sampler, steps=3)
    model = m.SmoothedOracle(joint, alpha)
    ex = m.evaluate(joint, s, model=model)
    hits = 0
    for seed in range(10):
        est = m.estimate_sampler_divergences(joint, s, samples=300, seed=seed, model=model)
        assert est.dependence_error.value + est.marginal_error.value == pytest.approx(est.kl_stepwise.value, rel=1e-10)
        hits += (est.marginal_error.interval[0] <= ex.marginal_error <= est.marginal_error.interval[1]) + \
            (est.dependence_error.interval[0] <= ex.dependence_error <= est.dependence_error.interval[1])
        d = est.to_dict()
        assert d["marginal_error"] == est.marginal_error.value and len(d["dependence_error_interval"]) == 2
    assert hits >= 16


def test_split_without_a_model_has_no_marginal_error():
    est = m.estimate_sampler_divergences(m.parity(3), m.make_sampler("entropy", schedule=[1, 2]), samples=50, seed=0)
    assert est.marginal_error.value == 0.0 and est.dependence_error.value == pytest.approx(est.kl.value)
