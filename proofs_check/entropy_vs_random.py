"""Lowest-entropy parallel unmasking is not uniformly better than random parallel unmasking; which
wins depends on the graph (Bansal et al., arXiv:2606.22976; THEORY.md section 5).

At equal model calls ``k`` (both samplers split the ``n`` positions into ``k`` even steps), the
exact evaluator gives ``KL(mu || nu)`` and the exact validity ``nu(walks)`` of each sampler's output
law for walks of length 7 on the graph gallery.  The claim holds when some graphs have entropy
better than random on both numbers at every ``k`` tried and others have it worse on both.  The full
check adds walks of length 64 by simulation (validity with disjoint 95% Wilson intervals) and a
scan of the whole gallery at ``k = 3`` (entropy better on the path from an end and the tree from
its root; random better on most others; equal on the star, hypercube, ``K_{2,3}`` and regular walks,
whose laws make both orders equally good).

Why: a walk from an end of a path or from the root of a binary tree has low-entropy positions
(near the start, or fixed by parity), which entropy ordering unmasks first almost for free; on a
vertex-transitive graph from the stationary law every marginal ties, so entropy ordering falls back
to the lowest positions, a contiguous block whose neighbours are sampled independently."""

from __future__ import annotations

from mdmtheory import make_sampler
from mdmtheory.markov import random_walk
from mdmtheory.walks import exact_walk_metrics, simulate

from . import Claim

NAME = "entropy_vs_random_on_graphs"

#: (graph, start) -> the expected winner
CASES = {
    ("path:5", "vertex:0"): "entropy",
    ("tree:2", "vertex:0"): "entropy",
    ("cycle:5", "stationary"): "random",
    ("complete:5", "stationary"): "random",
    ("barbell:3", "vertex:0"): "random",
}


def compare(spec: str, start: str, n: int, k: int, samples: int | None = None, seed: int = 0) -> dict:
    """Entropy vs random with ``k`` even steps: exact (``samples=None``) or simulated numbers."""
    chain = random_walk(spec, n, start=start)
    out = {}
    for name in ("entropy", "random"):
        s = make_sampler(name, steps=k)
        out[name] = exact_walk_metrics(chain, s) if samples is None else simulate(chain, s, samples, seed)
    return out


#: The gallery scanned for winners (one spec per family, q^7 small enough for the exact law).
GALLERY = ["cycle:5", "path:5", "complete:5", "star:5", "grid:2x3", "hypercube:2", "bipartite:2,3", "barbell:3",
           "lollipop:3,2", "tree:2", "regular:3,6,seed=1", "torus:3x3"]


def gallery(k: int = 3, n: int = 7) -> dict[str, list[str]]:
    """Scan the gallery (stationary and point starts): ``{"entropy": [...], "random": [...],
    "tie": [...], "mixed": [...]}`` by exact KL and validity at ``k`` even steps."""
    out: dict[str, list[str]] = {"entropy": [], "random": [], "tie": [], "mixed": []}
    for spec in GALLERY:
        for start in ("stationary", "vertex:0"):
            chain = random_walk(spec, n, start=start)
            if chain.q**n > 2e6:
                continue
            r = compare(spec, start, n, k)
            e, x = r["entropy"], r["random"]
            if abs(e["kl"] - x["kl"]) < 1e-9 and abs(e["validity"] - x["validity"]) < 1e-9:
                out["tie"].append(f"{spec}/{start}")
            else:
                out[_winner(r) or "mixed"].append(f"{spec}/{start}")
    return out


def _winner(r: dict) -> str | None:
    e, x = r["entropy"], r["random"]
    if "validity_interval" in e:  # simulation: disjoint intervals on validity
        if e["validity_interval"][0] > x["validity_interval"][1]:
            return "entropy"
        if x["validity_interval"][0] > e["validity_interval"][1]:
            return "random"
        return None
    if e["kl"] < x["kl"] - 1e-9 and e["validity"] > x["validity"] + 1e-9:
        return "entropy"
    if x["kl"] < e["kl"] - 1e-9 and x["validity"] > e["validity"] + 1e-9:
        return "random"
    return None


def check(quick: bool = False) -> Claim:
    numbers: dict = {}
    agree = True
    ks = (2, 3) if quick else (2, 3, 4)
    for (spec, start), want in CASES.items():
        for k in ks:
            r = compare(spec, start, 7, k)
            numbers[f"{spec}/{start} n=7 k={k} KL e/r"] = [round(r["entropy"]["kl"], 4), round(r["random"]["kl"], 4)]
            numbers[f"{spec}/{start} n=7 k={k} valid e/r"] = [
                round(r["entropy"]["validity"], 4), round(r["random"]["validity"], 4)]
            agree &= _winner(r) == want
        if not quick:
            r = compare(spec, start, 64, 16, samples=2000, seed=1)
            numbers[f"{spec}/{start} n=64 k=16 valid e/r (sim)"] = [r["entropy"]["validity"], r["random"]["validity"]]
            agree &= _winner(r) == want
    wins = {w for w in CASES.values()}
    if not quick:
        scan = gallery()
        label = {"entropy": "entropy better", "random": "random better", "tie": "equal", "mixed": "mixed"}
        numbers.update({f"gallery n=7 k=3: {label[w]}": v for w, v in scan.items()})
        agree &= bool(scan["entropy"]) and bool(scan["random"])
    return Claim(
        name=NAME,
        source="Bansal et al. arXiv:2606.22976; THEORY.md s.5",
        passed=bool(agree and wins == {"entropy", "random"}),
        numbers=numbers,
        detail="at equal model calls, entropy wins on KL and validity for walks from a path end and a tree root, "
        "random wins on the cycle, complete graph and barbell (exact at n=7"
        + (", simulated at n=64)" if not quick else ")"),
    )
