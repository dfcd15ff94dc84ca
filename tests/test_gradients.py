"""Tests of the softmax calculus against hand-derived values and independent computations."""

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import gradients as g
from gradients.worked_example import W as EXAMPLE_W
from gradients.worked_example import X as EXAMPLE_X

# REFERENCE.md §2, the worked example.
EXAMPLE_S = np.array([0.19091352, 0.20353145, 0.21698333, 0.23132428, 0.15724743])
EXAMPLE_Y = np.array([0.0, 0.0, 1.0, 0.0, 0.0])

finite = st.floats(-5, 5, allow_nan=False, allow_infinity=False)


@st.composite
def layer_case(draw, batch: bool = False):
    """Random (W, x, y): shapes D in 1..6, K in 2..6, optionally a batch of 1..4."""
    d = draw(st.integers(1, 6))
    k = draw(st.integers(2, 6))
    b = draw(st.integers(1, 4))
    lead = (b,) if batch else ()
    W = draw(arrays(np.float64, (d, k), elements=finite))
    x = draw(arrays(np.float64, (*lead, d), elements=finite))
    y_raw = draw(arrays(np.float64, (*lead, k), elements=st.floats(0.01, 1.0)))
    return W, x, y_raw / y_raw.sum(axis=-1, keepdims=True)


def naive_softmax(z):
    """The textbook formula, no shift: only for small logits."""
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum(axis=-1, keepdims=True)


# --- softmax -------------------------------------------------------------------------


def test_worked_example_softmax_matches_reference():
    np.testing.assert_allclose(g.softmax(EXAMPLE_X @ EXAMPLE_W), EXAMPLE_S, atol=5e-9)


@given(arrays(np.float64, (3, 4), elements=finite), st.floats(-1e3, 1e3))
def test_softmax_is_shift_invariant_and_matches_textbook(z, shift):
    np.testing.assert_allclose(g.softmax(z + shift), naive_softmax(z), rtol=1e-9)
    np.testing.assert_allclose(g.log_softmax(z), np.log(naive_softmax(z)), atol=1e-12)


def test_softmax_axis_argument():
    z = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(g.softmax(z, axis=0), naive_softmax(z.T).T)
    np.testing.assert_allclose(g.log_softmax(z, axis=0), np.log(naive_softmax(z.T).T))


@pytest.mark.parametrize("big", [1000.0, 1e6, 1e300])
def test_softmax_stable_at_extreme_logits(big):
    s = g.softmax([big, -big, 0.0])
    assert s.tolist() == [1.0, 0.0, 0.0]
    log_s = g.log_softmax([big, -big])
    assert log_s[0] == 0.0 and log_s[1] == -2 * big
    assert np.all(np.isfinite(g.softmax([[big, big], [-big, -big]])))
    np.testing.assert_allclose(g.softmax([[big, big], [-big, -big]]), 0.5)


def test_log_softmax_equals_exact_value():
    # log softmax([0, log 3]) = [log 1/4, log 3/4]
    np.testing.assert_allclose(g.log_softmax([0.0, np.log(3.0)]), np.log([0.25, 0.75]))


# --- Jacobians -----------------------------------------------------------------------


def test_softmax_jacobian_hand_value():
    # s = [1/4, 3/4]: diag(s) - s s^T = [[3/16, -3/16], [-3/16, 3/16]]
    np.testing.assert_allclose(
        g.softmax_jacobian([0.25, 0.75]), [[3 / 16, -3 / 16], [-3 / 16, 3 / 16]]
    )


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.integers(2, 6), elements=finite))
def test_softmax_jacobian_matches_finite_differences_and_rows_sum_to_zero(z):
    jac = g.softmax_jacobian(g.softmax(z))
    numeric = np.stack(
        [g.numerical_gradient(lambda v, i=i: g.softmax(v)[i], z) for i in range(z.size)]
    )
    np.testing.assert_allclose(jac, numeric, atol=1e-8)
    np.testing.assert_allclose(jac.sum(axis=1), 0.0, atol=1e-15)


def test_linear_jacobian_is_mostly_zero_with_x_in_one_column():
    x = np.array([2.0, -3.0])
    jac = g.linear_jacobian(x, 3)
    assert jac.shape == (3, 2, 3)
    for k in range(3):
        expected = np.zeros((2, 3))
        expected[:, k] = x
        np.testing.assert_array_equal(jac[k], expected)


@settings(max_examples=40, deadline=None)
@given(layer_case())
def test_layer_jacobian_chain_equals_shortcut_and_finite_differences(case):
    W, x, _ = case
    chain = g.softmax_layer_jacobian(W, x, "chain")
    shortcut = g.softmax_layer_jacobian(W, x, "shortcut")
    np.testing.assert_allclose(chain, shortcut, rtol=0, atol=1e-12)
    for t in range(W.shape[1]):
        numeric = g.numerical_gradient(lambda w, t=t: g.softmax(x @ w)[t], W)
        np.testing.assert_allclose(shortcut[t], numeric, atol=1e-8)


def test_worked_example_layer_jacobian_formula():
    # dS_t/dW[j,i] = S_t(δ_it − S_i) x_j, written out with loops as the reference.
    s = EXAMPLE_S
    expected = np.empty((5, 3, 5))
    for t in range(5):
        for j in range(3):
            for i in range(5):
                expected[t, j, i] = s[t] * ((i == t) - s[i]) * EXAMPLE_X[j]
    np.testing.assert_allclose(
        g.softmax_layer_jacobian(EXAMPLE_W, EXAMPLE_X, "chain"), expected, atol=1e-8
    )


# --- cross-entropy -------------------------------------------------------------------


def test_worked_example_cross_entropy_and_gradients():
    s = g.softmax(EXAMPLE_X @ EXAMPLE_W)
    assert g.cross_entropy(EXAMPLE_Y, s) == pytest.approx(-np.log(EXAMPLE_S[2]), rel=1e-7)
    np.testing.assert_allclose(
        g.cross_entropy_grad(EXAMPLE_Y, s), [0, 0, -1 / EXAMPLE_S[2], 0, 0], rtol=1e-7
    )
    expected = np.outer(EXAMPLE_X, EXAMPLE_S - EXAMPLE_Y)
    for method in ("chain", "shortcut"):
        np.testing.assert_allclose(
            g.cross_entropy_weight_grad(EXAMPLE_W, EXAMPLE_X, EXAMPLE_Y, method),
            expected,
            atol=1e-8,
        )


@given(layer_case(batch=True))
def test_cross_entropy_from_logits_equals_from_probabilities(case):
    W, x, y = case
    z = x @ W
    np.testing.assert_allclose(
        g.cross_entropy_from_logits(y, z), g.cross_entropy(y, naive_softmax(z)), rtol=1e-9
    )


def test_cross_entropy_from_logits_stable_at_1000():
    assert g.cross_entropy_from_logits([1.0, 0.0], [1000.0, -1000.0]) == 0.0
    assert g.cross_entropy_from_logits([0.0, 1.0], [1000.0, -1000.0]) == 2000.0
    # 0·log 0 = 0: a class with zero target and zero probability adds nothing.
    assert g.cross_entropy([1.0, 0.0], [1.0, 0.0]) == 0.0


@settings(max_examples=40, deadline=None)
@given(layer_case(batch=True))
def test_weight_grad_chain_equals_shortcut_and_finite_differences_of_mean_loss(case):
    W, x, y = case
    chain = g.cross_entropy_weight_grad(W, x, y, "chain")
    shortcut = g.cross_entropy_weight_grad(W, x, y, "shortcut")
    np.testing.assert_allclose(chain, shortcut, rtol=0, atol=1e-12)
    numeric = g.numerical_gradient(lambda w: g.cross_entropy_from_logits(y, x @ w).mean(), W)
    np.testing.assert_allclose(shortcut, numeric, atol=1e-7)


@given(layer_case(batch=True))
def test_batched_equals_looped(case):
    W, x, y = case
    looped = np.mean(
        [g.cross_entropy_weight_grad(W, xb, yb) for xb, yb in zip(x, y, strict=True)], axis=0
    )
    np.testing.assert_allclose(g.cross_entropy_weight_grad(W, x, y), looped, atol=1e-12)
    np.testing.assert_allclose(
        g.softmax_layer_jacobian(W, x), [g.softmax_layer_jacobian(W, xb) for xb in x], atol=1e-15
    )
    np.testing.assert_allclose(
        g.cross_entropy_from_logits(y, x @ W),
        [g.cross_entropy_from_logits(yb, xb @ W) for xb, yb in zip(x, y, strict=True)],
    )
    s = g.softmax(x @ W)
    np.testing.assert_allclose(
        g.softmax_jacobian(s), [g.softmax_jacobian(sb) for sb in s], atol=1e-15
    )


# --- policy gradients ----------------------------------------------------------------


def test_log_softmax_grad_hand_value():
    # z = [0, log 3]: π = [1/4, 3/4]; action 0 → e_0 − π = [3/4, −3/4]
    np.testing.assert_allclose(g.log_softmax_grad([0.0, np.log(3.0)], 0), [0.75, -0.75])


@settings(max_examples=40, deadline=None)
@given(layer_case(), st.data())
def test_log_policy_grad_matches_finite_differences(case, data):
    W, phi, _ = case
    a = data.draw(st.integers(0, W.shape[1] - 1))
    numeric = g.numerical_gradient(lambda w: g.log_softmax(phi @ w)[a], W)
    np.testing.assert_allclose(g.log_policy_grad(W, phi, a), numeric, atol=1e-8)
    # The cross-entropy shortcut with y = e_a, sign flipped.
    np.testing.assert_allclose(
        g.log_policy_grad(W, phi, a),
        -g.cross_entropy_weight_grad(W, phi, g.one_hot(a, W.shape[1])),
        atol=1e-15,
    )


@settings(max_examples=40, deadline=None)
@given(layer_case(batch=True), st.data())
def test_policy_gradient_is_weighted_sum_of_terms_and_matches_finite_differences(case, data):
    W, phi, _ = case
    b, k = phi.shape[0], W.shape[1]
    actions = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=b, max_size=b)))
    weights = np.array(data.draw(st.lists(finite, min_size=b, max_size=b)))
    looped = sum(
        w * g.log_policy_grad(W, p, a) for p, a, w in zip(phi, actions, weights, strict=True)
    )
    np.testing.assert_allclose(g.policy_gradient(W, phi, actions, weights), looped, atol=1e-12)

    def objective(w):
        return float((weights * g.log_softmax(phi @ w)[np.arange(b), actions]).sum())

    np.testing.assert_allclose(
        g.policy_gradient(W, phi, actions, weights), g.numerical_gradient(objective, W), atol=1e-7
    )


def test_actor_logit_grad_matches_finite_differences_and_the_two_gradients_it_fuses():
    rng = np.random.default_rng(5)
    z = rng.normal(scale=3.0, size=(6, 5))
    z[0, 2] = -1000.0  # a masked logit: probability 0, no nan
    actions = np.array([0, 1, 4, 3, 2, 1])
    weights = rng.normal(size=6)

    def objective(v):
        log_pi = g.log_softmax(v)
        return float(
            np.sum(weights * log_pi[np.arange(6), actions]) + 0.3 * np.sum(g.softmax_entropy(v))
        )

    grad, entropy = g.actor_logit_grad(z, actions, weights, 0.3)
    np.testing.assert_allclose(grad, g.numerical_gradient(objective, z), atol=1e-7)
    fused = weights[:, None] * g.log_softmax_grad(z, actions) + 0.3 * g.softmax_entropy_grad(z)
    np.testing.assert_allclose(grad, fused, atol=1e-13)
    np.testing.assert_allclose(entropy, g.softmax_entropy(z), atol=1e-13)
    with pytest.raises(ValueError, match="weights must have shape"):
        g.actor_logit_grad(z, actions, weights[:3], 0.3)
    with pytest.raises(ValueError, match="must be finite"):
        g.actor_logit_grad(z, actions, weights, float("nan"))


def test_policy_gradient_single_state_equals_log_policy_grad():
    W = np.array([[0.5, -0.5, 1.0], [2.0, 0.0, -1.0]])
    phi = np.array([1.0, -2.0])
    np.testing.assert_allclose(
        g.policy_gradient(W, phi, 2, 3.0), 3.0 * g.log_policy_grad(W, phi, 2)
    )


def test_log_softmax_grad_batched_over_runs():
    z = np.array([[0.0, 0.0], [0.0, np.log(3.0)]])
    np.testing.assert_allclose(g.log_softmax_grad(z, [1, 0]), [[-0.5, 0.5], [0.75, -0.75]])


# --- entropy -------------------------------------------------------------------------


def test_softmax_entropy_hand_values_and_stability():
    assert g.softmax_entropy([0.0, 0.0, 0.0, 0.0]) == pytest.approx(np.log(4.0), rel=1e-15)
    # π = [1/4, 3/4]: H = −(1/4) log(1/4) − (3/4) log(3/4)
    expected = -(0.25 * np.log(0.25) + 0.75 * np.log(0.75))
    assert g.softmax_entropy([0.0, np.log(3.0)]) == pytest.approx(expected, rel=1e-14)
    assert g.softmax_entropy([1000.0, -1000.0]) == 0.0
    np.testing.assert_array_equal(g.softmax_entropy_grad([1000.0, -1000.0]), [0.0, 0.0])


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 6)), elements=finite))
def test_softmax_entropy_grad_matches_finite_differences_and_the_jacobian_chain(z):
    shortcut = g.softmax_entropy_grad(z)
    for b in range(z.shape[0]):
        numeric = g.numerical_gradient(lambda v, b=b: g.softmax_entropy(v), z[b])
        np.testing.assert_allclose(shortcut[b], numeric, atol=1e-8)
    # Explicit chain: dH/dπ = −(log π + 1) times the softmax Jacobian.
    pi = g.softmax(z)
    chain = np.einsum("bi,bik->bk", -(g.log_softmax(z) + 1.0), g.softmax_jacobian(pi))
    np.testing.assert_allclose(shortcut, chain, atol=1e-14)


# --- numerical gradient --------------------------------------------------------------


def test_numerical_gradient_of_known_function():
    W = np.array([[1.0, 2.0], [-1.0, 0.5]])
    np.testing.assert_allclose(
        g.numerical_gradient(lambda w: float(np.sin(w).sum()), W), np.cos(W), atol=1e-9
    )


# --- bad input -----------------------------------------------------------------------

W3x5 = EXAMPLE_W


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: g.softmax([1.0, np.nan]), "z must be finite"),
        (lambda: g.softmax([]), "z must not be empty"),
        (lambda: g.softmax_jacobian([0.5, 0.6]), "s must be a distribution"),
        (lambda: g.linear_jacobian([1.0], 0), "n_outputs must be an integer"),
        (lambda: g.softmax_layer_jacobian(W3x5, [1.0, 2.0]), "x has 2 features but W has 3 rows"),
        (lambda: g.softmax_layer_jacobian(W3x5, EXAMPLE_X, "fast"), "method must be one of"),
        (lambda: g.cross_entropy([0.5, 0.6], [0.5, 0.5]), "y must be a distribution"),
        (lambda: g.cross_entropy([-0.5, 1.5], [0.5, 0.5]), "y must be a distribution"),
        (lambda: g.cross_entropy([1.0, 0.0], [0.5, 0.25, 0.25]), "y must have shape"),
        (lambda: g.cross_entropy_grad([1.0, 0.0], [0.0, 1.0]), "s must be positive wherever y > 0"),
        (lambda: g.cross_entropy_weight_grad(W3x5, EXAMPLE_X, [1.0, 0.0]), "y must have shape"),
        (
            lambda: g.cross_entropy_weight_grad(W3x5, [[0.1, 0.2, 0.3]], EXAMPLE_Y),
            "y must have shape",
        ),
        (
            lambda: g.cross_entropy_from_logits(EXAMPLE_Y, [1.0, np.inf, 0, 0, 0]),
            "z must be finite",
        ),
        (lambda: g.log_policy_grad(W3x5, EXAMPLE_X, 5), r"actions must lie in \[0, 5\)"),
        (lambda: g.log_policy_grad(W3x5, EXAMPLE_X, -1), r"actions must lie in \[0, 5\)"),
        (lambda: g.log_policy_grad(W3x5, [EXAMPLE_X], 0), "phi must be one state"),
        (
            lambda: g.policy_gradient(W3x5, [EXAMPLE_X] * 2, [0, 1], [1.0]),
            "weights must have shape",
        ),
        (
            lambda: g.policy_gradient(W3x5, [EXAMPLE_X] * 2, [0], [1.0, 1.0]),
            "actions must have shape",
        ),
        (
            lambda: g.policy_gradient(W3x5, [EXAMPLE_X] * 2, [0, 1], [1.0, np.nan]),
            "weights must be finite",
        ),
        (lambda: g.policy_gradient(np.ones(3), EXAMPLE_X, 0, 1.0), "W must be 2-D"),
        (lambda: g.numerical_gradient(lambda w: 0.0, [1.0], eps=0), "eps must be > 0"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_wrong_types_are_type_errors():
    with pytest.raises(TypeError, match="actions must be integers"):
        g.log_softmax_grad([0.0, 1.0], 1.0)
    with pytest.raises(TypeError, match="z must be an array of numbers"):
        g.softmax("abc")


# --- command line --------------------------------------------------------------------


def test_example_cli_json_matches_reference():
    out = subprocess.run(
        [sys.executable, "-m", "gradients", "example", "--json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data = json.loads(out)
    np.testing.assert_allclose(data["S"], EXAMPLE_S, atol=5e-9)
    np.testing.assert_allclose(
        data["dXE_dW_shortcut"], np.outer(EXAMPLE_X, EXAMPLE_S - EXAMPLE_Y), atol=1e-8
    )
    assert data["dXE_dW_max_abs_diff"] < 1e-12 and data["dS_dW_max_abs_diff"] < 1e-12
    assert np.array(data["dz_dW"]).shape == (5, 3, 5)


def test_example_cli_text_prints_every_step():
    out = subprocess.run(
        [sys.executable, "-m", "gradients", "example"], check=True, capture_output=True, text=True
    ).stdout
    for needle in (
        "softmax Jacobian",
        "chain",
        "shortcut",
        "largest |chain − shortcut|",
        "0.19091352",
    ):
        assert needle in out
