"""A channel's speaker (language and timezone) for what the bot says on its own.

Commands read it through `commands.common.speaker(ctx)`; alerts, guard messages, digests and
pages written outside a command come here with the channel's id.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable

from reports.i18n import ENGLISH, Speaker, Speakers
from storage import Database, StorageError

log = logging.getLogger(__name__)

SpeakerOf = Callable[[int], Awaitable[Speaker]]


async def english(_channel_id: int) -> Speaker:
    """Every channel reads English (tests, and parts started without a database)."""
    return ENGLISH


def speaker_of(db: Database, speakers: Speakers | None = None) -> SpeakerOf:
    """Return `channel id -> Speaker`, read from the channel's settings and cached a while."""
    known = speakers if speakers is not None else Speakers()

    async def read(channel_id: int) -> Speaker:
        found = known.get(channel_id)
        if found is not None:
            return found
        try:
            channels = db.channels
            found = Speaker(
                await channels.language(channel_id), await channels.timezone(channel_id)
            )
        except (StorageError, sqlite3.Error, OSError) as exc:
            log.warning("could not read the language of channel %d: %s", channel_id, exc)
            return ENGLISH
        known.remember(channel_id, found)
        return found

    return read
