"""Carry out the bot's moderation actions one at a time: paced, recorded, undoable.

Every action is a row in storage (`storage.defence`) written *pending* before Twitch is asked
and settled after (done, failed), so a restart resumes from the pending rows and undo lifts
exactly what was done. Calls are spaced by `interval_s` on top of the shared Helix limiter
(800 points a minute per token): a run of 500 bans takes about 50 s at the default 0.1 s and
leaves the rest of the bucket to captures and lookups. An outcome that stops a run (the bot
unmodded, a scope missing, Twitch unavailable past its waits) leaves the rest pending.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.defence import moderation
from bot.defence.moderation import Outcome
from bot.helix import Helix
from reports.i18n import ENGLISH, N_, Speaker
from storage.audit import Audit
from storage.defence import DONE, FAILED, PENDING, UNDONE, Action, DefenceStore

log = logging.getLogger(__name__)

GUARD_TIMEOUT_S = 3600  # a guard timeout: an hour, long enough to outlast the raid
UNDO_WINDOW_S = 3600.0  # `!botcheck undo` lifts what the bot did in the last hour
# The verbs of `RunResult.sentence`, translated where the sentence is said.
BANNED, UNBANNED, LIFTED = N_("banned"), N_("unbanned"), N_("lifted")
TIMED_OUT, SHIELD_ON = N_("timed out"), N_("shield mode on")


@dataclass(frozen=True, slots=True)
class RunResult:
    """How a batch of actions went."""

    done: int = 0
    refused: int = 0
    left: int = 0  # still pending (the run stopped)
    stopped: Outcome | None = None
    detail: str = ""
    halted: bool = False  # asked to stop between two actions (shutdown, unban): resumable

    def sentence(self, verb: str, tr: Speaker = ENGLISH) -> str:
        """Return a summary in `tr`'s words, e.g. "banned 12, 1 refused by Twitch".

        `verb` is one of the marked verbs (`BANNED`, `LIFTED`, ...), translated here.
        """
        parts = [tr.say("{verb} {count}", verb=tr.say(verb), count=self.done)]
        if self.refused:
            parts.append(tr.say("{count} refused by Twitch", count=self.refused))
        if self.stopped is Outcome.NOT_MODERATOR:
            parts.append(
                tr.say(
                    "stopped with {count} left: I am no longer a moderator here", count=self.left
                )
            )
        elif self.stopped is Outcome.NO_SCOPE:
            parts.append(
                tr.say(
                    "stopped with {count} left: my token lacks a moderation scope", count=self.left
                )
            )
        elif self.stopped is Outcome.UNAVAILABLE:
            parts.append(
                tr.say(
                    "paused with {count} left: Twitch is not answering, I will resume",
                    count=self.left,
                )
            )
        return ", ".join(parts)


class Enforcer:
    """Ban, time out, shield and undo through Helix, one call at a time per channel."""

    def __init__(
        self,
        *,
        store: DefenceStore,
        audit: Audit,
        helix: Helix,
        moderator_id: int,
        clock: Callable[[], datetime],
        interval_s: float = 0.1,
    ) -> None:
        self.store = store
        self.audit = audit
        self.helix = helix
        self.moderator_id = moderator_id
        self.clock = clock
        self.interval_s = interval_s
        self._locks: dict[int, asyncio.Lock] = {}

    def lock(self, channel_id: int) -> asyncio.Lock:
        return self._locks.setdefault(channel_id, asyncio.Lock())

    async def _one(self, action: Action, reason: str) -> tuple[Outcome, str]:
        if action.kind == "shield":
            return await moderation.shield(
                self.helix, action.channel_id, self.moderator_id, active=True
            )
        assert action.user_id is not None
        duration = GUARD_TIMEOUT_S if action.kind == "timeout" else None
        return await moderation.ban(
            self.helix,
            action.channel_id,
            self.moderator_id,
            action.user_id,
            duration_s=duration,
            reason=reason,
        )

    async def carry_out(
        self,
        actions: Sequence[Action],
        *,
        reason: str,
        halt: Callable[[], bool] = lambda: False,
    ) -> RunResult:
        """Do the pending actions in order; stop at an outcome that stops a run, or between two
        actions when `halt()` says so (never mid-call: a task cancelled inside a database
        transaction would leave the connection in it)."""
        done = refused = 0
        todo = [a for a in actions if a.state == PENDING]
        for i, action in enumerate(todo):
            if i:
                await asyncio.sleep(self.interval_s)
            if halt():
                return RunResult(done, refused, len(todo) - i, None, "halted", halted=True)
            outcome, detail = await self._one(action, reason)
            if outcome.stops:
                log.warning(
                    "moderation in channel %d stopped: %s (%s)", action.channel_id, outcome, detail
                )
                return RunResult(done, refused, len(todo) - i, outcome, detail)
            state = DONE if outcome is Outcome.DONE else FAILED
            await self.store.settle(action.action_id, state, at=self.clock(), detail=detail)
            if state == DONE:
                done += 1
            else:
                refused += 1
        return RunResult(done, refused)

    async def lift(self, actions: Sequence[Action]) -> RunResult:
        """Undo done actions (unban, lift a timeout, shield mode off), newest first."""
        lifted = refused = 0
        todo = [a for a in reversed(actions) if a.state == DONE]
        for i, action in enumerate(todo):
            if i:
                await asyncio.sleep(self.interval_s)
            if action.kind == "shield":
                outcome, detail = await moderation.shield(
                    self.helix, action.channel_id, self.moderator_id, active=False
                )
            else:
                assert action.user_id is not None
                outcome, detail = await moderation.unban(
                    self.helix, action.channel_id, self.moderator_id, action.user_id
                )
            if outcome.stops:
                return RunResult(lifted, refused, len(todo) - i, outcome, detail)
            if outcome is Outcome.DONE:
                lifted += 1
                await self.store.settle(action.action_id, UNDONE, at=self.clock(), detail=detail)
            else:
                refused += 1
        return RunResult(lifted, refused)

    async def record(
        self, channel_id: int, command: str, outcome: str, detail: str, *, by: str = "botcheck"
    ) -> None:
        """Write one audit row for what the bot did on its own or for a moderator."""
        log.info("audit channel %d: %s -> %s (%s)", channel_id, command, outcome, detail)
        await self.audit.record(
            at=self.clock(),
            channel_id=channel_id,
            user_id=None,
            user_login=by,
            command=command,
            args="",
            outcome=outcome,
            detail=detail[:500],
        )
