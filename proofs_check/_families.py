"""One instance of each built-in family, at a size every exact engine handles in seconds
(shared by the literature claims and the bounds figure)."""

from __future__ import annotations

import numpy as np

from mdmtheory import copy, ising_chain, markov_chain, noisy_copy, parity, random_joint, reed_solomon, shuffle, two_mode


def builtin_families(quick: bool = False) -> dict:
    """Name -> :class:`~mdmtheory.Joint`, ``n = 6`` (quick) or ``n = 8`` (shuffle: ``n - 3`` items)."""
    n = 6 if quick else 8
    return {
        f"copy({n})": copy(n, 2),
        f"two_mode({n})": two_mode(n),
        f"parity({n})": parity(n),
        f"reed_solomon({n - 1},3,7)": reed_solomon(n - 1, 3, 7),
        f"ising_chain({n},J=1)": ising_chain(n, J=1.0),
        f"markov_chain({n})": markov_chain(np.array([[0.9, 0.1], [0.2, 0.8]]), [2 / 3, 1 / 3], n),
        f"noisy_copy({n},delta=0.1)": noisy_copy(n, 2, 0.1),
        f"dirichlet({n},a=0.3)": random_joint(n, 2, alpha=0.3, seed=12),
        f"shuffle({n - 3})": shuffle(n - 3),
    }
