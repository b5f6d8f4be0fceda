"""What the bot says in chat: made safe, kept to one message, and paced within Twitch's limits."""

from __future__ import annotations

import asyncio
import re
import time
import unicodedata
from collections import deque
from collections.abc import Callable

MAX_MESSAGE = 500
# A moderator bot may send 100 messages per 30 s in a channel; stay under it with a margin.
SEND_LIMIT = 90
SEND_WINDOW_S = 30.0
# Answers waiting for their turn across every channel; past this the bot says it is busy.
MAX_WAITING = 50
BUSY = "Busy right now, try again in a moment."

_COMMAND_START = re.compile(r"^[\s/.\\!]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
LOGIN_RE = re.compile(r"^[a-zA-Z0-9_]{1,25}$")


def safe_text(text: str, limit: int = MAX_MESSAGE) -> str:
    """Return text that fits one chat message and can never run a chat command.

    Control and invisible characters go, whitespace folds, and a leading `/`, `.`, `\\` or `!` is
    stripped (Twitch runs `/` and `.` as commands; `!` would trigger other bots).
    """
    text = unicodedata.normalize("NFC", text)
    text = " ".join(text.split())
    text = _CONTROL.sub("", text)
    text = _COMMAND_START.sub("", text)
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def quote_user_text(text: str, limit: int = 25) -> str:
    """Return a short, inert rendering of something a user typed, for echoing in a reply."""
    cleaned = re.sub(r"[^\w@#:+\- ]", "", unicodedata.normalize("NFKC", text))[:limit]
    return f"“{cleaned}”" if cleaned else "that"


def parse_login(text: str) -> str | None:
    """Return a Twitch login from `name` or `@name`, or None if it cannot be one."""
    candidate = text.strip().removeprefix("@").lower()
    return candidate if LOGIN_RE.match(candidate) else None


class Pacer:
    """A sliding-window send limit per channel: wait rather than be dropped by Twitch.

    At most `max_waiting` answers wait in all (across channels): past that, `busy` is true and
    the command layer answers "busy" at once (if the channel has room) instead of queueing an
    answer that would arrive a minute late.
    """

    def __init__(
        self,
        *,
        limit: int = SEND_LIMIT,
        window_s: float = SEND_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
        max_waiting: int = MAX_WAITING,
    ) -> None:
        self._limit = limit
        self._window = window_s
        self._clock = clock
        self.max_waiting = max_waiting
        self.waiting = 0  # answers waiting for their turn, in every channel
        self._sent: dict[str, deque[float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def busy(self) -> bool:
        """True when `max_waiting` answers already wait: a new one should not queue."""
        return self.waiting >= self.max_waiting

    def try_turn(self, channel_id: str) -> bool:
        """Take a turn in the channel now if there is room and nobody waits; never wait."""
        lock = self._locks.get(channel_id)
        if lock is not None and lock.locked():
            return False
        sent = self._sent.setdefault(channel_id, deque())
        now = self._clock()
        while sent and now - sent[0] >= self._window:
            sent.popleft()
        if len(sent) < self._limit:
            sent.append(now)
            return True
        return False

    async def wait_turn(self, channel_id: str) -> None:
        """Return when one more message may be sent to the channel; count it as sent."""
        lock = self._locks.setdefault(channel_id, asyncio.Lock())
        self.waiting += 1
        try:
            async with lock:
                sent = self._sent.setdefault(channel_id, deque())
                while True:
                    now = self._clock()
                    while sent and now - sent[0] >= self._window:
                        sent.popleft()
                    if len(sent) < self._limit:
                        sent.append(now)
                        return
                    await asyncio.sleep(self._window - (now - sent[0]))
        finally:
            self.waiting -= 1


def prefix_keeping_link(prefix: str, text: str, link: str, limit: int = MAX_MESSAGE) -> str:
    """Put `prefix` before `text`, shortening the text's middle so the trailing link survives."""
    combined = f"{prefix} {text}"
    if len(combined) <= limit:
        return combined
    body = text.removesuffix(link).rstrip()
    room = limit - len(prefix) - len(link) - 3
    return f"{prefix} {body[: max(0, room)].rstrip()}… {link}"
