"""Each `python -m bandits probability` flag moves the exact answer as its formula says.

Every expected value is worked out here by hand or with scipy, never read back from the
package; each case is chosen so that dropping the flag would change the answer.
"""

import json
import math
from fractions import Fraction

import pytest
from scipy import integrate, stats

from bandits.__main__ import main


def exact_answers(capsys, policy, *flags, history=("a:0", "b:1")):
    """The JSON ``exact`` column of one ``probability`` call, by arm name."""
    argv = ["probability", "--policy", policy, "--history", *history, *flags]
    assert main([*argv, "--samples", "200", "--json"]) == 0
    arms = json.loads(capsys.readouterr().out)["arms"]
    return {name: arm["exact"] for name, arm in arms.items()}


def test_epsilon(capsys):
    # greedy arm b; ε = 0.3 over 2 arms: a gets ε/2, b gets 1 − ε/2
    assert exact_answers(capsys, "epsilon-greedy", "--epsilon", "0.3") == {
        "a": "3/20",
        "b": "17/20",
    }
    assert exact_answers(capsys, "epsilon-greedy") == {"a": "1/20", "b": "19/20"}  # default 0.1


def test_step_size(capsys):
    # sample averages: Q(a) = (0 + 1)/2 = 1/2 < Q(b) = 0.6. Constant α = 0.8 from Q1 = 0:
    # Q(a) = 0 → 0 → 0.8, Q(b) = 0.8 · 0.6 = 0.48, so a becomes greedy.
    history = ("a:0", "a:1", "b:0.6")
    assert exact_answers(capsys, "greedy", history=history) == {"a": "0", "b": "1"}
    assert exact_answers(capsys, "greedy", "--step-size", "0.8", history=history) == {
        "a": "1",
        "b": "0",
    }


def test_initial_value(capsys):
    # the untried arm c keeps Q1: 2 beats Q(a) = 1; the default 0 does not
    flags = ("--arms", "a", "b", "c")
    history = ("a:1", "b:0")
    assert exact_answers(capsys, "greedy", *flags, history=history) == {
        "a": "1",
        "b": "0",
        "c": "0",
    }
    assert exact_answers(capsys, "greedy", *flags, "--initial-value", "2", history=history) == {
        "a": "0",
        "b": "0",
        "c": "1",
    }


def test_arms_adds_untried_arms_first_for_ucb(capsys):
    assert exact_answers(capsys, "ucb") == {"a": "0", "b": "1"}
    assert exact_answers(capsys, "ucb", "--arms", "a", "b", "c", "d") == {
        "a": "0",
        "b": "0",
        "c": "1/2",
        "d": "1/2",
    }


def test_c(capsys):
    # t = 6, N = (2, 2, 1), Q = (1/2, 1/2, 1/4): bound_i = Q_i + c sqrt(ln 6 / N_i)
    history = ("a:1", "a:0", "b:0", "b:1", "c:0.25")
    q, n = (0.5, 0.5, 0.25), (2, 2, 1)

    def expected(c):
        bounds = [qi + c * math.sqrt(math.log(6) / ni) for qi, ni in zip(q, n, strict=True)]
        best = max(bounds)
        winners = [b == best for b in bounds]
        return {arm: str(Fraction(w, sum(winners))) for arm, w in zip("abc", winners, strict=True)}

    assert expected(0.1) != expected(3.0)
    for c in ("0.1", "3"):
        assert exact_answers(capsys, "ucb", "--c", c, history=history) == expected(float(c))


def beta_probability_first(a0, b0, a1, b1):
    """P(X_0 > X_1) for X_i ~ Beta: ∫ f_0(x) F_1(x) dx by scipy quadrature."""
    return integrate.quad(
        lambda x: stats.beta.pdf(x, a0, b0) * stats.beta.cdf(x, a1, b1), 0, 1, epsabs=1e-13
    )[0]


@pytest.mark.parametrize(
    ("prior", "expected_params"), [(None, (2, 1, 1, 2)), ("2 3", (3, 3, 2, 4))]
)
def test_prior_for_beta_thompson(capsys, prior, expected_params):
    # a:1 b:0 → a ~ Beta(α₀ + 1, β₀), b ~ Beta(α₀, β₀ + 1)
    flags = () if prior is None else ("--prior", *prior.split())
    exact = exact_answers(capsys, "thompson", *flags, history=("a:1", "b:0"))
    assert float(Fraction(exact["a"])) == pytest.approx(
        beta_probability_first(*expected_params), abs=1e-10
    )
    assert Fraction(exact["a"]) + Fraction(exact["b"]) == 1


def gaussian_first(history_a, history_b, prior_mean, prior_std, noise_std):
    """P(X_a > X_b) for the two conjugate normal posteriors, written out from Murphy (2007)."""

    def posterior(rewards):
        precision = 1 / prior_std**2 + len(rewards) / noise_std**2
        mean = (prior_mean / prior_std**2 + sum(rewards) / noise_std**2) / precision
        return mean, 1 / precision

    (m_a, v_a), (m_b, v_b) = posterior(history_a), posterior(history_b)
    return stats.norm.cdf((m_a - m_b) / math.sqrt(v_a + v_b))


@pytest.mark.parametrize(
    ("flags", "prior_mean", "prior_std", "noise_std"),
    [
        ((), 0.0, 1.0, 1.0),
        (("--prior", "3", "0.5"), 3.0, 0.5, 1.0),
        (("--noise-std", "0.3"), 0.0, 1.0, 0.3),
        (("--prior", "-1", "2", "--noise-std", "2.5"), -1.0, 2.0, 2.5),
    ],
)
def test_prior_and_noise_for_gaussian_thompson(capsys, flags, prior_mean, prior_std, noise_std):
    # arm a pulled once (reward 1), arm b twice (0.5, 2), arm c untried
    history = ("a:1", "b:0.5", "b:2")
    exact = exact_answers(capsys, "gaussian-thompson", *flags, history=history)
    expected = gaussian_first([1.0], [0.5, 2.0], prior_mean, prior_std, noise_std)
    assert float(exact["a"]) == pytest.approx(expected, abs=1e-12)
    assert float(exact["b"]) == pytest.approx(1 - expected, abs=1e-12)


def test_the_gaussian_cases_differ_from_each_other():
    cases = [(0.0, 1.0, 1.0), (3.0, 0.5, 1.0), (0.0, 1.0, 0.3), (-1.0, 2.0, 2.5)]
    answers = {round(gaussian_first([1.0], [0.5, 2.0], *case), 6) for case in cases}
    assert len(answers) == len(cases)


def gradient_first(history, alpha, baseline):
    """π(a) of the softmax gradient bandit on two arms, preferences updated by hand."""
    h = [0.0, 0.0]
    average = 0.0
    for step, (arm, reward) in enumerate(history, start=1):
        pi_a = 1 / (1 + math.exp(h[1] - h[0]))
        pi = (pi_a, 1 - pi_a)
        base = (average if step > 1 else reward) if baseline else 0.0
        for k in (0, 1):
            h[k] += alpha * (reward - base) * ((k == arm) - pi[k])
        average += (reward - average) / step
    return 1 / (1 + math.exp(h[1] - h[0]))


@pytest.mark.parametrize(
    ("flags", "alpha", "baseline"),
    [((), 0.1, True), (("--alpha", "0.7"), 0.7, True), (("--no-baseline",), 0.1, False)],
)
def test_alpha_and_baseline_for_the_gradient_bandit(capsys, flags, alpha, baseline):
    history = ("a:0", "b:1", "a:2", "b:0.5")
    exact = exact_answers(capsys, "gradient", *flags, history=history)
    numeric = [(0, 0.0), (1, 1.0), (0, 2.0), (1, 0.5)]
    expected = gradient_first(numeric, alpha, baseline)
    assert float(exact["a"]) == pytest.approx(expected, abs=1e-12)
    # the three settings give three different answers, so each flag is seen
    others = {gradient_first(numeric, 0.1, True), gradient_first(numeric, 0.7, True)}
    others.add(gradient_first(numeric, 0.1, False))
    assert len({round(value, 9) for value in others}) == 3


def test_seed_and_samples_set_the_simulation(capsys):
    def simulated(*flags):
        argv = ["probability", "--policy", "thompson", "--history", "a:0", "b:1", *flags]
        assert main([*argv, "--json"]) == 0
        return json.loads(capsys.readouterr().out)["arms"]["a"]

    first = simulated("--samples", "999", "--seed", "5")
    assert simulated("--samples", "999", "--seed", "5") == first
    assert simulated("--samples", "999", "--seed", "6")["simulation"] != first["simulation"]
    # N = 999 draws: the frequency is a multiple of 1/999 and the interval is Clopper–Pearson
    k = round(first["simulation"] * 999)
    assert first["simulation"] == pytest.approx(k / 999, abs=1e-15)
    interval = stats.binomtest(k, 999).proportion_ci(0.99, method="exact")
    assert first["ci_low"] == pytest.approx(interval.low, abs=1e-12)
    assert first["ci_high"] == pytest.approx(interval.high, abs=1e-12)
