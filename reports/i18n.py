"""Channel languages: gettext catalogs for chat replies and pages, Babel for numbers and dates.

The English text in the code is the message id. Each other language has a catalog kept in git
as `reports/locale/<code>/LC_MESSAGES/botcheck.po`, compiled in memory the first time it is
used (no `.mo` file is generated or committed). `make messages` extracts every marked string
(`speaker.say("...")`, `speaker.nsay("...", "...", n)`, `N_("...")` for module constants, and
`{% trans %}` / `_()` in templates) and brings every catalog up to date.

A `Speaker` is a language and a timezone: it translates, fills `{placeholders}` and formats
numbers and times the way the channel reads them. English keeps the house formats of
`reports.text` ("1,284", "3 Nov 2026"); the other languages get Babel's formats for their locale.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from gettext import NullTranslations
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_interval, format_time, format_timedelta, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations
from markupsafe import Markup

from reports import text, zones

log = logging.getLogger(__name__)

DOMAIN = "botcheck"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
# Code -> the language's own name, as `!botcheck lang` lists them.
LANGUAGES: Mapping[str, str] = {
    "en": "English",
    "fr": "Français",
    "ja": "日本語",
    "es": "Español",
    "de": "Deutsch",
    "pt": "Português",
}
# Babel locale for formatting: British English keeps the day-month-year house order.
_FORMAT_LOCALE = {"en": "en_GB", "pt": "pt_BR"}


def N_(message: str) -> str:  # gettext's name for "mark now, translate later"
    """Mark a module constant for extraction; `Speaker.say` translates it when it is used."""
    return message


def parse_language(raw: str) -> str:
    """Return the language code for "fr", "FR", "fr-CA", "French" or "Français"; else ValueError."""
    word = raw.strip().lower().replace("_", "-")
    if word.split("-")[0] in LANGUAGES:
        return word.split("-")[0]
    for code, own in LANGUAGES.items():
        if word in (own.lower(), Locale.parse(code).english_name.lower()):  # type: ignore[union-attr]
            return code
    raise ValueError(f"{raw[:20]!r} is not a language botcheck speaks")


def choices() -> str:
    """ "en (English), fr (Français), …" for replies and forms."""
    return ", ".join(f"{code} ({own})" for code, own in LANGUAGES.items())


def accepted_language(header: str) -> str:
    """The language botcheck speaks that an Accept-Language header likes best, else English."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        code = tag.strip().lower().split("-")[0]
        if weight > 0 and code in LANGUAGES:
            ranked.append((-weight, i, code))
    return min(ranked)[2] if ranked else DEFAULT


@cache
def catalog(language: str) -> NullTranslations:
    """The compiled catalog of a language (English, or anything unknown: the message ids)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT or language not in LANGUAGES or not path.is_file():
        return NullTranslations()
    with path.open("rb") as po:
        messages = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, messages, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@dataclass(frozen=True, slots=True)
class Speaker:
    """How a channel reads: its language and its timezone (an IANA name)."""

    language: str = DEFAULT
    timezone: str = zones.UTC_NAME

    def say(self, message: str, /, **values: object) -> str:
        """Translate `message` and fill its `{placeholders}` with `values`."""
        translated = catalog(self.language).gettext(message)
        return translated.format(**values) if values else translated

    def nsay(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        """Translate by count; `{n}` is the count, formatted for the language."""
        translated = catalog(self.language).ngettext(singular, plural, n)
        return translated.format(n=self.num(n), **values)

    @property
    def _locale(self) -> str:
        return _FORMAT_LOCALE.get(self.language, self.language)

    @property
    def locale(self) -> str:
        """The Babel locale that formats numbers and dates for the language."""
        return self._locale

    @property
    def english(self) -> bool:
        return self.language == DEFAULT

    def num(self, n: float) -> str:
        """1,284 / 1 284 / 1.284 as the language writes it."""
        if self.english:
            return text.num(int(n)) if float(n).is_integer() else f"{n:,.1f}"
        return format_decimal(n, format="#,##0.#", locale=self._locale)

    def pct(self, share: float) -> str:
        """A whole percent, keeping tiny shares visible ("<1%", ">99%")."""
        if self.english:
            return text.pct(share)
        if 0 < share < 0.005:
            return "<" + format_percent(0.01, locale=self._locale)
        if 0.995 < share < 1:
            return ">" + format_percent(0.99, locale=self._locale)
        return format_percent(round(share, 2), locale=self._locale)

    def whole_pct(self, share: float) -> str:
        """A whole percent with no "<1%" for tiny shares: "40%", "40 %"."""
        if self.english:
            return f"{share * 100:.0f}%"
        return format_percent(round(share, 2), locale=self._locale)

    def rate(self, value: float) -> str:
        """A small rate: two decimals under 10, else one ("0.42", "12.5")."""
        if self.english:
            return f"{value:.2f}" if value < 10 else f"{value:.1f}"
        return format_decimal(value, format="0.00" if value < 10 else "0.0", locale=self._locale)

    def day(self, d: date) -> str:
        """A date: "3 Nov 2026", "3 nov. 2026", "2026/11/03"."""
        if self.english:
            return text.day(d)
        return format_date(d, format="medium", locale=self._locale)

    def day_range(self, start: date, end: date) -> str:
        """A span of dates, written once where the language shares the month and year."""
        if self.english:
            return text.day_range(start, end)
        if start == end:
            return self.day(start)
        return format_interval(start, end, skeleton="yMMMd", locale=self._locale)

    def span(self, start: datetime, end: datetime) -> str:
        """How long a span lasted in words: "40 seconds", "12 minutes", "2.5 hours"."""
        if self.english:
            return text.minutes(start, end)
        secs = max(1.0, (end - start).total_seconds())
        if secs < 5400:
            return format_timedelta(timedelta(seconds=secs), threshold=1.5, locale=self._locale)
        return self.say("{hours} hours", hours=self.num(round(secs / 3600, 1)))

    def when(self, at: datetime) -> str:
        """A UTC time in the channel's timezone, labelled: "3 Nov 2026 21:05 CET"."""
        tz = zones.zone(self.timezone)
        local = at.astimezone(tz)
        label = zones.abbreviation(at, tz)
        if self.english:
            return f"{text.day(local.date())} {local:%H:%M} {label}"
        clock = format_time(local, format="HH:mm", locale=self._locale)
        return f"{self.day(local.date())} {clock} {label}"

    def weekday(self, index: int) -> str:
        """The name of a weekday, 0 = Monday: "Monday", "lundi", "月曜日"."""
        return str(get_day_names("wide", locale=self._locale)[index % 7])

    def zone_label(self, now: datetime | None = None) -> str:
        """The timezone for a page footer: "Europe/Paris (UTC+01 now)", or "UTC"."""
        if self.english or self.timezone == zones.UTC_NAME:
            return zones.describe(self.timezone, now=now)
        moment = (now or datetime.now(UTC)).astimezone(zones.zone(self.timezone))
        return self.say("{zone} ({offset} now)", zone=self.timezone, offset=zones.offset(moment))

    def jinja(self) -> dict[str, Callable[..., Any]]:
        """`gettext`/`ngettext` for a template's context (jinja2.ext.i18n, newstyle)."""
        return {"gettext": self._gettext, "ngettext": self._ngettext, "num": self.num}

    def _gettext(self, message: str, **values: object) -> Markup:
        # As jinja2.ext.i18n does: the translation is markup, the values are escaped into it.
        # Our own catalogs, written and reviewed like templates: trusted markup.
        return Markup(catalog(self.language).gettext(message)) % values  # noqa: S704

    def _ngettext(self, singular: str, plural: str, n: int, **values: object) -> Markup:
        translated = catalog(self.language).ngettext(singular, plural, n)
        return Markup(translated) % {"num": n, **values}  # noqa: S704


ENGLISH = Speaker()


class Phrase(str):
    """English text computed in the analysis that can still be said in a channel's language.

    The value is the English sentence, so joins, JSON and comparisons keep working unchanged;
    `said(tr)` translates the message id (marked with `N_`) and fills the same values.
    Mark as `Phrase(N_("{n} accounts in {secs} s"), n=..., secs=...)`.
    """

    message: str
    values: dict[str, object]

    def __new__(cls, message: str, /, **values: object) -> Phrase:
        made = super().__new__(cls, message.format(**values) if values else message)
        made.message = message
        made.values = values
        return made

    def __getnewargs_ex__(self) -> tuple[tuple[object, ...], dict[str, object]]:
        return (self.message,), self.values

    def said(self, tr: Speaker) -> str:
        """The phrase in `tr`'s language (English: itself); values that are phrases or
        `Fmt` figures are said in it too."""
        if tr.english:
            return str(self)
        return tr.say(self.message, **{k: _said(v, tr) for k, v in self.values.items()})


class Fmt(str):
    """A figure formatted the English way that a `Speaker` formats again its own way.

    `Fmt("num", 1284)` is "1,284" and says "1 284" in French; the kind is a `Speaker` method
    (num, pct, day, day_range, span, when) and the arguments are its arguments.
    """

    kind: str
    args: tuple[Any, ...]

    def __new__(cls, kind: str, /, *args: Any) -> Fmt:
        made = super().__new__(cls, getattr(ENGLISH, kind)(*args))
        made.kind = kind
        made.args = args
        return made

    def __getnewargs__(self) -> tuple[Any, ...]:
        return (self.kind, *self.args)

    def said(self, tr: Speaker) -> str:
        return str(self) if tr.english else str(getattr(tr, self.kind)(*self.args))


class Lowered(str):
    """A sentence (a `Phrase` or plain text) with its first letter made small, in any language:
    "Among all followers: {finding}" ends with a sentence that began its own line."""

    inner: str

    def __new__(cls, inner: str) -> Lowered:
        made = super().__new__(cls, _lower_first(str(inner)))
        made.inner = inner
        return made

    def __getnewargs__(self) -> tuple[str]:
        return (self.inner,)

    def said(self, tr: Speaker) -> str:
        return _lower_first(said(self.inner, tr))


def _lower_first(sentence: str) -> str:
    return sentence[:1].lower() + sentence[1:] if sentence[:1].isalpha() else sentence


def to_data(text: object) -> Any:
    """A `Phrase` (with `Fmt` figures of numbers) as JSON-ready data; other text as it is.

    Stored reports keep their English text; this is stored beside it so that a page rendered
    later from the stored report can still say it in the channel's language.
    """
    if isinstance(text, Phrase):
        return {"say": text.message, "with": {k: to_data(v) for k, v in text.values.items()}}
    if isinstance(text, Fmt):
        return {"fmt": text.kind, "args": [_arg_data(a) for a in text.args]}
    if isinstance(text, Lowered):
        return {"lower": to_data(text.inner)}
    return text


def from_data(data: Any) -> Any:
    """The `Phrase`, `Fmt` or plain value that `to_data` stored."""
    if not isinstance(data, dict):
        return data
    if isinstance(data.get("say"), str):
        return Phrase(data["say"], **{k: from_data(v) for k, v in data.get("with", {}).items()})
    if data.get("fmt") in _DATA_KINDS:
        return Fmt(data["fmt"], *(_arg_from(a) for a in data.get("args", ())))
    if "lower" in data:
        return Lowered(from_data(data["lower"]))
    return data


_DATA_KINDS = frozenset({"num", "pct", "whole_pct", "rate", "day", "day_range", "span", "when"})


def _arg_data(value: object) -> object:
    if isinstance(value, datetime):
        return {"at": value.isoformat()}
    if isinstance(value, date):
        return {"day": value.isoformat()}
    return value


def _arg_from(value: object) -> object:
    if isinstance(value, dict) and isinstance(value.get("at"), str):
        return datetime.fromisoformat(value["at"])
    if isinstance(value, dict) and isinstance(value.get("day"), str):
        return date.fromisoformat(value["day"])
    return value


def said(text: str, tr: Speaker) -> str:
    """A `Phrase`, `Fmt` or `Lowered` in `tr`'s language; any other text as it is."""
    return text.said(tr) if isinstance(text, Phrase | Fmt | Lowered) else text


def _said(value: object, tr: Speaker) -> object:
    return value.said(tr) if isinstance(value, Phrase | Fmt | Lowered) else value


def joined(*parts: str) -> Phrase:
    """Parts (phrases or plain text) said one after the other, each in the channel's language."""
    return Phrase(
        "".join(f"{{p{i}}}" for i in range(len(parts))), **{f"p{i}": p for i, p in enumerate(parts)}
    )


class Speakers:
    """Channels' speakers, remembered for a while: a reply needs no database read each time.

    Without the read, replies to commands typed in a row leave in the order they came (an await
    before each reply would let them overtake one another). Another process changing the
    language (the dashboard in conduit mode) is seen within `ttl_s`.
    """

    def __init__(self, ttl_s: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_s
        self._clock = clock
        self._known: dict[int, tuple[float, Speaker]] = {}

    def get(self, channel_id: int) -> Speaker | None:
        """The channel's speaker if it was read within the last `ttl_s`, else None."""
        known = self._known.get(channel_id)
        if known is None or self._clock() - known[0] > self._ttl:
            return None
        return known[1]

    def remember(self, channel_id: int, speaker: Speaker) -> None:
        self._known[channel_id] = (self._clock(), speaker)
