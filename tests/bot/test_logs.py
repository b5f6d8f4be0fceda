from __future__ import annotations

import io
import logging

import pytest

from bot.logs import configure_logging, redact

SECRET = "k3j4h5g6f7d8s9a0q1w2e3r4t5y6u7"


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(f"Authorization: Bearer {SECRET}", id="bearer-header"),
        pytest.param(f'{{"access_token": "{SECRET}"}}', id="json"),
        pytest.param(f"POST /oauth2/token?client_secret={SECRET}&grant_type=x", id="query"),
        pytest.param(f'Please re-authenticate user with token: "{SECRET}"', id="twitchio"),
        pytest.param(f"oauth:{SECRET}", id="irc-style"),
        pytest.param(f"refresh_token={SECRET}", id="refresh"),
    ],
)
def test_redact_hides_tokens(line: str) -> None:
    assert SECRET not in redact(line)


def test_no_token_reaches_a_handler() -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream)
    log = logging.getLogger("twitchio.somewhere")
    log.warning("token: %s", SECRET)
    try:
        raise RuntimeError(f"failed with access_token={SECRET}")
    except RuntimeError:
        logging.getLogger("bot.x").exception("boom")
    assert SECRET not in stream.getvalue()
    assert "boom" in stream.getvalue()
    logging.getLogger().handlers.clear()
