"""The Component that records channel history: every chat message, removal, moderation event and
stream event (subscriptions, raids, follows) goes to the batched `Recorder`; stream.online/offline
go to the `StreamTracker`.

Listeners never run commands and never reply; a payload that cannot be stored is logged and
skipped. Chat messages are the exception to listening, and this component owns both of their
paths: ordinary chat straight from its EventSub notification (`take_notification`, see
`bot.twitch.patches`), everything else from TwitchIO's model, which `BotCheckBot.dispatch`
hands to `record_message` as it arrives (no task per message), before any command lookup.
The bot makes one `Recording` with its collaborators and keeps a typed reference to it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar, cast

import twitchio
from twitchio.ext import commands

from bot.history import convert, convert_events
from bot.history.recorder import Item, Recorder, RecorderClosed
from bot.twitch.patches import may_be_command

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Awaitable[None]])


def _listener(fn: F) -> F:
    """`commands.Component.listener()` with its type kept (TwitchIO's is untyped)."""
    return cast(F, commands.Component.listener()(fn))


class StreamEvents(Protocol):
    """Where stream.online and stream.offline go (the `StreamTracker`)."""

    async def online(
        self, channel_id: int, login: str, stream_id: str, started_at: datetime
    ) -> object: ...

    async def offline(self, channel_id: int, login: str, at: datetime) -> object: ...


class Recording(commands.Component):
    """Record what happens in every joined channel (see the module docstring)."""

    def __init__(
        self,
        *,
        recorder: Recorder,
        streams: StreamEvents,
        clock: Callable[[], datetime],
        emotes: convert.EmoteFinder | None = None,
    ) -> None:
        self._recorder = recorder
        self._find = emotes  # third-party emotes (bot.emotes), counted like Twitch's
        self._streams = streams
        self._clock = clock
        self.skipped = 0

    def take_notification(
        self, data: Mapping[str, Any], *, others_listen: Callable[[], bool]
    ) -> bool:
        """Record ordinary chat straight from its EventSub notification.

        Building TwitchIO's `ChatMessage` costs more than everything else a message needs, and
        nothing but a command (or someone waiting for messages: `others_listen`) uses it. True
        when the message was recorded here; False sends it down TwitchIO's path (commands,
        anything odd, a full recorder), where `record_message` records it: every message is
        recorded once.
        """
        meta = data.get("metadata")
        if not isinstance(meta, dict) or meta.get("subscription_type") != "channel.chat.message":
            return False
        try:
            event = data["payload"]["event"]
            text = event["message"]["text"]
            reply = event.get("reply")
            parent = (
                (reply.get("parent_user_name") or reply.get("parent_user_login") or "")
                if reply
                else None
            )
            if not isinstance(text, str) or may_be_command(text, parent):
                return False
            if others_listen():
                return False
            item = convert.chat_notification(data, self._clock(), self._find)
            return self._recorder.offer(item)
        except (
            convert.PayloadError,
            KeyError,
            TypeError,
            ValueError,
            AttributeError,
            RecorderClosed,
        ):
            return False  # TwitchIO's path reads it (or reports it) as it always did

    async def _keep(
        self, kind: str, payload: Any, convert_fn: Callable[[Any, datetime], Item]
    ) -> None:
        recorder = self._recorder
        try:
            item = convert_fn(payload, self._clock())
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
        recorder = self._recorder
        try:
            item = convert.chat_message(payload, self._clock(), self._find)
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

    # -- stream events (issue 18): through the same batched, retrying recorder -------------------

    @_listener
    async def event_subscription(self, payload: twitchio.ChannelSubscribe) -> None:
        if getattr(payload, "gift", False):
            return  # one of a gift's recipients: the gift's own event counts them
        await self._keep("channel.subscribe", payload, convert_events.subscription)

    @_listener
    async def event_subscription_message(
        self, payload: twitchio.ChannelSubscriptionMessage
    ) -> None:
        await self._keep("channel.subscription.message", payload, convert_events.resubscription)

    @_listener
    async def event_subscription_gift(self, payload: twitchio.ChannelSubscriptionGift) -> None:
        await self._keep("channel.subscription.gift", payload, convert_events.gift)

    @_listener
    async def event_raid(self, payload: twitchio.ChannelRaid) -> None:
        await self._keep("channel.raid", payload, convert_events.raid)

    @_listener
    async def event_follow(self, payload: twitchio.ChannelFollow) -> None:
        await self._keep("channel.follow", payload, convert_events.follow)

    @_listener
    async def event_stream_online(self, payload: twitchio.StreamOnline) -> None:
        try:
            channel_id = int(payload.broadcaster.id)
            login = payload.broadcaster.name or str(channel_id)
            stream_id = str(payload.id)
            started_at = payload.started_at
        except (AttributeError, TypeError, ValueError) as exc:
            log.warning("skipped a malformed stream.online notification: %s", exc)
            return
        await self._streams.online(channel_id, login, stream_id, started_at)

    @_listener
    async def event_stream_offline(self, payload: twitchio.StreamOffline) -> None:
        try:
            channel_id = int(payload.broadcaster.id)
            login = payload.broadcaster.name or str(channel_id)
        except (AttributeError, TypeError, ValueError) as exc:
            log.warning("skipped a malformed stream.offline notification: %s", exc)
            return
        at = convert.event_time(payload, self._clock())
        await self._streams.offline(channel_id, login, at)
