"""The BOTCHECK_LLM_* settings reach `LlmConfig`; off unless a URL is set; the key never shows."""

from __future__ import annotations

import pytest

from bot.settings import load_settings
from reports.risk_llm import LlmConfig


@pytest.mark.parametrize(
    ("env", "enabled", "timeout_s", "budget"),
    [
        pytest.param({}, False, 10.0, 60, id="off-by-default"),
        pytest.param(
            {
                "BOTCHECK_LLM_URL": "http://127.0.0.1:8080/v1/",
                "BOTCHECK_LLM_MODEL": "small",
                "BOTCHECK_LLM_KEY": "sk-secret",
                "BOTCHECK_LLM_TIMEOUT_S": "3.5",
                "BOTCHECK_LLM_BUDGET_PER_HOUR": "12",
            },
            True,
            3.5,
            12,
            id="configured",
        ),
        pytest.param(
            {"BOTCHECK_LLM_URL": "http://x/v1", "BOTCHECK_LLM_BUDGET_PER_HOUR": "0"},
            False,
            10.0,
            0,
            id="no-budget",
        ),
    ],
)
def test_llm_settings(env: dict[str, str], enabled: bool, timeout_s: float, budget: int) -> None:
    settings = load_settings(env, env_file=None)
    config = LlmConfig.from_env(settings.llm_env())
    assert config.enabled is enabled
    assert (config.timeout_s, config.budget_per_hour) == (timeout_s, budget)
    if "BOTCHECK_LLM_KEY" in env:
        assert config.key == "sk-secret" and config.url == "http://127.0.0.1:8080/v1"
        assert "sk-secret" not in repr(config) and "sk-secret" not in repr(settings)
