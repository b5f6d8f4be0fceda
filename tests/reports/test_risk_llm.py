"""The optional chat-completions risk client against a local stand-in server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web

from reports.risk import Category
from reports.risk_llm import LlmConfig, LlmRisk, parse_answer


class StandIn:
    """An OpenAI-compatible /v1/chat/completions that answers what the test sets."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.auth: list[str] = []
        self.answer = '{"score": 0.9, "category": "hate", "justification": "slurs at the streamer"}'
        self.delay = 0.0
        self.status = 200

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(await request.json())
        self.auth.append(request.headers.get("Authorization", ""))
        if self.delay:
            await asyncio.sleep(self.delay)
        body = {"choices": [{"message": {"role": "assistant", "content": self.answer}}]}
        return web.json_response(body, status=self.status)


@pytest.fixture
async def stand_in() -> AsyncIterator[tuple[StandIn, str]]:
    server = StandIn()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", server.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield server, f"http://127.0.0.1:{port}/v1"
    finally:
        await runner.cleanup()


def _config(url: str, **kw: Any) -> LlmConfig:
    env = {"BOTCHECK_LLM_URL": url, "BOTCHECK_LLM_MODEL": "tiny", "BOTCHECK_LLM_KEY": "k3y"}
    env.update({k: str(v) for k, v in kw.items()})
    return LlmConfig.from_env(env)


async def test_asks_and_reads_the_answer(stand_in: tuple[StandIn, str]) -> None:
    server, url = stand_in
    async with httpx.AsyncClient() as client:
        risk = await LlmRisk(_config(url), client).assess(["msg one", "msg two"])
    assert risk is not None
    assert (risk.score, risk.category, risk.source) == (0.9, Category.HATE, "llm:tiny")
    sent = server.requests[0]
    assert sent["model"] == "tiny" and "msg one\nmsg two" in sent["messages"][1]["content"]
    assert server.auth == ["Bearer k3y"]


async def test_off_by_default_sends_nothing(stand_in: tuple[StandIn, str]) -> None:
    server, _ = stand_in
    config = LlmConfig.from_env({})
    assert not config.enabled
    async with httpx.AsyncClient() as client:
        assert await LlmRisk(config, client).assess(["x"]) is None
    assert server.requests == []


async def test_budget_per_hour(stand_in: tuple[StandIn, str]) -> None:
    server, url = stand_in
    now = [0.0]
    async with httpx.AsyncClient() as client:
        llm = LlmRisk(_config(url, BOTCHECK_LLM_BUDGET_PER_HOUR=2), client, clock=lambda: now[0])
        results = [await llm.assess(["x"]) for _ in range(3)]
        assert [r is not None for r in results] == [True, True, False]
        now[0] = 3601.0
        assert await llm.assess(["x"]) is not None
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    ("answer", "status", "delay"),
    [
        pytest.param("I cannot help with that", 200, 0.0, id="not-json"),
        pytest.param('{"score": 7, "category": "hate"}', 200, 0.0, id="score-out-of-range"),
        pytest.param('{"score": 0.5, "category": "evil"}', 200, 0.0, id="unknown-category"),
        pytest.param("{}", 500, 0.0, id="server-error"),
        pytest.param("{}", 200, 1.0, id="timeout"),
    ],
)
async def test_failures_fall_back_to_none(
    stand_in: tuple[StandIn, str], answer: str, status: int, delay: float
) -> None:
    server, url = stand_in
    server.answer, server.status, server.delay = answer, status, delay
    async with httpx.AsyncClient() as client:
        assert await LlmRisk(_config(url, BOTCHECK_LLM_TIMEOUT_S=0.2), client).assess(["x"]) is None


def test_parse_answer_finds_json_in_prose_and_repr_hides_the_key() -> None:
    text = 'Sure: {"score": 0.2, "category": "Spam", "justification": "ads"} hope it helps'
    risk = parse_answer(text, "m")
    assert risk is not None and risk.category is Category.SPAM
    assert "k3y" not in repr(_config("http://x", BOTCHECK_LLM_KEY="k3y"))
    assert json.loads(json.dumps(risk.to_dict()))["source"] == "llm:m"
