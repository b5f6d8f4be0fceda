"""Third-party emotes (7TV, BetterTTV, FrankerFaceZ): sets per channel, counting, images.

`ThirdPartyEmotes.from_settings` makes the sets (`EmoteSets`: fetched daily, kept on disk,
looked up on the ingest path) and the image cache (`EmoteImages`, served at
``/emotes/<provider>/<id>``) under DATA_DIR/emotes/. Pages render an emote with the
``emote`` Jinja2 filter of `reports.emotes`; the column format is `storage.emotes`'.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

from bot.emotes.images import EmoteImages, add_emote_routes
from bot.emotes.providers import MalformedSet, Provider, providers
from bot.emotes.sets import EmoteSets
from bot.settings import Settings

__all__ = [
    "EmoteImages",
    "EmoteSets",
    "MalformedSet",
    "Provider",
    "ThirdPartyEmotes",
    "add_emote_routes",
    "providers",
]


@dataclass(frozen=True, slots=True)
class ThirdPartyEmotes:
    """The emote sets and, when images are on, the image cache."""

    sets: EmoteSets
    images: EmoteImages | None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        channels: Callable[[], Iterable[int]],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> ThirdPartyEmotes:
        """Build both from the BOTCHECK_EMOTE*, BOTCHECK_7TV/BTTV/FFZ_* settings."""
        s = settings
        found = providers(
            seventv=(s.seventv_api_url, s.seventv_cdn_url),
            bttv=(s.bttv_api_url, s.bttv_cdn_url),
            ffz=(s.ffz_api_url, s.ffz_cdn_url),
        )
        base = s.data_dir / "emotes"
        sets = EmoteSets(
            providers=found, directory=base / "sets", channels=channels, transport=transport
        )
        images = (
            EmoteImages(
                providers=found, directory=base / "images", known=sets.known, transport=transport
            )
            if s.emote_images
            else None
        )
        return cls(sets, images)
