"""The "being prepared" page: small, escaped, and it refreshes itself."""

from __future__ import annotations

import base64
import hashlib
import re

from reports.preparing import preparing_csp, preparing_html


def test_page_refreshes_itself_and_says_why() -> None:
    page = preparing_html(title="#chan <check>", refresh_s=3)
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "being prepared" in page
    assert "&lt;check&gt;" in page
    assert "<script" not in page
    assert len(page.encode()) < 8_000


def test_csp_allows_its_stylesheet_only() -> None:
    style = re.search(r"<style>(.*?)</style>", preparing_html(), re.DOTALL)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in preparing_csp()
    assert "script-src" not in preparing_csp()
