"""Accounts and their name history."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from storage.models import Account, NameRecord, ts

if TYPE_CHECKING:
    from storage.database import Database

_UPSERT_LOOKED_UP = """
INSERT INTO accounts (user_id, login, display_name, created_at, type, broadcaster_type,
                      profile_image_url, description, looked_up_at, first_seen_at, last_seen_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (user_id) DO UPDATE SET
    login = excluded.login,
    display_name = excluded.display_name,
    created_at = COALESCE(accounts.created_at, excluded.created_at),
    type = excluded.type,
    broadcaster_type = excluded.broadcaster_type,
    profile_image_url = excluded.profile_image_url,
    description = excluded.description,
    looked_up_at = excluded.looked_up_at,
    first_seen_at = COALESCE(accounts.first_seen_at, excluded.first_seen_at),
    last_seen_at = MAX(COALESCE(accounts.last_seen_at, 0), excluded.last_seen_at),
    gone_at = NULL
"""

_UPSERT_NAME = """
INSERT INTO account_names (user_id, login, display_name, first_seen_at, last_seen_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (user_id, login, display_name) DO UPDATE SET
    last_seen_at = MAX(account_names.last_seen_at, excluded.last_seen_at)
"""

_TOUCH = """
UPDATE accounts SET login = ?, display_name = ?, last_seen_at = MAX(COALESCE(last_seen_at, 0), ?)
WHERE user_id = ?
"""

# One JSON array parameter instead of thousands of placeholders: a single statement for any size.
_IDS = "SELECT value FROM json_each(?)"

_TOUCH_UNCHANGED = """
UPDATE accounts SET last_seen_at = MAX(COALESCE(last_seen_at, 0), ?1)
WHERE user_id IN (SELECT value FROM json_each(?2))
"""

# The name record that matches the account's current names is the one seen now.
_TOUCH_UNCHANGED_NAMES = """
UPDATE account_names SET last_seen_at = MAX(last_seen_at, ?1)
WHERE user_id IN (SELECT value FROM json_each(?2))
  AND login = (SELECT a.login FROM accounts a WHERE a.user_id = account_names.user_id)
  AND display_name = (SELECT a.display_name FROM accounts a WHERE a.user_id = account_names.user_id)
"""


class Accounts:
    """Every account botcheck has looked up, looked up once in its life."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert_many(self, accounts: Iterable[Account], *, seen_at: datetime) -> int:
        """Store accounts as Get Users returned them; keep created_at, record new names."""
        seen = ts(seen_at)
        rows = []
        names = []
        for a in accounts:
            rows.append(
                (
                    a.user_id,
                    a.login,
                    a.display_name,
                    ts(a.created_at),
                    a.type,
                    a.broadcaster_type,
                    a.profile_image_url,
                    a.description,
                    ts(a.looked_up_at) or seen,
                    seen,
                    seen,
                )
            )
            names.append((a.user_id, a.login, a.display_name, seen, seen))
        if not rows:
            return 0
        async with self._db.transaction() as conn:
            await conn.executemany(_UPSERT_LOOKED_UP, rows)
            await conn.executemany(_UPSERT_NAME, names)
        return len(rows)

    async def touch_seen(
        self, chatters: Sequence[tuple[int, str, str]], *, seen_at: datetime
    ) -> None:
        """Mark known accounts (user_id, login, display_name) as seen; a new name is a rename."""
        if not chatters:
            return
        seen = ts(seen_at)
        async with self._db.transaction() as conn:
            await conn.executemany(_TOUCH, [(login, dn, seen, uid) for uid, login, dn in chatters])
            await conn.executemany(
                _UPSERT_NAME, [(uid, login, dn, seen, seen) for uid, login, dn in chatters]
            )

    async def touch_seen_unchanged(self, user_ids: Sequence[int], *, seen_at: datetime) -> None:
        """Mark known accounts seen under the names storage already has (no rename).

        Two statements for any number of accounts, where `touch_seen` runs two per account:
        a capture of 100,000 known chatters mostly sees names that did not change.
        """
        if not user_ids:
            return
        seen, ids = ts(seen_at), json.dumps(list(user_ids))
        async with self._db.transaction() as conn:
            await conn.execute(_TOUCH_UNCHANGED, (seen, ids))
            await conn.execute(_TOUCH_UNCHANGED_NAMES, (seen, ids))

    async def mark_gone(self, user_ids: Iterable[int], *, at: datetime) -> None:
        """Record that Get Users no longer returns these accounts (deleted or suspended)."""
        rows = [(ts(at), uid) for uid in user_ids]
        if rows:
            async with self._db.transaction() as conn:
                await conn.executemany(
                    "UPDATE accounts SET gone_at = COALESCE(gone_at, ?) WHERE user_id = ?", rows
                )

    async def add_gone(self, chatters: Iterable[tuple[int, str, str]], *, at: datetime) -> None:
        """Store chatters Get Users did not return and that we never knew: created_at unknown."""
        when = ts(at)
        rows = [(uid, login, dn, when, when, when) for uid, login, dn in chatters]
        if rows:
            async with self._db.transaction() as conn:
                await conn.executemany(
                    "INSERT INTO accounts (user_id, login, display_name, first_seen_at, "
                    "last_seen_at, gone_at) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (user_id) DO UPDATE SET gone_at = COALESCE(gone_at, "
                    "excluded.gone_at)",
                    rows,
                )
                await conn.executemany(
                    _UPSERT_NAME, [(uid, login, dn, when, when) for uid, login, dn, *_ in rows]
                )

    async def get(self, user_id: int) -> Account | None:
        async with self._db.conn.execute(
            "SELECT * FROM accounts WHERE user_id = ?", (user_id,)
        ) as cur:
            row = await cur.fetchone()
        return Account.from_row(row) if row else None

    async def get_many(self, user_ids: Iterable[int]) -> dict[int, Account]:
        """Return the known accounts among user_ids, by id."""
        ids = json.dumps(list(user_ids))
        async with self._db.conn.execute(
            f"SELECT * FROM accounts WHERE user_id IN ({_IDS})", (ids,)
        ) as cur:
            rows = await cur.fetchall()
        return {row["user_id"]: Account.from_row(row) for row in rows}

    async def looked_up_ids(self, user_ids: Iterable[int]) -> set[int]:
        """Return the ids among user_ids whose creation date is already known."""
        ids = json.dumps(list(user_ids))
        async with self._db.conn.execute(
            f"SELECT user_id FROM accounts WHERE created_at IS NOT NULL AND user_id IN ({_IDS})",
            (ids,),
        ) as cur:
            rows = await cur.fetchall()
        return {row[0] for row in rows}

    async def by_login(self, login: str) -> Account | None:
        """Find an account by its current login, or else by a login it used to have."""
        login = login.lower()
        async with self._db.conn.execute(
            "SELECT * FROM accounts WHERE login = ? ORDER BY last_seen_at DESC LIMIT 1", (login,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            async with self._db.conn.execute(
                "SELECT a.* FROM account_names n JOIN accounts a USING (user_id) "
                "WHERE n.login = ? ORDER BY n.last_seen_at DESC LIMIT 1",
                (login,),
            ) as cur:
                row = await cur.fetchone()
        return Account.from_row(row) if row else None

    async def names(self, user_id: int) -> list[NameRecord]:
        """Return every name the account was seen with, oldest first."""
        async with self._db.conn.execute(
            "SELECT * FROM account_names WHERE user_id = ? ORDER BY first_seen_at, login",
            (user_id,),
        ) as cur:
            rows = await cur.fetchall()
        return [NameRecord.from_row(r) for r in rows]

    async def earlier_logins(self, user_ids: Iterable[int]) -> dict[int, list[str]]:
        """Return, for renamed accounts among user_ids, the logins they had before."""
        ids = json.dumps(list(user_ids))
        async with self._db.conn.execute(
            "SELECT n.user_id, n.login FROM account_names n JOIN accounts a USING (user_id) "
            f"WHERE n.user_id IN ({_IDS}) AND n.login != a.login "
            "ORDER BY n.user_id, n.first_seen_at",
            (ids,),
        ) as cur:
            rows = await cur.fetchall()
        result: dict[int, list[str]] = {}
        for uid, login in rows:
            logins = result.setdefault(uid, [])
            if login not in logins:
                logins.append(login)
        return result
