"""Stream reports: rendered on demand, refreshed while live, expired after the TTL, served by the
report routes beside botcheck reports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.pages.routes import RateLimit, add_report_routes, chain_resolvers, new_report_token
from bot.pages.streams import StreamReports
from reports.stream_page import stream_page_csp
from storage import ChatMessage, Database, StreamSession, ViewerSample
from storage.history import Removal
from tests.storage.test_stats import ALICE, NOW, STREAM_END, at, load_history, m


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def streams_for(db: Database, tmp_path: Path, clock: Clock) -> StreamReports:
    return StreamReports(
        db=db,
        data_dir=tmp_path / "data",
        public_url="http://127.0.0.1:4343/",
        ttl=timedelta(days=30),
        clock=clock,
    )


@pytest.fixture
async def ended(db: Database) -> StreamSession:
    return await load_history(db)


async def test_unknown_and_malformed_tokens_resolve_to_nothing(
    db: Database, tmp_path: Path, ended: StreamSession
) -> None:
    streams = streams_for(db, tmp_path, Clock(NOW))
    assert await streams.resolve(new_report_token()) is None
    assert await streams.resolve("../../etc/passwd") is None
    assert await streams.resolve("") is None
    assert not (tmp_path / "data" / "streams").exists()


async def test_an_ended_stream_is_rendered_once(
    db: Database, tmp_path: Path, ended: StreamSession
) -> None:
    streams = streams_for(db, tmp_path, Clock(NOW))
    assert streams.links(ended.report_token).page == "http://127.0.0.1:4343/r/" + "t" * 32
    directory = await streams.resolve(ended.report_token)
    assert directory == tmp_path / "data" / "streams" / ended.report_token
    names = {p.name for p in directory.iterdir()}
    assert {"index.html", "chart.png", "stream-chat.csv", "stream.json"} <= names
    first = (directory / "index.html").stat().st_mtime_ns
    (directory / "index.html").write_text("kept")  # a second resolve must not render again
    assert await streams.resolve(ended.report_token) == directory
    assert (directory / "index.html").read_text() == "kept"
    assert first > 0
    data = json.loads((directory / "stream.json").read_text())
    assert data["stream"]["messages"] == 10 and data["stream"]["chatters"] == 4
    assert data["stream"]["moderation"] == {"ban": 1, "delete": 1, "timeout": 1}
    assert [c["login"] for c in data["top_chatters"]] == ["alice", "carol", "bob", "dave"]
    rows = list(csv.DictReader(io.StringIO((directory / "stream-chat.csv").read_text())))
    assert len(rows) == 13  # 10 messages and 3 moderation actions, in time order
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    assert {r["kind"] for r in rows} == {"message", "ban", "timeout", "delete"}


async def test_links_expire_after_the_ttl_unless_pinned(
    db: Database, tmp_path: Path, ended: StreamSession
) -> None:
    clock = Clock(STREAM_END + timedelta(days=31))
    streams = streams_for(db, tmp_path, clock)
    assert streams.expired(ended)
    assert await streams.resolve(ended.report_token) is None
    await streams.pin(ended)
    assert await streams.resolve(ended.report_token) is not None
    await db.history.set_session_pinned(ended.session_id, False)
    assert await streams.purge_expired() == 1
    assert not streams.directory(ended.report_token).exists()


async def test_a_live_stream_is_refreshed_after_a_minute(db: Database, tmp_path: Path) -> None:
    await db.channels.join(42, "chan", "Chan", at=at(1, 0))
    session = await db.history.start_session(
        channel_id=42,
        stream_id="live",
        started_at=at(21, 18),
        title="",
        category="",
        report_token=new_report_token(),
    )
    await db.history.write_batch(messages=[m(ALICE, at(21, 18, 1))])
    await db.history.add_viewer_samples([ViewerSample(session.session_id, at(21, 18, 1), 12)])
    clock = Clock(at(21, 18, 5))
    streams = streams_for(db, tmp_path, clock)
    directory = await streams.resolve(session.report_token)
    assert directory is not None
    assert json.loads((directory / "stream.json").read_text())["stream"]["messages"] == 1
    later: list[ChatMessage] = [m(ALICE, at(21, 18, 6)), m(ALICE, at(21, 18, 7))]
    await db.history.write_batch(messages=later)
    clock.now = at(21, 18, 5) + timedelta(seconds=30)  # 30 s on: the files are fresh enough
    await streams.resolve(session.report_token)
    assert json.loads((directory / "stream.json").read_text())["stream"]["messages"] == 1
    clock.now = at(21, 18, 8)
    await streams.resolve(session.report_token)
    assert json.loads((directory / "stream.json").read_text())["stream"]["messages"] == 3
    page = (directory / "index.html").read_text()
    assert "Live" in page


async def never(token: str) -> Path | None:
    return None


@pytest.fixture
async def client(db: Database, tmp_path: Path, ended: StreamSession) -> AsyncIterator[TestClient]:
    streams = streams_for(db, tmp_path, Clock(NOW))
    app = web.Application()
    add_report_routes(app, chain_resolvers(never, streams.resolve), rate_limit=RateLimit(1000))
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


async def test_routes_serve_the_page_and_named_downloads(
    client: TestClient, ended: StreamSession
) -> None:
    token = ended.report_token
    page = await client.get(f"/r/{token}")
    assert page.status == 200
    assert page.headers["Content-Security-Policy"] == stream_page_csp()
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "alice" in await page.text()
    got = await client.get(f"/r/{token}.csv")
    assert got.status == 200
    assert got.headers["Content-Disposition"] == 'attachment; filename="stream-chat.csv"'
    got = await client.get(f"/r/{token}.json")
    assert got.headers["Content-Disposition"] == 'attachment; filename="stream.json"'
    png = await client.get(f"/r/{token}.png")
    assert (await png.read()).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/r/" + "A" * 32, id="unknown-token"),
        pytest.param("/r/" + "A" * 32 + ".csv", id="unknown-token-csv"),
        pytest.param("/r/short", id="malformed"),
        pytest.param("/r/" + "t" * 32 + ".txt", id="other-extension"),
    ],
)
async def test_routes_refuse_unknown_tokens(client: TestClient, path: str) -> None:
    resp = await client.get(path)
    assert resp.status == 404
    assert resp.headers["Referrer-Policy"] == "no-referrer"


async def test_a_stream_without_chat_or_viewers_still_has_a_page(
    db: Database, tmp_path: Path
) -> None:
    await db.channels.join(42, "chan", "Chan", at=at(1, 0))
    session = await db.history.start_session(
        channel_id=42,
        stream_id="quiet",
        started_at=at(21, 18),
        title="",
        category="",
        report_token=new_report_token(),
    )
    streams = streams_for(db, tmp_path, Clock(at(21, 18, 0) + timedelta(seconds=20)))
    directory = await streams.resolve(session.report_token)
    assert directory is not None
    page = (directory / "index.html").read_text()
    assert "No chat recorded during this stream" in page
    assert (directory / "chart.png").read_bytes().startswith(b"\x89PNG")


async def test_the_live_figures_are_served_as_json(
    client: TestClient, ended: StreamSession
) -> None:
    got = await client.get(f"/r/{ended.report_token}.live.json")
    assert got.status == 200
    assert got.headers["Content-Type"].startswith("application/json")
    assert "Content-Disposition" not in got.headers  # polled by the page, not downloaded
    assert json.loads(await got.text())["live"] is False


async def test_text_moderators_deleted_is_not_exported(
    db: Database, tmp_path: Path, ended: StreamSession
) -> None:
    said = m(ALICE, at(21, 18, 20), "a line a moderator removed")
    await db.history.write_batch(messages=[said])
    await db.history.write_batch(removals=[Removal(42, at(21, 18, 21), message_id=said.message_id)])
    streams = streams_for(db, tmp_path, Clock(NOW))
    directory = await streams.resolve(ended.report_token)
    assert directory is not None
    exported = (directory / "stream-chat.csv").read_text(encoding="utf-8")
    exported += (directory / "stream.json").read_text(encoding="utf-8")
    assert "a line a moderator removed" not in exported
    assert said.message_id in exported  # the line stays, its text goes
