"""The compact account a capture keeps: what the analysis and the report files read, no more.

A 100,000-chatter capture holds every chatter's account until its report is written. Get Users
(and storage) give each one its avatar URL, its description, its type and the times we saw it,
about 0.4 KB of strings an account that no analysis reads: the analysis asks only whether the
avatar is one of Twitch's defaults and whether the description is empty. `slim` keeps those two
answers as shared constant strings, and the login and display name as the chatter list's own
string objects, so that a capture's accounts cost little more than their ids and creation times.
The full account is what storage writes; only the capture's in-memory result is slimmed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from storage.models import DEFAULT_AVATAR_MARK, Account, BriefAccount, LookedUp

# Stand-ins that keep `Account.default_avatar` and "description is blank" as they were.
DEFAULT_AVATAR = "user-default-pictures"
OWN_AVATAR = "own-picture"
SOME_DESCRIPTION = "(description)"


def slim(acc: Account, login: str, display_name: str) -> Account:
    """Return `acc` with what the capture's readers need, sharing the chatter's name strings.

    `login` and `display_name` are the chatter list's strings for this account (they are kept
    anyway); they replace the account's equal ones. A rename keeps the account's own names.
    """
    return Account(
        user_id=acc.user_id,
        login=login if acc.login == login else acc.login,
        display_name=display_name if acc.display_name == display_name else acc.display_name,
        created_at=acc.created_at,
        profile_image_url=_avatar(acc.profile_image_url),
        description=_description(acc.description),
        gone_at=acc.gone_at,
    )


def slim_looked_up(row: LookedUp, login: str, display_name: str) -> Account:
    """`slim` of ``Account(*row)``, from the row Get Users gave (one account built, not two)."""
    return Account(
        row.user_id,
        login if row.login == login else row.login,
        display_name if row.display_name == display_name else row.display_name,
        row.created_at,
        "",
        "",
        _avatar(row.profile_image_url),
        _description(row.description),
    )


_AVATARS = ("", DEFAULT_AVATAR, OWN_AVATAR)  # by `BriefAccount.avatar`


def _avatar(url: str) -> str:
    """The stand-in for an avatar URL: none, one of Twitch's defaults, or its own."""
    if not url:
        return ""
    return DEFAULT_AVATAR if DEFAULT_AVATAR_MARK in url else OWN_AVATAR


def _description(text: str) -> str:
    """The stand-in for a description: empty when it is blank."""
    return SOME_DESCRIPTION if text.strip() else ""


def slim_known(known: BriefAccount, login: str, display_name: str) -> Account:
    """Return the capture's account for a known one, under the chatter list's names.

    The chatter list's names are the current ones: a rename takes them, an unchanged name is
    the same string as storage's.
    """
    # By position, and the times converted here: a warm 100,000-chatter capture makes 1,000
    # of these a page, and keywords plus two calls were a third of the time (issue 21).
    created, gone_at = known.created_at, known.gone_at
    return Account(
        known.user_id,
        login,
        display_name,
        None if created is None else datetime.fromtimestamp(created, UTC),
        "",
        "",
        _AVATARS[known.avatar],
        _description(known.description),
        None,
        None,
        None,
        None if gone_at is None else datetime.fromtimestamp(gone_at, UTC),
    )


def gone(user_id: int, login: str, display_name: str, now: datetime) -> Account:
    """Return the account of a chatter Get Users no longer returns (deleted or suspended)."""
    return Account(user_id, login, display_name, first_seen_at=now, gone_at=now)
