"""The analysis's per-account work, done while a capture's pages and lookups land.

`analyze` spends most of its time in loops over every account: the creation instant as a sort
key and as seconds, and the login's stem for the stem runs. None of that depends on the other
accounts, so `Landed` computes it as accounts arrive (`add`) and `analyze(..., landed=...)` reads
it instead of computing it again. What is left when the last lookup lands are the final tests
(waves, bursts, remnants, stem runs), which need every account at once.

The result is the same `Analysis`, by construction: every value here is a memo of a pure
function of one account's field (`creation_key`, `creation_seconds`, `stem_of`), and a memo is
used only for the very `created_at` object it was computed from (an account seen again with
another date, or one never added, is computed afresh). `tests/reports/test_accumulate.py`
compares both ways on several scenarios.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from reports.patterns import stem_of
from storage.models import Account

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def creation_key(created_at: datetime) -> int:
    """The creation instant in whole microseconds since the epoch: orders as the datetimes do."""
    return (created_at - _EPOCH) // _MICROSECOND


def creation_seconds(created_at: datetime) -> float:
    """The creation instant in seconds, as `analyze` computes it."""
    return created_at.astimezone(UTC).timestamp()


class Landed:
    """Per-account facts, added as accounts land; `analyze(landed=...)` reads them."""

    __slots__ = ("_created", "_stems")

    def __init__(self) -> None:
        # user id -> (the created_at object, its key, its seconds)
        self._created: dict[int, tuple[datetime, int, float]] = {}
        self._stems: dict[str, str | None] = {}  # login -> stem_of(login)

    def __len__(self) -> int:
        return len(self._created)

    def add(self, accounts: Iterable[Account]) -> None:
        """Compute what `analyze` will need of these accounts."""
        created, stems = self._created, self._stems
        for a in accounts:
            when = a.created_at
            if when is not None:
                created[a.user_id] = (when, creation_key(when), creation_seconds(when))
            if a.login not in stems:
                stems[a.login] = stem_of(a.login)

    def created(self, a: Account) -> tuple[int, float]:
        """(key, seconds) of an account with a creation date, from the memo when it holds."""
        when = a.created_at
        assert when is not None  # only dated accounts are asked for
        hit = self._created.get(a.user_id)
        if hit is not None and hit[0] is when:
            return hit[1], hit[2]
        return creation_key(when), creation_seconds(when)

    def stem(self, login: str) -> str | None:
        """`stem_of(login)`, from the memo when it holds."""
        try:
            return self._stems[login]
        except KeyError:
            return stem_of(login)
