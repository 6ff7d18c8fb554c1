"""Every public function refuses bad arguments with InputError, and nothing else (issue 9).

One table of calls, each with one bad argument (wrong type, negative / zero / NaN / inf / huge
number, wrong shape, duplicate or out-of-range position, negative seed), and hypothesis
strategies for the argument kinds shared by many functions (lengths, bases, positions, seeds).
``pytest.raises(InputError)`` fails on any other exception (``ZeroDivisionError``,
``OverflowError``, ``AttributeError``, math domain errors, a plain ``ValueError``) and on a
returned value.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mdmtheory as m
from tests.conftest import junk_failures
from mdmtheory import InputError
from mdmtheory import bounds as B
from mdmtheory import schedules as S
from mdmtheory.graphs import chain_period, check_stochastic
from mdmtheory.markov import MarkovChain

NAN, INF = float("nan"), float("inf")
J3 = m.parity(3)  # a valid 3-position table
Z3 = [0.0, 0.5, 1.0]  # a valid curve
P2 = [[0.9, 0.1], [0.2, 0.8]]
CHAIN = MarkovChain(P2, "stationary", 4)

# (id, call) -- each call must raise InputError
CASES = [
    # -- Joint and families
    ("Joint-string", lambda: m.Joint("abc")),
    ("advise-nosampler", lambda: m.advise("smooth=0.1", [], 0.1, {"family": "copy", "n": 2})),
    ("advise-badtarget", lambda: m.advise("smooth=0.1", "llada", -1.0, {"family": "copy", "n": 2})),
    ("model_information_curve-notoracle", lambda: m.model_information_curve("notamodel")),
    ("model_information_curve-samples", lambda: m.model_information_curve(m.copy(2), samples=0)),
    ("plot_advice-notadvice", lambda: m.plot_advice("x", "a.png")),
    ("Joint-ragged", lambda: m.Joint([[0.5], [0.25, 0.25]])),
    ("Joint-complex", lambda: m.Joint(np.array([0.5 + 0j, 0.5]))),
    ("Joint-object", lambda: m.Joint(np.array([0.5, None], dtype=object))),
    ("Joint-scalar", lambda: m.Joint(1.0)),
    ("Joint-empty", lambda: m.Joint(np.zeros((2, 0)))),
    ("Joint-nan", lambda: m.Joint([0.5, NAN])),
    ("Joint-inf", lambda: m.Joint([INF, 0.0], normalize=True)),
    # -- the sampler layer and the walk simulator
    ("evaluate-notajoint", lambda: m.evaluate("notajoint", "eb")),
    ("optimal_kl-notajoint", lambda: m.optimal_kl("notajoint")),
    ("optimal_policy-notajoint", lambda: m.optimal_policy("notajoint", 2)),
    ("optimal_tradeoff-notajoint", lambda: m.optimal_tradeoff("notajoint", 0.5)),
    ("sampler_frontier-notajoint", lambda: m.sampler_frontier("notajoint")),
    ("simulate-notachain", lambda: m.simulate("notachain", "punt_pairwise", samples=2)),
    ("walk_metrics-notachain", lambda: m.walk_metrics("notachain", [[0]])),
    ("exact_walk_metrics-notachain", lambda: m.exact_walk_metrics("notachain", "punt_pairwise")),
    ("sample_walks-notachain", lambda: m.sample_walks("notachain", "punt_pairwise", 2)),
    ("walk_divergences-random-rule", lambda: m.walk_divergences(m.random_walk("cycle:4", 5), m.make_sampler("random"), 10)),
    ("walk_divergences-samples1", lambda: m.walk_divergences(m.random_walk("cycle:4", 5), "bisection", 1)),
    ("walk_divergences-notachain", lambda: m.walk_divergences("notachain", "bisection", 10)),
    ("smoothed_chain-eps2", lambda: m.smoothed_chain(m.random_walk("cycle:4", 5), 2.0)),
    ("load_model_chain-missing", lambda: m.load_model_chain("/nonexistent/kernel.npy", m.random_walk("cycle:4", 5))),
    # -- hidden Markov models and estimators (issue 11)
    ("HMM-not-stochastic", lambda: m.HMM([[0.5, 0.6], [0.5, 0.5]], [[1.0, 0.0], [0.0, 1.0]], [0.5, 0.5], n=3)),
    ("HMM-n0", lambda: m.HMM([[1.0]], [[1.0]], [1.0], n=0)),
    ("ChainOracle-not-a-chain", lambda: m.ChainOracle("cycle:4")),
    ("TableOracle-not-a-joint", lambda: m.TableOracle([[0.5, 0.5]])),
    ("TableOracle-impossible",
     lambda: m.TableOracle(m.copy(2)).conditional_marginals(np.array([True, True]), np.array([0, 1]))),
    ("as_oracle-string", lambda: m.as_oracle("cycle:4")),
    # -- model oracles (issue 11, "any oracle")
    ("temperature_rows-negative", lambda: m.temperature_rows([[0.5, 0.5]], [2], -1.0)),
    ("smooth_rows-alpha", lambda: m.smooth_rows([[0.5, 0.5]], [2], 1.5)),
    ("top_k_rows-k0", lambda: m.top_k_rows([[0.5, 0.5]], [2], 0)),
    ("top_p_rows-p0", lambda: m.top_p_rows([[0.5, 0.5]], [2], 0.0)),
    ("top_p_rows-q-too-big", lambda: m.top_p_rows([[0.5, 0.5]], [3], 0.5)),
    ("check_model_rows-sum", lambda: m.check_model_rows([[0.5, 0.6]], np.array([False]), (2,))),
    ("TemperatureOracle-nan", lambda: m.TemperatureOracle(J3, NAN)),
    ("SmoothedOracle-not-an-oracle", lambda: m.SmoothedOracle("cycle:4", 0.1)),
    ("TopKOracle-float", lambda: m.TopKOracle(J3, 1.5)),
    ("TopPOracle-above-1", lambda: m.TopPOracle(J3, 1.5)),
    ("MarginalsOracle-string", lambda: m.MarginalsOracle("joint")),
    ("CallableOracle-not-callable", lambda: m.CallableOracle(3, (2, 2))),
    ("CallableOracle-bad-rows",
     lambda: m.CallableOracle(lambda a, b: np.ones((2, 2)), (2, 2)).conditional_marginals(np.zeros(2, bool), -np.ones(2, int))),
    ("model_oracle-unknown", lambda: m.model_oracle("sharpen=2", J3)),
    ("evaluate-model-wrong-n", lambda: m.evaluate(J3, "entropy", model=m.copy(2))),
    ("evaluate-model-optimal", lambda: m.evaluate(J3, m.optimal_policy(J3, 2), model=m.SmoothedOracle(J3, 0.1))),
    ("check_oracle_values-range", lambda: m.check_oracle_values([True, False], [2, 0], 2, (2, 2))),
    ("block_hmm-eps", lambda: m.block_hmm(2, 2, 5, eps=1.5)),
    ("noisy_walk-eps-nan", lambda: m.noisy_walk("cycle:4", NAN, 5)),
    ("order_m_chain-ragged", lambda: m.order_m_chain([[0.5, 0.5], [1.0]], 4)),
    ("random_order_m_kernel-q0", lambda: m.random_order_m_kernel(0, 2)),
    ("parse_hmm-unknown", lambda: m.parse_hmm("nope:1", 5)),
    ("load_hmm-missing", lambda: m.load_hmm("/nonexistent/model.npz", 5)),
    ("block_bisection_partition-m0", lambda: m.block_bisection_partition(8, 0)),
    ("separated_rounds-not-a-partition", lambda: m.separated_rounds([[0, 0]], 2, 1)),
    ("set_entropy-not-an-oracle", lambda: m.set_entropy("oracle", [False], [-1], [0])),
    ("set_total_correlation-dup", lambda: m.set_total_correlation(m.block_hmm(2, 2, 4), np.zeros(4, bool), -np.ones(4, int), [1, 1])),
    ("set_entropy_batch-sets", lambda: m.set_entropy_batch(m.block_hmm(2, 2, 4), np.zeros((2, 4), bool), -np.ones((2, 4), int), [[1]])),
    ("set_total_correlation_batch-dup", lambda: m.set_total_correlation_batch(m.block_hmm(2, 2, 4), np.zeros((1, 4), bool),
                                                                              -np.ones((1, 4), int), [[1, 1]])),
    ("estimate_information_curve-samples1", lambda: m.estimate_information_curve(m.block_hmm(2, 2, 4), samples=1)),
    ("estimate_fixed_order_divergences-sets", lambda: m.estimate_fixed_order_divergences(m.block_hmm(2, 2, 4), [[0, 1]])),
    ("estimate_random_order_kl-schedule", lambda: m.estimate_random_order_kl(m.block_hmm(2, 2, 4), [3, 3])),
    ("estimate_total_correlation-seed", lambda: m.estimate_total_correlation(m.block_hmm(2, 2, 4), seed=-1)),
    ("estimate_dual_total_correlation-base", lambda: m.estimate_dual_total_correlation(m.block_hmm(2, 2, 4), base=0.5)),
    # -- literature families and sweeps (issues 12, 13)
    ("two_mode-n0", lambda: m.two_mode(0)),
    ("noisy_copy-delta", lambda: m.noisy_copy(3, 2, delta=1.5)),
    ("shuffle-n-frac", lambda: m.shuffle(2.5)),
    ("replace_random-n0", lambda: m.replace_random(0)),
    ("sweep-not-a-spec", lambda: m.sweep(["model"], show_progress=False)),
    ("sweep-jobs0", lambda: m.sweep({"model": [{"family": "copy", "n": 2}], "sampler": [{"name": "entropy"}]}, jobs=0)),
    ("read_table-missing", lambda: m.read_table("/nonexistent/table.csv")),
    ("plot_table-no-column", lambda: m.plot_table([{"a": 1.0}], "a", "b")),
    ("Joint-negative", lambda: m.Joint([1.5, -0.5])),
    ("Joint-unnormalized", lambda: m.Joint([0.5, 0.6])),
    ("Joint-float32-off", lambda: m.Joint(np.array([0.5, 0.51], dtype=np.float32))),
    ("Joint-zero-normalize", lambda: m.Joint([0.0, 0.0], normalize=True)),
    ("marginal-out-of-range", lambda: J3.marginal([7])),
    ("marginal-negative", lambda: J3.marginal([-1])),
    ("marginal-duplicate", lambda: J3.marginal([1, 1])),
    ("marginal-float", lambda: J3.marginal([0.5])),
    ("marginal-not-a-list", lambda: J3.marginal(3)),
    ("conditional-fraction", lambda: J3.conditional({0: 0.7})),
    ("conditional-not-dict", lambda: J3.conditional([(0, 1)])),
    ("conditional-position", lambda: J3.conditional({5: 0})),
    ("conditional-value", lambda: J3.conditional({0: 2})),
    ("conditional-prob-0", lambda: m.copy(3).conditional({0: 0, 1: 1})),
    ("conditional-all", lambda: J3.conditional({0: 0, 1: 0, 2: 0})),
    ("load_joint-type", lambda: m.load_joint(12)),
    ("load_joint-missing", lambda: m.load_joint("/nonexistent/t.npy")),
    ("product-empty", lambda: m.product([])),
    ("product-int", lambda: m.product(3)),
    ("product-2d", lambda: m.product([[[0.5, 0.5]]])),
    ("product-huge", lambda: m.product([[0.5, 0.5]] * 80)),
    ("random_joint-seed", lambda: m.random_joint(3, seed=-1)),
    ("random_joint-seed-float", lambda: m.random_joint(3, seed=1.5)),
    ("random_joint-n0", lambda: m.random_joint(0)),
    ("random_joint-n-inf", lambda: m.random_joint(INF)),
    ("random_joint-n-str", lambda: m.random_joint("3")),
    ("random_joint-q0", lambda: m.random_joint(3, q=0)),
    ("random_joint-q-list", lambda: m.random_joint(3, q=[2, 2])),
    ("random_joint-q-str", lambda: m.random_joint(3, q="a")),
    ("random_joint-alpha0", lambda: m.random_joint(3, alpha=0)),
    ("random_joint-alpha-inf", lambda: m.random_joint(3, alpha=INF)),
    ("random_joint-alpha-nan", lambda: m.random_joint(3, alpha=NAN)),
    ("random_joint-huge", lambda: m.random_joint(100)),
    ("copy-q0", lambda: m.copy(3, q=0)),
    ("copy-q-frac", lambda: m.copy(3, q=2.5)),
    ("copy-n-neg", lambda: m.copy(-1)),
    ("copy-huge", lambda: m.copy(200)),
    ("parity-0", lambda: m.parity(0)),
    ("parity-huge", lambda: m.parity(80)),
    ("parity-nan", lambda: m.parity(NAN)),
    ("linear_code-q4", lambda: m.linear_code([[1, 1]], 4)),
    ("linear_code-q-str", lambda: m.linear_code([[1, 1]], "2")),
    ("linear_code-frac", lambda: m.linear_code([[0.5, 1]], 2)),
    ("linear_code-1d", lambda: m.linear_code([1, 1], 2)),
    ("linear_code-str", lambda: m.linear_code([["a", "b"]], 2)),
    ("reed_solomon-q-small", lambda: m.reed_solomon(5, 2, 3)),
    ("reed_solomon-k", lambda: m.reed_solomon(3, 4, 5)),
    ("reed_solomon-q-inf", lambda: m.reed_solomon(3, 2, INF)),
    ("mixture-weights", lambda: m.mixture_of_products([0.5, 0.6], [[[1, 0]], [[0, 1]]])),
    ("mixture-count", lambda: m.mixture_of_products([1.0], [[[1, 0]], [[0, 1]]])),
    ("mixture-components-int", lambda: m.mixture_of_products([1.0], 3)),
    ("mixture-shapes", lambda: m.mixture_of_products([0.5, 0.5], [[[1, 0]], [[0, 0, 1]]])),
    ("ising-J-nan", lambda: m.ising_chain(3, J=NAN)),
    ("ising-J-huge", lambda: m.ising_chain(3, J=1e308)),
    ("ising-h-inf", lambda: m.ising_chain(3, h=INF)),
    ("ising-n-huge", lambda: m.ising_chain(200)),
    ("markov_chain-P", lambda: m.markov_chain([[0.5, 0.6], [0.5, 0.5]], [1, 0], 3)),
    ("markov_chain-P-nan", lambda: m.markov_chain([[NAN, 1.0], [0.5, 0.5]], [1, 0], 3)),
    ("markov_chain-start", lambda: m.markov_chain(P2, [1, 0, 0], 3)),
    ("markov_chain-str", lambda: m.markov_chain("P", [1, 0], 3)),
    ("markov_chain-n", lambda: m.markov_chain(P2, [1, 0], 0)),
    # -- information
    ("unit_name-half", lambda: m.unit_name(0.5)),
    ("unit_name-one", lambda: m.unit_name(1)),
    ("unit_name-str", lambda: m.unit_name("2")),
    ("subset_entropies-type", lambda: m.subset_entropies("notajoint")),
    ("subset_entropies-base", lambda: m.subset_entropies(J3, base=0.5)),
    ("avg_entropy-lattice-size", lambda: m.avg_entropy(np.zeros(3))),
    ("avg_entropy-lattice-nan", lambda: m.avg_entropy(np.array([0.0, NAN]))),
    ("avg_entropy-type", lambda: m.avg_entropy("notajoint")),
    ("avg_entropy-base", lambda: m.avg_entropy(J3, base=-2)),
    ("curve_from_avg_entropy-empty", lambda: m.curve_from_avg_entropy([])),
    ("curve_from_avg_entropy-short", lambda: m.curve_from_avg_entropy([0.0])),
    ("curve_from_avg_entropy-inf", lambda: m.curve_from_avg_entropy([0.0, INF])),
    ("curve_from_avg_entropy-start", lambda: m.curve_from_avg_entropy([1.0, 2.0])),
    ("information_curve-type", lambda: m.information_curve([0.5, 0.5])),
    ("information_curve-base", lambda: m.information_curve(J3, base=1)),
    ("entropy-type", lambda: m.entropy([0.5, 0.5])),
    ("entropy-position", lambda: m.entropy(J3, [3])),
    ("entropy-duplicate", lambda: m.entropy(J3, [0, 0])),
    ("entropy-base-nan", lambda: m.entropy(J3, base=NAN)),
    ("entropy-base-inf", lambda: m.entropy(J3, base=INF)),
    ("entropy-base-zero", lambda: m.entropy(J3, base=0)),
    ("entropy-base-bool", lambda: m.entropy(J3, base=True)),
    ("conditional_entropy-dup", lambda: m.conditional_entropy(J3, [0, 0], [1])),
    ("conditional_entropy-range", lambda: m.conditional_entropy(J3, [0], [9])),
    ("mutual_information-range", lambda: m.mutual_information(J3, [-1], [1])),
    ("mutual_information-base", lambda: m.mutual_information(J3, [0], [1], base=0.5)),
    ("total_correlation-type", lambda: m.total_correlation(None)),
    ("total_correlation-base", lambda: m.total_correlation(J3, base=0.5)),
    ("dual_total_correlation-base", lambda: m.dual_total_correlation(J3, base=0.5)),
    ("ctc-duplicate", lambda: m.conditional_total_correlation(J3, [0, 0])),
    ("ctc-pinned-overlap", lambda: m.conditional_total_correlation(J3, [0, 1], {1: 0})),
    ("ctc-pinned-list", lambda: m.conditional_total_correlation(J3, [0], [(1, 0)])),
    ("ctc-pinned-frac", lambda: m.conditional_total_correlation(J3, [0], {1: 0.7})),
    ("information_summary-type", lambda: m.information_summary(np.ones(2) / 2)),
    ("information_summary-base", lambda: m.information_summary(J3, base=0.5)),
    # -- schedules
    ("Schedule-inf", lambda: m.Schedule([INF])),
    ("Schedule-nan", lambda: m.Schedule([NAN])),
    ("Schedule-frac", lambda: m.Schedule([1.5, 1.5])),
    ("Schedule-zero", lambda: m.Schedule([0, 3])),
    ("Schedule-empty", lambda: m.Schedule([])),
    ("Schedule-str", lambda: m.Schedule("123")),
    ("Schedule-int", lambda: m.Schedule(3)),
    ("Schedule-sum", lambda: m.Schedule([1, 2], n=4)),
    ("as_schedule-sum", lambda: m.as_schedule(m.Schedule([1, 2]), 4)),
    ("as_schedule-n-inf", lambda: m.as_schedule([1, 2], INF)),
    ("parse_schedule-text", lambda: m.parse_schedule("1,x")),
    ("parse_schedule-neg", lambda: m.parse_schedule("1,-1")),
    ("schedule_family-unknown", lambda: m.schedule_family("nope", 5)),
    ("schedule_family-missing", lambda: m.schedule_family("even", 5)),
    ("schedule_family-k-inf", lambda: m.schedule_family("even", 5, k=INF)),
    ("schedule_family-n-huge", lambda: m.schedule_family("constant", 10**12, s=1)),
    ("schedule_family-eps-nan", lambda: m.schedule_family("dream", 5, k=2, eps=NAN)),
    ("schedule_family-tc-eps", lambda: m.schedule_family("tc", 5, tc_hat=1.0, eps=0.0)),
    ("schedule_family-ratio", lambda: m.schedule_family("geometric", 5, ratio=-2.0)),
    ("schedule_family-sweep-curve", lambda: m.schedule_family("sweep", 3, curve=[0.0, 1.0, 0.5], max_steps=2)),
    ("tc_lambda-zeta", lambda: S.tc_lambda(5, 0)),
    ("austin-l", lambda: S.austin(5, 2, l=9)),
    # -- divergence
    ("expected_kl-decreasing", lambda: m.expected_kl([0.0, 1.0, 0.5], [3])),
    ("expected_kl-nonzero-start", lambda: m.expected_kl([0.5, 1.0, 1.0], [3])),
    ("expected_kl-nan", lambda: m.expected_kl([0.0, NAN], [2])),
    ("expected_kl-2d", lambda: m.expected_kl([[0.0, 1.0]], [2])),
    ("expected_kl-string", lambda: m.expected_kl("0,1", [2])),
    ("expected_kl-schedule", lambda: m.expected_kl(Z3, [2])),
    ("expected_kl-base", lambda: m.expected_kl(Z3, [3], base=0.5)),
    ("fixed_order_kl-duplicate", lambda: m.fixed_order_kl(J3, [[0, 0], [1, 2]])),
    ("fixed_order_kl-missing", lambda: m.fixed_order_kl(J3, [[0], [1]])),
    ("fixed_order_kl-empty-step", lambda: m.fixed_order_kl(J3, [[0, 1, 2], []])),
    ("fixed_order_kl-frac", lambda: m.fixed_order_kl(J3, [[0.5, 1, 2]])),
    ("fixed_order_kl-type", lambda: m.fixed_order_kl("notajoint", [[0]])),
    ("fixed_order_kl-sets-int", lambda: m.fixed_order_kl(J3, 3)),
    ("ordered_partition-perm", lambda: m.ordered_partition([0, 0, 1], [3], 3)),
    ("ordered_partition-n", lambda: m.ordered_partition([0], [1], -1)),
    ("mixture_kl-schedule", lambda: m.mixture_kl(J3, [1, 1])),
    ("mixture_kl-base", lambda: m.mixture_kl(J3, [3], base=0.5)),
    ("output_distribution-type", lambda: m.output_distribution([0.5, 0.5], [1])),
    ("output_distribution-order", lambda: m.output_distribution(J3, [3], order=[0, 1])),
    ("kl_divergence-not-distributions", lambda: m.kl_divergence([0.5, 0.1], [0.9, 0.9])),
    ("kl_divergence-shapes", lambda: m.kl_divergence([0.5, 0.5], [0.25, 0.25, 0.5])),
    ("kl_divergence-negative", lambda: m.kl_divergence([1.5, -0.5], [0.5, 0.5])),
    ("kl_divergence-string", lambda: m.kl_divergence("ab", [0.5, 0.5])),
    ("kl_divergence-base", lambda: m.kl_divergence([0.5, 0.5], [0.5, 0.5], base=0.5)),
    ("total_variation-broadcast", lambda: m.total_variation([[0.5], [0.5]], [0.5, 0.5])),
    ("total_variation-nan", lambda: m.total_variation([NAN, 1.0], [0.5, 0.5])),
    ("divergences-shapes", lambda: m.divergences([1.0], [0.5, 0.5])),
    # -- curves, optimal schedules, bounds
    ("validate_curve-decreasing", lambda: m.validate_curve([0.0, 1.0, 0.5])),
    ("as_curve-type", lambda: m.as_curve(object())),
    ("load_curve-ext", lambda: m.load_curve("/nonexistent/z.txt")),
    ("optimal_schedule-steps-inf", lambda: m.optimal_schedule(Z3, INF)),
    ("optimal_schedule-steps-0", lambda: m.optimal_schedule(Z3, 0)),
    ("optimal_schedule-steps-str", lambda: m.optimal_schedule(Z3, "2")),
    ("optimal_schedule-base", lambda: m.optimal_schedule(Z3, 2, base=0.5)),
    ("optimal_schedule-curve", lambda: m.optimal_schedule([0.0, 1.0, 0.5], 2)),
    ("frontier-max_steps", lambda: m.frontier(Z3, max_steps=4)),
    ("frontier-base", lambda: m.frontier(Z3, base=NAN)),
    ("sampler_frontier-name", lambda: m.sampler_frontier(m.copy(2), ["nope"])),
    ("min_steps-eps", lambda: m.min_steps(Z3, -1.0)),
    ("min_steps-eps-nan", lambda: m.min_steps(Z3, NAN)),
    ("min_steps-eps-str", lambda: m.min_steps(Z3, "a")),
    ("check_bounds-schedule", lambda: m.check_bounds(Z3, [1, 1])),
    ("check_bounds-base", lambda: m.check_bounds(Z3, [3], base=0.5)),
    ("check_bounds-tol", lambda: m.check_bounds(Z3, [3], tol=-1.0)),
    ("check_bounds-curve", lambda: m.check_bounds([0.0, 2.0, 1.0], [3])),
    ("theorem9_error_bound-zeta1", lambda: B.theorem9_error_bound(Z3, 1, "tc")),
    ("theorem9_error_bound-family", lambda: B.theorem9_error_bound(Z3, 2, "xx")),
    ("theorem9_steps_bound-n0", lambda: B.theorem9_steps_bound(0, 2)),
    ("theorem9_zeta-family", lambda: B.theorem9_zeta([1, 2], "xx")),
    ("austin_bound-k", lambda: B.austin_bound(Z3, 0)),
    ("li_cai_bound-curve", lambda: B.li_cai_bound([0.0, 1.0, 0.5], [3])),
    # -- graphs and Markov chains
    ("make_graph-dict", lambda: m.make_graph({"a": 1})),
    ("make_graph-asym", lambda: m.make_graph([[0, 1], [0, 0]])),
    ("make_graph-isolated", lambda: m.make_graph([[0, 0], [0, 0]])),
    ("parse_graph-unknown", lambda: m.parse_graph("nope:3")),
    ("parse_graph-args", lambda: m.parse_graph("cycle:x")),
    ("walk_matrix-lazy", lambda: m.walk_matrix("cycle:4", lazy=1.0)),
    ("walk_matrix-lazy-str", lambda: m.walk_matrix("cycle:4", lazy="a")),
    ("walk_matrix-lazy-nan", lambda: m.walk_matrix("cycle:4", lazy=NAN)),
    ("stationary-two-classes", lambda: m.stationary_distribution([[1.0, 0.0], [0.0, 1.0]])),
    ("stationary-str", lambda: m.stationary_distribution("P")),
    ("start_distribution-vertex", lambda: m.start_distribution(P2, 5)),
    ("start_distribution-vector", lambda: m.start_distribution(P2, [0.5, 0.6])),
    ("start_distribution-str", lambda: m.start_distribution(P2, "sideways")),
    ("start_distribution-obj", lambda: m.start_distribution(P2, [object(), 1])),
    ("check_stochastic-str", lambda: check_stochastic([["a", "b"], ["c", "d"]])),
    ("chain_period-not-stochastic", lambda: chain_period([[0.5, 0.6], [0.5, 0.5]])),
    ("MarkovChain-n-inf", lambda: MarkovChain(P2, "uniform", INF)),
    ("MarkovChain-n-0", lambda: MarkovChain(P2, "uniform", 0)),
    ("MarkovChain-P-nan", lambda: MarkovChain([[NAN, 1.0], [0.5, 0.5]], "uniform", 3)),
    ("chain-entropy-duplicate", lambda: CHAIN.entropy([1, 1])),
    ("chain-entropy-range", lambda: CHAIN.entropy([4])),
    ("chain-entropy-base", lambda: CHAIN.entropy(base=0.5)),
    ("chain-conditionals-frac", lambda: CHAIN.conditionals([0.5, -1, -1, -1])),
    ("chain-conditionals-length", lambda: CHAIN.conditionals([0, -1])),
    ("chain-conditionals-value", lambda: CHAIN.conditionals({0: 2})),
    ("chain-conditionals-dict-pos", lambda: CHAIN.conditionals({9: 0})),
    ("chain-sample-seed", lambda: CHAIN.sample(3, seed=-1)),
    ("chain-sample-size", lambda: CHAIN.sample(-1)),
    ("chain-is_valid-range", lambda: CHAIN.is_valid([[0, 1, 2, 0]])),
    ("chain-fixed_order_kl-dup", lambda: CHAIN.fixed_order_kl([[0, 0], [1, 2, 3]])),
    ("chain-fixed_order_kl-frac", lambda: CHAIN.fixed_order_kl([[0.5, 1, 2, 3]])),
    ("chain-summary-base", lambda: CHAIN.summary(base=0.5)),
    ("random_walk-graph", lambda: m.random_walk("nope", 3)),
    ("random_walk-n", lambda: m.random_walk("cycle:4", -2)),
    ("bisection_partition-inf", lambda: m.bisection_partition(INF)),
    ("bisection_partition-0", lambda: m.bisection_partition(0)),
    ("bisection_rounds-neg", lambda: m.bisection_rounds(-1)),
    ("bisection_rounds-nan", lambda: m.bisection_rounds(NAN)),
    ("bisection_rounds-str", lambda: m.bisection_rounds("7")),
    ("wilson-over", lambda: m.wilson_interval(11, 10)),
    ("wilson-negative", lambda: m.wilson_interval(-1, 10)),
    ("wilson-trials-0", lambda: m.wilson_interval(0, 0)),
    ("wilson-frac", lambda: m.wilson_interval(0.5, 10)),
    ("wilson-z", lambda: m.wilson_interval(1, 10, z=-1.0)),
    ("wilson-z-nan", lambda: m.wilson_interval(1, 10, z=NAN)),
    # -- estimate_sampler_divergences (issue 11)
    ("estimate_sampler_divergences-truth", lambda: m.estimate_sampler_divergences(np.ones(4) / 4, "entropy")),
    ("estimate_sampler_divergences-sampler", lambda: m.estimate_sampler_divergences(m.parity(3), "nope")),
    ("estimate_sampler_divergences-samples", lambda: m.estimate_sampler_divergences(m.parity(3), "entropy", samples=1)),
    ("estimate_sampler_divergences-model", lambda: m.estimate_sampler_divergences(m.parity(3), "entropy", model=m.parity(4))),
    ("estimate_sampler_divergences-confidence", lambda: m.estimate_sampler_divergences(m.parity(3), "entropy", confidence=2)),
    ("path_kind-str", lambda: m.path_kind("entropy")),
    # -- forests and forest laws (issue 18)
    ("check_forest-cycle", lambda: m.check_forest([[0, 1], [1, 2], [0, 2]], 3)),
    ("check_forest-n", lambda: m.check_forest([], 0)),
    ("random_forest-components", lambda: m.random_forest(3, 4)),
    ("random_forest-seed", lambda: m.random_forest(3, 1, seed=-1)),
    ("forest_components-nodes", lambda: m.forest_components([[0, 1]], 3, nodes=[5])),
    ("forest_components-nodes-str", lambda: m.forest_components([[0, 1]], 3, nodes="01")),
    ("tree_centroid-disconnected", lambda: m.tree_centroid([[0, 1]], 3, [0, 2])),
    ("tree_centroid-empty", lambda: m.tree_centroid([[0, 1]], 3, [])),
    ("centroid_rounds-self-loop", lambda: m.centroid_rounds([[1, 1]], 3)),
    ("centroid_round_bound-range", lambda: m.centroid_round_bound([[0, 3]], 3)),
    ("forest_joint-cycle", lambda: m.forest_joint([[0, 1], [1, 2], [2, 0]], 3)),
    ("forest_joint-alpha", lambda: m.forest_joint([[0, 1]], 2, alpha=-1.0)),
    ("forest_joint-q", lambda: m.forest_joint([[0, 1]], 2, q=[2])),
]

@pytest.mark.parametrize("call", [pytest.param(c, id=i) for i, c in CASES])
def test_bad_arguments_raise_input_error(call):
    """The call raises InputError (and no other exception, and returns nothing)."""
    with pytest.raises(InputError):
        call()


def test_the_registry_refuses_bad_rules():
    """Ranking, Rule, register_rule, unregister_rule: a malformed declaration is refused at once."""
    with pytest.raises(InputError, match="key must be one of"):
        m.Ranking("loudness")
    with pytest.raises(InputError, match="stop='each' takes stat"):
        m.Ranking("entropy", "each")
    with pytest.raises(InputError, match="reads its threshold"):
        m.Ranking("entropy", "sum")
    with pytest.raises(InputError, match="give pack="):
        m.Rule("x", 99, (), "", False, False, "", "")
    with pytest.raises(InputError, match="order is"):
        m.Rule("x", None, (), "", False, False, "", "", ranking=m.Ranking(), order="fixed")
    with pytest.raises(InputError, match="takes a Rule"):
        m.register_rule("entropy")
    with pytest.raises(InputError, match="registered already"):
        m.register_rule(m.RULES["entropy"])
    with pytest.raises(InputError, match="built-in"):
        m.unregister_rule("entropy")
    with pytest.raises(InputError, match="no rule named"):
        m.unregister_rule("no_such_rule")


def test_every_public_callable_is_covered():
    """Every function and class in mdmtheory.__all__ appears in a case above (by name), so a
    new public function cannot be added without its bad-argument case."""
    import re

    source = inspect.getsource(inspect.getmodule(test_every_public_callable_is_covered))
    named = set(re.findall(r"m\.(\w+)\(", source)) | set(re.findall(r"\(\"(\w+?)-", source))
    exempt = {"InputError", "ImpossibleContext", "FAMILIES", "SAMPLER_NAMES", "Optimum", "Sampler", "SamplerState", "make_sampler",
              "BoundContext", "Quantity", "hunt", "load_bound", "SweepResult", "Evaluation",
              "CurveEstimate", "DivergenceEstimate", "ScalarEstimate", "Estimate", "SamplerEstimate",
              "Advice", "ModelCurve"}  # typed results: nothing to refuse
    public = {name for name in m.__all__ if callable(getattr(m, name))} - exempt
    missing = sorted(public - named)
    assert not missing, f"no bad-argument case for {missing}"


# -- hypothesis: argument kinds shared by many functions ------------------------------------------

bad_counts = st.one_of(
    st.integers(max_value=0),
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not (math.isfinite(x) and x == int(x) and x >= 1)),
    st.just(True),
    st.text(max_size=3),
    st.none(),
    st.lists(st.integers(1, 3), max_size=2),
)


@given(bad_counts)
def test_bad_lengths_everywhere(n):
    """A bad length n (<= 0, fraction, NaN, inf, bool, string, None, list) is refused by every
    function that takes one."""
    for f in (m.copy, m.parity, m.random_joint, m.ising_chain, m.bisection_partition, m.bisection_rounds,
              lambda n: m.schedule_family("even", n, k=1), lambda n: S.constant(n, 1), lambda n: MarkovChain(P2, "uniform", n)):
        with pytest.raises(InputError):
            f(n)


bad_bases = st.one_of(
    st.floats(max_value=1.0, allow_nan=False), st.just(NAN), st.just(INF), st.just(-INF), st.integers(max_value=1),
    st.text(max_size=2), st.just(True),
)


@given(bad_bases)
def test_bad_bases_everywhere(base):
    """A base that is not a finite number > 1 is refused by every function taking base=."""
    calls = [
        lambda b: m.unit_name(b), lambda b: m.entropy(J3, base=b), lambda b: m.subset_entropies(J3, base=b),
        lambda b: m.avg_entropy(J3, base=b), lambda b: m.information_curve(J3, base=b),
        lambda b: m.total_correlation(J3, base=b), lambda b: m.dual_total_correlation(J3, base=b),
        lambda b: m.information_summary(J3, base=b), lambda b: m.conditional_entropy(J3, [0], [1], base=b),
        lambda b: m.mutual_information(J3, [0], [1], base=b), lambda b: m.conditional_total_correlation(J3, [0, 1], base=b),
        lambda b: m.expected_kl(Z3, [3], base=b), lambda b: m.expected_kl(J3, [3], base=b),
        lambda b: m.fixed_order_kl(J3, [[0, 1, 2]], base=b), lambda b: m.mixture_kl(J3, [3], base=b),
        lambda b: m.kl_divergence([0.5, 0.5], [0.5, 0.5], base=b), lambda b: m.divergences([1.0], [1.0], base=b),
        lambda b: m.optimal_schedule(Z3, 2, base=b), lambda b: m.frontier(Z3, base=b), lambda b: m.min_steps(Z3, 0.1, base=b),
        lambda b: m.check_bounds(Z3, [3], base=b), lambda b: CHAIN.entropy(base=b), lambda b: CHAIN.avg_entropy(base=b),
        lambda b: CHAIN.fixed_order_kl([[0, 1, 2, 3]], base=b),
    ]
    for call in calls:
        with pytest.raises(InputError):
            call(base)


@given(st.lists(st.integers(-5, 8), min_size=1, max_size=6).filter(lambda A: len(set(A)) < len(A) or min(A) < 0 or max(A) > 2))
def test_bad_positions_everywhere(A):
    """Duplicate or out-of-range positions of a 3-position table (or 4-position chain) are refused."""
    for call in (lambda: J3.marginal(A), lambda: m.entropy(J3, A), lambda: m.conditional_entropy(J3, A, [0]),
                 lambda: m.mutual_information(J3, [0], A), lambda: m.conditional_total_correlation(J3, A)):
        with pytest.raises(InputError):
            call()
    if len(set(A)) < len(A) or min(A) < 0 or max(A) > 3:
        with pytest.raises(InputError):
            CHAIN.entropy(A)


@given(st.one_of(st.integers(max_value=-1), st.floats().filter(lambda x: not (math.isfinite(x) and x == int(x) and x >= 0)),
                 st.text(max_size=2)))
def test_bad_seeds(seed):
    """Negative, fractional, NaN/inf or non-numeric seeds are refused."""
    with pytest.raises(InputError):
        m.random_joint(2, seed=seed)
    with pytest.raises(InputError):
        CHAIN.sample(2, seed=seed)


def test_raises_sections_document_input_error():
    """Every public function and method of the library modules of issue 9 names InputError in
    a Raises section of its docstring (numpydoc)."""
    from mdmtheory import bounds, divergence, graphs, information, joint, markov, optimal, schedules, walks

    exempt = {"Joint.save", "Optimum", "Optimum.as_dict", "MarkovChain.tables"}  # no argument to refuse
    missing = []
    for mod in (joint, information, divergence, bounds, schedules, optimal, markov, graphs):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if not callable(obj):
                continue
            objs = [(name, obj)]
            if inspect.isclass(obj):
                objs += [(f"{name}.{k}", v) for k, v in vars(obj).items() if callable(v) and not k.startswith("_")]
            for qual, o in objs:
                doc = inspect.getdoc(o) or ""
                if qual not in exempt and not ("Raises\n------" in doc and "InputError" in doc.split("Raises\n------")[1]):
                    missing.append(f"{mod.__name__}.{qual}")
    assert "InputError" in walks.wilson_interval.__doc__
    assert not missing, missing


# -- every pair of junk arguments: a value or InputError, never another exception ------------------


FUZZ = {
    "estimate_sampler_divergences": lambda a, b: m.estimate_sampler_divergences(J3, a, samples=3, seed=b),
    "estimate_sampler_divergences-model": lambda a, b: m.estimate_sampler_divergences(J3, "entropy", samples=3, base=a,
                                                                                      model=b),
    "Joint": lambda a, b: m.Joint(a, normalize=b), "marginal": lambda a, b: J3.marginal(a),
    "conditional": lambda a, b: J3.conditional(a), "product": lambda a, b: m.product(a),
    "random_joint": lambda a, b: m.random_joint(a, b), "copy": lambda a, b: m.copy(a, b), "parity": lambda a, b: m.parity(a),
    "linear_code": lambda a, b: m.linear_code(a, b), "reed_solomon": lambda a, b: m.reed_solomon(a, b, 5),
    "mixture_of_products": lambda a, b: m.mixture_of_products(a, b), "ising_chain": lambda a, b: m.ising_chain(3, a, b),
    "markov_chain": lambda a, b: m.markov_chain(a, b, 2), "unit_name": lambda a, b: m.unit_name(a),
    "subset_entropies": lambda a, b: m.subset_entropies(a, b), "avg_entropy": lambda a, b: m.avg_entropy(a, b),
    "curve_from_avg_entropy": lambda a, b: m.curve_from_avg_entropy(a), "entropy": lambda a, b: m.entropy(J3, a, b),
    "conditional_entropy": lambda a, b: m.conditional_entropy(J3, a, b), "mutual_information": lambda a, b: m.mutual_information(J3, a, b),
    "total_correlation": lambda a, b: m.total_correlation(a, b), "dual_total_correlation": lambda a, b: m.dual_total_correlation(a, b),
    "conditional_total_correlation": lambda a, b: m.conditional_total_correlation(J3, a, b),
    "information_summary": lambda a, b: m.information_summary(a, b), "Schedule": lambda a, b: m.Schedule(a, b),
    "as_schedule": lambda a, b: m.as_schedule(a, b), "parse_schedule": lambda a, b: m.parse_schedule(a, b),
    "even": lambda a, b: m.schedule_family("even", a, k=b), "geometric": lambda a, b: m.schedule_family("geometric", 10, ratio=a, k=b),
    "tc": lambda a, b: m.schedule_family("tc", 10, tc_hat=a, eps=b), "sweep": lambda a, b: m.schedule_family("sweep", 3, curve=a, max_steps=b),
    "austin": lambda a, b: m.schedule_family("austin", 10, k=a, l=b), "dream": lambda a, b: m.schedule_family("dream", 10, k=a, eps=b),
    "expected_kl": lambda a, b: m.expected_kl(a, b), "expected_kl-schedule": lambda a, b: m.expected_kl(Z3, a, b),
    "fixed_order_kl": lambda a, b: m.fixed_order_kl(J3, a, b), "ordered_partition": lambda a, b: m.ordered_partition(a, [3], b),
    "mixture_kl": lambda a, b: m.mixture_kl(J3, a, b), "output_distribution": lambda a, b: m.output_distribution(J3, [1, 2], a),
    "kl_divergence": lambda a, b: m.kl_divergence(a, b), "total_variation": lambda a, b: m.total_variation(a, b),
    "divergences": lambda a, b: m.divergences(a, b), "optimal_schedule": lambda a, b: m.optimal_schedule(Z3, a, b),
    "frontier": lambda a, b: m.frontier(Z3, a, b), "min_steps": lambda a, b: m.min_steps(Z3, a, b),
    "check_bounds": lambda a, b: m.check_bounds(Z3, a, b), "check_bounds-tol": lambda a, b: m.check_bounds(Z3, [3], tol=a),
    "li_cai_bound": lambda a, b: B.li_cai_bound(a, b), "theorem9_zeta": lambda a, b: B.theorem9_zeta(a, b),
    "theorem9_error_bound": lambda a, b: B.theorem9_error_bound(Z3, a, b), "theorem9_steps_bound": lambda a, b: B.theorem9_steps_bound(a, b),
    "austin_k": lambda a, b: B.austin_k(a), "austin_bound": lambda a, b: B.austin_bound(a, b),
    "make_graph": lambda a, b: m.make_graph(a), "walk_matrix": lambda a, b: m.walk_matrix("cycle:4", a, b),
    "stationary_distribution": lambda a, b: m.stationary_distribution(a),
    "start_distribution": lambda a, b: m.start_distribution([[0.5, 0.5], [0.5, 0.5]], a),
    "MarkovChain": lambda a, b: MarkovChain([[0.5, 0.5], [0.5, 0.5]], a, b), "chain.entropy": lambda a, b: CHAIN.entropy(a, b),
    "chain.conditionals": lambda a, b: CHAIN.conditionals(a), "chain.sample": lambda a, b: CHAIN.sample(a, b),
    "chain.is_valid": lambda a, b: CHAIN.is_valid(a), "chain.is_valid_partial": lambda a, b: CHAIN.is_valid_partial(a),
    "chain.fixed_order_kl": lambda a, b: CHAIN.fixed_order_kl(a, b), "chain.summary": lambda a, b: CHAIN.summary(a),
    "random_walk": lambda a, b: m.random_walk("cycle:4", a, b), "bisection_partition": lambda a, b: m.bisection_partition(a),
    "bisection_rounds": lambda a, b: m.bisection_rounds(a), "wilson_interval": lambda a, b: m.wilson_interval(a, b),
    "wilson_interval-z": lambda a, b: m.wilson_interval(1, 4, a), "as_curve": lambda a, b: m.as_curve(a, b),
    "validate_curve": lambda a, b: m.validate_curve(a),
    # model oracles (issue 11)
    "temperature_rows": lambda a, b: m.temperature_rows(a, [2], b), "smooth_rows": lambda a, b: m.smooth_rows(a, [2], b),
    "top_k_rows": lambda a, b: m.top_k_rows(a, [2], b), "top_p_rows": lambda a, b: m.top_p_rows([[0.5, 0.5]], a, b),
    "check_model_rows": lambda a, b: m.check_model_rows(a, b, (2,)),
    "check_model_rows-q": lambda a, b: m.check_model_rows([[0.5, 0.5]], np.array([False]), a),
    "TemperatureOracle": lambda a, b: m.TemperatureOracle(a, b), "TopKOracle": lambda a, b: m.TopKOracle(J3, a),
    "CallableOracle": lambda a, b: m.CallableOracle(a, b),
    "CallableOracle-returns": lambda a, b: m.CallableOracle(lambda x, y: a, (2, 2, 2)).conditional_marginals(
        np.zeros(3, bool), -np.ones(3, int)),
    "model_oracle": lambda a, b: m.model_oracle(a, b), "evaluate-model": lambda a, b: m.evaluate(J3, "entropy", model=a),
    # forests (issue 18)
    "check_forest": lambda a, b: m.check_forest(a, b), "random_forest": lambda a, b: m.random_forest(a, b),
    "forest_components": lambda a, b: m.forest_components(a, 3, b), "tree_centroid": lambda a, b: m.tree_centroid(a, 3, b),
    "centroid_rounds": lambda a, b: m.centroid_rounds(a, b), "centroid_round_bound": lambda a, b: m.centroid_round_bound(a, b),
    "forest_joint": lambda a, b: m.forest_joint([[0, 1]], 2, q=a, alpha=b),
    "forest_joint-edges": lambda a, b: m.forest_joint(a, 3, seed=b),
    "centroid-edges": lambda a, b: m.evaluate(J3, m.make_sampler("centroid", edges=a)),
}


@pytest.mark.parametrize("name", sorted(FUZZ))
def test_junk_arguments_give_a_value_or_input_error(name):
    """Every pair of junk arguments (types, signs, NaN, inf, 10^30, 1e308, nested lists, dicts):
    the call returns or raises InputError; any other exception fails, naming the arguments."""
    others = junk_failures(FUZZ[name])
    assert not others, "\n".join(others[:5])


def test_validate_curve_tolerance_argument():
    with pytest.raises(InputError):
        m.validate_curve([0.0, 1.0], tol=None)


@pytest.mark.parametrize("junk", [None, "hmm", 3, object(), m.random_joint(3, 2)])
def test_hmm_estimators_refuse_a_non_oracle(junk):
    """Every function taking an oracle / model refuses an object without n and its methods."""
    calls = [
        lambda: m.estimate_information_curve(junk, samples=4),
        lambda: m.estimate_fixed_order_divergences(junk, [[0], [1]], samples=4),
        lambda: m.estimate_random_order_kl(junk, [1, 1], samples=4),
        lambda: m.estimate_total_correlation(junk, samples=4),
        lambda: m.estimate_dual_total_correlation(junk, samples=4),
        lambda: m.set_entropy(junk, [False, False], [0, 0], [0]),
        lambda: m.set_total_correlation(junk, [False, False], [0, 0], [0, 1]),
    ]
    for call in calls:
        with pytest.raises(InputError):
            call()


def test_model_decoding_law_refuses_bad_arguments():
    """The decoding law of a model (issue 19): a bad model, order or count is an InputError."""
    for args in [(None,), (m.parity(2), [1, 1]), (m.parity(2), [0, 1, 2]), (m.parity(2), None, 0)]:
        with pytest.raises(InputError):
            m.ModelDecodingLaw(*args)
    for kwargs in [dict(model=3, sampler="entropy"), dict(model=m.parity(2), sampler="nope"),
                   dict(model=m.parity(2), sampler="entropy", samples=1), dict(model=m.parity(2), sampler="entropy", order=[0])]:
        with pytest.raises(InputError):
            m.decoding_loss(**kwargs)
