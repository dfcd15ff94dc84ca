"""The agent's maths: policy gradient against finite differences through its own loss, GAE and
discounted returns against hand-computed cases, Adam, clipping, sampling, the evaluation CI."""

import numpy as np
import pytest
from scipy import stats
from scipy.special import entr

from gradients import numerical_gradient, softmax
from nethack_agent.actions import (
    DESCEND,
    EAT,
    ESCAPE,
    KICK,
    MOVE,
    PICKUP,
    PRAY,
    REST,
    SEARCH,
    WEAR,
    WIELD,
)
from nethack_agent.config import TrainConfig
from nethack_agent.evaluate import median_interval, summarize
from nethack_agent.features import (
    DIRECTION_FEATURES,
    N_DIRECTION_FEATURES,
    N_STATE_FEATURES,
    STATE_FEATURES,
)
from nethack_agent.learning import Adam, clip_by_global_norm, gae
from nethack_agent.plots import rolling_mean, rolling_median
from nethack_agent.policy import (
    MASK_LOGIT,
    NEVER_LOGIT,
    action_mask,
    action_probabilities,
    init_mlp_params,
    init_params,
    policy_logits,
    policy_loss,
    policy_loss_grad,
    sample_actions,
)
from nethack_agent.policy_kernel import sample_policy

DS, DD, B = N_STATE_FEATURES, N_DIRECTION_FEATURES, 7
CLOSED_DOOR = DIRECTION_FEATURES.index("kind_closed_door")


def random_problem(seed):
    rng = np.random.default_rng(seed)
    params = init_params(DS, DD)
    for name in params:
        params[name] = rng.normal(scale=0.5, size=params[name].shape)
    psi = rng.normal(size=(B, DS))
    psi[:, STATE_FEATURES.index("in_mines")] = rng.integers(0, 2, size=B)  # exercise both masks
    phi = rng.normal(size=(B, 8, DD))
    # the actions taken are among those offered (π = 0 for the others: never taken)
    offered = action_mask(psi, phi) == 0
    actions = np.array([rng.choice(np.flatnonzero(row)) for row in offered])
    advantages = rng.normal(size=B)
    return params, psi, phi, actions, advantages


def test_logits_are_the_action_dependent_linear_form():
    params, psi, phi, _, _ = random_problem(0)
    z = policy_logits(params, psi, phi)
    mask = action_mask(psi, phi)
    for b in range(B):
        for d in range(8):
            move = psi[b] @ params["W"][:, MOVE + d] + phi[b, d] @ params["theta_move"]
            np.testing.assert_allclose(z[b, MOVE + d], move + mask[b, MOVE + d])
            kick = psi[b] @ params["W"][:, KICK + d] + phi[b, d] @ params["theta_kick"]
            np.testing.assert_allclose(z[b, KICK + d], kick + mask[b, KICK + d])
    for a in (DESCEND, SEARCH, PRAY, EAT, ESCAPE, REST):
        np.testing.assert_allclose(z[:, a], psi @ params["W"][:, a] + mask[:, a])
    np.testing.assert_allclose(action_probabilities(params, psi, phi).sum(axis=-1), 1.0)


def test_rest_at_full_hp_is_offered_only_on_a_search_spot():
    # resting is searching: 20 turns of it ("20s") on a spot where hidden passages may be
    from nethack_agent.policy_kernel import sample_policy

    psi = np.zeros((3, N_STATE_FEATURES))
    phi = np.zeros((3, 8, N_DIRECTION_FEATURES))
    psi[:, STATE_FEATURES.index("hp_frac")] = [1.0, 1.0, 0.5]
    psi[1, STATE_FEATURES.index("on_search_spot")] = 1.0
    assert (action_mask(psi, phi)[:, REST] == 0).tolist() == [False, True, True]
    params = init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES)
    _, probabilities = sample_policy(params, psi, phi, np.full(3, 0.5))
    np.testing.assert_allclose(probabilities, action_probabilities(params, psi, phi))  # compiled


def test_no_weight_outgrows_the_mask_on_a_deadly_passive_monster():
    # Trained weights outgrew the −30 offset (a move onto a floating eye with p = 0.63): onto a
    # deadly one (1) a move or kick has π = 0 whatever the weights; onto one that stings (0.5)
    # the offset stays soft.
    psi = np.zeros((2, N_STATE_FEATURES))
    phi = np.zeros((2, 8, N_DIRECTION_FEATURES))
    F = DIRECTION_FEATURES.index
    phi[:, 1, F("kind_monster")] = 1.0
    phi[:, 1, F("passive_monster")] = [1.0, 0.5]  # east: a floating eye, an acid blob
    params = init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES)
    params["theta_move"][F("passive_monster")] = 100.0
    params["theta_kick"][F("passive_monster")] = 100.0
    reference = action_probabilities(params, psi, phi)
    _, compiled = sample_policy(params, psi, phi, np.full(2, 0.5))
    for probabilities in (reference, compiled):
        assert probabilities[0, MOVE + 1] == 0.0 and probabilities[0, KICK + 1] == 0.0
        assert probabilities[1, [MOVE + 1, KICK + 1]].sum() > 0.99  # 100 · 0.5 outgrows −30
    np.testing.assert_allclose(compiled, reference, atol=1e-12)


def test_no_weight_outgrows_the_kick_mask_away_from_a_locked_door():
    # An MLP policy's kick output outgrew the −30 offset and kicked walls until it died: away
    # from a locked door a kick has π = 0 whatever the weights, linear or the network's.
    psi = np.zeros((1, N_STATE_FEATURES))
    phi = np.zeros((1, 8, N_DIRECTION_FEATURES))
    F = DIRECTION_FEATURES.index
    phi[0, :, F("kind_wall")] = 1.0
    phi[0, 2, F("kind_wall")] = 0.0
    phi[0, 2, F("kind_closed_door")] = phi[0, 2, F("locked_door")] = 1.0  # south: locked
    params = init_mlp_params(N_STATE_FEATURES, N_DIRECTION_FEATURES, 4, np.random.default_rng(0))
    params["theta_kick"][F("kind_wall")] = 100.0
    params["mlp/b0"][:] = 1.0  # every hidden unit on, each adding 50 to every kick
    params["mlp/W1"][:, 1] = 50.0
    reference = action_probabilities(params, psi, phi)
    _, compiled = sample_policy(params, psi, phi, np.full(1, 0.5))
    for probabilities in (reference, compiled):
        kicks = probabilities[0, KICK : KICK + 8]
        assert kicks[2] > 0.99 and (np.delete(kicks, 2) == 0.0).all()
    np.testing.assert_allclose(compiled, reference, atol=1e-12)


_OFFERED_BY = {
    DESCEND: "on_downstairs",
    ESCAPE: "msg_prompt",
    PICKUP: "useful_item_here",
    WEAR: "armor_to_wear",
    WIELD: "weapon_to_wield",
}


@pytest.mark.parametrize("action", sorted(_OFFERED_BY))
@pytest.mark.parametrize("offered", [False, True])
def test_no_weight_outgrows_the_mask_of_an_action_that_passes_no_time(action, offered):
    # A linear policy's weights for pick-up and wield outgrew the −30 offset: it took single
    # corpses (no menu asks) and ate them tainted, and pressed wield with nothing to wield for
    # most of its steps. Where such an action is withheld, π = 0 whatever the weights.
    psi = np.zeros((1, N_STATE_FEATURES))
    phi = np.zeros((1, 8, N_DIRECTION_FEATURES))
    psi[0, STATE_FEATURES.index("bias")] = 1.0
    psi[0, STATE_FEATURES.index(_OFFERED_BY[action])] = float(offered)
    params = init_mlp_params(N_STATE_FEATURES, N_DIRECTION_FEATURES, 4, np.random.default_rng(1))
    params["W"][STATE_FEATURES.index("bias"), action] = 100.0
    reference = action_probabilities(params, psi, phi)
    _, compiled = sample_policy(params, psi, phi, np.full(1, 0.5))
    for probabilities in (reference, compiled):
        assert (probabilities[0, action] > 0.99) if offered else (probabilities[0, action] == 0)
    np.testing.assert_allclose(compiled, reference, atol=1e-12)


@pytest.mark.parametrize("feature", ["kind_wall", "door_diagonal"])
def test_no_weight_outgrows_the_mask_of_a_move_that_passes_no_time(feature):
    # A retrained linear policy pressed one refused move (read as a wall) 5,001 times in a row:
    # a move into a wall or diagonally through a doorway has π = 0 whatever the weights.
    psi = np.zeros((1, N_STATE_FEATURES))
    phi = np.zeros((1, 8, N_DIRECTION_FEATURES))
    phi[0, 1, DIRECTION_FEATURES.index(feature)] = 1.0  # east
    params = init_mlp_params(N_STATE_FEATURES, N_DIRECTION_FEATURES, 4, np.random.default_rng(2))
    params["theta_move"][DIRECTION_FEATURES.index(feature)] = 100.0
    reference = action_probabilities(params, psi, phi)
    _, compiled = sample_policy(params, psi, phi, np.full(1, 0.5))
    for probabilities in (reference, compiled):
        assert probabilities[0, MOVE + 1] == 0.0 and probabilities[0, MOVE] > 0.0
    np.testing.assert_allclose(compiled, reference, atol=1e-12)


def test_action_mask_by_hand():
    psi = np.zeros((2, N_STATE_FEATURES))
    phi = np.zeros((2, 8, N_DIRECTION_FEATURES))
    S, F = STATE_FEATURES.index, DIRECTION_FEATURES.index
    psi[0, S("hp_frac")], psi[1, S("hp_frac")] = 1.0, 0.5
    psi[1, S("on_downstairs")] = psi[1, S("major_trouble")] = 1.0
    psi[1, S("trouble_and_safe")] = 0.6  # a prayer now is heard with probability 0.6
    psi[1, S("hungry")] = 1.0  # only the second may eat
    phi[:, 2, F("kind_closed_door")] = phi[:, 2, F("locked_door")] = 1.0  # south: locked
    phi[0, 3, F("kind_closed_door")] = 1.0  # west of the first: a closed door, not locked
    phi[0, 1, F("passive_monster")] = 0.5  # an acid blob east of the first
    phi[0, 4, F("door_diagonal")] = 1.0  # and a door to its north-east: no diagonal move
    psi[1, S("in_mines")] = 1.0  # the second is in the Mines: no kicking there
    psi[1, S("stuck")] = 1.0  # and nothing to explore: it may search
    mask = action_mask(psi, phi)
    offered = mask == 0
    assert offered[0].tolist() == [
        *(d not in (1, 4) for d in range(8)),  # moves, except onto the blob and into the door
        *(d == 2 for d in range(8)),  # kicks: only the locked door (moving opens the other)
        False,
        False,  # search: not stuck, no monster near — explore instead
        False,
        False,
        False,  # escape: no question waits
        False,  # descend search pray eat escape rest
        False,
        False,  # ascend engrave_elbereth: no up-staircase, no monster near
        *(False,) * 3,  # pick_up wear wield: nothing useful here, nothing to try on
    ]
    assert offered[1].tolist() == [
        *(True,) * 8,
        *(False,) * 8,
        *(True,) * 4,
        False,  # escape: no question waits
        True,
        False,
        False,
        *(False,) * 3,
    ]
    assert set(np.unique(mask)) == {0.0, MASK_LOGIT, NEVER_LOGIT}
    assert set(np.unique(mask[:, KICK : KICK + 8])) == {0.0, NEVER_LOGIT}  # kicks: π = 0
    withheld = mask[:, [DESCEND, PRAY, EAT, ESCAPE, PICKUP, WEAR, WIELD]]  # and the others
    assert set(np.unique(withheld)) == {0.0, NEVER_LOGIT}
    # moves: soft onto the blob, hard into the doorway diagonally (no time would pass)
    assert mask[0, MOVE + 1] == MASK_LOGIT and mask[0, MOVE + 4] == NEVER_LOGIT


@pytest.mark.parametrize(
    ("case", "moves"),
    [
        ("stuck, a spot north and north-east", {0, 4}),
        ("stuck, no spot in reach", set(range(8))),
        ("stuck, on a spot", set()),
        ("stuck, a monster close", set(range(8))),
        ("not stuck", set(range(8))),
    ],
)
def test_stuck_the_moves_offered_lead_to_the_nearest_search_spot(case, moves):
    # stuck (no frontier, no down-staircase) with no monster near: a move off the paths to the
    # nearest search spot is withheld, and on the spot every move (search or rest there)
    psi = np.zeros((1, N_STATE_FEATURES))
    phi = np.zeros((1, 8, N_DIRECTION_FEATURES))
    S, F = STATE_FEATURES.index, DIRECTION_FEATURES.index
    psi[0, S("hp_frac")] = 1.0
    psi[0, S("stuck")] = case.startswith("stuck")
    if "spot north" in case or case in ("stuck, a monster close", "not stuck"):
        phi[0, [0, 4], F("path_search")] = 1.0
    if case == "stuck, on a spot":
        psi[0, S("on_search_spot")] = 1.0
    if case == "stuck, a monster close":
        psi[0, S("monster_close")] = 1.0
    offered = action_mask(psi, phi)[0] == 0
    assert set(np.flatnonzero(offered[MOVE : MOVE + 8])) == moves
    assert offered[SEARCH] == case.startswith("stuck")
    assert offered[REST] == (case == "stuck, on a spot")
    params = init_params(DS, DD)
    params["W"][:] = np.random.default_rng(4).normal(size=params["W"].shape)
    params["theta_move"][:] = np.random.default_rng(5).normal(size=DD)
    _, fast = sample_policy(params, psi, phi, np.zeros(1))  # the compiled step: the same rule
    np.testing.assert_allclose(fast, action_probabilities(params, psi, phi), rtol=0, atol=1e-12)


@pytest.mark.parametrize("opening", [None, "move", "kick", "escape", "pick_up"])
def test_search_is_offered_when_every_other_action_is_withheld(opening):
    # walls all round, full HP, no question, nothing here: withheld everywhere, so a pressed
    # key would pass no time; a search passes a turn — unless one other action is open
    psi = np.zeros((1, N_STATE_FEATURES))
    phi = np.zeros((1, 8, N_DIRECTION_FEATURES))
    S, F = STATE_FEATURES.index, DIRECTION_FEATURES.index
    psi[0, S("hp_frac")] = 1.0
    phi[0, :, F("kind_wall")] = 1.0
    if opening == "move":
        phi[0, 5, F("kind_wall")] = 0.0
    elif opening == "kick":
        phi[0, 5, F("kind_closed_door")] = phi[0, 5, F("locked_door")] = 1.0
    elif opening == "escape":
        psi[0, S("msg_prompt")] = 1.0
    elif opening == "pick_up":
        psi[0, S("useful_item_here")] = 1.0
    offered = action_mask(psi, phi)[0] == 0
    assert offered[SEARCH] == (opening is None)
    assert offered.sum() == 1
    params = init_params(DS, DD)
    params["W"][:] = np.random.default_rng(3).normal(size=params["W"].shape)
    _, fast = sample_policy(params, psi, phi, np.zeros(1))  # the compiled step: the same rule
    np.testing.assert_allclose(fast, action_probabilities(params, psi, phi), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "reason", [None, "stuck", "on_search_spot", "on_elbereth", "monster_close", "frontier_known"]
)
@pytest.mark.parametrize("searches", [0, 19, 20])
def test_search_is_offered_only_where_a_turn_spent_searching_can_pay(reason, searches):
    # stuck (hidden passages are all that is left) or on a search spot; on Elbereth or with a
    # monster near (let it come) for 20 searches in a row; not merely because something is
    # known to explore
    psi = np.zeros((1, N_STATE_FEATURES))
    phi = np.zeros((1, 8, N_DIRECTION_FEATURES))
    if reason is not None:
        psi[0, STATE_FEATURES.index(reason)] = 1.0
    psi[0, STATE_FEATURES.index("searches_here")] = searches / 20  # as the features scale it
    offered = action_mask(psi, phi)[0, SEARCH] == 0
    waiting = reason in ("on_elbereth", "monster_close")
    assert offered == (reason in ("stuck", "on_search_spot") or (waiting and searches < 20))
    from nethack_agent.policy_kernel import sample_policy

    params = init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES)
    _, probabilities = sample_policy(params, psi, phi, np.full(1, 0.5))
    np.testing.assert_allclose(probabilities, action_probabilities(params, psi, phi))  # compiled


@pytest.mark.parametrize("entropy_coef", [0.0, 0.3])
@pytest.mark.parametrize("seed", [1, 2])
def test_policy_gradient_matches_finite_differences_of_the_loss(seed, entropy_coef):
    params, psi, phi, actions, advantages = random_problem(seed)
    grads, _ = policy_loss_grad(params, psi, phi, actions, advantages, entropy_coef)
    for name in ("W", "theta_move", "theta_kick"):

        def loss_of(value, name=name):
            return policy_loss({**params, name: value}, psi, phi, actions, advantages, entropy_coef)

        numeric = numerical_gradient(loss_of, params[name])
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8)


def test_entropy_reported_is_the_mean_entropy():
    params, psi, phi, actions, advantages = random_problem(3)
    _, mean_entropy = policy_loss_grad(params, psi, phi, actions, advantages, 0.1)
    pi = softmax(policy_logits(params, psi, phi))
    np.testing.assert_allclose(mean_entropy, np.mean(entr(pi).sum(axis=-1)))  # 0 log 0 = 0


def test_gae_hand_computed():
    rewards = np.array([[1.0], [2.0], [3.0]])
    values = np.array([[0.5], [1.0], [1.5]])
    last = np.array([2.0])
    none = np.zeros((3, 1), dtype=bool)
    # δ = 1 + .9·1 − .5 = 1.4, 2 + .9·1.5 − 1 = 2.35, 3 + .9·2 − 1.5 = 3.3; γλ = .72
    adv, ret = gae(rewards, values, last, none, none, gamma=0.9, lam=0.8)
    np.testing.assert_allclose(adv[:, 0], [1.4 + 0.72 * 4.726, 2.35 + 0.72 * 3.3, 3.3])
    np.testing.assert_allclose(ret, adv + values)
    ended = none.copy()
    ended[1] = True
    # The game ends at t=1: δ1 = 2 − 1 = 1 and the trace stops there.
    adv, _ = gae(rewards, values, last, ended, none, gamma=0.9, lam=0.8)
    np.testing.assert_allclose(adv[:, 0], [1.4 + 0.72 * 1.0, 1.0, 3.3])
    # Cut by the time limit at t=1: V(s1) stands in for the lost next state.
    adv, _ = gae(rewards, values, last, none, ended, gamma=0.9, lam=0.8)
    np.testing.assert_allclose(adv[:, 0], [1.4 + 0.72 * 1.9, 1.9, 3.3])


def test_gae_with_lambda_one_and_no_baseline_is_the_discounted_return():
    rewards = np.array([[1.0, 0.0], [0.0, 5.0], [2.0, 1.0]])
    zeros = np.zeros_like(rewards)
    ended = np.array([[False, False], [False, True], [False, False]])
    adv, _ = gae(rewards, zeros, np.zeros(2), ended, np.zeros_like(ended), gamma=0.5, lam=1.0)
    # G = r_t + γ G_{t+1}: column 0 = [1 + .25·2, .5·2, 2]; column 1 ends at t=1: [0 + .5·5, 5, 1]
    np.testing.assert_allclose(adv, [[1.5, 2.5], [1.0, 5.0], [2.0, 1.0]])


def test_gae_rejects_bad_settings():
    r = np.zeros((2, 1))
    b = np.zeros((2, 1), dtype=bool)
    with pytest.raises(ValueError, match="gamma"):
        gae(r, r, np.zeros(1), b, b, gamma=1.5, lam=0.9)
    with pytest.raises(ValueError, match="shape"):
        gae(r, np.zeros((3, 1)), np.zeros(1), b, b, gamma=0.9, lam=0.9)


def test_adam_steps_by_hand():
    params = {"x": np.array([0.0, 0.0])}
    adam = Adam(learning_rate=0.1)
    adam.step(params, {"x": np.array([2.0, -0.5])})
    # First step: m̂ = g, v̂ = g², so the move is lr·g/|g| (up to ε).
    np.testing.assert_allclose(params["x"], [-0.1, 0.1], rtol=1e-6)
    adam.step(params, {"x": np.array([1.0, 1.0])})
    m = 0.9 * 0.1 * np.array([2.0, -0.5]) + 0.1 * np.array([1.0, 1.0])
    v = 0.999 * 0.001 * np.array([4.0, 0.25]) + 0.001 * np.array([1.0, 1.0])
    step = 0.1 * (m / (1 - 0.9**2)) / (np.sqrt(v / (1 - 0.999**2)) + 1e-8)
    np.testing.assert_allclose(params["x"], np.array([-0.1, 0.1]) - step)


def test_clip_by_global_norm():
    clipped, norm = clip_by_global_norm({"a": np.array([3.0]), "b": np.array([[4.0]])}, 1.0)
    assert norm == 5.0
    np.testing.assert_allclose(clipped["a"], [0.6])
    np.testing.assert_allclose(clipped["b"], [[0.8]])
    small, _ = clip_by_global_norm({"a": np.array([0.3])}, 1.0)
    np.testing.assert_array_equal(small["a"], [0.3])
    with pytest.raises(ValueError, match="max_norm"):
        clip_by_global_norm({"a": np.ones(1)}, 0.0)


def test_sampling_follows_the_probabilities():
    rng = np.random.default_rng(5)
    p = np.array([0.1, 0.0, 0.2, 0.7])
    n = 40_000
    actions = sample_actions(np.tile(p, (n, 1)), rng.random(n))
    counts = np.bincount(actions, minlength=4)
    assert counts[1] == 0
    standard_error = np.sqrt(n * p * (1 - p))
    assert np.all(np.abs(counts - n * p) < 5 * standard_error + 1e-9)
    assert sample_actions(p[None], np.array([0.0]))[0] == 0
    assert sample_actions(p[None], np.array([0.15]))[0] == 2


def test_summarize_matches_scipy_t_interval():
    rng = np.random.default_rng(7)
    scores = rng.exponential(100, size=50)
    result = summarize(scores * 0.9, scores)
    low, high = stats.t.interval(0.95, len(scores) - 1, loc=scores.mean(), scale=stats.sem(scores))
    np.testing.assert_allclose([result["ci_low"], result["ci_high"]], [low, high])
    assert result["median_score"] == np.median(scores)
    np.testing.assert_allclose(result["mean_return"], 0.9 * scores.mean())
    assert result["median_return"] == np.median(scores * 0.9)
    np.testing.assert_allclose(
        [result["return_ci_low"], result["return_ci_high"]], [0.9 * low, 0.9 * high]
    )
    assert "mean in-game score" in result["intervals"]
    assert result["median_ci_low"] < result["median_score"] < result["median_ci_high"]
    with pytest.raises(ValueError, match="n >= 2"):
        summarize(np.ones(1), np.ones(1))
    with pytest.raises(ValueError, match="one shape"):
        summarize(np.ones(3), np.ones(4))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("gamma", 1.5, "gamma must be in"),
        ("envs_per_worker", 0, "envs_per_worker must be > 0"),
        ("entropy_coef", -0.1, "entropy_coef must be >= 0"),
        ("checkpoint_minutes", 0.0, "checkpoint_minutes > 0"),
    ],
)
def test_config_rejects_bad_settings(field, value, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**{field: value})


def test_config_round_trips_through_json():
    config = TrainConfig(seed=3, learning_rate=0.003, n_workers=0)
    assert TrainConfig.from_json(config.to_json()) == config
    assert set(config.update_settings()) == {
        "gamma",
        "gae_lambda",
        "entropy_coef",
        "value_coef",
        "max_grad_norm",
        "reward_scale",
        "epochs",
        "clip",
    }


def test_rolling_mean_and_median_match_loops():
    rng = np.random.default_rng(11)
    values = rng.normal(size=30)
    for window in (1, 4, 100):
        means = [values[max(0, i - window + 1) : i + 1].mean() for i in range(30)]
        medians = [np.median(values[max(0, i - window + 1) : i + 1]) for i in range(30)]
        np.testing.assert_allclose(rolling_mean(values, window), means)
        np.testing.assert_allclose(rolling_median(values, window), medians)


def test_median_interval_is_the_binomial_order_statistics_and_covers():
    # by hand: the widest symmetric ranks k-1 < n-k with P(Bin(n, 1/2) <= k-1) <= 2.5 %
    rng = np.random.default_rng(11)
    for n in (6, 20, 200):
        values = rng.exponential(100, size=n)
        k = int(stats.binom.ppf(0.025, n, 0.5))
        k -= stats.binom.cdf(k, n, 0.5) > 0.025  # the largest k with cdf(k) <= 0.025
        ordered = np.sort(values)
        assert median_interval(values) == (ordered[k], ordered[n - 1 - k])
    assert median_interval(np.arange(5.0)) == (None, None)  # 2 × (1/2)^5 > 5 %
    # coverage of the true median (ln 2 · 100) over many samples: at least 95 % (3 σ)
    truth = np.log(2) * 100
    covered = [
        low <= truth <= high
        for low, high in (median_interval(rng.exponential(100, size=50)) for _ in range(2000))
    ]
    assert np.mean(covered) >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / 2000)
    assert np.mean(covered) <= 0.99  # not a trivially wide interval
