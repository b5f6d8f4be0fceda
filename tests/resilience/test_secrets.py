"""Secrets: no token or client secret in the log of a whole run (at DEBUG, through the real
`botcheck run` logging set-up), the database and its WAL files are 0600, `.env` is ignored."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.twitch.oauth import auth_link
from tests.resilience.conftest import OWNER, ROOT, Channel, wait_for


def every_secret(sim: Any, codes: list[str]) -> set[str]:
    store = sim.state.tokens
    found = {sim.client_secret, *codes}
    for token in store._tokens.values():
        found.add(token.access_token)
        if token.refresh_token:
            found.add(token.refresh_token)
    return {s for s in found if s}


async def test_a_whole_run_logs_no_secret(bot_process: Any) -> None:
    # DEBUG: the most any setting lets through (INFO and up log a subset of the same lines).
    async with bot_process(
        [Channel("chan_a", "organic", 300)], extra={"BOTCHECK_LOG_LEVEL": "DEBUG"}
    ) as p:
        world = p.world
        codes: list[str] = []
        issue = world.tokens.issue_code

        def recording_issue(*args: Any, **kwargs: Any) -> str:
            code: str = issue(*args, **kwargs)
            codes.append(code)
            return code

        world.tokens.issue_code = recording_issue
        p.start()
        await p.wait_ready()
        public = p.env["BOTCHECK_PUBLIC_URL"]
        mod = p.moderators["chan_a"]
        # A check, with the bot's token expiring first: Helix refreshes it mid-run.
        for token in list(world.tokens._tokens.values()):
            if token.user_id is not None:
                world.expire_token(token.access_token)
        await world.say("chan_a", mod, "!botcheck")
        await wait_for(
            lambda: any("/r/" in m.text for m in world.sent_messages("chan_a")), timeout=60
        )
        async with httpx.AsyncClient(follow_redirects=True, timeout=20) as http:
            # An outsider, a forged callback (TwitchIO logs the failed exchange) and the owner.
            world.authorize_as(world.add_user("outsider"))
            await http.get(auth_link(public))
            await http.get(f"{public}/oauth/callback", params={"code": "forged0123456789"})
            world.authorize_as(world.user(OWNER))
            await http.get(auth_link(public, owner=True))
        await world.say("chan_a", mod, "!whois outsider")
        await wait_for(lambda: len(world.sent_messages("chan_a")) >= 2, timeout=20)
        assert await p.stop() == 0
        secrets = every_secret(p.sim, codes)
        log = p.log_text()

    assert len(secrets) >= 5  # the client secret, app and user tokens, refresh tokens, codes
    assert "authorization by outsider" in log  # the run did what this test needs
    assert "botcheck stopped" in log
    leaked = sorted(s for s in secrets if s in log)
    if leaked:  # say where, without repeating the secrets themselves
        where = [line[:80] for line in log.splitlines() if any(s in line for s in leaked)]
        pytest.fail(f"{len(leaked)} secret(s) in the log, in lines like: {where[:3]}")

    mode = stat.S_IMODE(p.db_path.stat().st_mode)
    assert mode == 0o600, oct(mode)


async def test_the_database_and_its_wal_files_are_private(make_env: Any, tmp_path: Path) -> None:
    async with make_env() as env:
        db_path = env.settings.db_path
        await env.running.services.db.tokens.all()
        files = [db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")]
        for f in files:
            assert f.exists(), f
            mode = stat.S_IMODE(f.stat().st_mode)
            assert mode == 0o600, (f.name, oct(mode))


def test_dotenv_and_databases_are_ignored_by_git() -> None:
    for name in (".env", "botcheck.db", "botcheck.db-wal", ".tio.tokens.json"):
        result = subprocess.run(
            ["git", "check-ignore", "--no-index", "-q", name], cwd=ROOT, check=False
        )
        assert result.returncode == 0, f"{name} is not ignored by git"
