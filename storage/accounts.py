"""Accounts and their name history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from storage.engine import Dialect, Executor, Store
from storage.models import DEFAULT_AVATAR_MARK, Account, BriefAccount, LookedUp, NameRecord, ts

_ACCOUNT_COLUMNS = (
    "user_id, login, display_name, created_at, type, broadcaster_type, profile_image_url, "
    "description, looked_up_at, first_seen_at, last_seen_at"
)
_NAME_COLUMNS = "user_id, login, display_name, first_seen_at, last_seen_at"
_ACCOUNT_NAMES = tuple(c.strip() for c in _ACCOUNT_COLUMNS.split(","))
_NAME_NAMES = tuple(c.strip() for c in _NAME_COLUMNS.split(","))
# PostgreSQL takes a whole capture's accounts by COPY into staging tables (storage.engine.STAGING)
# and one upsert from each, in key order: two processes capturing overlapping audiences lock
# shared rows in the same order (no deadlock), and the indexes are walked in order.
_ACCOUNT_STAGED = f"SELECT {_ACCOUNT_COLUMNS} FROM accounts_in ORDER BY user_id"
_NAME_STAGED = f"SELECT {_NAME_COLUMNS} FROM names_in ORDER BY user_id, login, display_name"


def _statements(d: Dialect) -> dict[str, str]:
    """The statements whose spelling differs between the engines; the rest are inline."""
    upsert_tail = f"""
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
    last_seen_at = {d.greatest("COALESCE(accounts.last_seen_at, 0)", "excluded.last_seen_at")},
    gone_at = NULL
"""
    name_tail = f"""
ON CONFLICT (user_id, login, display_name) DO UPDATE SET
    last_seen_at = {d.greatest("account_names.last_seen_at", "excluded.last_seen_at")}
"""
    marks11 = ", ".join(f"${i}" for i in range(1, 12))
    return {
        "upsert_looked_up": f"INSERT INTO accounts ({_ACCOUNT_COLUMNS}) VALUES ({marks11})"
        + upsert_tail,
        "upsert_looked_up_staged": f"INSERT INTO accounts ({_ACCOUNT_COLUMNS}) {_ACCOUNT_STAGED}"
        + upsert_tail,
        "upsert_name": "INSERT INTO account_names (user_id, login, display_name, first_seen_at, "
        "last_seen_at) VALUES ($1, $2, $3, $4, $5)" + name_tail,
        "upsert_name_staged": f"INSERT INTO account_names ({_NAME_COLUMNS}) {_NAME_STAGED}"
        + name_tail,
        "touch": "UPDATE accounts SET login = $1, display_name = $2, "
        f"last_seen_at = {d.greatest('COALESCE(last_seen_at, 0)', '$3')} WHERE user_id = $4",
        # Avatar: 0 none, 1 one of Twitch's defaults (`Account.default_avatar`), 2 its own.
        "brief": "SELECT user_id, login, display_name, created_at, gone_at, "
        "CASE WHEN profile_image_url = '' THEN 0 "
        f"WHEN {d.contains('profile_image_url', DEFAULT_AVATAR_MARK)} THEN 1 ELSE 2 END, "
        f"description FROM accounts WHERE user_id {d.in_ids(1)}",
        "touch_unchanged": "UPDATE accounts SET "
        f"last_seen_at = {d.greatest('COALESCE(last_seen_at, 0)', '$1')} "
        f"WHERE user_id {d.in_ids(2)}",
        # The name record that matches the account's current names is the one seen now.
        "touch_unchanged_names": "UPDATE account_names SET "
        f"last_seen_at = {d.greatest('last_seen_at', '$1')} "
        f"WHERE user_id {d.in_ids(2)} "
        "AND login = (SELECT a.login FROM accounts a WHERE a.user_id = account_names.user_id) "
        "AND display_name = "
        "(SELECT a.display_name FROM accounts a WHERE a.user_id = account_names.user_id)",
    }


# The SQLite statements, for the storage benchmark's plain-sqlite3 baseline.
_SQLITE = _statements(Dialect("sqlite"))
_UPSERT_LOOKED_UP = _SQLITE["upsert_looked_up"].replace("$", "?")
_UPSERT_NAME = _SQLITE["upsert_name"].replace("$", "?")


def _last_by_key(rows: list[tuple[object, ...]], width: int) -> list[tuple[object, ...]]:
    """Keep the last row of each key (the first `width` values): one statement may not
    update a row twice on PostgreSQL, where SQLite's row-by-row upsert lets the last one win."""
    return list({row[:width]: row for row in rows}.values())


def _first(row: tuple[object, ...]) -> int:
    key = row[0]
    assert isinstance(key, int)
    return key


class Accounts:
    """Every account botcheck has looked up, looked up once in its life."""

    def __init__(self, db: Store) -> None:
        self._db = db
        self._d = db.dialect
        self._sql = _statements(db.dialect)

    async def upsert_many(self, accounts: Iterable[Account], *, seen_at: datetime) -> int:
        """Store accounts as Get Users returned them; keep created_at, record new names."""
        accounts = list(accounts)
        if not accounts:
            return 0
        async with self._db.transaction() as tx:
            return await self.write_looked_up(tx, accounts, seen_at=seen_at)

    async def write_looked_up(
        self, tx: Executor, accounts: Iterable[Account | LookedUp], *, seen_at: datetime
    ) -> int:
        """`upsert_many` inside the caller's transaction (`storage.capture_batches`).

        A capture hands over `LookedUp` rows; both kinds carry the fields read here.
        """
        seen = ts(seen_at)
        rows: list[tuple[object, ...]] = []
        names: list[tuple[object, ...]] = []
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
        if self._d.postgres:
            await tx.copy_records("accounts_in", _ACCOUNT_NAMES, _last_by_key(rows, 1))
            await tx.copy_records("names_in", _NAME_NAMES, _last_by_key(names, 3))
            await tx.execute(self._sql["upsert_looked_up_staged"])
            await tx.execute(self._sql["upsert_name_staged"])
        else:
            # In id order: neighbouring ids share B-tree pages (stable: the last of an id wins).
            rows.sort(key=_first)
            names.sort(key=_first)
            await tx.executemany(self._sql["upsert_looked_up"], rows)
            await tx.executemany(self._sql["upsert_name"], names)
        return len(rows)

    async def touch_seen(
        self, chatters: Sequence[tuple[int, str, str]], *, seen_at: datetime
    ) -> None:
        """Mark known accounts (user_id, login, display_name) as seen; a new name is a rename."""
        if not chatters:
            return
        async with self._db.transaction() as tx:
            await self.write_seen(tx, chatters, seen_at=seen_at)

    async def write_seen(
        self, tx: Executor, chatters: Sequence[tuple[int, str, str]], *, seen_at: datetime
    ) -> None:
        """`touch_seen` inside the caller's transaction."""
        if not chatters:
            return
        seen = ts(seen_at)
        await tx.executemany(
            self._sql["touch"], [(login, dn, seen, uid) for uid, login, dn in chatters]
        )
        await tx.executemany(
            self._sql["upsert_name"], [(uid, login, dn, seen, seen) for uid, login, dn in chatters]
        )

    async def touch_seen_unchanged(self, user_ids: Sequence[int], *, seen_at: datetime) -> None:
        """Mark known accounts seen under the names storage already has (no rename).

        Two statements for any number of accounts, where `touch_seen` runs two per account:
        a capture of 100,000 known chatters mostly sees names that did not change.
        """
        if not user_ids:
            return
        async with self._db.transaction() as tx:
            await self.write_seen_unchanged(tx, user_ids, seen_at=seen_at)

    async def write_seen_unchanged(
        self, tx: Executor, user_ids: Sequence[int], *, seen_at: datetime
    ) -> None:
        """`touch_seen_unchanged` inside the caller's transaction."""
        if not user_ids:
            return
        seen, ids = ts(seen_at), self._d.ids(user_ids)
        await tx.execute(self._sql["touch_unchanged"], seen, ids)
        await tx.execute(self._sql["touch_unchanged_names"], seen, ids)

    async def mark_gone(self, user_ids: Iterable[int], *, at: datetime) -> None:
        """Record that Get Users no longer returns these accounts (deleted or suspended)."""
        rows = [(ts(at), uid) for uid in user_ids]
        if rows:
            async with self._db.transaction() as tx:
                await tx.executemany(
                    "UPDATE accounts SET gone_at = COALESCE(gone_at, $1) WHERE user_id = $2", rows
                )

    async def add_gone(self, chatters: Iterable[tuple[int, str, str]], *, at: datetime) -> None:
        """Store chatters Get Users did not return and that we never knew: created_at unknown."""
        chatters = list(chatters)
        if chatters:
            async with self._db.transaction() as tx:
                await self.write_gone(tx, chatters, at=at)

    async def write_gone(
        self, tx: Executor, chatters: Iterable[tuple[int, str, str]], *, at: datetime
    ) -> None:
        """`add_gone` inside the caller's transaction."""
        when = ts(at)
        rows = [(uid, login, dn, when, when, when) for uid, login, dn in chatters]
        if not rows:
            return
        await tx.executemany(
            "INSERT INTO accounts (user_id, login, display_name, first_seen_at, "
            "last_seen_at, gone_at) VALUES ($1, $2, $3, $4, $5, $6) "
            "ON CONFLICT (user_id) DO UPDATE SET gone_at = COALESCE(accounts.gone_at, "
            "excluded.gone_at)",
            rows,
        )
        await tx.executemany(
            self._sql["upsert_name"], [(uid, login, dn, when, when) for uid, login, dn, *_ in rows]
        )

    async def get(self, user_id: int) -> Account | None:
        row = await self._db.fetchrow("SELECT * FROM accounts WHERE user_id = $1", user_id)
        return Account.from_row(row) if row else None

    async def get_many(self, user_ids: Iterable[int]) -> dict[int, Account]:
        """Return the known accounts among user_ids, by id."""
        rows = await self._db.fetch(
            f"SELECT * FROM accounts WHERE user_id {self._d.in_ids(1)}", self._d.ids(user_ids)
        )
        return {row["user_id"]: Account.from_row(row) for row in rows}

    async def get_brief(self, user_ids: Iterable[int]) -> dict[int, BriefAccount]:
        """Return what a capture reads of the known accounts among user_ids, by id.

        A capture matches every page of up to 1,000 chatters against storage while the next page
        is on its way; half of `get_many`'s columns (types, look-up and seen times, the avatar
        URL) are never read there, and each one costs the event loop a conversion (issue 21).
        """
        rows = await self._db.fetch(self._sql["brief"], self._d.ids(user_ids))
        return {
            row[0]: BriefAccount(row[0], row[1], row[2], row[3], row[4], row[5], row[6])
            for row in rows
        }

    async def looked_up_ids(self, user_ids: Iterable[int]) -> set[int]:
        """Return the ids among user_ids whose creation date is already known."""
        rows = await self._db.fetch(
            "SELECT user_id FROM accounts WHERE created_at IS NOT NULL "
            f"AND user_id {self._d.in_ids(1)}",
            self._d.ids(user_ids),
        )
        return {row[0] for row in rows}

    async def by_login(self, login: str) -> Account | None:
        """Find an account by its current login, or else by a login it used to have."""
        login = login.lower()
        row = await self._db.fetchrow(
            "SELECT * FROM accounts WHERE login = $1 ORDER BY last_seen_at DESC LIMIT 1", login
        )
        if row is None:
            row = await self._db.fetchrow(
                "SELECT a.* FROM account_names n JOIN accounts a USING (user_id) "
                "WHERE n.login = $1 ORDER BY n.last_seen_at DESC LIMIT 1",
                login,
            )
        return Account.from_row(row) if row else None

    async def names(self, user_id: int) -> list[NameRecord]:
        """Return every name the account was seen with, oldest first."""
        rows = await self._db.fetch(
            "SELECT * FROM account_names WHERE user_id = $1 ORDER BY first_seen_at, login",
            user_id,
        )
        return [NameRecord.from_row(r) for r in rows]

    async def earlier_logins(self, user_ids: Iterable[int]) -> dict[int, list[str]]:
        """Return, for renamed accounts among user_ids, the logins they had before."""
        rows = await self._db.fetch(
            "SELECT n.user_id, n.login FROM account_names n JOIN accounts a USING (user_id) "
            f"WHERE n.user_id {self._d.in_ids(1)} AND n.login != a.login "
            "ORDER BY n.user_id, n.first_seen_at",
            self._d.ids(user_ids),
        )
        result: dict[int, list[str]] = {}
        for uid, login in rows:
            logins = result.setdefault(uid, [])
            if login not in logins:
                logins.append(login)
        return result
