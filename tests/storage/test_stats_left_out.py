"""The bot itself and service bots are left out of every statistic; their messages stay stored.

A channel where the bot (id 900) and nightbot (a service bot, by login) talk more than anyone:
after `leave_out`, no leaderboard, count or share includes them, on both engines.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from storage import ChatMessage, Database

NOW = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
BOT, NIGHTBOT, ALICE, BOB = 900, 901, 1, 2
LOGINS = {BOT: "botcheck_bot", NIGHTBOT: "nightbot", ALICE: "alice", BOB: "bob"}
_ids = itertools.count(1)


def m(user: int, minutes_ago: int, text: str, emotes: tuple[str, ...] = ()) -> ChatMessage:
    return ChatMessage(
        message_id=f"lo-{next(_ids)}",
        channel_id=7,
        user_id=user,
        login=LOGINS[user],
        display_name="",
        text=text,
        sent_at=NOW - timedelta(minutes=minutes_ago),
        emotes=emotes,
    )


MESSAGES = [
    *(
        m(BOT, i, "a long answer from the bot about the chat " * 3, ("BotEmote",))
        for i in range(10)
    ),
    *(m(NIGHTBOT, i + 1, "Follow the channel on every site! " * 4) for i in range(8)),
    *(m(ALICE, i + 2, "hello", ("Kappa",)) for i in range(4)),
    *(m(BOB, i + 3, "hi there") for i in range(3)),
]


async def test_bot_and_service_bots_are_left_out(db: Database) -> None:
    await db.channels.join(7, "chan", "Chan", at=NOW - timedelta(days=30))
    await db.history.write_batch(messages=MESSAGES)
    stats = db.stats
    everyone = await stats.activity(7)
    assert (everyone.messages, everyone.chatters) == (25, 4)
    stats.leave_out(user_ids=[BOT], logins=["NightBot", "streamelements"])
    since, until = NOW - timedelta(hours=1), NOW + timedelta(minutes=1)

    assert [c.login for c in await stats.top_chatters(7)] == ["alice", "bob"]
    all_time = await stats.activity(7)
    assert (all_time.messages, all_time.chatters) == (7, 2)
    window = await stats.activity(7, since=since, until=until)
    assert (window.messages, window.chatters) == (7, 2)
    writers = await stats.writers(7, since=since, until=until, min_messages=1)
    assert {w.login for w in writers} == {"alice", "bob"}
    assert [e.name for e in await stats.top_emotes(7, since=since, until=until)] == ["Kappa"]
    assert sum(h.messages for h in await stats.hours(7, since=since, until=until)) == 7
    series = await stats.series(7, since=since, until=until, bucket=timedelta(minutes=30))
    assert sum(b.messages for b in series) == 7
    rising = await stats.rising_chatters(7, now=until)
    assert {r.login for r in rising} == {"alice", "bob"}
    alice = await stats.user(7, ALICE)
    assert alice is not None and (alice.rank, alice.chatters) == (1, 2)
    assert await db.history.count_messages(7) == 25  # nothing deleted


async def test_nothing_left_out_by_default(db: Database) -> None:
    await db.channels.join(7, "chan", "Chan", at=NOW - timedelta(days=30))
    await db.history.write_batch(messages=MESSAGES[:12])
    assert [c.user_id for c in await db.stats.top_chatters(7)] == [BOT, NIGHTBOT]
