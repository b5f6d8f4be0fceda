"""Chart words in the channel's language, when the installed fonts can draw them.

Matplotlib draws with DejaVu Sans, which has every letter of the Latin languages but no
Japanese. When a Japanese font is installed (Debian: `fonts-noto-cjk` or
`fonts-ipafont-gothic`), it is added after DejaVu Sans as a fallback, glyph by glyph, and
Japanese charts speak Japanese; without one their words stay English (boxes for every
character would say nothing). Month names on date axes come from Babel.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from functools import cache

import matplotlib as mpl
from babel.dates import get_month_names
from matplotlib import font_manager
from matplotlib.font_manager import FontProperties

from reports.i18n import DEFAULT, Speaker

log = logging.getLogger(__name__)

BASE_FAMILY = "DejaVu Sans"
# Families with Japanese glyphs, the most common first.
CJK_FAMILIES = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "IPAexGothic",
    "IPAGothic",
    "TakaoGothic",
    "Source Han Sans JP",
)
NEEDS_CJK = frozenset({"ja"})
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_RE = re.compile(r"\b(" + "|".join(_MONTHS) + r")\b")


@cache
def cjk_family() -> str | None:
    """The installed family that draws Japanese, if any; added to matplotlib's fallbacks."""
    for name in CJK_FAMILIES:
        try:
            font_manager.findfont(FontProperties(family=name), fallback_to_default=False)
        except ValueError:
            continue
        fallbacks = [BASE_FAMILY, name]
        mpl.rcParams["font.sans-serif"] = fallbacks + [
            f for f in mpl.rcParams["font.sans-serif"] if f not in fallbacks
        ]
        return name
    log.info("no Japanese font installed: Japanese charts keep English words")
    return None


def chart_speaker(tr: Speaker) -> Speaker:
    """`tr`, or English in its timezone when no installed font can draw its language."""
    cjk = cjk_family()  # first: the fallback font must be in place before any text is made
    if tr.language in NEEDS_CJK and cjk is None:
        return replace(tr, language=DEFAULT)
    return tr


def months(label: str, tr: Speaker) -> str:
    """A date-axis label with its English month abbreviations in `tr`'s language."""
    if tr.english or not _MONTH_RE.search(label):
        return label
    names = get_month_names("abbreviated", locale=tr.locale)
    return _MONTH_RE.sub(lambda m: str(names[_MONTHS.index(m.group(1)) + 1]), label)
