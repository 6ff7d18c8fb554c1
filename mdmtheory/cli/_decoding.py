"""The command-line side of the model's own slow decoding (issue 19): ``evaluate --truth
model-decoding``, the KL of a sampler run on a model from the law of the same model decoding one
position per call (:func:`mdmtheory.decoding.decoding_loss`).

``evaluate JOINT.npy --model SPEC --truth model-decoding``: any model spec over the table (the
table only gives the model's base, n and q); ``evaluate --model torch:PATH --length N --truth
model-decoding``: a network, no table at all.
"""

from __future__ import annotations

from ..errors import InputError
from ..joint import load_joint
from ..models import model_oracle, torch_model
from ..samplers import make_sampler
from . import emit, int_arg, parse_sampler_params
from ._estimates import flat

#: The truths of ``evaluate --truth``.
TRUTHS = ("table", "model-decoding")


def _order(text: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise InputError(f"--order takes a comma-separated permutation of 0..n-1, e.g. 2,0,1; got {text!r}") from None


def add_decoding_args(p) -> None:
    """``--truth``, ``--length``, ``--order`` of ``evaluate``."""
    p.add_argument("--truth", choices=TRUTHS, default="table",
                   help="what the sampler is compared with: the table JOINT.npy (default) or model-decoding, the law of "
                        "the --model itself decoding one position per call (no ground truth needed)")
    p.add_argument("--length", type=int_arg("--length", 1), default=None, metavar="N",
                   help="with --truth model-decoding and a torch model without JOINT.npy: the sequence length n")
    p.add_argument("--order", default=None, metavar="I,J,...",
                   help="with --truth model-decoding: the slow decoding order (default left to right)")


def run_decoding(args) -> int:
    """``evaluate [JOINT.npy] --model SPEC --truth model-decoding [--length N] [--order ...]
    --sampler S [--samples M]``: exact on the law's table (small ``n``), else the estimates."""
    # start-up time: the decoding engine (exact, estimators) loads only when this branch runs
    from ..decoding import decoding_loss

    if args.truth != "model-decoding":
        raise InputError("give JOINT.npy (the truth), or --truth model-decoding with --model to compare the sampler with "
                         "the model's own slow decoding")
    if args.model is None:
        raise InputError("--truth model-decoding needs --model SPEC (the model whose slow decoding is the reference)")
    if args.samples is None and args.seed is not None:
        raise InputError("--seed goes with --samples (the estimates); the exact evaluation uses no randomness")
    sampler = make_sampler(args.sampler, **parse_sampler_params(args.sampler, args.param))
    if args.joint is not None:
        if args.length is not None:
            raise InputError("--length is the table's own with JOINT.npy; drop --length")
        model = model_oracle(args.model, load_joint(args.joint, args.max_memory))
    else:
        if not args.model.strip().startswith("torch:"):
            raise InputError("without JOINT.npy the model must be a network (--model torch:PATH...); give JOINT.npy for "
                             "a model spec over a table")
        if args.length is None:
            raise InputError("--truth model-decoding with a torch model and no JOINT.npy needs --length N (the sequence length)")
        model = torch_model(args.model.strip()[len("torch:"):], args.length)
    order = None if args.order is None else _order(args.order)
    result = {"sampler": sampler.name, "params": dict(sampler.params), "n": int(model.n), "truth": "model-decoding",
              "order": list(range(model.n)) if order is None else order, "model": model.spec}
    if args.samples is None:
        r = decoding_loss(model, sampler, order, base=args.base).to_dict()
        result["mode"] = "exact"
        result.update({k: v for k, v in r.items() if k not in ("sampler", "params", "steps_distribution", "model")})
    else:
        seed = 0 if args.seed is None else args.seed
        est = decoding_loss(model, sampler, order, samples=args.samples, seed=seed, base=args.base)
        result["mode"] = "estimate"
        result.update({k: v for k, v in flat(est).items() if k != "model"})
    emit(result, args.json, title=f"the {sampler.name} sampler on the model {model.spec} against its own slow decoding "
                                  f"({result['mode']})")
    return 0
