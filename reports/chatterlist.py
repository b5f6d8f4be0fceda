"""Read a chatter list (CSV or JSON) into Accounts, keeping bad rows as errors with line numbers.

Needed per row: `user_id`, `login`, `created_at` (an empty date means "not known"). Other tools'
names are read too (`id`, `userId`; `user_login`, `name`; `createdAt`, `created`: `ALIASES`),
and dates in the shapes they export: ISO 8601 with or without a zone (`2021-05-03 10:22:11`),
epoch seconds or milliseconds, and what python-dateutil understands beyond that. A date without
a zone is read as UTC, as Twitch gives them.
Optional: `display_name`, `type`, `broadcaster_type`, `profile_image_url`, `description`, and
our own CSV's `flags`. JSON is an array of objects, or an object holding one under `data` (a Get
Users answer) or `chatters`. botcheck's own `analysis.json` is recognised and refused with a
pointer to the `chatters.csv` beside it.

`read_chatter_list` keeps what it could read; `require_readable` then refuses a list of which
no row, or fewer than half of the rows, could be read: analysing the rest would give a false
all-clear.

A list without `profile_image_url` says nothing about avatars; its accounts get the
`UNKNOWN_AVATAR` marker so they do not all count as default avatars (our CSV's `flags` column,
when present, restores what it knew).
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dateutil import parser as dateparser

from storage.models import Account

REQUIRED = ("user_id", "login", "created_at")
# Each field and the column names that mean it, best first, as `_key` writes them (lower case,
# no `_`, `-` or spaces): Helix's Get Users says `id`, Get Chatters `user_login`, exports of
# JavaScript tools `userId`/`createdAt`.
ALIASES: dict[str, tuple[str, ...]] = {
    "user_id": ("userid", "id"),
    "login": ("login", "userlogin", "name"),
    "created_at": ("createdat", "created"),
    "display_name": ("displayname",),
    "type": ("type",),
    "broadcaster_type": ("broadcastertype",),
    "profile_image_url": ("profileimageurl",),
    "description": ("description",),
    "flags": ("flags",),
}
MIN_READABLE_SHARE = 0.5
EPOCH_MS_FROM = 100_000_000_000  # a larger epoch number is milliseconds (seconds: year 5138)
UNKNOWN_AVATAR = "unknown:"  # not a default picture, not a real one either
MAX_ERRORS_KEPT = 1_000
EARLIEST = datetime(2005, 1, 1, tzinfo=UTC)
_LOGIN = re.compile(r"[a-z0-9_]{1,25}")
_ARRAY_KEYS = ("data", "chatters")


class ChatterListError(Exception):
    """The file as a whole cannot be read as a chatter list."""


def _key(name: str) -> str:
    """Return a column name as `ALIASES` spells it: `User_ID`, `userId`, `user id` -> `userid`."""
    return re.sub(r"[\s_-]", "", name).lower()


def _field(row: Mapping[str, Any], name: str) -> Any:
    """Return the row's value for `name` under the first of its aliases present, else None."""
    for alias in ALIASES[name]:
        if alias in row:
            return row[alias]
    return None


def _has(row: Mapping[str, Any], name: str) -> bool:
    return any(alias in row for alias in ALIASES[name])


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # 1-based line in the file where the row starts
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class ChatterList:
    accounts: tuple[Account, ...]
    errors: tuple[RowError, ...]  # at most MAX_ERRORS_KEPT
    error_count: int  # all of them
    rows: int  # rows read, good and bad


def require_readable(chatters: ChatterList) -> None:
    """Refuse a list of which no row, or fewer than half of the rows, could be read."""
    if chatters.rows == 0 or len(chatters.accounts) >= MIN_READABLE_SHARE * chatters.rows:
        return
    first = f" (first: {chatters.errors[0]})" if chatters.errors else ""
    if not chatters.accounts:
        raise ChatterListError(
            f"none of the {chatters.rows:,} rows could be read{first}, so there is nothing "
            "to analyse"
        )
    raise ChatterListError(
        f"only {len(chatters.accounts):,} of {chatters.rows:,} rows could be read{first}; "
        "an analysis of so few would mislead, so fix the file and try again"
    )


def read_chatter_list(path: Path) -> ChatterList:
    """Read `path` as CSV or JSON (by its extension, else by its first character)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ChatterListError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ChatterListError(f"{path} is not UTF-8 text (byte {exc.start})") from exc
    suffix = path.suffix.lower()
    if suffix == ".json" or (suffix != ".csv" and content.lstrip()[:1] in ("[", "{")):
        return parse_json(content)
    return parse_csv(content)


class _Collector:
    def __init__(self) -> None:
        self.accounts: list[Account] = []
        self.errors: list[RowError] = []
        self.error_count = 0
        self.rows = 0
        self._seen: dict[int, int] = {}

    def add(self, line: int, row: dict[str, Any]) -> None:
        self.rows += 1
        try:
            account = _account(row)
        except ValueError as exc:
            self.error(line, str(exc))
            return
        first = self._seen.get(account.user_id)
        if first is not None:
            self.error(line, f"user_id {account.user_id} already appeared on line {first}")
            return
        self._seen[account.user_id] = line
        self.accounts.append(account)

    def error(self, line: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(RowError(line, message))

    def result(self) -> ChatterList:
        return ChatterList(tuple(self.accounts), tuple(self.errors), self.error_count, self.rows)


def parse_csv(content: str) -> ChatterList:
    """Parse CSV text with a header row."""
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ChatterListError("the file is empty: expected a header row") from None
    except csv.Error as exc:
        raise ChatterListError(f"line 1: {exc}") from exc
    names = [_key(h) for h in header]
    present = dict.fromkeys(names)
    missing = [c for c in REQUIRED if not _has(present, c)]
    if missing:
        raise ChatterListError(
            f"the header has no {', '.join(missing)} column (a chatter list needs "
            f"{', '.join(REQUIRED)}; id, userId, user_login, name, createdAt and created "
            "are read too)"
        )
    out = _Collector()
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            out.rows += 1
            out.error(line, f"unreadable CSV: {exc}")
            line = reader.line_num + 1
            continue
        if cells and any(c.strip() for c in cells):
            if len(cells) != len(names):
                out.rows += 1
                out.error(line, f"expected {len(names)} cells, found {len(cells)}")
            else:
                out.add(line, dict(zip(names, cells, strict=True)))
        line = reader.line_num + 1
    return out.result()


def parse_json(content: str) -> ChatterList:
    """Parse a JSON array of objects (or an object holding one under `data`/`chatters`)."""
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise ChatterListError(f"not valid JSON: {exc.msg} (line {exc.lineno})") from exc
    if isinstance(data, dict) and _is_our_analysis(data):
        raise ChatterListError(
            "this is botcheck's own analysis.json, which holds the results but not the "
            "chatters: give the chatters.csv beside it instead"
        )
    if isinstance(data, dict):
        key = next((k for k in _ARRAY_KEYS if isinstance(data.get(k), list)), None)
        if key is None:
            raise ChatterListError("expected a JSON array of chatters, or one under 'data'")
        items = data[key]
        m = re.search(rf'"{key}"\s*:\s*\[', content)
        start = m.end() if m else 0
    elif isinstance(data, list):
        items = data
        start = content.index("[") + 1
    else:
        raise ChatterListError("expected a JSON array of chatters")
    lines = _item_lines(content, start, len(items))
    out = _Collector()
    for item, line in zip(items, lines, strict=True):
        if not isinstance(item, dict):
            out.rows += 1
            out.error(line, "expected an object with user_id, login and created_at")
            continue
        out.add(line, {_key(str(k)): v for k, v in item.items()})
    return out.result()


def _is_our_analysis(data: dict[str, Any]) -> bool:
    """Tell botcheck's analysis.json (`Analysis.to_dict`) from a chatter list."""
    return "verdict" in data and "totals" in data and "schema" in data


def _item_lines(content: str, start: int, count: int) -> list[int]:
    """Return the line on which each element of the array opening at `start` begins."""
    decoder = json.JSONDecoder()
    lines: list[int] = []
    pos = start
    line = content.count("\n", 0, pos) + 1
    ws = re.compile(r"[\s,]*")
    for _ in range(count):
        skip = ws.match(content, pos)
        new = skip.end() if skip else pos
        line += content.count("\n", pos, new)
        lines.append(line)
        _, end = decoder.raw_decode(content, new)
        line += content.count("\n", new, end)
        pos = end
    return lines


def _account(row: dict[str, Any]) -> Account:
    user_id = _user_id(_field(row, "user_id"))
    login = _text(_field(row, "login")).strip().lower()
    if not login:
        raise ValueError("login is empty")
    if not _LOGIN.fullmatch(login):
        raise ValueError(f"login {login[:30]!r} is not a Twitch login (a-z, 0-9, _; 1-25)")
    created = _created_at(_field(row, "created_at"))
    avatar = _field(row, "profile_image_url")
    if avatar is None:
        flags = _text(_field(row, "flags"))
        if _has(row, "flags"):
            avatar = "" if "default_avatar" in flags.split(";") else UNKNOWN_AVATAR
        else:
            avatar = UNKNOWN_AVATAR
    return Account(
        user_id=user_id,
        login=login,
        display_name=_text(_field(row, "display_name")) or login,
        created_at=created,
        type=_text(_field(row, "type")),
        broadcaster_type=_text(_field(row, "broadcaster_type")),
        profile_image_url=_text(avatar),
        description=_text(_field(row, "description")),
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _user_id(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("user_id must be a number")
    if isinstance(value, int):
        number = value
    else:
        s = _text(value).strip()
        if not s.isdigit():
            raise ValueError(f"user_id {s[:30]!r} is not a whole number" if s else "no user_id")
        number = int(s)
    if number <= 0 or number >= 2**63:
        raise ValueError(f"user_id {number} is out of range")
    return number


def _created_at(value: Any) -> datetime | None:
    if isinstance(value, bool):
        raise ValueError("created_at must be a date")
    s = _text(value).strip()
    if not s:
        return None  # the lookup found nothing: counted as unknown, not an error
    when = _parse_date(value, s)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # Twitch's dates are UTC; a bare one is read as such
    when = when.astimezone(UTC)
    if when < EARLIEST:
        raise ValueError(f"created_at {s[:40]!r} is before Twitch (or Justin.tv) existed")
    if when > datetime.now(UTC) + timedelta(days=1):
        raise ValueError(f"created_at {s[:40]!r} is in the future")
    return when


def _parse_date(value: Any, s: str) -> datetime:
    """Read an ISO 8601 date, an epoch number (seconds or milliseconds) or another shape."""
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif re.fullmatch(r"\d{9,14}(\.\d+)?", s):
        number = float(s)
    if number is not None:
        seconds = number / 1000 if number >= EPOCH_MS_FROM else number
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"created_at {s[:40]!r} is not a date") from None
    try:  # the common case, and ten times faster than dateutil
        return datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        pass
    try:
        with warnings.catch_warnings():
            # An unknown zone name ("EST") is dropped with a warning: the date reads as UTC.
            warnings.simplefilter("ignore", dateparser.UnknownTimezoneWarning)
            parsed: datetime = dateparser.parse(s)
            return parsed
    except (ValueError, OverflowError):
        raise ValueError(f"created_at {s[:40]!r} is not a date") from None
