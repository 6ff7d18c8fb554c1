"""mdmtheory: exact information-theoretic analysis of parallel sampling in masked diffusion models.

The public API, one module per concept:

* :mod:`mdmtheory.joint` -- dense joint tables and built-in families; :mod:`mdmtheory.forests` --
  forests over the positions and their centroid decomposition;
* :mod:`mdmtheory.information` -- subset entropies, ``Hbar``, the information curve ``Z``, TC, DTC;
* :mod:`mdmtheory.schedules`, :mod:`mdmtheory.optimal`, :mod:`mdmtheory.curves`,
  :mod:`mdmtheory.bounds` -- schedules, exact optimal schedules, curves from files, bounds;
* :mod:`mdmtheory.divergence` -- exact KL of random-order, fixed-order and mixture samplers;
* :mod:`mdmtheory.registry`, :mod:`mdmtheory.samplers`, :mod:`mdmtheory.exact` -- every rule declared
  once, samplers built and stepped from it, and their exact evaluation;
* :mod:`mdmtheory.oracles`, :mod:`mdmtheory.models` -- the oracle protocol (batched calls too) and
  the model oracles a sampler may query instead of the truth;
* :mod:`mdmtheory.graphs`, :mod:`mdmtheory.markov`, :mod:`mdmtheory.walks` -- random walks on graphs;
* :mod:`mdmtheory.hmm`, :mod:`mdmtheory.hmm_families`, :mod:`mdmtheory.bisection` -- hidden Markov
  models, their families (order-m chains among them), and when bisection is exact on order-m chains;
* :mod:`mdmtheory.estimate` -- the one Monte Carlo result type (:class:`~mdmtheory.estimate.Estimate`)
  and the chain rule for any oracle; :mod:`mdmtheory.oracle_estimates` -- the information curve,
  divergences, TC and DTC of any oracle with samples; :mod:`mdmtheory.sampler_estimate` -- every
  sampler's divergences beyond enumeration; :mod:`mdmtheory.decoding` -- a model's own slow
  decoding law and what decoding fast loses from it; :mod:`mdmtheory.advice` -- the cheapest sampler
  setting meeting a KL target; :mod:`mdmtheory.model_curve` -- a model's own information curve;
* :mod:`mdmtheory.conjecture` -- the conjecture tester;
* :mod:`mdmtheory.sweeps`, :mod:`mdmtheory.plot` -- grids of points as one results table, and figures from it.

Every name of ``__all__`` is importable from the package (``mdmtheory.expected_kl``); a module is
imported the first time one of its names is used, so ``import mdmtheory`` (and the command line)
starts without loading numba, scipy or networkx.  No module shares its name with a public function
(``mdmtheory.evaluate`` is the function of :mod:`mdmtheory.exact`, ``mdmtheory.sweep`` the one of
:mod:`mdmtheory.sweeps`).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: Public name -> (module, attribute): the one list of the package's API.
_API: dict[str, tuple[str, str]] = {
    "InputError": ("errors", "InputError"),
    "ImpossibleContext": ("errors", "ImpossibleContext"),
    **{
        name: ("joint", name)
        for name in (
            "Joint", "load_joint", "product", "random_joint", "copy", "parity", "linear_code", "reed_solomon",
            "mixture_of_products", "ising_chain", "markov_chain", "two_mode", "noisy_copy", "shuffle",
            "replace_random", "forest_joint",
        )
    },
    **{name: ("forests", name) for name in ("check_forest", "random_forest", "forest_components", "tree_centroid",
                                            "centroid_rounds", "centroid_round_bound")},
    **{
        name: ("information", name)
        for name in (
            "unit_name", "subset_entropies", "avg_entropy", "curve_from_avg_entropy", "information_curve", "entropy",
            "conditional_entropy", "mutual_information", "total_correlation", "dual_total_correlation",
            "conditional_total_correlation", "information_summary",
        )
    },
    **{name: ("schedules", name) for name in ("Schedule", "as_schedule", "parse_schedule", "FAMILIES", "schedule_family")},
    **{
        name: ("divergence", name)
        for name in (
            "expected_kl", "fixed_order_kl", "ordered_partition", "mixture_kl", "output_distribution",
            "kl_divergence", "total_variation", "divergences",
        )
    },
    **{name: ("curves", name) for name in ("as_curve", "load_curve", "validate_curve")},
    **{name: ("optimal", name) for name in ("Optimum", "optimal_schedule", "frontier", "min_steps")},
    "check_bounds": ("bounds", "check_bounds"),
    **{name: ("samplers", name) for name in ("Sampler", "SamplerState", "make_sampler")},
    **{name: ("registry", name) for name in ("SAMPLER_NAMES", "RULES", "Rule", "Ranking", "register_rule", "unregister_rule")},
    **{name: ("exact", name) for name in ("Evaluation", "evaluate", "optimal_kl", "optimal_policy", "optimal_tradeoff", "sampler_frontier")},
    # ``frontier`` is the schedules' frontier; the samplers' is exported under this name
    **{
        name: ("graphs", name)
        for name in ("make_graph", "parse_graph", "walk_matrix", "stationary_distribution", "start_distribution")
    },
    **{name: ("markov", name) for name in ("MarkovChain", "random_walk", "bisection_partition", "bisection_rounds")},
    **{
        name: ("walks", name)
        for name in ("simulate", "sample_walks", "walk_metrics", "exact_walk_metrics", "wilson_interval", "walk_divergences",
                     "smoothed_chain", "load_model_chain")
    },
    "ChainOracle": ("markov", "ChainOracle"),
    **{name: ("hmm", name) for name in ("HMM", "load_hmm")},
    **{
        name: ("hmm_families", name)
        for name in ("block_hmm", "order_m_chain", "noisy_walk", "random_order_m_kernel", "HMM_FAMILIES", "parse_hmm")
    },
    **{name: ("estimate", name) for name in ("Estimate", "ScalarEstimate", "set_entropy", "set_total_correlation",
                                                     "set_entropy_batch", "set_total_correlation_batch")},
    **{
        name: ("oracle_estimates", name)
        for name in (
            "CurveEstimate", "estimate_information_curve", "DivergenceEstimate", "estimate_fixed_order_divergences",
            "estimate_random_order_kl", "estimate_total_correlation", "estimate_dual_total_correlation",
        )
    },
    **{name: ("bisection", name) for name in ("block_bisection_partition", "separated_rounds")},
    **{
        name: ("oracles", name) for name in ("TableOracle", "as_oracle", "check_oracle_values", "check_model_rows")
    },
    **{
        name: ("models", name)
        for name in (
            "temperature_rows", "smooth_rows", "top_k_rows", "top_p_rows", "TemperatureOracle", "SmoothedOracle",
            "TopKOracle", "TopPOracle", "MarginalsOracle", "CallableOracle", "model_oracle",
        )
    },
    **{name: ("sampler_estimate", name) for name in ("SamplerEstimate", "estimate_sampler_divergences", "path_kind")},
    **{name: ("decoding", name) for name in ("ModelDecodingLaw", "decoding_loss")},
    **{name: ("advice", name) for name in ("Advice", "advise", "plot_advice")},
    **{name: ("model_curve", name) for name in ("ModelCurve", "model_information_curve")},
    **{name: ("conjecture", name) for name in ("BoundContext", "Quantity", "hunt")},
    "load_bound": ("usercode", "load_bound"),
    **{name: ("sweeps", name) for name in ("sweep", "SweepResult", "read_table")},
    "plot_table": ("plot", "plot_table"),
}

__all__ = list(_API)


def __getattr__(name: str):
    try:
        module, attr = _API[name]
    except KeyError:
        raise AttributeError(f"module 'mdmtheory' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

