"""The text a reader sees on a page (and hears from a screen reader), for language tests."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

# Attributes whose words are read or shown.
_READ = frozenset({"title", "alt", "aria-label", "placeholder"})
_HIDDEN = frozenset({"script", "style"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        self.parts += [v for k, v in attrs if k in _READ and v]
        if tag == "input":  # a button's label
            kind = dict(attrs).get("type")
            value = dict(attrs).get("value")
            if kind in ("submit", "button") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's words as one line: text outside scripts and styles, and read attributes."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_left(text: str, words: Iterable[str], allowed: Iterable[str] = ()) -> list[str]:
    """The English `words` found in `text` (whole words, case kept) once `allowed` proper
    names (logins, titles, categories) are taken out."""
    for name in sorted(allowed, key=len, reverse=True):
        text = text.replace(name, " ")
    return sorted({w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)})
