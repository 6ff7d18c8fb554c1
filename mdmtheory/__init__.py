"""mdmtheory: exact information-theoretic analysis of parallel sampling in masked diffusion models.

The public API, one module per concept:

* :mod:`mdmtheory.joint` -- dense joint tables and built-in families;
* :mod:`mdmtheory.information` -- subset entropies, ``Hbar``, the information curve ``Z``, TC, DTC;
* :mod:`mdmtheory.schedules` -- schedules;
* :mod:`mdmtheory.divergence` -- exact KL of random-order, fixed-order and mixture samplers.
"""

from .divergence import (
    divergences,
    expected_kl,
    fixed_order_kl,
    kl_divergence,
    mixture_kl,
    ordered_partition,
    output_distribution,
    total_variation,
)
from .errors import InputError
from .information import (
    avg_entropy,
    conditional_entropy,
    conditional_total_correlation,
    curve_from_avg_entropy,
    dual_total_correlation,
    entropy,
    information_curve,
    information_summary,
    mutual_information,
    subset_entropies,
    total_correlation,
    unit_name,
)
from .joint import (
    Joint,
    copy,
    ising_chain,
    linear_code,
    load_joint,
    markov_chain,
    mixture_of_products,
    parity,
    product,
    random_joint,
    reed_solomon,
)
from .schedules import Schedule, as_schedule, parse_schedule

__version__ = "0.1.0"

__all__ = [
    "InputError",
    # joint
    "Joint",
    "load_joint",
    "product",
    "random_joint",
    "copy",
    "parity",
    "linear_code",
    "reed_solomon",
    "mixture_of_products",
    "ising_chain",
    "markov_chain",
    # information
    "unit_name",
    "subset_entropies",
    "avg_entropy",
    "curve_from_avg_entropy",
    "information_curve",
    "entropy",
    "conditional_entropy",
    "mutual_information",
    "total_correlation",
    "dual_total_correlation",
    "conditional_total_correlation",
    "information_summary",
    # schedules
    "Schedule",
    "as_schedule",
    "parse_schedule",
    # divergence
    "expected_kl",
    "fixed_order_kl",
    "ordered_partition",
    "mixture_kl",
    "output_distribution",
    "kl_divergence",
    "total_variation",
    "divergences",
]

# schedules: families by name, exact optimal schedules, curves from files, bounds
from .bounds import check_bounds  # noqa: E402
from .curves import as_curve, load_curve, validate_curve  # noqa: E402
from .optimal import Optimum, frontier, min_steps, optimal_schedule  # noqa: E402
from .schedules import FAMILIES, schedule_family  # noqa: E402

__all__ += ["FAMILIES", "schedule_family", "as_curve", "load_curve", "validate_curve"]
__all__ += ["Optimum", "optimal_schedule", "frontier", "min_steps", "check_bounds"]

# samplers and their exact evaluation (issue 5)
# (``frontier`` of the module mdmtheory/evaluate.py is exported as ``sampler_frontier``: ``frontier`` is the schedules')
from .evaluate import Evaluation, evaluate, optimal_kl, optimal_policy, optimal_tradeoff  # noqa: E402
from .evaluate import frontier as sampler_frontier  # noqa: E402
from .samplers import RULES, SAMPLER_NAMES, Sampler, SamplerState, make_sampler  # noqa: E402

__all__ += ["SAMPLER_NAMES", "RULES", "Sampler", "SamplerState", "make_sampler", "Evaluation", "evaluate", "optimal_kl"]
__all__ += ["optimal_policy", "optimal_tradeoff", "sampler_frontier"]

# graphs, Markov chains and samplers on random walks (issue 4)
from .graphs import make_graph, parse_graph, start_distribution, stationary_distribution, walk_matrix  # noqa: E402
from .markov import MarkovChain, bisection_partition, bisection_rounds, random_walk  # noqa: E402
from .walks import exact_walk_metrics, sample_walks, simulate, walk_metrics, wilson_interval  # noqa: E402

__all__ += ["make_graph", "parse_graph", "walk_matrix", "stationary_distribution", "start_distribution"]
__all__ += ["MarkovChain", "random_walk", "bisection_partition", "bisection_rounds"]
__all__ += ["simulate", "sample_walks", "walk_metrics", "exact_walk_metrics", "wilson_interval"]

from .conjecture import BoundContext, Quantity, hunt, load_bound  # noqa: E402

__all__ += ["BoundContext", "Quantity", "hunt", "load_bound"]
