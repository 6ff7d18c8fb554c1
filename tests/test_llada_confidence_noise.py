"""``llada`` with ``confidence_noise``: the remasking confidence of LLaDA's paper runs (LLaDA issue
#42), the softmax of the Gumbel-noised logits at the candidate they drew.

The reference here does not use Gumbels at all.  With two values and ``T = 1``, the noised
weights are ``p_v / E_v`` with ``E_v`` independent Exp(1) (``exp(G) = 1 / E``), so the share of
value 0 is ``s = a U / (a U + b (1 - U))`` with ``U = E_1 / (E_0 + E_1)`` uniform on (0, 1); the
candidate is 0 iff ``s > 1/2`` (iff ``U > b``) and the confidence is ``max(s, 1 - s)``, whose
CDF is ``G(c) - G(1 - c)`` with ``G(c) = P(s <= c) = c b / (a (1 - c) + c b)``.  One step of a
two-position run that unmasks one position then has the law
``P(first = i, y_i = v) = int_{U in region v} F_j(conf_i(U)) dU`` (``F_j`` the confidence CDF of
the other position), integrated numerically.
"""

import numpy as np
import pytest
from scipy.integrate import quad

import mdmtheory as m
from mdmtheory.cli import main
from mdmtheory.errors import InputError
from mdmtheory.markov import MarkovChain
from mdmtheory.samplers import SamplerState
from mdmtheory.walks import exact_walk_metrics, sample_walks


def _share(a: float, u: float) -> float:
    return a * u / (a * u + (1.0 - a) * (1.0 - u))


def _conf_cdf(a: float, c: float) -> float:
    """P(confidence <= c) for a position with marginal (a, 1 - a) at T = 1."""
    if c < 0.5:
        return 0.0
    b = 1.0 - a

    def G(x):
        return x * b / (a * (1.0 - x) + x * b)

    return G(c) - G(1.0 - c)


def reference_first_step(p0: float, p1: float) -> dict:
    """``{(i, v): P(first unmasked = i with value v)}`` for two positions with marginals
    ``(p_i, 1 - p_i)``, one position unmasked (the other's confidence lower)."""
    out = {}
    for i, (a, other) in enumerate(((p0, p1), (p1, p0))):
        b = 1.0 - a

        def f(u):
            s = _share(a, u)
            return _conf_cdf(other, max(s, 1.0 - s))

        out[(i, 1)] = quad(f, 0.0, b, limit=200)[0]  # U < b: candidate 1
        out[(i, 0)] = quad(f, b, 1.0, limit=200)[0]
    return out


def _z(count: int, total: int, p: float) -> float:
    return abs(count - total * p) / np.sqrt(total * p * (1 - p) + 1e-300)


def test_reference_is_a_law():
    ref = reference_first_step(0.9, 0.6)
    assert abs(sum(ref.values()) - 1.0) < 1e-9


@pytest.mark.parametrize("p0,p1", [(0.9, 0.6), (0.7, 0.7), (0.55, 0.95)])
def test_step_law_against_the_closed_form(p0, p1):
    s = m.make_sampler("llada", steps=2, temperature=1.0, confidence_noise=True)
    st = SamplerState(2, np.array([False, False]), np.array([-1, -1]), np.array([[p0, 1 - p0], [p1, 1 - p1]]))
    rng = np.random.default_rng(7)
    N = 20000
    counts: dict = {}
    for _ in range(N):
        S, vals, _, calls = s.draw(st, rng)
        assert calls == 1 and S.size == 1
        key = (int(S[0]), int(vals[0]))
        counts[key] = counts.get(key, 0) + 1
    ref = reference_first_step(p0, p1)
    for key, p in ref.items():
        assert _z(counts.get(key, 0), N, p) < 4.5, (key, counts.get(key, 0) / N, p)


def test_noise_changes_the_law():
    """Without the noise the higher-probability candidate ranks by p(y): a different step law."""
    st = SamplerState(2, np.array([False, False]), np.array([-1, -1]), np.array([[0.9, 0.1], [0.6, 0.4]]))
    plain = m.make_sampler("llada", steps=2, temperature=1.0)
    law = {}
    for p, S, vals in plain.transitions(st):
        law[(S[0], vals[0])] = law.get((S[0], vals[0]), 0.0) + p
    ref = reference_first_step(0.9, 0.6)
    assert max(abs(law.get(k, 0.0) - v) for k, v in ref.items()) > 0.05


def test_walk_engine_output_law():
    """The walk kernel draws the same rule: its output law on a two-step chain is
    ``sum_i P(first = i, y_i = x_i) mu(x_j | x_i)``."""
    P = np.array([[0.8, 0.2], [0.3, 0.7]])
    start = np.array([0.75, 0.25])
    chain = MarkovChain(P, start=start, n=2)
    mu = start[:, None] * P
    p0 = mu.sum(axis=1)[0]
    p1 = mu.sum(axis=0)[0]
    ref = reference_first_step(p0, p1)
    nu = np.zeros((2, 2))
    for x0 in range(2):
        for x1 in range(2):
            nu[x0, x1] = ref[(0, x0)] * mu[x0, x1] / mu[x0].sum() + ref[(1, x1)] * mu[x0, x1] / mu[:, x1].sum()
    assert abs(nu.sum() - 1) < 1e-9
    s = m.make_sampler("llada", steps=2, temperature=1.0, confidence_noise=True)
    N = 40000
    xs, calls = sample_walks(chain, s, N, seed=3)
    assert (calls == 2).all()
    for x0 in range(2):
        for x1 in range(2):
            c = int(((xs[:, 0] == x0) & (xs[:, 1] == x1)).sum())
            assert _z(c, N, nu[x0, x1]) < 4.5, (x0, x1, c / N, nu[x0, x1])


def test_temperature_zero_is_the_plain_rule():
    rng = np.random.default_rng(11)
    for _ in range(5):
        q = tuple(int(v) for v in rng.integers(1, 4, size=3))
        t = rng.dirichlet(np.ones(int(np.prod(q)))).reshape(q)
        t[t < 0.05] = 0.0
        J = m.Joint(t / t.sum())
        a = m.evaluate(J, m.make_sampler("llada", steps=2, confidence_noise=True))
        b = m.evaluate(J, m.make_sampler("llada", steps=2))
        assert a["kl"] == b["kl"] and a["expected_steps"] == b["expected_steps"]


def test_enumerating_engines_refuse_and_drawing_engines_run():
    s = m.make_sampler("llada", steps=2, temperature=0.5, confidence_noise=True)
    with pytest.raises(InputError, match="continuous confidence"):
        m.evaluate(m.copy(2, 2), s)
    st = SamplerState(2, np.array([False, False]), np.array([-1, -1]), np.array([[0.5, 0.5], [0.5, 0.5]]))
    with pytest.raises(InputError, match="Sampler.draw"):
        s.transitions(st)
    chain = MarkovChain(np.array([[0.8, 0.2], [0.3, 0.7]]), n=3)
    with pytest.raises(InputError, match="walk --samples"):
        exact_walk_metrics(chain, s)
    r = m.estimate_sampler_divergences(m.copy(2, 2), s, samples=50, seed=0)
    assert r.expected_calls.value == 2.0 and r.kl is None and "kl" in r.to_dict()["not_estimated"]


def test_parameter_is_a_boolean(capsys, tmp_path):
    with pytest.raises(InputError, match="boolean"):
        m.make_sampler("llada", confidence_noise="true")
    f = tmp_path / "t.npy"
    np.save(f, np.full((2, 2), 0.25))
    assert main(["evaluate", str(f), "--sampler", "llada", "--param", "confidence_noise=maybe"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mdmtheory: error:") and "true or false" in err
    assert main(["evaluate", str(f), "--sampler", "llada", "--param", "confidence_noise=true", "temperature=1"]) == 2
    assert "continuous confidence" in capsys.readouterr().err
    assert main(["evaluate", str(f), "--sampler", "llada", "--param", "confidence_noise=true", "temperature=1",
                 "--samples", "20"]) == 0
