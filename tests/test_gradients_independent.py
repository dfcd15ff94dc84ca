"""The gradients package's boundary and edge cases, closing the gaps mutmut found.

Error messages are matched from their first character (``^name``), so a message that names
the wrong argument fails; the worked example runs in-process, against REFERENCE.md §2.
"""

import json
from fractions import Fraction

import numpy as np
import pytest

import gradients as g
from gradients.__main__ import main

W3x5 = np.arange(15.0).reshape(3, 5) / 10
X3 = np.array([0.1, 0.5, 0.4])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: g.linear_jacobian([np.nan], 2), r"^x must be finite"),
        (lambda: g.softmax_layer_jacobian(W3x5, [np.nan, 0, 0]), r"^x must be finite"),
        (lambda: g.log_softmax([1.0, np.inf]), r"^z must be finite"),
        (lambda: g.softmax([np.nan]), r"^z must be finite"),
        (lambda: g.log_softmax_grad([np.nan, 0.0], 0), r"^z must be finite"),
        (lambda: g.softmax_jacobian([np.nan, 1.0]), r"^s must be finite"),
        (lambda: g.cross_entropy([1.0, 0.0], [0.5, 0.6]), r"^s must be a distribution"),
        (lambda: g.cross_entropy([1.0, 0.1], [0.5, 0.5]), r"^y must be a distribution"),
        (lambda: g.cross_entropy_grad([1.0, 0.0], [0.4, 0.4]), r"^s must be a distribution"),
        (lambda: g.cross_entropy_grad([0.9, 0.0], [0.5, 0.5]), r"^y must be a distribution"),
        (lambda: g.cross_entropy_from_logits([0.5, 0.6], [1.0, 2.0]), r"^y must be a distribution"),
        (lambda: g.cross_entropy_weight_grad(W3x5, X3, [0.5] * 5), r"^y must be a distribution"),
        (
            lambda: g.softmax_layer_jacobian(W3x5, [1.0, 2.0]),
            r"^x has 2 features but W has 3 rows; expected x of shape \(3,\) or \(B, 3\), "
            r"got \(2,\)$",
        ),
        (
            lambda: g.log_policy_grad(W3x5, [1.0, 2.0], 0),
            r"^phi has 2 features but W has 3 rows; expected phi of shape \(3,\) or \(B, 3\)",
        ),
        (
            lambda: g.policy_gradient(W3x5, [[1.0, 2.0]], [0], [1.0]),
            r"^phi has 2 features but W has 3 rows",
        ),
        (lambda: g.log_policy_grad(W3x5, [np.nan, 0, 0], 0), r"^phi must be finite"),
        (lambda: g.policy_gradient(W3x5, [np.nan, 0, 0], 0, 1.0), r"^phi must be finite"),
        (
            lambda: g.log_policy_grad(W3x5, [X3], 0),
            r"^phi must be one state of shape \(3,\), got \(1, 3\)$",
        ),
        (
            lambda: g.policy_gradient(W3x5, X3, 0, np.inf),
            r"^weights must be finite, got nan or inf$",
        ),
        (lambda: g.linear_jacobian([1.0], 0), r"^n_outputs must be an integer ≥ 1, got 0$"),
        (lambda: g.linear_jacobian([1.0], True), r"^n_outputs must be an integer ≥ 1, got True$"),
        (lambda: g.softmax(np.float64(1.0)), r"^z must be 1-D or 2-D or 3-D"),
        (lambda: g.log_softmax(1.0), r"^z must be 1-D or 2-D or 3-D"),
        (lambda: g.log_softmax(np.zeros((1,) * 33)), r"^z must be 1-D or 2-D"),
    ],
)
def test_errors_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_one_output_is_a_valid_linear_jacobian():
    np.testing.assert_array_equal(g.linear_jacobian([2.0, -1.0], 1), [[[2.0], [-1.0]]])
    np.testing.assert_array_equal(
        g.linear_jacobian([3.0], np.int64(2)), [[[3.0, 0.0]], [[0.0, 3.0]]]
    )


@pytest.mark.parametrize(
    "s",
    [
        [-0.2, 0.6, 0.6],  # sums to 1 but has a negative entry
        [1.0 + 5e-6, 0.0],  # off by more than the 1e-6 allowed
        [0.5, 0.5 - 2e-6],
    ],
)
def test_distributions_are_checked_entry_by_entry_and_to_1e_6(s):
    with pytest.raises(ValueError, match=r"^s must be a distribution"):
        g.softmax_jacobian(s)


def test_a_sum_within_1e_6_of_one_is_a_distribution():
    s = np.array([0.5, 0.5 + 5e-7])
    np.testing.assert_allclose(g.softmax_jacobian(s), np.diag(s) - np.outer(s, s))


def test_log_softmax_shifts_each_row_by_its_own_maximum():
    # one shift for the whole array would send the second row to exp(−2000) = 0 and log 0
    z = np.array([[1000.0, 999.0], [-1000.0, -1001.0]])
    expected = np.log([1.0, np.exp(-1.0)]) - np.log1p(np.exp(-1.0))
    np.testing.assert_allclose(g.log_softmax(z), [expected, expected], rtol=1e-12)
    np.testing.assert_allclose(g.softmax(z), np.exp([expected, expected]), rtol=1e-12)
    # the axis argument: columns of the transpose are the same distributions
    np.testing.assert_allclose(g.log_softmax(z.T, axis=0), np.array([expected] * 2).T, rtol=1e-12)


def test_log_softmax_takes_up_to_32_dimensions():
    z = np.zeros((1,) * 31 + (2,))
    np.testing.assert_allclose(g.log_softmax(z), np.log(0.5))
    np.testing.assert_allclose(g.softmax(np.zeros((2, 2, 2))), 0.5)


def test_entropy_of_one_distribution_is_a_python_float():
    assert type(g.softmax_entropy([0.0, 0.0])) is float
    assert g.softmax_entropy([[0.0, 0.0], [0.0, 0.0]]).shape == (2,)


def test_integer_points_and_exact_weights_are_read_as_floats():
    # an integer W must not be stepped in integers: ε = 1e-6 would round to 0
    np.testing.assert_allclose(
        g.numerical_gradient(lambda w: float((w**2).sum()), [1, -2]), [2.0, -4.0], atol=1e-6
    )
    W = np.array([[0.5, -0.5, 1.0], [2.0, 0.0, -1.0]])
    phi = np.array([[1.0, -2.0], [0.5, 0.5]])
    np.testing.assert_allclose(
        g.policy_gradient(W, phi, [0, 2], [Fraction(3, 2), Fraction(-1, 4)]),
        g.policy_gradient(W, phi, [0, 2], [1.5, -0.25]),
        rtol=1e-15,
    )


def test_worked_example_in_process_matches_the_reference(capsys):
    assert main(["example", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    s = np.array([0.19091352, 0.20353145, 0.21698333, 0.23132428, 0.15724743])  # REFERENCE §2
    x = np.array([0.1, 0.5, 0.4])
    y = np.array([0.0, 0.0, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(data["x"], x)
    W = [[0.1, 0.2, 0.3, 0.4, 0.5], [0.6, 0.7, 0.8, 0.9, 0.1], [0.11, 0.12, 0.13, 0.14, 0.15]]
    np.testing.assert_allclose(data["W"], W)
    np.testing.assert_allclose(data["z"], x @ np.array(W), rtol=1e-15)
    np.testing.assert_allclose(data["S"], s, atol=5e-9)
    np.testing.assert_allclose(data["y"], y)
    np.testing.assert_allclose(data["dS_dz"], np.diag(s) - np.outer(s, s), atol=1e-8)
    dz_dw = np.zeros((5, 3, 5))
    for k in range(5):
        dz_dw[k, :, k] = x
    np.testing.assert_array_equal(data["dz_dW"], dz_dw)
    ds_dw = np.einsum("t,ti,j->tji", s, np.eye(5) - s[None, :], x)  # S_t(δ_it − S_i) x_j
    np.testing.assert_allclose(data["dS_dW_chain"], ds_dw, atol=1e-8)
    np.testing.assert_allclose(data["dS_dW_shortcut"], ds_dw, atol=1e-8)
    assert data["XE"] == pytest.approx(-np.log(s[2]), rel=1e-7)
    np.testing.assert_allclose(data["dXE_dS"], -y / s, atol=1e-6)
    for route in ("chain", "shortcut"):
        np.testing.assert_allclose(data[f"dXE_dW_{route}"], np.outer(x, s - y), atol=1e-8)
    for name in ("dS_dW", "dXE_dW"):
        gap = np.abs(np.array(data[f"{name}_chain"]) - data[f"{name}_shortcut"]).max()
        assert data[f"{name}_max_abs_diff"] == gap < 1e-12


def test_worked_example_text_in_process(capsys):
    assert main(["example"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == " 1. input x (D = 3)"
    assert lines[1].split() == ["[0.1", "0.5", "0.4]"]
    titles = [line for line in lines if line[:3].strip().rstrip(".").isdigit()]
    assert len(titles) == 15 and titles[-1].startswith("15. largest |chain − shortcut| for dXE/dW")
    assert "0.19091352" in out and "0.21698333" in out
