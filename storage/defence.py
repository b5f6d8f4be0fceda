"""Chat defence state: each channel's settings, the moderation actions the bot took (guard
timeouts, shield mode, ban runs) and the questions the raid detector asks of the chat history.

Actions are written `pending` before Twitch is asked and settled after, so a run cut off by a
restart resumes from its pending rows, and `!botcheck undo` knows exactly what the bot did.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.engine import Row, Store
from storage.models import from_ts, ts, ts_ms

SENSITIVITIES = ("low", "normal", "high")
GUARD_MODES = ("off", "timeout", "shield")  # stored as 0, 1, 2
RUNNING, DONE, STOPPED, UNDONE = "running", "done", "stopped", "undone"
PENDING, FAILED = "pending", "failed"


@dataclass(frozen=True, slots=True)
class DefenceSettings:
    """One channel's defence settings (the defaults when never set)."""

    channel_id: int
    guard: str = "off"  # off, timeout (the raid's accounts), shield (shield mode)
    sensitivity: str = "normal"
    notice_days: int | None = None  # first-message notice for accounts under N days; None: off

    @classmethod
    def from_row(cls, row: Row) -> DefenceSettings:
        return cls(
            channel_id=row["channel_id"],
            guard=GUARD_MODES[int(row["guard"])] if 0 <= row["guard"] < 3 else "off",
            sensitivity=row["sensitivity"],
            notice_days=row["notice_days"],
        )


@dataclass(frozen=True, slots=True)
class Action:
    """One moderation action the bot took or is about to take."""

    action_id: int
    channel_id: int
    run_id: int | None
    kind: str  # ban, timeout, shield
    user_id: int | None
    login: str
    created_at: datetime
    done_at: datetime | None
    state: str  # pending, done, failed, undone
    detail: str

    @classmethod
    def from_row(cls, row: Row) -> Action:
        created = from_ts(row["created_at"])
        assert created is not None
        return cls(
            action_id=row["action_id"],
            channel_id=row["channel_id"],
            run_id=row["run_id"],
            kind=row["kind"],
            user_id=row["user_id"],
            login=row["login"],
            created_at=created,
            done_at=from_ts(row["done_at"]),
            state=row["state"],
            detail=row["detail"],
        )


@dataclass(frozen=True, slots=True)
class BanRun:
    """One confirmed `!botcheck ban`."""

    run_id: int
    channel_id: int
    capture_id: int | None
    requested_by: str
    created_at: datetime
    state: str  # running, done, stopped, undone

    @classmethod
    def from_row(cls, row: Row) -> BanRun:
        created = from_ts(row["created_at"])
        assert created is not None
        return cls(
            run_id=row["run_id"],
            channel_id=row["channel_id"],
            capture_id=row["capture_id"],
            requested_by=row["requested_by"],
            created_at=created,
            state=row["state"],
        )


class DefenceStore:
    """Every SQL statement of the chat defence (both engines)."""

    def __init__(self, db: Store) -> None:
        self._db = db
        self._d = db.dialect

    # -- settings -------------------------------------------------------------------------------

    async def settings(self, channel_id: int) -> DefenceSettings:
        row = await self._db.fetchrow(
            "SELECT * FROM defence_channels WHERE channel_id = $1", channel_id
        )
        return DefenceSettings.from_row(row) if row else DefenceSettings(channel_id)

    async def save_settings(self, s: DefenceSettings, *, at: datetime) -> None:
        if s.sensitivity not in SENSITIVITIES or s.guard not in GUARD_MODES:
            raise ValueError(f"unknown sensitivity or guard mode: {s!r}")
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO defence_channels (channel_id, guard, sensitivity, notice_days, "
                "updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel_id) DO UPDATE SET "
                "guard = excluded.guard, sensitivity = excluded.sensitivity, "
                "notice_days = excluded.notice_days, updated_at = excluded.updated_at",
                s.channel_id,
                GUARD_MODES.index(s.guard),
                s.sensitivity,
                s.notice_days,
                ts(at),
            )

    # -- actions --------------------------------------------------------------------------------

    async def add_actions(
        self,
        channel_id: int,
        kind: str,
        targets: Sequence[tuple[int | None, str]],
        *,
        at: datetime,
        run_id: int | None = None,
    ) -> list[Action]:
        """Write pending actions (one per (user_id, login)); return them in order."""
        out: list[Action] = []
        async with self._db.transaction() as tx:
            for user_id, login in targets:
                row = await tx.fetchrow(
                    "INSERT INTO defence_actions (channel_id, run_id, kind, user_id, login, "
                    "created_at, state) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
                    channel_id,
                    run_id,
                    kind,
                    user_id,
                    login,
                    ts(at),
                    PENDING,
                )
                assert row is not None
                out.append(Action.from_row(row))
        return out

    async def settle(self, action_id: int, state: str, *, at: datetime, detail: str = "") -> None:
        """Record how an action ended (done, failed, undone)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE defence_actions SET state = $2, done_at = $3, detail = $4 "
                "WHERE action_id = $1",
                action_id,
                state,
                ts(at),
                detail[:500],
            )

    async def actions(
        self,
        channel_id: int,
        *,
        since: datetime | None = None,
        run_id: int | None = None,
        states: Iterable[str] = (PENDING, DONE, FAILED, UNDONE),
    ) -> list[Action]:
        """Return a channel's actions (since a time, or of one run), oldest first."""
        wanted = tuple(states)
        sql = "SELECT * FROM defence_actions WHERE channel_id = $1"
        args: list[object] = [channel_id]
        if since is not None:
            args.append(ts(since))
            sql += f" AND created_at >= ${len(args)}"
        if run_id is not None:
            args.append(run_id)
            sql += f" AND run_id = ${len(args)}"
        rows = await self._db.fetch(sql + " ORDER BY action_id", *args)
        return [a for a in (Action.from_row(r) for r in rows) if a.state in wanted]

    # -- ban runs -------------------------------------------------------------------------------

    async def new_run(
        self,
        channel_id: int,
        targets: Sequence[tuple[int, str]],
        *,
        capture_id: int | None,
        requested_by: str,
        at: datetime,
    ) -> BanRun:
        """Start a ban run: the run and one pending ban per target, in one transaction."""
        async with self._db.transaction() as tx:
            row = await tx.fetchrow(
                "INSERT INTO ban_runs (channel_id, capture_id, requested_by, created_at, state) "
                "VALUES ($1, $2, $3, $4, $5) RETURNING *",
                channel_id,
                capture_id,
                requested_by,
                ts(at),
                RUNNING,
            )
            assert row is not None
            run = BanRun.from_row(row)
            await tx.executemany(
                "INSERT INTO defence_actions (channel_id, run_id, kind, user_id, login, "
                "created_at, state) VALUES ($1, $2, 'ban', $3, $4, $5, 'pending')",
                [(channel_id, run.run_id, uid, login, ts(at)) for uid, login in targets],
            )
        return run

    async def set_run_state(self, run_id: int, state: str) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE ban_runs SET state = $2 WHERE run_id = $1", run_id, state)

    async def runs(self, *, state: str) -> list[BanRun]:
        """Every run in a state (on start-up: the running ones to resume)."""
        rows = await self._db.fetch(
            "SELECT * FROM ban_runs WHERE state = $1 ORDER BY run_id", state
        )
        return [BanRun.from_row(r) for r in rows]

    async def last_run(self, channel_id: int) -> BanRun | None:
        row = await self._db.fetchrow(
            "SELECT * FROM ban_runs WHERE channel_id = $1 ORDER BY run_id DESC LIMIT 1", channel_id
        )
        return BanRun.from_row(row) if row else None

    # -- chat history questions -----------------------------------------------------------------

    async def first_messages(self, channel_id: int, user_ids: Iterable[int]) -> dict[int, datetime]:
        """Return when each of these users first wrote in the channel (those who ever did)."""
        rows = await self._db.fetch(
            "SELECT user_id, min(sent_at) FROM chat_messages WHERE channel_id = $1 "
            f"AND user_id {self._d.in_ids(2)} GROUP BY user_id",
            channel_id,
            self._d.ids(user_ids),
        )
        out: dict[int, datetime] = {}
        for r in rows:
            first = from_ts(r[1] / 1000)
            assert first is not None
            out[int(r[0])] = first
        return out

    async def wrote_before(
        self, channel_id: int, user_ids: Iterable[int], before: datetime
    ) -> set[int]:
        """Return the users among these who wrote in the channel before a time."""
        rows = await self._db.fetch(
            "SELECT DISTINCT user_id FROM chat_messages WHERE channel_id = $1 "
            f"AND user_id {self._d.in_ids(2)} AND sent_at < $3",
            channel_id,
            self._d.ids(user_ids),
            ts_ms(before),
        )
        return {int(r[0]) for r in rows}
