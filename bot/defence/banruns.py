"""`!botcheck ban` on the channel's last check: the plan, the confirmation, the paced run,
its resumption after a restart, and `!botcheck unban` of the last run.

The plan comes from `reports.banplan`: only accounts in a wave or a burst, never one flagged
only as young or listed, never anyone who wrote in this channel before the day of the check
(a regular, whatever their flags) nor anyone protected (the broadcaster, the bot, and everyone
seen here with a moderator or VIP badge). A plan waits `confirm_s` for `!botcheck ban confirm`.
A confirmed run is written to storage (the run and one pending ban per account) before the
first ban, so after a restart `resume()` finishes it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.defence.enforcer import BANNED, Enforcer, RunResult
from bot.defence.moderation import Outcome
from bot.speaking import SpeakerOf, english
from reports.analysis import analyze
from reports.banplan import BanPlan, ban_plan
from storage.defence import DONE, PENDING, RUNNING, STOPPED, UNDONE, BanRun
from storage.engine import Store
from storage.models import Account, Capture, CaptureStatus

log = logging.getLogger(__name__)

CONFIRM_S = 60.0
REGULAR_BEFORE = timedelta(days=1)  # wrote here before the check's day: a regular
RETRY_S = 30.0  # a run paused by Twitch (429 storm, 5xx) is tried again after this


@dataclass(frozen=True, slots=True)
class Proposal:
    """A plan waiting for `!botcheck ban confirm`."""

    channel_id: int
    capture: Capture
    plan: BanPlan
    asked_at: float


class BanRuns:
    """Plans, runs, resumes and undoes ban runs (see the module docstring)."""

    def __init__(
        self,
        *,
        db: Store,
        enforcer: Enforcer,
        capture_accounts: Callable[[Capture], Awaitable[list[Account]]],
        clock: Callable[[], datetime],
        say: Callable[[int, str], Awaitable[None]],
        confirm_s: float = CONFIRM_S,
        retry_s: float = RETRY_S,
        monotonic: Callable[[], float] = time.monotonic,
        speaker: SpeakerOf = english,
    ) -> None:
        self._speaker = speaker
        self.enforcer = enforcer
        self.store = enforcer.store
        self._db = db
        self._capture_accounts = capture_accounts
        self.clock = clock
        self._say = say
        self.confirm_s = confirm_s
        self.retry_s = retry_s
        self._monotonic = monotonic
        self._asked: dict[int, Proposal] = {}
        self.tasks: dict[int, asyncio.Task[RunResult]] = {}  # run id -> its task
        self._halt: set[int] = set()  # runs asked to stop between two bans

    async def propose(
        self, channel_id: int, latest: Capture | None, protected: Collection[int]
    ) -> Proposal | None:
        """Plan a run on the channel's last check and keep it for confirmation."""
        if latest is None or latest.status not in (CaptureStatus.COMPLETE, CaptureStatus.PARTIAL):
            return None
        accounts = await self._capture_accounts(latest)
        now = latest.finished_at or latest.started_at
        analysis = await asyncio.to_thread(analyze, accounts, now=now)
        flagged = [a.user_id for a in accounts if analysis.flags.get(a.user_id, 0)]
        earlier = await self.store.wrote_before(
            channel_id, flagged, latest.started_at - REGULAR_BEFORE
        )
        plan = ban_plan(analysis, accounts, earlier_chatters=earlier, protected=protected)
        proposal = Proposal(channel_id, latest, plan, self._monotonic())
        self._asked[channel_id] = proposal
        return proposal

    def confirmable(self, channel_id: int) -> Proposal | None:
        """The proposal still within its confirmation window, if any."""
        proposal = self._asked.get(channel_id)
        if proposal is None or self._monotonic() - proposal.asked_at > self.confirm_s:
            return None
        return proposal

    async def confirm(self, channel_id: int, requested_by: str) -> BanRun | None:
        """Start the proposed run (in the background); None when nothing waits."""
        proposal = self.confirmable(channel_id)
        if proposal is None or not proposal.plan.ban:
            return None
        del self._asked[channel_id]
        run = await self.store.new_run(
            channel_id,
            [(a.user_id, a.login) for a in proposal.plan.ban],
            capture_id=proposal.capture.capture_id,
            requested_by=requested_by,
            at=self.clock(),
        )
        self.start(run)
        return run

    def start(self, run: BanRun) -> asyncio.Task[RunResult]:
        task = asyncio.create_task(self._work(run), name=f"botcheck-ban-run-{run.run_id}")
        self.tasks[run.run_id] = task
        task.add_done_callback(lambda _t: self.tasks.pop(run.run_id, None))
        return task

    async def resume(self) -> int:
        """Start again every run a restart cut off; return how many."""
        runs = await self.store.runs(state=RUNNING)
        for run in runs:
            log.info("resuming ban run %d in channel %d", run.run_id, run.channel_id)
            self.start(run)
        return len(runs)

    async def halt(self, run_id: int, timeout_s: float = 30.0) -> None:
        """Stop a run between two bans and wait for it (cancel only past `timeout_s`)."""
        task = self.tasks.get(run_id)
        if task is None:
            return
        self._halt.add(run_id)
        _, late = await asyncio.wait({task}, timeout=timeout_s)
        for t in late:
            t.cancel()
        self._halt.discard(run_id)

    async def halt_all(self) -> None:
        """On shutdown: stop every run between two bans; the next start resumes them."""
        await asyncio.gather(*(self.halt(run_id, 5.0) for run_id in list(self.tasks)))

    async def _work(self, run: BanRun) -> RunResult:
        total = RunResult()
        while True:
            async with self.enforcer.lock(run.channel_id):
                pending = await self.store.actions(
                    run.channel_id, run_id=run.run_id, states=(PENDING,)
                )
                result = await self.enforcer.carry_out(
                    pending,
                    reason=f"botcheck ban run {run.run_id} by {run.requested_by}",
                    halt=lambda: run.run_id in self._halt,
                )
            if result.halted:  # still `running` in storage: the next start resumes it
                self._halt.discard(run.run_id)
                return result
            total = RunResult(
                total.done + result.done,
                total.refused + result.refused,
                result.left,
                result.stopped,
                result.detail,
            )
            if result.stopped is not Outcome.UNAVAILABLE:
                break
            await self.enforcer.record(
                run.channel_id, "ban-run", "paused", total.sentence("banned")
            )
            for _ in range(max(1, round(self.retry_s / 0.05))):
                if run.run_id in self._halt:
                    break
                await asyncio.sleep(min(self.retry_s, 0.05))
        state = DONE if total.stopped is None else STOPPED
        await self.store.set_run_state(run.run_id, state)
        sentence = total.sentence("banned")
        await self.enforcer.record(
            run.channel_id, "ban-run", state, f"run {run.run_id}: {sentence}", by=run.requested_by
        )
        tr = await self._speaker(run.channel_id)
        said = tr.say("Ban run {run}: {result}.", run=run.run_id, result=total.sentence(BANNED, tr))
        await self._say(run.channel_id, said)
        return total

    async def unban_last(self, channel_id: int) -> tuple[BanRun | None, RunResult]:
        """Lift every ban of the channel's last run (stopping it first if still going)."""
        run = await self.store.last_run(channel_id)
        if run is None or run.state == UNDONE:
            return None, RunResult()
        await self.halt(run.run_id)
        async with self.enforcer.lock(channel_id):
            await self.store.set_run_state(run.run_id, UNDONE)
            done = await self.store.actions(channel_id, run_id=run.run_id, states=(DONE,))
            result = await self.enforcer.lift(done)
        await self.enforcer.record(
            channel_id,
            "unban",
            result.stopped or "done",
            f"run {run.run_id}: " + result.sentence("unbanned"),
        )
        return run, result
