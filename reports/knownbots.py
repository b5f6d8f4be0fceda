"""Load the optional known lurker-bot list (`BOTCHECK_KNOWN_BOTS_FILE`, one login a line)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from reports.service_bots import parse_login_list

log = logging.getLogger(__name__)


class KnownBotsError(Exception):
    """The known-bot list file could not be read."""


def load_known_bots(path: Path | None) -> frozenset[str]:
    """Return the logins in a known-bot list file (empty for None).

    Plain text is one login a line (`#` starts a comment); a file that holds a JSON array of
    strings is read as that, since several public lists are published that way.
    """
    if path is None:
        return frozenset()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnownBotsError(f"cannot read the known-bot list {path}: {exc}") from exc
    if text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise KnownBotsError(f"{path} looks like JSON but does not parse: {exc}") from exc
        if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
            raise KnownBotsError(f"{path}: expected a JSON array of logins")
        logins = frozenset(x.strip().lower() for x in data if x.strip())
    else:
        logins = parse_login_list(text)
    log.info("loaded %d known-bot logins from %s", len(logins), path)
    return logins
