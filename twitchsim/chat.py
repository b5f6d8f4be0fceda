"""Chat and moderation in the world: lines said, replies, bans, timeouts, deletions.

`ChatRoom` is a part of `World` (a mixin): it announces each change over EventSub as Twitch
does, e.g. a timeout is channel.moderate (``timeout``), channel.ban (with ``ends_at``) and
channel.chat.clear_user_messages.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from twitchsim import payloads
from twitchsim.channel import Ban, Channel, ChatLine, SentMessage, SimError, UserRef
from twitchsim.eventsub import EventHub
from twitchsim.users import SimUser


class ChatRoom:
    """Chat and moderation; `World` supplies the registry it works on."""

    users: dict[int, SimUser]
    channels: dict[int, Channel]
    by_login: dict[str, int]
    hub: EventHub
    clock: Callable[[], float]

    if TYPE_CHECKING:

        def now(self) -> datetime: ...
        def user(self, ref: UserRef) -> SimUser: ...
        def channel(self, ref: UserRef) -> Channel: ...
        def join(self, channel: UserRef, user: UserRef) -> None: ...
        def part(self, channel: UserRef, user: UserRef) -> None: ...

    # --- chat -----------------------------------------------------------------------------------

    def badges_of(self, chan: Channel, user: SimUser) -> list[str]:
        if user.user_id == chan.id:
            return ["broadcaster/1"]
        if user.user_id in chan.moderators:
            return ["moderator/1"]
        return []

    async def say(
        self,
        channel: UserRef,
        user: UserRef,
        text: str,
        *,
        badges: Iterable[str] | None = None,
        reply_to: str | None = None,
        color: str | None = None,
    ) -> str:
        """Post ``text`` in chat as ``user``; deliver channel.chat.message; return its id."""
        chan, who = self.channel(channel), self.user(user)
        self.join(chan.user, who)
        return self.post_line(chan, who, text, badges=badges, reply_to=reply_to, color=color)

    def post_line(
        self,
        chan: Channel,
        who: SimUser,
        text: str,
        *,
        badges: Iterable[str] | None = None,
        reply_to: str | None = None,
        color: str | None = None,
    ) -> str:
        """Record a chat line and publish it (used by `say` and by the bot's sends)."""
        message_id = str(uuid.uuid4())
        reply = None
        thread_id = message_id
        parent = chan.lines.get(reply_to) if reply_to else None
        if reply_to and parent is None:
            raise SimError(f"no message {reply_to!r} in {chan.user.login}")
        if parent is not None:
            parent_user = self.users.get(parent.user_id) or self.user(parent.user_id)
            thread_id = parent.thread_id
            thread_line = chan.lines.get(thread_id, parent)
            thread_user = self.users.get(thread_line.user_id, parent_user)
            reply = payloads.reply_object(
                parent.message_id, parent.text, parent_user, thread_id, thread_user
            )
            text = f"@{parent_user.display_name} {text}"  # Twitch prefixes replies so
        badge_names = list(badges) if badges is not None else self.badges_of(chan, who)
        mentionable = {u.login: u for u in self._mentioned(text)}
        event = payloads.chat_message(
            chan.user,
            who,
            message_id,
            text,
            payloads.badges_for(badge_names),
            reply=reply,
            mentionable=mentionable,
            color=color,
        )
        chan.lines[message_id] = ChatLine(message_id, who.user_id, text, self.now(), thread_id)
        if len(chan.lines) > 5000:  # keep memory flat in long demos
            del chan.lines[next(iter(chan.lines))]
        self.hub.publish("channel.chat.message", chan.id, event)
        return message_id

    def flood(
        self,
        channel: UserRef,
        n: int,
        *,
        chatters: Iterable[SimUser] = (),
        texts: Iterable[str] = ("hello chat",),
    ) -> list[str]:
        """Publish ``n`` channel.chat.message notifications at once (benchmarks); return their ids.

        Message ``i`` comes from chatter ``i % len(chatters)`` (the channel's owner if none),
        and chatter ``j`` always says text ``j % len(texts)``. The notifications are pre-built
        (see `EventHub.flood`) and, unlike `say`, not kept as chat lines.
        """
        chan = self.channel(channel)
        who = list(chatters) or [chan.user]
        lines = list(texts)
        events = [
            payloads.chat_message(
                chan.user, user, "", lines[i % len(lines)], [], reply=None, mentionable={}
            )
            for i, user in enumerate(who)
        ]
        return self.hub.flood("channel.chat.message", chan.id, events, n)

    def _mentioned(self, text: str) -> list[SimUser]:
        found = []
        for word in text.split():
            if word.startswith("@"):
                uid = self.by_login.get(word[1:].lower())
                if uid is not None:
                    found.append(self.users[uid])
        return found

    def sent_messages(self, channel: UserRef | None = None) -> list[SentMessage]:
        """Return what was sent with POST chat/messages (all channels when None), oldest first."""
        if channel is not None:
            return list(self.channel(channel).sent)
        return sorted((m for c in self.channels.values() for m in c.sent), key=lambda m: m.at)

    def lines(self, channel: UserRef) -> list[ChatLine]:
        return list(self.channel(channel).lines.values())

    # --- moderation -----------------------------------------------------------------------------

    def _moderate(
        self, chan: Channel, moderator: SimUser, action: str, detail: dict[str, object]
    ) -> None:
        self.hub.publish(
            "channel.moderate", chan.id, payloads.moderate(chan.user, moderator, action, detail)
        )

    def ban(
        self,
        channel: UserRef,
        user: UserRef,
        *,
        moderator: UserRef | None = None,
        reason: str = "",
        duration_s: int | None = None,
    ) -> None:
        """Ban ``user`` (or time them out for ``duration_s``), announcing it as Twitch does."""
        chan, target = self.channel(channel), self.user(user)
        mod = self.user(moderator) if moderator is not None else chan.user
        now = self.now().replace(microsecond=0)
        ends = now + timedelta(seconds=duration_s) if duration_s else None
        chan.bans[target.user_id] = Ban(mod.user_id, reason, now, ends)
        if ends is None:
            self._moderate(chan, mod, "ban", payloads.moderate_target(target, reason=reason))
            self.part(chan.user, target)
        else:
            detail = payloads.moderate_target(
                target, reason=reason, expires_at=payloads.rfc3339(ends)
            )
            self._moderate(chan, mod, "timeout", detail)
        self.hub.publish(
            "channel.ban",
            chan.id,
            payloads.ban(
                chan.user, target, moderator=mod, reason=reason, banned_at=now, ends_at=ends
            ),
        )
        self.hub.publish(
            "channel.chat.clear_user_messages",
            chan.id,
            payloads.clear_user_messages(chan.user, target),
        )

    def unban(self, channel: UserRef, user: UserRef, *, moderator: UserRef | None = None) -> None:
        chan, target = self.channel(channel), self.user(user)
        mod = self.user(moderator) if moderator is not None else chan.user
        ban = chan.bans.pop(target.user_id, None)
        if ban is None:
            raise SimError(f"{target.login} is not banned in {chan.user.login}")
        action = "unban" if ban.ends_at is None else "untimeout"
        self._moderate(chan, mod, action, payloads.moderate_target(target))
        self.hub.publish("channel.unban", chan.id, payloads.unban(chan.user, target, mod))

    def banned(self, chan: Channel, user_id: int) -> Ban | None:
        ban = chan.bans.get(user_id)
        if ban is not None and ban.ends_at is not None and ban.ends_at <= self.now():
            del chan.bans[user_id]
            return None
        return ban

    def delete_message(
        self, channel: UserRef, message_id: str, *, moderator: UserRef | None = None
    ) -> None:
        chan = self.channel(channel)
        mod = self.user(moderator) if moderator is not None else chan.user
        line = chan.lines.pop(message_id, None)
        if line is None:
            raise SimError(f"no message {message_id!r} in {chan.user.login}")
        target = self.user(line.user_id)
        detail = payloads.moderate_target(target, message_id=message_id, message_body=line.text)
        self._moderate(chan, mod, "delete", detail)
        self.hub.publish(
            "channel.chat.message_delete",
            chan.id,
            payloads.message_delete(chan.user, target, message_id),
        )
