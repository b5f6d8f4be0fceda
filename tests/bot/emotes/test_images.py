"""The image route: fetched once from the (stand-in) CDN, kept on disk, never an open proxy."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from bot.emotes import EmoteImages, EmoteSets, add_emote_routes
from tests.bot.emotes.conftest import CHANNEL, Stand
from twitchsim.emotes import emote_id


@dataclass
class Served:
    url: str
    images: EmoteImages
    folder: Path


@pytest.fixture
async def served(
    stand: Stand, make_sets: Callable[..., EmoteSets], tmp_path: Path
) -> AsyncIterator[Served]:
    sets = make_sets()
    await sets.refresh_due()
    folder = tmp_path / "emotes" / "images"
    images = EmoteImages(
        providers=stand.providers(), directory=folder, known=sets.known, max_bytes=10_000
    )
    app = web.Application()
    add_emote_routes(app, images)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield Served(f"http://127.0.0.1:{runner.addresses[0][1]}", images, folder)
    finally:
        await runner.cleanup()


def cdn_hits(stand: Stand) -> int:
    return sum(n for path, n in stand.standins.requests.items() if "-cdn/" in path)


@pytest.mark.parametrize(
    ("provider", "name", "scope"),
    [
        pytest.param("7tv", "catJAM", str(CHANNEL), id="7tv-channel"),
        pytest.param("bttv", "monkaS", "global", id="bttv-global"),
        pytest.param("ffz", "OMEGALUL", str(CHANNEL), id="ffz-channel"),
    ],
)
async def test_an_image_is_fetched_once_then_served_from_disk(
    served: Served, stand: Stand, provider: str, name: str, scope: str
) -> None:
    eid = emote_id(provider, scope, name)
    async with httpx.AsyncClient() as http:
        first = await http.get(f"{served.url}/emotes/{provider}/{eid}")
        second = await http.get(f"{served.url}/emotes/{provider}/{eid}")
    assert first.status_code == second.status_code == 200
    assert first.headers["Content-Type"] == "image/png"
    assert first.content.startswith(b"\x89PNG") and second.content == first.content
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age" in first.headers["Cache-Control"]
    assert cdn_hits(stand) == 1
    kept = served.folder / provider / f"{eid}.png"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE((served.folder / provider).stat().st_mode) == 0o700


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/emotes/7tv/0123456789abcdef01234567", id="unknown-id"),
        pytest.param("/emotes/imgur/abc", id="unknown-provider"),
        pytest.param("/emotes/7tv/..%2F..%2Fetc%2Fpasswd", id="traversal"),
        pytest.param("/emotes/7tv/http%3A%2F%2Fexample.com%2Fx.png", id="a-url"),
        pytest.param("/emotes/bttv/" + "a" * 65, id="too-long"),
    ],
)
async def test_anything_but_a_known_emote_is_404_and_fetches_nothing(
    served: Served, stand: Stand, path: str
) -> None:
    async with httpx.AsyncClient() as http:
        resp = await http.get(served.url + path)
    assert resp.status_code == 404
    assert cdn_hits(stand) == 0


async def test_an_image_over_the_size_limit_or_not_an_image_is_refused_and_not_kept(
    served: Served, stand: Stand
) -> None:
    big = emote_id("7tv", str(CHANNEL), "catJAM")
    odd = emote_id("7tv", str(CHANNEL), "Aware")
    async with httpx.AsyncClient() as http:
        stand.standins.image_size = 20_000
        too_big = await http.get(f"{served.url}/emotes/7tv/{big}")
        stand.standins.image_size = None
        stand.standins.image_type = "text/html"
        html = await http.get(f"{served.url}/emotes/7tv/{odd}")
        again = await http.get(f"{served.url}/emotes/7tv/{odd}")
    assert too_big.status_code == html.status_code == again.status_code == 404
    assert cdn_hits(stand) == 2  # a refused id is not asked for again at once
    assert not list(served.folder.rglob("*.*"))


async def test_an_image_on_disk_is_served_after_its_emote_left_every_set(
    served: Served, stand: Stand, make_sets: Callable[..., EmoteSets]
) -> None:
    eid = emote_id("7tv", str(CHANNEL), "catJAM")
    assert await served.images.get("7tv", eid) is not None
    later = EmoteImages(
        providers=stand.providers(), directory=served.folder, known=lambda p, i: False
    )
    found = await later.get("7tv", eid)
    assert found is not None and found[1] == "image/png"
    assert later.fetches == 0
