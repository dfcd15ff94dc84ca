"""P(next action): exact Fractions vs scipy quadrature vs simulation, and hand-derived values."""

import doctest
import importlib
import math
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from bandits.probability import (
    action_probabilities,
    beta_posterior,
    beta_thompson_exact,
    build_policy,
    gaussian_thompson_exact,
    simulate,
)

LECTURE = [(0, 0), (1, 1)]
# Simulations in property tests use a wide interval: many checks must not fail by chance
# (each misses with probability < 1e-7; with a fixed seed the outcome is reproducible).
WIDE = 1 - 1e-7


def _inside(estimate, exact):
    return all(
        low <= float(p) <= high
        for low, p, high in zip(estimate.ci_low, exact, estimate.ci_high, strict=True)
    )


# --- the lecture question (REFERENCE.md §1) ----------------------------------------------------


def test_lecture_thompson_is_one_sixth_three_ways():
    exact = action_probabilities("thompson", LECTURE)
    assert exact == (Fraction(1, 6), Fraction(5, 6))
    integral = action_probabilities("thompson", LECTURE, method="integration")
    np.testing.assert_allclose(integral, [1 / 6, 5 / 6], rtol=0, atol=1e-9)
    simulated = action_probabilities("thompson", LECTURE, method="simulation", samples=10**6, rng=1)
    assert _inside(simulated, exact)
    # the posterior means are 1/3 and 2/3; the swapped update gives 5/6
    alpha, beta = beta_posterior(2, LECTURE)
    assert [a / (a + b) for a, b in zip(alpha, beta, strict=True)] == [
        Fraction(1, 3),
        Fraction(2, 3),
    ]
    assert beta_thompson_exact(*beta_posterior(2, LECTURE, swapped=True))[0] == Fraction(5, 6)


def test_lecture_double_integral_by_dblquad():
    # ∫₀¹ ∫₀ˣ (2 − 2x)·2y dy dx, straight from the reference, by a 2-D quadrature
    value, _ = integrate.dblquad(lambda y, x: (2 - 2 * x) * 2 * y, 0, 1, 0, lambda x: x)
    assert abs(value - float(action_probabilities("thompson", LECTURE)[0])) < 1e-12


@pytest.mark.parametrize("epsilon", ["0.1", 0.1, Fraction(1, 10), "1/10"])
def test_lecture_epsilon_greedy_is_epsilon_over_two(epsilon):
    exact = action_probabilities("epsilon-greedy", LECTURE, epsilon=epsilon)
    assert exact == (Fraction(1, 20), Fraction(19, 20))
    simulated = action_probabilities(
        "epsilon-greedy", LECTURE, epsilon=epsilon, method="simulation", rng=2
    )
    assert _inside(simulated, exact)


@pytest.mark.parametrize(
    ("policy", "params"),
    [("greedy", {}), ("ucb", {"c": 0}), ("ucb", {"c": "2"}), ("ucb", {"c": 100})],
)
def test_lecture_greedy_and_ucb_are_zero(policy, params):
    assert action_probabilities(policy, LECTURE, **params) == (0, 1)
    assert action_probabilities(policy, LECTURE, method="integration", **params) is None
    simulated = action_probabilities(
        policy, LECTURE, method="simulation", samples=10**5, rng=3, **params
    )
    assert simulated.frequency.tolist() == [0.0, 1.0]
    assert _inside(simulated, (0, 1))


# --- the exact Thompson integral --------------------------------------------------------------


def test_beta_thompson_exact_hand_derived():
    assert beta_thompson_exact([1, 1], [1, 1]) == (Fraction(1, 2), Fraction(1, 2))
    assert beta_thompson_exact([1] * 4, [1] * 4) == (Fraction(1, 4),) * 4
    # X_a ~ Beta(2, 1) (pdf 2x), X_b uniform: ∫ 2x · x dx = 2/3
    assert beta_thompson_exact([2, 1], [1, 1]) == (Fraction(2, 3), Fraction(1, 3))
    # X_a ~ Beta(1, 2) (pdf 2 − 2x), two uniforms: ∫ (2 − 2x) x² dx = 2/3 − 1/2 = 1/6
    assert beta_thompson_exact([1, 1, 1], [2, 1, 1])[0] == Fraction(1, 6)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(1, 12), st.integers(1, 12)), min_size=2, max_size=5))
def test_beta_thompson_exact_sums_to_one_and_matches_quadrature(params):
    alpha, beta = zip(*params, strict=True)
    exact = beta_thompson_exact(alpha, beta)
    assert sum(exact) == 1
    assert all(p >= 0 for p in exact)

    def arm(i):
        others = [j for j in range(len(alpha)) if j != i]

        def integrand(x):
            # Beta density and distribution function from scipy.special (fast scalar calls)
            log_pdf = (alpha[i] - 1) * math.log(x) + (beta[i] - 1) * math.log1p(-x)
            pdf = math.exp(log_pdf - special.betaln(alpha[i], beta[i]))
            return pdf * math.prod(special.betainc(alpha[j], beta[j], x) for j in others)

        return integrate.quad(integrand, 0, 1, epsabs=1e-13, epsrel=1e-12, limit=200)[0]

    reference = [arm(i) for i in range(len(alpha))]
    np.testing.assert_allclose(reference, [float(p) for p in exact], rtol=0, atol=1e-10)


def test_non_integer_prior_has_no_exact_answer_but_integrates():
    with pytest.raises(ValueError, match="integer Beta parameters"):
        action_probabilities("thompson", LECTURE, prior=("0.5", "0.5"))
    # Beta(0.5, 1.5) vs Beta(1.5, 0.5): infinite densities at the ends of [0, 1]
    integral = action_probabilities("thompson", LECTURE, prior=(0.5, 0.5), method="integration")
    # reference: QUADPACK's algebraic weight x^(−1/2) takes the singular part of f_a exactly
    reference = integrate.quad(
        lambda x: (1 - x) ** 0.5 * stats.beta.cdf(x, 1.5, 0.5) / special.beta(0.5, 1.5),
        0,
        1,
        weight="alg",
        wvar=(-0.5, 0),
        epsabs=1e-14,
    )[0]
    assert abs(integral[0] - reference) < 1e-10
    assert abs(integral.sum() - 1) < 1e-10


# --- three methods agree on random histories ---------------------------------------------------

BERNOULLI_HISTORY = st.integers(2, 5).flatmap(
    lambda k: st.tuples(
        st.just(k), st.lists(st.tuples(st.integers(0, k - 1), st.integers(0, 1)), max_size=12)
    )
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    BERNOULLI_HISTORY,
    st.sampled_from(
        [
            ("greedy", {}),
            ("epsilon-greedy", {"epsilon": "0.3"}),
            ("ucb", {"c": "1.5"}),
            ("ucb", {"c": 0}),
            ("thompson", {"prior": (1, 1)}),
            ("thompson", {"prior": (2, 3)}),
            ("greedy", {"step_size": "0.5", "initial_value": 1}),
            ("gradient", {"alpha": "0.4"}),
            ("gradient", {"alpha": 1, "baseline": False}),
        ]
    ),
    st.integers(0, 2**32 - 1),
)
def test_three_methods_agree_on_random_histories(case, spec, seed):
    n_arms, history = case
    policy, params = spec
    exact = action_probabilities(policy, history, n_arms=n_arms, **params)
    assert len(exact) == n_arms
    if policy == "gradient":  # softmax: a float closed form
        assert abs(sum(exact) - 1) < 1e-12
    else:
        assert sum(exact) == 1 and all(isinstance(p, Fraction) for p in exact)
    if policy != "gradient":  # its exact answer is the policy's own softmax: see
        # test_bandits_independent.py for the gradient bandit against a textbook loop
        policy_view = build_policy(policy, history, n_arms, **params).action_probabilities()[0]
        np.testing.assert_allclose(policy_view, [float(p) for p in exact], rtol=0, atol=1e-9)
    integral = action_probabilities(policy, history, n_arms=n_arms, method="integration", **params)
    if policy == "thompson":
        np.testing.assert_allclose(integral, [float(p) for p in exact], rtol=0, atol=1e-9)
    else:
        assert integral is None
    simulated = action_probabilities(
        policy,
        history,
        n_arms=n_arms,
        method="simulation",
        samples=20_000,
        rng=seed,
        confidence=WIDE,
        **params,
    )
    assert _inside(simulated, exact)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.integers(2, 3).flatmap(
        lambda k: st.tuples(
            st.just(k),
            st.lists(
                st.tuples(st.integers(0, k - 1), st.floats(-3, 3, allow_nan=False)), max_size=10
            ),
        )
    ),
    st.floats(0.2, 3),
)
def test_gaussian_thompson_closed_form_matches_quadrature(case, noise_std):
    n_arms, history = case
    params = {"noise_std": noise_std, "prior_std": 1.5}
    exact = action_probabilities("gaussian-thompson", history, n_arms=n_arms, **params)
    integral = action_probabilities(
        "gaussian-thompson", history, n_arms=n_arms, method="integration", **params
    )
    np.testing.assert_allclose(integral, exact, rtol=0, atol=1e-9)
    simulated = action_probabilities(
        "gaussian-thompson",
        history,
        n_arms=n_arms,
        method="simulation",
        samples=20_000,
        rng=len(history),
        confidence=WIDE,
        **params,
    )
    assert _inside(simulated, exact)


def test_quadrature_finds_narrow_posteriors_far_from_the_origin():
    # 3000 rewards near 1000: posteriors of width ≈ 0.03 around 1000 (Gaussian), and Beta
    # posteriors of a few hundred counts, narrow in the log-odds and away from 1/2.
    rng = np.random.default_rng(0)
    actions = rng.integers(3, size=3000)
    history = [(int(a), 1000.0 + 0.02 * a + rng.normal()) for a in actions]
    params = {"prior_std": 100.0}
    exact = action_probabilities("gaussian-thompson", history, **params)
    integral = action_probabilities("gaussian-thompson", history, method="integration", **params)
    assert min(exact) > 0.05
    np.testing.assert_allclose(integral, exact, rtol=0, atol=1e-9)
    history = [(0, 1)] * 300 + [(0, 0)] * 60 + [(1, 1)] * 280 + [(1, 0)] * 70 + [(2, 0)] * 5
    exact = action_probabilities("thompson", history)
    integral = action_probabilities("thompson", history, method="integration")
    assert 0.1 < exact[0] < 0.9
    np.testing.assert_allclose(integral, [float(p) for p in exact], rtol=0, atol=1e-9)


def test_gaussian_thompson_four_arms_and_simulation():
    mean, std = [0.3, 0.1, -0.2, 0.5], [0.7, 1.0, 0.5, 0.9]
    exact = gaussian_thompson_exact(mean, std)
    reference = [
        integrate.quad(
            lambda x, i=i: (
                stats.norm.pdf(x, mean[i], std[i])
                * math.prod(stats.norm.cdf(x, mean[j], std[j]) for j in range(4) if j != i)
            ),
            -np.inf,
            np.inf,
            epsabs=1e-14,
        )[0]
        for i in range(4)
    ]
    np.testing.assert_allclose(exact, reference, rtol=0, atol=1e-7)
    history = [(0, 0.5), (1, 1.0), (2, -1.0), (0, 2.0)]
    exact = action_probabilities("gaussian-thompson", history)
    simulated = action_probabilities(
        "gaussian-thompson", history, method="simulation", samples=10**5, rng=5
    )
    assert _inside(simulated, exact)


def test_gradient_bandit_closed_form_and_simulation():
    history = [(0, 1.0), (1, 0.0), (0, 1.0)]
    exact = action_probabilities("gradient", history, alpha=0.5)
    # by hand: H = 0; step 1 R − R̄ = 0; step 2 R̄ = 1, R = 0 moves H by −0.5 (e_b − π) with
    # π = (1/2, 1/2): H = (0.25, −0.25); step 3 R̄ = 1/2, R = 1: H += 0.25 (e_a − π).
    pi_2 = 1 / (1 + math.exp(-0.5))
    h_a = 0.25 + 0.25 * (1 - pi_2)
    h_b = -0.25 - 0.25 * (1 - pi_2)
    assert exact[0] == pytest.approx(1 / (1 + math.exp(h_b - h_a)), abs=1e-15)
    simulated = action_probabilities("gradient", history, alpha=0.5, method="simulation", rng=6)
    assert _inside(simulated, exact)


# --- properties of the exact route -------------------------------------------------------------


def test_epsilon_zero_equals_greedy_and_ties_split_evenly():
    history = [(0, 1), (1, 0), (2, 1), (1, 1), (3, "0.25")]
    greedy = action_probabilities("greedy", history)
    assert greedy == (Fraction(1, 2), 0, Fraction(1, 2), 0)
    assert action_probabilities("epsilon-greedy", history, epsilon=0) == greedy
    eps = action_probabilities("epsilon-greedy", history, epsilon="0.2")
    assert eps == (Fraction(9, 20), Fraction(1, 20), Fraction(9, 20), Fraction(1, 20))


def test_ucb_exact_untried_first_ties_and_bonus():
    # untried arms first, uniformly
    assert action_probabilities("ucb", [(0, 1)], n_arms=3, c=1) == (
        0,
        Fraction(1, 2),
        Fraction(1, 2),
    )
    # equal Q and N tie; t = 5: 1/2 + sqrt(ln 5 / 2) ≈ 1.38 for arms 0 and 1, 0 + sqrt(ln 5) ≈ 1.27
    history = [(0, 1), (0, 0), (1, 0), (1, 1), (2, 0)]
    assert action_probabilities("ucb", history, c=1) == (Fraction(1, 2), Fraction(1, 2), 0)
    # a larger c lets the less-pulled arm win: 2 sqrt(ln 5) ≈ 2.54 > 1/2 + 2 sqrt(ln 5 / 2) ≈ 2.29
    assert action_probabilities("ucb", history, c=2) == (0, 0, 1)


def test_ucb_exact_orders_bounds_closer_than_float_precision():
    # N_a = 2 with Q_a = 1/2 + d, N_b = 1 with Q_b = 1/2, c = 1, t = 4: a wins iff
    # d > sqrt(ln 4)·(1 − 1/√2). Straddle that value by 1e-40, far below float resolution.
    with localcontext() as context:
        context.prec = 80
        boundary = Fraction(Decimal(4).ln().sqrt() * (1 - 1 / Decimal(2).sqrt()))
    for d, winner in ((boundary - Fraction(1, 10**40), 1), (boundary + Fraction(1, 10**40), 0)):
        history = [(0, Fraction(1, 2) + d), (0, Fraction(1, 2) + d), (1, Fraction(1, 2))]
        exact = action_probabilities("ucb", history, c=1)
        assert exact[winner] == 1 and sum(exact) == 1


def test_constant_step_size_exact_matches_the_policy():
    history = [(0, 1), (1, "0.5"), (0, 0), (1, 1), (0, 1)]
    params = {"step_size": "0.3", "initial_value": 2}
    exact = action_probabilities("greedy", history, **params)
    # Q(a): 2 → 1.7 → 1.19 → 1.133; Q(b): 2 → 1.55 → 1.385 — b is greedy
    assert exact == (0, 1)
    policy = build_policy("greedy", history, **params)
    np.testing.assert_allclose(policy.q_est, [[1.133, 1.385]], atol=1e-12)


# --- the simulation ----------------------------------------------------------------------------


def test_simulation_same_seed_same_result_and_chunking():
    policy = build_policy("thompson", LECTURE)
    first = simulate(policy, 1_500_000, np.random.default_rng(9))
    second = simulate(policy, 1_500_000, np.random.default_rng(9))
    np.testing.assert_array_equal(first.frequency, second.frequency)
    assert first.samples == 1_500_000 and first.frequency.sum() == pytest.approx(1.0)


def test_clopper_pearson_interval_covers_at_its_level():
    # P(a) = 0.6 / 2 = 0.3 exactly. 400 intervals at 99%: the misses are at most
    # Binomial(400, 0.01), so more than its 1 − 1e-4 quantile means the interval is too narrow.
    policy = build_policy("epsilon-greedy", LECTURE, epsilon="0.6")
    rng = np.random.default_rng(12)
    misses, widths = 0, []
    for _ in range(400):
        estimate = simulate(policy, 500, rng)
        misses += not estimate.ci_low[0] <= 0.3 <= estimate.ci_high[0]
        widths.append(estimate.ci_high[0] - estimate.ci_low[0])
    assert misses <= stats.binom(400, 0.01).isf(1e-4)
    # ... and not uselessly wide: within 15% of the normal approximation's width
    normal_width = 2 * stats.norm.ppf(0.995) * math.sqrt(0.3 * 0.7 / 500)
    assert np.mean(widths) < 1.15 * normal_width


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: action_probabilities("softmax", LECTURE), ValueError, "policy must be one of"),
        (lambda: action_probabilities("greedy", LECTURE, method="mc"), ValueError, "method"),
        (
            lambda: action_probabilities("greedy", LECTURE, method="simulation"),
            ValueError,
            "needs rng",
        ),
        (lambda: action_probabilities("greedy", []), ValueError, "n_arms is needed"),
        (
            lambda: action_probabilities("epsilon-greedy", LECTURE, epsilon="abc"),
            ValueError,
            "epsilon must be a number",
        ),
        (
            lambda: action_probabilities("epsilon-greedy", LECTURE, epsilon="1.5"),
            ValueError,
            r"epsilon must lie in \[0, 1\]",
        ),
        (lambda: action_probabilities("ucb", LECTURE, c="-1"), ValueError, "c must lie in"),
        (lambda: action_probabilities("thompson", [(0, 2)]), ValueError, "rewards 0 or 1"),
        (lambda: action_probabilities("thompson", LECTURE, prior=(0, 1)), ValueError, "> 0"),
        (lambda: action_probabilities("greedy", [(0, float("nan"))]), ValueError, "finite"),
        (lambda: action_probabilities("greedy", [(0,)], n_arms=2), ValueError, "pair"),
        (
            lambda: simulate(build_policy("greedy", LECTURE), 0, np.random.default_rng()),
            ValueError,
            "samples",
        ),
        (lambda: simulate(build_policy("greedy", LECTURE), 10, 3), TypeError, "Generator"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_history_as_an_integer_array():
    assert action_probabilities("thompson", np.array([[0, 0], [1, 1]])) == (
        Fraction(1, 6),
        Fraction(5, 6),
    )
    with pytest.raises(TypeError, match="integer arm indices"):
        action_probabilities("thompson", np.array([[0.0, 0.0], [1.0, 1.0]]))


@pytest.mark.parametrize("module", ["bandits.policies", "bandits.probability"])
def test_docstring_examples(module):
    failures, attempted = doctest.testmod(importlib.import_module(module))
    assert attempted > 0 and failures == 0
