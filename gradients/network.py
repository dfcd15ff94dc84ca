"""Small fully connected networks trained from scratch: dense layers, activations, two heads.

A network is a stack of dense layers ``h_{l+1} = f_l(h_l W_l + b_l)`` with ``h_0 = x`` and a
head that turns the last output into a loss:

- ``"softmax_cross_entropy"``: the last layer is linear (``f = identity``, its output the
  logits z), ``L = −(1/B) Σ_b Σ_c y_bc log softmax(z_b)_c``;
- ``"mse"``: ``L = (1/(B·K)) Σ_b Σ_k (h_L,bk − y_bk)²`` (Keras' mean squared error).

Back-propagation goes layer by layer, each step next to the forward step it differentiates:
``∂L/∂W_l = h_lᵀ δ_l``, ``∂L/∂b_l = Σ_b δ_l``, ``∂L/∂h_l = δ_l W_lᵀ`` and
``δ_{l−1} = ∂L/∂h_l ⊙ f'_{l−1}``, where ``δ_l = ∂L/∂(h_l W_l + b_l)``. At the softmax head
``δ_L = (S − Y)/B``, the shortcut of the softmax layer (REFERENCE §2); :func:`backward_chain`
reaches the same numbers through the explicit Jacobians, for teaching.

Shapes: a batch x is (B, D); ``W_l`` is (D_l, D_{l+1}), ``b_l`` (D_{l+1},). Parameters may
carry a leading replica axis, ``W_l`` (R, D_l, D_{l+1}): R independent networks trained in
lockstep on the same batches (every h is then (R, B, D)); the code is the same, through
matmul broadcasting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import DTypeLike, NDArray

from gradients.cross_entropy import cross_entropy_grad
from gradients.layer import linear_jacobian
from gradients.softmax import log_softmax_unchecked, softmax_jacobian, softmax_unchecked

__all__ = [
    "ACTIVATIONS",
    "HEADS",
    "Network",
    "activation",
    "activation_grad",
    "backward_chain",
    "dense_input_grad",
    "dense_param_grads",
    "dense_forward",
    "init_params",
    "mse",
    "mse_grad",
    "softmax_cross_entropy",
    "softmax_cross_entropy_grad",
    "stack_params",
]

ACTIVATIONS: tuple[str, ...] = ("relu", "sigmoid", "tanh", "identity")
HEADS: tuple[str, ...] = ("softmax_cross_entropy", "mse")
Array = NDArray[np.floating]


# --- layers ---------------------------------------------------------------------------


def dense_forward(h: Array, W: Array, b: Array) -> Array:
    """A dense layer's pre-activation ``z = h W + b``.

    Args:
        h: inputs (..., B, D_in).
        W: weights (..., D_in, D_out).
        b: biases (..., D_out).

    Returns:
        (..., B, D_out).
    """
    z = h @ W
    z += b[..., None, :]
    return z


def dense_param_grads(h: Array, delta: Array) -> tuple[Array, Array]:
    """A dense layer's weight and bias gradients from ``δ = ∂L/∂z``: ``(hᵀ δ, Σ_b δ)``.

    ``∂z_bk/∂W_jk = h_bj`` and ``∂z_bk/∂b_k = 1``, so the chain rule sums over the batch.

    Args:
        h: the layer's inputs (..., B, D_in).
        delta: ∂L/∂z (..., B, D_out).

    Returns:
        ∂L/∂W (..., D_in, D_out) and ∂L/∂b (..., D_out).
    """
    return np.swapaxes(h, -1, -2) @ delta, delta.sum(axis=-2)


def dense_input_grad(W: Array, delta: Array) -> Array:
    """The gradient passed down to the layer's inputs: ``∂L/∂h = δ Wᵀ``.

    ``∂z_bk/∂h_bj = W_jk``, so the chain rule sums over the outputs k.

    Args:
        W: weights (..., D_in, D_out).
        delta: ∂L/∂z (..., B, D_out).

    Returns:
        (..., B, D_in).
    """
    return delta @ np.swapaxes(W, -1, -2)


def activation(name: str, z: Array) -> Array:
    """``f(z)`` for relu ``max(z, 0)``, sigmoid ``1/(1 + e^{−z})``, tanh, or identity."""
    _check_choice("activation", name, ACTIVATIONS)
    return _activate_in_place(name, np.array(z, copy=True))


def activation_grad(name: str, a: Array) -> Array:
    """``f'(z)`` written through the output ``a = f(z)``, which the forward pass keeps.

    relu: ``[a > 0]``; sigmoid: ``a(1 − a)``; tanh: ``1 − a²``; identity: 1.
    """
    _check_choice("activation", name, ACTIVATIONS)
    if name == "relu":
        return (a > 0).astype(a.dtype)
    if name == "sigmoid":
        return a * (1 - a)
    if name == "tanh":
        return 1 - a * a
    return np.ones_like(a)


def _activate_in_place(name: str, z: Array) -> Array:
    if name == "relu":
        np.maximum(z, 0, out=z)
    elif name == "sigmoid":  # σ(z) = (1 + tanh(z/2))/2: no overflow for any z
        z *= 0.5
        np.tanh(z, out=z)
        z += 1
        z *= 0.5
    elif name == "tanh":
        np.tanh(z, out=z)
    return z


def _times_activation_grad_in_place(name: str, grad: Array, a: Array) -> Array:
    """``grad ⊙ f'`` in ``grad``'s memory (the backward pass owns it)."""
    if name == "relu":
        grad *= a > 0
    elif name != "identity":
        grad *= activation_grad(name, a)
    return grad


# --- heads ----------------------------------------------------------------------------


def softmax_cross_entropy(z: Array, y: Array) -> Array | float:
    """Mean cross-entropy of softmax(z) against targets: ``−(1/B) Σ_b Σ_c y_bc log S_bc``.

    Args:
        z: logits (..., B, K).
        y: target distributions (B, K), usually one-hot.

    Returns:
        A float, or (R,) for stacked replicas.
    """
    return _mean_over_batch(-(y * log_softmax_unchecked(z)).sum(axis=-1))


def softmax_cross_entropy_grad(z: Array, y: Array) -> Array:
    """Its gradient with respect to the logits: the shortcut ``(S − Y)/B``.

    The explicit route ``∂L/∂S · ∂S/∂z = (−y/S)(diag S − S Sᵀ)`` collapses to ``S − y`` for
    each example because Σ_c y_c = 1 (REFERENCE §2).
    """
    delta = softmax_unchecked(z)
    delta -= y
    delta /= z.shape[-2]
    return delta


def mse(a: Array, y: Array) -> Array | float:
    """Mean squared error over the batch and the outputs: ``(1/(B·K)) Σ (a − y)²``."""
    return _mean_over_batch(((a - y) ** 2).mean(axis=-1))


def mse_grad(a: Array, y: Array) -> Array:
    """Its gradient with respect to the outputs: ``2 (a − y) / (B·K)``."""
    grad = a - y
    grad *= 2 / (a.shape[-2] * a.shape[-1])
    return grad


def _mean_over_batch(per_example: Array) -> Array | float:
    mean = per_example.mean(axis=-1)
    return float(mean) if mean.ndim == 0 else mean


# --- parameters -----------------------------------------------------------------------


def init_params(
    sizes: Sequence[int],
    activations: Sequence[str],
    rng: np.random.Generator,
    dtype: DTypeLike = np.float64,
) -> dict[str, Array]:
    """Random weights and zero biases for layers of ``sizes[0] → sizes[1] → …``.

    He normal ``W ~ N(0, 2/D_in)`` before a relu (He et al. 2015); Glorot (Xavier) uniform
    ``W ~ U(±√(6/(D_in + D_out)))`` before sigmoid, tanh or identity (Glorot & Bengio 2010,
    Keras' default).

    Args:
        sizes: layer widths, input first, at least two, each ≥ 1.
        activations: one per layer (``len(sizes) − 1``), from ``ACTIVATIONS``.
        rng: the generator the weights are drawn from.
        dtype: float32 or float64.

    Returns:
        ``{"W0": (D_0, D_1), "b0": (D_1,), "W1": …}``.
    """
    sizes = [_check_size(size) for size in sizes]
    if len(sizes) < 2 or len(activations) != len(sizes) - 1:
        raise ValueError(
            f"need at least two sizes and one activation per layer, got sizes {sizes} and "
            f"activations {tuple(activations)}"
        )
    dtype = _check_dtype(dtype)
    params = {}
    layers = zip(sizes[:-1], sizes[1:], activations, strict=True)
    for layer, (fan_in, fan_out, name) in enumerate(layers):
        _check_choice("activation", name, ACTIVATIONS)
        if name == "relu":
            W = rng.standard_normal((fan_in, fan_out), dtype=dtype) * dtype.type(
                np.sqrt(2 / fan_in)
            )
        else:
            limit = dtype.type(np.sqrt(6 / (fan_in + fan_out)))
            W = (rng.random((fan_in, fan_out), dtype=dtype) * 2 - 1) * limit
        params[f"W{layer}"] = W
        params[f"b{layer}"] = np.zeros(fan_out, dtype=dtype)
    return params


def stack_params(replicas: Sequence[dict[str, Array]]) -> dict[str, Array]:
    """Stack networks of one shape into one with a leading replica axis (R, …)."""
    return {name: np.stack([p[name] for p in replicas]) for name in replicas[0]}


# --- the network ----------------------------------------------------------------------


@dataclass
class Network:
    """A sequential stack of dense layers with a loss head; parameters in a dict.

    >>> net = Network.create([2, 3, 1], ["tanh", "sigmoid"], "mse", np.random.default_rng(0))
    >>> net.predict(np.zeros((4, 2))).shape
    (4, 1)
    """

    params: dict[str, Array]
    """``W0, b0, W1, b1, …`` (optionally with a leading replica axis)"""
    activations: tuple[str, ...]
    """one activation per layer; the last is "identity" under the softmax head"""
    head: str | None
    """"softmax_cross_entropy", "mse", or None: the caller brings ∂L/∂h_L to :meth:`backward`"""

    def __post_init__(self) -> None:
        if self.head is not None:
            _check_choice("head", self.head, HEADS)
        for name in self.activations:
            _check_choice("activation", name, ACTIVATIONS)
        if len(self.params) != 2 * len(self.activations):
            raise ValueError(
                f"params must hold W and b for each of the {len(self.activations)} layers, "
                f"got {sorted(self.params)}"
            )
        if self.head == "softmax_cross_entropy" and self.activations[-1] != "identity":
            raise ValueError(
                "the softmax head takes the logits: the last activation must be 'identity', "
                f"got {self.activations[-1]!r}"
            )

    @classmethod
    def create(
        cls,
        sizes: Sequence[int],
        activations: Sequence[str],
        head: str | None,
        rng: np.random.Generator,
        dtype: DTypeLike = np.float64,
    ) -> Network:
        """A freshly initialised network (:func:`init_params`)."""
        return cls(init_params(sizes, activations, rng, dtype), tuple(activations), head)

    @property
    def n_layers(self) -> int:
        """Number of dense layers."""
        return len(self.activations)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer widths, input first."""
        widths = [self.params[f"W{layer}"].shape[-1] for layer in range(self.n_layers)]
        return (self.params["W0"].shape[-2], *widths)

    def forward(self, x: Array) -> list[Array]:
        """The forward pass, keeping what backprop needs: ``[h_0 = x, h_1, …, h_L]``."""
        trace = [x]
        for layer, name in enumerate(self.activations):
            z = dense_forward(trace[-1], self.params[f"W{layer}"], self.params[f"b{layer}"])
            trace.append(_activate_in_place(name, z))
        return trace

    def predict(self, x: Array) -> Array:
        """The network's answer: class probabilities under the softmax head, else ``h_L``."""
        out = self.forward(x)[-1]
        return softmax_unchecked(out) if self.head == "softmax_cross_entropy" else out

    def loss(self, x: Array, y: Array) -> Array | float:
        """The head's mean loss on (x, y); (R,) for stacked replicas."""
        return self.head_loss_and_grad(self.forward(x), y)[0]

    def head_loss_and_grad(self, trace: list[Array], y: Array) -> tuple[Array | float, Array]:
        """The loss and ``∂L/∂h_L`` (for the softmax head, ``∂L/∂z``: the shortcut)."""
        if self.head is None:
            raise ValueError("this network has no head: give ∂L/∂h_L to backward() instead")
        out = trace[-1]
        if self.head == "softmax_cross_entropy":
            return softmax_cross_entropy(out, y), softmax_cross_entropy_grad(out, y)
        return mse(out, y), mse_grad(out, y)

    def backward(self, trace: list[Array], grad_output: Array) -> dict[str, Array]:
        """Back-propagate ``∂L/∂h_L`` through every layer (module docstring).

        ∂L/∂x is not formed: the inputs are data, and skipping it saves the largest product
        of a wide first layer.

        Args:
            trace: :meth:`forward`'s output for the batch.
            grad_output: ∂L/∂h_L, shaped like ``trace[-1]``; it is overwritten.

        Returns:
            The gradients, keyed like ``params``.
        """
        grads = {}
        grad_h = grad_output
        for layer in range(self.n_layers - 1, -1, -1):
            delta = _times_activation_grad_in_place(
                self.activations[layer], grad_h, trace[layer + 1]
            )
            grads[f"W{layer}"], grads[f"b{layer}"] = dense_param_grads(trace[layer], delta)
            if layer:
                grad_h = dense_input_grad(self.params[f"W{layer}"], delta)
        return grads

    def loss_and_grads(self, x: Array, y: Array) -> tuple[Array | float, dict[str, Array]]:
        """Forward, head and backward on one batch: the mean loss and its gradients."""
        trace = self.forward(x)
        loss, grad_output = self.head_loss_and_grad(trace, y)
        return loss, self.backward(trace, grad_output)


def backward_chain(network: Network, x: Array, y: Array) -> dict[str, NDArray[np.float64]]:
    """The same gradients as :meth:`Network.loss_and_grads`, by explicit Jacobians (teaching).

    One example at a time, every derivative is a full matrix: ``∂L/∂S = −y/S`` and the
    softmax Jacobian ``diag S − S Sᵀ`` (or ``∂L/∂h = 2(h − y)/(B·K)`` and ``diag f'``), the
    layer's ``∂z/∂W`` (K × D × K, mostly zeros), ``∂z/∂b = I`` and ``∂z/∂h = Wᵀ``, and
    ``∂h/∂z = diag f'``; their products, summed over the batch. The sizes grow as K²·D per
    layer and example, which is why :meth:`Network.backward` uses the shortcuts instead.

    Args:
        network: a network without replicas.
        x: inputs (B, D).
        y: targets (B, K).

    Returns:
        The gradients, keyed like ``network.params``, in float64.
    """
    trace = [np.asarray(h, dtype=np.float64) for h in network.forward(x)]
    params = {name: np.asarray(p, dtype=np.float64) for name, p in network.params.items()}
    y = np.asarray(y, dtype=np.float64)
    batch, n_out = trace[-1].shape
    grads = {name: np.zeros_like(p) for name, p in params.items()}
    for b in range(batch):
        out = trace[-1][b]
        if network.head == "softmax_cross_entropy":
            s = softmax_unchecked(out)
            grad_z = cross_entropy_grad(y[b], s) / batch @ softmax_jacobian(s)
        else:
            grad_h = 2 * (out - y[b]) / (batch * n_out)
            grad_z = grad_h @ np.diag(activation_grad(network.activations[-1], out))
        for layer in range(network.n_layers - 1, -1, -1):
            h, W = trace[layer][b], params[f"W{layer}"]
            grads[f"W{layer}"] += np.einsum("k,kji->ji", grad_z, linear_jacobian(h, W.shape[1]))
            grads[f"b{layer}"] += grad_z @ np.eye(W.shape[1])
            if layer:
                f_prime = activation_grad(network.activations[layer - 1], h)
                grad_z = grad_z @ W.T @ np.diag(f_prime)
    return grads


# --- checks ---------------------------------------------------------------------------


def _check_choice(what: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {allowed}, got {value!r}")


def _check_size(size: int) -> int:
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
        raise ValueError(f"layer sizes must be integers ≥ 1, got {size!r}")
    return int(size)


def _check_dtype(dtype: DTypeLike) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    return dtype
