"""Options shared by ``schedule`` and ``bounds``: where the curve comes from, and a schedule
given by family name and parameters."""

from __future__ import annotations

import numpy as np

from ..curves import as_curve, load_curve
from ..errors import InputError
from ..information import information_curve, unit_name
from ..joint import load_joint
from ..schedules import FAMILIES, Schedule, schedule_family
from . import add_params, parse_params

__all__ = ["add_curve_source", "read_curve", "add_family", "family_schedule"]


def add_curve_source(p) -> None:
    """``JOINT.npy`` (positional, optional) or ``--curve FILE``."""
    p.add_argument("joint", metavar="JOINT.npy", nargs="?", help="probability table saved with numpy.save")
    p.add_argument(
        "--curve",
        metavar="FILE",
        help="an information curve Z_1..Z_n instead of a table: .npy, .json list or .csv column "
        "(its unit is kept; --base only names it)",
    )


def read_curve(args) -> tuple[np.ndarray, str]:
    """The validated curve and its unit name from ``JOINT.npy`` or ``--curve``."""
    if (args.joint is None) == (args.curve is None):
        raise InputError("give exactly one source: a table JOINT.npy or --curve FILE")
    if args.curve is not None:
        return load_curve(args.curve, max_memory=args.max_memory), unit_name(args.base)
    joint = load_joint(args.joint, args.max_memory)
    z = information_curve(joint, args.base, args.max_memory)
    return as_curve(z, tol=1e-7), unit_name(args.base)


def add_family(p) -> None:
    """``--family NAME --param key=value ...``."""
    p.add_argument("--family", choices=list(FAMILIES), help="a published schedule family, evaluated instead of optimised")
    add_params(p, "family parameters, e.g. --param k=8 or --param tc_hat=1 eps=0.1")


def family_schedule(args, z: np.ndarray) -> tuple[Schedule, dict]:
    """The schedule of ``--family`` with ``--param`` for the curve's length, and the parameters."""
    params = parse_params(args.param)
    return schedule_family(args.family, z.size, curve=z, **params), params
