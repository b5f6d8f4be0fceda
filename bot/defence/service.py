"""`Defence`: the chat defence wing's one face to the app and the commands.

It owns the per-channel detector hub, the account ages, the raid pages, the enforcer (bans,
timeouts, shield mode, undo), the ban runs and the first-message digest, and the settings that
the broadcaster and moderators change from chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from bot.defence.ages import AccountAges
from bot.defence.banruns import BanRuns
from bot.defence.enforcer import UNDO_WINDOW_S, Enforcer, RunResult
from bot.defence.hub import DefenceHub
from bot.defence.moderation import BAN_SCOPE, SHIELD_SCOPE
from bot.defence.pages import RaidPages
from bot.defence.response import RaidResponse, Say, Webhook
from bot.helix import Helix
from bot.speaking import speaker_of
from reports.risk import RuleSet
from reports.risk_llm import LlmConfig, LlmRisk
from storage import Account, Capture, ChatMessage, Database
from storage.defence import DONE, FAILED, PENDING, DefenceSettings, DefenceStore

log = logging.getLogger(__name__)


class Defence:
    """Raid detection, alerts, the guard, ban runs and the notice (see the module docstring)."""

    def __init__(
        self,
        *,
        db: Database,
        helix: Helix,
        moderator_id: int,
        data_dir: Path,
        public_url: str,
        page_ttl: timedelta,
        clock: Callable[[], datetime],
        webhook: Webhook | None = None,
        llm: LlmConfig | None = None,
        rules: RuleSet | None = None,
        digest_every_s: float = 300.0,
        interval_s: float = 0.1,
    ) -> None:
        self.db = db
        self.moderator_id = moderator_id
        self.clock = clock
        self.digest_every_s = digest_every_s
        self.store = DefenceStore(db)
        self.ages = AccountAges(db.accounts, helix, clock=clock)
        self.pages = RaidPages(data_dir, public_url, ttl=page_ttl)
        self.enforcer = Enforcer(
            store=self.store,
            audit=db.audit,
            helix=helix,
            moderator_id=moderator_id,
            clock=clock,
            interval_s=interval_s,
        )
        self._llm_client: httpx.AsyncClient | None = None
        risk = None
        if llm is not None and llm.enabled:
            self._llm_client = httpx.AsyncClient()
            risk = LlmRisk(llm, self._llm_client)
        speaker = speaker_of(db)  # the channel's language for what the defence says unasked
        self.response = RaidResponse(
            enforcer=self.enforcer,
            pages=self.pages,
            ages=self.ages,
            webhook=webhook,
            clock=clock,
            llm=risk,
            speaker=speaker,
        )
        self.hub = DefenceHub(
            store=self.store,
            ages=self.ages,
            on_raid=self.response.on_raid,
            on_active=self.response.on_active,
            rules=rules,
            protected=(moderator_id,),
        )
        self.response.hub = self.hub
        self.bans = BanRuns(
            db=db,
            enforcer=self.enforcer,
            capture_accounts=self._capture_accounts,
            clock=clock,
            say=self.response.say,
            speaker=speaker,
        )
        self._digest_task: asyncio.Task[None] | None = None

    # -- life -------------------------------------------------------------------------------------

    def on_stored(self, messages: Sequence[ChatMessage]) -> None:
        """The recorder's listener: every stored chat row comes here."""
        self.hub.on_stored(messages)

    def bind(self, say: Say) -> None:
        """How to say things in chat (bound by the bot's defence commands)."""
        self.response.bind(say)

    async def start(self) -> None:
        self.ages.start()
        self.hub.start()
        self._digest_task = asyncio.create_task(
            self.response.run_digests(self.digest_every_s), name="botcheck-notice-digest"
        )
        resumed = await self.bans.resume()
        if resumed:
            log.warning("%d ban run(s) were cut off by the last shutdown: resumed", resumed)

    async def close(self) -> None:
        await self.bans.halt_all()
        for task in [self._digest_task]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self.hub.close()
        await self.ages.close()
        if self._llm_client is not None:
            await self._llm_client.aclose()

    async def resolve(self, token: str) -> Path | None:
        """The report routes' resolver for raid pages."""
        return await self.pages.resolve(token)

    # -- settings ---------------------------------------------------------------------------------

    async def settings(self, channel_id: int) -> DefenceSettings:
        return (await self.hub.channel(channel_id)).settings

    async def change(self, settings: DefenceSettings) -> None:
        await self.store.save_settings(settings, at=self.clock())
        await self.hub.apply(settings)

    async def missing_scopes(self, mode: str) -> list[str]:
        """The scopes the bot's token lacks for a guard mode (timeout or shield) or bans."""
        token = await self.db.tokens.get(self.moderator_id)
        have = set(token.scopes) if token is not None else set()
        need = [SHIELD_SCOPE] if mode == "shield" else [BAN_SCOPE]
        return [s for s in need if s not in have]

    # -- acting -----------------------------------------------------------------------------------

    async def undo(self, channel_id: int) -> RunResult:
        """Lift everything the bot did in this channel in the last hour."""
        state = await self.hub.channel(channel_id)
        # First stop the guard: a timeout in flight finishes (and is lifted below), its queue
        # is dropped, and the raid in progress is not guarded again, or a raider's next line
        # would time them out once more after the undo.
        self.response.stop_guard(state)
        since = self.clock() - timedelta(seconds=UNDO_WINDOW_S)
        async with self.enforcer.lock(channel_id):
            cancelled = await self._cancel_guard_actions(channel_id, since)
            done = await self.store.actions(channel_id, since=since, states=(DONE,))
            result = await self.enforcer.lift(done)
            self.response.forget_guard(state)
        detail = result.sentence("lifted")
        if cancelled:
            detail += f", {cancelled} not yet sent cancelled"
        await self.enforcer.record(channel_id, "undo", result.stopped or "done", detail)
        return result

    async def _cancel_guard_actions(self, channel_id: int, since: datetime) -> int:
        """Settle the guard's actions that were never sent (its run stopped) as failed."""
        pending = await self.store.actions(channel_id, since=since, states=(PENDING,))
        guard = [a for a in pending if a.run_id is None]
        for action in guard:
            await self.store.settle(
                action.action_id, FAILED, at=self.clock(), detail="cancelled by !botcheck undo"
            )
        return len(guard)

    async def protected(self, channel_id: int) -> Collection[int]:
        """Who is never banned: the broadcaster, the bot, moderators and VIPs seen here."""
        state = await self.hub.channel(channel_id)
        return {channel_id, self.moderator_id, *state.protected}

    async def _capture_accounts(self, capture: Capture) -> list[Account]:
        chatters = await self.db.captures.chatters(capture.capture_id)
        known = await self.db.accounts.get_many(c.user_id for c in chatters)
        return [known.get(c.user_id) or Account(user_id=c.user_id, login=c.login) for c in chatters]
