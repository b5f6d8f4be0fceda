"""Forget a channel: every row botcheck keeps about it and every report file made in it."""

from __future__ import annotations

import asyncio
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from storage import Database

log = logging.getLogger(__name__)

# Report files live under DATA_DIR in one folder per token, by kind.
REPORT_FOLDERS = ("reports", "streams")


@dataclass(frozen=True, slots=True)
class Forgotten:
    channel_id: int
    rows: dict[str, int]
    report_folders: int

    def sentence(self) -> str:
        parts = [f"{n:,} {what}" for what, n in self.rows.items() if n]
        kept = ", ".join(parts) if parts else "nothing stored yet"
        return f"deleted {kept} and {self.report_folders} report folder(s)"


async def forget_channel(db: Database, data_dir: Path, channel_id: int) -> Forgotten:
    """Delete the channel's rows (cascading) and its report folders; return what went."""
    tokens = await db.channels.report_tokens(channel_id)
    rows = await db.channels.counts(channel_id)
    await db.channels.delete(channel_id)
    removed = 0
    for token in tokens:
        for folder in REPORT_FOLDERS:
            path = data_dir / folder / token
            if path.is_dir():
                await asyncio.to_thread(shutil.rmtree, path, True)
                removed += 1
    log.info("forgot channel %s: %s rows, %d report folders", channel_id, rows, removed)
    return Forgotten(channel_id=channel_id, rows=rows, report_folders=removed)
