"""OAuth under /oauth2/: token, validate, authorize (auto-approved), revoke.

Parameters are read from the query string (TwitchIO sends them there) and from a form body (how
most clients send them), as Twitch accepts both. ``authorize`` approves as the user chosen with
`World.authorize_as` (or ``POST /sim/authorize_as``) and redirects to ``redirect_uri`` with
``code``, ``scope`` and ``state``, so a real OAuth flow runs end to end.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Mapping

from aiohttp import web

from twitchsim.config import SimConfig
from twitchsim.state import World

log = logging.getLogger(__name__)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"status": status, "message": message}, status=status)


def _scopes(raw: str) -> list[str]:
    return [s for s in raw.replace("+", " ").split() if s]


class OAuth:
    """The /oauth2/ routes over one `World`."""

    def __init__(self, world: World, config: SimConfig) -> None:
        self.world = world
        self.config = config

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/oauth2/token", self.token),
            web.get("/oauth2/validate", self.validate),
            web.get("/oauth2/authorize", self.authorize),
            web.post("/oauth2/revoke", self.revoke),
        ]

    async def _params(self, request: web.Request) -> Mapping[str, str]:
        params: dict[str, str] = dict(request.query)
        if request.can_read_body and request.content_type == "application/x-www-form-urlencoded":
            form = await request.post()
            params.update({k: str(v) for k, v in form.items()})
        return params

    async def token(self, request: web.Request) -> web.Response:
        """POST /oauth2/token for client_credentials, authorization_code and refresh_token."""
        p = await self._params(request)
        client_id = p.get("client_id", "")
        problem = self.world.tokens.check_client(client_id, p.get("client_secret"))
        if problem is not None:
            return _error(400 if problem == "invalid client" else 403, problem)
        if "client_secret" not in p:
            return _error(400, "missing client secret")
        grant = p.get("grant_type", "")
        tokens = self.world.tokens
        if grant == "client_credentials":
            app = tokens.issue_app_token(client_id, expires_in=self.config.app_token_ttl_s)
            return web.json_response(
                {
                    "access_token": app.access_token,
                    "expires_in": app.expires_in(self.world.clock()),
                    "token_type": "bearer",
                }
            )
        if grant == "authorization_code":
            redirect = p.get("redirect_uri")
            token = tokens.redeem_code(p.get("code", ""), client_id, redirect)
            if token is None:
                return _error(400, "Invalid authorization code")
        elif grant == "refresh_token":
            refresh = urllib.parse.unquote(p.get("refresh_token", ""))
            token = tokens.refresh(refresh, client_id)
            if token is None:
                return _error(400, "Invalid refresh token")
        else:
            return _error(400, "unsupported grant type")
        return web.json_response(
            {
                "access_token": token.access_token,
                "expires_in": token.expires_in(self.world.clock()),
                "refresh_token": token.refresh_token,
                "scope": list(token.scopes),
                "token_type": "bearer",
            }
        )

    async def validate(self, request: web.Request) -> web.Response:
        """GET /oauth2/validate: app tokens carry no login or user_id."""
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if not value or scheme.lower() not in ("oauth", "bearer"):
            return _error(401, "missing authorization token")
        token = self.world.tokens.lookup(value.strip())
        if token is None:
            return _error(401, "invalid access token")
        body: dict[str, object] = {"client_id": token.client_id, "scopes": list(token.scopes)}
        if token.user_id is not None:
            user = self.world.users.get(token.user_id)
            body["login"] = user.login if user else ""
            body["user_id"] = str(token.user_id)
        body["expires_in"] = token.expires_in(self.world.clock())
        return web.json_response(body)

    async def authorize(self, request: web.Request) -> web.StreamResponse:
        """GET /oauth2/authorize: approve at once as the chosen user and redirect back."""
        q = request.query
        client_id = q.get("client_id", "")
        if self.world.tokens.check_client(client_id, None) is not None:
            return _error(400, "invalid client")
        redirect = q.get("redirect_uri", "")
        if not redirect.startswith(("http://", "https://")):
            return _error(400, "Parameter redirect_uri does not match registered URI")
        if q.get("response_type", "code") != "code":
            return _error(400, "unsupported response_type")
        user = self.world.authorize_user
        login = q.get("sim_login")  # a simulator extension: approve as someone else
        if login:
            user = self.world.user(login)
        if user is None:
            return _error(400, "twitchsim: choose who approves with POST /sim/authorize_as")
        scopes = _scopes(q.get("scope", ""))
        code = self.world.tokens.issue_code(client_id, user.user_id, scopes, redirect)
        query = {"code": code, "scope": " ".join(scopes)}
        if "state" in q:
            query["state"] = q["state"]
        sep = "&" if "?" in redirect else "?"
        location = redirect + sep + urllib.parse.urlencode(query)
        log.debug("authorize: %s approved %d scopes for %s", user.login, len(scopes), client_id)
        raise web.HTTPFound(location)

    async def revoke(self, request: web.Request) -> web.Response:
        """POST /oauth2/revoke: the token stops working (EventSub subscriptions are revoked)."""
        p = await self._params(request)
        if self.world.tokens.check_client(p.get("client_id", ""), None) is not None:
            return _error(400, "invalid client")
        token = self.world.tokens.known(p.get("token", ""))
        if token is None or token.client_id != p.get("client_id"):
            return _error(400, "Invalid token")
        self.world.revoke_token(token.access_token)
        return web.Response(status=200)
