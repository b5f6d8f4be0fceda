"""Who is signed in, and which channels they may see.

A person sees a channel the bot serves when it is their own or they moderate it; the bot's
owner sees all. What Twitch says a user moderates is asked again after `recheck_s`, with the
token from their session (or, for API tokens, the one kept in memory since their last login:
never in the database), so someone unmodded loses access within minutes. An API token whose
owner has not logged in since the bot started is checked the other way round: the bot asks
Twitch for each channel's moderators with its own token (`channel_moderators`), cached per
channel for `recheck_s` too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.pages.dashboard.deps import ChannelModerators, ModeratorsUnknown
from bot.pages.dashboard.twitch_login import LoginError, TokenRejected, TwitchLogin, TwitchUser
from storage import Channel, Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person of one request."""

    user_id: int
    login: str
    csrf: str = ""  # empty for API-token requests (they cannot post forms)
    twitch_token: str | None = None  # from the session; never logged

    def __repr__(self) -> str:
        return f"Viewer(user_id={self.user_id}, login={self.login!r})"


class SignedOut(Exception):
    """The viewer's Twitch login no longer works: they must log in again."""


class Access:
    """Decides which channels a viewer sees; keeps what Twitch said for `recheck_s`."""

    def __init__(
        self,
        *,
        db: Database,
        twitch: TwitchLogin,
        owner_id: int | None,
        recheck_s: float,
        clock: Callable[[], datetime],
        channel_moderators: ChannelModerators | None = None,
    ) -> None:
        self._db = db
        self._channel_moderators = channel_moderators
        self._mods_of: dict[int, tuple[datetime, frozenset[int]]] = {}  # channel -> its mods
        self._twitch = twitch
        self._owner_id = owner_id
        self._recheck_s = recheck_s
        self._clock = clock
        self._moderated: dict[int, tuple[datetime, frozenset[int]]] = {}
        self._tokens: dict[int, str] = {}  # user id -> their Twitch token, in memory only

    def remember(self, user: TwitchUser, moderated: frozenset[int]) -> None:
        """Note a fresh login: its token (memory only) and the channels it moderates."""
        self._tokens[user.user_id] = user.access_token
        self._moderated[user.user_id] = (self._clock(), moderated)

    def forget(self, user_id: int) -> None:
        self._tokens.pop(user_id, None)
        self._moderated.pop(user_id, None)

    def is_owner(self, viewer: Viewer) -> bool:
        return self._owner_id is not None and viewer.user_id == self._owner_id

    async def moderated(self, viewer: Viewer) -> frozenset[int]:
        """Return the channel ids the viewer moderates, asking Twitch when the answer is old."""
        now = self._clock()
        cached = self._moderated.get(viewer.user_id)
        if cached is not None and (now - cached[0]).total_seconds() < self._recheck_s:
            return cached[1]
        token = viewer.twitch_token or self._tokens.get(viewer.user_id)
        if token is None:
            return frozenset()  # an API token with no login since the restart: own channel only
        try:
            found = await self._twitch.moderated_channels(
                TwitchUser(viewer.user_id, viewer.login, token)
            )
        except TokenRejected:
            self.forget(viewer.user_id)
            raise SignedOut from None
        except LoginError as exc:
            # Twitch is unreachable: keep the last answer a little longer rather than lock out.
            log.warning("could not re-check channels of %s: %s", viewer.login, exc)
            return cached[1] if cached is not None else frozenset()
        self._moderated[viewer.user_id] = (now, found)
        return found

    def _knows_twitch_token(self, viewer: Viewer) -> bool:
        if viewer.twitch_token or viewer.user_id in self._tokens:
            return True
        cached = self._moderated.get(viewer.user_id)
        return cached is not None and (
            (self._clock() - cached[0]).total_seconds() < self._recheck_s
        )

    async def _moderates(self, viewer: Viewer, channels: Sequence[Channel]) -> frozenset[int]:
        """Return which of `channels` the viewer moderates: by their own Twitch token when
        there is one, else (an API token after a restart) by the bot's view of each channel."""
        if self._channel_moderators is None or self._knows_twitch_token(viewer):
            return await self.moderated(viewer)
        others = [c.channel_id for c in channels if c.channel_id != viewer.user_id]
        mods = await asyncio.gather(*(self._moderators_of(cid) for cid in others))
        return frozenset(cid for cid, m in zip(others, mods, strict=True) if viewer.user_id in m)

    async def _moderators_of(self, channel_id: int) -> frozenset[int]:
        """The channel's moderators as the bot sees them, asked again after `recheck_s`."""
        assert self._channel_moderators is not None
        now = self._clock()
        cached = self._mods_of.get(channel_id)
        if cached is not None and (now - cached[0]).total_seconds() < self._recheck_s:
            return cached[1]
        try:
            found = await self._channel_moderators(channel_id)
        except ModeratorsUnknown as exc:
            # As for a person's own token: keep the last answer rather than lock everyone out.
            log.warning("could not ask Twitch for the moderators of %s: %s", channel_id, exc)
            return cached[1] if cached is not None else frozenset()
        self._mods_of[channel_id] = (now, found)
        return found

    async def channels(self, viewer: Viewer) -> list[Channel]:
        """Return the channels the bot serves that the viewer may see, by login."""
        served = await self._db.channels.active()
        if self.is_owner(viewer):
            return served
        mine = await self._moderates(viewer, served)
        return [c for c in served if c.channel_id == viewer.user_id or c.channel_id in mine]

    async def channel(self, viewer: Viewer, login: str) -> Channel | None:
        """Return the channel when the viewer may see it, else None (answered as 404)."""
        channel = await self._db.channels.by_login(login)
        if channel is None or not channel.active:
            return None
        if self.is_owner(viewer) or channel.channel_id == viewer.user_id:
            return channel
        mine = await self._moderates(viewer, [channel])
        return channel if channel.channel_id in mine else None

    def is_broadcaster(self, viewer: Viewer, channel: Channel) -> bool:
        return channel.channel_id == viewer.user_id or self.is_owner(viewer)
