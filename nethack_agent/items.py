"""Which objects are worth picking up, wearing or wielding, read from their names.

NetHack names an object on the floor ("You see here a pair of hiking boots."), in the pick-up
menu ("a - a food ration") and in the pick-up message ("e - a pair of hiking boots."); its own
object table (``nle.nethack.objclass``: name, unidentified appearance, class, weight) tells
what the name is. ``useful_kind`` sorts a name into "food", "armor", "weapon" or None (leave
it), by these rules (never anything with a price: a shop's objects must be paid for):

- **food**: comestibles of at most ``FOOD_WEIGHT`` (no globs or huge chunks of meat); of the
  corpses only those that never rot (``NEVER_ROTS``: lichen and lizard, NetHack's
  ``eat.c``), the others are ``nethack_agent.food``'s business;
- **armor** (only where the agent can answer "What do you want to wear?", the Challenge):
  at most ``ARMOR_WEIGHT``; never an object that curses itself or hurts when worn (dunce cap,
  helm of opposite alignment, gauntlets of fumbling, fumble and levitation boots) nor an
  unidentified appearance that may be one of them (NetHack shuffles the appearances of
  helmets 79–81, gloves 136–139 and boots 143–149); for a Monk no body armour and no shield
  (both ruin martial arts);
- **weapon** (the Challenge, and only for the roles in ``WIELDERS``): melee weapons of at most
  ``WEAPON_WEIGHT``, no ammunition, missiles or launchers.

``WIELDERS`` are the roles whose starting weapon is weak enough that any melee weapon found is
no worse: the Archeologist (a d2 bullwhip) and the Tourist (bare hands). Every other role
starts with a better weapon (a Monk fights best bare-handed), so it never wields what it finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from nle import nethack

__all__ = [
    "ARMOR_WEIGHT",
    "FOOD_WEIGHT",
    "NEVER_ROTS",
    "WEAPON_WEIGHT",
    "WIELDERS",
    "listed_useful",
    "menu_choices",
    "never_rots",
    "object_name",
    "offered_letters",
    "picked_up",
    "useful_kind",
]

FOOD_WEIGHT = 50
NEVER_ROTS = ("lichen", "lizard")
"""The monsters whose corpses never rot or taint (``eat.c``, ``eatcorpse``): food at any age."""
ARMOR_WEIGHT = 250
WEAPON_WEIGHT = 70
WIELDERS = ("Archeologist", "Tourist")
_WEAPON, _ARMOR, _FOOD = 2, 3, 7  # NetHack's object classes
_AMMO_AND_LAUNCHERS = (*range(1, 10), *range(65, 71))
_SUITS, _SHIELDS = range(82, 115), range(129, 136)
_SHUFFLED = (range(79, 82), range(136, 140), range(143, 150))
_HARMFUL = ("dunce cap", "helm of opposite alignment", "gauntlets of fumbling")
_HARMFUL += ("fumble boots", "levitation boots")
_PREFIX = re.compile(
    r"^(?:an?|the|\d+)\s+|^(?:uncursed|cursed|blessed|greased|rotten|partly eaten|"
    r"[+-]\d+|pairs? of|set of)\s+"
)
_SUFFIX = re.compile(r"\s+(?:\(.*|named .*|called .*)$")
_PICKED = re.compile(rb"(?:^|  )([a-zA-Z]) - (.+?)\.(?=  |$)")
_MENU_ITEM = re.compile(r"^ ?([a-zA-Z]) - (.+?)\s*$")
_OFFERED = re.compile(rb"\[([^\]]*?)(?: or \?\*)?\]")


@cache
def _objects() -> dict[str, tuple[int, ...]]:
    """Object names and appearances → (index, class, weight) of the first object so named."""
    table: dict[str, tuple[int, ...]] = {}
    for index in range(1, nethack.NUM_OBJECTS):
        obj = nethack.objclass(index)
        oclass = ord(obj.oc_class) if isinstance(obj.oc_class, str) else int(obj.oc_class)
        for name in (nethack.OBJ_NAME(obj), nethack.OBJ_DESCR(obj)):
            if name and name not in table:
                table[name] = (index, oclass, int(obj.oc_weight))
    return table


def object_name(text: str) -> str:
    """The object's name without count, article, blessing, enchantment or remarks.

    Example:
        >>> object_name("2 uncursed +1 pairs of hiking boots (being worn)")
        'hiking boots'
    """
    text = text.strip()
    while (shorter := _PREFIX.sub("", text, count=1)) != text:
        text = shorter
    return _SUFFIX.sub("", text)


def _lookup(name: str) -> tuple[int, ...] | None:
    """The object table's entry for a name, singular or plural."""
    table = _objects()
    for singular in (name, name[:-1], name[:-2], name[:-3] + "y", name[:-3] + "fe"):
        if singular in table:
            return table[singular]
    return None


def useful_kind(text: str, role: str, challenge: bool, armed: bool = False) -> str | None:
    """The kind ("food", "armor" or "weapon") of a named object worth picking up, or None.

    Args:
        text: how NetHack names the object ("a +0 pair of hiking boots", "3 food rations").
        role: the character's role ("" if unknown).
        challenge: whether the agent answers every question (wear and wield need it).
        armed: the agent wields a weapon it found already (it wants no other).

    Example:
        >>> useful_kind("a food ration", "Monk", False), useful_kind("a jackal corpse", "", True)
        ('food', None)
        >>> useful_kind("2 lichen corpses", "", False)
        'food'
    """
    if "zorkmid" in text:
        return None  # a shop's: picked up, it must be paid for before leaving
    if never_rots(text):
        return "food"  # light (20 and 10) and safe at any age
    name = object_name(text)
    entry = _lookup(name)
    if entry is None or "corpse" in name or name.startswith("glob"):
        return None
    index, oclass, weight = entry
    if oclass == _FOOD:
        return "food" if weight <= FOOD_WEIGHT else None
    if not challenge:
        return None
    if oclass == _ARMOR:
        harmful = name in _HARMFUL or any(index in group for group in _SHUFFLED)
        monk_forbidden = role == "Monk" and (index in _SUITS or index in _SHIELDS)
        return None if harmful or monk_forbidden or weight > ARMOR_WEIGHT else "armor"
    if oclass == _WEAPON and role in WIELDERS and not armed:
        return None if index in _AMMO_AND_LAUNCHERS or weight > WEAPON_WEIGHT else "weapon"
    return None


def never_rots(text: str) -> bool:
    """Whether a named object is a corpse that never rots (``NEVER_ROTS``).

    Example:
        >>> never_rots("2 lichen corpses"), never_rots("a newt corpse"), never_rots("a lichen")
        (True, False, False)
    """
    monster, corpse, _ = object_name(text).removesuffix("s").rpartition(" corpse")
    return bool(corpse) and monster in NEVER_ROTS


def picked_up(message: bytes) -> list[tuple[int, str]]:
    """(letter, name) of every object a pick-up message puts in the inventory.

    Example:
        >>> picked_up(b"e - a pair of hiking boots.")
        [(101, 'a pair of hiking boots')]
    """
    text = message.rstrip(b"\0 ")
    return [(letter[0], name.decode("ascii", "replace")) for letter, name in _PICKED.findall(text)]


def menu_choices(tty_text: bytes, role: str, challenge: bool, armed: bool) -> tuple[int, ...]:
    """The letters to select in a "Pick up what?" menu: every line naming a useful object.

    Args:
        tty_text: the terminal (NLE ``tty_chars`` as bytes, 24 rows of 80).
        role: the character's role.
        challenge: as in ``useful_kind``.
        armed: as in ``useful_kind``.
    """
    letters = []
    for line in _window_lines(tty_text, "Pick up what?"):
        found = _MENU_ITEM.match(line)
        if found and useful_kind(found.group(2), role, challenge, armed):
            letters.append(ord(found.group(1)))
    return tuple(letters)


def listed_useful(tty_text: bytes, role: str, challenge: bool, armed: bool) -> bool:
    """Whether a "Things that are here:" window (a pile of 2–5 objects) names a useful one.

    Args:
        tty_text: the terminal (NLE ``tty_chars`` as bytes, 24 rows of 80).
        role: the character's role.
        challenge: as in ``useful_kind``.
        armed: as in ``useful_kind``.
    """
    lines = _window_lines(tty_text, "Things that are here:")
    return any(useful_kind(line, role, challenge, armed) for line in lines)


def _window_lines(tty_text: bytes, title: str) -> Iterator[str]:
    """The lines below ``title`` on the terminal, from its column, up to a ``--More--``."""
    column = None  # where the window's text starts, once its title is found
    for row in range(24):
        line = tty_text[row * 80 : (row + 1) * 80].decode("ascii", "replace")
        if column is None:
            start = line.find(title)
            column = None if start < 0 else start
        elif "--More--" in line:
            return
        else:
            yield line[column:]


def offered_letters(question: bytes) -> frozenset[int]:
    """The inventory letters a "What do you want to …? [a-c e or ?*]" question offers.

    Example:
        >>> sorted(chr(c) for c in offered_letters(b"What do you want to wear? [a-c e or ?*]"))
        ['a', 'b', 'c', 'e']
    """
    found = _OFFERED.search(question)
    if found is None:
        return frozenset()
    spec = found.group(1).decode("ascii", "replace")
    letters: set[int] = set()
    for start, end, single in re.findall(r"([a-zA-Z])-([a-zA-Z])|([a-zA-Z])", spec):
        if single:
            letters.add(ord(single))
        else:
            letters.update(range(ord(start), ord(end) + 1))
    return frozenset(letters)
