"""When a prayer is heard: NetHack 3.6's prayer timeout, tracked from what the agent can see.

The rules (NetHack 3.6 ``pray.c`` ``can_pray``, ``pleased``; ``allmain.c``; ``rnd.c``):

- the prayer timeout ``u.ublesscnt`` starts at 300 (``u_init.c``) and drops by one a turn;
- a prayer is heard ("p_type" ≥ 2) when Luck ≥ 0, the god is not angry and the timeout is
  ≤ 200 in **major** trouble (``major_trouble``: HP ≤ 5 or ≤ a fifth to a ninth of max by
  experience level, Weak from hunger, stoned, slimed, strangled, food-poisoned or ill…),
  ≤ 100 in minor trouble, 0 otherwise; a prayer heard resets it to ``rnz(350)``;
- a prayer made too soon angers the god (Luck −3, anger +1): later prayers are not heard.

The agent cannot see the timeout. It knows the turn of its last prayer; after a heard prayer
the new timeout is a draw of ``rnz(350)``, whose exact distribution (``rnz_pmf``) gives the
probability that a prayer now, in major trouble, is heard:

    P(heard) = P(rnz(350) − (turn − prayer turn) ≤ 200).
"""

from __future__ import annotations

from functools import cache

import numba
import numpy as np
from nle import nethack

__all__ = [
    "INITIAL_TIMEOUT",
    "MAJOR_TROUBLE_LIMIT",
    "god_angered",
    "heard_probability",
    "heard_table",
    "major_trouble",
    "rnz_pmf",
]

INITIAL_TIMEOUT = 300
"""``u.ublesscnt`` at the start of a game (``u_init.c``)."""
MAJOR_TROUBLE_LIMIT = 200
"""In major trouble a prayer is heard when the timeout is at most this (``can_pray``)."""
_WEAK = 3
"""NetHack's hunger state ``u.uhs`` for Weak (Fainting and Fainted follow)."""
_TROUBLE_CONDITIONS = (
    nethack.BL_MASK_STONE
    | nethack.BL_MASK_SLIME
    | nethack.BL_MASK_STRNGL
    | nethack.BL_MASK_FOODPOIS
    | nethack.BL_MASK_TERMILL
)
"""The status line's conditions that are major trouble (``in_trouble``: stoned, slimed,
strangled, sick — food poisoning or a terminal illness)."""
_ANGERED = (
    b"is displeased",
    b"You feel guilty",
    b"Thou hast angered me",
    b"Thou durst",
    b"Thou must relearn",
)


def god_angered(message: bytes) -> bool:
    """Whether the messages after a prayer say it angered the god (``pray.c`` ``angrygods``).

    A prayer made too soon, or with negative Luck or alignment, ends in one of: "You feel that
    Kos is displeased.", "Thou art arrogant, mortal." "Thou must relearn thy lessons!" (a level
    lost), "Thou hast angered me." (a curse, a ball and chain, lightning), or "Thou durst call
    upon me?" (a minion). From then on no prayer is heard.

    Example:
        >>> god_angered(b"You feel a hopeful feeling.  You feel much better.")
        False
    """
    return any(words in message for words in _ANGERED)


@numba.njit(cache=True)
def major_trouble(hp: int, max_hp: int, level: int, hunger: int, conditions: int) -> bool:
    """Whether a prayer now is one in major trouble (``pray.c`` ``in_trouble``), as shown.

    From what the status line shows: HP is critically low (``critically_low_hp``) when at most
    5 or at most max HP / d, max HP first capped at 15 × experience level, d = 5 at levels
    1–5, 6 at 6–13, 7 at 14–21, 8 at 22–29, 9 at 30 (NetHack 3.4.3 used 1/7 at every level);
    hunger is trouble from Weak on; so are the conditions stoned, slimed, strangled,
    food-poisoned and ill. Trouble the status line does not show (lycanthropy, lava, a cursed
    levitation…) is not counted.

    Example:
        >>> bool(major_trouble(8, 40, 3, 1, 0)), bool(major_trouble(9, 40, 3, 1, 0))
        (True, False)
    """
    if hunger >= _WEAK or conditions & _TROUBLE_CONDITIONS:
        return True
    rank = 0 if level <= 2 else min((level + 2) // 4, 8)  # xlev_to_rank
    divisor = 5 + rank // 2
    return hp <= 5 or hp * divisor <= min(max_hp, 15 * level)


@cache
def rnz_pmf(i: int = 350, max_rne: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """The exact distribution of NetHack's ``rnz(i)`` (``rnd.c``), for experience level < 15.

    ``rnz``: tmp = (1000 + rn2(1000)) · rne(4); with probability ½ x = i·tmp / 1000, else
    x = i·1000 / tmp (integer division). ``rne(4)`` = k with probability (¾)(¼)^(k−1) for
    k < ``max_rne`` and (¼)^(max_rne−1) for k = max_rne (``utmp`` = 5 below level 15).

    Args:
        i: the argument (350 after a prayer).
        max_rne: the cap of ``rne`` (5 below experience level 15).

    Returns:
        (values, probabilities), values ascending, probabilities summing to 1.
    """
    rne = np.array([0.75 * 0.25 ** (k - 1) for k in range(1, max_rne)] + [0.25 ** (max_rne - 1)])
    base = np.arange(1000, 2000)
    tmp = (base[None, :] * np.arange(1, max_rne + 1)[:, None]).ravel()
    weight = np.repeat(rne / 1000.0, 1000)
    values = np.concatenate([i * tmp // 1000, i * 1000 // tmp])
    probabilities = np.concatenate([weight, weight]) / 2.0
    support, inverse = np.unique(values, return_inverse=True)
    return support, np.bincount(inverse, weights=probabilities)


@cache
def heard_table(i: int = 350) -> np.ndarray:
    """P(rnz(i) ≤ g) for g = 0, 1, … max rnz(i) (computed once; the runner's kernel reads it).

    Example:
        >>> float(heard_table()[-1])
        1.0
    """
    values, probabilities = rnz_pmf(i)
    gaps = np.arange(values[-1] + 1)
    index = np.searchsorted(values, gaps, side="right") - 1
    return np.minimum(
        np.where(index >= 0, np.cumsum(probabilities)[np.maximum(index, 0)], 0.0), 1.0
    )


def heard_probability(turn: np.ndarray, last_prayer_turn: np.ndarray) -> np.ndarray:
    """P(a prayer now, in major trouble, is heard), from the turn of the last prayer.

    Never prayed (``last_prayer_turn`` < 0): the timeout is 300 − (turn − 1) for sure, so the
    answer is 1 from turn 101 on and 0 before. Prayed at turn t₀ and heard: the timeout is
    rnz(350) − (turn − t₀), so the answer is P(rnz(350) ≤ 200 + turn − t₀).

    Args:
        turn: the game turn now (``blstats`` time), (N,).
        last_prayer_turn: turn of the last heard prayer, or −1 if none this game, (N,).

    Returns:
        (N,) probabilities.
    """
    turn = np.asarray(turn, dtype=np.int64)
    last = np.asarray(last_prayer_turn, dtype=np.int64)
    table = heard_table(350)
    gap = np.minimum(np.maximum(turn - last, 0) + MAJOR_TROUBLE_LIMIT, len(table) - 1)
    first = INITIAL_TIMEOUT - (turn - 1) <= MAJOR_TROUBLE_LIMIT
    return np.where(last < 0, first, table[gap])
