"""Optional message risk from an OpenAI-compatible chat-completions endpoint.

Off by default: nothing is sent anywhere unless ``BOTCHECK_LLM_URL`` is set. Self-hosted
servers (llama.cpp, vLLM, Ollama's OpenAI API) and hosted APIs all speak
``POST {url}/chat/completions``. The model is asked for one JSON object
``{"score": 0..1, "category": "neutral|spam|harassment|hate", "justification": "..."}``.

Each call has a timeout and the client keeps a budget of calls per rolling hour; a call that
times out, fails, is over budget or answers something unreadable returns None, and the caller
keeps the rule-based `reports.risk.assess` result. The HTTP client is passed in (one
`httpx.AsyncClient` for the process), so tests point it at a local server.

Settings (read by `LlmConfig.from_env` from any mapping, e.g. the bot's settings or environ):
``BOTCHECK_LLM_URL`` (base URL ending before ``/chat/completions``), ``BOTCHECK_LLM_MODEL``,
``BOTCHECK_LLM_KEY`` (sent as a bearer token when set), ``BOTCHECK_LLM_TIMEOUT_S`` (default 10),
``BOTCHECK_LLM_BUDGET_PER_HOUR`` (default 60 calls).
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import httpx

from reports.risk import Category, Risk

log = logging.getLogger(__name__)

MAX_MESSAGES = 40  # a sample of the group is enough, and keeps the prompt small
MAX_CHARS = 300
_SYSTEM = (
    "You rate Twitch chat messages for moderators. Answer with one JSON object only: "
    '{"score": number 0..1 (how harmful and urgent), "category": one of "neutral", "spam", '
    '"harassment", "hate", "justification": one short sentence}. Messages follow, one per line.'
)


@dataclass(frozen=True, slots=True)
class LlmConfig:
    """Where and how to ask; `enabled` is False unless a URL is set."""

    url: str = ""
    model: str = ""
    key: str = ""
    timeout_s: float = 10.0
    budget_per_hour: int = 60

    @property
    def enabled(self) -> bool:
        return bool(self.url) and self.budget_per_hour > 0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LlmConfig:
        """Build from ``BOTCHECK_LLM_*`` entries of ``env`` (missing ones: defaults, off)."""
        return cls(
            url=env.get("BOTCHECK_LLM_URL", "").rstrip("/"),
            model=env.get("BOTCHECK_LLM_MODEL", ""),
            key=env.get("BOTCHECK_LLM_KEY", ""),
            timeout_s=float(env.get("BOTCHECK_LLM_TIMEOUT_S", "10")),
            budget_per_hour=int(env.get("BOTCHECK_LLM_BUDGET_PER_HOUR", "60")),
        )

    def __repr__(self) -> str:  # never print the key
        return f"LlmConfig(url={self.url!r}, model={self.model!r}, key={'***' if self.key else ''})"


class LlmRisk:
    """Ask a chat-completions endpoint for a `Risk`; None whenever it cannot answer."""

    def __init__(
        self,
        config: LlmConfig,
        client: httpx.AsyncClient,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.client = client
        self.clock = clock
        self._calls: deque[float] = deque()

    def budget_left(self) -> int:
        """Return how many calls the rolling hour still allows."""
        now = self.clock()
        while self._calls and self._calls[0] <= now - 3600:
            self._calls.popleft()
        return max(0, self.config.budget_per_hour - len(self._calls))

    async def assess(self, messages: Sequence[str]) -> Risk | None:
        """Return the model's risk for ``messages``, or None (off, over budget, failed)."""
        cfg = self.config
        if not cfg.enabled or not messages:
            return None
        if self.budget_left() <= 0:
            log.info(
                "LLM risk budget of %d calls an hour spent; using the rules", cfg.budget_per_hour
            )
            return None
        self._calls.append(self.clock())
        sample = "\n".join(m[:MAX_CHARS].replace("\n", " ") for m in messages[:MAX_MESSAGES])
        body = {
            "model": cfg.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": _SYSTEM},
                {"role": "user", "content": sample},
            ],
        }
        headers = {"Authorization": f"Bearer {cfg.key}"} if cfg.key else {}
        try:
            response = await self.client.post(
                f"{cfg.url}/chat/completions", json=body, headers=headers, timeout=cfg.timeout_s
            )
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            log.warning("LLM risk call failed (%s); using the rules", type(exc).__name__)
            return None
        return parse_answer(str(content), cfg.model)


def parse_answer(content: str, model: str) -> Risk | None:
    """Return the `Risk` in a model's answer (the first JSON object in it), or None."""
    start, end = content.find("{"), content.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        data = json.loads(content[start : end + 1])
        score = float(data["score"])
        category = Category(str(data["category"]).strip().lower())
    except (ValueError, KeyError, TypeError):
        return None
    if not 0.0 <= score <= 1.0:
        return None
    justification = str(data.get("justification", ""))[:200]
    return Risk(score, category, justification, source=f"llm:{model}")
