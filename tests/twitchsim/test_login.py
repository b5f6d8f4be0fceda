"""The dashboard's login against the sim: any user chosen over the control API logs in with
the authorization-code flow, and their token lists the channels they moderate."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from twitchsim import TwitchSim

REDIRECT = "http://127.0.0.1:9/login/callback"


async def login(http: aiohttp.ClientSession, sim: TwitchSim, **extra: str) -> str:
    """Run authorize -> code -> token; return the user's access token."""
    params = {
        "client_id": sim.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "user:read:moderated_channels",
        "state": "s",
        **extra,
    }
    async with http.get(
        f"{sim.auth_url}/oauth2/authorize", params=params, allow_redirects=False
    ) as resp:
        assert resp.status == 302, await resp.text()
        code = parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]
    form = {
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
    }
    async with http.post(f"{sim.auth_url}/oauth2/token", data=form) as resp:
        assert resp.status == 200
        return str((await resp.json())["access_token"])


async def moderated(
    http: aiohttp.ClientSession, sim: TwitchSim, token: str, user_id: int
) -> list[str]:
    headers = {"Authorization": f"Bearer {token}", "Client-Id": sim.client_id}
    async with http.get(
        f"{sim.helix_url}/moderation/channels", params={"user_id": str(user_id)}, headers=headers
    ) as resp:
        assert resp.status == 200
        return [c["broadcaster_login"] for c in (await resp.json())["data"]]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        pytest.param("moddy", ["alpha", "gamma"], id="a-moderator-of-two"),
        pytest.param("alpha", [], id="a-broadcaster-moderates-none"),
        pytest.param("stranger", [], id="a-stranger"),
    ],
)
async def test_any_user_chosen_over_the_control_api_logs_in(
    sim: TwitchSim, who: str, expected: list[str]
) -> None:
    st = sim.state
    for channel in ("alpha", "beta", "gamma"):
        st.add_channel(channel)
    st.add_user("moddy")
    st.add_user("stranger")
    st.add_moderator("alpha", "moddy")
    st.add_moderator("gamma", "moddy")
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sim.url}/sim/authorize_as", json={"user": who}) as resp:
            assert resp.status == 200
        token = await login(http, sim)
        assert sorted(await moderated(http, sim, token, st.user(who).user_id)) == expected


async def test_the_authorize_page_honours_sim_login(sim: TwitchSim) -> None:
    st = sim.state
    st.add_channel("alpha")
    moddy = st.add_user("moddy")
    st.add_moderator("alpha", "moddy")
    async with aiohttp.ClientSession() as http:
        token = await login(http, sim, sim_login="moddy")  # nobody chosen: the query decides
        assert await moderated(http, sim, token, moddy.user_id) == ["alpha"]


async def test_moderated_channels_only_for_the_tokens_own_user(sim: TwitchSim) -> None:
    st = sim.state
    st.add_channel("alpha")
    moddy = st.add_user("moddy")
    other = st.add_user("other")
    st.add_moderator("alpha", "moddy")
    async with aiohttp.ClientSession() as http:
        token = await login(http, sim, sim_login="other")
        headers = {"Authorization": f"Bearer {token}", "Client-Id": sim.client_id}
        url = f"{sim.helix_url}/moderation/channels"
        async with http.get(url, params={"user_id": str(moddy.user_id)}, headers=headers) as resp:
            assert resp.status == 400
        assert other.user_id != moddy.user_id
