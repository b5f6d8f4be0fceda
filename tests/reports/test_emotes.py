"""The `emote` filter: an image from our own origin for a third-party emote, else the name."""

from __future__ import annotations

import jinja2
import pytest

from reports.emotes import emote_html, install
from storage.stats_results import EmoteCount


@pytest.mark.parametrize(
    ("value", "images", "html"),
    [
        pytest.param(
            "7tv:abc123:catJAM",
            True,
            '<img class="emote" src="/emotes/7tv/abc123" alt="catJAM" title="catJAM (7TV)"'
            ' height="28" loading="lazy">',
            id="image",
        ),
        pytest.param(
            "7tv:abc123:catJAM",
            False,
            '<span class="emote" title="catJAM (7TV)">catJAM</span>',
            id="images-off",
        ),
        pytest.param(
            "Kappa", True, '<span class="emote" title="Kappa (Twitch)">Kappa</span>', id="twitch"
        ),
        pytest.param(
            "<3", True, '<span class="emote" title="&lt;3 (Twitch)">&lt;3</span>', id="escaped"
        ),
        pytest.param(
            "bttv:b1:<b>",
            True,
            '<img class="emote" src="/emotes/bttv/b1" alt="&lt;b&gt;" title="&lt;b&gt; (BetterTTV)"'
            ' height="28" loading="lazy">',
            id="escaped-name",
        ),
    ],
)
def test_emote_html(value: str, images: bool, html: str) -> None:
    assert str(emote_html(value, images=images)) == html


def test_the_filter_takes_emote_counts_in_an_autoescaping_environment() -> None:
    env = jinja2.Environment(autoescape=True)
    install(env, images=True)
    page = env.from_string("{% for e in top %}{{ e|emote }} {{ e.count }};{% endfor %}").render(
        top=[EmoteCount("ffz:9:LilZ", 4), EmoteCount("Kappa", 2)]
    )
    assert page == (
        '<img class="emote" src="/emotes/ffz/9" alt="LilZ" title="LilZ (FrankerFaceZ)" height="28"'
        ' loading="lazy"> 4;<span class="emote" title="Kappa (Twitch)">Kappa</span> 2;'
    )
