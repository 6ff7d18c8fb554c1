"""Few-step samplers are not correct even with an exact oracle, and a good NLL does not mean a
correct sampler (Tang, Yu, Zhang, Ver Steeg, "Is your diffusion sampler actually correct? A
sampler-centric evaluation of discrete diffusion language models", arXiv:2602.19619v2).

What the paper says (abstract and introduction, the text read): with "an exact Hidden Markov Model
posterior derived from a ground-truth Markov chain" as the denoiser, "few-step discrete diffusion
samplers are not distributionally correct even under an oracle denoiser, with transition-level
mismatch that vanishes only as the number of steps approaches the sequence length", and
"improvements in negative log-likelihood (NLL), generative perplexity (GenPPL), or MAUVE do not
imply correct sampling"; the samplers compared include MDLM and LLaDA.  The paper measures the
mismatch on sampled transitions; here it is the exact KL of the whole output law.

Checked exactly on small HMMs (:func:`mdmtheory.hmm_families.block_hmm`, the dense law of
``HMM.joint()``), for every number of steps ``k = 1..n``, with :func:`mdmtheory.evaluate`:

* ``random`` (the MDLM sampler: uniformly random positions, even sizes): the mixture law's
  ``KL(mu || nu)`` and the expected per-order KL ``E_S KL(mu || nu_S)`` (Chen-Cong-Li Theorem 4) are
  ``> MARGIN`` at every ``k < n`` and ``<= TOL`` at ``k = n``, mixture ``<=`` expected; ``llada``
  with ``remasking = random`` likewise (it is the same sampler);
* ``llada`` (``remasking = low_confidence``, ``temperature = 1``): ``KL > MARGIN`` at *every* ``k``,
  ``k = n`` included.  The printed form ("mismatch that vanishes only as the number of steps
  approaches the sequence length") does not hold for it: with one position per step the position
  is still chosen by the probability of its drawn candidate, which biases the value unmasked
  towards likely ones (two independent positions with ``p = (0.9, 0.1)``: ``nu(x_0 = 1) = 0.019``,
  not ``0.1``; ``tests/test_claims_tang.py`` works it by hand).  Its KL is not even monotone in
  ``k``;
* the sample NLL ``E_{x ~ nu}[-log mu(x)] = H(nu) + KL(nu || mu)``, exact from the output law,
  against ``H(mu)`` (the NLL of a correct sampler): an incorrect setting (``KL > MARGIN``) has an
  NLL at or below ``H(mu)``, and some pair of settings has the lower NLL with the larger KL (so an
  improvement in NLL does not imply a more correct sampler); the share of such pairs is reported.

Verdict kind: ``corrected`` (holds for the MDLM sampler as printed; for LLaDA's low-confidence
remasking the mismatch never vanishes), on the stated scope (exact laws of small block HMMs,
``n = 6, 8, 10``); source read: the abstract and the opening of the introduction.
"""

from __future__ import annotations

import numpy as np
from scipy.special import entr, xlogy

from mdmtheory import evaluate, make_sampler
from mdmtheory.hmm_families import block_hmm

from . import MARGIN, TOL, Claim, cases

NAME = "tang_sampler_correctness"
KIND = "corrected"
SOURCE_READ = "abstract"  # and the opening of the introduction (arXiv:2602.19619v2)


def hmms(quick: bool) -> list[tuple[str, object]]:
    """The oracles: block HMMs (hidden motion inside a block, rare jumps, noisy emissions)."""
    out = [("block_hmm(1, 2, n=8, eps=0.1)", block_hmm(1, 2, 8, eps=0.1))]
    if not quick:
        out += [("block_hmm(1, 2, n=10, eps=0.1)", block_hmm(1, 2, 10, eps=0.1)),
                ("block_hmm(2, 2, n=6, stay=0.8, eps=0.2)", block_hmm(2, 2, 6, stay=0.8, eps=0.2))]
    return out


def sample_nll(nu: np.ndarray, mu: np.ndarray) -> float:
    """``E_{x ~ nu}[-log mu(x)]`` (nats; ``inf`` when ``nu`` puts mass where ``mu`` has none)."""
    nu, mu = np.asarray(nu, float).ravel(), np.asarray(mu, float).ravel()
    if np.any((nu > 0) & (mu <= 0)):
        return float("inf")
    return float(-xlogy(nu, np.where(nu > 0, mu, 1.0)).sum())


def check(quick: bool = False, evaluate_fn=evaluate, nll_fn=sample_nll) -> Claim:
    """Ingredients (injectable, to show the check can fail): ``evaluate_fn(joint, sampler)`` the
    exact evaluator (its ``kl``, ``law`` and ``expected_kl``), ``nll_fn(nu, mu)`` the sample NLL."""
    numbers: dict = {}
    random_ok = llada_random_ok = llada_never = convex = nll_fooled = True
    min_few, max_at_n, llada_min, llada_at_n = float("inf"), 0.0, float("inf"), float("inf")
    inversions = pairs = 0
    best_fool = None
    for label, hmm in hmms(quick):
        joint = hmm.joint()
        mu, n = joint.table, hmm.n
        h_mu = float(entr(mu).sum())
        settings = []  # (sampler, k, kl, nll)
        curves: dict = {"llada": [], "llada_random": [], "random_mixture": [], "random_expected": []}
        for k in cases(range(1, n + 1), f"{label}: steps"):
            runs = (("llada", make_sampler("llada", steps=k, temperature=1.0, remasking="low_confidence")),
                    ("llada_random", make_sampler("llada", steps=k, temperature=1.0, remasking="random")),
                    ("random", make_sampler("random", steps=k)))
            for name, s in runs:
                r = evaluate_fn(joint, s)
                kl = float(r.kl)
                settings.append((name, k, kl, nll_fn(r.law.table, mu)))
                if name == "llada":
                    curves["llada"].append(kl)
                    llada_never &= kl > MARGIN
                    llada_min = min(llada_min, kl)
                    if k == n:
                        llada_at_n = min(llada_at_n, kl)
                    continue
                values = [kl]
                if name == "random":
                    curves["random_mixture"].append(kl)
                    curves["random_expected"].append(float(r.expected_kl))
                    values.append(float(r.expected_kl))
                    convex &= kl <= r.expected_kl + TOL
                else:
                    curves["llada_random"].append(kl)
                ok = min(values) > MARGIN if k < n else max(values) <= TOL
                if name == "random":
                    random_ok &= ok
                else:
                    llada_random_ok &= ok
                if k < n:
                    min_few = min(min_few, *values)
                else:
                    max_at_n = max(max_at_n, *values)
        wrong = [t for t in settings if t[2] > MARGIN]
        fool = min(wrong, key=lambda t: t[3]) if wrong else None
        nll_fooled &= fool is not None and fool[3] <= h_mu + TOL
        if fool is not None and (best_fool is None or fool[3] - h_mu < best_fool[1]):
            best_fool = (f"{label}: {fool[0]} steps={fool[1]} KL={fool[2]:.4g} NLL={fool[3]:.6g}", fool[3] - h_mu)
        for a in range(len(settings)):
            for b in range(a + 1, len(settings)):
                kl_a, nll_a, kl_b, nll_b = settings[a][2], settings[a][3], settings[b][2], settings[b][3]
                if abs(kl_a - kl_b) > MARGIN and abs(nll_a - nll_b) > MARGIN:
                    pairs += 1
                    inversions += (nll_a < nll_b) == (kl_a > kl_b)
        numbers[f"{label}: H(mu)"] = h_mu
        for key, curve in curves.items():
            numbers[f"{label}: {key} KL by steps 1..n"] = [round(v, 6) for v in curve]
        for key in ("llada", "random"):
            numbers[f"{label}: {key} NLL - H(mu) by steps"] = [round(t[3] - h_mu, 6) for t in settings if t[0] == key]
    numbers.update({
        "random_and_llada_random: min_kl_steps_below_n": min_few,
        "random_and_llada_random: max_kl_steps_n": max_at_n,
        "llada_low_confidence: min_kl_over_steps": llada_min,
        "llada_low_confidence: min_over_hmms_kl_at_steps_n": llada_at_n,
        "mixture_kl_at_most_expected_kl": bool(convex),
        "lowest_nll_of_an_incorrect_setting": best_fool[0] if best_fool else None,
        "its_nll_minus_H(mu)": best_fool[1] if best_fool else None,
        "pairs_lower_nll_with_larger_kl": f"{inversions}/{pairs}",
    })
    passed = random_ok and llada_random_ok and llada_never and convex and nll_fooled and inversions > 0
    return Claim(
        kind=KIND,
        source_read=SOURCE_READ,
        name=NAME,
        source="Tang, Yu, Zhang, Ver Steeg, arXiv:2602.19619v2 (abstract)",
        passed=bool(passed),
        numbers=numbers,
        detail="verdict kind: corrected (source read: the abstract; exact laws of block HMMs). random (MDLM) and "
        "llada(remasking=random) have KL > 0 at every steps < n and 0 at steps = n, as printed; llada "
        f"(low_confidence, T = 1) never becomes correct: KL >= {llada_at_n:.4g} nats at steps = n on every HMM (the position is "
        "chosen by its drawn candidate's probability). An incorrect setting has a sample NLL at or below "
        "H(mu), and a lower NLL goes with a larger KL in "
        f"{inversions} of {pairs} pairs of settings.",
    )
