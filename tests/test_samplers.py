"""Selection rules of mdmtheory.samplers on hand-built states with known answers."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from mdmtheory import InputError
from mdmtheory.samplers import (
    SAMPLER_NAMES,
    SamplerState,
    confidence,
    make_sampler,
    margin,
    marginal_entropy,
    rank_key,
    step_sizes,
)


def state(marg, revealed=None, step=0, pair_mi=None):
    """A state whose masked rows are ``marg`` (None rows = revealed)."""
    n = len(marg)
    q = max((len(r) for r in marg if r is not None), default=2)
    P = np.zeros((n, q))
    rev = np.array([r is None for r in marg]) if revealed is None else np.asarray(revealed, bool)
    for i, r in enumerate(marg):
        if r is not None:
            P[i, : len(r)] = r
    vals = np.where(rev, 0, -1)
    return SamplerState(n, rev, vals, P, step, pair_mi)


def chosen(name, st, **params):
    out = make_sampler(name, **params).select(st)
    assert len(out) == 1 and out[0][0] == 1.0
    return out[0][1]


def test_registry_names_and_determinism():
    """Every registered name builds; the chain rule applies to all but random and the rules that
    draw candidates (llada, fast_dllm, dream, punt, frechet_profile)."""
    assert set(SAMPLER_NAMES) == {
        "random", "left_to_right", "confidence", "margin", "entropy", "threshold", "eb", "punt_pairwise", "bisection",
        "optimal", "llada", "fast_dllm", "dream", "punt", "entropy_sum", "frechet_profile", "centroid",
    }
    for name in SAMPLER_NAMES:
        s = make_sampler(name)
        assert s.name == name
        assert s.deterministic == (name not in ("random", "llada", "fast_dllm", "dream", "punt", "frechet_profile"))
    # eb at T != 1 draws its values as candidates from p^(1/T)/Z: no chain rule
    assert not make_sampler("eb", temperature=0.5).deterministic and make_sampler("eb", temperature=1.0).deterministic


def test_unknown_name_and_parameter_list_valid_ones():
    """Unknown sampler or parameter: InputError naming the valid choices."""
    with pytest.raises(InputError, match="valid samplers: random, left_to_right"):
        make_sampler("greedy")
    with pytest.raises(InputError, match="valid parameters: gamma, proxy"):
        make_sampler("eb", tau=0.5)
    with pytest.raises(InputError, match="valid parameters: none"):
        make_sampler("bisection", k=2)
    with pytest.raises(InputError, match="proxy must be one of"):
        make_sampler("eb", proxy="logit")
    with pytest.raises(InputError, match="tau must be a probability"):
        make_sampler("threshold", tau=1.5)
    with pytest.raises(InputError, match="not both"):
        make_sampler("confidence", steps=2, schedule=[1, 1])
    with pytest.raises(InputError, match="positive integer"):
        make_sampler("optimal", k=0)
    with pytest.raises(InputError, match=">= 0"):
        make_sampler("punt_pairwise", delta=-1)


def test_params_defaults_and_string_coercion():
    """Defaults are filled in; command-line strings are converted by the CLI's parser (the library
    takes typed values and refuses strings for numbers)."""
    from mdmtheory.cli import parse_sampler_params as parse

    eb_rest = {"temperature": 1.0, "entropy_of": "untempered"}
    assert make_sampler("eb").params == {"gamma": 0.1, "proxy": "entropy", **eb_rest}
    assert make_sampler("eb", **parse("eb", ["proxy=margin", "gamma=0.25"])).params == {"gamma": 0.25, "proxy": "margin",
                                                                                       **eb_rest}
    assert make_sampler("random", **parse("random", ["schedule=2, 1,1"])).params == {"schedule": [2, 1, 1]}
    assert make_sampler("entropy", **parse("entropy", ["steps=3"])).params == {"steps": 3}
    assert make_sampler("threshold").params == {"tau": 0.9}
    assert make_sampler("punt_pairwise").params == {"delta": 0.01}
    assert make_sampler("optimal", **parse("optimal", ["k=4"])).params == {"k": 4}
    for bad in ({"gamma": "0.5"}, {"gamma": True}, {"proxy": 1}):
        with pytest.raises(InputError, match="eb parameter"):
            make_sampler("eb", **bad)
    with pytest.raises(InputError, match="takes an integer"):
        parse("llada", ["steps=2.5"])
    with pytest.raises(InputError, match="valid parameters: steps, block_length"):
        parse("llada", ["tau=1"])


def test_step_sizes_even_split_remainder_first():
    """steps=k: sizes differ by at most one, larger ones first (LLaDA), and sum to n."""
    for n in range(1, 12):
        for k in range(1, n + 1):
            s = step_sizes({"steps": k}, n)
            assert sum(s) == n and len(s) == k
            assert max(s) - min(s) <= 1 and list(s) == sorted(s, reverse=True)
    with pytest.raises(InputError, match="exceeds n"):
        step_sizes({"steps": 5}, 4)
    with pytest.raises(InputError, match="sums to"):
        step_sizes({"schedule": [2, 2]}, 5)


def test_marginal_features():
    """Confidence, margin and entropy of marginals with known values."""
    P = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [0.7, 0.2, 0.1]])
    assert np.allclose(confidence(P), [0.5, 1.0, 0.7])
    assert np.allclose(margin(P), [0.0, 1.0, 0.5])
    assert np.allclose(marginal_entropy(P), [np.log(2), 0.0, -(0.7 * np.log(0.7) + 0.2 * np.log(0.2) + 0.1 * np.log(0.1))])
    assert np.allclose(margin(np.array([[1.0]])), [1.0])


def test_rank_key_absorbs_rounding_noise():
    """Keys differing by float noise rank as ties (then by position)."""
    a, b = 0.1 + 0.2, 0.3
    assert a != b and rank_key(a) == rank_key(b)


def test_schedule_rules_top_k():
    """left_to_right / confidence / margin / entropy pick the expected top-k."""
    st = state([[0.6, 0.4], [0.9, 0.1], [0.5, 0.5], [0.98, 0.02], None])
    sch = dict(schedule=[2, 1, 1, 1])
    assert chosen("left_to_right", st, **sch) == (0, 1)
    assert chosen("confidence", st, **sch) == (1, 3)
    assert chosen("margin", st, **sch) == (1, 3)
    assert chosen("entropy", st, **sch) == (1, 3)
    st2 = state([[0.6, 0.4], [0.9, 0.1], [0.5, 0.5], [0.98, 0.02], None], step=1)
    assert chosen("confidence", st2, **sch) == (3,)


def test_confidence_and_entropy_can_disagree():
    """q = 3: the most confident position need not have the lowest entropy."""
    st = state([[0.5, 0.5, 0.0], [0.6, 0.2, 0.2]])
    one = dict(schedule=[1, 1])
    assert chosen("confidence", st, **one) == (1,)  # 0.6 > 0.5
    assert chosen("entropy", st, **one) == (0,)  # log 2 < H(0.6, 0.2, 0.2)
    assert chosen("margin", st, **one) == (1,)  # 0.4 > 0


def test_ties_go_to_lower_position():
    """Equal keys: the lower index wins, for every ranked rule."""
    st = state([None, [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]])
    for name in ("left_to_right", "confidence", "margin", "entropy"):
        assert chosen(name, st, schedule=[1, 1, 1, 1]) == (1,)
    assert chosen("threshold", st, tau=0.9) == (1,)
    assert chosen("eb", st, gamma=0.0) == (1,)


def test_step_past_schedule_takes_all_remaining_and_clips():
    """Past the last step all masked positions go; a size above m is clipped."""
    st = state([[0.5, 0.5], [0.5, 0.5], None], step=5)
    assert chosen("confidence", st, schedule=[1, 1, 1]) == (0, 1)
    st0 = state([[0.5, 0.5], None, None])
    assert chosen("entropy", st0, schedule=[3]) == (0,)


def test_random_is_uniform_over_subsets_of_the_step_size():
    """random: every size-s subset of the masked positions, probability 1 / C(m, s)."""
    st = state([[0.5, 0.5]] * 4 + [None])
    out = make_sampler("random", schedule=[2, 1, 1, 1]).select(st)
    assert len(out) == comb(4, 2)
    assert {S for _, S in out} == {(a, b) for a in range(4) for b in range(a + 1, 4)}
    assert all(abs(p - 1 / 6) < 1e-15 for p, _ in out)


def test_threshold_takes_all_above_tau_or_the_best_one():
    """Fast-dLLM: everything with max p >= tau, else the single most confident."""
    st = state([[0.95, 0.05], [0.6, 0.4], [0.91, 0.09], [0.7, 0.3]])
    assert chosen("threshold", st, tau=0.9) == (0, 2)
    assert chosen("threshold", st, tau=0.99) == (0,)
    assert chosen("threshold", st, tau=0.0) == (0, 1, 2, 3)
    assert chosen("threshold", st, tau=0.7) == (0, 2, 3)  # >= tau, inclusive


def test_eb_prefix_rule():
    """EB: the largest prefix (by the proxy) with sum H - max H <= gamma."""
    h = lambda p: float(-(p * np.log(p) + (1 - p) * np.log(1 - p)))  # noqa: E731
    st = state([[0.99, 0.01], [0.9, 0.1], [0.8, 0.2], [0.6, 0.4]])
    H = [h(0.99), h(0.9), h(0.8), h(0.6)]
    # entropy order 0, 1, 2, 3; prefix costs sum - max:
    costs = [0.0, H[0], H[0] + H[1], H[0] + H[1] + H[2]]
    for gamma in (0.0, costs[1], (costs[1] + costs[2]) / 2, costs[2] + 1e-9, costs[3] + 1e-9, 10.0):
        want = max(j for j in range(4) if costs[j] <= gamma + 1e-12) + 1
        assert chosen("eb", st, gamma=gamma) == tuple(range(want))
    # every proxy gives the same order on binary marginals
    for proxy in ("confidence", "margin"):
        assert chosen("eb", st, gamma=costs[2] + 1e-9, proxy=proxy) == (0, 1, 2)


def test_eb_proxy_changes_the_order():
    """q = 3: ordering by -confidence and by entropy differ, and so does the chosen set."""
    st = state([[0.5, 0.5, 0.0], [0.6, 0.2, 0.2]])
    assert chosen("eb", st, gamma=0.0, proxy="entropy") == (0,)
    assert chosen("eb", st, gamma=0.0, proxy="confidence") == (1,)


def test_punt_pairwise_drops_the_less_confident_member_of_dependent_pairs():
    """punt_pairwise: a position is dropped when dependent on a more confident one."""
    dep = {frozenset((0, 1)): 0.5, frozenset((2, 3)): 0.005}
    mi = lambda i, j: dep.get(frozenset((i, j)), 0.0)  # noqa: E731
    st = state([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.6, 0.4]], pair_mi=mi)
    assert chosen("punt_pairwise", st, delta=0.01) == (0, 2, 3)
    assert chosen("punt_pairwise", st, delta=0.001) == (0, 2)
    assert chosen("punt_pairwise", st, delta=1.0) == (0, 1, 2, 3)
    with pytest.raises(InputError, match="pair_mi"):
        make_sampler("punt_pairwise").select(state([[0.5, 0.5], [0.5, 0.5]]))


def test_punt_pairwise_drops_even_when_the_more_confident_member_is_dropped():
    """The literal rule: chain 0-1-2 all dependent -> 1 and 2 both dropped."""
    dep = {frozenset((0, 1)): 1.0, frozenset((1, 2)): 1.0}
    mi = lambda i, j: dep.get(frozenset((i, j)), 0.0)  # noqa: E731
    st = state([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3]], pair_mi=mi)
    assert chosen("punt_pairwise", st, delta=0.1) == (0,)


def test_bisection_midpoints_of_every_run():
    """Midpoint (a + b) // 2 of every maximal run of masked positions, open ends included."""
    u = [0.5, 0.5]
    assert chosen("bisection", state([u] * 7)) == (3,)
    assert chosen("bisection", state([u, u, u, None, u, u, u])) == (1, 5)
    assert chosen("bisection", state([None, u, u, None, u, None, None, u])) == (1, 4, 7)


def test_bisection_rounds_are_ceil_log2():
    """Repeating bisection from nothing revealed takes ceil(log2(n + 1)) rounds."""
    for n in range(1, 40):
        rev = np.zeros(n, bool)
        rounds = 0
        while not rev.all():
            S = chosen("bisection", state([[1.0]] * n, revealed=rev))
            rev[list(S)] = True
            rounds += 1
        assert rounds == int(np.ceil(np.log2(n + 1)))


def test_optimal_needs_the_joint():
    """optimal without a joint: a clear error pointing to optimal_policy."""
    with pytest.raises(InputError, match="optimal_policy"):
        make_sampler("optimal", k=2).select(state([[0.5, 0.5], [0.5, 0.5]]))


def test_nothing_masked_selects_the_empty_set():
    """A complete state selects nothing."""
    st = state([None, None])
    for name in ("confidence", "eb", "bisection", "random"):
        assert make_sampler(name).select(st) == [(1.0, ())]


def test_transitions_of_llada_random_remasking_is_uniform_over_sets():
    """LLaDA with remasking='random' picks its k positions uniformly among the block's masked
    ones (a random set, though the rule's registry flag is about the default): the law lists
    every pair of 3 positions with probability 1/3."""
    st = SamplerState(3, np.array([False] * 3), np.array([-1] * 3), np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]]))
    law = make_sampler("llada", steps=2, remasking="random", temperature=1.0).transitions(st)
    sets = {S: p for p, S, vals in law}
    assert sorted(sets) == [(0, 1), (0, 2), (1, 2)]
    assert all(abs(p - 1 / 3) < 1e-12 for p in sets.values())
