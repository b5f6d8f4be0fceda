"""Move a whole database between engines (SQLite -> PostgreSQL and back), and count its rows.

`copy_database` reads the source table by table in batches (parents before children, chat in
arrival order) and writes them into the target in ONE transaction (COPY on PostgreSQL), then
compares every table's row count with the source before committing: a copy is complete or
absent. A target that already holds rows is refused unless ``force`` (which replaces them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from storage.conduit import ConduitState, ProcessRow, read_state
from storage.database import Database
from storage.engine import Dialect, Executor, Row
from storage.errors import StorageError

log = logging.getLogger(__name__)

# (table, columns): every column both schemas share, parents before the tables that refer to them.
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("channels", ("channel_id", "login", "display_name", "joined_at", "left_at")),
    (
        "channel_options",
        ("channel_id", "answer_help", "timezone", "watch", "stream_events", "language"),
    ),
    (
        "accounts",
        (
            "user_id",
            "login",
            "display_name",
            "created_at",
            "type",
            "broadcaster_type",
            "profile_image_url",
            "description",
            "looked_up_at",
            "first_seen_at",
            "last_seen_at",
            "gone_at",
        ),
    ),
    ("account_names", ("user_id", "login", "display_name", "first_seen_at", "last_seen_at")),
    (
        "captures",
        (
            "capture_id",
            "channel_id",
            "requested_by_id",
            "requested_by_login",
            "started_at",
            "finished_at",
            "status",
            "status_reason",
            "chatter_total",
            "chatter_count",
            "looked_up_count",
            "viewer_count",
            "report_token",
            "pinned",
            "verdict",
            "summary",
            "status_said",
        ),
    ),
    ("capture_chatters", ("capture_id", "user_id", "login")),
    (
        "audit_log",
        (
            "audit_id",
            "at",
            "channel_id",
            "user_id",
            "user_login",
            "command",
            "args",
            "outcome",
            "detail",
        ),
    ),
    (
        "oauth_tokens",
        (
            "user_id",
            "login",
            "access_token",
            "refresh_token",
            "scopes",
            "expires_at",
            "updated_at",
        ),
    ),
    (
        "chat_messages",
        (
            "message_id",
            "channel_id",
            "user_id",
            "login",
            "display_name",
            "text",
            "text_length",
            "badges",
            "bits",
            "emotes",
            "reply_parent_id",
            "reply_parent_user_id",
            "sent_at",
            "deleted_at",
        ),
    ),
    (
        "moderation_events",
        (
            "event_id",
            "dedupe_key",
            "channel_id",
            "action",
            "moderator_id",
            "moderator_login",
            "target_id",
            "target_login",
            "message_id",
            "reason",
            "duration_s",
            "at",
        ),
    ),
    (
        "stream_sessions",
        (
            "session_id",
            "channel_id",
            "stream_id",
            "started_at",
            "ended_at",
            "title",
            "category",
            "peak_viewers",
            "avg_viewers",
            "report_token",
            "pinned",
        ),
    ),
    ("viewer_samples", ("session_id", "at", "viewers", "category")),
    (
        "stream_events",
        (
            "event_id",
            "dedupe_key",
            "channel_id",
            "session_id",
            "kind",
            "user_id",
            "user_login",
            "tier",
            "amount",
            "months",
            "message",
            "at",
        ),
    ),
    (
        "check_sessions",
        (
            "session_id",
            "channel_id",
            "name",
            "created_by_id",
            "created_by_login",
            "created_at",
            "kept",
        ),
    ),
    ("check_session_members", ("session_id", "capture_id")),
    (
        "api_tokens",
        (
            "token_id",
            "token_hash",
            "user_id",
            "user_login",
            "name",
            "created_at",
            "last_used_at",
            "revoked_at",
        ),
    ),
    ("check_metrics", ("capture_id", "analysed", "flagged")),
    # Chat defence (issue 20; migration sqlite 0007, postgres 0004).
    ("defence_channels", ("channel_id", "guard", "sensitivity", "notice_days", "updated_at")),
    ("ban_runs", ("run_id", "channel_id", "capture_id", "requested_by", "created_at", "state")),
    (
        "defence_actions",
        (
            "action_id",
            "channel_id",
            "run_id",
            "kind",
            "user_id",
            "login",
            "created_at",
            "done_at",
            "state",
            "detail",
        ),
    ),
    # Daily reports (issue 18; migration sqlite 0012, postgres 0009).
    (
        "daily_reports",
        (
            "channel_id",
            "day",
            "timezone",
            "report_token",
            "status",
            "claimed_at",
            "created_at",
            "body",
        ),
    ),
)

# Rollups of chat_messages (storage/stats_rollups.py): not copied, the target's trigger builds
# them from the chat rows as they arrive.
DERIVED: tuple[str, ...] = (
    "chat_user_hours",
    "chat_user_days",
    "chat_users",
    "chat_emote_hours",
)

# Short-lived per-channel state (storage/channel_state.py: cooldowns, a pending forget): not
# copied; a copied database starts with none.
TRANSIENT: tuple[str, ...] = ("channel_marks",)

# The order rows are read in: chat by arrival (it is the order of same-millisecond messages).
_ORDER = {
    "channels": "channel_id",
    "channel_options": "channel_id",
    "accounts": "user_id",
    "account_names": "user_id, login, display_name",
    "captures": "capture_id",
    "capture_chatters": "capture_id, user_id",
    "audit_log": "audit_id",
    "oauth_tokens": "user_id",
    "moderation_events": "event_id",
    "stream_sessions": "session_id",
    "viewer_samples": "session_id, at",
    "stream_events": "event_id",
    "check_sessions": "session_id",
    "check_session_members": "session_id, capture_id",
    "api_tokens": "token_id",
    "check_metrics": "capture_id",
    "defence_channels": "channel_id",
    "ban_runs": "run_id",
    "defence_actions": "action_id",
    "daily_reports": "channel_id, day",
}
_ARRIVAL = {"sqlite": "rowid", "postgres": "seq"}
_FLOATS = {("stream_sessions", "avg_viewers")}


class CopyError(StorageError):
    """The copy was refused or did not verify; the target is unchanged."""


@dataclass(frozen=True, slots=True)
class DatabaseReport:
    """What `botcheck db check` prints."""

    where: str
    engine: str
    schema_version: int
    known_schema_version: int
    counts: dict[str, int]
    conduit: ConduitReport | None = None  # conduit mode's state (PostgreSQL, once it ran)


@dataclass(frozen=True, slots=True)
class ConduitReport:
    """What conduit mode last recorded: the conduit, its cost, the processes."""

    state: ConduitState | None
    processes: tuple[ProcessRow, ...]

    def channels_that_fit(self) -> int | None:
        """How many channels Twitch's cost limit allows at today's cost per channel."""
        s = self.state
        if s is None or s.channels <= 0 or s.total_cost <= 0:
            return None
        return int(s.max_total_cost // (s.total_cost / s.channels))


async def table_counts(db: Database | Executor) -> dict[str, int]:
    """Return the row count of every table, in copy order."""
    return {table: int(await db.fetchval(f"SELECT count(*) FROM {table}")) for table, _ in TABLES}


async def check(db: Database) -> DatabaseReport:
    """Return the engine, schema version and row counts of an open database."""
    return DatabaseReport(
        where=db.describe(),
        engine=db.name,
        schema_version=await db.schema_version(),
        known_schema_version=db.known_schema_version,
        counts=await table_counts(db),
        conduit=await _conduit_report(db),
    )


async def _conduit_report(db: Database) -> ConduitReport | None:
    state, processes = await read_state(db)
    if state is None and not processes:
        return None
    return ConduitReport(state, tuple(processes))


def _order(table: str, engine: str) -> str:
    return _ARRIVAL[engine] if table == "chat_messages" else _ORDER[table]


def _converter(
    table: str, cols: Sequence[str], target: Dialect
) -> Callable[[Row], tuple[object, ...]]:
    floats = {i for i, c in enumerate(cols) if (table, c) in _FLOATS}

    def convert(row: Row) -> tuple[object, ...]:
        out: list[object] = []
        for i, value in enumerate(row):
            if isinstance(value, str):
                out.append(target.text(value))
            elif i in floats and value is not None:
                out.append(float(value))
            else:
                out.append(value)
        return tuple(out)

    return convert


async def copy_database(
    source: Database,
    target: Database,
    *,
    force: bool = False,
    batch: int = 10_000,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Copy every row of `source` into `target` (both open); return the rows per table."""
    if source.describe() == target.describe():
        raise CopyError(f"{source.describe()} is both the source and the target")
    expected = await table_counts(source)
    present = await table_counts(target)
    if any(present.values()) and not force:
        held = ", ".join(f"{t} {n:,}" for t, n in present.items() if n)
        raise CopyError(
            f"{target.describe()} is not empty ({held}); pass --force to replace its rows"
        )
    async with target.transaction() as tx:
        if force:
            for table, _ in reversed(TABLES):
                await tx.execute(f"DELETE FROM {table}")
        for table, cols in TABLES:
            convert = _converter(table, cols, target.dialect)
            sql = f"SELECT {', '.join(cols)} FROM {table} ORDER BY {_order(table, source.name)}"
            copied = 0
            async for rows in source.engine.stream(sql, batch=batch):
                await tx.copy_records(table, cols, [convert(r) for r in rows])
                copied += len(rows)
            if progress is not None:
                progress(table, copied)
            log.info("copied %d rows of %s", copied, table)
        await target.engine.after_copy(tx)
        got = await table_counts(tx)
        if got != expected:
            wrong = ", ".join(
                f"{t}: {got[t]:,} of {expected[t]:,}" for t in expected if got[t] != expected[t]
            )
            raise CopyError(f"the copy did not verify ({wrong}); nothing was written")
    return got
