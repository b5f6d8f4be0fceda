"""Chat for the analytics pages, relative to the real clock (the dashboard's): ann and ben
chatted in the same two hours (ann 6 + 3, ben 4 + 2: similarity 1), ann was annie_old on
Twitch before (and says the 7TV emote catJAM twice), and viewer025 (seeded by conftest) has 3
older messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import Account, ChatMessage, Database

ANN, BEN = 700_001, 700_002
ALPHA = 1001
CATJAM = "7tv:60ae4bb5ab:catJAM"  # a 7TV emote as the recorder stores it: ann says it twice


def message(user: int, login: str, at: datetime, n: int, text: str = "hello there") -> ChatMessage:
    return ChatMessage(
        message_id=f"an-{user}-{at.timestamp():.0f}-{n}",
        channel_id=ALPHA,
        user_id=user,
        login=login,
        display_name=login,
        text=text,
        sent_at=at,
        emotes=(("Kappa",) if n % 2 == 0 else ()) + ((CATJAM,) if (user, n) == (ANN, 0) else ()),
    )


async def seed_chat(db: Database) -> datetime:
    """Write the chat above into channel alpha; return the start of the current hour."""
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    first, second = hour - timedelta(hours=3), hour - timedelta(hours=1)
    messages = (
        [message(ANN, "ann", first + timedelta(minutes=5 + i), i) for i in range(6)]
        + [message(ANN, "ann", second + timedelta(minutes=10 + i), i) for i in range(3)]
        + [message(BEN, "ben", first + timedelta(minutes=20 + i), i) for i in range(4)]
        + [message(BEN, "ben", second + timedelta(minutes=30 + i), i) for i in range(2)]
    )
    await db.history.write_batch(messages=messages)
    await db.accounts.upsert_many([Account(ANN, "annie_old")], seen_at=hour - timedelta(days=90))
    await db.accounts.upsert_many([Account(ANN, "ann"), Account(BEN, "ben")], seen_at=hour)
    return hour
