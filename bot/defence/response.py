"""What the bot does when a channel's detector trips: alert, raid page, guard; and the quiet
first-message digest.

- Alert: one chat message to the moderators ("Raid alert: ..." with the raid page's link),
  at most one per `alert_every_s` per channel unless the raid turned more severe; the same
  line to the Discord webhook; an audit row. An optional LLM second opinion is added to the
  Discord line and the audit (never to chat: it costs a round trip).
- Guard (only when the broadcaster turned it on): during a hostile raid, time out each of its
  accounts once (or turn shield mode on once), through `Enforcer`: paced, recorded, undoable.
  Moderators, VIPs and the broadcaster are never touched; an honest raid never.
- Digest: every `digest_every_s`, one chat line listing the first-time chatters whose accounts
  are under the channel's N days (never one message per chatter).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from bot.defence.ages import AccountAges
from bot.defence.enforcer import SHIELD_ON, TIMED_OUT, Enforcer
from bot.defence.hub import ChannelState, DefenceHub
from bot.defence.moderation import Outcome
from bot.defence.pages import RaidPages
from bot.speaking import SpeakerOf, english
from reports.i18n import Speaker, said
from reports.raid_model import Raid, RaidKind
from reports.raids import RaidDetector
from reports.risk import category_word
from reports.risk_llm import LlmRisk

log = logging.getLogger(__name__)

Say = Callable[[int, str], Awaitable[None]]
_SEVERITY = {RaidKind.HONEST: 0, RaidKind.SPAM: 1, RaidKind.HATE: 2}
MAX_CHAT = 500


class Webhook(Protocol):
    """The Discord webhook (`bot.streams.alerts.Alerts`)."""

    @property
    def enabled(self) -> bool: ...

    async def post(self, content: str) -> bool: ...


class RaidResponse:
    """Alert, page and guard for tripped raids; the first-message digest."""

    def __init__(
        self,
        *,
        enforcer: Enforcer,
        pages: RaidPages,
        ages: AccountAges,
        webhook: Webhook | None,
        clock: Callable[[], datetime],
        llm: LlmRisk | None = None,
        alert_every_s: float = 120.0,
        monotonic: Callable[[], float] = time.monotonic,
        speaker: SpeakerOf = english,
    ) -> None:
        self.speaker = speaker
        self.enforcer = enforcer
        self.pages = pages
        self.ages = ages
        self.webhook = webhook
        self.clock = clock
        self.llm = llm
        self.alert_every_s = alert_every_s
        self._monotonic = monotonic
        self._say: Say | None = None
        self._last_alert: dict[int, tuple[float, RaidKind]] = {}
        self._acted: dict[int, set[int]] = {}  # channel -> accounts the guard acted on
        self._shielded: set[int] = set()
        self._guarding: dict[int, Raid] = {}  # channel -> newest raid waiting for the guard
        self._halted: set[int] = set()  # channels whose guard must stop between two actions
        self._undone: dict[int, tuple[RaidDetector, int]] = {}  # channel -> the raid undone
        self._told: set[tuple[int, Outcome]] = set()
        self.hub: DefenceHub | None = None
        self.alerts: list[tuple[int, Raid, str]] = []  # channel, raid, page link (read-out)

    def bind(self, say: Say) -> None:
        """Say things in chat with this (the bot binds it when its commands load)."""
        self._say = say

    async def say(self, channel_id: int, text: str) -> None:
        if self._say is None:
            log.warning("no chat to tell channel %d: %s", channel_id, text)
            return
        try:
            await self._say(channel_id, text[:MAX_CHAT])
        except Exception:
            log.exception("could not say in channel %d", channel_id)

    # -- alerts -----------------------------------------------------------------------------------

    async def on_raid(self, state: ChannelState, raid: Raid) -> None:
        """Alert once (rate-limited), write the raid page, tell Discord, audit."""
        channel_id = state.channel_id
        now = self._monotonic()
        last = self._last_alert.get(channel_id)
        if (
            last is not None
            and now - last[0] < self.alert_every_s
            and _SEVERITY[raid.kind] <= _SEVERITY[last[1]]
        ):
            return
        self._last_alert[channel_id] = (now, raid.kind)
        tr = await self.speaker(channel_id)
        links = await self.pages.write(raid, tr)
        self.alerts.append((channel_id, raid, links.page))
        line = tr.say("{headline}. Details: {link}", headline=raid.headline(tr), link=links.page)
        await self.say(channel_id, line)
        opinion = said_opinion = ""
        if self.llm is not None and self.llm.config.enabled:
            risk = await self.llm.assess([m.text for m in raid.messages])
            if risk is not None:
                opinion = f" Model: {risk.category.value} {risk.score:.2f} ({risk.justification})"
                said_opinion = " " + tr.say(
                    "Model: {category} {score} ({why})",
                    category=said(category_word(risk.category), tr),
                    score=f"{risk.score:.2f}",
                    why=risk.justification,  # the model's own words
                )
        if self.webhook is not None and self.webhook.enabled:
            post = tr.say("botcheck in channel {channel}: {line}", channel=channel_id, line=line)
            await self.webhook.post(post + said_opinion)
        await self.enforcer.record(
            channel_id,
            "raid-alert",
            raid.kind.value,
            f"{len(raid.accounts)} accounts, risk {raid.risk.score:.2f} {raid.risk.category.value}"
            f"; {links.page}{opinion}",
        )

    # -- the guard --------------------------------------------------------------------------------

    def on_active(self, state: ChannelState, raid: Raid) -> None:
        """A hostile raid is in progress: let the guard act if the channel turned it on."""
        if state.settings.guard == "off" or self.hub is None or self._was_undone(state):
            return
        channel_id = state.channel_id
        waiting = channel_id in self._guarding
        self._guarding[channel_id] = raid
        if not waiting:
            self.hub.spawn(self._guard(state), "botcheck-guard")

    async def _guard(self, state: ChannelState) -> None:
        channel_id = state.channel_id
        store = self.enforcer.store
        async with self.enforcer.lock(channel_id):
            while channel_id not in self._halted and (raid := self._guarding.pop(channel_id, None)):
                if state.settings.guard == "shield":
                    if channel_id in self._shielded:
                        continue
                    self._shielded.add(channel_id)
                    actions = await store.add_actions(
                        channel_id, "shield", [(None, "")], at=self.clock()
                    )
                    verb = SHIELD_ON
                else:
                    acted = self._acted.setdefault(channel_id, set())
                    targets = [
                        (a.user_id, a.login)
                        for a in raid.accounts
                        if a.user_id not in acted and a.user_id not in state.protected
                    ]
                    if not targets:
                        continue
                    acted.update(uid for uid, _ in targets)
                    actions = await store.add_actions(
                        channel_id, "timeout", targets, at=self.clock()
                    )
                    verb = TIMED_OUT
                result = await self.enforcer.carry_out(
                    actions,
                    reason=f"botcheck guard: {raid.kind.value} raid",
                    halt=lambda: channel_id in self._halted,
                )
                outcome = "halted" if result.halted else result.stopped or "done"
                await self.enforcer.record(channel_id, "guard", outcome, result.sentence(verb))
                if result.stopped is not None:
                    await self._tell_stop(channel_id, result.stopped)
                    if result.stopped is not Outcome.UNAVAILABLE:
                        return

    async def _tell_stop(self, channel_id: int, outcome: Outcome) -> None:
        if (channel_id, outcome) in self._told:
            return
        self._told.add((channel_id, outcome))
        tr = await self.speaker(channel_id)
        if outcome is Outcome.NO_SCOPE:
            text = tr.say(
                "Raid guard could not act: the bot lacks the scope moderator:manage:banned_users "
                "(or moderator:manage:shield_mode). The bot account must authorize again; "
                "type !botcheck guard on for the link."
            )
        elif outcome is Outcome.NOT_MODERATOR:
            text = tr.say("Raid guard could not act: the bot is not a moderator here any more.")
        else:
            text = tr.say(
                "Raid guard paused: Twitch is not answering; moderators, please act by hand."
            )
        await self.say(channel_id, text)

    def _was_undone(self, state: ChannelState) -> bool:
        mark = self._undone.get(state.channel_id)
        return mark is not None and mark == (state.detector, state.detector.raids)

    def stop_guard(self, state: ChannelState) -> None:
        """Before undo: drop the raid waiting for the guard, stop a running guard between two
        actions (the one in flight finishes and is lifted with the rest), and ignore the raid in
        progress from now on: only a new raid sets the guard off again."""
        channel_id = state.channel_id
        self._undone[channel_id] = (state.detector, state.detector.raids)
        self._guarding.pop(channel_id, None)
        self._halted.add(channel_id)

    def forget_guard(self, state: ChannelState) -> None:
        """After undo (under the channel's lock): the guard may act on these accounts again in
        a later raid, and one that tripped during the undo is guarded now."""
        channel_id = state.channel_id
        self._halted.discard(channel_id)
        self._acted.pop(channel_id, None)
        self._shielded.discard(channel_id)
        self._told = {t for t in self._told if t[0] != channel_id}
        if channel_id in self._guarding and self.hub is not None:
            self.hub.spawn(self._guard(state), "botcheck-guard")

    # -- the first-message digest -----------------------------------------------------------------

    async def digest(self, state: ChannelState) -> str | None:
        """Say (and return) one line of young first-time chatters, or None when none."""
        days = state.settings.notice_days
        if days is None:
            state.newcomers.clear()
            return None
        now = self.clock()
        young: list[tuple[datetime, str]] = []
        waiting: dict[int, str] = {}
        for uid, login in state.newcomers.items():
            created = self.ages.created(uid)
            if created is None:
                waiting[uid] = login  # not looked up yet: next time
            elif (now - created).total_seconds() < days * 86_400:
                young.append((created, login))
        state.newcomers = waiting if len(waiting) < 10_000 else {}
        if not young:
            return None
        young.sort(reverse=True)
        tr = await self.speaker(state.channel_id)
        head = tr.say(
            "New here with accounts under {days} days ({count}): ", days=days, count=len(young)
        )
        names: list[str] = []
        for created, login in young:
            item = f"{login} ({_age(now, created, tr)})"
            if len(head) + len(", ".join([*names, item])) > MAX_CHAT - 20:
                break
            names.append(item)
        text = head + ", ".join(names)
        if len(names) < len(young):
            text += tr.say(" and {count} more", count=len(young) - len(names))
        await self.say(state.channel_id, text + ".")
        return text

    async def run_digests(self, every_s: float) -> None:
        """Say each channel's digest every `every_s` (a background loop)."""
        while True:
            await asyncio.sleep(every_s)
            if self.hub is None:
                continue
            for state in list(self.hub.channels.values()):
                with contextlib.suppress(Exception):
                    await self.digest(state)


def _age(now: datetime, created: datetime, tr: Speaker) -> str:
    seconds = max(0.0, (now - created).total_seconds())
    if seconds < 86_400:
        return tr.say("{hours} h", hours=max(1, round(seconds / 3600)))
    return tr.say("{days} d", days=round(seconds / 86_400))
