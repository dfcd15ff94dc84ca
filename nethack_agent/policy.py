"""The linear softmax policy and its gradients: pure functions on parameter dicts and arrays.

Logits (Sutton & Barto 2nd ed., §13.1, eq. 13.2 — softmax in action preferences linear in
features)::

    z_a(s) = ψ(s)·W[:, a]  +  [a = move d] φ(s, d)·θ_move  +  [a = kick d] φ(s, d)·θ_kick
    π(a|s) = softmax(z(s))_a

so π(a|s) ∝ exp(θ·φ(s, a)) with φ(s, a) stacking ψ(s) in action a's block of W and, for the
sixteen directional actions, φ(s, d) in the block of θ_move or θ_kick. Some actions are offered
only where they can help (invalid-action masking, Huang & Ontañón 2022; ``action_mask``): they
get a fixed logit offset elsewhere: ``MASK_LOGIT`` = −30 for moves, search and rest,
``NEVER_LOGIT`` (π = 0) for the other actions, for a move into a wall or a refused move (no
time passes) and for a move or kick onto a monster whose passive response kills. The offsets
are no parameters, so the gradients below are unchanged. The value baseline is linear too:
V(s) = ψ(s)·v.

The MLP policy (``init_mlp_params``) adds a hidden layer over the same features: a direction
network ``g(s, d) = relu([φ(s, d), ψ(s)] A + a) C + c`` ∈ R² (a ``gradients.Network``, ``hidden``
ReLU units) adds ``g_0`` to the logit of move d and ``g_1`` to that of kick d, so it can weigh
each direction's features against each other and against the state. Its output layer starts
at zero: the first MLP policy is the uniform one, as the linear policy's is. Its parameters are
``mlp/W0, mlp/b0, mlp/W1, mlp/b1`` beside the linear ones; every function here serves both
kinds, telling them apart by those names.

Gradients come from ``gradients.actor_logit_grad`` (the score ``e_a − π`` and the entropy's
gradient with respect to the logits) and the chain rule through the linear map z(params):
∂z_a/∂W[:, a] = ψ(s), ∂z_{move d}/∂θ_move = φ(s, d).
"""

from __future__ import annotations

import numpy as np

from gradients import Network, actor_logit_grad, log_softmax, softmax, softmax_entropy
from gradients.sampling import categorical as sample_actions  # the one categorical sampler
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

__all__ = [
    "MASK_LOGIT",
    "NEVER_LOGIT",
    "MLP_PARAM_NAMES",
    "PARAM_NAMES",
    "POLICY_KINDS",
    "action_mask",
    "action_log_probs",
    "action_probabilities",
    "init_mlp_params",
    "init_params",
    "param_names",
    "logits_grad_to_params",
    "policy_logits",
    "policy_loss",
    "policy_loss_grad",
    "sample_actions",
    "value",
]

PARAM_NAMES = ("W", "theta_move", "theta_kick", "v")
MLP_PARAM_NAMES = ("mlp/W0", "mlp/b0", "mlp/W1", "mlp/b1")
"""the direction network's parameters, present only in an MLP policy"""
POLICY_KINDS = ("linear", "mlp")
_MLP_ACTIVATIONS = ("relu", "identity")
MASK_LOGIT = -30.0
"""Logit offset of a move that passes time, search or rest withheld (π ≈ e⁻³⁰ relative):
soft, so that a mask rule that misreads the map still leaves a way on. Trained weights can
outgrow it (a 15-minute NetHackScore policy gave masked actions 1.8 % of its probability,
attacks on gas spores among them); a hard mask on every action (−10⁴: π = 0, no gradient)
trained no better on NetHackScore — median 724 against 802.5 on the same 200 seeds, more games
stuck to the key cap (55 against 27); docs/nethack-challenge.md, "A soft mask, measured"."""
NEVER_LOGIT = -1.0e4
"""Logit offset (π = 0 exactly) of every other action withheld — descend, pray, eat, escape,
ascend, engrave, pick up, wear, wield, a kick anywhere but at a locked door, a move into a wall,
a refused move or a diagonal one through a doorway — and of a move or kick onto a monster whose
passive response kills. A linear policy's weights are shared by
the states where an action is offered and those where it is not, so what it learns where the
action pays leaks past a −30 offset: trained Challenge policies moved onto a floating eye with
p = 0.63 and died paralysed (the fifteenth session), an MLP policy kicked walls until it died
(the twenty-first), and a linear one (the twenty-second) picked up corpses where nothing useful
lay (a single object is taken without a menu), ate them tainted and died in 13 of 200 games,
and pressed ``wield`` with nothing to wield in 8 % and 64 % of its steps on two sets of 50 —
no time passes, so only the watchdog's search every 200 keys moved those games on; its
retrained policy pressed one refused move 5,001 times in a row. The move's is
lifted only as the last resort of an agent walled in by such a monster (``action_mask``)."""
_LOCKED_DOOR = DIRECTION_FEATURES.index("locked_door")
_HP_FRAC = STATE_FEATURES.index("hp_frac")
_ON_SEARCH_SPOT = STATE_FEATURES.index("on_search_spot")
_ON_DOWNSTAIRS = STATE_FEATURES.index("on_downstairs")
_STUCK = STATE_FEATURES.index("stuck")
_SEARCHES_HERE = STATE_FEATURES.index("searches_here")
_IN_MINES = STATE_FEATURES.index("in_mines")
_SATIATED = STATE_FEATURES.index("satiated")
_TROUBLE_AND_SAFE = STATE_FEATURES.index("trouble_and_safe")
_HUNGRY = STATE_FEATURES.index("hungry")
_WEAK = STATE_FEATURES.index("weak")
_FAINTING = STATE_FEATURES.index("fainting")
_PRAYER_SAFE = STATE_FEATURES.index("prayer_safe")
_ON_UPSTAIRS = STATE_FEATURES.index("on_upstairs")
_DEPTH = STATE_FEATURES.index("depth")
_CAN_ENGRAVE = STATE_FEATURES.index("can_engrave")
_ON_ELBERETH = STATE_FEATURES.index("on_elbereth")
_MONSTER_CLOSE = STATE_FEATURES.index("monster_close")
_USEFUL_ITEM = STATE_FEATURES.index("useful_item_here")
_TO_WEAR = STATE_FEATURES.index("armor_to_wear")
_TO_WIELD = STATE_FEATURES.index("weapon_to_wield")
_NO_FOOD = STATE_FEATURES.index("no_food")
_FRESH_CORPSE = STATE_FEATURES.index("fresh_corpse_here")
_MSG_PROMPT = STATE_FEATURES.index("msg_prompt")
_PASSIVE = DIRECTION_FEATURES.index("passive_monster")
_KIND_MONSTER = DIRECTION_FEATURES.index("kind_monster")
_WALL = DIRECTION_FEATURES.index("kind_wall")
_DOOR_DIAGONAL = DIRECTION_FEATURES.index("door_diagonal")
_PATH_SEARCH = DIRECTION_FEATURES.index("path_search")
_CORPSE_TO_EAT = DIRECTION_FEATURES.index("corpse_to_eat")
_PATH_ITEM = DIRECTION_FEATURES.index("path_item")
_MOVES = slice(MOVE, MOVE + N_DIRECTIONS)
_KICKS = slice(KICK, KICK + N_DIRECTIONS)


def init_params(
    n_state: int, n_direction: int, n_actions: int = N_ACTIONS
) -> dict[str, np.ndarray]:
    """All-zero parameters: the uniform policy and a zero baseline.

    Args:
        n_state: number of state features Ds.
        n_direction: number of direction features Dd.
        n_actions: number of actions A.

    Returns:
        ``{"W": (Ds, A), "theta_move": (Dd,), "theta_kick": (Dd,), "v": (Ds,)}``.
    """
    return {
        "W": np.zeros((n_state, n_actions)),
        "theta_move": np.zeros(n_direction),
        "theta_kick": np.zeros(n_direction),
        "v": np.zeros(n_state),
    }


def policy_logits(params: dict[str, np.ndarray], psi: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Logits z(s) of the policy.

    Args:
        params: the parameter dict (``init_params``).
        psi: state features (..., Ds).
        phi: direction features (..., 8, Dd).

    Returns:
        (..., A) logits.
    """
    z = psi @ params["W"]
    theta = np.stack([params["theta_move"], params["theta_kick"]], axis=-1)
    # one matrix product over every state and direction (a stack of (8, Dd) ones is slower)
    directional = (phi.reshape(-1, phi.shape[-1]) @ theta).reshape(*phi.shape[:-1], 2)
    z[..., _MOVES] += directional[..., 0]
    z[..., _KICKS] += directional[..., 1]
    network = _direction_network(params)
    if network is not None:
        out = network.forward(_direction_inputs(psi, phi))[-1].reshape(*phi.shape[:-1], 2)
        z[..., _MOVES] += out[..., 0]
        z[..., _KICKS] += out[..., 1]
    return z + action_mask(psi, phi)


def action_mask(psi: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Logit offsets that withhold actions where they cannot help: 0, −30 or −10⁴.

    ``MASK_LOGIT`` (−30) for moves that pass time, search and rest, ``NEVER_LOGIT`` (−10⁴)
    for the others:

    - a move onto a monster that hurts whoever hits it bare-handed (acid blob, molds, jellies;
      and, with ``NEVER_LOGIT``, the deadly ones: floating eye: paralysis; cockatrice:
      stoning; gas spore: explosion — a move or a kick), or into a wall
      (no time passes: "It's a wall.") — rock it once bumped into ("It's solid stone.") reads
      as wall (``MapMemory.remember_wall``), and so does a move NetHack refused from this
      square ("This door is locked.", "You are carrying too much to get through.") —, or
      diagonally into or out of a door (NetHack refuses it); one exception: walled in by such
      a monster (``_blocker_fights``), the move onto it is the only move offered, and search,
      rest and Elbereth are withheld — trained
      policies starved in corridors between floating eyes and acid blobs, no path leading
      through them (the eighteenth session: 9 of 11 of the longest stays on one level of 200
      evaluation games looked at);
    - when stuck with no monster within 4 squares: on a search spot, every move (search or rest
      there until it has been searched enough, then the next spot is offered), elsewhere a move
      off every shortest path to the nearest search spot — trained policies walked about
      a closed room, or a level explored to its dead ends, for 10,000–35,000 actions without
      searching, and starved (``docs/nethack-challenge.md``, the fourteenth session);
    - a kick except toward a door NetHack just called locked ("This door is locked.", met by
      moving into it), outside the Gnomish Mines: a move into a closed door opens it (NetHack's
      ``autoopen``), a kick breaks it — and a shop's broken door sends its shopkeeper after
      the agent with a wand of striking; kicking walls hurts and kills weak characters;
      kicking Minetown's doors sets the watch on you — withheld with ``NEVER_LOGIT``: an MLP
      policy's kick output outgrew −30 (the twenty-first session: a snapshot killed itself
      kicking walls in 32 of 40 games);
    - ``rest`` at full HP (it would only idle), unless on a search spot while stuck (its 20
      turns are 20 searches there, for three keys);
    - ``search`` unless stuck (no frontier, no down-staircase in reach: hidden passages are
      what is left) or on a search spot, or — for at most 20 turns on one square — on Elbereth
      or with a monster within 4 squares (let it come): elsewhere a turn searched is a turn
      not exploring — trained policies searched in place for thousands of turns on levels with
      a frontier in reach (one next to an acid blob that blocked a corridor), and starved;
    - ``descend`` off a down-staircase;
    - ``pray`` unless in major trouble with a prayer more likely heard than not (a prayer made
      too soon angers the god; ``nethack_agent.prayer``) — or Fainting from hunger with any
      chance of being heard (starvation is near; the last resort);
    - ``eat`` unless Hungry or Weak, or on a fresh corpse safe to eat (seen to fall) and
      not Satiated (eating when Satiated risks choking); and after "You don't have anything to
      eat." until a pick up, unless such a corpse lies here. On such a corpse with no monster
      within 4 squares, every move is withheld: roles that start without food starved near
      turn 1,200 (or fainted and were killed by a newt) when kills were eaten only once Hungry;
      next to one (``corpse_to_eat``) with no monster within 4 squares, every move but the step
      onto it: a trained policy ate 356 corpses of its 4,783 safe kills (NetHack leaves a
      corpse for a half to a third of them), and every character of its that starved had
      prayed for food until its god was angered; Hungry or worse with nothing to eat and no
      monster within 4 squares, every move off the path to the nearest food seen
      (``path_item``, which then leads to food), and every move on a useful object (pick it
      up): 35 of 200 games of a trained policy ended in hunger, and 13 of them had seen food
      on the level while hungry with none;
    - ``escape`` unless a question waits (otherwise ESC only passes a key, not time);
    - ``ascend`` off an up-staircase, on level 1 (up from there leaves the dungeon: the end),
      or with no monster within 4 squares (it is for fleeing: trained policies climbed back
      up the moment they arrived, 97–195 times in one game, and starved on the stairs);
    - ``engrave_elbereth`` where no line of text can be typed (NetHackScore escapes it), with
      no monster within 4 squares, or on a square that bears it already;
    - ``pick_up`` unless a useful object (or a pile) lies here and the agent is not Burdened
      (a single object is taken without a menu, a corpse too),
      ``wear`` unless it carries armour it picked up and has not tried on, ``wield`` likewise
      for weapons (``nethack_agent.items``: only for roles that gain by it, never a Monk);
    - and where every action is withheld, ``search`` is offered: a turn passes (a peaceful
      monster in the only way on walks off) — a policy left to choose among withheld actions
      pressed keys that pass no time (an escaped engraving, 1,311 times in one game) until
      the key cap.

    Args:
        psi: state features (..., Ds).
        phi: direction features (..., 8, Dd).

    Returns:
        (..., A) offsets.
    """
    mask = np.zeros((*psi.shape[:-1], N_ACTIONS))
    blocked = (phi[..., _PASSIVE] > 0) | (phi[..., _WALL] > 0) | (phi[..., _DOOR_DIAGONAL] > 0)
    calm = psi[..., _MONSTER_CLOSE] == 0  # no monster within 4 squares
    danger = psi[..., _MONSTER_CLOSE] > 0
    stuck = (psi[..., _STUCK] > 0) & calm
    on_spot = stuck & (psi[..., _ON_SEARCH_SPOT] > 0)
    to_spot = phi[..., _PATH_SEARCH] > 0
    off_path = (stuck & to_spot.any(axis=-1))[..., None] & ~to_spot
    meal = (psi[..., _FRESH_CORPSE] > 0) & (psi[..., _SATIATED] == 0)
    blocked |= (on_spot | (meal & calm))[..., None] | off_path
    to_corpse = (phi[..., _CORPSE_TO_EAT] > 0) & ~blocked
    blocked |= (to_corpse.any(axis=-1) & calm)[..., None] & ~to_corpse
    hungry = (psi[..., _HUNGRY] > 0) | (psi[..., _WEAK] > 0)
    seek = hungry & (psi[..., _NO_FOOD] > 0) & calm  # path_item leads to food
    blocked |= (seek & (psi[..., _USEFUL_ITEM] > 0))[..., None]  # on it: pick it up
    to_food = (phi[..., _PATH_ITEM] > 0) & ~blocked
    blocked |= (seek & to_food.any(axis=-1))[..., None] & ~to_food
    fight = _blocker_fights(psi, phi)
    trapped = fight.any(axis=-1)
    blocked = np.where(trapped[..., None], ~fight, blocked)
    futile = (phi[..., _WALL] > 0) | (phi[..., _DOOR_DIAGONAL] > 0)  # no time passes
    mask[..., _MOVES] = np.where(blocked, np.where(futile, NEVER_LOGIT, MASK_LOGIT), 0.0)
    door = (phi[..., _LOCKED_DOOR] > 0) & (psi[..., None, _IN_MINES] == 0)
    mask[..., _KICKS] = np.where(door, 0.0, NEVER_LOGIT)
    deadly = np.where(phi[..., _PASSIVE] >= 1.0, NEVER_LOGIT, 0.0)
    mask[..., _MOVES] += np.where(fight, 0.0, deadly)
    mask[..., _KICKS] += deadly
    rest = ((psi[..., _HP_FRAC] < 1.0) | (psi[..., _ON_SEARCH_SPOT] > 0)) & ~trapped
    mask[..., REST] = np.where(rest, 0.0, MASK_LOGIT)
    mask[..., DESCEND] = np.where(psi[..., _ON_DOWNSTAIRS] > 0, 0.0, NEVER_LOGIT)
    waiting = (psi[..., _ON_ELBERETH] > 0) | danger
    waiting &= psi[..., _SEARCHES_HERE] < 1.0  # searches_here: searches in a row / 20
    search = ((psi[..., _STUCK] > 0) | (psi[..., _ON_SEARCH_SPOT] > 0) | waiting) & ~trapped
    mask[..., SEARCH] = np.where(search, 0.0, MASK_LOGIT)
    mask[..., PRAY] = np.where(_pray_offered(psi), 0.0, NEVER_LOGIT)
    food = (psi[..., _NO_FOOD] == 0) | (psi[..., _FRESH_CORPSE] > 0)
    mask[..., EAT] = np.where((hungry & food) | meal, 0.0, NEVER_LOGIT)
    mask[..., ESCAPE] = np.where(psi[..., _MSG_PROMPT] > 0, 0.0, NEVER_LOGIT)
    up = (psi[..., _ON_UPSTAIRS] > 0) & (psi[..., _DEPTH] >= 0.2) & danger  # depth / 10
    mask[..., ASCEND] = np.where(up, 0.0, NEVER_LOGIT)
    engrave = (psi[..., _CAN_ENGRAVE] > 0) & danger & (psi[..., _ON_ELBERETH] == 0) & ~trapped
    mask[..., ENGRAVE] = np.where(engrave, 0.0, NEVER_LOGIT)
    mask[..., PICKUP] = np.where(psi[..., _USEFUL_ITEM] > 0, 0.0, NEVER_LOGIT)
    mask[..., WEAR] = np.where(psi[..., _TO_WEAR] > 0, 0.0, NEVER_LOGIT)
    mask[..., WIELD] = np.where(psi[..., _TO_WIELD] > 0, 0.0, NEVER_LOGIT)
    nothing = (mask < 0).all(axis=-1)  # a turn searched passes time: a pressed key may not
    mask[..., SEARCH] = np.where(nothing, 0.0, mask[..., SEARCH])
    return mask


def _pray_offered(psi: np.ndarray) -> np.ndarray:
    """(...): whether ``pray`` is offered.

    In major trouble when more likely heard than not, or Fainting with any chance of being
    heard (the last resort).
    """
    last_resort = (psi[..., _FAINTING] > 0) & (psi[..., _PRAYER_SAFE] > 0)
    return (psi[..., _TROUBLE_AND_SAFE] >= 0.5) | last_resort


def _blocker_fights(psi: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """(..., 8): whether the move in direction d fights a never-hit monster that walls the agent in.

    ``action_mask``'s one exception to "never hit it".

    Trapped means nothing to explore and no way down in reach (``stuck``: no path runs through
    such a monster) with one of them adjacent and no other monster adjacent. Then one that stings
    (acid blob, molds, jellies: ``passive_monster`` 0.5) is fought at half HP or more or once
    Hungry, and a deadly one (a floating eye) only Weak with no prayer offered — the last resort
    before starvation. Fought once Hungry, floating eyes froze a trained policy's characters 47
    times in 200 games, some every time they grew hungry (the twenty-fifth session); a prayer
    when Weak feeds them, and a floating eye drifts off in the meantime.
    """
    passive = phi[..., _PASSIVE]
    other = ((phi[..., _KIND_MONSTER] > 0) & (passive == 0)).any(axis=-1)
    trapped = (psi[..., _STUCK] > 0) & ~other
    hungry = (psi[..., _HUNGRY] > 0) | (psi[..., _WEAK] > 0)
    starving = (psi[..., _WEAK] > 0) & ~_pray_offered(psi)
    stinging = (passive < 1.0) & ((psi[..., None, _HP_FRAC] >= 0.5) | hungry[..., None])
    return trapped[..., None] & (passive > 0) & (starving[..., None] | stinging)


def action_probabilities(
    params: dict[str, np.ndarray], psi: np.ndarray, phi: np.ndarray
) -> np.ndarray:
    """π(·|s) = softmax(z(s)), (..., A)."""
    return softmax(policy_logits(params, psi, phi))


def value(params: dict[str, np.ndarray], psi: np.ndarray) -> np.ndarray:
    """The linear baseline V(s) = ψ(s)·v, (...)."""
    return psi @ params["v"]


def policy_loss(
    params: dict[str, np.ndarray],
    psi: np.ndarray,
    phi: np.ndarray,
    actions: np.ndarray,
    advantages: np.ndarray,
    entropy_coef: float,
) -> float:
    """The actor's loss, ``L = −(1/B) Σ_b [A_b log π(a_b|s_b) + β H(π(·|s_b))]``.

    Minimising it ascends the policy-gradient objective with an entropy bonus (Williams &
    Peng 1991; Mnih et al. 2016, A3C).

    Args:
        params: parameters.
        psi: state features (B, Ds).
        phi: direction features (B, 8, Dd).
        actions: actions taken (B,) int.
        advantages: weights A_b (B,).
        entropy_coef: β ≥ 0.

    Returns:
        The scalar loss.
    """
    z = policy_logits(params, psi, phi)
    log_pi_a = _chosen_log_probs(z, actions)
    return float(-np.mean(advantages * log_pi_a + entropy_coef * softmax_entropy(z)))


def action_log_probs(
    params: dict[str, np.ndarray], psi: np.ndarray, phi: np.ndarray, actions: np.ndarray
) -> np.ndarray:
    """The log-probability log π(a_b | s_b) of each sample's action, (B,)."""
    return _chosen_log_probs(policy_logits(params, psi, phi), actions)


def _chosen_log_probs(logits: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """The log-probability log π(a_b | s_b) from the logits (B, A) and the actions (B,)."""
    return np.take_along_axis(log_softmax(logits), actions[:, None], axis=-1)[:, 0]


def policy_loss_grad(
    params: dict[str, np.ndarray],
    psi: np.ndarray,
    phi: np.ndarray,
    actions: np.ndarray,
    advantages: np.ndarray,
    entropy_coef: float,
) -> tuple[dict[str, np.ndarray], float]:
    """Gradient of ``policy_loss`` with respect to W, θ_move, θ_kick (and the MLP's weights).

    With respect to the logits, ``∂L/∂z = −(1/B)[A_b (e_{a_b} − π_b) + β ∂H/∂z]``: the score
    and the entropy's gradient ``−π ⊙ (log π + H)`` from ``gradients.actor_logit_grad``.

    Args:
        params: parameters.
        psi: state features (B, Ds).
        phi: direction features (B, 8, Dd).
        actions: actions taken (B,) int.
        advantages: weights A_b (B,).
        entropy_coef: β ≥ 0.

    Returns:
        ``({"W", "theta_move", "theta_kick"} gradients, mean entropy)``; an MLP policy's
        gradients also hold ``MLP_PARAM_NAMES``, by back-propagation through its network.
    """
    batch = len(actions)
    z = policy_logits(params, psi, phi)
    ascent, entropy = actor_logit_grad(z, actions, advantages, entropy_coef)
    grad_z = -ascent / batch
    grads = logits_grad_to_params(psi, phi, grad_z)
    network = _direction_network(params)
    if network is not None:
        trace = network.forward(_direction_inputs(psi, phi))
        grad_out = np.stack([grad_z[:, _MOVES], grad_z[:, _KICKS]], axis=-1).reshape(-1, 2)
        grads |= {f"mlp/{k}": g for k, g in network.backward(trace, grad_out).items()}
    return grads, float(np.mean(entropy))


def logits_grad_to_params(
    psi: np.ndarray, phi: np.ndarray, grad_z: np.ndarray
) -> dict[str, np.ndarray]:
    """Chain rule through the linear logits: ∂L/∂params from ∂L/∂z.

    Args:
        psi: state features (B, Ds).
        phi: direction features (B, 8, Dd).
        grad_z: ∂L/∂z, (B, A).

    Returns:
        ``{"W": ψᵀ g, "theta_move": Σ_{b,d} g_{b,move d} φ_{b,d}, "theta_kick": (same for kicks)}``.
    """
    by_direction = np.stack([grad_z[:, _MOVES], grad_z[:, _KICKS]], axis=-1).reshape(-1, 2)
    theta = phi.reshape(-1, phi.shape[-1]).T @ by_direction  # (Dd, 2): Σ_{b,d} at once
    return {"W": psi.T @ grad_z, "theta_move": theta[:, 0], "theta_kick": theta[:, 1]}


def init_mlp_params(
    n_state: int,
    n_direction: int,
    hidden: int,
    rng: np.random.Generator,
    n_actions: int = N_ACTIONS,
) -> dict[str, np.ndarray]:
    """The linear policy's zero parameters plus the direction network (module docstring).

    The hidden layer is He-initialised from ``rng``; the output layer is zero, so the policy
    starts uniform and the first updates train the output layer, the later ones both.

    Args:
        n_state: number of state features Ds.
        n_direction: number of direction features Dd.
        hidden: hidden ReLU units H, ≥ 1.
        rng: draws the hidden layer's weights.
        n_actions: number of actions A.

    Returns:
        ``init_params``'s dict and ``{"mlp/W0": (Dd + Ds, H), "mlp/b0": (H,),
        "mlp/W1": (H, 2), "mlp/b1": (2,)}``.
    """
    network = Network.create([n_direction + n_state, hidden, 2], _MLP_ACTIVATIONS, None, rng)
    network.params["W1"][:] = 0.0
    return init_params(n_state, n_direction, n_actions) | {
        f"mlp/{name}": value for name, value in network.params.items()
    }


def param_names(kind: str) -> tuple[str, ...]:
    """The parameter names of a policy of ``kind`` ("linear" or "mlp")."""
    if kind not in POLICY_KINDS:
        raise ValueError(f"policy must be one of {POLICY_KINDS}, got {kind!r}")
    return PARAM_NAMES + (MLP_PARAM_NAMES if kind == "mlp" else ())


def _direction_network(params: dict[str, np.ndarray]) -> Network | None:
    """The MLP's direction network over ``params``' own arrays, or None for a linear policy."""
    if "mlp/W0" not in params:
        return None
    weights = {name.removeprefix("mlp/"): params[name] for name in MLP_PARAM_NAMES}
    return Network(weights, _MLP_ACTIVATIONS, None)


def _direction_inputs(psi: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """One row ``[φ(s, d), ψ(s)]`` per state and direction: (N·8, Dd + Ds)."""
    state = np.broadcast_to(psi[..., None, :], (*phi.shape[:-1], psi.shape[-1]))
    return np.concatenate([phi, state], axis=-1).reshape(-1, phi.shape[-1] + psi.shape[-1])
