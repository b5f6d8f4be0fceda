"""Why a capture stopped short: kept as a phrase, read back in any language, named for the API."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.capture.model import (
    LIST_OVERRAN,
    LOOKUPS_FAILED,
    RATE_LIMITED,
    REASON_CODES,
    UNAVAILABLE,
    reason_code,
    reason_said,
    stop_reason,
)
from reports.i18n import Fmt, Phrase, Speaker, joined, said
from storage import Capture, CaptureStatus

SPEC = json.loads((Path(__file__).parents[3] / "docs" / "openapi.json").read_text())
FR = Speaker("fr")

CAPTURE = Capture(
    capture_id=1,
    channel_id=1,
    requested_by_id=None,
    requested_by_login="moddy",
    started_at=datetime(2026, 12, 1, tzinfo=UTC),
    finished_at=datetime(2026, 12, 1, tzinfo=UTC),
    status=CaptureStatus.PARTIAL,
    status_reason="",
    chatter_total=None,
    chatter_count=0,
    looked_up_count=0,
    viewer_count=None,
    report_token="t" * 32,
    pinned=False,
    verdict=None,
    summary=None,
)


def _stored(reason: str) -> Capture:
    """The capture row as storage gives it back: English beside the phrase's JSON."""
    return replace(CAPTURE, status_reason=str(reason), status_said=reason_said(reason))


@pytest.mark.parametrize(
    ("reason", "french", "code"),
    [
        pytest.param(
            Phrase(LIST_OVERRAN, total=Fmt("num", 1), pages=Fmt("num", 4)),
            "la liste des chatteurs de Twitch a dépassé son total de 1 après 4 pages",
            "chatter_list_overran",
            id="figures",
        ),
        pytest.param(
            joined(
                Phrase(LIST_OVERRAN, total=Fmt("num", 1), pages=Fmt("num", 4)),
                "; ",
                Phrase(LOOKUPS_FAILED, count=Fmt("num", 3), why=Phrase(RATE_LIMITED)),
            ),
            "la liste des chatteurs de Twitch a dépassé son total de 1 après 4 pages; "
            "3 comptes n’ont pas pu être consultés (limite de requêtes trop longtemps)",
            "chatter_list_overran",
            id="joined-named-by-the-first",
        ),
        pytest.param(UNAVAILABLE, "Twitch n’a pas répondu", "twitch_unavailable", id="legacy-id"),
        pytest.param("an old sentence", "an old sentence", None, id="legacy-text"),
        pytest.param("", "", None, id="none"),
    ],
)
def test_a_stored_reason_reads_back_said_and_named(
    reason: str, french: str, code: str | None
) -> None:
    back = stop_reason(_stored(reason))
    assert str(back) == str(reason)
    assert said(back, FR) == french
    assert reason_code(back) == code


def test_unreadable_phrase_json_falls_back_to_the_english() -> None:
    row = replace(CAPTURE, status_reason="Twitch did not answer", status_said="{not json")
    assert said(stop_reason(row), FR) == "Twitch n’a pas répondu"


def test_every_reason_code_is_in_the_openapi_enum() -> None:
    enum = SPEC["components"]["schemas"]["Check"]["properties"]["status_reason_code"]["enum"]
    assert set(enum) == {*REASON_CODES.values(), None}
