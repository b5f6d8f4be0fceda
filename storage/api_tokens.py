"""Per-user API tokens of the dashboard's JSON API, kept as SHA-256 only.

The token itself is shown once when made; what is stored cannot be turned back into it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from storage.engine import Store
from storage.models import from_ts, ts


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A per-user API token as listed on the settings page (never the token itself)."""

    token_id: int
    user_id: int
    user_login: str
    name: str
    created_at: datetime | None
    last_used_at: datetime | None
    revoked: bool


def hash_api_token(token: str) -> str:
    """Return the stored form of an API token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiTokens:
    """Make, look up, list and revoke API tokens."""

    def __init__(self, db: Store) -> None:
        self._db = db

    async def add(
        self, *, token: str, user_id: int, user_login: str, name: str, at: datetime
    ) -> int:
        """Keep a new token (as its hash) for the user; return its id."""
        async with self._db.transaction() as tx:
            token_id = await tx.fetchval(
                "INSERT INTO api_tokens (token_hash, user_id, user_login, name, created_at) "
                "VALUES ($1, $2, $3, $4, $5) RETURNING token_id",
                hash_api_token(token),
                user_id,
                user_login,
                name,
                ts(at),
            )
        return int(token_id)

    async def user(self, token: str, *, at: datetime) -> tuple[int, str] | None:
        """Return (user_id, login) for a live token and note its use; None otherwise."""
        row = await self._db.fetchrow(
            "SELECT token_id, user_id, user_login, last_used_at FROM api_tokens "
            "WHERE token_hash = $1 AND revoked_at IS NULL",
            hash_api_token(token),
        )
        if row is None:
            return None
        now = ts(at) or 0
        if row[3] is None or now - int(row[3]) >= 60:  # one write a minute at most
            async with self._db.transaction() as tx:
                await tx.execute(
                    "UPDATE api_tokens SET last_used_at = $1 WHERE token_id = $2", now, row[0]
                )
        return int(row[1]), str(row[2])

    async def of_user(self, user_id: int) -> list[ApiToken]:
        """Return the user's tokens, newest first (revoked ones too)."""
        rows = await self._db.fetch(
            "SELECT * FROM api_tokens WHERE user_id = $1 ORDER BY token_id DESC", user_id
        )
        return [
            ApiToken(
                token_id=r["token_id"],
                user_id=r["user_id"],
                user_login=r["user_login"],
                name=r["name"],
                created_at=from_ts(r["created_at"]),
                last_used_at=from_ts(r["last_used_at"]),
                revoked=r["revoked_at"] is not None,
            )
            for r in rows
        ]

    async def revoke(self, token_id: int, *, user_id: int, at: datetime) -> bool:
        """Revoke one of the user's tokens; return False when it is not theirs or not live."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE api_tokens SET revoked_at = $1 WHERE token_id = $2 AND user_id = $3 "
                "AND revoked_at IS NULL",
                ts(at),
                token_id,
                user_id,
            )
        return bool(changed)
