"""The TwitchIO bot: tokens in SQLite, joins the channels it moderates, loads the commands."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any

import twitchio
from twitchio import eventsub
from twitchio.ext import commands

from bot.helix import HelixError
from bot.history import event_subs
from bot.history.recording import Recording
from bot.twitch import patches
from bot.twitch.oauth import auth_link
from bot.twitch.patches import PREFIX, may_be_command
from bot.twitch.tokens import save_token

if TYPE_CHECKING:
    from twitchio.web import AiohttpAdapter

    from bot.conduit import ConduitMode
    from bot.services import Services

log = logging.getLogger(__name__)

COMPONENTS = (
    "commands.botcheck",
    "commands.reports",
    "commands.accounts",
    "commands.stats",
    "commands.defence",  # after commands.botcheck: adds the `!botcheck guard|ban|...` words
)

# The EventSub subscriptions each joined channel gets; the channel-history work adds to it.
SubscriptionFactory = Callable[[str, str], eventsub.SubscriptionPayload]
CHANNEL_SUBSCRIPTIONS: list[SubscriptionFactory] = [
    lambda channel, bot: eventsub.ChatMessageSubscription(broadcaster_user_id=channel, user_id=bot),
    lambda channel, bot: eventsub.ChatMessageDeleteSubscription(
        broadcaster_user_id=channel, user_id=bot
    ),
    lambda channel, bot: eventsub.ChatClearUserMessagesSubscription(
        broadcaster_user_id=channel, user_id=bot
    ),
    lambda channel, bot: eventsub.ChannelModerateV2Subscription(
        broadcaster_user_id=channel, moderator_user_id=bot
    ),
    lambda channel, bot: eventsub.StreamOnlineSubscription(broadcaster_user_id=channel),
    lambda channel, bot: eventsub.StreamOfflineSubscription(broadcaster_user_id=channel),
    # Chat defence: a streamer's raid into this channel is noted, not taken for a hate raid.
    lambda channel, bot: eventsub.ChannelRaidSubscription(to_broadcaster_user_id=channel),
]


class BotCheckBot(commands.Bot):
    """A moderator bot: every channel that mods its account is a channel it serves."""

    def __init__(
        self,
        *,
        services: Services,
        adapter: AiohttpAdapter[Any],
        joined: dict[int, str] | None = None,
        join_interval_s: float = 300.0,
        conduit: ConduitMode | None = None,
    ) -> None:
        settings = services.settings
        settings.require_twitch()
        assert settings.client_secret is not None and settings.bot_id is not None
        super().__init__(
            client_id=settings.client_id or "",
            client_secret=settings.client_secret.get_secret_value(),
            bot_id=settings.bot_id,
            owner_id=settings.owner_id,
            prefix=PREFIX,
            adapter=adapter,
            case_insensitive=True,
        )
        self.services = services
        self.join_interval_s = join_interval_s
        self.joined: dict[int, str] = {} if joined is None else joined  # channel id -> login
        self.channels_synced = asyncio.Event()
        self._sync_lock = asyncio.Lock()
        self._join_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[object]] = set()
        self.recording: Recording | None = None  # added by setup_hook
        self.conduit = conduit  # conduit mode: shards and channels are kept there
        self._told_cannot: set[int] = set()  # channels whose missing stream events were logged

    # -- identity -----------------------------------------------------------------------------

    @property
    def allowed_token_owners(self) -> frozenset[str]:
        owners = {self.bot_id}
        if self.owner_id:
            owners.add(self.owner_id)
        return frozenset(owners)

    def is_owner(self, user_id: str | None) -> bool:
        return bool(user_id) and user_id == self.owner_id

    def auth_link(self, *, owner: bool = False) -> str:
        """The link the bot account (or the owner) opens to authorize botcheck."""
        settings = self.services.settings
        subs = owner and "subs" in settings.stream_event_kinds
        return auth_link(settings.public_url, owner=owner, subs=subs)

    @property
    def settled(self) -> bool:
        """No background work of the bot's own is running (joins, polls, waiting records)."""
        return not self._tasks

    @property
    def has_bot_token(self) -> bool:
        return self.bot_id in self.tokens

    # -- life cycle ---------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        for module in COMPONENTS:
            await self.load_module(module)
        services = self.services
        self.recording = Recording(
            recorder=services.recorder,
            streams=services.streams,
            clock=services.clock,
            emotes=services.emotes.sets.find if services.emotes is not None else None,
        )
        await self.add_component(self.recording)
        if self.conduit is not None:
            self.conduit.start(self)
            return
        self._join_task = asyncio.create_task(self._join_loop(), name="botcheck-join-loop")

    async def event_command_error(self, payload: commands.CommandErrorPayload) -> None:
        """What no component answered: an unknown `!word` is ordinary chat, not an error."""
        if isinstance(payload.exception, commands.CommandNotFound):
            log.debug("no command %r", payload.context.invoked_with)
            return
        await super().event_command_error(payload)

    async def event_ready(self) -> None:
        s = self.services.settings
        who = self.user.name if self.user else self.bot_id
        log.info("botcheck is up as %s (id %s); web at %s", who, self.bot_id, s.public_url)
        if not self.has_bot_token:
            log.warning(
                "the bot account has not authorized yet: open %s as %s (see `botcheck auth`)",
                self.auth_link(),
                who,
            )

    async def close(self, **options: Any) -> None:
        if self._join_task is not None:
            self._join_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._join_task
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await super().close(**options)

    def take_notification(self, data: Mapping[str, Any]) -> bool:
        """Let `Recording` take ordinary chat from its raw notification (`bot.twitch.patches`)."""
        if self.recording is None:
            return False
        return self.recording.take_notification(data, others_listen=self._others_hear_messages)

    def dispatch(self, event: str, payload: Any | None = None) -> None:
        # TwitchIO starts a task per listener for every event. Most chat is neither a command
        # nor awaited by anyone, so a chat message is recorded right here and only reaches
        # TwitchIO's dispatch (and its command lookup) when it starts with the prefix or
        # someone else listens or waits for messages. Under a chat flood this halves the work.
        if event == "message" and isinstance(payload, twitchio.ChatMessage):
            self._record(payload)
            reply = payload.reply
            parent = (reply.parent_user.display_name or "") if reply is not None else None
            if not may_be_command(payload.text, parent) and not self._others_hear_messages():
                return
        super().dispatch(event, payload)

    def _record(self, payload: twitchio.ChatMessage) -> None:
        if self.recording is None:
            return
        waiting = self.recording.record_message(payload)
        if waiting is not None:  # the recorder is full: wait for room in its own task
            self._background(waiting, "record a chat message")

    def _others_hear_messages(self) -> bool:
        return patches.others_hear_messages(self, self.event_message)

    # -- tokens: SQLite instead of .tio.tokens.json -------------------------------------------

    async def load_tokens(self, path: str | None = None, /) -> None:
        for stored in await self.services.db.tokens.all():
            if str(stored.user_id) not in self.allowed_token_owners:
                await self.services.db.tokens.delete(stored.user_id)
                continue
            try:
                await self.add_token(stored.access_token, stored.refresh_token)
            except twitchio.InvalidTokenException:
                log.warning(
                    "the stored token of %s (%s) no longer works; authorize again with "
                    "`botcheck auth`",
                    stored.login,
                    stored.user_id,
                )
                await self.services.db.tokens.delete(stored.user_id)

    async def save_tokens(self, path: str | None = None, /) -> None:
        """Tokens are saved as they change (add_token, token_refreshed); nothing to do."""

    async def add_token(
        self, token: str, refresh: str
    ) -> twitchio.authentication.ValidateTokenPayload:
        resp = await super().add_token(token, refresh)
        if resp.user_id not in self.allowed_token_owners:
            # Never keep a token of anyone but the bot account and the owner.
            await super().remove_token(resp.user_id or "")
            return resp
        data = self.tokens[resp.user_id]
        await save_token(
            self.services.db,
            user_id=resp.user_id,
            login=resp.login or "",
            access_token=data["token"],
            refresh_token=data["refresh"],
            scopes=list(resp.scopes),
            expires_in=resp.expires_in,
        )
        return resp

    async def event_token_refreshed(self, payload: twitchio.TokenRefreshedPayload) -> None:
        if payload.user_id not in self.allowed_token_owners:
            return
        existing = await self.services.db.tokens.get(int(payload.user_id))
        await save_token(
            self.services.db,
            user_id=payload.user_id,
            login=existing.login if existing else "",
            access_token=payload.token,
            refresh_token=payload.refresh_token,
            scopes=list(payload.scopes),
            expires_in=payload.expires_in,
        )

    async def event_oauth_authorized(
        self, payload: twitchio.authentication.UserTokenPayload
    ) -> None:
        if payload.user_id not in self.allowed_token_owners:
            return  # the adapter already told them; nothing is stored
        await self.add_token(payload.access_token, payload.refresh_token)
        log.info("%s (%s) authorized botcheck", payload.user_login, payload.user_id)
        owner_channel = int(payload.user_id) if payload.user_id == self.owner_id else None
        if owner_channel in self.joined:
            # The owner's grant may now reach its own channel's subscriptions (issue 18).
            await self.stream_events_changed(owner_channel)
        if payload.user_id == self.bot_id:
            if self.conduit is not None:
                self.conduit.resync()
                return
            await self.sync_channels()

    # -- joining the channels it moderates ----------------------------------------------------

    async def _join_loop(self) -> None:
        while True:
            try:
                await self.sync_channels()
            except Exception:  # keep the loop alive; the next round tries again
                log.exception("could not refresh the list of moderated channels")
            await asyncio.sleep(self.join_interval_s)

    async def sync_channels(self) -> None:
        """Join every channel that mods the bot account, leave those that stopped."""
        if not self.has_bot_token:
            return
        async with self._sync_lock:
            try:
                moderated = await self.services.helix.get_moderated_channels(int(self.bot_id))
            except HelixError as exc:
                log.warning("could not list moderated channels: %s", exc)
                return
            wanted = {
                c.broadcaster_id: c for c in moderated if str(c.broadcaster_id) != self.bot_id
            }
            new = sorted(wanted.keys() - self.joined.keys())
            for channel_id in new:
                channel = wanted[channel_id]
                await self._join(channel_id, channel.login, channel.display_name)
            for channel_id in sorted(self.joined.keys() - wanted.keys()):
                await self._leave(channel_id)
            if new:
                # A channel joined while already live gets its stream session now, not at the
                # next poll.
                self._background(self.services.streams.poll(announce=False), "poll after join")
            if not self.channels_synced.is_set():
                logins = ", ".join(sorted(self.joined.values())) or "none yet"
                log.info("moderating %d channel(s): %s", len(self.joined), logins)
            self.channels_synced.set()

    def _background(self, work: Coroutine[Any, Any, object], what: str) -> None:
        """Run `work` without waiting for it; keep a reference and log its failure."""

        def done(task: asyncio.Task[object]) -> None:
            self._tasks.discard(task)
            if not task.cancelled() and task.exception() is not None:
                log.warning("%s failed: %s", what, task.exception())

        task = asyncio.create_task(work, name=f"botcheck-{what}")
        self._tasks.add(task)
        task.add_done_callback(done)

    async def _join(self, channel_id: int, login: str, display_name: str) -> None:
        # The channel is stored before any subscription is asked for: Twitch delivers chat the
        # moment a subscription exists, and a command then must find its channel in storage.
        db = self.services.db
        await db.channels.join(channel_id, login, display_name, at=self.services.clock())
        try:
            for factory in CHANNEL_SUBSCRIPTIONS:
                await self._subscribe(factory(str(channel_id), self.bot_id))
        except Exception as exc:
            log.warning("could not join %s: %s", login, exc)
            await db.channels.leave(channel_id, at=self.services.clock())
            return
        await self._subscribe_stream_events(channel_id, login)  # never fails the join
        self.joined[channel_id] = login
        log.info("joined %s: the bot is a moderator there", login)

    async def _subscribe_stream_events(self, channel_id: int, login: str) -> None:
        """Subscribe to the stream events that are on and within reach; say once what is not."""
        await event_subs.subscribe_channel(
            channel_id,
            login,
            db=self.services.db,
            kinds=self.services.settings.stream_event_kinds,
            bot_id=self.bot_id,
            owner_id=self.owner_id,
            existing=[(d.type, d.condition) for d in self.websocket_subscriptions().values()],
            subscribe=self._subscribe_as,
            told=self._told_cannot,
        )

    async def stream_events_changed(self, channel_id: int) -> None:
        """The channel's stream-event switch (or a grant) changed: subscribe to what is now on
        and within reach, delete the stream-event subscriptions that are now off."""
        login = self.joined.get(channel_id)
        if login is None:
            return
        if self.conduit is not None:
            await self.conduit.refresh(channel_id, login)
            return
        if not await self.services.db.stream_events.enabled(channel_id):
            for sub_id, data in list(self.websocket_subscriptions().items()):
                if event_subs.of_channel(channel_id, data.type, data.condition):
                    try:
                        await self.delete_websocket_subscription(sub_id, force=True)
                    except Exception as exc:  # still recorded until Twitch drops it
                        log.warning("could not delete subscription %s: %s", sub_id, exc)
            log.info("stream events in %s: switched off, their subscriptions deleted", login)
            return
        await self._subscribe_stream_events(channel_id, login)

    async def _subscribe_as(self, payload: eventsub.SubscriptionPayload, user_id: str) -> None:
        if user_id == self.bot_id:
            await self._subscribe(payload)
        else:
            await self.subscribe_websocket(payload=payload, token_for=user_id)

    async def _subscribe(self, payload: eventsub.SubscriptionPayload) -> None:
        sockets = patches.sockets_of(self, self.bot_id)
        if sockets and not any(s.can_subscribe for s in sockets.values()):
            # TwitchIO opens only the first socket by itself; past 300 subscriptions, open
            # the next one the way it does and subscribe on it.
            session_id = await patches.open_socket(self, self.bot_id)
            await self.subscribe_websocket(payload=payload, socket_id=session_id)
            return
        await self.subscribe_websocket(payload=payload)

    async def _leave(self, channel_id: int) -> None:
        # Called under _sync_lock only: the revocations of a channel's subscriptions arrive
        # together, and each would otherwise leave (and log) the channel once more.
        login = self.joined.get(channel_id)
        if login is None:
            return
        for sub_id, data in list(self.websocket_subscriptions().items()):
            condition = data.condition
            # channel.raid names the channel as to_ (chat defence) or from_ (raids out).
            if str(channel_id) in (
                condition.get("broadcaster_user_id"),
                condition.get("to_broadcaster_user_id"),
                condition.get("from_broadcaster_user_id"),
            ):
                with contextlib.suppress(Exception):
                    await self.delete_websocket_subscription(sub_id, force=True)
        await self.services.db.channels.leave(channel_id, at=self.services.clock())
        self.joined.pop(channel_id, None)
        log.info("left %s: the bot is no longer a moderator there", login)

    async def event_websocket_closed(self, payload: Any) -> None:
        """A shard socket closed: the conduit keeper re-binds its shard (conduit mode)."""
        if self.conduit is not None:
            self.conduit.socket_closed(payload.socket)

    async def event_subscription_revoked(self, payload: Any) -> None:
        log.warning("Twitch revoked subscription %s (%s)", payload.type, payload.status)
        if self.conduit is not None:  # the leading process looks at its channels again
            self.conduit.resync()
            return
        patches.forget_subscription(self, self.bot_id, payload.id)
        # The channel may still mod us (e.g. a token change): forget it and let sync re-join.
        channel = str(payload.raw.get("condition", {}).get("broadcaster_user_id", ""))
        if channel.isdigit():
            async with self._sync_lock:  # never interleaved with a join of the same channel
                await self._leave(int(channel))
        await self.sync_channels()
