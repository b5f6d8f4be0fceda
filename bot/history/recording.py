"""The Component that records channel history: every chat message, removal and moderation event
goes to the batched `Recorder`; stream.online/offline go to the `StreamTracker`.

Listeners never run commands and never reply; a payload that cannot be stored is logged and
skipped. Chat messages are the exception to listening: `BotCheckBot.dispatch` hands each one to
`Recording.record_message` as it arrives (no task per message), before any command lookup.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar, cast

import twitchio
from twitchio.ext import commands

from bot.history import convert
from bot.history.recorder import Item, Recorder, RecorderClosed

if TYPE_CHECKING:
    from datetime import datetime

    from bot.bot import BotCheckBot

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Awaitable[None]])


def _listener(fn: F) -> F:
    """`commands.Component.listener()` with its type kept (TwitchIO's is untyped)."""
    return cast(F, commands.Component.listener()(fn))


class Recording(commands.Component):
    """Record what happens in every joined channel (see the module docstring)."""

    def __init__(self, bot: BotCheckBot) -> None:
        self.bot = bot
        self.skipped = 0

    async def _keep(
        self, kind: str, payload: Any, convert_fn: Callable[[Any, datetime], Item]
    ) -> None:
        recorder = self.bot.services.recorder
        if recorder is None:
            return
        try:
            item = convert_fn(payload, self.bot.services.clock())
        except (convert.PayloadError, AttributeError, KeyError, TypeError, ValueError) as exc:
            self.skipped += 1
            log.warning("skipped a malformed %s notification: %s", kind, exc)
            return
        try:
            await recorder.put(item)
        except RecorderClosed:
            log.debug("a %s arrived after the recorder closed", kind)

    def record_message(self, payload: twitchio.ChatMessage) -> Coroutine[Any, Any, None] | None:
        """Record one chat message; called by `BotCheckBot.dispatch`, not as a listener.

        A listener would cost TwitchIO a task for every message. Returns None when the message
        was queued (or skipped) at once, else a coroutine that waits for room in the recorder.
        """
        recorder = self.bot.services.recorder
        if recorder is None:
            return None
        try:
            item = convert.chat_message(payload, self.bot.services.clock())
        except (convert.PayloadError, AttributeError, KeyError, TypeError, ValueError) as exc:
            self.skipped += 1
            log.warning("skipped a malformed chat message notification: %s", exc)
            return None
        try:
            if recorder.offer(item):
                return None
        except RecorderClosed:
            log.debug("a chat message arrived after the recorder closed")
            return None
        return self._put(recorder, item)

    async def _put(self, recorder: Recorder, item: Item) -> None:
        try:
            await recorder.put(item)
        except RecorderClosed:
            log.debug("a chat message arrived after the recorder closed")

    @_listener
    async def event_message_delete(self, payload: twitchio.ChatMessageDelete) -> None:
        await self._keep("message_delete", payload, convert.message_removal)

    @_listener
    async def event_chat_clear_user(self, payload: twitchio.ChannelChatClearUserMessages) -> None:
        await self._keep("clear_user_messages", payload, convert.user_removal)

    @_listener
    async def event_mod_action(self, payload: twitchio.ChannelModerate) -> None:
        await self._keep("channel.moderate", payload, convert.moderation_event)

    @_listener
    async def event_stream_online(self, payload: twitchio.StreamOnline) -> None:
        streams = self.bot.services.streams
        if streams is None:
            return
        try:
            channel_id = int(payload.broadcaster.id)
            login = payload.broadcaster.name or str(channel_id)
            stream_id = str(payload.id)
            started_at = payload.started_at
        except (AttributeError, TypeError, ValueError) as exc:
            log.warning("skipped a malformed stream.online notification: %s", exc)
            return
        await streams.online(channel_id, login, stream_id, started_at)

    @_listener
    async def event_stream_offline(self, payload: twitchio.StreamOffline) -> None:
        streams = self.bot.services.streams
        if streams is None:
            return
        try:
            channel_id = int(payload.broadcaster.id)
            login = payload.broadcaster.name or str(channel_id)
        except (AttributeError, TypeError, ValueError) as exc:
            log.warning("skipped a malformed stream.offline notification: %s", exc)
            return
        at = convert.event_time(payload, self.bot.services.clock())
        await streams.offline(channel_id, login, at)


async def setup(bot: commands.Bot) -> None:
    await bot.add_component(Recording(bot))  # type: ignore[arg-type]
