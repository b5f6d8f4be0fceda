"""The three third-party emote services: where their sets and images are, how to read a set.

Public, keyless APIs (checked against their clients, Dec 2026):

- 7TV v3: ``{api}/users/twitch/{id}`` -> ``{"emote_set": {"emotes": [{"id", "name"}]}}`` (404: the
  channel has no 7TV account); ``{api}/emote-sets/global`` -> ``{"emotes": [...]}``; images
  ``{cdn}/emote/{id}/1x.webp``.
- BetterTTV v3: ``{api}/cached/users/twitch/{id}`` -> ``{"channelEmotes": [...],
  "sharedEmotes": [...]}`` of ``{"id", "code"}`` (404: no BetterTTV account);
  ``{api}/cached/emotes/global`` -> a list of the same; images ``{cdn}/emote/{id}/1x``.
- FrankerFaceZ v1: ``{api}/room/id/{id}`` -> ``{"room": {"set": N}, "sets": {"N": {"emoticons":
  [{"id", "name"}]}}}`` (404: no room); ``{api}/set/global`` -> ``{"default_sets": [N, ...],
  "sets": {...}}`` (only the default sets are everyone's); images ``{cdn}/emote/{id}/1``.

Parsers take decoded JSON and return the set's (id, name) pairs, or raise `MalformedSet`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from storage.emotes import ID_RE

__all__ = ["MalformedSet", "Provider", "providers"]


class MalformedSet(ValueError):
    """An answer in no shape the provider's API gives: the last good set is kept."""


Pairs = tuple[tuple[str, str], ...]


def _pairs(items: object, name_key: str) -> list[tuple[str, str]]:
    if not isinstance(items, list):
        raise MalformedSet("the emote list is not a list")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise MalformedSet("an emote is not an object")
        emote_id, name = str(item.get("id", "")), item.get(name_key)
        if not isinstance(name, str) or not ID_RE.fullmatch(emote_id):
            raise MalformedSet(f"an emote without a usable id and {name_key}")
        if name and not any(c.isspace() for c in name):
            out.append((emote_id, name))
    return out


def _dict(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise MalformedSet("the answer is not a JSON object")
    return data


def _7tv_channel(data: object) -> Pairs:
    d = _dict(data)
    if "emote_set" not in d:
        raise MalformedSet("no emote_set")
    emote_set = d["emote_set"]
    if emote_set is None:
        return ()  # a 7TV account with no active set
    return tuple(_pairs(_dict(emote_set).get("emotes") or [], "name"))


def _7tv_global(data: object) -> Pairs:
    return tuple(_pairs(_dict(data).get("emotes"), "name"))


def _bttv_channel(data: object) -> Pairs:
    d = _dict(data)
    return tuple(_pairs(d.get("channelEmotes"), "code") + _pairs(d.get("sharedEmotes"), "code"))


def _bttv_global(data: object) -> Pairs:
    return tuple(_pairs(data, "code"))


def _ffz_sets(sets: object, ids: Iterable[object]) -> Pairs:
    sets = _dict(sets)
    out: list[tuple[str, str]] = []
    for set_id in ids:
        one = sets.get(str(set_id))
        if one is not None:
            out += _pairs(_dict(one).get("emoticons"), "name")
    return tuple(out)


def _ffz_channel(data: object) -> Pairs:
    d = _dict(data)
    room = _dict(d.get("room"))
    return _ffz_sets(d.get("sets"), [room.get("set")])


def _ffz_global(data: object) -> Pairs:
    d = _dict(data)
    default = d.get("default_sets")
    if not isinstance(default, list):
        raise MalformedSet("no default_sets list")
    return _ffz_sets(d.get("sets"), default)


@dataclass(frozen=True, slots=True)
class Provider:
    """One service: its API and CDN bases (settings) and how to read its answers."""

    key: str  # "7tv", "bttv", "ffz": the token's provider
    api: str
    cdn: str
    _channel_path: str
    _global_path: str
    _image_path: str
    parse_channel: Callable[[object], Pairs]
    parse_global: Callable[[object], Pairs]

    def channel_url(self, channel_id: int) -> str:
        return self.api + self._channel_path.format(id=int(channel_id))

    def global_url(self) -> str:
        return self.api + self._global_path

    def image_url(self, emote_id: str) -> str:
        """The CDN address of an emote's image; `emote_id` must be a checked id."""
        if not ID_RE.fullmatch(emote_id):
            raise ValueError(f"not an emote id: {emote_id!r}")
        return self.cdn + self._image_path.format(id=emote_id)


def providers(
    *, seventv: tuple[str, str], bttv: tuple[str, str], ffz: tuple[str, str]
) -> tuple[Provider, ...]:
    """The three providers, each from its (api base, cdn base), in name-collision order."""
    return (
        Provider(
            "7tv",
            seventv[0].rstrip("/"),
            seventv[1].rstrip("/"),
            "/users/twitch/{id}",
            "/emote-sets/global",
            "/emote/{id}/1x.webp",
            _7tv_channel,
            _7tv_global,
        ),
        Provider(
            "bttv",
            bttv[0].rstrip("/"),
            bttv[1].rstrip("/"),
            "/cached/users/twitch/{id}",
            "/cached/emotes/global",
            "/emote/{id}/1x",
            _bttv_channel,
            _bttv_global,
        ),
        Provider(
            "ffz",
            ffz[0].rstrip("/"),
            ffz[1].rstrip("/"),
            "/room/id/{id}",
            "/set/global",
            "/emote/{id}/1",
            _ffz_channel,
            _ffz_global,
        ),
    )
