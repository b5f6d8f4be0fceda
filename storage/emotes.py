"""The emote tokens of `chat_messages.emotes`: what one space-separated word of the column says.

A Twitch emote is stored as its name, as the message fragments carry it (``Kappa``). A
third-party emote (7TV, BetterTTV, FrankerFaceZ) is stored as ``provider:id:name``
(``7tv:60ae958e229664e8667aea38:catJAM``), so a page can show the right image long after the
channel dropped the emote. Names never hold spaces; a name may hold colons (BetterTTV's ``D:``),
so the name is everything after the second colon. The rollup triggers split on spaces only and
count each token as it is: the same name from two providers (or two ids) counts apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PROVIDERS", "PROVIDER_NAMES", "EmoteRef", "decode", "encode"]

PROVIDERS = ("7tv", "bttv", "ffz")
PROVIDER_NAMES = {"7tv": "7TV", "bttv": "BetterTTV", "ffz": "FrankerFaceZ"}
ID_RE = re.compile(r"[0-9A-Za-z]{1,64}")


@dataclass(frozen=True, slots=True)
class EmoteRef:
    """One emote as stored: its name, and for a third-party emote the provider and its id."""

    name: str
    provider: str | None = None
    emote_id: str | None = None


def encode(provider: str, emote_id: str, name: str) -> str:
    """Return the column token of a third-party emote (ValueError for one that cannot be)."""
    if provider not in PROVIDERS or not ID_RE.fullmatch(emote_id):
        raise ValueError(f"not a third-party emote: {provider!r} {emote_id!r}")
    if not name or any(c.isspace() for c in name):
        raise ValueError(f"not an emote name: {name!r}")
    return f"{provider}:{emote_id}:{name}"


def decode(token: str) -> EmoteRef:
    """Read one token of the column: a third-party emote, or a Twitch emote's bare name."""
    provider, sep, rest = token.partition(":")
    if sep and provider in PROVIDERS:
        emote_id, sep, name = rest.partition(":")
        if sep and name and ID_RE.fullmatch(emote_id):
            return EmoteRef(name, provider, emote_id)
    return EmoteRef(token)
