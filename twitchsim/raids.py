"""Raid scenarios with ground truth, and a deterministic organic chat stream.

Every scenario is a timeline of chat messages (`SimChat`, seconds from its start) over a
background of regulars chatting, built from a seed:

- ``honest``: a streamer raids with their community (a ``channel.raid`` first); newcomers
  with accounts of every age arrive and say varied things.
- ``spam``: young bot accounts post variants of one advertisement (case, look-alike letters,
  zero-width characters, spacing, a random tail).
- ``hate``: freshly made accounts post abuse with `PLACEHOLDER_SLURS` (never real slurs).
- ``organic``: busy chat with hype moments where many regulars post the same emote, and a
  trickle of first-time chatters (a few with young accounts) saying hello.

`organic_stream` yields the same kind of organic chat, lazily, for replays of a million
messages (the false-alarm benchmark).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from twitchsim.growth import id_for_date
from twitchsim.users import DEFAULT_NOW, SimUser

PLACEHOLDER_SLURS = ("slurxa", "slurxb", "slurxc", "slurxd")
"""Stand-ins for hateful words: tests and benchmarks add them to the risk rules' hate list."""

EMOTES = ("PogChamp", "KEKW", "LUL", "Kappa", "PogU", "monkaS", "OMEGALUL", "Clap", "GG", "HYPERS")
_CHAT = (
    "lol", "LUL", "that was close", "nice one", "gg", "what a play", "no way", "hahaha",
    "how long have you been streaming today?", "what game is next", "love this song",
    "chat is wild today", "first try!", "KEKW that jump", "i would have done the same",
    "can you show the settings?", "hydrate", "this boss is so hard", "W", "L", "true",
    "he is cooking", "unlucky", "lets go", "im so tired today", "what rank are you",
    "monkaS", "that aim though", "brb", "back", "o7", "so good", "insane", "sadge",
)  # fmt: skip
_HELLOS = (
    "hi", "hello", "hey chat", "hi everyone", "first time here", "hello from germany",
    "hey", "yo", "hiii", "just found this stream", "good evening", "hi streamer",
)  # fmt: skip
_RAID_GREETINGS = (
    "raid hype!", "we came from {src}", "{src} sent us", "hello from {src} chat", "raid!!",
    "hi everyone, loved the last stream", "what are we playing", "HeyGuys",
    "{src} raid PogChamp", "hope you had a good stream", "the raid train is here",
    "hello hello", "greetings from the {src} community", "lets gooo", "hi :)", "nice setup",
)  # fmt: skip
_SPAM_TEXTS = (
    "Get cheap viewers and followers at bigfollows dot com",
    "Wanna become famous? Buy followers, primes and viewers on dogehype dot com",
    "Best viewers for your stream at streamboo dot com, use code {n}",
)
_HATE_TEXTS = (
    "{s} {s} get out of here {s}",
    "this streamer is a {s}",
    "all {s} should leave",
    "{s} streamer {s} chat",
)
_ZW = "\u200b"
_LOOKALIKE = {"a": "а", "e": "е", "o": "о", "c": "с", "p": "р", "i": "і"}


class Truth(StrEnum):
    ORGANIC = "organic"
    HONEST = "honest"
    SPAM = "spam"
    HATE = "hate"


@dataclass(frozen=True, slots=True)
class SimChat:
    """One message of a scenario, ``at_s`` seconds after its start."""

    at_s: float
    user: SimUser
    text: str
    first_time: bool  # the author's first message in this channel
    raider: bool  # ground truth: part of the raid


@dataclass(frozen=True, slots=True)
class RaidScenario:
    """A chat timeline and what is true about it."""

    name: str
    truth: Truth
    seed: int
    start: datetime
    messages: tuple[SimChat, ...]
    raiders: frozenset[int]
    incoming_from: SimUser | None = None  # the raiding streamer for an honest raid
    incoming_viewers: int = 0
    incoming_at_s: float = 0.0

    def raid_message_at(self, n: int) -> float | None:
        """Return the offset of the raid's ``n``-th message (1-based), None when it has fewer."""
        seen = 0
        for m in self.messages:
            if m.raider:
                seen += 1
                if seen == n:
                    return m.at_s
        return None

    def users(self) -> list[SimUser]:
        return list({m.user.user_id: m.user for m in self.messages}.values())


@dataclass(frozen=True, slots=True)
class ChatEvent:
    """One organic message as the detector is fed it (see `organic_stream`)."""

    at: datetime
    user_id: int
    login: str
    created_at: datetime
    first_time: bool
    text: str


def _user(rng: random.Random, login: str, created_at: datetime) -> SimUser:
    uid = id_for_date(created_at) + rng.randrange(1, 5_000)
    return SimUser(user_id=uid, login=login, display_name=login, created_at=created_at)


def _aged(
    rng: random.Random, now: datetime, login: str, min_days: float, max_days: float
) -> SimUser:
    return _user(rng, login, now - timedelta(days=rng.uniform(min_days, max_days)))


def _regulars(rng: random.Random, now: datetime, n: int, tag: str) -> list[SimUser]:
    return [_aged(rng, now, f"{tag}_reg{i}", 200, 3_000) for i in range(n)]


def _background(
    rng: random.Random, regulars: list[SimUser], seconds: float, rate: float
) -> list[SimChat]:
    out: list[SimChat] = []
    t = 0.0
    spoken: set[int] = set()
    while True:
        t += rng.expovariate(rate)
        if t >= seconds:
            return out
        u = rng.choice(regulars)
        text = rng.choice(_CHAT) if rng.random() < 0.7 else rng.choice(EMOTES)
        out.append(SimChat(t, u, text, False, False))
        spoken.add(u.user_id)


def _disguise(rng: random.Random, text: str) -> str:
    out = []
    for ch in text:
        r = rng.random()
        if ch.lower() in _LOOKALIKE and r < 0.15:
            out.append(_LOOKALIKE[ch.lower()])
        elif r < 0.25:
            out.append(ch.upper())
        else:
            out.append(ch)
        if ch != " " and rng.random() < 0.05:
            out.append(_ZW)
    text = "".join(out)
    if rng.random() < 0.3:
        text += " " + "".join(rng.choices("abcdefghjkmnpqrstuvwxyz0123456789", k=rng.randint(3, 6)))
    return text


def _finish(
    name: str, truth: Truth, seed: int, start: datetime, parts: list[SimChat], **extra: object
) -> RaidScenario:
    parts.sort(key=lambda m: m.at_s)
    raiders = frozenset(m.user.user_id for m in parts if m.raider)
    return RaidScenario(name, truth, seed, start, tuple(parts), raiders, **extra)  # type: ignore[arg-type]


def build(
    truth: Truth | str, seed: int, *, size: int = 40, start: datetime = DEFAULT_NOW
) -> RaidScenario:
    """Return a scenario: 60 s of regulars chatting, the raid from 20 s on (organic: hype)."""
    truth = Truth(truth)
    rng = random.Random(f"raid:{truth.value}:{seed}:{size}")
    regulars = _regulars(rng, start, 80, f"r{seed}")
    parts = _background(rng, regulars, 60.0, 3.0)
    if truth is Truth.ORGANIC:
        parts += _hype(rng, regulars, 25.0, start)
        return _finish(f"organic-{seed}", truth, seed, start, parts)
    t0 = 20.0
    if truth is Truth.HONEST:
        src = _aged(rng, start, f"streamer{seed}", 1_000, 2_500)
        for i in range(size):
            u = _aged(rng, start, f"{src.login}_fan{i}", 1, 3_000)
            for k in range(rng.choice((1, 1, 2))):
                text = rng.choice(_RAID_GREETINGS).format(src=src.login)
                parts.append(SimChat(t0 + rng.uniform(0, 25) + k * 5, u, text, k == 0, True))
        return _finish(
            f"honest-{seed}", truth, seed, start, parts,
            incoming_from=src, incoming_viewers=size * 3, incoming_at_s=t0 - 2,
        )  # fmt: skip
    for i in range(size):
        if truth is Truth.SPAM:
            u = _aged(rng, start, f"vw{seed}x{i}{rng.randrange(100)}", 0.5, 25)
            base = _SPAM_TEXTS[seed % len(_SPAM_TEXTS)].format(n=rng.randrange(1000))
        else:
            u = _aged(rng, start, f"h8{seed}_{i}", 0.01, 1.5)
            slur = PLACEHOLDER_SLURS[rng.randrange(len(PLACEHOLDER_SLURS))]
            base = _HATE_TEXTS[seed % len(_HATE_TEXTS)].format(s=slur)
        at = t0 + i * rng.uniform(0.05, 0.4)
        parts.append(SimChat(at, u, _disguise(rng, base), True, True))
    return _finish(f"{truth.value}-{seed}", truth, seed, start, parts)


def _hype(rng: random.Random, regulars: list[SimUser], at: float, start: datetime) -> list[SimChat]:
    """Most regulars post one emote within ~10 s; a few newcomers join in."""
    emote = rng.choice(EMOTES)
    out = [
        SimChat(at + rng.uniform(0, 10), u, " ".join([emote] * rng.randint(1, 4)), False, False)
        for u in regulars
        if rng.random() < 0.6
    ]
    for i in range(rng.randint(3, 10)):
        u = _aged(rng, start, f"newbie{i}_{rng.randrange(10_000)}", 0.5, 2_000)
        out.append(SimChat(at + rng.uniform(0, 10), u, emote, True, False))
    return out


def organic_stream(
    seed: int,
    *,
    messages: int,
    rate: float,
    start: datetime = DEFAULT_NOW,
    regulars: int = 600,
    hype_every_s: float = 900.0,
) -> Iterator[ChatEvent]:
    """Yield ``messages`` organic messages at ``rate`` a second on average, deterministically.

    Regulars (accounts of months to years) chat; one message in 25 comes from a newcomer
    (their first here; one newcomer in 20 has an account under two days old, one in 5 under a
    month) who mostly says hello; every ``hype_every_s`` or so most active chatters post one
    emote for 10-20 s.
    """
    rng = random.Random(f"organic-stream:{seed}")
    pool = [
        (1_000 + i, f"o{seed}u{i}", start - timedelta(days=rng.uniform(60, 3_000)))
        for i in range(regulars)
    ]
    spoken = {uid for uid, _, _ in pool}  # regulars wrote here before the replay began
    t = 0.0
    next_hype = rng.uniform(0.3, 1.0) * hype_every_s
    hype_until, hype_emote = -1.0, ""
    newcomer = 10_000_000
    base = start.timestamp()
    for _ in range(messages):
        in_hype = t < hype_until
        t += rng.expovariate(rate * (4.0 if in_hype else 1.0))
        if t >= next_hype:
            hype_until = t + rng.uniform(10, 20)
            hype_emote = rng.choice(EMOTES)
            next_hype = t + rng.uniform(0.5, 1.5) * hype_every_s
        if rng.random() < 0.04:
            newcomer += 1
            r = rng.random()
            days = rng.uniform(0.01, 2) if r < 0.05 else rng.uniform(2, 30) if r < 0.2 else 400
            uid, login, created = newcomer, f"new{seed}_{newcomer}", start - timedelta(days=days)
            text = hype_emote if t < hype_until and rng.random() < 0.5 else rng.choice(_HELLOS)
            if rng.random() < 0.5:  # newcomers who stay become regulars
                pool[rng.randrange(len(pool))] = (uid, login, created)
        else:
            uid, login, created = pool[rng.randrange(len(pool))]
            if t < hype_until and rng.random() < 0.7:
                text = " ".join([hype_emote] * rng.randint(1, 3))
            else:
                text = rng.choice(_CHAT) if rng.random() < 0.8 else rng.choice(EMOTES)
        first = uid not in spoken
        spoken.add(uid)
        yield ChatEvent(datetime.fromtimestamp(base + t, UTC), uid, login, created, first, text)
