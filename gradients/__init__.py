"""The softmax calculus, and small networks built on it, trained from scratch.

Explicit Jacobian chains for teaching, shortcut forms for speed; dense networks with SGD and
Adam (``network``, ``optim``, ``training``), their data sets (``data``) and experiments.

Shapes: one example ``x`` is (D,), a batch (B, D); weights ``W`` are (D, K); logits are
``z = Wᵀx`` (``x @ W`` for a batch).
"""

from gradients.cross_entropy import (
    cross_entropy,
    cross_entropy_from_logits,
    cross_entropy_grad,
    cross_entropy_weight_grad,
)
from gradients.layer import linear_jacobian, softmax_layer_jacobian
from gradients.network import Network, backward_chain
from gradients.numerical import numerical_gradient
from gradients.optim import SGD, Adam
from gradients.policy import actor_logit_grad, log_policy_grad, policy_gradient
from gradients.sampling import categorical
from gradients.softmax import (
    log_softmax,
    log_softmax_grad,
    one_hot,
    softmax,
    softmax_entropy,
    softmax_entropy_grad,
    softmax_jacobian,
)

__all__ = [
    "actor_logit_grad",
    "categorical",
    "SGD",
    "Adam",
    "Network",
    "backward_chain",
    "cross_entropy",
    "cross_entropy_from_logits",
    "cross_entropy_grad",
    "cross_entropy_weight_grad",
    "linear_jacobian",
    "log_policy_grad",
    "log_softmax",
    "log_softmax_grad",
    "numerical_gradient",
    "one_hot",
    "policy_gradient",
    "softmax",
    "softmax_entropy",
    "softmax_entropy_grad",
    "softmax_jacobian",
    "softmax_layer_jacobian",
]
