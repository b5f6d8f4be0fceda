"""Local stand-ins for the 7TV, BetterTTV and FrankerFaceZ APIs and their image CDNs.

Served by twitchsim under ``/thirdparty/``: `EmoteStandins.env(url)` gives the BOTCHECK_7TV_*,
BOTCHECK_BTTV_* and BOTCHECK_FFZ_* settings that point the bot at them. Each answers in the
shape of the real API (see `bot.emotes.providers`): every channel id has a made-up set unless
tests set one (`set_channel`) or take it away (`remove_channel`: the API's 404), and tests can
break a provider (`break_provider`: ``"down"`` answers 503, ``"malformed"`` answers JSON in no
known shape). Images are small PNG squares, one colour per id; `image_size` pads them to test
size limits. `requests` counts what was asked, by path.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections import Counter
from typing import Any, Literal

from aiohttp import web

__all__ = ["EmoteStandins"]

Pairs = list[tuple[str, str]]
Fault = Literal["down", "malformed"]

PREFIX = "/thirdparty"
# Names as chat uses them; a few collide on purpose (see the tests of precedence).
GLOBAL_NAMES = {
    "7tv": ["EZ", "Clap", "RainTime"],
    "bttv": ["monkaS", "FeelsGoodMan", "D:"],
    "ffz": ["LilZ", "ZreknarF"],
}
CHANNEL_NAMES = {
    "7tv": ["catJAM", "peepoHappy", "Aware", "EZ"],
    "bttv": ["KEKW", "Clap", "pepeD"],
    "ffz": ["OMEGALUL", "KEKW", "PepeHands"],
}


def emote_id(provider: str, scope: str, name: str) -> str:
    """The stand-in's id of an emote: 24 hex digits (7TV, BetterTTV) or a number (FFZ)."""
    digest = hashlib.sha256(f"{provider}:{scope}:{name}".encode()).hexdigest()
    return str(int(digest[:7], 16)) if provider == "ffz" else digest[:24]


def _made_up(provider: str, scope: str, names: list[str]) -> Pairs:
    return [(emote_id(provider, scope, n), n) for n in names]


def png_square(seed: str, size: int = 28) -> bytes:
    """A `size` x `size` PNG of one colour derived from `seed`."""
    r, g, b = hashlib.sha256(seed.encode()).digest()[:3]
    row = b"\x00" + bytes((r, g, b)) * size
    raw = zlib.compress(row * size)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


class EmoteStandins:
    """The three APIs and CDNs (see the module docstring)."""

    def __init__(self) -> None:
        self._channels: dict[tuple[str, int], Pairs | None] = {}  # None: no account (404)
        self.globals: dict[str, Pairs] = {
            p: _made_up(p, "global", names) for p, names in GLOBAL_NAMES.items()
        }
        self.faults: dict[str, Fault] = {}
        self.image_size: int | None = None  # pad images to this many bytes
        self.image_type = "image/png"
        self.requests: Counter[str] = Counter()

    # -- control ------------------------------------------------------------------------------

    def channel(self, provider: str, channel_id: int) -> Pairs | None:
        """The channel's set as the stand-in answers it (None: 404)."""
        key = (provider, int(channel_id))
        if key not in self._channels:
            return _made_up(provider, str(channel_id), CHANNEL_NAMES[provider])
        return self._channels[key]

    def set_channel(self, provider: str, channel_id: int, names: list[str]) -> Pairs:
        """Give the channel these emote names (made-up ids); return the (id, name) pairs."""
        pairs = _made_up(provider, str(channel_id), names)
        self._channels[(provider, int(channel_id))] = pairs
        return pairs

    def remove_channel(self, provider: str, channel_id: int) -> None:
        self._channels[(provider, int(channel_id))] = None

    def break_provider(self, provider: str, fault: Fault | None) -> None:
        if fault is None:
            self.faults.pop(provider, None)
        else:
            self.faults[provider] = fault

    @staticmethod
    def env(url: str) -> dict[str, str]:
        """The bot's settings that point it at these stand-ins on twitchsim at `url`."""
        base = url.rstrip("/") + PREFIX
        return {
            "BOTCHECK_EMOTES": "true",
            "BOTCHECK_7TV_API_URL": f"{base}/7tv/v3",
            "BOTCHECK_7TV_CDN_URL": f"{base}/7tv-cdn",
            "BOTCHECK_BTTV_API_URL": f"{base}/bttv/3",
            "BOTCHECK_BTTV_CDN_URL": f"{base}/bttv-cdn",
            "BOTCHECK_FFZ_API_URL": f"{base}/ffz/v1",
            "BOTCHECK_FFZ_CDN_URL": f"{base}/ffz-cdn",
        }

    # -- the APIs -----------------------------------------------------------------------------

    def _answer(self, provider: str, body: Any) -> web.Response:
        fault = self.faults.get(provider)
        if fault == "down":
            return web.json_response({"error": "down for maintenance"}, status=503)
        if fault == "malformed":
            return web.json_response({"unexpected": [1, 2, 3]} if isinstance(body, dict) else {})
        return web.json_response(body)

    def _channel_or_404(self, provider: str, request: web.Request) -> Pairs | None:
        self.requests[request.path] += 1
        raw = request.match_info["id"]
        return self.channel(provider, int(raw)) if raw.isdigit() else None

    async def seventv_user(self, request: web.Request) -> web.Response:
        pairs = self._channel_or_404("7tv", request)
        if pairs is None and "7tv" not in self.faults:
            return web.json_response({"error": "user not found"}, status=404)
        emotes = [{"id": i, "name": n, "data": {"id": i, "name": n}} for i, n in pairs or []]
        body = {"id": "u", "platform": "TWITCH", "emote_set": {"id": "s", "emotes": emotes}}
        return self._answer("7tv", body)

    async def seventv_global(self, request: web.Request) -> web.Response:
        self.requests[request.path] += 1
        emotes = [{"id": i, "name": n} for i, n in self.globals["7tv"]]
        return self._answer("7tv", {"id": "global", "name": "Global", "emotes": emotes})

    async def bttv_user(self, request: web.Request) -> web.Response:
        pairs = self._channel_or_404("bttv", request)
        if pairs is None and "bttv" not in self.faults:
            return web.json_response({"message": "user not found"}, status=404)
        items = [{"id": i, "code": n, "imageType": "png"} for i, n in pairs or []]
        half = len(items) // 2
        return self._answer(
            "bttv", {"id": "u", "channelEmotes": items[:half], "sharedEmotes": items[half:]}
        )

    async def bttv_global(self, request: web.Request) -> web.Response:
        self.requests[request.path] += 1
        body = [{"id": i, "code": n, "imageType": "png"} for i, n in self.globals["bttv"]]
        return self._answer("bttv", body)

    async def ffz_room(self, request: web.Request) -> web.Response:
        pairs = self._channel_or_404("ffz", request)
        if pairs is None and "ffz" not in self.faults:
            return web.json_response({"error": "No such room"}, status=404)
        emoticons = [{"id": int(i), "name": n} for i, n in pairs or []]
        body = {"room": {"set": 777}, "sets": {"777": {"id": 777, "emoticons": emoticons}}}
        return self._answer("ffz", body)

    async def ffz_global(self, request: web.Request) -> web.Response:
        self.requests[request.path] += 1
        emoticons = [{"id": int(i), "name": n} for i, n in self.globals["ffz"]]
        hidden = [{"id": 1, "name": "NotDefault"}]
        body = {
            "default_sets": [3],
            "sets": {"3": {"emoticons": emoticons}, "4": {"emoticons": hidden}},
        }
        return self._answer("ffz", body)

    # -- the CDNs -----------------------------------------------------------------------------

    async def image(self, request: web.Request) -> web.Response:
        self.requests[request.path] += 1
        data = png_square(request.match_info["id"])
        if self.image_size is not None and self.image_size > len(data):
            data += b"\x00" * (self.image_size - len(data))
        return web.Response(body=data, content_type=self.image_type)

    def routes(self) -> list[web.RouteDef]:
        p = PREFIX
        return [
            web.get(f"{p}/7tv/v3/users/twitch/{{id}}", self.seventv_user),
            web.get(f"{p}/7tv/v3/emote-sets/global", self.seventv_global),
            web.get(f"{p}/bttv/3/cached/users/twitch/{{id}}", self.bttv_user),
            web.get(f"{p}/bttv/3/cached/emotes/global", self.bttv_global),
            web.get(f"{p}/ffz/v1/room/id/{{id}}", self.ffz_room),
            web.get(f"{p}/ffz/v1/set/global", self.ffz_global),
            web.get(f"{p}/7tv-cdn/emote/{{id}}/1x.webp", self.image),
            web.get(f"{p}/bttv-cdn/emote/{{id}}/1x", self.image),
            web.get(f"{p}/ffz-cdn/emote/{{id}}/1", self.image),
        ]
