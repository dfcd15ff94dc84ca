"""Tests of gradients' networks, optimisers, data readers and the ``train`` command."""

import dataclasses
import gzip
import json
import struct
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradients as g
from gradients import data, network
from gradients.experiments import DEFAULTS, Settings, run
from gradients.network import Network, backward_chain, init_params, stack_params
from gradients.optim import SGD, Adam
from gradients.training import fit

fd_settings = settings(max_examples=25, deadline=None, derandomize=True)


def numerical(f, W, eps=1e-6):
    return g.numerical_gradient(f, W, eps)


@st.composite
def network_case(draw, head=None):
    """A small random float64 network (1–3 layers, widths 1–5), a batch and targets."""
    head = head or draw(st.sampled_from(network.HEADS))
    n_layers = draw(st.integers(1, 3))
    n_out = draw(st.integers(2 if head == "softmax_cross_entropy" else 1, 5))
    sizes = [*(draw(st.integers(1, 5)) for _ in range(n_layers)), n_out]
    hidden = [draw(st.sampled_from(network.ACTIVATIONS)) for _ in range(n_layers - 1)]
    last = (
        "identity"
        if head == "softmax_cross_entropy"
        else draw(st.sampled_from(("sigmoid", "tanh", "identity")))
    )
    seed = draw(st.integers(0, 2**32 - 1))
    batch = draw(st.integers(1, 4))
    rng = np.random.default_rng(seed)
    net = Network.create(sizes, [*hidden, last], head, rng)
    for name in net.params:  # biases away from zero, so relu kinks are unlikely at the point
        net.params[name] += rng.normal(0, 0.5, net.params[name].shape)
    x = rng.normal(size=(batch, sizes[0]))
    if head == "softmax_cross_entropy":
        y = g.one_hot(rng.integers(sizes[-1], size=batch), sizes[-1])
    else:
        y = rng.random((batch, sizes[-1]))
    return net, x, y


# --- layers and heads against finite differences ----------------------------------------


@fd_settings
@given(st.sampled_from(network.ACTIVATIONS), st.integers(0, 2**32 - 1))
def test_activation_grad_matches_finite_differences(name, seed):
    z = np.random.default_rng(seed).normal(0, 2, size=6)
    z = z[np.abs(z) > 1e-3]  # relu has a kink at 0
    analytic = network.activation_grad(name, network.activation(name, z))
    numeric = np.array(
        [numerical(lambda v, i=i: network.activation(name, v)[i], z)[i] for i in range(z.size)]
    )
    np.testing.assert_allclose(analytic, numeric, atol=1e-7)


@fd_settings
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_dense_backward_matches_finite_differences(batch, d_in, d_out, seed):
    rng = np.random.default_rng(seed)
    h, W, b = rng.normal(size=(batch, d_in)), rng.normal(size=(d_in, d_out)), rng.normal(size=d_out)
    upstream = rng.normal(size=(batch, d_out))  # L = Σ upstream ⊙ z, so ∂L/∂z = upstream

    def loss(h_, W_, b_):
        return float((upstream * network.dense_forward(h_, W_, b_)).sum())

    grad_W, grad_b = network.dense_param_grads(h, upstream)
    grad_h = network.dense_input_grad(W, upstream)
    np.testing.assert_allclose(grad_W, numerical(lambda w: loss(h, w, b), W), atol=1e-7)
    np.testing.assert_allclose(grad_b, numerical(lambda v: loss(h, W, v), b), atol=1e-7)
    np.testing.assert_allclose(grad_h, numerical(lambda v: loss(v, W, b), h), atol=1e-7)


@fd_settings
@given(st.integers(1, 4), st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_heads_match_finite_differences(batch, k, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 3, size=(batch, k))
    y = g.softmax(rng.normal(size=(batch, k)))  # soft targets too
    np.testing.assert_allclose(
        network.softmax_cross_entropy_grad(z, y),
        numerical(lambda v: network.softmax_cross_entropy(v, y), z),
        atol=1e-7,
    )
    np.testing.assert_allclose(
        network.mse_grad(z, y), numerical(lambda v: network.mse(v, y), z), atol=1e-7
    )


def test_heads_equal_their_textbook_values():
    z = np.array([[0.0, np.log(3.0)]])
    # softmax = [1/4, 3/4]; target class 1 → −log(3/4)
    assert network.softmax_cross_entropy(z, np.array([[0.0, 1.0]])) == pytest.approx(-np.log(0.75))
    # mean over 2 examples × 2 outputs of squared errors 1, 0, 4, 1
    assert network.mse(np.array([[1.0, 0.0], [2.0, 1.0]]), np.zeros((2, 2)) + [0, 0]) == 1.5


@fd_settings
@given(network_case())
def test_network_gradients_match_finite_differences(case):
    net, x, y = case
    _, grads = net.loss_and_grads(x, y)
    for name, param in net.params.items():

        def loss(value, name=name):
            params = dict(net.params, **{name: value})
            return Network(params, net.activations, net.head).loss(x, y)

        np.testing.assert_allclose(grads[name], numerical(loss, param), atol=2e-6, err_msg=name)


@fd_settings
@given(network_case())
def test_explicit_jacobian_chain_equals_shortcut(case):
    net, x, y = case
    _, shortcut = net.loss_and_grads(x, y)
    chain = backward_chain(net, x, y)
    for name in net.params:
        np.testing.assert_allclose(chain[name], shortcut[name], rtol=1e-10, atol=1e-12)


def test_two_layer_gradients_computed_by_hand():
    # x = [1, 2]; z1 = x W0 + b0 = [1 + 1, −1 + 2 + 0.5] = [2, 1.5], relu keeps both;
    # out = 2·1 + 1.5·(−2) + 0.5 = −0.5; target 0.5; L = (−1)² = 1; ∂L/∂out = −2.
    params = {
        "W0": np.array([[1.0, -1.0], [0.5, 1.0]]),
        "b0": np.array([0.0, 0.5]),
        "W1": np.array([[1.0], [-2.0]]),
        "b1": np.array([0.5]),
    }
    net = Network(params, ("relu", "identity"), "mse")
    loss, grads = net.loss_and_grads(np.array([[1.0, 2.0]]), np.array([[0.5]]))
    assert loss == 1.0
    np.testing.assert_allclose(grads["W1"], [[-4.0], [-3.0]])  # h · (−2)
    np.testing.assert_allclose(grads["b1"], [-2.0])
    # δ1 = −2 · W1ᵀ = [−2, 4] (relu' = 1 on both); ∂L/∂W0 = outer(x, δ1)
    np.testing.assert_allclose(grads["W0"], [[-2.0, 4.0], [-4.0, 8.0]])
    np.testing.assert_allclose(grads["b0"], [-2.0, 4.0])


def test_softmax_head_shortcut_on_worked_example():
    # One layer, no bias, is the worked softmax layer: ∂XE/∂W = outer(x, S − y) (REFERENCE §2).
    from gradients.worked_example import W, X

    net = Network({"W0": W.copy(), "b0": np.zeros(5)}, ("identity",), "softmax_cross_entropy")
    y = g.one_hot([2], 5)
    _, grads = net.loss_and_grads(X[None], y)
    s = np.array([0.19091352, 0.20353145, 0.21698333, 0.23132428, 0.15724743])
    np.testing.assert_allclose(grads["W0"], np.outer(X, s - y[0]), atol=1e-8)


# --- initialisation, replicas, dtypes ---------------------------------------------------


def test_he_and_xavier_initialisation_scales():
    rng = np.random.default_rng(0)
    params = init_params([400, 300, 200], ["relu", "tanh"], rng)
    assert params["W0"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    limit = np.sqrt(6 / 500)
    assert np.abs(params["W1"]).max() <= limit
    assert params["W1"].std() == pytest.approx(limit / np.sqrt(3), rel=0.02)  # U(−a, a)
    assert not params["b0"].any() and not params["b1"].any()


def test_same_seed_same_weights():
    a = init_params([3, 4, 2], ["relu", "identity"], np.random.default_rng(7))
    b = init_params([3, 4, 2], ["relu", "identity"], np.random.default_rng(7))
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])


def test_stacked_replicas_train_like_separate_networks():
    x, y = data.xor()
    nets = [
        Network.create([2, 2, 1], ["sigmoid", "sigmoid"], "mse", np.random.default_rng(s))
        for s in range(3)
    ]
    stacked = Network(stack_params([n.params for n in nets]), nets[0].activations, "mse")
    for net in [*nets, stacked]:
        fit(net, SGD(0.5, momentum=0.9), x, y, epochs=50, batch_size=4, rng=None, progress=False)
    for r, net in enumerate(nets):
        for name in net.params:
            np.testing.assert_allclose(stacked.params[name][r], net.params[name], rtol=1e-10)


def test_float32_stays_float32():
    net = Network.create(
        [4, 3, 2],
        ["tanh", "identity"],
        "softmax_cross_entropy",
        np.random.default_rng(0),
        "float32",
    )
    x = np.ones((5, 4), dtype=np.float32)
    y = g.one_hot(np.zeros(5, dtype=int), 2).astype(np.float32)
    _, grads = net.loss_and_grads(x, y)
    Adam(0.01).step(net.params, grads)
    assert all(p.dtype == np.float32 for p in net.params.values())
    assert all(v.dtype == np.float32 for v in grads.values())


# --- optimisers -------------------------------------------------------------------------


def test_sgd_plain_and_momentum_by_hand():
    params = {"w": np.array([1.0])}
    SGD(0.1).step(params, {"w": np.array([2.0])})
    assert params["w"][0] == pytest.approx(0.8)
    sgd, params = SGD(0.1, momentum=0.5), {"w": np.array([1.0])}
    sgd.step(params, {"w": np.array([2.0])})  # v = −0.2, w = 0.8
    sgd.step(params, {"w": np.array([2.0])})  # v = 0.5·(−0.2) − 0.2 = −0.3, w = 0.5
    assert params["w"][0] == pytest.approx(0.5)


def test_adam_matches_algorithm_1_written_with_scalars():
    rng = np.random.default_rng(3)
    gradients = rng.normal(size=(5, 3))
    adam, params = Adam(learning_rate=0.05), {"w": np.zeros(3)}
    for grad in gradients:
        adam.step(params, {"w": grad})
    for i in range(3):
        theta, m, v = 0.0, 0.0, 0.0
        for t, grad in enumerate(gradients[:, i], start=1):
            m = 0.9 * m + 0.1 * grad
            v = 0.999 * v + 0.001 * grad * grad
            theta -= 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        assert params["w"][i] == pytest.approx(theta, rel=1e-12)


@pytest.mark.parametrize(
    "make",
    [lambda: SGD(-0.1), lambda: SGD(0.1, momentum=1.0), lambda: Adam(0.0), lambda: Adam(beta1=1.0)],
)
def test_optimiser_bad_settings(make):
    with pytest.raises(ValueError, match="must be"):
        make()


# --- data -------------------------------------------------------------------------------


def write_idx(path, array, compress=False):
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)


def write_mnist(folder, rng, n_train=40, n_test=20, compress=False):
    labels = {"train": rng.integers(10, size=n_train), "test": rng.integers(10, size=n_test)}
    images = {}
    for part, y in labels.items():
        base = rng.integers(0, 40, size=(len(y), 28, 28))
        base[np.arange(len(y)), 2 * y + 3, :] = 255  # a class-dependent bright row
        images[part] = base
    suffix = ".gz" if compress else ""
    write_idx(folder / f"train-images-idx3-ubyte{suffix}", images["train"], compress)
    write_idx(folder / f"train-labels-idx1-ubyte{suffix}", labels["train"], compress)
    write_idx(folder / f"t10k-images-idx3-ubyte{suffix}", images["test"], compress)
    write_idx(folder / f"t10k-labels-idx1-ubyte{suffix}", labels["test"], compress)
    return images, labels


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_and_load_mnist_on_files_written_here(tmp_path, compress):
    images, labels = write_mnist(tmp_path, np.random.default_rng(0), compress=compress)
    suffix = ".gz" if compress else ""
    np.testing.assert_array_equal(
        data.read_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}"), images["test"]
    )
    split = data.load_mnist(tmp_path)
    assert split.x_train.shape == (40, 784) and split.x_test.shape == (20, 784)
    np.testing.assert_allclose(split.x_train, images["train"].reshape(40, 784) / 255)
    np.testing.assert_array_equal(split.y_test, labels["test"])


def test_load_mnist_names_the_missing_file(tmp_path):
    write_mnist(tmp_path, np.random.default_rng(0))
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        data.load_mnist(tmp_path)


@pytest.mark.parametrize(
    "raw", [b"\x00\x00\x08", b"\x12\x34\x08\x01\0\0\0\x01\x00", b"\0\0\x08\x01\0\0\0\x03\x01"]
)
def test_read_idx_rejects_malformed_files(tmp_path, raw):
    path = tmp_path / "bad"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match="IDX|promises"):
        data.read_idx(path)


def test_stratified_split_keeps_class_shares():
    labels = np.repeat(np.arange(3), [10, 20, 30])
    train, test = data.stratified_split(labels, 0.2, np.random.default_rng(0))
    assert np.bincount(labels[test]).tolist() == [2, 4, 6]
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(60))


def test_reverse_binary_set_matches_the_post():
    split = data.reverse_binary()
    as_text = ["".join(str(int(b)) for b in row) for row in split.x_train]
    assert as_text == ["0000", "0001", "0010", "0101", "0110", "0111"]
    targets = ["".join(str(int(b)) for b in row) for row in split.y_train]
    assert targets == ["0000", "1000", "0100", "1010", "0110", "1110"]
    assert ["".join(str(int(b)) for b in row) for row in split.x_test] == [
        "1000",
        "1001",
        "1010",
        "1101",
        "1110",
        "1111",
    ]
    assert np.all(split.y_test[:, -1] == 1)  # every correct held-out answer ends in 1


# --- the experiments --------------------------------------------------------------------


def test_digits_above_95_percent_with_a_short_schedule():
    result = run("digits", dataclasses.replace(DEFAULTS["digits"], epochs=8), progress=False)
    assert result["test_accuracy"] > 0.95
    assert result["n_train"] + result["n_test"] == 1797
    assert np.sum(result["confusion"]) == result["n_test"]
    assert np.trace(result["confusion"]) / result["n_test"] == result["test_accuracy"]


def test_same_seed_same_result():
    short = dataclasses.replace(DEFAULTS["digits"], epochs=2)
    a, b = (run("digits", short, progress=False) for _ in range(2))
    assert a["history"] == b["history"] and a["confusion"] == b["confusion"]


def test_reverse_binary_fits_training_set_and_fails_held_out():
    result = run("reverse-binary", DEFAULTS["reverse-binary"], progress=False)
    assert result["train_accuracy"] == 1.0
    assert result["heldout_accuracy"] == 0.0
    heldout = np.round(result["heldout_outputs"])
    assert np.all(heldout[:, -1] == 0)  # the last output never learned a 1
    twins = np.round(result["outputs"])
    share = np.mean([np.array_equal(h, t) for h, t in zip(heldout, twins, strict=True)])
    assert result["heldout_equals_twin"] == share
    assert result["generalisation_gap"] == 1.0


def test_xor_converges_with_a_large_step_and_some_seeds_get_stuck():
    fast = dataclasses.replace(DEFAULTS["xor"], learning_rate=2.0, epochs=3000, restarts=20)
    result = run("xor", fast, progress=False)
    outputs = np.array(result["outputs"])[:, 0]
    assert result["converged"] and result["test_accuracy"] == 1.0
    assert np.all(np.abs(outputs - [0, 1, 1, 0]) <= 0.1)
    assert 0 < result["n_converged"] < 20  # a 2–2–1 net has local minima
    assert result["failure_rate"] == 1 - result["n_converged"] / 20


def test_mnist_end_to_end_on_synthetic_files(tmp_path):
    write_mnist(tmp_path, np.random.default_rng(1), n_train=200, n_test=50, compress=True)
    small = dataclasses.replace(DEFAULTS["mnist"], epochs=20, hidden=32, data_dir=str(tmp_path))
    result = run("mnist", small, progress=False)
    assert result["n_train"] == 200 and result["test_accuracy"] > 0.9


@pytest.mark.parametrize(
    "bad",
    [
        {"hidden": 0},
        {"learning_rate": -0.1},
        {"epochs": 0},
        {"optimizer": "rmsprop"},
        {"dtype": "float16"},
    ],
)
def test_bad_settings_one_clear_error(bad):
    with pytest.raises(ValueError, match="must be"):
        dataclasses.replace(DEFAULTS["digits"], **bad)


def test_nan_in_the_data_is_rejected():
    net = Network.create([2, 1], ["sigmoid"], "mse", np.random.default_rng(0))
    x = np.array([[0.0, np.nan]])
    with pytest.raises(ValueError, match="x must be finite"):
        fit(net, SGD(0.1), x, np.zeros((1, 1)), epochs=1, batch_size=1, rng=None)


def test_network_rejects_softmax_head_on_a_squashed_output():
    with pytest.raises(ValueError, match="identity"):
        Network.create([2, 3], ["sigmoid"], "softmax_cross_entropy", np.random.default_rng(0))


# --- the command line -------------------------------------------------------------------


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "gradients", *args], capture_output=True, text=True, check=False
    )


def test_cli_json_has_the_promised_keys():
    done = cli("train", "reverse-binary", "--epochs", "50", "--json", "--no-progress")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for key in (
        "dataset",
        "n_train",
        "n_test",
        "epochs",
        "train_accuracy",
        "test_accuracy",
        "seconds",
        "outputs",
        "heldout_accuracy",
        "heldout_equals_twin",
    ):
        assert key in result
    assert result["epochs"] == 50


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "cifar"], "invalid choice"),
        (["train", "mnist", "--data", "/nonexistent-dir"], "no such directory"),
        (["train", "digits", "--hidden", "0"], "hidden must be"),
        (["train", "digits", "--lr", "-1"], "learning rate must be"),
    ],
)
def test_cli_bad_input_exits_2_with_one_error_line(args, message):
    done = cli(*args)
    assert done.returncode == 2
    assert message in done.stderr and "error:" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_missing_mnist_file_is_named(tmp_path):
    write_mnist(tmp_path, np.random.default_rng(0))
    (tmp_path / "train-images-idx3-ubyte").unlink()
    done = cli("train", "mnist", "--data", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: MNIST file train-images-idx3-ubyte (or train-images-idx3-ubyte.gz) "
        f"not found in {tmp_path}"
    )


def test_settings_reject_bad_restarts():
    with pytest.raises(ValueError, match="restarts"):
        Settings(epochs=1, batch_size=1, learning_rate=0.1, hidden=1, optimizer="sgd", restarts=0)
