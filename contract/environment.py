"""Every environment variable the assistant's processes read, and the one way to read them.

VARIABLES is the registry: each variable's type (its parser), default, whether it is a secret,
and which processes read it. The README's settings table ("Ports and settings") lists the
settings, one row each (tests/unit/contract/test_environment.py checks it against VARIABLES);
the `internal` ones are set by the stack (orchestration/stack.py) or the entry points for the
processes they start, never by hand. A value that does not parse stops with an error naming the
variable and, unless it is a secret, the value.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

#: The processes: Rasa's server, the action server, the front door, the stack and the build
#: commands (orchestration/), the knowledge base's command, the tests and the Makefile's setup.
PROCESSES = frozenset(
    {"rasa", "actions", "frontdoor", "orchestration", "knowledge", "tests", "setup"}
)


def split(text: str) -> tuple[str, ...]:
    """A comma-separated list, its items stripped, empty ones dropped."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


def hosts(text: str) -> tuple[str, ...]:
    return split(text.lower())


def secret_bytes(text: str) -> bytes:
    return text.encode()


KINDS: dict[Callable[[str], Any], str] = {
    str: "text",
    int: "a whole number",
    float: "a number",
    split: "a comma-separated list",
    hosts: "a comma-separated list of host names",
    secret_bytes: "text",
}


@dataclass(frozen=True)
class Variable:
    """An environment variable: `parse` reads its stripped text; `default` is its value when
    unset or blank (None: none); `processes` are the ones that read it."""

    name: str
    parse: Callable[[str], Any]
    default: Any
    processes: frozenset[str]
    description: str
    secret: bool = False
    internal: bool = False  # set by the stack or an entry point, not by hand

    def __post_init__(self) -> None:
        if not self.processes <= PROCESSES or self.parse not in KINDS:
            raise ValueError(f"{self.name}: unknown process or parser")


def _variables(*variables: Variable) -> dict[str, Variable]:
    return {variable.name: variable for variable in variables}


def _in(*processes: str) -> frozenset[str]:
    return frozenset(processes)


FRONTDOOR, RASA_AND_FRONTDOOR = _in("frontdoor"), _in("rasa", "frontdoor")
# fmt: off
VARIABLES = _variables(
    # Ports and addresses
    Variable("FRONTDOOR_HOST", str, "127.0.0.1", _in("frontdoor", "orchestration"),
             "Address the front door (widget, API, agent console) binds"),
    Variable("FRONTDOOR_PORT", int, 8000, _in("frontdoor", "orchestration"),
             "Port of the front door"),
    Variable("RASA_PORT", int, 5005, _in("orchestration"),
             "Port of the Rasa server (REST channel; its HTTP API only with RASA_TOKEN), on"
             " 127.0.0.1"),
    Variable("ACTIONS_PORT", int, 5055, _in("orchestration"),
             "Port of the action server, on 127.0.0.1; it answers Rasa only"),
    Variable("RASA_INSTANCES", int, 1, _in("orchestration"),
             "Rasa instances, on consecutive ports from RASA_PORT, all calling the action server"
             " (more than 1 needs REDIS_URL)"),
    # Secrets shared between processes
    Variable("RASA_TOKEN", str, None, RASA_AND_FRONTDOOR,
             "Token of Rasa's HTTP API, which the front door calls", secret=True),
    Variable("ACTION_SERVER_SECRET", str, None, _in("rasa", "actions"),
             "Secret Rasa sends the action server", secret=True),
    Variable("SESSION_SECRET", secret_bytes, None, FRONTDOOR,
             "Secret signing session ids (the same on every front door)", secret=True),
    # Conversations in Redis
    Variable("REDIS_URL", str, None, _in("orchestration"),
             "Conversations and their locks in Redis (`redis://[:password@]host[:port][/db]`,"
             " `rediss://` for TLS)", secret=True),
    Variable("REDIS_KEY_PREFIX", str, "assistant", _in("orchestration"),
             "Prefix of the Redis keys (letters and digits)"),
    # Rasa
    Variable("TICKET_LOCK_LIFETIME", float, 5.0, _in("rasa"),
             "Seconds a conversation stays locked by a Rasa instance that died during its turn"
             " (Rasa's own default is 60)"),
    Variable("ACTION_TIMEOUT", float, 2.0, _in("rasa"),
             "Seconds Rasa waits for the action server"),
    Variable("LOG_LEVEL", str, "INFO", _in("rasa"),
             "Rasa's log level (DEBUG logs the messages' text)"),
    # The front door
    Variable("APP_API_TOKENS", split, (), FRONTDOOR,
             "App API bearer tokens, comma-separated, each at least 32 characters (else the"
             " front door does not start)", secret=True),
    Variable("AGENT_TOKEN", str, "", FRONTDOOR,
             "Agent console token, at least 32 characters (else the front door does not"
             " start)", secret=True),
    Variable("GAP_RETENTION_DAYS", int, 90, FRONTDOOR, "Days unanswered questions are kept"),
    Variable("ALLOWED_HOSTS", hosts, (), FRONTDOOR,
             "Host names the front door answers for (`name` any port, or `name:port`)"),
    Variable("CORS_ORIGINS", split, (), FRONTDOOR,
             "Origins allowed to call the front door from a browser, exact match"),
    Variable("FRAME_ANCESTORS", str, "'self'", FRONTDOOR,
             "Who may frame the widget (CSP `frame-ancestors`)"),
    Variable("RATE_LIMIT_PER_MINUTE", float, 30.0, FRONTDOOR,
             "Rate limit per client IP of chat, feedback, answers, app API, agent API"),
    Variable("RATE_LIMIT_BURST", int, 10, FRONTDOOR, "Burst of that rate limit"),
    Variable("PAGE_RATE_LIMIT_PER_MINUTE", float, 120.0, FRONTDOOR,
             "Rate limit per client IP of pages, static files, anything else"),
    Variable("PAGE_RATE_LIMIT_BURST", int, 60, FRONTDOOR, "Burst of that rate limit"),
    Variable("TRUSTED_PROXIES", split, (), FRONTDOOR,
             "Reverse proxies whose `X-Forwarded-For/-Proto/-Host` are believed (IPs or networks)"),
    Variable("HEADER_TIMEOUT", float, 10.0, FRONTDOOR,
             "Seconds for a new connection's request headers"),
    Variable("BODY_TIMEOUT", float, 10.0, FRONTDOOR, "Seconds for a request body"),
    Variable("IDLE_TIMEOUT", float, 15.0, FRONTDOOR, "Seconds a kept-alive connection may idle"),
    Variable("MAX_CONNECTIONS_PER_IP", int, 32, FRONTDOOR,
             "Open connections per client IP (trusted proxies are not counted)"),
    Variable("RASA_TIMEOUT", float, 3.0, FRONTDOOR, "Timeout of each call to Rasa, seconds"),
    Variable("RASA_FAILOVER_TIMEOUT", float, 8.0, FRONTDOOR,
             "Timeout of a message resent to the next Rasa instance, seconds (longer than the"
             " lock a dead instance leaves)"),
    Variable("RASA_URL", str, "http://127.0.0.1:5005", FRONTDOOR,
             "The front door's Rasa instances, comma-separated; `make run` sets it"),
    Variable("ACTIONS_URL", str, "http://127.0.0.1:5055", FRONTDOOR,
             "The action servers (for `/readyz`), comma-separated; `make run` sets it"),
    # The knowledge base
    Variable("DATABASE_URL", str, None, _in("actions", "frontdoor", "orchestration", "knowledge"),
             "Knowledge base (e.g. `postgresql://user@host/db`)", secret=True),
    # Tests and setup
    Variable("TEST_DATABASE_URL", str, None, _in("tests"),
             "PostgreSQL of the tests", secret=True),
    Variable("TEST_REDIS_URL", str, "redis://127.0.0.1:6379/0", _in("tests"),
             "Redis of the tests (required: they fail when it does not answer; `.ci/run` starts"
             " it)", secret=True),
    Variable("PYTHON", str, None, _in("setup"),
             "Python 3.10 used for the venv"),
    Variable("FINETUNE_PYTHON", str, None, _in("setup"),
             "Python 3.11 used for the fine-tuning venv (.venv-ft)"),
    # Set by the stack for its children, or by the entry points
    Variable("SUPERVISOR_KEY", str, "", _in("rasa", "actions", "frontdoor"),
             "Key proving a process is the supervisor's (bot/supervised.py)",
             secret=True, internal=True),
    Variable("REDIS_PASSWORD", str, None, _in("rasa"),
             "REDIS_URL's password, for Rasa's endpoints file", secret=True, internal=True),
    Variable("SANIC_HOST", str, "127.0.0.1", _in("actions"),
             "Address the action server binds", internal=True),
    Variable("SANIC_ACCESS_LOG", str, "false", _in("rasa", "actions"),
             "Sanic's access log, off: it holds the request line", internal=True),
    Variable("RASA_TELEMETRY_ENABLED", str, "false", _in("rasa", "orchestration"),
             "Rasa's telemetry, off: no third-party calls", internal=True),
    Variable("TF_CPP_MIN_LOG_LEVEL", str, "2", _in("rasa", "orchestration"),
             "TensorFlow's log level, quiet", internal=True),
)
# fmt: on

#: What every entry point that runs Rasa (or starts it) sets: no telemetry, a quiet TensorFlow.
RASA_ENVIRONMENT: dict[str, str] = {
    name: VARIABLES[name].default for name in ("RASA_TELEMETRY_ENABLED", "TF_CPP_MIN_LOG_LEVEL")
}


def value(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """Variable `name` in `environ` (this process's environment by default) read by its parser;
    its default when unset or blank. ValueError, naming it, when the text does not parse."""
    variable = VARIABLES[name]
    text = (os.environ if environ is None else environ).get(name, "").strip()
    if not text:
        return variable.default
    try:
        return variable.parse(text)
    except ValueError:
        shown = "" if variable.secret else f", not {text!r}"
        raise ValueError(f"{name} must be {KINDS[variable.parse]}{shown}") from None


def read_by(process: str) -> tuple[str, ...]:
    """The names of the variables `process` reads."""
    return tuple(name for name, variable in VARIABLES.items() if process in variable.processes)


def set_rasa_environment(environ: MutableMapping[str, str] | None = None) -> None:
    """Set RASA_ENVIRONMENT in `environ` (this process's, inherited by the ones it starts)."""
    (os.environ if environ is None else environ).update(RASA_ENVIRONMENT)
