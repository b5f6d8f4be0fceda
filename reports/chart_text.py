"""Chart words in the channel's language, when the installed fonts can draw them.

Matplotlib draws with DejaVu Sans, which has every letter of the Latin languages but no
Japanese. When a Japanese font is installed (Debian: `fonts-noto-cjk` or
`fonts-ipafont-gothic`), a Japanese chart's texts are given the families DejaVu Sans and that
font, which matplotlib falls back through glyph by glyph; every other chart keeps the default
and never loads it. The family is set on the figure's own texts (`use_families`), never in
`rcParams`: charts are drawn in several threads at once. Without a Japanese font, Japanese
charts keep their English words (boxes for every character would say nothing), and the log
says once which font is missing. Month names on date axes come from Babel.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path

from babel.dates import get_month_names
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text

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
# File names of those fonts: installed after matplotlib cached its font list, they are found
# by a scan of the system's font folders and added for this process.
_CJK_FILES = re.compile(r"NotoSansCJK|NotoSansJP|ipaexg|ipag|TakaoGothic|SourceHanSans", re.I)
NEEDS_CJK = frozenset({"ja"})
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_RE = re.compile(r"\b(" + "|".join(_MONTHS) + r")\b")


def _installed(name: str) -> bool:
    try:
        font_manager.findfont(FontProperties(family=name), fallback_to_default=False)
    except ValueError:
        return False
    return True


@cache
def cjk_family() -> str | None:
    """The installed family that draws Japanese, if any (looked for once per process)."""
    found = next((name for name in CJK_FAMILIES if _installed(name)), None)
    if found is None:
        # matplotlib's font list may predate the font's installation: add the files it missed.
        for path in font_manager.findSystemFonts():
            if _CJK_FILES.search(Path(path).name):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        found = next((name for name in CJK_FAMILIES if _installed(name)), None)
    if found is None:
        log.warning(
            "no Japanese font installed (%s; Debian: fonts-noto-cjk): Japanese charts keep "
            "English words",
            CJK_FAMILIES[0],
        )
    else:
        log.info("Japanese charts draw with %s", found)
    return found


def families(tr: Speaker) -> tuple[str, ...] | None:
    """The font families a chart in `tr`'s language needs; None: matplotlib's default."""
    if tr.language not in NEEDS_CJK:
        return None
    cjk = cjk_family()
    return None if cjk is None else (BASE_FAMILY, cjk)


def use_families(fig: Figure, names: Sequence[str]) -> None:
    """Draw every text of `fig` with `names` (fallback glyph by glyph), including the tick
    labels its axes make later."""
    for ax in fig.axes:
        ax.tick_params(which="both", labelfontfamily=list(names))
    for text in fig.findobj(Text):
        text.set_fontfamily(list(names))


def chart_speaker(tr: Speaker) -> Speaker:
    """`tr`, or English in its timezone when no installed font can draw its language."""
    if tr.language in NEEDS_CJK and cjk_family() is None:
        return replace(tr, language=DEFAULT)
    return tr


def months(label: str, tr: Speaker) -> str:
    """A date-axis label with its English month abbreviations in `tr`'s language."""
    if tr.english or not _MONTH_RE.search(label):
        return label
    names = get_month_names("abbreviated", locale=tr.locale)
    return _MONTH_RE.sub(lambda m: str(names[_MONTHS.index(m.group(1)) + 1]), label)
