"""The built-in example distributions that ``mdmtheory reproduce`` and the figures use."""

from __future__ import annotations

from .joint import Joint, copy, ising_chain, parity, product, random_joint, reed_solomon

__all__ = ["builtin_examples"]


def builtin_examples() -> dict[str, Joint]:
    """Named example tables, small enough for every exact engine (deterministic)."""
    return {
        "product(8)": product([[0.3, 0.7]] * 8),
        "copy(8,2)": copy(8, 2),
        "parity(8)": parity(8),
        "ising(8,J=0.8)": ising_chain(8, J=0.8, h=0.1),
        "dirichlet(8,a=0.3)": random_joint(8, 2, alpha=0.3, seed=1),
        "reed_solomon(7,3,7)": reed_solomon(7, 3, 7),
    }
