"""The simulated world: users, channels, moderators, chatters, streams, tokens and faults.

`World` is what tests, benchmarks and the demo drive in-process (the control API drives the
same object over HTTP); chat and moderation come from `chat.ChatRoom`, subscriptions, raids
and follows from `community.Community`; EventSub conduits live in `conduits.ConduitHub`.
Changes that Twitch would announce over EventSub are published to the `EventHub`, which queues
them for the live WebSocket sessions (or routes them to a conduit's shards), so the methods are
plain synchronous code except `say` (kept async for callers that want to await it) and the
socket faults.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from twitchsim import payloads
from twitchsim.channel import Ban, Channel, ChatLine, SentMessage, SimError, Stream, UserRef
from twitchsim.chat import ChatRoom
from twitchsim.community import Community
from twitchsim.conduits import ConduitHub
from twitchsim.eventsub import EventHub
from twitchsim.faults import Faults
from twitchsim.names import DEFAULT_AVATARS
from twitchsim.ratelimit import RateLimiter
from twitchsim.scenarios import Scenario
from twitchsim.tokens import TokenStore
from twitchsim.users import SimUser

log = logging.getLogger(__name__)

__all__ = [
    "RESERVED_IDS",
    "Ban",
    "Channel",
    "ChatLine",
    "SentMessage",
    "SimError",
    "Stream",
    "UserRef",
    "World",
]

RESERVED_IDS = range(1000, 10_000)  # the sim's own users; scenarios never use ids below 10,000


class World(ChatRoom, Community):
    """Everything the simulator knows; see the module docstring."""

    def __init__(
        self,
        *,
        token_ttl_s: int = 4 * 3600,
        rate_capacity: int = 800,
        rate_refill_per_s: float = 800 / 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock
        self.users: dict[int, SimUser] = {}
        self.by_login: dict[str, int] = {}
        self.channels: dict[int, Channel] = {}
        self.tokens = TokenStore(ttl_s=token_ttl_s, clock=clock)
        self.ratelimit = RateLimiter(rate_capacity, rate_refill_per_s, clock=clock)
        self.faults = Faults()
        self.hub = EventHub(clock=clock)
        self.conduits = ConduitHub(self.hub, clock=clock)
        # channel id -> (follower, followed_at), newest first (`helix_followers`)
        self.followers: dict[int, list[tuple[SimUser, datetime]]] = {}
        self.helix_calls: Counter[str] = Counter()  # "GET /helix/users" -> count
        self.authorize_user: SimUser | None = None
        self._next_id = RESERVED_IDS.start
        self._stream_seq = 0

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    # --- users ----------------------------------------------------------------------------------

    def add_user(
        self,
        login: str,
        *,
        user_id: int | None = None,
        created_at: datetime | None = None,
        display_name: str | None = None,
        type: str = "",
        broadcaster_type: str = "",
        profile_image_url: str | None = None,
        description: str = "",
    ) -> SimUser:
        """Create a user (or return the existing one with that login)."""
        login = login.lower()
        existing = self.by_login.get(login)
        if existing is not None:
            if user_id not in (None, existing):
                raise SimError(f"login {login!r} already belongs to user {existing}")
            return self.users[existing]
        if user_id is None:
            while self._next_id in self.users:
                self._next_id += 1
            if self._next_id >= RESERVED_IDS.stop:
                raise SimError("out of reserved user ids")
            user_id = self._next_id
        user = SimUser(
            user_id=user_id,
            login=login,
            display_name=display_name or login,
            created_at=created_at or datetime(2019, 3, 14, 15, 9, 26, tzinfo=UTC),
            type=type,
            broadcaster_type=broadcaster_type,
            profile_image_url=(
                profile_image_url
                if profile_image_url is not None
                else DEFAULT_AVATARS[user_id % len(DEFAULT_AVATARS)]
            ),
            description=description,
        )
        self.put_users([user])
        return user

    def put_users(self, users: Iterable[SimUser]) -> None:
        """Add or replace accounts (a changed login is a rename)."""
        for user in users:
            old = self.users.get(user.user_id)
            if old is not None and old.login != user.login:
                self.by_login.pop(old.login, None)
            self.users[user.user_id] = user
            self.by_login[user.login] = user.user_id

    def user(self, ref: UserRef) -> SimUser:
        """Resolve a user, an id, a numeric string id or a login."""
        if isinstance(ref, SimUser):
            return self.users.get(ref.user_id, ref)
        if isinstance(ref, int):
            found = self.users.get(ref)
        else:
            uid = self.by_login.get(ref.lower().lstrip("@"))
            if uid is None and ref.isdigit():
                uid = int(ref)
            found = self.users.get(uid) if uid is not None else None
        if found is None:
            raise SimError(f"no such user: {ref!r}")
        return found

    def delete_user(self, ref: UserRef) -> None:
        """Make an account disappear (Get Users stops returning it, as for a suspension)."""
        user = self.user(ref)
        self.users.pop(user.user_id, None)
        self.by_login.pop(user.login, None)

    # --- channels -------------------------------------------------------------------------------

    def add_channel(
        self,
        login: str | SimUser,
        *,
        user_id: int | None = None,
        created_at: datetime | None = None,
        broadcaster_type: str = "affiliate",
    ) -> SimUser:
        """Make ``login`` a broadcaster with a channel (creating the user if needed)."""
        if isinstance(login, SimUser):
            self.put_users([login])
            user = login
        elif login.lower() in self.by_login:
            user = self.user(login)
        else:
            user = self.add_user(
                login, user_id=user_id, created_at=created_at, broadcaster_type=broadcaster_type
            )
        if user.user_id not in self.channels:
            self.channels[user.user_id] = Channel(user=user)
        return user

    def channel(self, ref: UserRef) -> Channel:
        user = self.user(ref)
        chan = self.channels.get(user.user_id)
        if chan is None:
            raise SimError(f"{user.login} has no channel: add_channel first")
        return chan

    def is_moderator(self, channel: Channel, user_id: int) -> bool:
        return user_id == channel.id or user_id in channel.moderators

    def add_moderator(self, channel: UserRef, user: UserRef) -> None:
        """Make ``user`` a moderator of ``channel`` (how a streamer adds the bot)."""
        chan, mod = self.channel(channel), self.user(user)
        if mod.user_id in chan.moderators or mod.user_id == chan.id:
            return
        chan.moderators[mod.user_id] = self.now()
        self._moderate(chan, chan.user, "mod", payloads.moderate_target(mod))

    def remove_moderator(self, channel: UserRef, user: UserRef) -> None:
        chan, mod = self.channel(channel), self.user(user)
        if chan.moderators.pop(mod.user_id, None) is None:
            return
        self._moderate(chan, chan.user, "unmod", payloads.moderate_target(mod))
        # Subscriptions that needed the moderator role go away, as on Twitch.
        self.hub.revoke(
            lambda s: (
                s.user_id == mod.user_id and s.broadcaster_id == chan.id and s.needs_moderator
            ),
            status="moderator_removed",
        )

    def moderated_channels(self, user_id: int) -> list[Channel]:
        return [c for c in self.channels.values() if user_id in c.moderators]

    # --- chatters -------------------------------------------------------------------------------

    def load_chatters(self, channel: UserRef, users: Iterable[SimUser]) -> int:
        """Replace the chatter list of ``channel`` with ``users`` (added to the world)."""
        chan = self.channel(channel)
        listed = list(users)
        self.put_users(listed)
        chan.chatters = []
        chan.chatter_ids = set()
        for user in listed:
            if user.user_id not in chan.chatter_ids:
                chan.chatter_ids.add(user.user_id)
                chan.chatters.append(user)
        chan.resets += 1
        return len(chan.chatters)

    def load_scenario(self, channel: UserRef, scenario: Scenario, *, live: bool = True) -> int:
        """Load a scenario's chatters into ``channel`` and set its stream to the viewer count."""
        count = self.load_chatters(channel, scenario.chatters)
        chan = self.channel(channel)
        chan.scenario = scenario
        self.set_stream(
            chan.user, live=live or chan.stream.live, viewer_count=scenario.viewer_count
        )
        return count

    def join(self, channel: UserRef, user: UserRef) -> None:
        chan, who = self.channel(channel), self.user(user)
        if who.user_id not in chan.chatter_ids:
            chan.chatter_ids.add(who.user_id)
            chan.chatters.append(who)

    def part(self, channel: UserRef, user: UserRef) -> None:
        chan, who = self.channel(channel), self.user(user)
        if who.user_id in chan.chatter_ids:
            chan.chatter_ids.discard(who.user_id)
            chan.chatters = [u for u in chan.chatters if u.user_id != who.user_id]
            chan.resets += 1

    # --- streams --------------------------------------------------------------------------------

    def set_stream(
        self,
        channel: UserRef,
        live: bool,
        viewer_count: int | None = None,
        *,
        title: str | None = None,
        game: str | None = None,
    ) -> Stream:
        """Start or end the stream (announcing stream.online/offline) and set its numbers."""
        chan = self.channel(channel)
        stream = chan.stream
        if viewer_count is not None:
            stream.viewer_count = viewer_count
        if title is not None:
            stream.title = title
        if game is not None:
            stream.game_name = game
        if live and not stream.live:
            stream.live = True
            stream.started_at = self.now().replace(microsecond=0)
            self._stream_seq += 1
            stream.stream_id = str(41_000_000_000 + self._stream_seq)
            self.hub.publish(
                "stream.online",
                chan.id,
                payloads.stream_online(chan.user, stream.stream_id, stream.started_at),
            )
        elif not live and stream.live:
            stream.live = False
            stream.started_at = None
            self.hub.publish("stream.offline", chan.id, payloads.stream_offline(chan.user))
        return stream

    # --- tokens and faults ----------------------------------------------------------------------

    def authorize_as(self, user: UserRef | None) -> None:
        """Choose who /oauth2/authorize approves as (None: nobody, the page answers 400)."""
        self.authorize_user = self.user(user) if user is not None else None

    def issue_user_token(
        self,
        user: UserRef,
        scopes: Iterable[str],
        *,
        expires_in: int | None = None,
        client_id: str | None = None,
    ) -> tuple[str, str]:
        """Mint a user token without the OAuth dance; return (access_token, refresh_token)."""
        who = self.user(user)
        cid = client_id or next(iter(self.tokens.apps))
        token = self.tokens.issue_user_token(cid, who.user_id, scopes, expires_in=expires_in)
        assert token.refresh_token is not None
        return token.access_token, token.refresh_token

    def revoke_token(self, access_token: str) -> bool:
        """Revoke a token; its user's EventSub subscriptions get a revocation message."""
        token = self.tokens.revoke(access_token)
        if token is None:
            return False
        if token.user_id is not None:
            uid = token.user_id
            if not any(t.user_id == uid and not t.revoked for t in self.tokens.tokens_of(uid)):
                self.hub.revoke(lambda s: s.user_id == uid, status="authorization_revoked")
        return True

    def expire_token(self, access_token: str) -> bool:
        return self.tokens.expire(access_token) is not None

    async def drop_sockets(self) -> int:
        """Cut every EventSub WebSocket without a close frame; return how many."""
        return await self.hub.drop_all()

    async def send_reconnect(self) -> int:
        """Send session_reconnect to every session; return how many."""
        return await self.hub.reconnect_all()

    def fail_next(self, n: int = 1, status: int = 500, path_prefix: str | None = None) -> None:
        self.faults.fail_next(n, status, path_prefix)

    def hang_next(self, n: int = 1, seconds: float = 30.0, path_prefix: str | None = None) -> None:
        self.faults.hang_next(n, seconds, path_prefix)
