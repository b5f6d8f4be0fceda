"""BOTCHECK_CONDUIT_SHARDS and BOTCHECK_PROCESS_NAME."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings

PG = "postgresql://u:pw@127.0.0.1:5432/botcheck"


def test_conduit_mode_on_sqlite_is_refused_in_one_sentence() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"BOTCHECK_CONDUIT_SHARDS": "4"})
    message = str(info.value)
    assert message.startswith("BOTCHECK_CONDUIT_SHARDS needs PostgreSQL")
    assert message.count(". ") == 0 and message.endswith(".")


@pytest.mark.parametrize(
    ("environ", "shards", "name"),
    [
        pytest.param({}, None, None, id="off-by-default"),
        pytest.param(
            {"BOTCHECK_DATABASE_URL": PG, "BOTCHECK_CONDUIT_SHARDS": "16"}, 16, None, id="on"
        ),
        pytest.param({"BOTCHECK_PROCESS_NAME": "web-2"}, None, "web-2", id="named"),
    ],
)
def test_conduit_settings(environ: dict[str, str], shards: int | None, name: str | None) -> None:
    settings = load_settings(environ)
    assert settings.conduit_shards == shards
    if name is None:
        assert settings.process_name.rsplit("-", 1)[-1].isdigit()  # host name and pid
    else:
        assert settings.process_name == name


@pytest.mark.parametrize("value", [pytest.param("0", id="zero"), pytest.param("20001", id="big")])
def test_shard_count_is_bounded(value: str) -> None:
    with pytest.raises(SettingsError, match="BOTCHECK_CONDUIT_SHARDS"):
        load_settings({"BOTCHECK_DATABASE_URL": PG, "BOTCHECK_CONDUIT_SHARDS": value})
