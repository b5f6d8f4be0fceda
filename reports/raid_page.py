"""The raid page and its downloads: HTML (Jinja2), a CSV of the accounts and the JSON.

Mobile-first and in dark mode when the phone is, like the report page: one file, no script,
no request elsewhere; its only stylesheet is inline and allowed by hash (`raid_page_csp`); the
timeline's bars are ``<progress>`` elements, so no inline style is needed.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import jinja2

from reports import zones
from reports.i18n import ENGLISH, N_, Speaker, said
from reports.raid_model import Raid, RaidKind
from reports.risk import category_word

TEMPLATE = "raid_page.html"
CSV_NAME, JSON_NAME = "raid-accounts.csv", "raid.json"
MAX_ROWS = 300  # per table; the downloads hold everything
CSV_COLUMNS = ("user_id", "login", "created_at", "age_days", "first_time", "messages", "first_at")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LABELS = {
    RaidKind.HONEST: N_("Honest raid"),
    RaidKind.SPAM: N_("Spam raid"),
    RaidKind.HATE: N_("Hate raid"),
}


@dataclass(frozen=True, slots=True)
class RaidLinks:
    """Where the page's downloads live, relative to the page."""

    csv: str = CSV_NAME
    json: str = JSON_NAME
    expiry: str = "unless pinned"

    @classmethod
    def for_token(cls, token: str, expiry: str = "unless pinned") -> RaidLinks:
        return cls(f"{token}.csv", f"{token}.json", expiry)


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reports", "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        extensions=["jinja2.ext.i18n"],  # gettext comes with each render (see html_page)
    )
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    return env


@cache
def raid_page_csp() -> str:
    """Return the Content-Security-Policy that lets the raid page render and nothing more: its
    own inline stylesheet (by hash) and data: images."""
    source = _env().loader.get_source(_env(), TEMPLATE)[0]  # type: ignore[union-attr]
    style = re.search(r"<style>(.*?)</style>", source, re.DOTALL)
    assert style is not None, f"{TEMPLATE} has no inline stylesheet"
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


@dataclass(frozen=True, slots=True)
class _Row:
    login: str
    first_time: bool
    created: str
    age: str
    messages: int


def _age(created_at: datetime | None, now: datetime, tr: Speaker) -> str:
    if created_at is None:
        return "–"
    days = (now - created_at).total_seconds() / 86_400
    if days < 1:
        return tr.say("{hours} h", hours=f"{days * 24:.0f}")
    return tr.say("{days} d", days=f"{days:.0f}")


def raid_page_html(
    raid: Raid, *, links: RaidLinks | None = None, speaker: Speaker = ENGLISH
) -> str:
    """Return the raid page as one HTML document, in the speaker's language and timezone."""
    tr = speaker
    links = links or RaidLinks()
    now = raid.detected_at
    tz = zones.zone(tr.timezone)
    zone_label = zones.abbreviation(now, tz)
    rows = [
        _Row(
            a.login,
            a.first_time,
            tr.say("unknown")
            if a.created_at is None
            else f"{a.created_at.astimezone(tz):%Y-%m-%d %H:%M}",
            _age(a.created_at, now, tr),
            a.messages,
        )
        for a in raid.accounts
    ]
    young = sum(
        1 for a in raid.accounts if a.created_at is not None and (now - a.created_at).days < 30
    )
    timeline = raid.timeline[:MAX_ROWS]
    label = tr.say(_LABELS[raid.kind])
    title = tr.say(
        "{label} in {channel} · {day}",
        label=label,
        channel=raid.channel,
        day=tr.day(raid.detected_at.astimezone(tz).date()),
    )
    return str(
        _env()
        .get_template(TEMPLATE)
        .render(
            **tr.jinja(),
            lang=tr.language,
            title=title,
            label=label,
            raid=raid,
            reasons=[said(r, tr) for r in raid.reasons],
            risk_word=said(category_word(raid.risk.category), tr),
            risk_why=said(raid.risk.justification, tr),
            detected=zones.clock(raid.detected_at, tz, seconds=True),
            started=zones.clock(raid.started_at, tz, seconds=True),
            tz=tz,
            zone_label=zone_label,
            zone=tr.zone_label(now=now),
            first_time=sum(1 for a in raid.accounts if a.first_time),
            young=young,
            timeline=timeline,
            peak=max((p.messages for p in timeline), default=1),
            more_points=len(raid.timeline) - len(timeline),
            accounts=rows[:MAX_ROWS],
            more_accounts=max(0, len(rows) - MAX_ROWS),
            messages=raid.messages[:MAX_ROWS],
            more_messages=max(0, len(raid.messages) - MAX_ROWS),
            links=links,
        )
    )


def raid_csv_text(raid: Raid) -> str:
    """Return the raid's accounts as CSV, in order of their first message."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for a in raid.accounts:
        created = "" if a.created_at is None else a.created_at.isoformat().replace("+00:00", "Z")
        age = (
            ""
            if a.created_at is None
            else f"{(raid.detected_at - a.created_at).total_seconds() / 86_400:.2f}"
        )
        writer.writerow(
            (
                a.user_id,
                _cell(a.login),
                created,
                age,
                "yes" if a.first_time else "no",
                a.messages,
                a.first_at.isoformat().replace("+00:00", "Z"),
            )
        )
    return buf.getvalue()


def _cell(value: str) -> str:
    # Spreadsheets run cells that start with these as formulas.
    return "'" + value if value.startswith(_FORMULA_START) else value


def raid_json_text(raid: Raid) -> str:
    """Return the whole raid as pretty JSON."""
    return json.dumps(raid.to_dict(), indent=1, ensure_ascii=False) + "\n"
