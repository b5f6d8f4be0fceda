"""Any failure inside a command gets one plain answer, one audit row and a logged cause."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.capture import CaptureResult
from bot.checks import Checks
from bot.pages import BuiltReport
from bot.services import Services
from commands.common import FAILED
from storage import StorageUnavailable
from storage.channel_state import ChannelMarks
from tests.e2e import conftest as e2e
from tests.simworld import VIEWER

make_env = e2e.make_env  # the e2e fixture: twitchsim + the running bot

SECRET = "db password is hunter2"


class BrokenReports:
    """Reports whose build fails the way a bug would (the exception text must stay out of chat)."""

    def links(self, token: str) -> Any:
        raise AssertionError("not used")

    def read_along(self, channel_id: int) -> None:
        return None

    async def prepare(
        self,
        result: CaptureResult,
        *,
        window: Any = None,
        settled: Any = None,
        along: Any = None,
    ) -> BuiltReport:
        raise RuntimeError(SECRET)

    def directory(self, token: str) -> Path:
        raise AssertionError("not used")


def broken_checks(services: Services) -> Services:
    checks = Checks(capturer=services.capturer, reports=BrokenReports())  # type: ignore[arg-type]
    return dataclasses.replace(services, checks=checks)


async def test_a_failing_service_gets_one_plain_answer_an_audit_row_and_a_logged_cause(
    make_env: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with make_env(cooldown_s=0, adjust=broken_checks) as env:
        mod = env.moderators["chan_a"]
        await env.say("chan_a", mod, "!botcheck")
        sent = await env.wait_sent("chan_a", 1)
        await env.say("chan_a", mod, "!botcheck")  # fails again: audited, not said again
        await e2e.wait_for(lambda: _audited(caplog) == 2, what="two audited failures")
        await asyncio.sleep(0.3)
        assert env.sent("chan_a") == [FAILED]
        assert SECRET not in sent[0] and "Traceback" not in sent[0]
        rows = await env.running.services.db.audit.recent(limit=10)
        assert [(r.command, r.outcome, r.detail) for r in rows] == [
            ("botcheck", "error", "RuntimeError"),
            ("botcheck", "error", "RuntimeError"),
        ]
    failures = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert len(failures) == 2
    assert all(SECRET in str(r.exc_info[1]) for r in failures if r.exc_info)
    # TwitchIO's own handler does not log the same failure once more.
    assert not [r for r in caplog.records if "Ignoring exception in command" in r.getMessage()]


def _audited(caplog: pytest.LogCaptureFixture) -> int:
    return sum("-> error" in r.getMessage() for r in caplog.records)


async def test_unknown_commands_from_viewers_are_not_errors(
    make_env: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_env() as env:
        await env.say("chan_a", VIEWER, "!nosuchcommand please")
        await env.say("chan_a", VIEWER, "!so somebody")
        await env.say("chan_a", VIEWER, "!report")  # answered: the two before were dispatched
        await env.wait_sent("chan_a", 1)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


class _MarksThatRefuseTheCooldown(ChannelMarks):
    """The channel's marks, except that storing a cooldown fails as `failure` says."""

    def __init__(self, db: Any, failure: Exception) -> None:
        super().__init__(db)
        self.failure = failure

    async def set(self, channel_id: int, name: str, *, until: Any, now: Any, by: str = "") -> None:
        if name == "cooldown":
            raise self.failure
        await super().set(channel_id, name, until=until, now=now, by=by)


@pytest.mark.parametrize(
    "failure",
    [StorageUnavailable("database gone"), RuntimeError("a bug")],
    ids=["storage-refuses", "a-bug"],
)
async def test_a_cooldown_that_cannot_be_stored_never_holds_back_the_answer(
    make_env: Any, caplog: pytest.LogCaptureFixture, failure: Exception
) -> None:
    # The cooldown is stored while the answer goes out: its failure is logged, the answer and
    # the next !botcheck are not held up by it (nothing armed: the next one runs at once).
    async with make_env(cooldown_s=600) as env:
        db = env.running.services.db
        db.marks = _MarksThatRefuseTheCooldown(db, failure)
        mod = env.moderators["chan_a"]
        await env.say("chan_a", mod, "!botcheck")
        first = await env.wait_sent("chan_a", 1)
        assert "/r/" in first[0], first
        await env.say("chan_a", mod, "!botcheck")
        second = await env.wait_sent("chan_a", 2)
        assert "/r/" in second[1], second
    # Only our own message: a test's temporary path names "cooldown" too, in other loggers' lines.
    logged = [
        r for r in caplog.records if r.name == "commands.botcheck" and "cooldown" in r.getMessage()
    ]
    assert len(logged) == 2 and all(r.levelno >= logging.WARNING for r in logged), logged


async def test_an_audit_row_sqlite_finds_locked_once_is_stored_on_the_second_try(
    make_env: Any,
) -> None:
    async with make_env(cooldown_s=0) as env:
        audit = env.running.services.db.audit
        record = audit.record
        refused: list[str] = []

        async def locked_once(**row: Any) -> None:
            if not refused:
                refused.append(row["command"])
                raise sqlite3.OperationalError("database is locked")
            await record(**row)

        audit.record = locked_once
        await env.say("chan_a", env.moderators["chan_a"], "!botcheck help")
        await env.wait_sent("chan_a", 1)
        for _ in range(100):
            rows = await env.running.services.db.audit.recent(limit=5)
            if rows:
                break
            await asyncio.sleep(0.05)
        assert refused == ["botcheck"]
        assert [r.command for r in rows] == ["botcheck"]
