"""The maintained known-bot list: fetched over real HTTP from a local aiohttp stand-in."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import free_port
from bot.knownbots import KnownBotsSource

LAST_MODIFIED = "Mon, 30 Nov 2026 06:00:00 GMT"


@dataclass
class Stand:
    """What the stand-in serves next, and the If-Modified-Since headers it saw."""

    status: int = 200
    body: str = '{"bots": [["lurker_one", 40, 1764000000], ["lurker_two", 12, 1764000000]]}'
    seen: list[str | None] = field(default_factory=list)
    url: str = ""


@pytest.fixture
async def stand() -> AsyncIterator[Stand]:
    s = Stand()

    async def serve(request: web.Request) -> web.Response:
        s.seen.append(request.headers.get("If-Modified-Since"))
        if s.status == 304 and request.headers.get("If-Modified-Since") == LAST_MODIFIED:
            return web.Response(status=304)
        return web.Response(status=s.status, text=s.body, headers={"Last-Modified": LAST_MODIFIED})

    app = web.Application()
    app.router.add_get("/bots.json", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    s.url = f"http://127.0.0.1:{port}/bots.json"
    try:
        yield s
    finally:
        await runner.cleanup()


def _source(url: str, tmp_path: Path) -> KnownBotsSource:
    return KnownBotsSource(
        url=url, directory=tmp_path / "known-bots", file_logins=frozenset({"from_file"})
    )


async def test_fetched_list_is_kept_on_disk_and_asked_again_with_its_date(
    stand: Stand, tmp_path: Path
) -> None:
    source = _source(stand.url, tmp_path)
    assert await source.refresh() == "updated"
    assert source.logins() == {"from_file", "lurker_one", "lurker_two"}
    meta = json.loads((tmp_path / "known-bots" / "meta.json").read_text())
    assert meta["last_modified"] == LAST_MODIFIED and meta["fetched_at"]

    stand.status = 304
    again = _source(stand.url, tmp_path)  # a restart: the list comes from disk
    assert again.load_cached() == 2
    assert again.due_in() > 0
    assert await again.refresh() == "unchanged"
    assert stand.seen[-1] == LAST_MODIFIED
    assert again.logins() == {"from_file", "lurker_one", "lurker_two"}


@pytest.mark.parametrize(
    ("status", "body"),
    [
        pytest.param(200, '{"data": {"nested": true}}', id="malformed-shape"),
        pytest.param(200, "[1, 2", id="broken-json"),
        pytest.param(500, "oops", id="server-error"),
    ],
)
async def test_bad_answers_keep_the_last_good_list_with_one_line(
    stand: Stand,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    status: int,
    body: str,
) -> None:
    source = _source(stand.url, tmp_path)
    assert await source.refresh() == "updated"
    stand.status, stand.body = status, body
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.knownbots"):
        assert await source.refresh() == "kept"
    assert len(caplog.records) == 1
    assert source.logins() == {"from_file", "lurker_one", "lurker_two"}
    restarted = _source(stand.url, tmp_path)
    assert restarted.load_cached() == 2  # the good list on disk was not overwritten


async def test_unreachable_source_keeps_the_list(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = _source(f"http://127.0.0.1:{free_port()}/bots.txt", tmp_path)
    with caplog.at_level(logging.WARNING, logger="bot.knownbots"):
        assert await source.refresh() == "kept"
    assert len(caplog.records) == 1 and "unreachable" in caplog.text
    assert source.logins() == {"from_file"}
