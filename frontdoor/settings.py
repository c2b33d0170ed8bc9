"""Front-door settings, read from environment variables once at startup."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiohttp import web

from contract import environment

MIN_TOKEN_CHARS = 32  # of AGENT_TOKEN and each of APP_API_TOKENS


@dataclass(frozen=True)
class Settings:
    """Everything the front door can be told; defaults suit `make run` on one machine."""

    host: str = "127.0.0.1"
    port: int = 8000
    rasa_url: str = "http://127.0.0.1:5005"  # or several, comma-separated
    rasa_token: str = ""
    rasa_timeout: float = 3.0
    # A message resent to the next instance may wait for the conversation's lock that a dead
    # instance held (TICKET_LOCK_LIFETIME, 5 s): the resend's time limit is longer.
    failover_timeout: float = 8.0
    actions_url: str = "http://127.0.0.1:5055"  # or several; for /readyz only
    database_url: str | None = None
    app_api_tokens: tuple[str, ...] = ()
    agent_token: str = ""
    gap_retention_days: int = 90
    allowed_hosts: tuple[str, ...] = ()  # none given: see `hosts`
    cors_origins: tuple[str, ...] = ()
    frame_ancestors: str = "'self'"
    trusted_proxies: tuple[str, ...] = ()
    rate_limit_per_minute: float = 30.0
    rate_limit_burst: int = 10
    page_rate_limit_per_minute: float = 120.0
    page_rate_limit_burst: int = 60
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    idle_timeout: float = 15.0
    max_connections_per_ip: int = 32
    session_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def __post_init__(self) -> None:
        if any(c in self.frame_ancestors for c in ";,\r\n"):
            raise ValueError("FRAME_ANCESTORS is a space-separated list of CSP sources")
        if any(not o.startswith(("https://", "http://")) for o in self.cors_origins):
            raise ValueError("CORS_ORIGINS entries are exact origins like https://example.com")
        if any(not h or any(c in h for c in "/*@ \t") for h in self.allowed_hosts):
            raise ValueError("ALLOWED_HOSTS entries are host names, with or without :port")
        for proxy in self.trusted_proxies:
            ipaddress.ip_network(proxy)  # ValueError unless an address or a network
        if self.gap_retention_days < 1:
            raise ValueError("GAP_RETENTION_DAYS must be at least 1")
        if min(self.rate_limit_per_minute, self.page_rate_limit_per_minute) <= 0:
            raise ValueError("RATE_LIMIT_PER_MINUTE and PAGE_RATE_LIMIT_PER_MINUTE must be > 0")
        if min(self.rate_limit_burst, self.page_rate_limit_burst) < 1:
            raise ValueError("RATE_LIMIT_BURST and PAGE_RATE_LIMIT_BURST must be at least 1")
        if min(self.header_timeout, self.body_timeout, self.idle_timeout) <= 0:
            raise ValueError("HEADER_TIMEOUT, BODY_TIMEOUT and IDLE_TIMEOUT must be > 0")
        if not self.rasa_urls or min(self.rasa_timeout, self.failover_timeout) <= 0:
            raise ValueError(
                "RASA_URL needs at least one URL; RASA_TIMEOUT, RASA_FAILOVER_TIMEOUT must be > 0"
            )
        if self.max_connections_per_ip < 1:
            raise ValueError("MAX_CONNECTIONS_PER_IP must be at least 1")
        for name, tokens in [
            ("AGENT_TOKEN", (self.agent_token,) if self.agent_token else ()),
            ("APP_API_TOKENS", self.app_api_tokens),
        ]:
            if any(len(token) < MIN_TOKEN_CHARS for token in tokens):  # names no token
                raise ValueError(
                    f"{name}: each token must be at least {MIN_TOKEN_CHARS} characters"
                )

    @property
    def rasa_urls(self) -> tuple[str, ...]:
        return environment.split(self.rasa_url)

    @property
    def actions_urls(self) -> tuple[str, ...]:
        return environment.split(self.actions_url)

    @property
    def proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(proxy) for proxy in self.trusted_proxies]

    @property
    def hosts(self) -> tuple[str, ...]:
        """The allowed Host headers: ALLOWED_HOSTS, else the bound host:port and loopback names.

        An entry without a port allows that name on any port.
        """
        if self.allowed_hosts:
            return self.allowed_hosts
        bound = f"[{self.host}]" if ":" in self.host else self.host
        return (f"{bound}:{self.port}".lower(), "127.0.0.1", "localhost")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from the VARIABLES set in `env` (this process's environment by default; see
        the README table); blank ones are unset."""
        values = {key: environment.value(name, env) for key, name in VARIABLES.items()}
        return cls(**{key: value for key, value in values.items() if value is not None})


SETTINGS = web.AppKey("settings", Settings)

# Each setting's environment variable (contract.environment.VARIABLES: its type and default)
VARIABLES: dict[str, str] = {
    "host": "FRONTDOOR_HOST",
    "port": "FRONTDOOR_PORT",
    "rasa_url": "RASA_URL",
    "rasa_token": "RASA_TOKEN",
    "rasa_timeout": "RASA_TIMEOUT",
    "failover_timeout": "RASA_FAILOVER_TIMEOUT",
    "actions_url": "ACTIONS_URL",
    "database_url": "DATABASE_URL",
    "app_api_tokens": "APP_API_TOKENS",
    "agent_token": "AGENT_TOKEN",
    "gap_retention_days": "GAP_RETENTION_DAYS",
    "allowed_hosts": "ALLOWED_HOSTS",
    "cors_origins": "CORS_ORIGINS",
    "frame_ancestors": "FRAME_ANCESTORS",
    "trusted_proxies": "TRUSTED_PROXIES",
    "rate_limit_per_minute": "RATE_LIMIT_PER_MINUTE",
    "rate_limit_burst": "RATE_LIMIT_BURST",
    "page_rate_limit_per_minute": "PAGE_RATE_LIMIT_PER_MINUTE",
    "page_rate_limit_burst": "PAGE_RATE_LIMIT_BURST",
    "header_timeout": "HEADER_TIMEOUT",
    "body_timeout": "BODY_TIMEOUT",
    "idle_timeout": "IDLE_TIMEOUT",
    "max_connections_per_ip": "MAX_CONNECTIONS_PER_IP",
    "session_secret": "SESSION_SECRET",
}
