"""Forget a channel: every report file made in it, then every row botcheck keeps about it.

Files go first: their folder names (the report tokens) are only known from the rows, so rows
deleted before their files would leave files nothing ever cleans up. When a file cannot be
removed the rows stay, and the answer says so; typing `!botcheck forget` again finishes it.
A process killed between the two steps leaves rows whose files are gone: their links answer
404, `!report` says the page is gone, and the next forget deletes the rows.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from reports.i18n import ENGLISH, Speaker
from storage import Database, StorageError

log = logging.getLogger(__name__)

# Report files live under DATA_DIR in one folder per token, by kind.
REPORT_FOLDERS = ("reports", "streams", "daily")


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What forgetting a channel deleted, and what it could not."""

    channel_id: int
    rows: dict[str, int]
    report_folders: int
    folders_left: int = 0  # report folders that could not be removed
    rows_deleted: bool = True
    problem: str = ""  # why something was left, for the log and the audit
    left: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return self.rows_deleted and not self.folders_left

    def sentence(self) -> str:
        """What was deleted, for the audit."""
        parts = [f"{n:,} {what}" for what, n in self.rows.items() if n]
        kept = ", ".join(parts) if parts else "nothing stored yet"
        rows = kept if self.rows_deleted else "no rows"
        text = f"deleted {rows} and {self.report_folders} report folder(s)"
        if self.folders_left:
            text += f"; {self.folders_left} report folder(s) left"
        return text + (f" ({self.problem})" if self.problem else "")

    def answer(self, tr: Speaker = ENGLISH) -> str:
        """The one sentence the broadcaster reads in chat: exactly what went and what did not."""
        if self.complete:
            return tr.say("Done: botcheck deleted everything it kept about this channel.")
        if self.folders_left:
            return tr.say(
                "Only partly done: {reports} report(s) deleted, but {left} report folder(s) "
                "could not be removed, so the chat history and statistics were kept too; it has "
                "been logged. Type !botcheck forget again later to finish.",
                reports=self.report_folders,
                left=self.folders_left,
            )
        return tr.say(
            "Only partly done: {reports} report(s) deleted, but the database refused to delete "
            "the chat history and statistics; it has been logged. Type !botcheck forget again "
            "later to finish.",
            reports=self.report_folders,
        )


def _remove(path: Path) -> str | None:
    """Remove a report folder; return why it could not be, or None when it is gone."""
    errors: list[str] = []

    def note(_func: object, _path: object, info: tuple[type, BaseException, object]) -> None:
        errors.append(getattr(info[1], "strerror", None) or type(info[1]).__name__)

    shutil.rmtree(path, onerror=note)
    if path.exists():
        return errors[0] if errors else "still there"
    return None


async def forget_channel(db: Database, data_dir: Path, channel_id: int) -> Forgotten:
    """Delete the channel's report folders, then (if they all went) its rows; say what went."""
    tokens = await db.channels.report_tokens(channel_id)
    rows = await db.channels.counts(channel_id)
    removed = 0
    left: list[str] = []
    problem = ""
    for token in tokens:
        for folder in REPORT_FOLDERS:
            path = data_dir / folder / token
            if not path.is_dir():
                continue
            why = await asyncio.to_thread(_remove, path)
            if why is None:
                removed += 1
            else:
                left.append(str(path))
                problem = problem or f"{path}: {why}"
    if left:
        log.error(
            "forgetting channel %s: %d report folder(s) could not be removed (%s); "
            "its rows were kept so that the next forget can find them",
            channel_id,
            len(left),
            problem,
        )
        return Forgotten(channel_id, rows, removed, len(left), False, problem, tuple(left))
    try:
        await db.channels.delete(channel_id)
    except (StorageError, sqlite3.Error, OSError) as exc:
        log.error("forgetting channel %s: its files went, its rows could not: %s", channel_id, exc)
        return Forgotten(channel_id, rows, removed, 0, False, f"database: {exc}")
    log.info("forgot channel %s: %s rows, %d report folders", channel_id, rows, removed)
    return Forgotten(channel_id=channel_id, rows=rows, report_folders=removed)
