"""OAuth user tokens of the bot account and the owner. Never log what comes out of here."""

from __future__ import annotations

from storage.engine import Store
from storage.models import OAuthToken, ts


class Tokens:
    def __init__(self, db: Store) -> None:
        self._db = db

    async def save(self, token: OAuthToken) -> None:
        """Insert or replace the user's token."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO oauth_tokens (user_id, login, access_token, refresh_token, scopes, "
                "expires_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                "ON CONFLICT (user_id) DO UPDATE SET login = excluded.login, "
                "access_token = excluded.access_token, refresh_token = excluded.refresh_token, "
                "scopes = excluded.scopes, expires_at = excluded.expires_at, "
                "updated_at = excluded.updated_at",
                token.user_id,
                token.login,
                token.access_token,
                token.refresh_token,
                " ".join(token.scopes),
                ts(token.expires_at),
                ts(token.updated_at),
            )

    async def get(self, user_id: int) -> OAuthToken | None:
        row = await self._db.fetchrow("SELECT * FROM oauth_tokens WHERE user_id = $1", user_id)
        return OAuthToken.from_row(row) if row else None

    async def all(self) -> list[OAuthToken]:
        rows = await self._db.fetch("SELECT * FROM oauth_tokens ORDER BY user_id")
        return [OAuthToken.from_row(r) for r in rows]

    async def delete(self, user_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM oauth_tokens WHERE user_id = $1", user_id)
