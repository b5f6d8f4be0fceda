"""Logins, display names, avatars and descriptions that look like Twitch's.

Everything here draws from a ``random.Random`` handed in, so a scenario's seed fixes it all.
"""

from __future__ import annotations

import random
import string
from bisect import bisect_right
from collections.abc import Callable

# Twitch's default profile pictures: this URL shape ("user-default-pictures-uv") is what Get Users
# returns for an account that never uploaded one.
DEFAULT_AVATARS: tuple[str, ...] = tuple(
    f"https://static-cdn.jtvnw.net/user-default-pictures-uv/{u}-profile_image-300x300.png"
    for u in (
        "13e5fa74-defa-11e9-809c-784f43822e80",
        "215b7342-def9-11e9-9a66-784f43822e80",
        "294c98b5-e34d-42cd-a8f0-140b72fba9b0",
        "41780b5a-def8-11e9-94d9-784f43822e80",
        "75305d54-c7cc-40d1-bb9c-91fbe85943c7",
        "998f01ae-def8-11e9-b95c-784f43822e80",
        "cdd517fe-def4-11e9-948e-784f43822e80",
        "dbdc9198-def8-11e9-8681-784f43822e80",
        "de130ab0-def7-11e9-b668-784f43822e80",
        "ead5c8b2-a4c9-4724-b1dd-9f00b46cbd3d",
        "ebe4cd89-b4f4-4cd9-adac-2f30151b4209",
    )
)


def words(text: str) -> tuple[str, ...]:
    """Return the words of ``text`` as a tuple."""
    return tuple(text.split())


_ADJ = words(
    "dark lunar silent happy lazy crazy salty cozy sleepy angry fuzzy mighty tiny big old "
    "little golden shadow frozen toxic wild lucky swift brave epic hyper mega neon pixel "
    "retro cosmic royal rusty spicy sneaky grumpy chill sad mad red blue green purple black "
    "white iron stormy void holy savage sweet bitter magic rapid stealthy"
)
_NOUN = words(
    "fox wolf panda tiger dragon ninja wizard knight gamer sniper potato cookie pickle "
    "penguin otter koala raven falcon phoenix ghost zombie pirate viking samurai goblin llama "
    "taco noodle waffle pancake bacon muffin cactus rocket comet storm thunder frost blade "
    "arrow hunter ranger rogue mage shaman paladin bard monk turtle kitten puppy bunny moose "
    "bear duck frog squid shark whale badger hamster sloth unicorn banana cheese toast"
)
_NAME = words(
    "alex sam max chris jordan taylor jamie mike dave john matt nick tom ben josh ryan kevin "
    "jake luke adam dan emma olivia sophia mia ella chloe lily zoe anna sara laura julia nina "
    "lena kate lucas leo noah liam ethan mason logan oscar hugo felix marco luis carlos diego "
    "pablo ivan dmitri yuki kenji hana mei lea tim jan finn elias mila nora ida"
)
_GAMEY = words("plays gaming tv ttv live yt gg xd lol fps irl 2k pro")
_STEMS = words(
    "viewer watcher chatter lurk stream follow twitchfan vibes clips hype sweet honey lovely "
    "happy sunny pretty kitty angel star moon rose lily daisy maria anna julia sofia"
)

_LOGIN_PATTERNS: tuple[tuple[Callable[[random.Random], tuple[str, ...]], float], ...] = (
    (lambda r: (r.choice(_ADJ), r.choice(_NOUN)), 16),
    (lambda r: (r.choice(_NOUN), str(r.randint(1, 9999))), 12),
    (lambda r: (r.choice(_ADJ), r.choice(_NOUN), str(r.randint(1, 999))), 10),
    (lambda r: (r.choice(_NAME), r.choice(_NOUN)), 8),
    (lambda r: (r.choice(_NAME), "_", r.choice(_NOUN)), 5),
    (lambda r: (r.choice(_NAME), str(r.randint(1, 99))), 9),
    (lambda r: (r.choice(_NAME), r.choice(_GAMEY)), 6),
    (lambda r: (r.choice(_NOUN), r.choice(_GAMEY)), 5),
    (lambda r: (r.choice(_NAME), r.choice(string.ascii_lowercase), str(r.randint(1980, 2012))), 4),
    (lambda r: ("the", r.choice(_ADJ), r.choice(_NOUN)), 3),
    (lambda r: ("xx", r.choice(_NOUN), "xx"), 1),
    (lambda r: (r.choice(_NOUN), "_", r.choice(_NOUN)), 5),
    (lambda r: (r.choice(_ADJ), "_", r.choice(_NAME)), 3),
    (lambda r: (r.choice(_NAME), r.choice(_NAME)), 4),
    (lambda r: ("".join(r.choices(string.ascii_lowercase, k=r.randint(4, 7))),), 3),
    (
        lambda r: (
            "".join(r.choices(string.ascii_lowercase, k=r.randint(3, 6))),
            str(r.randint(1, 999)),
        ),
        3,
    ),
)
_PATTERNS = tuple(p for p, _ in _LOGIN_PATTERNS)
_PATTERN_CUM: list[float] = []
for _, _w in _LOGIN_PATTERNS:
    _PATTERN_CUM.append((_PATTERN_CUM[-1] if _PATTERN_CUM else 0.0) + _w)
_PATTERN_TOTAL = _PATTERN_CUM[-1] + 0.0

_DESCRIPTIONS = (
    "Just here for the vibes.",
    "Variety streamer wannabe. Coffee addict.",
    "I play games sometimes.",
    "Lurker by profession.",
    "Streaming whenever I feel like it!",
    "Pro at being bad at games.",
    "Mod for a few cool channels.",
    "Artist | Gamer | Cat person",
    "Speedrunner in training.",
    "hi :)",
    "Living the dream, one clip at a time.",
    "Follow me on the usual socials.",
    "Professional chatter, amateur gamer.",
    "Here to learn and have fun.",
    "Music, games, and bad jokes.",
    "Dad, gamer, bad at both.",
    "Student. Night owl. Gamer.",
    "FPS and chill.",
)


class LoginPool:
    """Hand out unique logins (Twitch logins are 4-25 chars of [a-z0-9_])."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self.taken: set[str] = taken if taken is not None else set()

    def claim(self, login: str, rng: random.Random) -> str:
        """Return ``login`` or a digit-suffixed variant that nobody has yet."""
        login = login[:22]
        while len(login) < 4:
            login += str(rng.randint(0, 9))
        candidate = login
        while candidate in self.taken:
            candidate = f"{login}{rng.randint(0, 999)}"
        self.taken.add(candidate)
        return candidate


def ordinary_parts(rng: random.Random) -> tuple[str, ...]:
    """Return the parts of an ordinary-looking login (joined, they make the login)."""
    # What rng.choices(..., cum_weights=...) does, without its per-call set-up (hot path).
    index = bisect_right(_PATTERN_CUM, rng.random() * _PATTERN_TOTAL, 0, len(_PATTERNS) - 1)
    return _PATTERNS[index](rng)


def display_for(parts: tuple[str, ...], login: str, rng: random.Random) -> str:
    """Return a display name: mostly the login, sometimes capitalised by parts."""
    if len(login) != len("".join(parts)) or rng.random() < 0.65:
        return login
    if rng.random() < 0.15:
        return login.upper() if len(login) < 10 else login.capitalize()
    return "".join(p[:1].upper() + p[1:] for p in parts)


def default_avatar(rng: random.Random) -> str:
    return rng.choice(DEFAULT_AVATARS)


def custom_avatar(rng: random.Random, login: str, old: bool) -> str:
    """Return an uploaded-picture URL (old accounts often keep the old naming scheme)."""
    if old and rng.random() < 0.4:
        return (
            f"https://static-cdn.jtvnw.net/jtv_user_pictures/{login}-profile_image-"
            f"{rng.getrandbits(64):016x}-300x300.png"
        )
    h = f"{rng.getrandbits(128):032x}"
    uid = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"
    return f"https://static-cdn.jtvnw.net/jtv_user_pictures/{uid}-profile_image-300x300.png"


def description(rng: random.Random) -> str:
    return rng.choice(_DESCRIPTIONS)


def farm_stem(rng: random.Random) -> str:
    """Return the shared stem of a word+digits farm."""
    stem = rng.choice(_STEMS)
    if rng.random() < 0.5:
        stem += rng.choice(_NOUN + _NAME)
    return stem + ("_" if rng.random() < 0.3 else "")


def farm_login(naming: str, stem: str, index: int, rng: random.Random) -> tuple[str, ...]:
    """Return login parts for member ``index`` of a farm named by scheme ``naming``."""
    if naming == "stem_digits":
        return (stem, str(rng.randint(100, 99_999)))
    if naming == "stem_seq":
        return (stem, str(index + 1))
    if naming == "random_letters":
        k = rng.randint(8, 14)
        chars = string.ascii_lowercase + ("0123456789" if rng.random() < 0.3 else "")
        return ("".join(rng.choices(chars, k=k)),)
    if naming == "name_year":
        return (rng.choice(_NAME + _STEMS), "_", str(rng.randint(1985, 2009)))
    if naming == "ordinary":
        return ordinary_parts(rng)
    raise ValueError(f"unknown farm naming {naming!r}")


FARM_NAMINGS: tuple[str, ...] = (
    "stem_digits",
    "stem_seq",
    "random_letters",
    "name_year",
    "ordinary",
)
