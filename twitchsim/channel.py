"""Records of the world: channels, streams, bans, chat lines and the messages the bot sent."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from twitchsim.scenarios import Scenario
from twitchsim.users import SimUser

UserRef = SimUser | int | str  # a user, a user id, or a login


class SimError(Exception):
    """A control request that cannot be honoured (unknown user, not a channel, ...)."""


@dataclass(slots=True)
class Stream:
    live: bool = False
    viewer_count: int = 0
    title: str = "botcheck demo stream"
    game_id: str = "509658"
    game_name: str = "Just Chatting"
    started_at: datetime | None = None
    stream_id: str = ""


@dataclass(slots=True)
class Ban:
    moderator_id: int
    reason: str
    at: datetime
    ends_at: datetime | None  # None: permanent


@dataclass(slots=True)
class Channel:
    """A broadcaster's channel: who moderates it, who is in chat, what it said."""

    user: SimUser
    moderators: dict[int, datetime] = field(default_factory=dict)
    chatters: list[SimUser] = field(default_factory=list)
    chatter_ids: set[int] = field(default_factory=set)
    stream: Stream = field(default_factory=Stream)
    bans: dict[int, Ban] = field(default_factory=dict)
    lines: dict[str, ChatLine] = field(default_factory=dict)
    sent: list[SentMessage] = field(default_factory=list)
    send_times: dict[int, deque[float]] = field(default_factory=dict)  # per sender, 30 s
    last_text: dict[int, tuple[str, float]] = field(default_factory=dict)
    scenario: Scenario | None = None
    # Bumps when chatters are replaced or leave; joins only append, so page caches can extend.
    resets: int = 0

    @property
    def id(self) -> int:
        return self.user.user_id


@dataclass(frozen=True, slots=True)
class ChatLine:
    """A message in a channel's chat (kept so replies and deletes can refer to it)."""

    message_id: str
    user_id: int
    text: str
    at: datetime
    thread_id: str  # the thread's root message (itself when not a reply)


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A POST chat/messages call as the simulator answered it."""

    message_id: str
    channel_id: int
    channel_login: str
    sender_id: int
    sender_login: str
    text: str
    reply_to: str | None
    at: datetime
    is_sent: bool
    drop_code: str | None = None
    drop_message: str | None = None
    app_token: bool = False  # sent with an app token (user:bot) rather than a user token
