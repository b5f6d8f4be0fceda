"""The capture's compact accounts answer what the analysis asks as the full ones do."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from bot.capture.slim import slim, slim_known, slim_looked_up
from storage.models import Account, BriefAccount, LookedUp

T = datetime(2020, 5, 1, tzinfo=UTC)
DEFAULT = "https://static-cdn.jtvnw.net/user-default-pictures-uv/13e5fa74-default-300x300.png"
OWN = "https://static-cdn.jtvnw.net/jtv_user_pictures/abc-profile_image-300x300.png"


@pytest.mark.parametrize(
    ("avatar", "description"),
    [
        pytest.param(DEFAULT, "", id="default-avatar-empty"),
        pytest.param(OWN, "hello there", id="own-avatar-description"),
        pytest.param("", "   ", id="no-avatar-blank"),
        pytest.param(OWN, "", id="own-avatar-empty"),
    ],
)
def test_slim_keeps_what_the_analysis_reads(avatar: str, description: str) -> None:
    full = Account(
        7, "alice", "Alice", T, "staff", "affiliate", avatar, description, looked_up_at=T
    )
    small = slim(full, "alice", "Alice")
    assert (small.user_id, small.login, small.display_name, small.created_at) == (
        7,
        "alice",
        "Alice",
        T,
    )
    assert small.default_avatar == full.default_avatar
    assert bool(small.description.strip()) == bool(full.description.strip())
    assert small.gone_at is None


@pytest.mark.parametrize("avatar", [DEFAULT, OWN, ""])
@pytest.mark.parametrize("description", ["", "  ", "hello"])
@pytest.mark.parametrize("names", [("alice", "Alice"), ("alice_new", "Alice_New")])
def test_slim_of_a_row_is_slim_of_its_account(
    avatar: str, description: str, names: tuple[str, str]
) -> None:
    row = LookedUp(7, "alice", "Alice", T, "staff", "affiliate", avatar, description, T)
    assert slim_looked_up(row, *names) == slim(Account(*row), *names)
    unknown_age = row._replace(created_at=None)
    assert slim_looked_up(unknown_age, *names) == slim(Account(*unknown_age), *names)


def test_a_row_s_fields_are_the_first_of_an_account_s_in_order() -> None:
    names = [f.name for f in dataclasses.fields(Account)]
    assert list(LookedUp._fields) == names[: len(LookedUp._fields)]  # Account(*row) relies on it


def test_slim_of_a_row_shares_the_chatter_names() -> None:
    login, name = "".join(["bo", "b"]), "".join(["Bo", "b"])
    small = slim_looked_up(LookedUp(8, "bob", "Bob", T, "", "", OWN, "", T), login, name)
    assert small.login is login and small.display_name is name


def test_slim_shares_the_chatter_names_and_keeps_a_different_login() -> None:
    login, name = "".join(["bo", "b"]), "".join(["Bo", "b"])
    full = Account(8, "bob", "Bob", T)
    small = slim(full, login, name)
    assert small.login is login and small.display_name is name
    other = slim(full, "robert", "Robert")
    assert (other.login, other.display_name) == ("bob", "Bob")


@pytest.mark.parametrize(
    ("avatar", "expected"),
    [
        pytest.param(0, "", id="none"),
        pytest.param(1, "user-default-pictures", id="default"),
        pytest.param(2, "own-picture", id="own"),
    ],
)
def test_slim_known_takes_the_chatter_list_names(avatar: int, expected: str) -> None:
    brief = BriefAccount(7, "alice_old", "Alice_Old", int(T.timestamp()), None, avatar, " x ")
    login, name = "alice", "Alice"
    small = slim_known(brief, login, name)
    assert small.login is login and small.display_name is name  # shared, not copied
    assert small.created_at == T and small.gone_at is None
    assert small.profile_image_url == expected and small.description
