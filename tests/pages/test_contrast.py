"""The stylesheet's colour pairs meet WCAG AA (4.5:1 for text) in light and dark mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).parents[2] / "bot/pages/dashboard/static/dashboard.css").read_text()
LIGHT, DARK = CSS.split("@media (prefers-color-scheme: dark)", 1)
DARK = DARK.split("}\n}", 1)[0]

# (text, background) pairs the pages put together.
PAIRS = [
    ("fg", "bg"),
    ("muted", "bg"),
    ("link", "bg"),
    ("fg", "card"),
    ("muted", "card"),
    ("link", "card"),
    ("accent-fg", "accent"),
    ("low", "low-bg"),
    ("elev", "elev-bg"),
    ("high", "high-bg"),
    ("fg", "none-bg"),
    ("danger", "bg"),
    ("bg", "danger"),
]


def palette(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", block))


def luminance(hex_: str) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize(("text", "background"), PAIRS, ids=[f"{t}-on-{b}" for t, b in PAIRS])
def test_text_contrast_is_aa(mode: str, text: str, background: str) -> None:
    colours = palette(LIGHT) | (palette(DARK) if mode == "dark" else {})
    ratio = contrast(colours[text], colours[background])
    assert ratio >= 4.5, f"{text} on {background} in {mode} mode: {ratio:.2f}:1"
