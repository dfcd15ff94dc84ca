"""The MLP policy: its gradient through the agent's own loss against finite differences, its
start (the uniform policy, like the linear one), checkpoints that record it, a tiny run."""

import json

import numpy as np
import pytest

from gradients import numerical_gradient
from nethack_agent.actions import KICK, MOVE
from nethack_agent.checkpoint import CheckpointError, load_checkpoint
from nethack_agent.config import TrainConfig
from nethack_agent.evaluate import evaluate
from nethack_agent.features import N_DIRECTION_FEATURES, N_STATE_FEATURES, STATE_FEATURES
from nethack_agent.learning import Adam, a2c_update, policy_gradient_estimate
from nethack_agent.policy import (
    MLP_PARAM_NAMES,
    PARAM_NAMES,
    action_mask,
    init_mlp_params,
    init_params,
    policy_logits,
    policy_loss,
    policy_loss_grad,
)
from nethack_agent.train import train

DS, DD, B, H = N_STATE_FEATURES, N_DIRECTION_FEATURES, 5, 6


def random_problem(seed):
    rng = np.random.default_rng(seed)
    params = init_mlp_params(DS, DD, H, rng)
    for name in params:  # every weight away from 0, so the output layer passes gradients down
        params[name] = params[name] + rng.normal(scale=0.3, size=params[name].shape)
    psi = rng.normal(size=(B, DS))
    psi[:, STATE_FEATURES.index("in_mines")] = rng.integers(0, 2, size=B)
    phi = rng.normal(size=(B, 8, DD))
    offered = action_mask(psi, phi) == 0  # the actions taken are among those offered
    actions = np.array([rng.choice(np.flatnonzero(row)) for row in offered])
    return params, psi, phi, actions, rng.normal(size=B)


@pytest.mark.parametrize("entropy_coef", [0.0, 0.2])
def test_mlp_policy_gradient_matches_finite_differences_of_the_agents_loss(entropy_coef):
    params, psi, phi, actions, advantages = random_problem(4)
    grads, _ = policy_loss_grad(params, psi, phi, actions, advantages, entropy_coef)
    assert set(grads) == set(PARAM_NAMES + MLP_PARAM_NAMES) - {"v"}
    for name in grads:

        def loss_of(value, name=name):
            return policy_loss({**params, name: value}, psi, phi, actions, advantages, entropy_coef)

        numeric = numerical_gradient(loss_of, params[name])
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def test_mlp_logits_written_out_per_direction():
    params, psi, phi, _, _ = random_problem(5)
    z = policy_logits(params, psi, phi)
    linear = policy_logits({k: params[k] for k in PARAM_NAMES}, psi, phi)
    for b in range(B):
        for d in range(8):
            x = np.concatenate([phi[b, d], psi[b]])
            hidden = np.maximum(x @ params["mlp/W0"] + params["mlp/b0"], 0.0)
            g = hidden @ params["mlp/W1"] + params["mlp/b1"]
            assert z[b, MOVE + d] == pytest.approx(linear[b, MOVE + d] + g[0])
            assert z[b, KICK + d] == pytest.approx(linear[b, KICK + d] + g[1])


def test_mlp_policy_starts_uniform_like_the_linear_one():
    rng = np.random.default_rng(0)
    params = init_mlp_params(DS, DD, 64, rng)
    psi, phi = rng.normal(size=(3, DS)), rng.normal(size=(3, 8, DD))
    np.testing.assert_array_equal(policy_logits(params, psi, phi), action_mask(psi, phi))
    np.testing.assert_array_equal(
        policy_logits(init_params(DS, DD), psi, phi), action_mask(psi, phi)
    )
    assert params["mlp/W0"].shape == (DD + DS, 64) and np.abs(params["mlp/W0"]).sum() > 0


def random_rollout(rng, T=4, N=3):
    """A rollout of T steps in N games with random features, moves and rewards."""
    return {
        "psi": rng.normal(size=(T, N, DS)),
        "phi": rng.normal(size=(T, N, 8, DD)),
        "actions": rng.integers(MOVE, MOVE + 8, size=(T, N)),
        "rewards": rng.normal(size=(T, N)),
        "terminated": np.zeros((T, N), bool),
        "truncated": np.zeros((T, N), bool),
        "last_psi": rng.normal(size=(N, DS)),
    }


SETTINGS = dict(
    gamma=0.99,
    gae_lambda=0.95,
    entropy_coef=0.01,
    value_coef=0.5,
    max_grad_norm=1.0,
    reward_scale=1.0,
)


def test_a2c_updates_every_mlp_weight_after_the_first_step():
    rng = np.random.default_rng(1)
    params = init_mlp_params(DS, DD, H, rng)
    batch = random_rollout(rng)
    settings = SETTINGS
    before = {k: v.copy() for k, v in params.items()}
    optimiser = Adam(learning_rate=0.01)
    a2c_update(params, optimiser, batch, **settings)
    a2c_update(params, optimiser, batch, **settings)
    for name in MLP_PARAM_NAMES:
        assert not np.array_equal(params[name], before[name]), name


def test_config_validates_policy_and_reads_old_json():
    with pytest.raises(ValueError, match="policy must be"):
        TrainConfig(policy="cnn")
    with pytest.raises(ValueError, match="hidden must be"):
        TrainConfig(policy="mlp", hidden=0)
    old = json.loads(TrainConfig().to_json())
    del old["policy"], old["hidden"]
    assert TrainConfig.from_json(json.dumps(old)).policy == "linear"


def test_tiny_mlp_run_records_its_kind_and_evaluate_reads_it(tmp_path):
    config = TrainConfig(
        n_workers=0,
        envs_per_worker=2,
        rollout_length=16,
        max_episode_steps=100,
        policy="mlp",
        hidden=8,
    )
    train(config, tmp_path, total_steps=96, progress=False)
    state = load_checkpoint(tmp_path)
    assert state.config.policy == "mlp" and state.config.hidden == 8
    assert state.params["mlp/W0"].shape == (DD + DS, 8)
    assert np.abs(state.params["mlp/W1"]).sum() > 0  # it learned
    result, games = evaluate(tmp_path, episodes=2, n_workers=0)
    assert result["policy_kind"] == "mlp" and len(games["agent"]) == 2


def test_checkpoint_without_the_mlp_weights_is_refused(tmp_path):
    config = TrainConfig(
        n_workers=0, envs_per_worker=2, rollout_length=8, max_episode_steps=50, policy="mlp"
    )
    train(config, tmp_path, total_steps=16, progress=False)
    path = tmp_path / "checkpoint.npz"
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files if k != "params/mlp/W1"}
    np.savez(path, **arrays)
    with pytest.raises(CheckpointError, match="mlp/W1"):
        load_checkpoint(tmp_path)


class RecordingOptimiser:
    """Takes the place of Adam: keeps the gradients it is handed, moves nothing."""

    def step(self, params, grads):
        self.grads = grads


def test_policy_gradient_estimate_holds_every_mlp_weight_a2c_update_hands_on():
    rng = np.random.default_rng(2)
    params = init_mlp_params(DS, DD, H, rng)
    batch = random_rollout(rng)
    recorder = RecordingOptimiser()
    a2c_update(dict(params), recorder, batch, **{**SETTINGS, "max_grad_norm": 1e12})
    names = [name for name in params if name != "v"]
    assert set(MLP_PARAM_NAMES) <= set(names)
    estimate = policy_gradient_estimate(
        params,
        batch,
        **{k: SETTINGS[k] for k in ("gamma", "gae_lambda", "entropy_coef")},
        reward_scale=SETTINGS["reward_scale"],
    )
    handed_on = np.concatenate([recorder.grads[name].ravel() for name in names])
    np.testing.assert_allclose(estimate, handed_on, rtol=1e-12, atol=1e-15)
