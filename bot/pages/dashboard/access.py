"""Who is signed in, and which channels they may see.

A person sees a channel the bot serves when it is their own or they moderate it; the bot's
owner sees all. What Twitch says a user moderates is asked again after `recheck_s`, with the
token from their session (or, for API tokens, the one kept in memory since their last login:
never in the database), so someone unmodded loses access within minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

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
    ) -> None:
        self._db = db
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

    async def channels(self, viewer: Viewer) -> list[Channel]:
        """Return the channels the bot serves that the viewer may see, by login."""
        served = await self._db.channels.active()
        if self.is_owner(viewer):
            return served
        mine = await self.moderated(viewer)
        return [c for c in served if c.channel_id == viewer.user_id or c.channel_id in mine]

    async def channel(self, viewer: Viewer, login: str) -> Channel | None:
        """Return the channel when the viewer may see it, else None (answered as 404)."""
        channel = await self._db.channels.by_login(login)
        if channel is None or not channel.active:
            return None
        if self.is_owner(viewer) or channel.channel_id == viewer.user_id:
            return channel
        return channel if channel.channel_id in await self.moderated(viewer) else None

    def is_broadcaster(self, viewer: Viewer, channel: Channel) -> bool:
        return channel.channel_id == viewer.user_id or self.is_owner(viewer)
