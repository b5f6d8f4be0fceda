"""Rule-based message risk: the formula's parts, the categories, and the word-list file."""

from __future__ import annotations

import pytest

from reports.risk import Category, RuleSet, assess, parse_words

SLUR = "slurxa"  # a placeholder, never a real slur
RULES = RuleSet.default().with_terms(Category.HATE, [SLUR])


@pytest.mark.parametrize(
    ("messages", "category"),
    [
        pytest.param(["nice play", "gg", "lol"], Category.NEUTRAL, id="neutral"),
        pytest.param(["buy cheap viewers at bigfollows dot com"] * 4, Category.SPAM, id="spam"),
        pytest.param(["visit https://example.test now"] * 2, Category.SPAM, id="links"),
        pytest.param(["you are an idiot", "kys", "lol"], Category.HARASSMENT, id="harassment"),
        pytest.param([f"{SLUR} streamer", "get out", "lol"], Category.HATE, id="hate"),
        pytest.param(["S L U R X A go home"], Category.HATE, id="spaced-out"),
        pytest.param(["ѕlurха"], Category.HATE, id="lookalikes"),
    ],
)
def test_categories(messages: list[str], category: Category) -> None:
    risk = assess(messages, accounts=len(messages), seconds=5, rules=RULES)
    assert risk.category is category
    assert risk.justification


def test_formula_parts_add_up_and_hate_weighs_most() -> None:
    hate = assess([f"{SLUR}"] * 10, accounts=10, seconds=2, rules=RULES)
    spam = assess(["cheap viewers"] * 10, accounts=10, seconds=2, rules=RULES)
    assert hate.score == pytest.approx(min(1.0, hate.base + hate.spread + hate.hate))
    assert hate.hate == pytest.approx(0.5)
    assert hate.score > spam.score
    assert 0.0 <= spam.score <= 1.0


def test_spread_grows_with_accounts_and_speed() -> None:
    slow = assess(["hello"] * 5, accounts=2, seconds=60, rules=RULES)
    fast = assess(["hello"] * 50, accounts=50, seconds=5, rules=RULES)
    assert fast.spread > slow.spread
    assert fast.category is Category.NEUTRAL


def test_duplicates_alone_make_spam() -> None:
    risk = assess(["same words here"] * 8, accounts=8, seconds=3, duplicate_share=1.0, rules=RULES)
    assert risk.category is Category.SPAM


def test_no_messages() -> None:
    assert assess([], accounts=0, seconds=0).score == 0.0


def test_shipped_words_parse_and_do_not_flag_ordinary_chat() -> None:
    rules = RuleSet.default()
    assert rules.words[Category.HATE] and rules.words[Category.SPAM]
    for text in ("what a play", "love this song", "classic", "assassin", "scunthorpe"):
        assert not rules.categories(text) & {Category.HATE, Category.HARASSMENT}, text


def test_parse_words_rejects_terms_before_a_header() -> None:
    assert parse_words("# c\n[spam]\nfoo bar\n")[Category.SPAM] == ["foo bar"]
    with pytest.raises(ValueError, match="header"):
        parse_words("foo\n")
