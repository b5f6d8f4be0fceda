"""Report routes on a plain aiohttp app, served on 127.0.0.1 and asked with a real client."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.pages.routes import TOKEN_RE, RateLimit, add_report_routes, new_report_token
from reports.analysis import analyze
from reports.page import ReportLinks, page_csp
from reports.render import write_report
from tests.reports.builders import NOW, organic

SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


class Reports:
    """A resolver over a directory of reports, recording what it was asked."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.asked: list[str] = []
        self.expired: set[str] = set()
        self.broken = False

    async def resolve(self, token: str) -> Path | None:
        self.asked.append(token)
        if self.broken:
            raise RuntimeError("database is gone")
        path = self.root / token
        return path if path.is_dir() and token not in self.expired else None


@pytest.fixture(scope="module")
def report_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("reports")
    token = new_report_token()
    accounts = organic(300)
    a = analyze(accounts, now=NOW, viewer_count=280)
    write_report(a, accounts, root / token, title="#chan", links=ReportLinks.for_token(token))
    (root / "secret.txt").write_text("do not serve")
    return root, token


@pytest.fixture
async def client(report_root: tuple[Path, str]) -> AsyncIterator[tuple[TestClient, Reports]]:
    reports = Reports(report_root[0])
    app = web.Application()
    add_report_routes(app, reports.resolve, rate_limit=RateLimit(burst=1_000, per_second=100))
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c, reports


def assert_secure(resp: object) -> None:
    headers = resp.headers  # type: ignore[attr-defined]
    for name, value in SECURITY.items():
        assert headers[name] == value
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "no-store" in headers["Cache-Control"] and "private" in headers["Cache-Control"]


def test_tokens_are_random_and_long() -> None:
    tokens = {new_report_token() for _ in range(1_000)}
    assert len(tokens) == 1_000
    assert all(TOKEN_RE.fullmatch(t) for t in tokens)
    assert all(len(t) * 6 >= 128 for t in tokens)  # base64: 6 bits a character


async def test_page_and_downloads(
    client: tuple[TestClient, Reports], report_root: tuple[Path, str]
) -> None:
    c, reports = client
    token = report_root[1]
    resp = await c.get(f"/r/{token}")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert resp.headers["Content-Security-Policy"] == page_csp()
    assert_secure(resp)
    page = await resp.text()
    assert f'href="{token}.csv"' in page  # relative: /r/<token>.csv

    resp = await c.get(f"/r/{token}.png")
    assert resp.status == 200 and resp.headers["Content-Type"] == "image/png"
    assert (await resp.read()).startswith(b"\x89PNG")
    assert_secure(resp)

    resp = await c.get(f"/r/{token}.csv")
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert len(rows) == 300

    resp = await c.get(f"/r/{token}.json")
    assert resp.headers["Content-Type"].startswith("application/json")
    assert json.loads(await resp.text())["verdict"]["level"] == "low"
    assert_secure(resp)

    resp = await c.head(f"/r/{token}")
    assert resp.status == 200
    assert reports.asked == [token] * 5


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/r/", id="empty"),
        pytest.param("/r", id="bare-prefix"),
        pytest.param("/r/short", id="short"),
        pytest.param("/r/" + "A" * 31 + "!", id="bad-character"),
        pytest.param("/r/" + "A" * 33, id="too-long"),
        pytest.param("/r/../secret.txt", id="dot-dot"),
        pytest.param("/r/%2e%2e%2fsecret.txt", id="encoded-dot-dot"),
        pytest.param("/r/..%2Fsecret.txt", id="encoded-slash"),
        pytest.param("/r/secret.txt", id="other-file"),
        pytest.param("/r/" + "A" * 32 + ".html", id="wrong-extension"),
        pytest.param("/r/" + "A" * 32 + ".png.csv", id="double-extension"),
        pytest.param("/r/" + "A" * 32 + "/index.html", id="sub-path"),
        pytest.param("/r/" + "A" * 32 + "%00.png", id="nul"),
        pytest.param("/r/index.html", id="file-name"),
    ],
)
async def test_malformed_paths_are_refused_before_resolving(
    client: tuple[TestClient, Reports], path: str
) -> None:
    c, reports = client
    # Raw bytes on the wire: an HTTP client library would tidy "../" away before sending.
    status, headers, body = await raw_get(c.host, c.port, path)
    assert status == 404
    for name, value in SECURITY.items():
        assert headers[name.lower()] == value
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "do not serve" not in body
    assert reports.asked == []


async def raw_get(host: str, port: int, path: str) -> tuple[int, dict[str, str], str]:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()
    head, _, body = raw.decode("latin-1").partition("\r\n\r\n")
    status_line, *lines = head.split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines)}
    return int(status_line.split()[1]), headers, body


async def test_unknown_and_expired_tokens_are_404(
    client: tuple[TestClient, Reports], report_root: tuple[Path, str]
) -> None:
    c, reports = client
    unknown = new_report_token()
    resp = await c.get(f"/r/{unknown}")
    assert resp.status == 404
    assert_secure(resp)
    reports.expired.add(report_root[1])
    for suffix in ("", ".png", ".csv", ".json"):
        resp = await c.get(f"/r/{report_root[1]}{suffix}")
        assert resp.status == 404
    assert reports.asked == [unknown] + [report_root[1]] * 4


async def test_a_resolver_failure_is_a_503_not_a_traceback(
    client: tuple[TestClient, Reports], report_root: tuple[Path, str]
) -> None:
    c, reports = client
    reports.broken = True
    resp = await c.get(f"/r/{report_root[1]}")
    assert resp.status == 503
    assert_secure(resp)
    assert "Traceback" not in await resp.text()


async def test_missing_file_in_a_known_report_is_404(
    report_root: tuple[Path, str], tmp_path: Path
) -> None:
    token = new_report_token()
    (tmp_path / token).mkdir()

    async def resolve(t: str) -> Path | None:
        return tmp_path / t

    app = web.Application()
    add_report_routes(app, resolve)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        resp = await c.get(f"/r/{token}.png")
        assert resp.status == 404


async def test_rate_limit_per_address(report_root: tuple[Path, str]) -> None:
    reports = Reports(report_root[0])
    clock = [0.0]
    app = web.Application()
    limiter = RateLimit(burst=3, per_second=1.0, clock=lambda: clock[0])
    add_report_routes(app, reports.resolve, rate_limit=limiter)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        statuses = [(await c.get(f"/r/{report_root[1]}.json")).status for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        resp = await c.get("/r/nonsense")
        assert resp.status == 429
        assert_secure(resp)
        clock[0] += 1.0  # one token back
        assert (await c.get(f"/r/{report_root[1]}.json")).status == 200


def test_rate_limit_forgets_idle_clients() -> None:
    clock = [0.0]
    limiter = RateLimit(burst=2, per_second=1.0, clock=lambda: clock[0])
    limiter.MAX_CLIENTS = 10
    for i in range(10):
        assert limiter.allow(f"10.0.0.{i}") == 0.0
    clock[0] += 5.0
    assert limiter.allow("10.0.1.1") == 0.0
    assert limiter.clients == 1  # the idle ones were full again: forgotten
