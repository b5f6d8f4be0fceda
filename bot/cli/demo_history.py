"""Two weeks of made-up history for the demo's channels, so every dashboard page has something.

`seed_history` writes through the storage API what the bot would have recorded: evening streams
in the channel's timezone with viewer samples (and a category change), a few hundred chatters
with a long tail, regulars with recognisable hours (so rivals mean something), replies, Twitch
and third-party emotes, subs, gifts, follows and a raid, two renamed accounts, and young
first-time chatters in the last hours. Everything follows from the seed: the same seed writes
the same history (relative to `now`).
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bot.pages.links import new_report_token
from bot.streams.daily import DailyReporter, last_full_day
from reports import zones
from storage import Database
from storage.models import Account, ChatMessage, StreamSession, ViewerSample
from storage.stream_events import EventKind, StreamEvent

log = logging.getLogger(__name__)

# The tokens of the third-party emotes in a text (the bot's emote sets answer this in the demo).
EmoteFinder = Callable[[int, str], Sequence[str]]

DAYS = 14
CHATTERS = 260  # per channel, besides the newcomers
REGULARS = 24
NEWCOMERS = 6
SAMPLE_EVERY = timedelta(minutes=2)
FIRST_ID = 800_000_000  # far from twitchsim's own ids and its scenarios'

TWITCH_EMOTES = ("Kappa", "LUL", "PogChamp", "Kreygasm", "BibleThump", "HeyGuys", "<3")
THIRD_PARTY = ("catJAM", "KEKW", "OMEGALUL", "peepoHappy", "EZ", "Clap", "pepeD", "monkaS")
LINES = (
    "hi chat",
    "that was clean",
    "no way",
    "gg",
    "what did I miss?",
    "how long have you been streaming?",
    "lets go",
    "this song is great",
    "first time catching the stream live",
    "the music today is perfect",
    "I would have gone left there",
    "chat is fast today",
    "back, had to feed the cat",
    "is this a new route?",
    "good luck on the next one",
    "that boss is brutal",
    "can you show the settings?",
    "happy friday everyone",
    "water check",
    "see you tomorrow",
)
REPLIES = ("agreed", "haha exactly", "no way that's true", "same here", "you're right", "lol")
SYLLABLES = ("ka", "mi", "ro", "zen", "lu", "pa", "tor", "vi", "ne", "so", "ra", "fen", "gi")
SUFFIXES = ("", "", "_tv", "x", "99", "_gg", "42", "_irl", "lol", "_")


@dataclass(frozen=True, slots=True)
class ChannelPlan:
    """How one demo channel streams: its timezone and what it plays."""

    channel_id: int
    login: str
    timezone: str = "UTC"
    categories: tuple[str, ...] = ("Just Chatting", "Minecraft")
    start_hour: int = 19  # local


@dataclass(slots=True)
class SeedSummary:
    """What was written, for the demo's transcript and the tests."""

    messages: int = 0
    chatters: int = 0
    streams: int = 0
    events: int = 0
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (earlier, current)


@dataclass(slots=True)
class _Chatter:
    user_id: int
    login: str
    weight: float
    peak: float  # where in a stream they are most active, 0..1
    loyal: float  # chance to come to a stream
    created_at: datetime
    earlier: str = ""  # the login before a rename


def _name(rng: random.Random, taken: set[str]) -> str:
    while True:
        base = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        login = base + rng.choice(SUFFIXES)
        if login not in taken and 4 <= len(login) <= 25:
            taken.add(login)
            return login


def _chatters(rng: random.Random, plan: ChannelPlan, index: int, now: datetime) -> list[_Chatter]:
    taken: set[str] = set()
    base = FIRST_ID + index * 100_000
    people = []
    for k in range(CHATTERS):
        regular = k < REGULARS
        # Three groups of regulars: early birds, the middle crowd, night owls.
        peak = (0.15, 0.5, 0.85)[k % 3] if regular else rng.random()
        people.append(
            _Chatter(
                user_id=base + k,
                login=_name(rng, taken),
                weight=1 / (k + 1) ** 0.9,
                peak=peak,
                loyal=0.9 if regular else max(0.1, 1.5 / math.sqrt(k + 1)),
                created_at=now - timedelta(days=rng.randint(200, 3_000)),
            )
        )
    for who in (people[1], people[5]):  # renamed a week ago: search finds the earlier name
        who.earlier, who.login = who.login, _name(rng, taken)
    return people


def _at(start: datetime, length: timedelta, where: float) -> datetime:
    return start + length * min(max(where, 0.0), 0.999)


def _text(rng: random.Random) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """A line, its Twitch emotes, and the third-party emote names in it."""
    words = [rng.choice(LINES)] if rng.random() < 0.75 else []
    twitch: list[str] = []
    other: list[str] = []
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        if rng.random() < 0.35:
            twitch.append(rng.choice(TWITCH_EMOTES))
            words.append(twitch[-1])
        else:
            other.append(rng.choice(THIRD_PARTY))
            words.append(other[-1])
    if not words:
        twitch.append(rng.choice(TWITCH_EMOTES))
        words.append(twitch[-1])
    return " ".join(words), tuple(twitch), tuple(other)


async def seed_history(
    db: Database,
    plans: Sequence[ChannelPlan],
    *,
    seed: int,
    now: datetime,
    find_emotes: EmoteFinder = lambda channel_id, text: (),
) -> SeedSummary:
    """Write `DAYS` days of history before `now` for each channel; see the module docstring."""
    summary = SeedSummary()
    for index, plan in enumerate(plans):
        rng = random.Random(f"{seed}:{plan.login}")
        await db.channels.set_timezone(plan.channel_id, plan.timezone)
        people = _chatters(rng, plan, index, now)
        await _accounts(db, people, now)
        seeder = _Channel(db, rng, plan, people, find_emotes, summary)
        for day_back in range(DAYS, 0, -1):
            if rng.random() < 0.3 and day_back > 1:
                continue  # a day off (the last evening always has a stream)
            session = await seeder.stream(now, day_back)
            summary.streams += session is not None
        await seeder.newcomers(index, now)
        summary.chatters += len(people) + NEWCOMERS
        summary.renamed += [(p.earlier, p.login) for p in people if p.earlier]
    log.info("demo history: %s", summary)
    return summary


async def _accounts(db: Database, people: list[_Chatter], now: datetime) -> None:
    renamed = [p for p in people if p.earlier]
    if renamed:  # the earlier names first, seen two weeks ago
        await db.accounts.upsert_many(
            [Account(p.user_id, p.earlier, p.earlier, p.created_at) for p in renamed],
            seen_at=now - timedelta(days=DAYS),
        )
    await db.accounts.upsert_many(
        [Account(p.user_id, p.login, p.login, p.created_at) for p in people], seen_at=now
    )


@dataclass(frozen=True, slots=True)
class _Channel:
    """One channel's seeding: its plan, its chatters and the seed's random numbers."""

    db: Database
    rng: random.Random
    plan: ChannelPlan
    people: list[_Chatter]
    find_emotes: EmoteFinder
    summary: SeedSummary

    async def stream(self, now: datetime, day_back: int) -> StreamSession | None:
        """One evening's stream `day_back` days ago: samples, chat and events."""
        return await _stream(self, now, day_back)

    async def newcomers(self, index: int, now: datetime) -> None:
        """Young accounts writing for the first time in the last hours (the newcomers page)."""
        await _newcomers(self, index, now)


async def _stream(c: _Channel, now: datetime, day_back: int) -> StreamSession | None:
    db, rng, plan, summary = c.db, c.rng, c.plan, c.summary
    tz = zones.zone(plan.timezone)
    day = now.astimezone(tz).date() - timedelta(days=day_back)
    local = datetime.combine(day, time(plan.start_hour, rng.choice((0, 0, 15, 30))), tz)
    start = local.astimezone(UTC)
    length = timedelta(minutes=rng.randint(150, 240))
    if start + length >= now:
        return None
    first, *others = plan.categories
    switch = rng.uniform(0.35, 0.6) if others and rng.random() < 0.6 else None
    second = rng.choice(others) if others else first
    raid_at = rng.uniform(0.3, 0.5) if day_back in (1, 6) else None
    session = await db.history.start_session(
        channel_id=plan.channel_id,
        stream_id=f"demo-{plan.login}-{day.isoformat()}",
        started_at=start,
        title=f"{first} with chat, day {DAYS - day_back + 1}",
        category=second if switch is not None else first,
        report_token=new_report_token(),
    )
    # Viewers: a climb, a plateau and a fade; a raid adds a bump that melts away.
    base = rng.randint(60, 140) + (DAYS - day_back) * 3
    samples = []
    at = start
    while at < start + length:
        f = (at - start) / length
        shape = min(1.0, f * 5) * (1 - max(0.0, f - 0.8) * 2.5)
        viewers = base * (0.3 + 0.7 * shape) * rng.uniform(0.95, 1.05)
        if raid_at is not None and f >= raid_at:
            viewers += 120 * math.exp(-(f - raid_at) * 12)
        category = second if switch is not None and f >= switch else first
        samples.append(ViewerSample(session.session_id, at, max(1, round(viewers)), category))
        at += SAMPLE_EVERY
    await db.history.add_viewer_samples(samples)

    window = (start, length, raid_at)
    messages = _stream_chat(c, window, day_back)
    events = _stream_events(c, window)
    await db.history.write_batch(messages=messages, stream_events=events)
    await db.history.end_session(session.session_id, ended_at=start + length)
    summary.messages += len(messages)
    summary.events += len(events)
    return session


Window = tuple[datetime, timedelta, float | None]  # a stream's start, length and raid (0..1)


def _stream_chat(c: _Channel, window: Window, day_back: int) -> list[ChatMessage]:
    rng, plan, people, find_emotes = c.rng, c.plan, c.people, c.find_emotes
    start, length, _ = window
    drafts: list[tuple[datetime, _Chatter]] = []
    for p in people:
        if rng.random() >= p.loyal:
            continue
        count = max(1, round(p.weight * 160 * rng.uniform(0.6, 1.4)))
        for _ in range(count):
            where = rng.gauss(p.peak, 0.12) if p.peak else rng.random()
            drafts.append((_at(start, length, where), p))
    drafts.sort(key=lambda d: (d[0], d[1].user_id))
    messages: list[ChatMessage] = []
    for n, (at, p) in enumerate(drafts):
        login = p.earlier if p.earlier and day_back > 7 else p.login
        parent = None
        if messages and rng.random() < 0.12:
            parent = messages[max(0, len(messages) - rng.randint(1, 6))]
        if parent is not None and parent.user_id != p.user_id:
            text = f"@{parent.login} {rng.choice(REPLIES)}"
            twitch: tuple[str, ...] = ()
            names: tuple[str, ...] = ()
        else:
            parent = None
            text, twitch, names = _text(rng)
        tokens = tuple(find_emotes(plan.channel_id, " ".join(names))) if names else ()
        badges = ("subscriber/6",) if p.weight > 0.08 else ()
        messages.append(
            ChatMessage(
                message_id=f"demo-{plan.channel_id}-{start:%Y%m%d}-{n}",
                channel_id=plan.channel_id,
                user_id=p.user_id,
                login=login,
                display_name=login,
                text=text,
                sent_at=at,
                badges=badges,
                emotes=twitch + tokens,
                reply_parent_id=parent.message_id if parent else None,
                reply_parent_user_id=parent.user_id if parent else None,
            )
        )
    return messages


def _stream_events(c: _Channel, window: Window) -> list[StreamEvent]:
    rng, plan, people = c.rng, c.plan, c.people
    start, length, raid_at = window
    events: list[StreamEvent] = []

    def add(kind: EventKind, where: float, who: _Chatter | None, **extra: object) -> None:
        events.append(
            StreamEvent(
                dedupe_key=f"demo-{plan.channel_id}-{start:%Y%m%d}-{len(events)}",
                channel_id=plan.channel_id,
                kind=kind,
                at=_at(start, length, where),
                user_id=who.user_id if who else None,
                user_login=who.login if who else "",
                **extra,  # type: ignore[arg-type]
            )
        )

    for _ in range(rng.randint(3, 8)):
        add(EventKind.FOLLOW, rng.random(), rng.choice(people[REGULARS:]))
    for _ in range(rng.randint(1, 4)):
        add(EventKind.SUB, rng.random(), rng.choice(people[REGULARS:]), tier="1000")
    for _ in range(rng.randint(1, 3)):
        add(
            EventKind.RESUB,
            rng.random(),
            rng.choice(people[:REGULARS]),
            tier="1000",
            months=rng.randint(2, 30),
            message="another month!",
        )
    if rng.random() < 0.5:
        add(EventKind.GIFT, rng.random(), rng.choice(people[:REGULARS]), tier="1000", amount=5)
    if raid_at is not None:
        raider = _Chatter(FIRST_ID - 1, "pixel_pilgrim", 0, 0, 0, start)
        add(EventKind.RAID_IN, raid_at, raider, amount=120)
    return events


async def _newcomers(c: _Channel, index: int, now: datetime) -> None:
    db, rng, plan, summary = c.db, c.rng, c.plan, c.summary
    base = FIRST_ID + index * 100_000 + 90_000
    taken: set[str] = set()
    people = [
        _Chatter(base + k, _name(rng, taken), 0, 0, 0, now - timedelta(days=rng.randint(0, 5)))
        for k in range(NEWCOMERS)
    ]
    await _accounts(db, people, now)
    messages = [
        ChatMessage(
            message_id=f"demo-{plan.channel_id}-new-{k}",
            channel_id=plan.channel_id,
            user_id=p.user_id,
            login=p.login,
            display_name=p.login,
            text=rng.choice(("hello!", "first time here", "hi everyone", "found you via a raid")),
            sent_at=now - timedelta(minutes=rng.randint(10, 180)),
        )
        for k, p in enumerate(people)
    ]
    await db.history.write_batch(messages=messages)
    summary.messages += len(messages)


async def write_daily_reports(
    db: Database,
    plans: Sequence[ChannelPlan],
    *,
    data_dir: Path,
    public_url: str,
    ttl: timedelta,
    now: datetime,
    days: int = 7,
) -> int:
    """Have the bot write the daily reports of the last `days` local days; return how many.

    The channels were joined just now, so the reporter's own catch-up (which starts at the
    join) would skip the seeded days: each day is written directly, as at its midnight.
    """
    reporter = DailyReporter(
        db=db, data_dir=data_dir, public_url=public_url, ttl=ttl, clock=lambda: now, channels=list
    )
    written = 0
    for plan in plans:
        last = last_full_day(now, plan.timezone)
        for back in range(days - 1, -1, -1):
            written += await reporter.write(
                plan.channel_id, last - timedelta(days=back), plan.timezone
            )
    return written
