"""What Helix answers, as our types: chatter pages, accounts as storage rows, streams.

The client (`bot.helix.client`) sends the requests; the answers are read here, one bad row
skipped or one bad date made unknown rather than a whole answer refused.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from storage.models import LookedUp

log = logging.getLogger(__name__)

MAX_CHATTERS_PAGE = 1000
MAX_IDS = 100


class Chatter(NamedTuple):
    """One entry of Get Chatters (a tuple: a page makes 1,000 of them on the capture's chain)."""

    user_id: int
    login: str
    display_name: str


class ChattersPage:
    """One page of Get Chatters: the list's total, the next page's cursor, and its chatters.

    The chatters are made from Twitch's answer when first read: a capture's fetcher asks for the
    next page as soon as it has the cursor, and leaves the page's 1,000 chatters to the matcher,
    off the cursor chain (issue 21). `size` is how many the page lists.
    """

    __slots__ = ("_chatters", "_data", "cursor", "size", "total")

    def __init__(self, data: Sequence[Mapping[str, Any]], total: int, cursor: str | None) -> None:
        self._data = data
        self._chatters: tuple[Chatter, ...] | None = None
        self.size = len(data)
        self.total = total
        self.cursor = cursor

    @property
    def chatters(self) -> tuple[Chatter, ...]:
        """The page's chatters; an entry without a usable id or login is skipped (logged)."""
        if self._chatters is None:
            try:
                self._chatters = tuple(_chatter(d) for d in self._data)
            except (KeyError, TypeError, ValueError, AttributeError):
                self._chatters = tuple(_usable_chatters(self._data))
            self._data = ()
        return self._chatters


def _chatter(d: Mapping[str, Any]) -> Chatter:
    return Chatter(int(d["user_id"]), d["user_login"], d.get("user_name") or d["user_login"])


def _usable_chatters(data: Sequence[Mapping[str, Any]]) -> Iterator[Chatter]:
    for d in data:
        try:
            yield _chatter(d)
        except (KeyError, TypeError, ValueError, AttributeError):
            log.warning("Get Chatters listed a chatter without a usable id or login: skipped")


@dataclass(frozen=True, slots=True)
class StreamInfo:
    user_id: int
    login: str
    viewer_count: int
    started_at: datetime
    title: str
    game_name: str
    stream_id: str = ""  # Twitch's id of the broadcast ("" if the answer had none)


@dataclass(frozen=True, slots=True)
class FollowersPage:
    """One page of Get Channel Followers (id, login, name, followed_at), newest first."""

    follows: tuple[tuple[int, str, str, datetime], ...]
    total: int
    cursor: str | None


@dataclass(frozen=True, slots=True)
class ModeratedChannel:
    broadcaster_id: int
    login: str
    display_name: str


def parse_time(value: str) -> datetime:
    # Python 3.11 reads Twitch's "Z" itself; a time without an offset is taken as UTC.
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def looked_up(body: Mapping[str, Any]) -> list[LookedUp]:
    """The accounts of a Get Users answer; a bad row is skipped, a bad date made unknown."""
    now = datetime.now(UTC)
    out = []
    for d in body.get("data", ()):
        try:
            user_id, login = int(d["id"]), str(d["login"])
        except (KeyError, TypeError, ValueError):
            log.warning("Get Users returned an account without a usable id or login: skipped")
            continue
        try:
            created_at: datetime | None = parse_time(d["created_at"])
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            # Counted as unknown age; the check goes on (one bad row must not fail it).
            log.warning("Get Users returned account %d with a malformed created_at", user_id)
            created_at = None
        out.append(
            LookedUp(
                user_id,
                login,
                d.get("display_name") or login,
                created_at,
                d.get("type", ""),
                d.get("broadcaster_type", ""),
                d.get("profile_image_url", ""),
                d.get("description", ""),
                now,
            )
        )
    return out
