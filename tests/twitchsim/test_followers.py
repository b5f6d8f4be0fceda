"""Get Channel Followers in twitchsim, and the follower scenarios behind it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp
import pytest

from reports.followers import Follower, analyze_followers
from storage.models import Account
from tests.twitchsim.conftest import Setup
from tests.twitchsim.test_helix import bearer, get
from twitchsim.follows import AttackSpec, follower_list, one_follow_list
from twitchsim.helix_followers import load_followers

FOLLOWER_SCOPES = ["moderator:read:followers", "moderator:read:chatters"]


def load(world: Setup, seed: int = 5, size: int = 300) -> Any:
    scenario = one_follow_list(seed, size)
    load_followers(
        world.sim.state,
        world.streamer.user_id,
        ((f.user, f.followed_at) for f in scenario.follows),
    )
    return scenario


def token(world: Setup, scopes: list[str] | None = None, user: Any = None) -> str:
    access, _ = world.sim.state.issue_user_token(user or world.bot, scopes or FOLLOWER_SCOPES)
    return access


async def all_pages(
    http: aiohttp.ClientSession, world: Setup, tok: str, first: int
) -> tuple[list[dict[str, Any]], set[int]]:
    url = f"{world.sim.helix_url}/channels/followers"
    rows: list[dict[str, Any]] = []
    totals: set[int] = set()
    cursor = None
    for _ in range(500):
        params = {"broadcaster_id": str(world.streamer.user_id), "first": str(first)}
        if cursor:
            params["after"] = cursor
        status, body, _ = await get(http, url, tok, params)
        assert status == 200
        assert len(body["data"]) <= first
        rows += body["data"]
        totals.add(body["total"])
        cursor = body["pagination"].get("cursor")
        if not cursor:
            break
    return rows, totals


@pytest.mark.parametrize("first", [pytest.param(100, id="first=100"), pytest.param(7, id="7")])
async def test_pages_list_every_follow_newest_first(
    world: Setup, http: aiohttp.ClientSession, first: int
) -> None:
    scenario = load(world)
    rows, totals = await all_pages(http, world, token(world), first)
    assert totals == {len(scenario.follows)}
    assert [int(r["user_id"]) for r in rows] == [f.user.user_id for f in scenario.follows]
    times = [r["followed_at"] for r in rows]
    assert times == sorted(times, reverse=True)
    assert set(rows[0]) == {"user_id", "user_login", "user_name", "followed_at"}


@pytest.mark.parametrize(
    ("scopes", "as_viewer"),
    [
        pytest.param(["moderator:read:chatters"], False, id="no-followers-scope"),
        pytest.param(FOLLOWER_SCOPES, True, id="not-a-moderator"),
    ],
)
async def test_without_scope_or_moderation_only_the_total(
    world: Setup, http: aiohttp.ClientSession, scopes: list[str], as_viewer: bool
) -> None:
    scenario = load(world)
    tok = token(world, scopes, world.viewer if as_viewer else None)
    url = f"{world.sim.helix_url}/channels/followers"
    status, body, _ = await get(http, url, tok, {"broadcaster_id": str(world.streamer.user_id)})
    assert status == 200
    assert body == {"data": [], "pagination": {}, "total": len(scenario.follows)}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        pytest.param({"first": "101"}, 400, id="first-over-100"),
        pytest.param({"broadcaster_id": "999999"}, 400, id="unknown-channel"),
        pytest.param({"user_id": "abc"}, 400, id="bad-user-id"),
    ],
)
async def test_bad_requests(
    world: Setup, http: aiohttp.ClientSession, params: dict[str, str], status: int
) -> None:
    load(world)
    query = {"broadcaster_id": str(world.streamer.user_id), **params}
    url = f"{world.sim.helix_url}/channels/followers"
    got, body, _ = await get(http, url, token(world), query)
    assert got == status and body["status"] == status


async def test_user_id_asks_about_one_follower(world: Setup, http: aiohttp.ClientSession) -> None:
    scenario = load(world)
    one = scenario.follows[10]
    url = f"{world.sim.helix_url}/channels/followers"
    params = {"broadcaster_id": str(world.streamer.user_id), "user_id": str(one.user.user_id)}
    _, body, _ = await get(http, url, token(world), params)
    assert body["total"] == 1 and body["data"][0]["user_login"] == one.user.login


async def test_follow_bots_are_found_end_to_end(world: Setup, http: aiohttp.ClientSession) -> None:
    """Follower pages, then Get Users for the accounts, then the analysis: the bots stand out."""
    scenario = load(world, seed=8, size=400)
    rows, _ = await all_pages(http, world, token(world), 100)
    accounts: dict[int, Account] = {}
    ids = [r["user_id"] for r in rows]
    for i in range(0, len(ids), 100):
        url = f"{world.sim.helix_url}/users"
        async with http.get(
            url, params=[("id", x) for x in ids[i : i + 100]], headers=bearer(token(world))
        ) as resp:
            for u in (await resp.json())["data"]:
                accounts[int(u["id"])] = Account(
                    user_id=int(u["id"]),
                    login=u["login"],
                    created_at=_parse(u["created_at"]),
                    profile_image_url=u["profile_image_url"],
                    description=u["description"],
                )
    follows = [Follower(accounts[int(r["user_id"])], _parse(r["followed_at"])) for r in rows]
    result = analyze_followers(follows, now=scenario.now)
    truth = scenario.bot_ids()
    found = result.bot_ids()
    assert len(found & truth) >= 0.95 * len(truth)
    assert len(found & truth) >= 0.95 * len(found)
    assert str(result.verdict.level) == "high"


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_same_seed_same_followers_and_truth() -> None:
    a = follower_list(3, 500, attacks=[AttackSpec(80, kind="premade")])
    b = follower_list(3, 500, attacks=[AttackSpec(80, kind="premade")])
    assert a == b
    assert len(a.bot_ids()) == 80


@pytest.mark.parametrize("kind", ["fresh", "premade", "aged"])
def test_every_follow_comes_after_its_account(kind: str) -> None:
    s = follower_list(4, 800, attacks=[AttackSpec(120, kind=kind)])
    assert all(f.followed_at >= f.user.created_at for f in s.follows)
    assert len({f.user.user_id for f in s.follows}) == len(s.follows)
    attack = s.attacks[0]
    assert (attack.end - attack.start).total_seconds() <= 120 * 3.0 + 5
