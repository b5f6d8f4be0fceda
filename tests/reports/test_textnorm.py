"""Text skeletons and near-duplicate signatures: disguises fold away, different texts differ."""

from __future__ import annotations

import pytest

from reports import textnorm


@pytest.mark.parametrize(
    ("disguised", "plain"),
    [
        pytest.param("HeLLo ChAt", "hello chat", id="case"),
        pytest.param("h\u200be\u200bl\u2060lo", "hello", id="zero-width"),
        pytest.param("hеllо", "hello", id="cyrillic-lookalikes"),
        pytest.param("ｈｅｌｌｏ", "hello", id="fullwidth"),
        pytest.param("𝓱𝓮𝓵𝓵𝓸", "hello", id="styled-letters"),
        pytest.param("h̸̢e̴l̷l̶o̵", "hello", id="zalgo"),
        pytest.param("h3ll0", "hello", id="leet"),
        pytest.param("hello!!!   ...", "hello", id="punctuation-and-spaces"),
        pytest.param("heeeeello", "heello", id="long-runs"),
    ],
)
def test_skeleton_folds_disguises(disguised: str, plain: str) -> None:
    assert textnorm.skeleton(disguised) == plain


def test_words_join_spaced_letters() -> None:
    assert textnorm.words("you are h a t e r") == ("you", "are", "hater")


def test_key_drops_repeated_words() -> None:
    assert textnorm.key("Pog POG pog") == textnorm.key("pog") == "pog"


def _sim(a: str, b: str) -> float:
    sa = textnorm.signature(textnorm.skeleton(a))
    sb = textnorm.signature(textnorm.skeleton(b))
    return textnorm.similarity(sa, sb)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(
            "Get cheap viewers at bigfollows dot com",
            "GET ch\u200beap vіewers at bigfollows dot com x7k2",
            id="spam-variant",
        ),
        pytest.param("follow my channel now", "f o l l o w my channel now", id="spaced"),
    ],
)
def test_variants_are_near_duplicates(a: str, b: str) -> None:
    assert _sim(a, b) >= 0.5
    ka = textnorm.band_keys(textnorm.signature(textnorm.skeleton(a)))
    kb = textnorm.band_keys(textnorm.signature(textnorm.skeleton(b)))
    assert set(ka) & set(kb)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("what a play that was", "can you show the settings?", id="chat"),
        pytest.param("hello from germany", "love this song", id="greetings"),
    ],
)
def test_different_texts_are_not(a: str, b: str) -> None:
    assert _sim(a, b) < 0.3


def test_empty_text_has_no_signature() -> None:
    assert textnorm.signature(textnorm.skeleton("!!! ...")) == ()
    assert textnorm.band_keys(()) == ()
    assert textnorm.similarity((), ()) == 0.0
