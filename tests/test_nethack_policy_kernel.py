"""The compiled rollout policy step against nethack_agent.policy, and its fallback."""

import logging

import numpy as np
import pytest

import nethack_agent.policy_kernel as policy_kernel
from nethack_agent.actions import N_ACTIONS
from nethack_agent.features import N_DIRECTION_FEATURES, N_STATE_FEATURES
from nethack_agent.policy import (
    MLP_PARAM_NAMES,
    action_probabilities,
    init_mlp_params,
    sample_actions,
)
from nethack_agent.policy_kernel import KernelCheck, sample_policy

BOUNDARIES = [0.0, 0.2, 0.25, 0.5, 1.0]  # the masks compare with 0, 0.2, 0.5 and 1


def random_case(rng, n, hidden=0):
    params = {
        "W": rng.normal(0, 2, (N_STATE_FEATURES, N_ACTIONS)),
        "theta_move": rng.normal(0, 2, N_DIRECTION_FEATURES),
        "theta_kick": rng.normal(0, 2, N_DIRECTION_FEATURES),
        "v": np.zeros(N_STATE_FEATURES),
    }
    if hidden:  # the MLP policy: every weight of its direction network drawn, none left at 0
        network = init_mlp_params(N_STATE_FEATURES, N_DIRECTION_FEATURES, hidden, rng)
        params |= {name: rng.normal(0, 0.5, network[name].shape) for name in MLP_PARAM_NAMES}
    # Indicators at 0 and 1 and fractions: every masking rule is met both ways.
    psi = rng.choice(BOUNDARIES, (n, N_STATE_FEATURES))
    phi = rng.choice(BOUNDARIES, (n, 8, N_DIRECTION_FEATURES))
    return params, psi, phi


@pytest.mark.parametrize("hidden", [0, 1, 16])
def test_kernel_probabilities_and_samples_equal_the_numpy_policy(hidden):
    rng = np.random.default_rng(3)
    params, psi, phi = random_case(rng, 4000, hidden)
    uniforms = rng.random(4000)
    actions, probabilities = sample_policy(params, psi, phi, uniforms)
    reference = action_probabilities(params, psi, phi)
    np.testing.assert_allclose(probabilities, reference, rtol=0, atol=1e-12)
    assert (reference < 1e-9).any()  # masked actions were among them
    np.testing.assert_array_equal(actions, sample_actions(reference, uniforms))
    # u at the edges: the first action with positive mass, and never past the last action.
    first, _ = sample_policy(params, psi[:5], phi[:5], np.zeros(5))
    np.testing.assert_array_equal(first, (reference[:5] > 0).argmax(axis=1))
    last, _ = sample_policy(params, psi[:5], phi[:5], np.full(5, np.nextafter(1.0, 0.0)))
    assert (last <= N_ACTIONS - 1).all()


def test_check_falls_back_when_the_policy_changes(monkeypatch, caplog):
    rng = np.random.default_rng(4)
    params, psi, phi = random_case(rng, 8)
    check = KernelCheck()
    assert check.usable and check.agrees(params, psi, phi)

    def changed_policy(params, psi, phi):  # e.g. a new masking rule
        probabilities = action_probabilities(params, psi, phi)
        probabilities[np.arange(len(probabilities)), probabilities.argmax(axis=-1)] = 0.0
        return probabilities / probabilities.sum(axis=-1, keepdims=True)

    monkeypatch.setattr(policy_kernel, "action_probabilities", changed_policy)
    with caplog.at_level(logging.WARNING):
        assert not KernelCheck().usable
        assert not check.agrees(params, psi, phi) and not check.usable
    assert "disagrees" in caplog.text


@pytest.mark.parametrize(
    ("env_id", "hidden"),
    [("NetHackScore-v0", 0), ("NetHackChallenge-v0", 0), ("NetHackScore-v0", 8)],
)
def test_rollouts_with_and_without_the_kernel_are_the_same(env_id, hidden):
    # with the kernel, steps after the first compute features and policy in one compiled call
    # (envs._observe_and_sample) and write them into the batch; without, numpy's policy
    from nethack_agent.envs import GameRunner

    params, _, _ = random_case(np.random.default_rng(5), 1, hidden)
    params = {name: p / 4 for name, p in params.items()}
    # then the same weights as float32: the compiled step's entry for float64 arrays must not
    # be reused for them (it would read their memory as float64)
    single = {name: p.astype(np.float32) for name, p in params.items()}
    batches = []
    for usable in (True, False):
        runner = GameRunner(env_id, 3, seed=2, max_episode_steps=100)
        runner._kernel.usable = usable
        batches.append([runner.rollout(weights, 150) for weights in (params, single)])
        runner.close()
    for (a, games_a, _), (b, games_b, _) in zip(*batches, strict=True):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
        assert games_a == games_b and games_a


def test_kernel_rejects_parameters_of_another_shape():
    params, psi, phi = random_case(np.random.default_rng(6), 3)
    with pytest.raises(ValueError, match="do not fit"):
        sample_policy({**params, "W": params["W"][:-1]}, psi, phi, np.zeros(3))
    with pytest.raises(ValueError, match="do not fit"):
        sample_policy(params, psi, phi[:, :, :-1], np.zeros(3))
    mlp, _, _ = random_case(np.random.default_rng(6), 3, hidden=4)
    with pytest.raises(ValueError, match="do not fit"):  # a network for fewer state features
        sample_policy({**mlp, "mlp/W0": mlp["mlp/W0"][:-1]}, psi, phi, np.zeros(3))
    with pytest.raises(ValueError, match="do not fit"):
        sample_policy({**mlp, "mlp/W1": mlp["mlp/W1"][:, :1]}, psi, phi, np.zeros(3))


def test_rollouts_check_the_kernel_on_the_first_and_every_check_every_th(monkeypatch):
    from nethack_agent.envs import GameRunner

    checked = []
    runner = GameRunner("NetHackScore-v0", 1, seed=1, max_episode_steps=100)
    agrees = runner._kernel.agrees
    monkeypatch.setattr(runner._kernel, "agrees", lambda *a: checked.append(1) or agrees(*a))
    params, _, _ = random_case(np.random.default_rng(7), 1)
    for _ in range(policy_kernel.CHECK_EVERY + 1):
        runner.rollout(params, 2)
    runner.close()
    assert len(checked) == 2  # the first rollout and the (CHECK_EVERY + 1)-th
