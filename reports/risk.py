"""Message risk: a score from 0 to 1 and a category for a group of chat messages (a raid, a
burst of flagged messages), from a transparent rule set shipped in ``risk_words.txt``.

The score adds three parts, as the live-speech system this project grew from did::

    risk = min(1, base + spread + hate)

    base   = 0.30 * max(spam_share, harassment_share, duplicate_share / 2)   (0 .. 0.30)
    spread = 0.10 * min(1, log10(1 + accounts) / 2)                          (0 .. 0.20)
           + 0.10 * min(1, messages_per_second / 5)
    hate   = 0.50 * min(1, hate_share / 0.2)                                 (0 .. 0.50)

where a share is the fraction of messages with at least one term of that list (after
`textnorm.words` folds the usual disguises), ``duplicate_share`` the fraction that are near
copies of another (given by the caller, e.g. the raid detector), ``accounts`` the distinct
authors and ``messages_per_second`` over the group's span. Hate weighs most: one message in
five with a slur is enough for the full half. The category, in order: ``hate`` when
hate_share >= 0.1, ``harassment`` when harassment_share >= 0.2, ``spam`` when spam_share >= 0.3
or duplicate_share >= 0.5, else ``neutral``.

It cannot read meaning: irony, quotes, reclaimed words, new slang and words split across
messages pass or fail on the lists alone. `reports.risk_llm` can ask a language model instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from reports import textnorm
from reports.i18n import N_, Fmt, Phrase, joined

_URL = re.compile(r"(?:https?://|www\.|\b[a-z0-9-]+\.(?:com|net|org|gg|tv|ru|xyz|io|ly)\b)", re.I)
_ONE_RUN = re.compile(r"(.)\1+")


class Category(StrEnum):
    NEUTRAL = "neutral"
    SPAM = "spam"
    HARASSMENT = "harassment"
    HATE = "hate"


@dataclass(frozen=True, slots=True)
class Risk:
    """A score 0-1, its category, a one-line justification and the formula's parts."""

    score: float
    category: Category
    justification: str
    base: float = 0.0
    spread: float = 0.0
    hate: float = 0.0
    source: str = "rules"  # or "llm:<model>"

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 3),
            "category": self.category.value,
            "justification": self.justification,
            "base": round(self.base, 3),
            "spread": round(self.spread, 3),
            "hate": round(self.hate, 3),
            "source": self.source,
        }


def _fold(term: str) -> tuple[str, ...]:
    return tuple(_ONE_RUN.sub(r"\1", w) for w in textnorm.words(term))


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Terms by category, folded once: single words in a set, phrases as word tuples."""

    words: dict[Category, frozenset[str]]
    phrases: dict[Category, tuple[tuple[str, ...], ...]]

    @classmethod
    def from_terms(cls, terms: dict[Category, Iterable[str]]) -> RuleSet:
        words: dict[Category, frozenset[str]] = {}
        phrases: dict[Category, tuple[tuple[str, ...], ...]] = {}
        for cat, items in terms.items():
            folded = [f for f in (_fold(t) for t in items) if f]
            words[cat] = frozenset(f[0] for f in folded if len(f) == 1)
            phrases[cat] = tuple(f for f in folded if len(f) > 1)
        return cls(words, phrases)

    @classmethod
    def default(cls) -> RuleSet:
        """Return the rule set shipped in ``reports/risk_words.txt``."""
        return _default()

    def with_terms(self, category: Category, terms: Iterable[str]) -> RuleSet:
        """Return a copy with more terms in one category (a channel's own list, test tokens)."""
        extra = RuleSet.from_terms({category: terms})
        words = dict(self.words)
        phrases = dict(self.phrases)
        words[category] = words.get(category, frozenset()) | extra.words[category]
        phrases[category] = phrases.get(category, ()) + extra.phrases[category]
        return RuleSet(words, phrases)

    def categories(self, text: str) -> set[Category]:
        """Return the categories whose terms appear in ``text`` (spam also for links)."""
        folded = [_ONE_RUN.sub(r"\1", w) for w in textnorm.words(text)]
        found: set[Category] = set()
        present = set(folded)
        for cat, terms in self.words.items():
            if not terms.isdisjoint(present):
                found.add(cat)
        joined = " " + " ".join(folded) + " "
        for cat, phrases in self.phrases.items():
            if cat not in found and any(" " + " ".join(p) + " " in joined for p in phrases):
                found.add(cat)
        if _URL.search(text):
            found.add(Category.SPAM)
        return found


def parse_words(text: str) -> dict[Category, list[str]]:
    """Parse a word-list file: ``[category]`` headers, one term a line, ``#`` comments."""
    out: dict[Category, list[str]] = {c: [] for c in Category if c is not Category.NEUTRAL}
    current: Category | None = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = Category(line[1:-1].strip())
        elif current is None:
            raise ValueError(f"term {line!r} before any [category] header")
        else:
            out[current].append(line)
    return out


@cache
def _default() -> RuleSet:
    text = resources.files("reports").joinpath("risk_words.txt").read_text(encoding="utf-8")
    return RuleSet.from_terms(dict(parse_words(text)))


def assess(
    messages: Sequence[str],
    *,
    accounts: int,
    seconds: float,
    duplicate_share: float = 0.0,
    rules: RuleSet | None = None,
) -> Risk:
    """Return the risk of a group of messages by the formula in the module docstring."""
    rules = rules or RuleSet.default()
    n = len(messages)
    if n == 0:
        return Risk(0.0, Category.NEUTRAL, Phrase(N_("no messages")))
    counts = dict.fromkeys(Category, 0)
    for text in messages:
        for cat in rules.categories(text):
            counts[cat] += 1
    hate_share = counts[Category.HATE] / n
    harass_share = counts[Category.HARASSMENT] / n
    spam_share = counts[Category.SPAM] / n
    rate = n / max(seconds, 1.0)
    base = 0.30 * max(spam_share, harass_share, duplicate_share / 2)
    spread = 0.10 * min(1.0, math.log10(1 + accounts) / 2) + 0.10 * min(1.0, rate / 5)
    hate = 0.50 * min(1.0, hate_share / 0.2)
    score = min(1.0, base + spread + hate)
    if hate_share >= 0.1:
        category = Category.HATE
    elif harass_share >= 0.2:
        category = Category.HARASSMENT
    elif spam_share >= 0.3 or duplicate_share >= 0.5:
        category = Category.SPAM
    else:
        category = Category.NEUTRAL
    # A `Phrase`: English in the JSON and the audit, the channel's language on the raid page.
    parts: list[str] = []
    for cat, found in (
        (Category.HATE, N_("hateful terms in {count} of {total} messages")),
        (Category.HARASSMENT, N_("insults or threats in {count} of {total} messages")),
        (Category.SPAM, N_("spam terms or links in {count} of {total} messages")),
    ):
        if counts[cat]:
            parts += [Phrase(found, count=counts[cat], total=n), "; "]
    if duplicate_share >= 0.3:
        parts += [
            Phrase(N_("{share} near-identical"), share=Fmt("whole_pct", duplicate_share)),
            "; ",
        ]
    parts.append(
        Phrase(N_("{accounts} accounts, {rate} msg/s"), accounts=accounts, rate=f"{rate:.1f}")
    )
    return Risk(score, category, joined(*parts), base, spread, hate)


# The categories in words (the English word is the category's value).
CATEGORY_WORDS = {
    Category.NEUTRAL: N_("neutral"),
    Category.SPAM: N_("spam"),
    Category.HARASSMENT: N_("harassment"),
    Category.HATE: N_("hate"),
}


def category_word(category: Category) -> Phrase:
    """The category as a `Phrase`: its value in English, its word in a channel's language."""
    return Phrase(CATEGORY_WORDS[category])
