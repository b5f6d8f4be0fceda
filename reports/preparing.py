"""The "being prepared" page: what a report link serves while its files are still being written.

The chat answer goes out first and the report files right after; a moderator who opens the link
in that moment gets this small page, which reloads itself every few seconds (a meta refresh,
no script) until the report is there, never a 404.
"""

from __future__ import annotations

from reports.html_page import csp, render
from reports.i18n import ENGLISH, Speaker

REFRESH_S = 2


def preparing_html(
    *, title: str = "", refresh_s: int = REFRESH_S, speaker: Speaker = ENGLISH
) -> str:
    """Return the self-refreshing page shown until the report exists, in `speaker`'s language."""
    return render(
        "preparing.html",
        speaker=speaker,
        title=title or speaker.say("botcheck report"),
        refresh_s=max(1, refresh_s),
    )


def preparing_csp() -> str:
    """Return the Content-Security-Policy for the page: its stylesheet by hash, nothing else."""
    return csp()
