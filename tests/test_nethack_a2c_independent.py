"""One A2C update on hand-made batches: the direction of every step, and the exact gradients.

The references are written here from the definitions (Mnih et al. 2016; Schulman et al. 2016,
eq. 16): GAE as a loop over the steps, the normalised advantages, the actor's loss
``−mean(Â log π(a|s) + β H(π))`` and the critic's ``value_coef · ½ mean (V(s) − G)²`` with the
targets G held fixed; gradients by central finite differences of those losses.
"""

import numpy as np
import pytest

from gradients import log_softmax, numerical_gradient, softmax
from nethack_agent.actions import MOVE
from nethack_agent.features import (
    DIRECTION_FEATURES,
    N_DIRECTION_FEATURES,
    N_STATE_FEATURES,
    STATE_FEATURES,
)
from nethack_agent.learning import (
    Adam,
    a2c_update,
    clip_by_global_norm,
    gae,
    policy_gradient_estimate,
    shaped_rewards,
)
from nethack_agent.policy import init_mlp_params, init_params, policy_logits, sample_actions, value

DS, DD = N_STATE_FEATURES, N_DIRECTION_FEATURES
SETTINGS = {
    "gamma": 0.9,
    "gae_lambda": 0.8,
    "entropy_coef": 0.0,
    "value_coef": 0.5,
    "max_grad_norm": 1e9,  # no clipping: the raw gradient is compared
    "reward_scale": 1.0,
}


class RecordingOptimiser:
    """Takes the place of Adam: keeps the gradients it is handed, moves nothing."""

    def step(self, params, grads):
        self.grads = {name: np.array(grad) for name, grad in grads.items()}


def two_game_batch(reward_0, reward_1):
    """T = 1, N = 2: game 0 plays move-north in state e_0, game 1 move-east in state e_1.

    Both games end after their one step, so each return is its reward.
    """
    psi = np.zeros((1, 2, DS))
    psi[0, 0, 0] = psi[0, 1, 1] = 1.0
    return {
        "psi": psi,
        "phi": np.zeros((1, 2, 8, DD)),
        "actions": np.array([[MOVE + 0, MOVE + 1]]),
        "rewards": np.array([[reward_0, reward_1]]),
        "terminated": np.ones((1, 2), dtype=bool),
        "truncated": np.zeros((1, 2), dtype=bool),
        "last_psi": np.zeros((2, DS)),
    }


def log_pi(params, batch, t, n):
    z = policy_logits(params, batch["psi"][t, n], batch["phi"][t, n])
    return log_softmax(z)[batch["actions"][t, n]]


def test_one_update_follows_the_sign_of_the_advantage_and_moves_values_to_the_returns():
    batch = two_game_batch(1.0, -1.0)  # advantages +1 and −1 after normalisation
    params = init_params(DS, DD)
    before = {(0, n): log_pi(params, batch, 0, n) for n in (0, 1)}
    a2c_update(params, Adam(learning_rate=0.01), batch, **SETTINGS)
    assert log_pi(params, batch, 0, 0) > before[0, 0] + 1e-3  # positive advantage: more likely
    assert log_pi(params, batch, 0, 1) < before[0, 1] - 1e-3  # negative advantage: less likely
    v = value(params, batch["psi"][0])
    assert v[0] > 1e-3 and v[1] < -1e-3  # from 0 toward the returns +1 and −1


def test_swapping_the_rewards_swaps_the_direction():
    batch = two_game_batch(-2.0, 3.0)
    params = init_params(DS, DD)
    before = [log_pi(params, batch, 0, n) for n in (0, 1)]
    a2c_update(params, Adam(learning_rate=0.01), batch, **SETTINGS)
    assert log_pi(params, batch, 0, 0) < before[0] and log_pi(params, batch, 0, 1) > before[1]
    v = value(params, batch["psi"][0])
    assert v[0] < 0 < v[1]


def gae_reference(rewards, values, last_values, terminated, gamma, lam):
    """λ-returns by the recursion A_t = δ_t + γλ A_{t+1}, one game and one step at a time."""
    steps, games = rewards.shape
    advantages = np.zeros((steps, games))
    for n in range(games):
        following = 0.0
        for t in reversed(range(steps)):
            if terminated[t, n]:
                next_value, following = 0.0, 0.0
            else:
                next_value = values[t + 1, n] if t + 1 < steps else last_values[n]
            delta = rewards[t, n] + gamma * next_value - values[t, n]
            following = delta + gamma * lam * following
            advantages[t, n] = following
    return advantages, advantages + values


def random_batch(seed, steps=4, games=3):
    rng = np.random.default_rng(seed)
    terminated = np.zeros((steps, games), dtype=bool)
    terminated[1, 0] = terminated[3, 2] = True
    phi = rng.normal(size=(steps, games, 8, DD))
    # no wall, no door diagonal, no passive monster: the moves taken are offered (a masked one
    # is never taken; a move into a wall or through a doorway diagonally has π = 0)
    phi[..., DIRECTION_FEATURES.index("kind_wall")] = 0.0
    phi[..., DIRECTION_FEATURES.index("door_diagonal")] = 0.0
    phi[..., DIRECTION_FEATURES.index("passive_monster")] = 0.0
    psi = rng.normal(size=(steps, games, DS))
    # outside the Mines: a kick toward a locked door (where that feature is > 0) is offered,
    # so θ_kick has a gradient (elsewhere a kick's π is 0)
    psi[..., STATE_FEATURES.index("in_mines")] = 0.0
    return {
        "psi": psi,
        "phi": phi,
        "actions": rng.integers(MOVE, MOVE + 8, size=(steps, games)),
        "rewards": rng.normal(size=(steps, games)),
        "terminated": terminated,
        "truncated": np.zeros((steps, games), dtype=bool),
        "last_psi": rng.normal(size=(games, DS)),
    }


def normalised_advantages(batch, params, settings):
    """The reference's normalised advantages and λ-returns of a batch under ``params``."""
    advantages, returns = gae_reference(
        batch["rewards"] * settings["reward_scale"],
        batch["psi"] @ params["v"],
        batch["last_psi"] @ params["v"],
        batch["terminated"],
        settings["gamma"],
        settings["gae_lambda"],
    )
    return (advantages - advantages.mean()) / advantages.std(), returns


def recorded_update(batch_seed, params_seed, **overrides):
    """A random batch, small random weights, and what ``a2c_update`` hands the optimiser."""
    batch = random_batch(batch_seed)
    rng = np.random.default_rng(params_seed)
    params = {name: 0.1 * rng.normal(size=p.shape) for name, p in init_params(DS, DD).items()}
    settings = {**SETTINGS, **overrides}
    recorder = RecordingOptimiser()
    a2c_update({k: p.copy() for k, p in params.items()}, recorder, batch, **settings)
    return batch, params, settings, recorder


def test_gradients_handed_to_the_optimiser_equal_finite_differences_of_the_losses():
    batch, params, settings, recorder = recorded_update(0, 1, entropy_coef=0.03, reward_scale=0.5)

    psi, phi, actions = batch["psi"], batch["phi"], batch["actions"]
    normalised, returns = normalised_advantages(batch, params, settings)

    def actor_loss(candidate):
        z = policy_logits(candidate, psi, phi)
        log_p = log_softmax(z)
        chosen = np.take_along_axis(log_p, actions[..., None], axis=-1)[..., 0]
        entropy = -(softmax(z) * log_p).sum(axis=-1)
        return -np.mean(normalised * chosen + settings["entropy_coef"] * entropy)

    def critic_loss(v):
        return settings["value_coef"] * 0.5 * np.mean((psi @ v - returns) ** 2)

    for name in ("W", "theta_move", "theta_kick"):

        def loss_of(array, name=name):
            return actor_loss({**params, name: array})

        numeric = numerical_gradient(loss_of, params[name])
        np.testing.assert_allclose(recorder.grads[name], numeric, rtol=1e-5, atol=1e-8)
    numeric_v = numerical_gradient(critic_loss, params["v"])
    np.testing.assert_allclose(recorder.grads["v"], numeric_v, rtol=1e-6, atol=1e-9)


def test_update_stats_and_clipping_against_the_reference():
    batch = random_batch(2)
    rng = np.random.default_rng(3)
    params = {name: 0.1 * rng.normal(size=p.shape) for name, p in init_params(DS, DD).items()}
    settings = {**SETTINGS, "entropy_coef": 0.01}
    unclipped, clipped = RecordingOptimiser(), RecordingOptimiser()
    stats = a2c_update({k: p.copy() for k, p in params.items()}, unclipped, batch, **settings)
    norm = np.sqrt(sum(float(np.sum(g**2)) for g in unclipped.grads.values()))
    assert stats.grad_norm == pytest.approx(norm, rel=1e-12)
    # the critic's error against the λ-returns, and the policy's mean entropy over the batch
    values = batch["psi"] @ params["v"]
    _, returns = gae_reference(
        batch["rewards"], values, batch["last_psi"] @ params["v"], batch["terminated"], 0.9, 0.8
    )
    assert stats.value_loss == pytest.approx(np.mean((values - returns) ** 2), rel=1e-12)
    z = policy_logits(params, batch["psi"], batch["phi"])
    entropy = -(softmax(z) * log_softmax(z)).sum(axis=-1).mean()
    assert stats.entropy == pytest.approx(entropy, rel=1e-12)
    # a norm cap of a tenth of the norm scales every gradient by exactly a tenth
    capped = {**settings, "max_grad_norm": norm / 10}
    again = a2c_update({k: p.copy() for k, p in params.items()}, clipped, batch, **capped)
    assert again.grad_norm == pytest.approx(norm, rel=1e-12)
    for name, grad in unclipped.grads.items():
        np.testing.assert_allclose(clipped.grads[name], grad / 10, rtol=1e-10, atol=1e-15)


def test_adam_takes_the_first_step_against_each_gradient_sign():
    params = init_params(DS, DD)
    batch = two_game_batch(1.0, -1.0)
    recorder = RecordingOptimiser()
    a2c_update({k: p.copy() for k, p in params.items()}, recorder, batch, **SETTINGS)
    adam = Adam(learning_rate=0.01)
    a2c_update(params, adam, batch, **SETTINGS)
    for name, grad in recorder.grads.items():
        # Adam's first step, m̂ = g and v̂ = g²: lr · g / (|g| + ε) against each gradient
        np.testing.assert_allclose(params[name], -0.01 * grad / (np.abs(grad) + 1e-8), atol=1e-15)


def test_gae_limits_and_messages():
    rewards = np.array([[1.0, -2.0], [0.5, 3.0]])
    values = np.array([[0.2, 0.1], [-0.3, 0.4]])
    last = np.array([0.7, -0.6])
    none = np.zeros((2, 2), dtype=bool)
    for gamma, lam in ((1.0, 0.0), (0.0, 1.0), (0.9, 1.0)):
        reference, _ = gae_reference(rewards, values, last, none, gamma, lam)
        np.testing.assert_allclose(gae(rewards, values, last, none, none, gamma, lam)[0], reference)
    # λ = 0: one-step TD errors δ_t = r_t + γ V(s_{t+1}) − V(s_t)
    delta = rewards + 1.0 * np.vstack([values[1:], last]) - values
    np.testing.assert_allclose(gae(rewards, values, last, none, none, 1.0, 0.0)[0], delta)
    for gamma, lam, message in (
        (1.01, 0.5, r"^gamma must be in \[0, 1\], got 1\.01$"),
        (-0.1, 0.5, r"^gamma must be in \[0, 1\], got -0\.1$"),
        (0.5, 1.01, r"^lam must be in \[0, 1\], got 1\.01$"),
        (0.5, -0.1, r"^lam must be in \[0, 1\], got -0\.1$"),
    ):
        with pytest.raises(ValueError, match=message):
            gae(rewards, values, last, none, none, gamma, lam)
    with pytest.raises(ValueError, match=r"^rewards, values, terminated and truncated must"):
        gae(rewards, values, last, none[:1], none, 0.5, 0.5)


def test_clipping_leaves_a_zero_gradient_and_names_its_limit():
    zero, norm = clip_by_global_norm({"a": np.zeros(3)}, 1.0)
    assert norm == 0.0 and np.all(zero["a"] == 0.0)
    exact, _ = clip_by_global_norm({"a": np.array([3.0, 4.0])}, 5.0)  # at the limit: unchanged
    np.testing.assert_array_equal(exact["a"], [3.0, 4.0])
    with pytest.raises(ValueError, match=r"^max_norm must be > 0, got -1\.0$"):
        clip_by_global_norm({"a": np.ones(1)}, -1.0)


def test_a_death_costs_the_penalty_at_its_step_only():
    rewards = np.array([[5.0, 0.0], [1.0, 2.0]])
    died = np.array([[False, True], [False, False]])
    np.testing.assert_array_equal(shaped_rewards(rewards, died, 50.0), [[5.0, -50.0], [1.0, 2.0]])
    np.testing.assert_array_equal(shaped_rewards(rewards, died, 0.0), rewards)


def test_clipping_below_a_norm_of_one():
    clipped, norm = clip_by_global_norm({"a": np.array([0.3, 0.4])}, 0.1)  # ‖g‖ = 0.5
    assert norm == pytest.approx(0.5)
    np.testing.assert_allclose(clipped["a"], [0.06, 0.08])


def test_sampling_never_picks_an_action_of_probability_zero():
    # u = 0 is a possible draw of U[0, 1): the first action of positive probability is taken
    probabilities = np.array([[0.0, 0.25, 0.0, 0.75], [0.0, 0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(sample_actions(probabilities, np.array([0.0, 0.0])), [1, 2])
    np.testing.assert_array_equal(sample_actions(probabilities, np.array([0.25, 0.999])), [3, 2])


def test_mlp_parameters_for_another_number_of_actions():
    params = init_mlp_params(DS, DD, 4, np.random.default_rng(0), n_actions=5)
    assert params["W"].shape == (DS, 5)
    assert params["mlp/W0"].shape == (DD + DS, 4) and params["mlp/W1"].shape == (4, 2)
    assert not params["mlp/W1"].any() and params["mlp/W0"].any()


def test_nearly_equal_advantages_are_normalised_without_dividing_by_zero():
    # returns 0 and 2e-8: the advantages' standard deviation is 1e-8, and the normaliser
    # std + 1e-8 keeps the normalised advantages at ±0.5
    batch = two_game_batch(0.0, 2e-8)
    params = init_params(DS, DD)
    recorder = RecordingOptimiser()
    a2c_update(params, recorder, batch, **SETTINGS)
    assert all(np.all(np.isfinite(grad)) for grad in recorder.grads.values())
    pi = softmax(policy_logits(params, batch["psi"][0, 0], batch["phi"][0, 0]))[MOVE]
    # game 0 (advantage −0.5) in state e_0 played move-north: ∂L/∂W[0, a] = 0.5 (1 − π_a) / 2
    assert recorder.grads["W"][0, MOVE] == pytest.approx(0.25 * (1 - pi), rel=1e-6)


class SteppingOptimiser:
    """Plain gradient descent; keeps, for every step, the parameters it met and the gradients."""

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate
        self.seen = []

    def step(self, params, grads):
        self.seen.append(({k: p.copy() for k, p in params.items()}, grads))
        for name, grad in grads.items():
            params[name] -= self.learning_rate * grad


def test_ppo_epochs_follow_the_clipped_objective_of_the_first_policy():
    """Steps after the first: finite differences of −mean min(ρÂ, clip(ρ, 1 ± ε)Â) − βH + critic."""
    batch = random_batch(4)
    rng = np.random.default_rng(5)
    params = {name: 0.1 * rng.normal(size=p.shape) for name, p in init_params(DS, DD).items()}
    settings = {**SETTINGS, "entropy_coef": 0.02, "epochs": 3, "clip": 0.1}
    stepper = SteppingOptimiser(learning_rate=2.0)  # large: the ratios leave [0.9, 1.1]
    a2c_update({k: p.copy() for k, p in params.items()}, stepper, batch, **settings)
    assert len(stepper.seen) == 3

    psi, phi, actions = batch["psi"], batch["phi"], batch["actions"]
    normalised, returns = normalised_advantages(batch, params, settings)

    def log_p_and_entropy(candidate):
        log_p = log_softmax(policy_logits(candidate, psi, phi))
        chosen = np.take_along_axis(log_p, actions[..., None], axis=-1)[..., 0]
        return chosen, -(np.exp(log_p) * log_p).sum(axis=-1)

    first, _ = log_p_and_entropy(params)
    clipped_samples = 0
    for before, grads in stepper.seen[1:]:
        chosen, _ = log_p_and_entropy(before)
        ratio = np.exp(chosen - first)
        clipped_samples += int(np.sum((ratio > 1.1) & (normalised > 0)))
        clipped_samples += int(np.sum((ratio < 0.9) & (normalised < 0)))

        def actor_loss(candidate):
            chosen, entropy = log_p_and_entropy(candidate)
            ratio = np.exp(chosen - first)
            surrogate = np.minimum(ratio * normalised, np.clip(ratio, 0.9, 1.1) * normalised)
            return -np.mean(surrogate + settings["entropy_coef"] * entropy)

        for name in ("W", "theta_move", "theta_kick"):

            def loss_of(array, name=name, before=before):
                return actor_loss({**before, name: array})

            numeric = numerical_gradient(loss_of, before[name])
            np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8)

        def critic_loss(v):
            return settings["value_coef"] * 0.5 * np.mean((psi @ v - returns) ** 2)

        numeric_v = numerical_gradient(critic_loss, before["v"])
        np.testing.assert_allclose(grads["v"], numeric_v, rtol=1e-6, atol=1e-9)
    assert clipped_samples > 0  # the clip's flat side was reached and checked


def test_the_first_of_several_epochs_is_the_a2c_step_and_bad_settings_are_refused():
    batch = random_batch(6)
    rng = np.random.default_rng(7)
    params = {name: 0.1 * rng.normal(size=p.shape) for name, p in init_params(DS, DD).items()}
    a2c, ppo = RecordingOptimiser(), SteppingOptimiser(learning_rate=1.0)
    a2c_update({k: p.copy() for k, p in params.items()}, a2c, batch, **SETTINGS)
    a2c_update({k: p.copy() for k, p in params.items()}, ppo, batch, **SETTINGS, epochs=2)
    for name, grad in a2c.grads.items():
        np.testing.assert_array_equal(ppo.seen[0][1][name], grad)
        assert not np.array_equal(ppo.seen[1][1][name], grad)  # the second step is another
    for bad in ({"epochs": 0}, {"clip": 0.0}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            a2c_update(params, RecordingOptimiser(), batch, **SETTINGS, **bad)


def test_policy_gradient_estimate_is_the_policy_gradient_a2c_update_hands_on():
    batch, params, settings, recorder = recorded_update(5, 6, entropy_coef=0.02, reward_scale=0.3)
    estimate = policy_gradient_estimate(
        params,
        batch,
        **{k: settings[k] for k in ("gamma", "gae_lambda", "entropy_coef", "reward_scale")},
    )
    handed_on = np.concatenate(
        [recorder.grads[n].ravel() for n in ("W", "theta_move", "theta_kick")]
    )
    np.testing.assert_allclose(estimate, handed_on, rtol=1e-12, atol=1e-15)
