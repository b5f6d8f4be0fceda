"""The emotes column's tokens: Twitch names as they are, third-party emotes as provider:id:name."""

from __future__ import annotations

import pytest

from storage.emotes import EmoteRef, decode, encode
from storage.stats_results import EmoteCount
from storage.stats_rollups import emote_names


@pytest.mark.parametrize(
    ("token", "ref"),
    [
        pytest.param("Kappa", EmoteRef("Kappa"), id="twitch"),
        pytest.param(":)", EmoteRef(":)"), id="twitch-smiley"),
        pytest.param(
            "7tv:60ae958e229664e8667aea38:catJAM",
            EmoteRef("catJAM", "7tv", "60ae958e229664e8667aea38"),
            id="7tv",
        ),
        pytest.param(
            "bttv:55028cd2135896936880fdd7:D:",
            EmoteRef("D:", "bttv", "55028cd2135896936880fdd7"),
            id="bttv-colon-name",
        ),
        pytest.param("ffz:128054:OMEGALUL", EmoteRef("OMEGALUL", "ffz", "128054"), id="ffz"),
        pytest.param("imgur:abc:x", EmoteRef("imgur:abc:x"), id="unknown-provider"),
        pytest.param("7tv:../x:y", EmoteRef("7tv:../x:y"), id="bad-id"),
        pytest.param("7tv:abc:", EmoteRef("7tv:abc:"), id="no-name"),
    ],
)
def test_decode(token: str, ref: EmoteRef) -> None:
    assert decode(token) == ref


@pytest.mark.parametrize(
    "ref",
    [
        pytest.param(EmoteRef("catJAM", "7tv", "01F6MZGCNG000255K4X1K96SLK"), id="7tv-ulid"),
        pytest.param(EmoteRef("D:", "bttv", "55028cd2135896936880fdd7"), id="bttv"),
        pytest.param(EmoteRef("LilZ", "ffz", "28136"), id="ffz"),
    ],
)
def test_encode_round_trips_and_the_rollup_split_keeps_one_token(ref: EmoteRef) -> None:
    assert ref.provider is not None and ref.emote_id is not None
    token = encode(ref.provider, ref.emote_id, ref.name)
    assert decode(token) == ref
    assert emote_names(f"Kappa {token} {token}") == ["Kappa", token, token]
    count = EmoteCount(token, 3)
    assert (count.label, count.ref) == (ref.name, ref)


@pytest.mark.parametrize(
    ("provider", "emote_id", "name"),
    [
        pytest.param("imgur", "abc", "x", id="provider"),
        pytest.param("7tv", "a/b", "x", id="id"),
        pytest.param("7tv", "abc", "two words", id="space"),
        pytest.param("7tv", "abc", "", id="empty"),
    ],
)
def test_encode_refuses_what_the_column_cannot_hold(
    provider: str, emote_id: str, name: str
) -> None:
    with pytest.raises(ValueError):
        encode(provider, emote_id, name)
