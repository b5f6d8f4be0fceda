"""What the commands use, opened once in the entry point and handed to the bot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.capture import Capturer
from bot.chat import Pacer
from bot.checks import Checks
from bot.defence import Defence
from bot.emotes import ThirdPartyEmotes
from bot.followers import FollowerChecks
from bot.helix import Helix
from bot.history import Recorder
from bot.pages import Reports, StreamReports
from bot.settings import Settings
from bot.streams import Alerts, StreamTracker
from bot.watch import Watcher
from reports.i18n import Speakers
from storage import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    db: Database
    helix: Helix
    capturer: Capturer
    reports: Reports
    stream_reports: StreamReports
    checks: Checks
    pacer: Pacer
    clock: Callable[[], datetime]
    recorder: Recorder
    streams: StreamTracker
    alerts: Alerts
    defence: Defence | None = None  # chat defence (issue 20); None: not running
    followers: FollowerChecks | None = None  # `!botcheck followers` (issue 19)
    watcher: Watcher | None = None  # `!botcheck watch on|off` (issue 19)
    emotes: ThirdPartyEmotes | None = None  # 7TV/BTTV/FFZ (issue 18); None: BOTCHECK_EMOTES off
    # Each channel's language and timezone for replies, read once per half minute (issue 18).
    speakers: Speakers = field(default_factory=Speakers)

    async def forget_files(self, channel_id: int) -> None:
        """Delete the channel's report files kept outside the report rows (`forget` runs this
        before `bot.history.forget_channel`: files before rows): follower reports, raid pages."""
        if self.followers is not None:
            await self.followers.forget(channel_id)
        if self.defence is not None:  # raid pages would otherwise wait for their expiry
            await self.defence.pages.forget(channel_id)
