"""Signal against noise in stochastic gradients: is there a direction left to follow?

An optimiser sees one noisy estimate ``g`` of the true gradient ``G`` per batch. From many
such estimates taken at the same weights, ``gradient_noise`` measures ``|G|²`` and the noise
``tr Σ`` of one estimate, their ratio — McCandlish et al. (2018, "An empirical model of
large-batch training", eq. 2.8) call ``B = tr Σ / |G|²`` the simple noise scale: the number of
batches whose average has as much signal as noise — and a sign-flip test of ``G = 0``.

Consecutive estimates from the same running games are correlated, so the estimates are
averaged in blocks of ``block`` consecutive ones first and the blocks treated as independent
(the batch-means method): ``tr Σ`` is then the long-run noise of one estimate, correlations
included, the quantity that matters when an optimiser averages consecutive batches.
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np
from numpy.typing import ArrayLike

from gradients._validate import float_array

__all__ = ["GradientNoise", "gradient_noise"]


class GradientNoise(TypedDict):
    """What ``gradient_noise`` measured."""

    signal: float
    """unbiased estimate of |G|² (negative when the noise hides any signal)"""
    noise: float
    """tr Σ: the summed variance of one estimate (block-corrected)"""
    noise_scale: float
    """tr Σ / |G|²: batches whose mean has signal = noise (inf when the signal is ≤ 0)"""
    ratio: float
    """|ḡ|² / tr Cov(ḡ): about 1 when G = 0, large when the signal dominates"""
    cosine: float
    """cosine between the mean estimates of the even and the odd blocks (≈ 0 when G = 0)"""
    p_value: float
    """sign-flip test of G = 0 on the block means (symmetric noise assumed)"""


def gradient_noise(
    samples: ArrayLike, block: int = 1, *, flips: int = 9999, seed: int = 0
) -> GradientNoise:
    """The signal and noise of gradient estimates taken at the same weights.

    With block means ``m_1 … m_n`` (``n = ⌊M / block⌋``, the last ``M mod block`` samples left
    out), their mean ``ḡ`` and ``S = Σ_j |m_j − ḡ|² / (n − 1)``: ``tr Cov(ḡ) = S / n``, the
    signal ``|ḡ|² − S / n`` (unbiased for ``|G|²``) and the noise of one sample ``block · S``.
    The test's p-value is ``(1 + #{flips with |mean of ±m_j|² ≥ |ḡ|²}) / (1 + flips)``.

    Args:
        samples: (M, d) gradient estimates, one per row, in the order they were taken.
        block: consecutive samples averaged into one block, ≥ 1; at least 4 blocks.
        flips: random sign flips for the p-value, ≥ 1.
        seed: seed of the flips' generator.

    Returns:
        A ``GradientNoise``.

    Raises:
        ValueError: samples not a finite, non-empty 2-D array, block < 1, fewer than 4 blocks,
            flips < 1.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> noise = gradient_noise(rng.normal(0.0, 1.0, (400, 50)) + 1.0)
        >>> round(noise["noise_scale"], 1), noise["p_value"] < 0.001
        (1.0, True)
    """
    g = float_array("samples", samples, ndims=(2,))
    if block < 1:
        raise ValueError(f"block must be >= 1, got {block}")
    n = len(g) // block
    if n < 4:
        raise ValueError(f"need at least 4 blocks of {block} samples, got {len(g)} samples")
    if flips < 1:
        raise ValueError(f"flips must be >= 1, got {flips}")
    means = g[: n * block].reshape(n, block, -1).mean(axis=1)
    mean = means.mean(axis=0)
    spread = float(((means - mean) ** 2).sum() / (n - 1))
    observed = float(mean @ mean)
    signal = observed - spread / n
    noise = block * spread
    even, odd = means[0::2].mean(axis=0), means[1::2].mean(axis=0)
    lengths = np.linalg.norm(even) * np.linalg.norm(odd)
    signs = np.random.default_rng(seed).choice((-1.0, 1.0), size=(flips, n))
    flipped = _squared_norms(signs, means) / n**2
    return GradientNoise(
        signal=signal,
        noise=noise,
        noise_scale=noise / signal if signal > 0 else float("inf"),
        ratio=observed / (spread / n) if spread > 0 else float("inf"),
        cosine=float(even @ odd / lengths) if lengths > 0 else 0.0,
        p_value=(1 + int((flipped >= observed).sum())) / (1 + flips),
    )


def _squared_norms(signs: np.ndarray, means: np.ndarray) -> np.ndarray:
    """|Σ_j s_j m_j|² for each row s of ``signs``: by the (n, n) Gram matrix when n < d."""
    gram = means.shape[0] < means.shape[1]
    basis = means @ means.T if gram else means
    norms = []
    for chunk in np.split(signs, range(1000, len(signs), 1000)):  # bounded memory
        projected = chunk @ basis
        norms.append((projected * chunk).sum(axis=1) if gram else (projected**2).sum(axis=1))
    return np.concatenate(norms)
