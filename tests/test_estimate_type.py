"""The one Monte Carlo result type (issue 17): ``Estimate`` keeps the JSON keys of the former
``ScalarEstimate`` and the flat keys of the walk estimates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import mdmtheory as m
from mdmtheory.estimate import Estimate, mean_estimate

#: The keys ScalarEstimate.to_dict() emitted before the change (written from the old code, in order).
SCALAR_ESTIMATE_KEYS = ["value", "stderr", "interval", "samples", "seed", "confidence", "unit", "estimator", "quantity"]

#: The keys issue 20 added after them (the interval's method and the terms' skewness).
ADDED_KEYS = ["interval_method", "skewness", "too_skewed"]

#: The keys walk_divergences returned before the change (its docstring and the old dict building).
WALK_KEYS = ["kl_log_ratio", "kl_log_ratio_stderr", "kl_log_ratio_interval", "kl_stepwise", "kl_stepwise_stderr",
             "kl_stepwise_interval", "kl", "kl_stderr", "kl_interval", "kl_estimator", "reverse_kl", "reverse_kl_stderr",
             "reverse_kl_interval", "tv", "tv_stderr", "tv_interval", "reverse_estimator", "model", "samples", "seed",
             "unit"]


def test_estimate_to_dict_keys_are_the_former_scalar_estimate_keys():
    est = Estimate(0.5, 0.1, (0.3, 0.7), 10, 3, 0.95, "nats", "a name", "what")
    assert list(est.to_dict()) == SCALAR_ESTIMATE_KEYS + ADDED_KEYS
    assert m.ScalarEstimate is Estimate
    # every estimator of a scalar returns it, with those keys
    h = m.block_hmm(2, 2, 4)
    for e in (m.estimate_random_order_kl(h, [2, 2], samples=5), m.estimate_total_correlation(h, samples=5),
              m.estimate_dual_total_correlation(h, samples=5)):
        assert isinstance(e, Estimate) and list(e.to_dict()) == SCALAR_ESTIMATE_KEYS + ADDED_KEYS
    r = m.estimate_sampler_divergences(m.parity(3), "entropy", samples=5)
    assert all(isinstance(getattr(r, k), Estimate) for k in ("kl", "reverse_kl", "tv", "expected_calls", "support"))
    assert list(r.to_dict()["kl_stepwise"]) == SCALAR_ESTIMATE_KEYS + ADDED_KEYS


def test_estimate_json_is_strict_and_flat_keys():
    inf = float("inf")
    est = Estimate(inf, 0.0, (inf, inf), 4, 0, 0.9, "bits", "e", "KL(nu || mu)")
    d = est.to_dict()
    assert d["value"] == "inf" and d["interval"] == ["inf", "inf"] and d["stderr"] == 0.0
    assert est.flat("reverse_kl") == {"reverse_kl": inf, "reverse_kl_stderr": 0.0, "reverse_kl_interval": [inf, inf]}
    assert est.flat("k", strict=True) == {"k": "inf", "k_stderr": 0.0, "k_interval": ["inf", "inf"]}


def test_mean_estimate_is_the_student_t_interval_on_symmetric_terms():
    y = np.array([0.2, 1.4, 0.8, 2.0, 2.6])  # symmetric about 1.4: skewness 0
    est = mean_estimate(y, 0.9, 7, 2.0, "bits", "name", "E[2Y]")
    mean = 2.0 * sum(y) / 5
    sd = math.sqrt(sum((2.0 * v - mean) ** 2 for v in y) / 4)
    half = stats.t.ppf(0.95, 4) * sd / math.sqrt(5)
    assert est.value == pytest.approx(mean, abs=1e-12) and est.stderr == pytest.approx(sd / math.sqrt(5), abs=1e-12)
    assert est.skewness == pytest.approx(0.0, abs=1e-12) and est.interval_method == "hall_t"
    assert est.interval == pytest.approx((mean - half, mean + half), abs=1e-12)
    assert (est.samples, est.seed, est.confidence, est.unit) == (5, 7, 0.9, "bits")


def test_walk_divergences_keeps_its_keys():
    r = m.walk_divergences(m.random_walk("cycle:5", 7), m.make_sampler("entropy", steps=3), samples=20, seed=1)
    assert list(r) == WALK_KEYS + ["interval_method", "too_skewed"]  # added by issue 20
    assert all(isinstance(r[k], float) for k in ("kl", "kl_stderr", "reverse_kl", "tv", "kl_log_ratio"))
    assert all(isinstance(r[f"{k}_interval"], list) and len(r[f"{k}_interval"]) == 2 for k in ("kl", "reverse_kl", "tv"))
    assert 0.0 <= r["tv_interval"][0] <= r["tv"] <= r["tv_interval"][1] <= 1.0
