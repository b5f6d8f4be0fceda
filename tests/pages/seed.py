"""Test data for the dashboard: channels, checks with real report files, chat and moderation."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from reports.analysis import analyze
from reports.render import ReportLinks, write_report
from storage import (
    Account,
    Capture,
    CaptureStatus,
    ChatMessage,
    Database,
    ModAction,
    ModerationEvent,
)
from twitchsim.server import TwitchSim

BASE_ID = 900_000_000


def accounts(
    start_id: int, n: int, *, created: datetime, spread_days: float, prefix: str
) -> list[Account]:
    """Return `n` accounts made from `created` over `spread_days` (0: one sitting)."""
    step = timedelta(days=spread_days / max(1, n - 1)) if spread_days else timedelta(minutes=1)
    return [
        Account(
            user_id=start_id + i,
            login=f"{prefix}{i:03d}",
            display_name=f"{prefix}{i:03d}",
            created_at=created + step * i,
        )
        for i in range(n)
    ]


async def make_check(
    db: Database,
    data_dir: Path,
    *,
    channel_id: int,
    chatters: Sequence[Account],
    at: datetime,
    token: str,
    requested_by: str = "moddy",
    viewers: int | None = 120,
) -> Capture:
    """Store a finished check of `chatters` with its report files, as the bot would."""
    await db.accounts.upsert_many(chatters, seen_at=at)
    capture = await db.captures.start(
        channel_id=channel_id,
        requested_by_id=None,
        requested_by_login=requested_by,
        report_token=token,
        started_at=at,
    )
    await db.captures.add_chatters(capture.capture_id, [(a.user_id, a.login) for a in chatters])
    await db.captures.finish(
        capture.capture_id,
        status=CaptureStatus.COMPLETE,
        finished_at=at + timedelta(seconds=3),
        chatter_total=len(chatters),
        viewer_count=viewers,
    )
    analysis = analyze(chatters, now=at, viewer_count=viewers)
    links = ReportLinks(png=f"{token}.png", csv=f"{token}.csv", json=f"{token}.json")
    await asyncio.to_thread(
        write_report,
        analysis,
        chatters,
        data_dir / "reports" / token,
        title="test",
        links=links,
        keep_phrases=True,
    )
    await db.captures.set_result(
        capture.capture_id, verdict=analysis.verdict.level.value, summary="a summary"
    )
    found = await db.captures.get(capture.capture_id)
    assert found is not None
    return found


async def chat(
    db: Database, channel_id: int, user: Account, texts: Sequence[str], *, at: datetime
) -> list[ChatMessage]:
    messages = [
        ChatMessage(
            message_id=f"m-{channel_id}-{user.user_id}-{i}",
            channel_id=channel_id,
            user_id=user.user_id,
            login=user.login,
            display_name=user.display_name,
            text=text,
            sent_at=at + timedelta(seconds=i),
        )
        for i, text in enumerate(texts)
    ]
    await db.history.write_batch(messages=messages)
    return messages


async def timeout(
    db: Database, channel_id: int, user: Account, *, at: datetime, message_id: str
) -> None:
    await db.history.write_batch(
        events=[
            ModerationEvent(
                dedupe_key=f"e-{message_id}",
                channel_id=channel_id,
                action=ModAction.DELETE,
                at=at,
                moderator_login="moddy",
                target_id=user.user_id,
                target_login=user.login,
                message_id=message_id,
            ),
            ModerationEvent(
                dedupe_key=f"t-{message_id}",
                channel_id=channel_id,
                action=ModAction.TIMEOUT,
                at=at,
                moderator_login="moddy",
                target_id=user.user_id,
                target_login=user.login,
                reason="spam",
                duration_s=600,
            ),
        ]
    )


def sim_users(sim: TwitchSim) -> dict[str, int]:
    """Make the sim's people: alpha (moderated by moddy) and beta (not); return login -> id."""
    st = sim.state
    alpha = st.add_channel("alpha", user_id=1001)
    beta = st.add_channel("beta", user_id=1002)
    moddy = st.add_user("moddy", user_id=2001)
    owner = st.add_user("owner", user_id=2002)
    st.add_user("stranger", user_id=2003)
    st.add_moderator("alpha", "moddy")
    return {
        "alpha": alpha.user_id,
        "beta": beta.user_id,
        "moddy": moddy.user_id,
        "owner": owner.user_id,
    }
