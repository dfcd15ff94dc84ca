"""The rollout's policy step in one compiled call: logits, mask, softmax and sampling.

``nethack_agent.policy`` computes π(·|s) with about twenty small numpy operations; in a rollout
that runs once per step for a handful of games, and their fixed cost (≈ 30–60 µs per call on
this machine) outweighs the arithmetic. ``sample_policy`` does the same in one numba call: the
logits ``ψ·W + [move d] φ_d·θ_move + [kick d] φ_d·θ_kick`` (and, for the MLP policy, its
direction network's two outputs on ``[φ_d, ψ]``: the hidden layer's ψ part once per state, not
once per direction) plus ``policy.action_mask``'s offsets, the softmax, and inverse-CDF
sampling as ``policy.sample_actions`` does it.

It is a second implementation of ``action_probabilities``, so it is checked against it:
``KernelCheck`` compares the two on synthetic features that reach every masking rule and then on
the first step of every ``CHECK_EVERY``-th rollout; at the first disagreement (the policy's rules
changed and this kernel did not) the runner warns and uses ``nethack_agent.policy`` from then on.
"""

from __future__ import annotations

import logging

import numba
import numpy as np

from nethack_agent.actions import (
    ASCEND,
    DESCEND,
    EAT,
    ENGRAVE,
    ESCAPE,
    KICK,
    MOVE,
    N_ACTIONS,
    N_DIRECTIONS,
    PICKUP,
    PRAY,
    REST,
    SEARCH,
    WEAR,
    WIELD,
)
from nethack_agent.features import DIRECTION_FEATURES, STATE_FEATURES
from nethack_agent.policy import (  # the mask's feature indices: the policy's own
    _CAN_ENGRAVE,
    _CORPSE_TO_EAT,
    _DEPTH,
    _DOOR_DIAGONAL,
    _FAINTING,
    _FRESH_CORPSE,
    _HP_FRAC,
    _HUNGRY,
    _IN_MINES,
    _KIND_MONSTER,
    _LOCKED_DOOR,
    _MONSTER_CLOSE,
    _MSG_PROMPT,
    _NO_FOOD,
    _ON_DOWNSTAIRS,
    _ON_ELBERETH,
    _ON_SEARCH_SPOT,
    _ON_UPSTAIRS,
    _PASSIVE,
    _PATH_ITEM,
    _PATH_SEARCH,
    _PRAYER_SAFE,
    _SATIATED,
    _SEARCHES_HERE,
    _STUCK,
    _TO_WEAR,
    _TO_WIELD,
    _TROUBLE_AND_SAFE,
    _USEFUL_ITEM,
    _WALL,
    _WEAK,
    MASK_LOGIT,
    MLP_PARAM_NAMES,
    NEVER_LOGIT,
    action_probabilities,
    init_mlp_params,
)

__all__ = ["CHECK_EVERY", "KernelCheck", "kernel_weights", "sample_policy"]

log = logging.getLogger(__name__)
CHECK_EVERY = 16
"""A runner compares the kernel with the numpy policy on the first step of every 16th rollout
(the first included): a comparison costs about 1 ms, a worker's rollout 20–60 ms."""
_BOUNDARIES = (0.0, 0.2, 0.25, 0.5, 1.0)  # action_mask compares features with 0, 0.2, 0.5, 1


def kernel_weights(params: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """``_sample``'s policy arrays: W, θ_move, θ_kick and the direction network's W0, b0, W1, b1.

    A linear policy gets a network with no hidden unit, which adds nothing.
    """
    w, theta_move, theta_kick = params["W"], params["theta_move"], params["theta_kick"]
    if MLP_PARAM_NAMES[0] in params:
        return (w, theta_move, theta_kick, *(params[name] for name in MLP_PARAM_NAMES))
    inputs = theta_move.shape[0] + w.shape[0]
    return (
        w,
        theta_move,
        theta_kick,
        np.zeros((inputs, 0)),
        np.zeros(0),
        np.zeros((0, 2)),
        np.zeros(2),
    )


def sample_policy(
    params: dict[str, np.ndarray], psi: np.ndarray, phi: np.ndarray, uniforms: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Actions drawn from π(·|s) of the linear or the MLP policy, and π itself, in one call.

    Args:
        params: the policy parameters (``policy.init_params`` or ``policy.init_mlp_params``).
        psi: (N, Ds) state features.
        phi: (N, 8, Dd) direction features.
        uniforms: (N,) draws from U[0, 1).

    Returns:
        actions (N,) int64 — the first action whose cumulative probability exceeds u, as
        ``policy.sample_actions`` — and the probabilities (N, A).
    """
    weights = kernel_weights(params)
    w, theta_move, theta_kick, w0, b0, w1, b1 = weights
    n, n_state = psi.shape
    n_direction = phi.shape[-1]
    hidden = b0.shape[0]
    if (
        w.shape != (n_state, N_ACTIONS)
        or phi.shape != (n, N_DIRECTIONS, n_direction)
        or theta_move.shape != (n_direction,)
        or theta_kick.shape != (n_direction,)
        or w0.shape != (n_direction + n_state, hidden)
        or b0.shape != (hidden,)
        or w1.shape != (hidden, 2)
        or b1.shape != (2,)
        or uniforms.shape != (n,)
    ):
        raise ValueError(
            f"sample_policy: W {w.shape}, theta {theta_move.shape} {theta_kick.shape}, "
            f"network {w0.shape} {b0.shape} {w1.shape} {b1.shape}, psi {psi.shape}, "
            f"phi {phi.shape}, uniforms {uniforms.shape} do not fit {N_ACTIONS} actions and "
            f"{N_DIRECTIONS} directions"
        )
    actions = np.empty(n, dtype=np.int64)
    probabilities = np.empty((n, N_ACTIONS))
    _sample(
        np.ascontiguousarray(psi, dtype=np.float64),
        np.ascontiguousarray(phi, dtype=np.float64),
        *weights,
        uniforms,
        actions,
        probabilities,
    )
    return actions, probabilities


@numba.njit  # not cached: numba's cache would not see the policy's indices change
def _sample(psi, phi, w, theta_move, theta_kick, w0, b0, w1, b1, uniforms, actions, probabilities):
    n_state, n_actions = w.shape
    n_direction = theta_move.shape[0]
    hidden = b0.shape[0]  # the direction network's units (0: a linear policy)
    z = np.empty(n_actions)
    moves_blocked = np.empty(N_DIRECTIONS, dtype=np.bool_)
    fights = np.empty(N_DIRECTIONS, dtype=np.bool_)
    from_state = np.empty(hidden)  # b0 + ψ's part of the hidden layer, the same for every d
    units = np.empty(hidden)
    for e in range(psi.shape[0]):
        z[:] = 0.0
        from_state[:] = b0
        for k in range(n_state):
            x = psi[e, k]
            if x != 0.0:  # most state features are indicators, mostly 0
                for a in range(n_actions):
                    z[a] += x * w[k, a]
                for j in range(hidden):
                    from_state[j] += x * w0[n_direction + k, j]
        offered = False  # whether any action but search is offered
        calm = psi[e, _MONSTER_CLOSE] == 0  # no monster within 4 squares
        danger = psi[e, _MONSTER_CLOSE] > 0
        stuck = psi[e, _STUCK] > 0 and calm
        on_spot = stuck and psi[e, _ON_SEARCH_SPOT] > 0
        meal = psi[e, _FRESH_CORPSE] > 0 and psi[e, _SATIATED] == 0
        on_meal = meal and calm
        to_spot = False  # some move starts a path to the nearest search spot
        for d in range(N_DIRECTIONS):
            to_spot = to_spot or phi[e, d, _PATH_SEARCH] > 0
        for d in range(N_DIRECTIONS):
            b = phi[e, d, _PASSIVE] > 0 or phi[e, d, _WALL] > 0
            b = b or phi[e, d, _DOOR_DIAGONAL] > 0 or on_spot or on_meal
            moves_blocked[d] = b or (stuck and to_spot and phi[e, d, _PATH_SEARCH] == 0)
        to_corpse = False  # a step onto the agent's fresh kill is offered, no monster close
        for d in range(N_DIRECTIONS):
            to_corpse = to_corpse or (phi[e, d, _CORPSE_TO_EAT] > 0 and not moves_blocked[d])
        to_corpse = to_corpse and calm
        hungry = psi[e, _HUNGRY] > 0 or psi[e, _WEAK] > 0
        seek = hungry and psi[e, _NO_FOOD] > 0 and calm  # path_item leads to food
        on_food = seek and psi[e, _USEFUL_ITEM] > 0  # on it: pick it up
        to_food = False  # a step on the path to the nearest food is offered
        for d in range(N_DIRECTIONS):
            off = moves_blocked[d] or on_food or (to_corpse and phi[e, d, _CORPSE_TO_EAT] == 0)
            to_food = to_food or (phi[e, d, _PATH_ITEM] > 0 and not off)
        to_food = to_food and seek
        other = False  # a monster adjacent that may be hit (not only blockers)
        for d in range(N_DIRECTIONS):
            other = other or (phi[e, d, _KIND_MONSTER] > 0 and phi[e, d, _PASSIVE] == 0)
        walled_in = psi[e, _STUCK] > 0 and not other
        last_resort = psi[e, _FAINTING] > 0 and psi[e, _PRAYER_SAFE] > 0
        pray = psi[e, _TROUBLE_AND_SAFE] >= 0.5 or last_resort
        starving = psi[e, _WEAK] > 0 and not pray
        trapped = False  # a blocker is fought (policy._blocker_fights)
        for d in range(N_DIRECTIONS):
            passive = phi[e, d, _PASSIVE]
            stinging = passive < 1.0 and (psi[e, _HP_FRAC] >= 0.5 or hungry)
            fights[d] = walled_in and passive > 0 and (starving or stinging)
            trapped = trapped or fights[d]
        for d in range(N_DIRECTIONS):
            move = 0.0
            kick = 0.0
            units[:] = from_state
            for k in range(n_direction):
                x = phi[e, d, k]
                move += x * theta_move[k]
                kick += x * theta_kick[k]
                if x != 0.0:
                    for j in range(hidden):
                        units[j] += x * w0[k, j]
            if hidden > 0:  # the network's output layer over its ReLU units
                move += b1[0]
                kick += b1[1]
                for j in range(hidden):
                    if units[j] > 0.0:
                        move += units[j] * w1[j, 0]
                        kick += units[j] * w1[j, 1]
            blocked = moves_blocked[d] or (to_corpse and phi[e, d, _CORPSE_TO_EAT] == 0)
            blocked = blocked or on_food or (to_food and phi[e, d, _PATH_ITEM] == 0)
            if trapped:
                blocked = not fights[d]
            deadly = NEVER_LOGIT if phi[e, d, _PASSIVE] >= 1.0 else 0.0
            futile = phi[e, d, _WALL] > 0 or phi[e, d, _DOOR_DIAGONAL] > 0  # no time passes
            withheld = (NEVER_LOGIT if futile else MASK_LOGIT) if blocked else 0.0
            z[MOVE + d] += move + withheld + (0.0 if fights[d] else deadly)
            door = phi[e, d, _LOCKED_DOOR] > 0 and psi[e, _IN_MINES] == 0
            z[KICK + d] += kick + (0.0 if door else NEVER_LOGIT) + deadly
            offered = offered or not blocked or door
        rest = (psi[e, _HP_FRAC] < 1.0 or psi[e, _ON_SEARCH_SPOT] > 0) and not trapped
        z[REST] += 0.0 if rest else MASK_LOGIT
        descend = psi[e, _ON_DOWNSTAIRS] > 0
        z[DESCEND] += 0.0 if descend else NEVER_LOGIT
        waiting = psi[e, _ON_ELBERETH] > 0 or danger
        waiting = waiting and psi[e, _SEARCHES_HERE] < 1.0
        search = psi[e, _STUCK] > 0 or psi[e, _ON_SEARCH_SPOT] > 0 or waiting
        search = search and not trapped
        z[PRAY] += 0.0 if pray else NEVER_LOGIT
        food = psi[e, _NO_FOOD] == 0 or psi[e, _FRESH_CORPSE] > 0
        eat = (hungry and food) or meal
        z[EAT] += 0.0 if eat else NEVER_LOGIT
        escape = psi[e, _MSG_PROMPT] > 0
        z[ESCAPE] += 0.0 if escape else NEVER_LOGIT
        up = psi[e, _ON_UPSTAIRS] > 0 and psi[e, _DEPTH] >= 0.2 and danger
        z[ASCEND] += 0.0 if up else NEVER_LOGIT
        engrave = psi[e, _CAN_ENGRAVE] > 0 and danger and psi[e, _ON_ELBERETH] == 0
        engrave = engrave and not trapped
        z[ENGRAVE] += 0.0 if engrave else NEVER_LOGIT
        pickup = psi[e, _USEFUL_ITEM] > 0
        z[PICKUP] += 0.0 if pickup else NEVER_LOGIT
        wear = psi[e, _TO_WEAR] > 0
        z[WEAR] += 0.0 if wear else NEVER_LOGIT
        wield = psi[e, _TO_WIELD] > 0
        z[WIELD] += 0.0 if wield else NEVER_LOGIT
        offered = offered or rest or descend or pray or eat or escape or up or engrave
        offered = offered or pickup or wear or wield
        z[SEARCH] += 0.0 if search or not offered else MASK_LOGIT  # search when nothing else
        top = z.max()
        norm = 0.0
        for a in range(n_actions):
            z[a] = np.exp(z[a] - top)
            norm += z[a]
        cumulative = 0.0
        for a in range(n_actions):
            probabilities[e, a] = z[a] / norm
            cumulative += probabilities[e, a]
            z[a] = cumulative  # the running sum, as np.cumsum
        threshold = uniforms[e] * cumulative
        chosen = 0
        while chosen < n_actions and z[chosen] <= threshold:
            chosen += 1
        actions[e] = min(chosen, n_actions - 1)


class KernelCheck:
    """Whether ``sample_policy`` may stand in for ``nethack_agent.policy`` (checked as it goes).

    Args:
        atol: largest allowed difference between the two implementations' probabilities.
    """

    def __init__(self, atol: float = 1e-9):
        self.atol = atol
        rng = np.random.default_rng(0)
        # Features that reach every masking rule on both sides of its threshold.
        psi = rng.choice(_BOUNDARIES, size=(64, len(STATE_FEATURES)))
        phi = rng.choice(_BOUNDARIES, size=(64, N_DIRECTIONS, len(DIRECTION_FEATURES)))
        params = {
            "W": rng.normal(0, 1, (len(STATE_FEATURES), N_ACTIONS)),
            "theta_move": rng.normal(0, 1, len(DIRECTION_FEATURES)),
            "theta_kick": rng.normal(0, 1, len(DIRECTION_FEATURES)),
        }
        mlp = init_mlp_params(len(STATE_FEATURES), len(DIRECTION_FEATURES), 8, rng)
        mlp["mlp/W1"] = rng.normal(0, 1, mlp["mlp/W1"].shape)  # (its output layer starts at 0)
        self.usable = True
        self.usable = self.agrees(params, psi, phi) and self.agrees(mlp | params, psi, phi)
        self._calls = 0

    def due(self) -> bool:
        """Whether this rollout's first step is to be checked (the 1st, 17th, 33rd, …)."""
        self._calls += 1
        return self._calls % CHECK_EVERY == 1

    def agrees(self, params: dict[str, np.ndarray], psi: np.ndarray, phi: np.ndarray) -> bool:
        """Compare the two on these features; after one disagreement, always False."""
        if not self.usable:
            return False
        reference = action_probabilities(params, psi, phi)  # bad params fail here, as always
        try:
            _, fast = sample_policy(params, psi, phi, np.zeros(len(psi)))
            self.usable = fast.shape == reference.shape and bool(
                np.allclose(fast, reference, rtol=0.0, atol=self.atol)
            )
        except (KeyError, ValueError) as error:  # e.g. the actions changed and the kernel did not
            log.debug("policy kernel failed: %r", error)
            self.usable = False
        if not self.usable:
            log.warning(
                "nethack_agent.policy_kernel disagrees with nethack_agent.policy "
                "(its rules changed?): rollouts use the numpy policy from now on"
            )
        return self.usable
