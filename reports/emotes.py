"""Render one emote for a page: the image served through our own origin, or its name.

Third-party emote images are served by the bot at ``/emotes/<provider>/<id>`` (see
`bot.emotes.images`), so pages load nothing from another origin and the strict CSP
(``img-src 'self'``) holds. Twitch emotes, and every emote when images are off, show as names.

In a Jinja2 environment: `install(env, images=True)` adds the ``emote`` filter, which takes an
`EmoteCount` or a column token: ``{{ e|emote }}``, ``{{ "7tv:60ae...:catJAM"|emote }}``.
"""

from __future__ import annotations

import jinja2
from markupsafe import Markup, escape

from storage.emotes import PROVIDER_NAMES, EmoteRef, decode
from storage.stats_results import EmoteCount

__all__ = ["IMAGE_PREFIX", "emote_html", "image_path", "install"]

IMAGE_PREFIX = "/emotes"


def image_path(ref: EmoteRef) -> str | None:
    """The path of the emote's image on our own server (None: a Twitch emote, no image)."""
    if ref.provider is None or ref.emote_id is None:
        return None
    return f"{IMAGE_PREFIX}/{ref.provider}/{ref.emote_id}"


def emote_html(emote: EmoteCount | EmoteRef | str, *, images: bool = True) -> Markup:
    """Return an ``<img>`` of a third-party emote (alt and title: its name), else its name."""
    if isinstance(emote, EmoteCount):
        ref = emote.ref
    elif isinstance(emote, EmoteRef):
        ref = emote
    else:
        ref = decode(str(emote))
    name = escape(ref.name)
    src = image_path(ref) if images else None
    provider = PROVIDER_NAMES.get(ref.provider or "", "Twitch")
    if src is None:
        return Markup('<span class="emote" title="{} ({})">{}</span>').format(name, provider, name)
    return Markup(
        '<img class="emote" src="{}" alt="{}" title="{} ({})" height="28" loading="lazy">'
    ).format(src, name, name, provider)


def install(env: jinja2.Environment, *, images: bool = True) -> None:
    """Add the ``emote`` filter to `env` (images or names, as the setting says)."""

    def emote(value: EmoteCount | EmoteRef | str) -> Markup:
        return emote_html(value, images=images)

    env.filters["emote"] = emote
