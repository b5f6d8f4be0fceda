"""The web side of the running bot attacked from outside: guessing and enumerating report tokens,
path tricks, oversized requests, floods from one address, and OAuth by the wrong accounts."""

from __future__ import annotations

import asyncio
import re
import secrets
from typing import Any

import httpx
import pytest

from bot.twitch.oauth import auth_link
from tests.resilience.conftest import BOT, OWNER, Channel, wait_for, wait_for_async

LINK = re.compile(r"(http://127\.0\.0\.1:\d+)/r/([A-Za-z0-9_-]+)$")

SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def assert_secured(resp: httpx.Response) -> None:
    for name, value in SECURITY.items():
        assert resp.headers.get(name) == value, (resp.request.url, name)
    csp = resp.headers.get("Content-Security-Policy", "")
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "no-store" in resp.headers.get("Cache-Control", "")


async def report_links(env: Any, n: int) -> list[tuple[str, str]]:
    mod = env.moderators["chan_a"]
    for i in range(n):
        await env.say("chan_a", mod, "!botcheck")
        await wait_for(
            lambda i=i: sum(bool(LINK.search(m)) for m in env.sent("chan_a")) > i, timeout=30
        )
    found = [LINK.search(m) for m in env.sent("chan_a")]
    return [(m.group(1), m.group(2)) for m in found if m]


async def test_report_tokens_are_long_random_and_cannot_be_enumerated(make_env: Any) -> None:
    async with make_env([Channel("chan_a", "organic", 50)], cooldown_s=0) as env:
        links = await report_links(env, 4)
        base = links[0][0]
        tokens = [t for _, t in links]
        assert len(set(tokens)) == 4
        for t in tokens:
            assert len(t) >= 22  # at least 128 bits of url-safe base64
        # No shared prefix a guesser could walk: tokens differ from the first characters.
        assert len({t[:4] for t in tokens}) == 4
        async with httpx.AsyncClient(base_url=base) as http:
            ok = await http.get(f"/r/{tokens[0]}")
            assert ok.status_code == 200
            assert_secured(ok)
            # Neighbours of a real token and random tokens of the right shape are all unknown.
            real = tokens[0]
            flipped = [real[:-1] + ("A" if real[-1] != "A" else "B"), real.upper(), real[::-1]]
            guesses = [*flipped, *(secrets.token_urlsafe(24) for _ in range(40))]
            answers = [await http.get(f"/r/{g}") for g in guesses]
        assert {a.status_code for a in answers} <= {404, 429}
        assert all(a.content[:4] != b"\x89PNG" for a in answers)
        for a in answers:
            assert_secured(a)


async def test_one_address_hammering_the_routes_is_slowed_down(make_env: Any) -> None:
    async with make_env() as env:
        base = env.settings.public_url
        # 90 requests over 16 connections: past 32 open connections from one address the
        # server refuses the connection itself (test_idle_connections_...).
        limits = httpx.Limits(max_connections=16)
        async with httpx.AsyncClient(base_url=base, limits=limits) as http:
            answers = await asyncio.gather(
                *(http.get(f"/r/{secrets.token_urlsafe(24)}") for _ in range(90))
            )
        codes = [a.status_code for a in answers]
        assert codes.count(429) >= 20, codes  # 60 at once, then one a second
        limited = next(a for a in answers if a.status_code == 429)
        assert int(limited.headers["Retry-After"]) >= 1
        assert_secured(limited)


PATH_TRICKS = [
    pytest.param("/r/../../../../etc/passwd", id="dot-dot"),
    pytest.param("/r/%2e%2e/%2e%2e/etc/passwd", id="encoded-dot-dot"),
    pytest.param("/r/..%2f..%2fbotcheck.db", id="encoded-slash"),
    pytest.param("/r/{token}/../../botcheck.db", id="after-a-real-token"),
    pytest.param("/r/{token}.db", id="other-extension"),
    pytest.param("/r/{token}.png/..", id="trailing-dot-dot"),
    pytest.param("/r/{token}%00.png", id="nul-byte"),
    pytest.param("/r/{token}.json%20", id="trailing-space"),
    pytest.param("/r/%5c..%5c..%5cbotcheck.db", id="backslashes"),
    pytest.param("/r/" + "A" * 4000, id="very-long-token"),
    pytest.param("/botcheck.db", id="the-database"),
    pytest.param("/.env", id="dotenv"),
]


async def test_path_tricks_never_reach_a_file(make_env: Any) -> None:
    async with make_env([Channel("chan_a", "organic", 50)]) as env:
        base, token = (await report_links(env, 1))[0]
        db_bytes = env.settings.db_path.read_bytes()[:16]
        async with httpx.AsyncClient(base_url=base) as http:
            for param in PATH_TRICKS:
                (raw,) = param.values
                path = str(raw).replace("{token}", token)
                resp = await http.get(httpx.URL(base + path))
                assert resp.status_code in (400, 404, 414), (path, resp.status_code)
                assert db_bytes not in resp.content
                assert b"root:" not in resp.content


async def test_oversized_requests_are_refused(make_env: Any) -> None:
    async with make_env() as env:
        base = env.settings.public_url
        async with httpx.AsyncClient(base_url=base, timeout=20) as http:
            huge_header = await http.get("/r/x", headers={"X-Junk": "a" * 200_000})
            assert huge_header.status_code in (400, 413, 431)
            huge_url = await http.get("/r/" + "a" * 60_000)  # httpx's own limit is 65,536
            assert huge_url.status_code in (400, 404, 414)
            body = b"x" * (8 * 1024 * 1024)
            try:
                huge_body = await http.post("/oauth/callback", content=body)
            except httpx.TransportError:
                pass  # the server cut the upload short: refused too
            else:
                assert huge_body.status_code in (400, 404, 405, 413)
        assert not env.running.task.done()


async def test_oauth_keeps_only_the_bots_and_the_owners_tokens(make_env: Any) -> None:
    async with make_env() as env:
        world = env.world
        db = env.running.services.db
        async with httpx.AsyncClient(follow_redirects=True, timeout=20) as http:
            for who in ("outsider_one", "outsider_two"):
                outsider = world.add_user(who)
                world.authorize_as(outsider)
                page = await http.get(auth_link(env.settings.public_url))
                assert page.status_code == 403 and "nothing was stored" in page.text
                assert str(outsider.user_id) not in env.bot.tokens  # not even in memory
            # A forged callback: a made-up code and no state.
            forged = await http.get(
                f"{env.settings.public_url}/oauth/callback", params={"code": "made-up"}
            )
            assert forged.status_code in (400, 403, 502)
            # The owner may authorize, and is kept.
            world.authorize_as(world.user(OWNER))
            page = await http.get(auth_link(env.settings.public_url, owner=True))
            assert page.status_code == 200

        async def owner_kept() -> bool:
            return OWNER in {t.login for t in await db.tokens.all()}

        await wait_for_async(owner_kept, timeout=10, what="the owner's token to be stored")
        stored = {t.login for t in await db.tokens.all()}
        assert stored == {BOT, OWNER}
        assert set(env.bot.tokens) <= {env.bot.bot_id, env.bot.owner_id}
