"""Front-door settings, read from environment variables once at startup."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiohttp import web


@dataclass(frozen=True)
class Settings:
    """Everything the front door can be told; defaults suit `make run` on one machine."""

    host: str = "127.0.0.1"
    port: int = 8000
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    rasa_timeout: float = 10.0
    database_url: str | None = None
    app_api_tokens: tuple[str, ...] = ()
    agent_token: str = ""
    gap_retention_days: int = 90
    cors_origins: tuple[str, ...] = ()
    frame_ancestors: str = "'self'"
    rate_limit_per_minute: float = 30.0
    rate_limit_burst: int = 10
    session_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def __post_init__(self) -> None:
        if any(c in self.frame_ancestors for c in ";,\r\n"):
            raise ValueError("FRAME_ANCESTORS is a space-separated list of CSP sources")
        if any(not o.startswith(("https://", "http://")) for o in self.cors_origins):
            raise ValueError("CORS_ORIGINS entries are exact origins like https://example.com")
        if self.gap_retention_days < 1:
            raise ValueError("GAP_RETENTION_DAYS must be at least 1")
        if self.rate_limit_per_minute <= 0 or self.rate_limit_burst < 1:
            raise ValueError("RATE_LIMIT_PER_MINUTE must be > 0 and RATE_LIMIT_BURST >= 1")

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """Settings from FRONTDOOR_HOST, FRONTDOOR_PORT, RASA_URL, ... (see the README table)."""
        env = {name: value.strip() for name, value in env.items() if value.strip()}
        values = {
            "host": env.get("FRONTDOOR_HOST"),
            "port": _maybe(int, env.get("FRONTDOOR_PORT")),
            "rasa_url": env.get("RASA_URL"),
            "rasa_token": env.get("RASA_TOKEN"),
            "rasa_timeout": _maybe(float, env.get("RASA_TIMEOUT")),
            "database_url": env.get("DATABASE_URL"),
            "app_api_tokens": _maybe(_split, env.get("APP_API_TOKENS")),
            "agent_token": env.get("AGENT_TOKEN"),
            "gap_retention_days": _maybe(int, env.get("GAP_RETENTION_DAYS")),
            "cors_origins": _maybe(_split, env.get("CORS_ORIGINS")),
            "frame_ancestors": env.get("FRAME_ANCESTORS"),
            "rate_limit_per_minute": _maybe(float, env.get("RATE_LIMIT_PER_MINUTE")),
            "rate_limit_burst": _maybe(int, env.get("RATE_LIMIT_BURST")),
            "session_secret": _maybe(str.encode, env.get("SESSION_SECRET")),
        }
        return cls(**{name: value for name, value in values.items() if value is not None})


SETTINGS = web.AppKey("settings", Settings)


def _split(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _maybe(convert, text: str | None):
    return None if text is None else convert(text)
