"""Login with Twitch for the dashboard: the authorization-code flow and Get Moderated Channels.

The user's token is returned to the caller (it goes into the encrypted session) and is never
logged or stored in the database.
"""

from __future__ import annotations

import logging
import urllib.parse
from dataclasses import dataclass

import httpx

from reports.i18n import N_, Phrase

log = logging.getLogger(__name__)

SCOPE = "user:read:moderated_channels"
_TIMEOUT = httpx.Timeout(10.0)


class LoginError(Exception):
    """Twitch refused the login or did not answer as expected; the message is for people."""


class TokenRejected(LoginError):
    """The user's token no longer works (expired or revoked)."""


@dataclass(frozen=True, slots=True)
class TwitchUser:
    user_id: int
    login: str
    access_token: str

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        return f"TwitchUser(user_id={self.user_id}, login={self.login!r})"


class TwitchLogin:
    """Talks to Twitch's OAuth and Helix for the dashboard's logins."""

    def __init__(
        self, *, auth_url: str, api_url: str, client_id: str, client_secret: str, redirect_uri: str
    ) -> None:
        self._auth = auth_url.rstrip("/")
        self._api = api_url.rstrip("/")
        self._client_id = client_id
        self._secret = client_secret
        self.redirect_uri = redirect_uri

    def authorize_url(self, state: str) -> str:
        """Return the Twitch page that asks the user to log in and approve the one scope."""
        query = urllib.parse.urlencode(
            {
                "client_id": self._client_id,
                "redirect_uri": self.redirect_uri,
                "response_type": "code",
                "scope": SCOPE,
                "state": state,
            }
        )
        return f"{self._auth}/oauth2/authorize?{query}"

    async def redeem(self, code: str) -> TwitchUser:
        """Exchange the authorization code for the user's token and learn who they are."""
        async with httpx.AsyncClient(timeout=_TIMEOUT) as http:
            try:
                resp = await http.post(
                    f"{self._auth}/oauth2/token",
                    data={
                        "client_id": self._client_id,
                        "client_secret": self._secret,
                        "code": code,
                        "grant_type": "authorization_code",
                        "redirect_uri": self.redirect_uri,
                    },
                )
                if resp.status_code != 200:
                    raise LoginError(N_("Twitch did not accept the login; please try again."))
                token = str(resp.json()["access_token"])
                resp = await http.get(
                    f"{self._auth}/oauth2/validate", headers={"Authorization": f"OAuth {token}"}
                )
                if resp.status_code != 200:
                    raise LoginError(N_("Twitch did not confirm the login; please try again."))
                body = resp.json()
                return TwitchUser(int(body["user_id"]), str(body["login"]), token)
            except (httpx.HTTPError, KeyError, ValueError, TypeError) as exc:
                log.warning("login with Twitch failed: %s", type(exc).__name__)
                raise LoginError(N_("Twitch could not be reached; please try again.")) from None

    async def moderated_channels(self, user: TwitchUser) -> frozenset[int]:
        """Return the ids of the channels the user moderates (Get Moderated Channels)."""
        found: set[int] = set()
        cursor: str | None = None
        headers = {"Authorization": f"Bearer {user.access_token}", "Client-Id": self._client_id}
        async with httpx.AsyncClient(timeout=_TIMEOUT) as http:
            for _ in range(100):  # 10,000 channels at most
                params = {"user_id": str(user.user_id), "first": "100"}
                if cursor:
                    params["after"] = cursor
                try:
                    resp = await http.get(
                        f"{self._api}/moderation/channels", params=params, headers=headers
                    )
                except httpx.HTTPError as exc:
                    raise LoginError(N_("Twitch could not be reached; please try again.")) from exc
                if resp.status_code == 401:
                    raise TokenRejected("Your Twitch login has expired; please log in again.")
                if resp.status_code != 200:
                    answered = N_("Twitch answered {status} for your channels.")
                    raise LoginError(Phrase(answered, status=resp.status_code))
                body = resp.json()
                found.update(int(c["broadcaster_id"]) for c in body.get("data", []))
                cursor = (body.get("pagination") or {}).get("cursor")
                if not cursor:
                    break
        return frozenset(found)
