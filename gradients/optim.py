"""The project's optimisers: SGD with momentum and Adam, on dicts of parameter arrays.

Both minimise, update the arrays in place, keep their state per parameter name, and work
element by element, so arrays with a leading replica axis are R independent problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["SGD", "Adam"]


def _check_learning_rate(learning_rate: float) -> None:
    if not learning_rate > 0 or not np.isfinite(learning_rate):
        raise ValueError(f"learning_rate must be a finite number > 0, got {learning_rate}")


@dataclass
class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum, as Keras and scikit-learn do.

    ``v ← μ v − lr · g``, ``θ ← θ + v``; with μ = 0 it is plain ``θ ← θ − lr · g``
    (Polyak 1964; Sutskever et al. 2013, eq. 1).
    """

    learning_rate: float = 0.01
    """step size"""
    momentum: float = 0.0
    """μ in [0, 1)"""
    velocity: dict[str, np.ndarray] = field(default_factory=dict)
    """v, one per parameter"""

    def __post_init__(self) -> None:
        _check_learning_rate(self.learning_rate)
        if not 0.0 <= self.momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum}")

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update ``params`` in place, one step against ``grads``."""
        for name, g in grads.items():
            if self.momentum == 0.0:
                params[name] -= self.learning_rate * g
                continue
            v = self.velocity.setdefault(name, np.zeros_like(g))
            v *= self.momentum
            v -= self.learning_rate * g
            params[name] += v


@dataclass
class Adam:
    """Adam (Kingma & Ba 2015, Algorithm 1) on a dict of parameter arrays; minimises.

    ``m ← β1 m + (1−β1) g``, ``v ← β2 v + (1−β2) g²``,
    ``θ ← θ − lr · m̂ / (√v̂ + ε)`` with ``m̂ = m / (1−β1ᵗ)``, ``v̂ = v / (1−β2ᵗ)``.
    """

    learning_rate: float = 0.01
    """step size"""
    beta1: float = 0.9
    """decay of the first-moment estimate"""
    beta2: float = 0.999
    """decay of the second-moment estimate"""
    eps: float = 1e-8
    """added to √v̂ against division by zero"""
    t: int = 0
    """number of updates taken"""
    m: dict[str, np.ndarray] = field(default_factory=dict)
    """first-moment estimates, one per parameter"""
    v: dict[str, np.ndarray] = field(default_factory=dict)
    """second-moment estimates, one per parameter"""

    def __post_init__(self) -> None:
        _check_learning_rate(self.learning_rate)
        for name in ("beta1", "beta2"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if not self.eps > 0:
            raise ValueError(f"eps must be > 0, got {self.eps}")

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update ``params`` in place, one step against ``grads``."""
        self.t += 1
        m_correction = 1.0 - self.beta1**self.t
        v_correction = 1.0 - self.beta2**self.t
        for name, g in grads.items():
            m = self.m.setdefault(name, np.zeros_like(g))
            v = self.v.setdefault(name, np.zeros_like(g))
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * (g * g)
            denominator = v / v_correction
            np.sqrt(denominator, out=denominator)
            denominator += self.eps
            step = m * (self.learning_rate / m_correction)
            step /= denominator
            params[name] -= step
