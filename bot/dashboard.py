"""Build the dashboard's `DashboardDeps` from the bot's services (the one place that knows both).

Checks started from the dashboard run through the same check service as `!botcheck`
(`bot.checks.Checks`: one per channel at a time, the capture, then the report and verdict),
with the dashboard's own per-channel cooldown, and end with an audit entry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.capture import CHANNEL_DELETED
from bot.checks import CheckRequest
from bot.helix import HelixError
from bot.history import forget_channel
from bot.pages.dashboard.deps import (
    ChannelModerators,
    CheckRefused,
    DashboardDeps,
    ModeratorsUnknown,
    Requester,
)
from bot.pages.routes import chain_resolvers
from bot.services import Services

log = logging.getLogger(__name__)


async def _silent(text: str) -> None:
    """Say nothing: the dashboard shows progress on its own page, not in chat."""


class DashboardChecks:
    """Starts checks for the dashboard in the background and forgets channels."""

    def __init__(self, services: Services) -> None:
        self._s = services
        self._last: dict[int, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, channel_id: int, who: Requester) -> None:
        """Begin a check of the channel in the background, or refuse with a sentence."""
        s = self._s
        if s.checks.busy(channel_id) is not None:
            raise CheckRefused("A check is already running in this channel.")
        last = self._last.get(channel_id)
        left = 0.0 if last is None else s.settings.cooldown_s - (time.monotonic() - last)
        if left > 0:
            raise CheckRefused(f"A check just ran here; try again in {max(1, round(left))} s.")
        self._last[channel_id] = time.monotonic()
        task = asyncio.create_task(self._run(channel_id, who), name=f"dashboard-check-{channel_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, channel_id: int, who: Requester) -> None:
        s = self._s
        channel = await s.db.channels.get(channel_id)
        name = channel.login if channel else str(channel_id)
        request = CheckRequest(
            channel_id=channel_id,
            channel_name=name,
            moderator_id=int(s.settings.bot_id or 0),
            requested_by_id=who.user_id,
            requested_by_login=who.login,
        )
        outcome, detail = "failed", ""
        try:
            answer = await s.checks.run(request, _silent)
            outcome, detail = answer.outcome, answer.detail
        except Exception:
            log.exception("dashboard check in %s failed", name)
        await s.db.audit.record(
            at=s.clock(),
            channel_id=channel_id,
            user_id=who.user_id,
            user_login=who.login,
            command="dashboard:check-result",
            args="",
            outcome=outcome,
            detail=detail,
        )

    async def forget(self, channel_id: int) -> None:
        """Delete everything kept about the channel; keep serving it if the bot still may."""
        s = self._s
        channel = await s.db.channels.get(channel_id)
        await s.capturer.cancel(channel_id, CHANNEL_DELETED)
        await s.forget_files(channel_id)  # follower reports and raid pages, as in chat
        await forget_channel(s.db, s.settings.data_dir, channel_id)
        if channel is not None and channel.active:  # still a moderator there: start afresh
            await s.db.channels.join(channel_id, channel.login, channel.display_name, at=s.clock())

    async def close(self) -> None:
        """Cancel the checks still running; safe to call twice."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def channel_moderators(services: Services) -> ChannelModerators | None:
    """Ask Twitch for a channel's moderators with the bot's token (the bot moderates it)."""
    bot_id = services.settings.bot_id
    if not bot_id:
        return None

    async def moderators(channel_id: int) -> frozenset[int]:
        try:
            return await services.helix.get_moderators(channel_id, int(bot_id))
        except HelixError as exc:
            raise ModeratorsUnknown(str(exc)) from exc

    return moderators


def dashboard_deps(
    services: Services,
    checks: DashboardChecks,
    *,
    client_address: Callable[[Any], str] | None = None,
    stream_events_changed: Callable[[int], Awaitable[None]] | None = None,
) -> DashboardDeps:
    """Return the dashboard's dependencies, drawn from the running bot's services;
    `client_address` names who a per-address limit counts (BOTCHECK_TRUSTED_PROXIES)."""
    st = services.settings
    secret = st.client_secret.get_secret_value() if st.client_secret else ""
    key_path = st.session_key_file or Path(st.data_dir) / "dashboard-session.key"
    return DashboardDeps(
        db=services.db,
        public_url=st.public_url,
        client_id=st.client_id or "",
        client_secret=secret,
        auth_url=st.auth_url,
        api_url=st.api_url,
        session_key_path=key_path,
        start_check=checks.start,
        check_progress=services.checks.progress,
        resolve_report=chain_resolvers(services.reports.resolve, services.stream_reports.resolve),
        forget_channel=checks.forget,
        channel_moderators=channel_moderators(services),
        stream_events_changed=stream_events_changed,
        stream_event_kinds=st.stream_event_kinds,
        client_address=client_address,
        owner_id=int(st.owner_id) if st.owner_id else None,
        clock=services.clock,
        report_ttl_days=st.report_ttl_days,
        emote_images=services.emotes is not None and services.emotes.images is not None,
    )
