"""The bot's tokens: TwitchIO manages and refreshes them, SQLite keeps them, Helix borrows them.

Only the bot account's and the owner's user tokens are ever kept. Nothing here logs a token.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.twitch.patches import app_token, refresh_user_token, set_app_token
from storage import Database, OAuthToken

if TYPE_CHECKING:
    import twitchio

log = logging.getLogger(__name__)


class MissingTokenError(LookupError):
    """No usable token for that user (they have not authorized, or it was revoked)."""


class TwitchIOTokens:
    """A Helix `TokenSource` that reads TwitchIO's managed tokens and refreshes through it."""

    def __init__(self, client: twitchio.Client | None = None) -> None:
        self._bound = client
        self._locks: dict[str | None, asyncio.Lock] = {}

    def bind(self, client: twitchio.Client) -> None:
        """Attach the client once it exists (the Helix client is made before the bot)."""
        self._bound = client

    @property
    def _client(self) -> twitchio.Client:
        if self._bound is None:
            raise MissingTokenError("the bot is not running yet")
        return self._bound

    async def token(self, user_id: str | None) -> str:
        if user_id is None:
            app = app_token(self._client)
            if not app:
                raise MissingTokenError("no app token yet: the bot has not logged in")
            return app
        data = self._client.tokens.get(str(user_id))
        if data is None:
            raise MissingTokenError(f"no user token for {user_id}: run `botcheck auth`")
        return data["token"]

    async def refresh(self, user_id: str | None, stale: str) -> str:
        """Return a fresh token; a caller that lost the race gets the one already refreshed."""
        async with self._locks.setdefault(user_id, asyncio.Lock()):
            current = await self.token(user_id)
            if current != stale:
                return current
            if user_id is None:
                payload = await self._client.http.client_credentials_token()
                set_app_token(self._client, payload.access_token)
                return payload.access_token
            data = self._client.tokens[str(user_id)]
            # TwitchIO's own refresh path: it updates its store and dispatches token_refreshed,
            # which the bot saves to SQLite.
            await refresh_user_token(self._client, str(user_id), data["refresh"])
            return await self.token(user_id)


async def save_token(
    db: Database,
    *,
    user_id: str,
    login: str,
    access_token: str,
    refresh_token: str,
    scopes: list[str] | tuple[str, ...],
    expires_in: int | None,
) -> None:
    """Store a user token in SQLite."""
    now = datetime.now(UTC)
    await db.tokens.save(
        OAuthToken(
            user_id=int(user_id),
            login=login,
            access_token=access_token,
            refresh_token=refresh_token,
            scopes=tuple(scopes),
            expires_at=now + timedelta(seconds=expires_in) if expires_in else None,
            updated_at=now,
        )
    )
