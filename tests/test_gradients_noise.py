"""``gradients.noise.gradient_noise`` against samples whose true gradient and noise are known,
and its sign-flip p-value against the exact enumeration of every sign pattern."""

import itertools

import numpy as np
import pytest

from gradients.noise import gradient_noise


def test_signal_and_noise_of_independent_samples_match_the_truth():
    rng = np.random.default_rng(0)
    d, m = 200, 2000
    mean = rng.normal(0.0, 0.1, d)  # |G|² ≈ 2; tr Σ = Σ σ_k² = 200 · 1.5
    sigma = np.sqrt(rng.uniform(1.0, 2.0, d))
    samples = mean + sigma * rng.normal(size=(m, d))
    noise = gradient_noise(samples)
    trace = float((sigma**2).sum())
    # tr Σ from 2,000 samples: relative sd ≈ sqrt(2 / (m · d_eff)) ≈ 0.2 %
    assert noise["noise"] == pytest.approx(trace, rel=0.02)
    # the signal estimate's sd ≈ sqrt(2 tr Σ² / m² + 4 Gᵀ Σ G / m) ≈ 0.04
    assert noise["signal"] == pytest.approx(float(mean @ mean), abs=0.2)
    assert noise["noise_scale"] == pytest.approx(trace / float(mean @ mean), rel=0.12)
    assert noise["ratio"] == pytest.approx(1 + m * float(mean @ mean) / trace, rel=0.12)
    assert noise["p_value"] == 1 / 10000  # no flip of 9,999 reaches the observed mean


def test_without_a_gradient_the_test_rejects_at_its_level_and_the_halves_disagree():
    results = [
        gradient_noise(np.random.default_rng(s).normal(size=(200, 40)), block=5, flips=499)
        for s in range(300)
    ]
    rejected = sum(r["p_value"] < 0.05 for r in results)
    assert 5 <= rejected <= 27  # Binomial(300, 0.05): mean 15, these bounds ≈ 3.2 sd apart
    cosines = np.array([r["cosine"] for r in results])
    assert abs(cosines.mean()) < 0.03 and 0.1 < cosines.std() < 0.2  # sd ≈ 1 / sqrt(40)
    ratios = np.array([r["ratio"] for r in results])
    assert ratios.mean() == pytest.approx(1.0, abs=0.1)  # E|ḡ|² = tr Cov(ḡ) under G = 0
    signals = np.array([r["signal"] for r in results])
    assert abs(signals.mean()) < 3 * signals.std() / np.sqrt(len(signals))  # unbiased
    assert any(np.isinf(r["noise_scale"]) for r in results)  # a negative signal: no scale


def test_blocks_count_the_correlation_of_consecutive_samples():
    rng = np.random.default_rng(1)
    rho, d, m = 0.8, 20, 20000
    samples = np.empty((m, d))  # AR(1) per coordinate, stationary variance 1
    samples[0] = rng.normal(size=d)
    shocks = rng.normal(0.0, np.sqrt(1 - rho**2), (m, d))
    for t in range(1, m):
        samples[t] = rho * samples[t - 1] + shocks[t]
    long_run = d * (1 + rho) / (1 - rho)  # Σ_k Cov(g_t, g_t+k) summed over coordinates: 180
    assert gradient_noise(samples, block=1)["noise"] == pytest.approx(d, rel=0.1)
    assert gradient_noise(samples, block=100)["noise"] == pytest.approx(long_run, rel=0.15)


def test_the_p_value_agrees_with_every_sign_pattern_enumerated():
    rng = np.random.default_rng(2)
    samples = rng.normal(0.15, 1.0, (10, 6))  # 10 blocks of one: 1,024 sign patterns
    mean = samples.mean(axis=0)
    patterns = np.array(list(itertools.product((-1.0, 1.0), repeat=10)))
    exact = np.mean(((patterns @ samples / 10) ** 2).sum(axis=1) >= mean @ mean - 1e-12)
    p = gradient_noise(samples, flips=20000, seed=3)["p_value"]
    assert 0.01 < exact < 0.5  # a case where the test is neither sure nor blind
    assert p == pytest.approx(exact, abs=4 * np.sqrt(exact * (1 - exact) / 20000))


def test_leftover_samples_are_left_out_and_the_halves_are_even_and_odd_blocks():
    rng = np.random.default_rng(4)
    samples = rng.normal(size=(23, 3))
    noise = gradient_noise(samples, block=5)  # 4 blocks, the last 3 samples unused
    assert noise == gradient_noise(samples[:20], block=5)
    means = samples[:20].reshape(4, 5, 3).mean(axis=1)
    even, odd = means[0::2].mean(axis=0), means[1::2].mean(axis=0)
    cosine = even @ odd / np.linalg.norm(even) / np.linalg.norm(odd)
    assert noise["cosine"] == pytest.approx(cosine, rel=1e-12)
    spread = np.var(means, axis=0, ddof=1).sum()
    assert noise["noise"] == pytest.approx(5 * spread, rel=1e-12)
    assert noise["signal"] == pytest.approx(means.mean(axis=0) @ means.mean(axis=0) - spread / 4)


@pytest.mark.parametrize(
    ("samples", "block", "flips", "message"),
    [
        (np.zeros(10), 1, 10, r"samples must be 2-D, got shape \(10,\)"),
        (np.full((8, 2), np.nan), 1, 10, "samples must be finite, got nan or inf"),
        (np.zeros((8, 2)), 0, 10, "block must be >= 1, got 0"),
        (np.zeros((7, 2)), 2, 10, "need at least 4 blocks of 2 samples, got 7 samples"),
        (np.zeros((8, 2)), 1, 0, "flips must be >= 1, got 0"),
    ],
)
def test_bad_input_is_named(samples, block, flips, message):
    with pytest.raises(ValueError, match=message):
        gradient_noise(samples, block, flips=flips)
