"""Configuration in one typed place, from the environment and `.env`.

`load_settings()` is called once in the entry point; everything else receives the `Settings`.
Tests pass a mapping instead of touching `os.environ`.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import socket
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


STREAM_EVENT_KINDS = ("subs", "raids", "follows")


def parse_stream_events(value: str) -> frozenset[str]:
    """Read BOTCHECK_STREAM_EVENTS ("subs,raids,follows"; "" or "none": nothing)."""
    words = {w.strip().lower() for w in value.replace(" ", ",").split(",") if w.strip()}
    words.discard("none")
    unknown = words - set(STREAM_EVENT_KINDS)
    if unknown:
        raise ValueError(
            f"unknown stream event kind(s) {', '.join(sorted(unknown))}: use any of "
            f"{', '.join(STREAM_EVENT_KINDS)}, or none"
        )
    return frozenset(words)


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and says how to fix it."""


def _env(name: str) -> Any:
    # validation_alias makes the environment name the only name the field answers to.
    return AliasChoices(name)


class Settings(BaseSettings):
    """Every setting botcheck reads. Names are the environment variables (see .env.example)."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        populate_by_name=False,
        frozen=True,
        env_ignore_empty=True,
    )

    client_id: str | None = Field(None, validation_alias=_env("TWITCH_CLIENT_ID"))
    client_secret: SecretStr | None = Field(None, validation_alias=_env("TWITCH_CLIENT_SECRET"))
    bot_id: Annotated[str | None, Field(pattern=r"^\d+$")] = Field(
        None, validation_alias=_env("TWITCH_BOT_ID")
    )
    owner_id: Annotated[str | None, Field(pattern=r"^\d+$")] = Field(
        None, validation_alias=_env("TWITCH_OWNER_ID")
    )

    db_path: Path = Field(Path("botcheck.db"), validation_alias=_env("BOTCHECK_DB"))
    # Unset: the SQLite file BOTCHECK_DB. postgresql://user:password@host:port/dbname selects
    # PostgreSQL; the password is a secret (never logged, masked in errors).
    database_url: SecretStr | None = Field(None, validation_alias=_env("BOTCHECK_DATABASE_URL"))
    db_pool_size: int = Field(10, ge=1, le=200, validation_alias=_env("BOTCHECK_DB_POOL_SIZE"))
    data_dir: Path = Field(Path("botcheck-data"), validation_alias=_env("BOTCHECK_DATA_DIR"))
    # Conduit mode (several processes, one EventSub conduit; PostgreSQL only): the number of
    # shards of the app's conduit. Unset: one process on the WebSocket transport.
    conduit_shards: int | None = Field(
        None, ge=1, le=20_000, validation_alias=_env("BOTCHECK_CONDUIT_SHARDS")
    )
    # The name this process goes by among the conduit's processes (logs, /healthz, heartbeats).
    process_name: str = Field(
        default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}",
        min_length=1,
        max_length=100,
        validation_alias=_env("BOTCHECK_PROCESS_NAME"),
    )
    public_url: str = Field("http://localhost:4343", validation_alias=_env("BOTCHECK_PUBLIC_URL"))
    web_host: str = Field("127.0.0.1", validation_alias=_env("BOTCHECK_WEB_HOST"))
    web_port: int = Field(4343, ge=1, le=65535, validation_alias=_env("BOTCHECK_WEB_PORT"))
    # Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For is
    # believed for rate limits; they are also exempt from the per-address connection cap.
    trusted_proxies: str = Field("", validation_alias=_env("BOTCHECK_TRUSTED_PROXIES"))
    web_max_connections_per_ip: int = Field(
        32, ge=1, le=100_000, validation_alias=_env("BOTCHECK_WEB_MAX_CONNECTIONS_PER_IP")
    )
    web_header_timeout_s: float = Field(
        10.0, gt=0, le=600, validation_alias=_env("BOTCHECK_WEB_HEADER_TIMEOUT_S")
    )
    cooldown_s: float = Field(60.0, ge=0, le=86400, validation_alias=_env("BOTCHECK_COOLDOWN_S"))
    stats_public: bool = Field(False, validation_alias=_env("BOTCHECK_STATS_PUBLIC"))
    stats_user_cooldown_s: float = Field(
        30.0, ge=0, le=86400, validation_alias=_env("BOTCHECK_STATS_USER_COOLDOWN_S")
    )
    log_level: LogLevel = Field("INFO", validation_alias=_env("BOTCHECK_LOG_LEVEL"))
    known_bots_file: Path | None = Field(None, validation_alias=_env("BOTCHECK_KNOWN_BOTS_FILE"))
    # A maintained list fetched daily (If-Modified-Since), kept in DATA_DIR/known-bots/ (issue 19).
    known_bots_url: str | None = Field(None, validation_alias=_env("BOTCHECK_KNOWN_BOTS_URL"))
    # Accounts in the chatter lists of at least this many served channels within the hour.
    presence_k: int = Field(5, ge=2, le=1000, validation_alias=_env("BOTCHECK_PRESENCE_K"))
    report_ttl_days: int = Field(
        30, ge=1, le=3650, validation_alias=_env("BOTCHECK_REPORT_TTL_DAYS")
    )
    chat_retention_days: int = Field(
        30, ge=1, le=3650, validation_alias=_env("BOTCHECK_CHAT_RETENTION_DAYS")
    )
    # /metrics in Prometheus' text format on the web port (/healthz is always there).
    metrics: bool = Field(False, validation_alias=_env("BOTCHECK_METRICS"))
    log_format: Literal["text", "json"] = Field(
        "text", validation_alias=_env("BOTCHECK_LOG_FORMAT")
    )
    discord_webhook_url: SecretStr | None = Field(
        None, validation_alias=_env("BOTCHECK_DISCORD_WEBHOOK_URL")
    )

    # The dashboard's session-cookie key (made once, 0600, when missing).
    session_key_file: Path | None = Field(None, validation_alias=_env("BOTCHECK_SESSION_KEY_FILE"))

    api_url: str = Field("https://api.twitch.tv/helix", validation_alias=_env("TWITCH_API_URL"))
    auth_url: str = Field("https://id.twitch.tv", validation_alias=_env("TWITCH_AUTH_URL"))
    eventsub_ws_url: str = Field(
        "wss://eventsub.wss.twitch.tv/ws", validation_alias=_env("TWITCH_EVENTSUB_WS_URL")
    )

    # -- third-party emotes (issue 18): 7TV, BetterTTV, FrankerFaceZ --------------------------
    # On: the served channels' and the global emote sets are fetched daily and counted like
    # Twitch emotes; their images are served at /emotes/<provider>/<id>. Settings given as a
    # mapping (tests, benchmarks, the demo) start with it off: see `load_settings`.
    emotes: bool = Field(True, validation_alias=_env("BOTCHECK_EMOTES"))
    # Off: pages show emote names, and nothing is fetched from the providers' CDNs.
    emote_images: bool = Field(True, validation_alias=_env("BOTCHECK_EMOTE_IMAGES"))
    seventv_api_url: str = Field("https://7tv.io/v3", validation_alias=_env("BOTCHECK_7TV_API_URL"))
    seventv_cdn_url: str = Field(
        "https://cdn.7tv.app", validation_alias=_env("BOTCHECK_7TV_CDN_URL")
    )
    bttv_api_url: str = Field(
        "https://api.betterttv.net/3", validation_alias=_env("BOTCHECK_BTTV_API_URL")
    )
    bttv_cdn_url: str = Field(
        "https://cdn.betterttv.net", validation_alias=_env("BOTCHECK_BTTV_CDN_URL")
    )
    ffz_api_url: str = Field(
        "https://api.frankerfacez.com/v1", validation_alias=_env("BOTCHECK_FFZ_API_URL")
    )
    ffz_cdn_url: str = Field(
        "https://cdn.frankerfacez.com", validation_alias=_env("BOTCHECK_FFZ_CDN_URL")
    )

    # -- chat defence (issue 20) ----------------------------------------------------------------
    # Optional second opinion on a raid's messages from an OpenAI-compatible chat-completions
    # endpoint; off (nothing sent anywhere) unless BOTCHECK_LLM_URL is set.
    llm_url: str | None = Field(None, validation_alias=_env("BOTCHECK_LLM_URL"))
    llm_model: str = Field("", validation_alias=_env("BOTCHECK_LLM_MODEL"))
    llm_key: SecretStr | None = Field(None, validation_alias=_env("BOTCHECK_LLM_KEY"))
    llm_timeout_s: float = Field(
        10.0, gt=0, le=120, validation_alias=_env("BOTCHECK_LLM_TIMEOUT_S")
    )
    llm_budget_per_hour: int = Field(
        60, ge=0, le=10_000, validation_alias=_env("BOTCHECK_LLM_BUDGET_PER_HOUR")
    )
    # How often the first-message notice speaks in channels that turned it on.
    notice_digest_s: float = Field(
        300.0, ge=5, le=86400, validation_alias=_env("BOTCHECK_NOTICE_DIGEST_S")
    )

    # -- stream events (issue 18) ----------------------------------------------------------------
    # Which stream events each channel records: any of subs, raids, follows ("none": nothing).
    # Each channel can also switch them off (channel_options.stream_events).
    stream_events: str = Field(
        "subs,raids,follows", validation_alias=_env("BOTCHECK_STREAM_EVENTS")
    )

    @field_validator("stream_events")
    @classmethod
    def _stream_events(cls, value: str) -> str:
        parse_stream_events(value)  # a ValueError names the unknown kind
        return value

    @property
    def stream_event_kinds(self) -> frozenset[str]:
        return parse_stream_events(self.stream_events)

    def llm_env(self) -> dict[str, str]:
        """The BOTCHECK_LLM_* settings as `reports.risk_llm.LlmConfig.from_env` reads them."""
        return {
            "BOTCHECK_LLM_URL": self.llm_url or "",
            "BOTCHECK_LLM_MODEL": self.llm_model,
            "BOTCHECK_LLM_KEY": self.llm_key.get_secret_value() if self.llm_key else "",
            "BOTCHECK_LLM_TIMEOUT_S": str(self.llm_timeout_s),
            "BOTCHECK_LLM_BUDGET_PER_HOUR": str(self.llm_budget_per_hour),
        }

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from storage.url import parse

            parse(value.get_secret_value())  # DatabaseUrlError is a ValueError: one sentence
        return value

    @field_validator("conduit_shards")
    @classmethod
    def _conduit_needs_postgres(cls, value: int | None, info: ValidationInfo) -> int | None:
        url = info.data.get("database_url")
        if value is not None and url is None:
            raise ValueError(
                "needs PostgreSQL (BOTCHECK_DATABASE_URL=postgresql://...): conduit mode shares "
                "one database among several processes, which SQLite cannot serve"
            )
        return value

    @property
    def database(self) -> Path | str:
        """What to open: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url.get_secret_value() if self.database_url else self.db_path

    @field_validator(
        "api_url",
        "auth_url",
        "public_url",
        "seventv_api_url",
        "seventv_cdn_url",
        "bttv_api_url",
        "bttv_cdn_url",
        "ffz_api_url",
        "ffz_cdn_url",
    )
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("discord_webhook_url", mode="before")
    @classmethod
    def _webhook(cls, value: object) -> object:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if not isinstance(raw, str) or not raw.strip().startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return raw.strip()

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for item in value.replace(",", " ").split():
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return value

    @field_validator("eventsub_ws_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError("must start with ws:// or wss://")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    def require_twitch(self) -> None:
        """Raise SettingsError unless the settings needed to talk to Twitch are present."""
        for env_name, value in (
            ("TWITCH_CLIENT_ID", self.client_id),
            ("TWITCH_CLIENT_SECRET", self.client_secret),
            ("TWITCH_BOT_ID", self.bot_id),
        ):
            if not value:
                how = " (`botcheck user LOGIN` prints it)" if env_name == "TWITCH_BOT_ID" else ""
                raise SettingsError(
                    f"{env_name} is not set{how}: put it in .env or the environment "
                    "(see .env.example and the README's setup steps)."
                )


_HINTS = {
    "int_parsing": "must be a whole number",
    "float_parsing": "must be a number",
    "string_pattern_mismatch": "must be a numeric Twitch user id",
    "bool_parsing": "must be true or false",
}


def _sentence(exc: ValidationError) -> str:
    """Turn the first validation error into one sentence that names the variable."""
    err = exc.errors()[0]
    loc = err.get("loc") or ("?",)
    name = str(loc[0]).upper()
    ctx = err.get("ctx") or {}
    kind = err.get("type", "")
    if kind in ("less_than_equal", "greater_than_equal"):
        bound = f"at most {ctx['le']}" if "le" in ctx else f"at least {ctx.get('ge')}"
        hint = f"must be {bound}"
    elif kind == "literal_error":
        hint = f"must be {ctx.get('expected', 'one of the listed values')}"
    else:
        hint = _HINTS.get(kind, err.get("msg", "is not valid"))
    if hint.startswith("Value error, "):
        hint = hint.removeprefix("Value error, ")
    got = err.get("input")
    hidden = any(word in name for word in ("SECRET", "WEBHOOK", "DATABASE_URL"))  # never echoed
    shown = "" if got is None or hidden else f" (got {str(got)[:60]!r})"
    return f"{name} {hint}{shown}: fix it in .env or the environment (see .env.example)."


# Names read by tools beside the bot (tests, benchmarks, twitchsim), not settings of the bot.
_TOOL_PREFIXES = ("BOTCHECK_TEST_", "BOTCHECK_BENCH_")
_TOOL_NAMES = frozenset({"BOTCHECK_REQUIRE_POSTGRES", "BOTCHECK_SCREENSHOTS"})
_PREFIXES = ("BOTCHECK_", "TWITCH_")


def setting_names() -> frozenset[str]:
    """Every environment name a setting answers to."""
    names: set[str] = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(str(choice).upper() for choice in alias.choices)
    return frozenset(names)


def read_env_file(env_file: Path | None) -> dict[str, str]:
    """Return the names and values in `.env` (empty when there is none).

    Raises SettingsError when the file is not text, before pydantic-settings trips over it.
    """
    if env_file is None or not env_file.is_file():
        return {}
    raw = env_file.read_bytes()
    try:
        text = raw.decode("utf-8")
        if "\0" in text:
            raise UnicodeDecodeError("utf-8", raw, raw.index(b"\0"), raw.index(b"\0") + 1, "NUL")
    except UnicodeDecodeError as exc:
        raise SettingsError(
            f"{env_file} is not a UTF-8 text file (unreadable byte at offset {exc.start}): "
            "rewrite it as NAME=value lines (see .env.example) or remove it."
        ) from None
    from dotenv import dotenv_values  # comes with pydantic-settings

    with env_file.open(encoding="utf-8") as stream:
        values = dotenv_values(stream=stream)
    return {k: v or "" for k, v in values.items()}


def unknown_settings_warning(names: Iterable[str]) -> str | None:
    """One sentence naming every BOTCHECK_*/TWITCH_* name no setting reads, with a guess."""
    known = setting_names()
    unknown = sorted(
        {
            n.upper()
            for n in names
            if n.upper().startswith(_PREFIXES)
            and n.upper() not in known
            and n.upper() not in _TOOL_NAMES
            and not n.upper().startswith(_TOOL_PREFIXES)
        }
    )
    if not unknown:
        return None
    parts = []
    for name in unknown:
        # Compare what follows the shared prefix: "BOTCHECK_" alone must not make a match.
        prefix = next(p for p in _PREFIXES if name.startswith(p))
        tails = {k[len(p) :]: k for k in known for p in _PREFIXES if k.startswith(p)}
        close = difflib.get_close_matches(name[len(prefix) :], sorted(tails), n=1, cutoff=0.6)
        parts.append(f"{name} (did you mean {tails[close[0]]}?)" if close else name)
    return (
        f"ignoring {len(unknown)} unknown setting(s): {', '.join(parts)}; "
        "see .env.example for the names botcheck reads."
    )


def check_unknown_settings(
    environ: Mapping[str, str] | None = None, *, env_file: Path | None = Path(".env")
) -> str | None:
    """The warning for unknown names in the environment and `.env` (None when all are known)."""
    env = os.environ if environ is None else environ
    return unknown_settings_warning([*env, *read_env_file(env_file)])


def load_settings(
    environ: Mapping[str, str] | None = None, *, env_file: Path | None = Path(".env")
) -> Settings:
    """Build Settings from the process environment and .env, or from `environ` (tests).

    Raises SettingsError with one sentence naming the bad variable.
    """
    if environ is None:
        read_env_file(env_file)  # a .env that is not text: one sentence, not a traceback
    try:
        if environ is None:
            return Settings(_env_file=env_file)  # type: ignore[call-arg]
        # Third-party emotes reach the internet: off unless the mapping turns them on (tests
        # never reach it; the demo points them at twitchsim's stand-ins).
        given = {"BOTCHECK_EMOTES": "false", **{k.upper(): v for k, v in environ.items()}}
        return Settings.model_validate(given)
    except ValidationError as exc:
        raise SettingsError(_sentence(exc)) from None
