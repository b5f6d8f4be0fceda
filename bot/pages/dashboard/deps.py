"""What the dashboard is given: settings-like values and the bot's few services, as callables.

Nothing here imports the bot: the wiring builds a `DashboardDeps` from its own objects, and
tests build one from a database and twitchsim.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from aiohttp import web

from storage import Database


class Progress(Protocol):
    """How far a running check is (the bot's CaptureProgress has these)."""

    @property
    def chatters_seen(self) -> int: ...

    @property
    def total(self) -> int | None: ...

    @property
    def eta_s(self) -> float | None: ...


class CheckRefused(Exception):
    """A check cannot start now (one runs, cooldown, Twitch trouble); the message is for people."""


class ModeratorsUnknown(Exception):
    """The bot could not ask Twitch who moderates a channel (Twitch away, bot unmodded)."""


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asked the dashboard for a check."""

    user_id: int
    login: str


# start_check(channel_id, requester): begin a check in the background and return at once.
StartCheck = Callable[[int, Requester], Awaitable[None]]
CheckProgress = Callable[[int], Progress | None]
# resolve_report(report_token): the report's directory while it is served, else None.
ResolveReport = Callable[[str], Awaitable[Path | None]]
# forget_channel(channel_id): delete everything kept about the channel.
ForgetChannel = Callable[[int], Awaitable[None]]
# channel_moderators(channel_id): the channel's moderators as the bot sees them (the bot's own
# token), for API tokens whose owner has not logged in since the restart; raises
# ModeratorsUnknown when Twitch cannot say.
ChannelModerators = Callable[[int], Awaitable[frozenset[int]]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Limits:
    """Requests a client may make: `burst` at once, then `per_second`."""

    ip_burst: int = 240
    ip_per_second: float = 4.0
    user_burst: int = 120
    user_per_second: float = 2.0


@dataclass(frozen=True, slots=True)
class DashboardDeps:
    """Every collaborator of the dashboard, handed in by the wiring."""

    db: Database
    public_url: str  # BOTCHECK_PUBLIC_URL: the callback is public_url + /login/callback
    client_id: str
    client_secret: str
    auth_url: str  # TWITCH_AUTH_URL, e.g. https://id.twitch.tv
    api_url: str  # TWITCH_API_URL, e.g. https://api.twitch.tv/helix
    session_key_path: Path  # made (0600) on first start when missing
    start_check: StartCheck
    check_progress: CheckProgress
    resolve_report: ResolveReport
    forget_channel: ForgetChannel | None = None
    channel_moderators: ChannelModerators | None = None
    # stream_events_changed(channel_id): subscribe to, or delete, the channel's stream-event
    # subscriptions after its switch changed (the bot's, both transports); None: nothing to do.
    stream_events_changed: Callable[[int], Awaitable[None]] | None = None
    stream_event_kinds: frozenset[str] = frozenset()  # BOTCHECK_STREAM_EVENTS: none, the owner's no
    # client_address(request): who a per-address limit counts; the socket's peer unless the
    # wiring knows trusted proxies (then the address they forwarded).
    client_address: Callable[[web.BaseRequest], str] | None = None
    owner_id: int | None = None  # sees every channel the bot serves
    clock: Callable[[], datetime] = _utc_now
    recheck_s: float = 300.0  # moderator status is asked again after this long
    session_max_age_s: int = 7 * 86400
    limits: Limits = Limits()
    report_ttl_days: int = 30  # shown as each check's expiry date
    # The `emote` filter shows third-party emotes as images from /emotes/... (else as names).
    emote_images: bool = False

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")
