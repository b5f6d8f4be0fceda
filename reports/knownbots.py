"""Load a known lurker-bot list (`BOTCHECK_KNOWN_BOTS_FILE`, or text fetched from a URL).

Four shapes are published in the wild and all are accepted:

- one login a line (`#` starts a comment), as arrowgent's and t-affeldt's lists;
- a JSON array of logins, as MrEliasen's lists;
- a JSON object of login -> user id (the id as a number or a string);
- TwitchInsights' `{"bots": [[login, channels, last_seen], ...], "_total": N}`.

Anything else is refused with one sentence that names the source and what was expected: a list
read the wrong way would fill the known-bot set with junk logins and say nothing.
`parse_known_bots` is the pure part a URL refresher calls on the bytes it downloaded.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

EXPECTED = (
    "one login a line, a JSON array of logins, a JSON object of login -> user id, "
    'or {"bots": [[login, channels, last_seen], ...]}'
)
# Twitch logins are letters, digits and underscores; old accounts can be shorter than 4.
_LOGIN = re.compile(r"^[a-z0-9_]{1,25}$")


class KnownBotsError(Exception):
    """The known-bot list could not be read, or is not in a shape we know."""


def load_known_bots(path: Path | None) -> frozenset[str]:
    """Return the logins in a known-bot list file (empty for None)."""
    if path is None:
        return frozenset()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnownBotsError(f"Cannot read the known-bot list {path}: {exc}.") from exc
    logins = parse_known_bots(text, source=str(path))
    log.info("loaded %d known-bot logins from %s", len(logins), path)
    return logins


def parse_known_bots(text: str, *, source: str) -> frozenset[str]:
    """Return the lowercased logins of a list in any accepted shape; refuse any other shape."""
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise _refuse(source, f"it looks like JSON but does not parse ({exc})") from exc
        return _checked(_from_json(data, source), source)
    return _checked(_from_lines(text), source)


def _from_json(data: Any, source: str) -> list[str]:
    if isinstance(data, list):
        if all(isinstance(x, str) for x in data):
            return list(data)
        raise _refuse(source, "it is a JSON array, but not of strings")
    if not isinstance(data, dict):
        raise _refuse(source, f"it is a JSON {type(data).__name__}")
    bots = data.get("bots")
    if isinstance(bots, list):
        if all(isinstance(row, list) and row and isinstance(row[0], str) for row in bots):
            return [row[0] for row in bots]
        raise _refuse(source, 'its "bots" is not a list of [login, channels, last_seen] rows')
    if data and all(_is_user_id(v) for v in data.values()):
        return list(data)
    keys = ", ".join(sorted(map(str, data))[:3])
    raise _refuse(source, f"it is a JSON object (keys {keys}) whose values are not user ids")


def _from_lines(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        login = line.split("#", 1)[0].strip()
        if login:
            out.append(login)
    return out


def _checked(logins: Iterable[str], source: str) -> frozenset[str]:
    out = set()
    for raw in logins:
        login = raw.strip().lower().lstrip("@")
        if not _LOGIN.match(login):
            raise _refuse(source, f"{raw.strip()[:40]!r} is not a Twitch login")
        out.add(login)
    return frozenset(out)


def _is_user_id(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value > 0
    return isinstance(value, str) and value.isdigit()


def _refuse(source: str, why: str) -> KnownBotsError:
    return KnownBotsError(f"The known-bot list {source} was refused: {why}; expected {EXPECTED}.")
