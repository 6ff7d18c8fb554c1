"""Fast-dLLM (Wu et al., arXiv 2505.22618) Theorem 1 part 2: the distance and divergence bounds.

The law pair (the paper's notation, read in its section 3.3 and appendix A): ``p = p(X | E)`` is
the joint conditional of the ``n`` selected positions given the evidence ``E`` (prompt and tokens
already decoded), ``q(X | E) = prod_j p_j(X_j | E)`` the product of its own marginals, i.e. what
parallel decoding samples.  If some tuple ``x*`` has ``p_j(x*_j) > 1 - eps`` at every selected
position then, for ``n > 1``,

* ``D_TV(p, q) < (3n - 1) eps / 2`` (and ``D_2(p, q) < ((n - 1)^2 + 2n)^(1/2) eps``, the ``L_p``
  form at ``p = 2``);
* ``D_KL(p || q) < (n - 1) (H_b(eps) + eps ln(|V| - 1))`` (``D_KL(p || q)`` is the conditional
  total correlation; ``|V|`` the vocabulary size).

Part 2 states no condition on ``eps`` beyond ``eps > 0`` "small" (part 1's ``(n + 1) eps <= 1``
belongs to part 1).  The proof's last step uses that ``H_b(e) + e ln(|V| - 1)`` increases in
``e``, true for ``e <= 1 - 1/|V|``.

Checked exhaustively: for a marginal profile (``p_j(x*_j) = 1 - e_j`` with ``e_j < eps``, the rest
of each marginal on one value or spread evenly), the joints with these marginals form a polytope
and ``TV``, ``D_2`` and ``KL(p || q)`` (``q`` is fixed by the marginals) are convex in ``p``, so
their largest values over *every* joint with the profile are taken at a vertex.  Every vertex is
enumerated (every basis of the marginal constraints, solved, kept when nonnegative) for
``(n, |V|) = (2, 2), (3, 2), (2, 3)`` (full: also ``(4, 2)``, ``(2, 4)``), and the bounds are
compared with the exact maxima; the KL of the worst vertex is also taken with the toolkit's
``total_correlation``.  Result: both bounds hold for every ``eps <= 1 - 1/|V|`` (every
``eps`` that makes ``x*`` the marginal mode, which "small" covers), with room (reported); past
it the KL bound fails: two copied fair bits have marginals ``1/2 > 1 - eps`` for ``eps = 0.6``
and ``KL = ln 2 = 0.693 > H_b(0.6) = 0.673``.  So the verdict is ``scoped``.
"""

from __future__ import annotations

import itertools
from math import comb, log

import numpy as np

from mdmtheory import Joint, total_correlation

from . import MARGIN, TOL, Claim
from ._brute import kl

NAME = "fast_dllm_theorem1_bounds"
#: What the verdict checked (proofs_check.KINDS): the bounds hold for eps <= 1 - 1/|V| (the paper's
#: "small eps"); past it the KL bound fails (the counterexample is reported).
KIND = "scoped"
SOURCE_READ = "full text"
SOURCE = (
    "C. Wu et al. (2025), Fast-dLLM, arXiv 2505.22618 (v3), Theorem 1 part 2 and its proof (appendix A, step 4): "
    "TV and KL between the joint of the selected tokens and the product of its marginals"
)


def binary_entropy(e: float) -> float:
    """``H_b(e)`` in nats."""
    return 0.0 if e <= 0.0 or e >= 1.0 else -e * log(e) - (1 - e) * log(1 - e)


def tv_bound(n: int, q: int, eps: float) -> float:
    """The printed TV bound ``(3n - 1) eps / 2``."""
    return (3 * n - 1) * eps / 2


def l2_bound(n: int, q: int, eps: float) -> float:
    """The printed ``L_p`` bound at ``p = 2``: ``((n - 1)^2 + 2n)^(1/2) eps``."""
    return ((n - 1) ** 2 + 2 * n) ** 0.5 * eps


def kl_bound(n: int, q: int, eps: float) -> float:
    """The printed KL bound ``(n - 1)(H_b(eps) + eps ln(|V| - 1))`` (nats)."""
    return (n - 1) * (binary_entropy(eps) + eps * log(q - 1))


def _constraints(n: int, q: int) -> np.ndarray:
    """Rows: ``P(X_j = v)`` for every position and every value but the last, then total mass."""
    cells = list(itertools.product(range(q), repeat=n))
    rows = [[1.0 if z[j] == v else 0.0 for z in cells] for j in range(n) for v in range(q - 1)]
    return np.array(rows + [[1.0] * len(cells)])


def _bases(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every invertible square column subset of ``A``: ``(columns (B, r), inverses (B, r, r))``."""
    r, m = A.shape
    cols = np.array(list(itertools.combinations(range(m), r)), dtype=np.int64)
    mats = A[:, cols].transpose(1, 0, 2)  # (B, r, r)
    ok = np.abs(np.linalg.det(mats)) > 1e-9
    return cols[ok], np.linalg.inv(mats[ok])


def vertices(marginals: list[np.ndarray], bases=None) -> np.ndarray:
    """Every vertex of the polytope of joints over ``[q]^n`` with the given marginals, as rows of
    length ``q^n`` (cells in lexicographic order; duplicates removed)."""
    n, q = len(marginals), len(marginals[0])
    cols, invs = bases if bases is not None else _bases(_constraints(n, q))
    b = np.array([float(p[v]) for p in marginals for v in range(q - 1)] + [1.0])
    x = invs @ b
    keep = np.all(x >= -1e-12, axis=1)
    out = np.zeros((int(keep.sum()), q**n))
    np.put_along_axis(out, cols[keep], np.clip(x[keep], 0.0, None), axis=1)
    return np.unique(np.round(out, 14), axis=0)


def profiles(n: int, q: int, eps: float):
    """Marginal profiles with every ``p_j(0) = 1 - e_j > 1 - eps``: ``e_j`` just below ``eps`` or
    half of it, the rest on value 1 or spread evenly over the other values."""
    near = eps * (1 - 1e-9)
    for es in itertools.product((near, eps / 2), repeat=n):
        if es != tuple(sorted(es, reverse=True)):  # the positions are exchangeable
            continue
        for spread in (False, True) if q > 2 else (False,):
            margs = []
            for e in es:
                p = np.zeros(q)
                p[0] = 1 - e
                if spread:
                    p[1:] = e / (q - 1)
                else:
                    p[1] = e
                margs.append(p)
            yield margs


def worst_case(margs: list[np.ndarray], bases) -> tuple[float, float, float, np.ndarray]:
    """Exact maxima over every joint with marginals ``margs`` of TV, ``D_2`` and ``KL(p || q)``
    (attained at vertices), and the KL-worst vertex."""
    prod = margs[0]
    for p in margs[1:]:
        prod = np.multiply.outer(prod, p)
    qv = prod.ravel()
    V = vertices(margs, bases)
    tv = 0.5 * np.abs(V - qv).sum(axis=1)
    d2 = np.sqrt(((V - qv) ** 2).sum(axis=1))
    kls = np.array([kl(v, qv) for v in V])
    i = int(np.argmax(kls))
    return float(tv.max()), float(d2.max()), float(kls[i]), V[i]


def check(quick: bool = False, tv=tv_bound, l2=l2_bound, kl_form=kl_bound, in_scope=None) -> Claim:
    """Every printed bound above the exact maximum for ``n > 1`` and ``eps <= 1 - 1/|V|``, and the
    KL bound broken past it (module docstring).  ``in_scope(q, eps)`` decides which ``eps`` the
    bounds are required on (default: ``eps <= 1 - 1/q``)."""
    in_scope = in_scope or (lambda q, eps: eps <= 1 - 1 / q + 1e-12)
    shapes = [(2, 2), (3, 2), (2, 3)] if quick else [(2, 2), (3, 2), (2, 3), (4, 2), (2, 4)]
    n_cases = n_profiles = broken = 0
    ratio = {"tv": 0.0, "l2": 0.0, "kl": 0.0}
    engine_gap = 0.0
    past = []  # (n, q, eps, KL, bound) where the KL bound fails past the scope
    for n, q in shapes:
        bases = _bases(_constraints(n, q))
        grid = sorted({0.05, 0.2, 1 / (n + 1), 0.45, 1 - 1 / q, (1 - 1 / q + 1) / 2, 0.9})
        for eps in grid:
            for margs in profiles(n, q, eps):
                t, d, k, worst = worst_case(margs, bases)
                n_profiles += 1
                engine_gap = max(engine_gap, abs(total_correlation(Joint(worst.reshape((q,) * n))) - k))
                bounds = {"tv": tv(n, q, eps), "l2": l2(n, q, eps), "kl": kl_form(n, q, eps)}
                if in_scope(q, eps):
                    n_cases += 1
                    # within rounding: at eps = 1 - 1/|V| the KL bound is approached to 1e-18 (H_b is flat at its top)
                    broken += not (t < bounds["tv"] + TOL and d < bounds["l2"] + TOL and k < bounds["kl"] + TOL)
                    for key, val in (("tv", t), ("l2", d), ("kl", k)):
                        if bounds[key] > 0:
                            ratio[key] = max(ratio[key], val / bounds[key])
                elif k > bounds["kl"] + MARGIN:
                    past.append((n, q, eps, k, bounds["kl"]))
    copy2 = kl(np.array([0.5, 0, 0, 0.5]), np.full(4, 0.25))  # two copied fair bits, eps = 0.6
    copy_fails = copy2 > kl_form(2, 2, 0.6) + MARGIN
    first = min(past, default=None, key=lambda c: (c[0], c[1], c[2]))
    passed = broken == 0 and n_cases > 0 and copy_fails and len(past) > 0 and engine_gap < 1e-9
    return Claim(
        name=NAME,
        kind=KIND,
        source_read=SOURCE_READ,
        source=SOURCE,
        passed=passed,
        numbers={
            "profiles": n_profiles,
            "profiles_in_scope": n_cases,
            "bound_failures_in_scope": broken,
            "max_tv_over_bound": ratio["tv"],
            "max_l2_over_bound": ratio["l2"],
            "max_kl_over_bound": ratio["kl"],
            "kl_failures_past_scope": len(past),
            "first_failure_past_scope": (
                f"n={first[0]}, |V|={first[1]}, eps={first[2]:.4g}: KL={first[3]:.4g} > {first[4]:.4g}" if first else "none"),
            "copy2_eps0.6_kl": copy2,
            "copy2_eps0.6_bound": kl_form(2, 2, 0.6),
            "engine_vs_brute_kl": engine_gap,
            "vertex_bases": sum(comb(q**n, n * (q - 1) + 1) for n, q in shapes),
        },
        detail=(
            "p = joint of the selected tokens given E, q = product of its marginals. Over every joint with each marginal "
            "profile (every vertex of the marginal polytope: TV, D_2 and KL are convex, so their maxima are there), "
            "TV < (3n-1)eps/2, D_2 < ((n-1)^2+2n)^(1/2) eps and KL < (n-1)(H_b(eps) + eps ln(|V|-1)) hold for n > 1 and "
            "every eps <= 1 - 1/|V|; past it the KL bound fails (two copied fair bits, eps = 0.6: KL = ln 2 > H_b(0.6)), "
            "since the proof's H_b(e) + e ln(|V|-1) is increasing only up to e = 1 - 1/|V|."
        ),
    )
