"""Retention: old chat text and expired report files go; everything else stays."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.history.retention import Retention
from bot.pages.captures import Reports
from storage import CaptureStatus, ChatMessage, Database, ModAction, ModerationEvent

NOW = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)


def msg(message_id: str, age: timedelta) -> ChatMessage:
    return ChatMessage(
        message_id=message_id,
        channel_id=42,
        user_id=7,
        login="viewer",
        display_name="Viewer",
        text=f"text of {message_id}",
        sent_at=NOW - age,
        emotes=("Kappa",),
    )


async def report(db: Database, reports: Reports, token: str, age: timedelta, pinned: bool) -> Path:
    cap = await db.captures.start(
        channel_id=42,
        requested_by_id=1,
        requested_by_login="mod",
        report_token=token,
        started_at=NOW - age,
    )
    await db.captures.finish(cap.capture_id, status=CaptureStatus.COMPLETE, finished_at=NOW - age)
    if pinned:
        await db.captures.pin(cap.capture_id)
    directory = reports.directory(token)
    directory.mkdir(parents=True)
    (directory / "index.html").write_text("report")
    return directory


async def test_sweep_forgets_old_text_and_expired_reports_only(
    db: Database, tmp_path: Path
) -> None:
    await db.channels.join(42, "chan", "Chan", at=NOW - timedelta(days=400))
    await db.history.write_batch(
        messages=[
            msg("old", timedelta(days=31)),
            msg("edge", timedelta(days=30, seconds=-1)),
            msg("new", timedelta(hours=1)),
        ],
        events=[ModerationEvent("e1", 42, ModAction.BAN, NOW - timedelta(days=90), target_id=7)],
    )
    reports = Reports(
        db=db,
        data_dir=tmp_path,
        public_url="http://127.0.0.1:1",
        ttl=timedelta(days=30),
        known_bot_logins=frozenset(),
        clock=lambda: NOW,
    )
    expired = await report(db, reports, "a" * 32, timedelta(days=40), pinned=False)
    kept = await report(db, reports, "b" * 32, timedelta(days=40), pinned=True)
    fresh = await report(db, reports, "c" * 32, timedelta(days=2), pinned=False)

    retention = Retention(db.history, [reports], chat_days=30, clock=lambda: NOW)
    swept = await retention.sweep()

    assert (swept.texts_forgotten, swept.reports_removed) == (1, 1)
    by_id = {m.message_id: m for m in await db.history.messages(42)}
    assert by_id["old"].text is None
    assert by_id["old"].text_length == len("text of old")  # statistics stay
    assert by_id["old"].emotes == ("Kappa",)
    assert by_id["edge"].text == "text of edge" and by_id["new"].text == "text of new"
    assert len(await db.history.events(42)) == 1  # moderation history is not chat text
    assert not expired.exists() and kept.exists() and fresh.exists()
    assert await retention.sweep() == type(swept)(0, 0)  # nothing left to do


async def test_it_sweeps_at_start_and_then_periodically(db: Database) -> None:
    await db.channels.join(42, "chan", "Chan", at=NOW - timedelta(days=400))
    clock = [NOW]
    retention = Retention(db.history, [], chat_days=30, clock=lambda: clock[0], interval_s=0.05)
    await db.history.write_batch(messages=[msg("a", timedelta(days=29))])
    retention.start()
    try:
        await asyncio.sleep(0.02)
        assert (await db.history.message("a")) is not None
        assert (await db.history.message("a")).text is not None  # type: ignore[union-attr]
        clock[0] = NOW + timedelta(days=2)  # the message is now 31 days old
        for _ in range(200):
            m = await db.history.message("a")
            if m is not None and m.text is None:
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the periodic sweep did not run")
    finally:
        await retention.close()
        await retention.close()
