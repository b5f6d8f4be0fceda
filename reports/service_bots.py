"""Our short list of well-known service bots (kept in `service_bots.txt` beside this file)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def service_bot_logins() -> frozenset[str]:
    """Return the logins of the service bots we know, lowercased."""
    text = resources.files("reports").joinpath("service_bots.txt").read_text(encoding="utf-8")
    return parse_login_list(text)


def parse_login_list(text: str) -> frozenset[str]:
    """Parse one login a line; blank lines and `#` comments are ignored."""
    logins = set()
    for line in text.splitlines():
        login = line.split("#", 1)[0].strip().lower()
        if login:
            logins.add(login)
    return frozenset(logins)
