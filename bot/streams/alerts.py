"""Stream alerts: post to a Discord webhook when a joined channel goes live or offline.

Optional (`BOTCHECK_DISCORD_WEBHOOK_URL`). Each alert is posted by its own task, so nothing that
records history ever waits on Discord; a failure (refused, slow, unreachable) is logged and the
alert is dropped. Mentions are disabled, so a stream title cannot ping @everyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import httpx

from bot.speaking import SpeakerOf, english
from reports.i18n import ENGLISH, Speaker
from storage.models import StreamSession

log = logging.getLogger(__name__)

MAX_CONTENT = 2000  # Discord's limit for a message's content
Writer = Callable[[str, StreamSession, Speaker], str]


def _duration(seconds: float, tr: Speaker = ENGLISH) -> str:
    minutes = max(0, int(seconds // 60))
    hours, minutes = divmod(minutes, 60)
    if hours:
        return tr.say("{hours} h {minutes} min", hours=hours, minutes=f"{minutes:02d}")
    return tr.say("{minutes} min", minutes=minutes)


def _plain(text: str) -> str:
    """Keep a title from bending the message: no markdown, no line breaks."""
    out = " ".join(text.split())
    for ch in "\\*_~`|>":
        out = out.replace(ch, "\\" + ch)
    return out


def online_text(login: str, session: StreamSession, tr: Speaker = ENGLISH) -> str:
    """The "went live" post, in `tr`'s language."""
    parts = ["🔴 " + tr.say("{login} is live on Twitch", login=login)]
    if session.title:
        parts.append(f": {_plain(session.title)}")
    if session.category:
        parts.append(f" ({_plain(session.category)})")
    parts.append(f"\nhttps://www.twitch.tv/{login}")
    return "".join(parts)[:MAX_CONTENT]


def offline_text(login: str, session: StreamSession, tr: Speaker = ENGLISH) -> str:
    """The "went offline" post, in `tr`'s language."""
    end = session.ended_at or session.started_at
    lasted = _duration((end - session.started_at).total_seconds(), tr)
    text = "⚫ " + tr.say("{login} went offline after {duration}", login=login, duration=lasted)
    if session.peak_viewers is not None:
        text += tr.say("; peak {count} viewers", count=tr.num(session.peak_viewers))
        if session.avg_viewers is not None:
            text += tr.say(", average {count}", count=tr.num(round(session.avg_viewers)))
    return (text + ".")[:MAX_CONTENT]


class Alerts:
    """Post stream alerts to one Discord webhook; without a URL it does nothing."""

    def __init__(
        self,
        webhook_url: str | None,
        *,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        speaker: SpeakerOf = english,
    ) -> None:
        """`speaker` gives a channel's language: each post is written in it."""
        self._url = webhook_url or None
        self._speaker = speaker
        self._client: httpx.AsyncClient | None = None
        if self._url is not None:
            self._client = httpx.AsyncClient(timeout=timeout_s, transport=transport)
        self._tasks: set[asyncio.Task[bool]] = set()
        self.sent = 0
        self.failed = 0

    @property
    def enabled(self) -> bool:
        return self._client is not None

    # The StreamListener side: called by the StreamTracker, never waits.

    def stream_started(self, login: str, session: StreamSession) -> None:
        self._spawn(online_text, login, session)

    def stream_ended(self, login: str, session: StreamSession) -> None:
        self._spawn(offline_text, login, session)

    def _spawn(self, write: Writer, login: str, session: StreamSession) -> None:
        if self._client is None:
            return
        task = asyncio.create_task(self._said(write, login, session), name="botcheck-discord-alert")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _said(self, write: Writer, login: str, session: StreamSession) -> bool:
        """Write the post in the channel's language (read in the task: nothing waits), post it."""
        return await self.post(write(login, session, await self._speaker(session.channel_id)))

    async def post(self, content: str) -> bool:
        """Post one message; return whether Discord took it (failures are logged)."""
        if self._client is None or self._url is None:
            return False
        body = {"content": content, "allowed_mentions": {"parse": []}}
        try:
            resp = await self._client.post(self._url, json=body)
        except httpx.HTTPError as exc:
            self.failed += 1
            log.warning("Discord alert not sent: %s", type(exc).__name__)
            return False
        if resp.status_code >= 300:
            self.failed += 1
            log.warning("Discord alert not sent: the webhook answered %d", resp.status_code)
            return False
        self.sent += 1
        return True

    @property
    def pending(self) -> int:
        """Alerts still being posted."""
        return len(self._tasks)

    async def drain(self, timeout_s: float = 5.0) -> None:
        """Wait (a little) for alerts still being posted."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout_s)

    async def close(self) -> None:
        """Give pending alerts a moment, then stop; safe to call twice."""
        await self.drain()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._client is not None:
            await self._client.aclose()
            self._client = None
