"""OAuth's memory: registered applications, tokens, authorization codes and what users granted.

Tokens look like Twitch's (30 lowercase alphanumerics for access tokens, 50 for refresh tokens).
Expired and revoked tokens stay on record so Helix and ``/oauth2/validate`` can answer 401.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

_ALPHABET = string.ascii_lowercase + string.digits


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


@dataclass(slots=True)
class App:
    """A registered Twitch application."""

    client_id: str
    client_secret: str
    name: str = "botcheck"
    redirect_uris: list[str] = field(default_factory=list)  # empty: any redirect is accepted


@dataclass(slots=True)
class Token:
    """An access token (an app token when ``user_id`` is None)."""

    access_token: str
    client_id: str
    user_id: int | None
    scopes: tuple[str, ...]
    expires_at: float
    refresh_token: str | None = None
    revoked: bool = False

    @property
    def is_app(self) -> bool:
        return self.user_id is None

    def expires_in(self, now: float) -> int:
        return max(0, int(self.expires_at - now))


@dataclass(slots=True)
class _Code:
    client_id: str
    user_id: int
    scopes: tuple[str, ...]
    redirect_uri: str
    expires_at: float


class TokenStore:
    """Applications, tokens and grants, with Twitch's lifetimes."""

    def __init__(self, *, ttl_s: int = 4 * 3600, clock: Callable[[], float] = time.time) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self.apps: dict[str, App] = {}
        self._tokens: dict[str, Token] = {}
        self._refresh: dict[str, Token] = {}
        self._codes: dict[str, _Code] = {}
        self._grants: dict[tuple[str, int], set[str]] = {}

    # --- applications ---------------------------------------------------------------------------

    def register_app(
        self,
        client_id: str | None = None,
        client_secret: str | None = None,
        *,
        name: str = "botcheck",
    ) -> App:
        app = App(client_id or _random(30), client_secret or _random(30), name)
        self.apps[app.client_id] = app
        return app

    def check_client(self, client_id: str, client_secret: str | None) -> str | None:
        """Return Twitch's error message for bad client credentials, or None."""
        app = self.apps.get(client_id)
        if app is None:
            return "invalid client"
        if client_secret is not None and client_secret != app.client_secret:
            return "invalid client secret"
        return None

    # --- tokens ---------------------------------------------------------------------------------

    def issue_app_token(self, client_id: str, *, expires_in: int | None = None) -> Token:
        token = Token(
            access_token=_random(30),
            client_id=client_id,
            user_id=None,
            scopes=(),
            expires_at=self._clock() + (expires_in if expires_in is not None else 60 * 86400),
        )
        self._tokens[token.access_token] = token
        return token

    def issue_user_token(
        self,
        client_id: str,
        user_id: int,
        scopes: Iterable[str],
        *,
        expires_in: int | None = None,
        refresh_token: str | None = None,
    ) -> Token:
        scope_tuple = tuple(sorted(set(scopes)))
        token = Token(
            access_token=_random(30),
            client_id=client_id,
            user_id=user_id,
            scopes=scope_tuple,
            expires_at=self._clock() + (expires_in if expires_in is not None else self.ttl_s),
            refresh_token=refresh_token or _random(50),
        )
        self._tokens[token.access_token] = token
        assert token.refresh_token is not None
        self._refresh[token.refresh_token] = token
        self._grants.setdefault((client_id, user_id), set()).update(scope_tuple)
        return token

    def lookup(self, access_token: str) -> Token | None:
        """Return the token if it is known, unrevoked and unexpired."""
        token = self._tokens.get(access_token)
        if token is None or token.revoked or token.expires_at <= self._clock():
            return None
        return token

    def known(self, access_token: str) -> Token | None:
        """Return the token record even if it is expired or revoked."""
        return self._tokens.get(access_token)

    def refresh(self, refresh_token: str, client_id: str) -> Token | None:
        """Return a fresh token for a refresh token (Twitch keeps the refresh token usable)."""
        old = self._refresh.get(refresh_token)
        if old is None or old.client_id != client_id or old.user_id is None:
            return None
        return self.issue_user_token(client_id, old.user_id, old.scopes)

    def revoke(self, access_token: str) -> Token | None:
        """Revoke an access token and its refresh token; return it if it existed."""
        token = self._tokens.get(access_token)
        if token is None:
            return None
        token.revoked = True
        if token.refresh_token is not None:
            self._refresh.pop(token.refresh_token, None)
        return token

    def expire(self, access_token: str) -> Token | None:
        """Make a token expire now (its refresh token still works, as on Twitch)."""
        token = self._tokens.get(access_token)
        if token is not None:
            token.expires_at = self._clock() - 1
        return token

    def tokens_of(self, user_id: int | None, client_id: str | None = None) -> list[Token]:
        return [
            t
            for t in self._tokens.values()
            if t.user_id == user_id and (client_id is None or t.client_id == client_id)
        ]

    def granted(self, client_id: str, user_id: int) -> set[str]:
        """Return the scopes ``user_id`` has granted ``client_id`` (any live token counts)."""
        return self._grants.get((client_id, user_id), set())

    # --- authorization codes --------------------------------------------------------------------

    def issue_code(
        self, client_id: str, user_id: int, scopes: Iterable[str], redirect_uri: str
    ) -> str:
        code = _random(30)
        self._codes[code] = _Code(
            client_id, user_id, tuple(scopes), redirect_uri, self._clock() + 600
        )
        return code

    def redeem_code(self, code: str, client_id: str, redirect_uri: str | None) -> Token | None:
        """Exchange an authorization code for a user token (once)."""
        entry = self._codes.pop(code, None)
        if entry is None or entry.client_id != client_id or entry.expires_at < self._clock():
            return None
        if redirect_uri is not None and redirect_uri != entry.redirect_uri:
            return None
        return self.issue_user_token(client_id, entry.user_id, entry.scopes)
