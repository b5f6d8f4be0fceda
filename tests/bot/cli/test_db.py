"""`botcheck db copy` and `botcheck db check` (bot/cli/db.py), and the database settings."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import db as cli_db
from bot.settings import SettingsError, load_settings
from storage import Database
from tests.pgserver import PASSWORD

T0 = datetime(2026, 11, 20, tzinfo=UTC)


def db_cli_sync(*argv: str) -> int:
    """Run `botcheck db ...` as the command line does (its own event loop)."""
    parser = argparse.ArgumentParser(prog="botcheck db")
    cli_db.add_arguments(parser)
    return cli_db.run(parser.parse_args(argv))


async def filled(path: Path) -> Path:
    async with Database(path) as db:
        await db.channels.join(42, "chan", "Chan", at=T0)
        await db.audit.record(
            at=T0,
            channel_id=42,
            user_id=1,
            user_login="m",
            command="botcheck",
            args="",
            outcome="ok",
        )
    return path


async def test_copy_then_check_through_the_command_line(
    db_target: Path | str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = await filled(tmp_path / "source.db")
    target = str(db_target)

    async def db_cli(*argv: str) -> int:  # the command runs its own loop: off this one
        return await asyncio.to_thread(db_cli_sync, *argv)

    assert await db_cli("copy", "--from", str(source), "--to", target) == 0
    out = capsys.readouterr().out
    assert "counts verified" in out
    assert PASSWORD not in out
    assert await db_cli("check", "--url", target) == 0
    out = capsys.readouterr().out
    assert "channels" in out and "audit_log" in out
    assert PASSWORD not in out
    # A second copy into the now non-empty target is refused, then allowed with --force.
    assert await db_cli("copy", "--from", str(source), "--to", target) == 1
    assert "--force" in capsys.readouterr().err
    assert await db_cli("copy", "--from", str(source), "--to", target, "--force") == 0


def test_a_url_of_another_scheme_is_one_sentence_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert db_cli_sync("check", "--url", "mysql://u:hunter2@h/db") == 2
    err = capsys.readouterr().err
    assert "postgresql://" in err and "hunter2" not in err


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        pytest.param({}, Path("botcheck.db"), id="default-sqlite"),
        pytest.param({"BOTCHECK_DB": "x/y.db"}, Path("x/y.db"), id="sqlite-file"),
        pytest.param(
            {"BOTCHECK_DATABASE_URL": "postgresql://u:pw@h:5432/d"},
            "postgresql://u:pw@h:5432/d",
            id="postgres-url",
        ),
    ],
)
def test_the_settings_name_one_database(environ: dict[str, str], expected: Path | str) -> None:
    assert load_settings(environ).database == expected


def test_a_bad_database_url_setting_never_echoes_the_password() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"BOTCHECK_DATABASE_URL": "redis://:hunter2@h/0"})
    message = str(caught.value)
    assert message.startswith("BOTCHECK_DATABASE_URL")
    assert "hunter2" not in message
    assert "hunter2" not in repr(
        load_settings({"BOTCHECK_DATABASE_URL": "postgres://u:hunter2@h/d"})
    )
