"""Start, supervise and stop the assistant's processes: action servers, Rasa and the front door.

Rasa and the action servers bind to 127.0.0.1 only; the front door (frontdoor) is the
one public entry and reaches Rasa's HTTP API with a per-run token, and only Rasa can call the
action servers, with another. Secrets reach the processes in their environment, which only
their user can read, never on their command lines, which every local user can; of the caller's
environment they get only what they need (PROCESS_VARIABLES, SETTING_VARIABLES), and of the
secrets only those their process reads (contract.environment.VARIABLES). Logs are
readable by their user only. The stack starts only when all its ports are free (check_ports).
A child that exits or hangs is restarted, and none outlives this process
(orchestration/supervisor.py); `stack.log` records restarts. Used by `make run`, the end-to-end
tests and the benchmark.

Several Rasa instances (one per port in `rasa_ports`) need REDIS_URL: they share the
conversations and their locks in Redis (orchestration/rasa_endpoints.py), and the front door spreads
conversations over them. Instance i calls action server i modulo their number.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import yaml

from contract.environment import RASA_ENVIRONMENT, VARIABLES
from frontdoor.settings import Settings as FrontdoorSettings
from orchestration.paths import CREDENTIALS, ROOT
from orchestration.ports import holders, in_use
from orchestration.rasa_endpoints import (
    ACTIONS_SECRET,
    REDIS_PASSWORD,
    check_redis,
    endpoints,
    redis_password,
)
from orchestration.supervisor import Child, Supervisor, start, stop

HOST = "127.0.0.1"
RASA_TOKEN, SESSION_SECRET = "RASA_TOKEN", "SESSION_SECRET"
# Seconds a conversation stays locked by a Rasa instance that died during its turn
LOCK_LIFETIME_VARIABLE = "TICKET_LOCK_LIFETIME"
LOCK_LIFETIME_S = f"{VARIABLES[LOCK_LIFETIME_VARIABLE].default:g}"
CHILDREN = frozenset({"rasa", "actions", "frontdoor"})  # the processes of contract.environment
# What every child gets in its environment: no Sanic access log (it holds the request line)
CHILD_ENV = {"SANIC_HOST": HOST, "SANIC_ACCESS_LOG": "false", **RASA_ENVIRONMENT}
# Of the caller's environment a child gets only these, when set (no unrelated secret): what any
# process needs (the user, the locale, the virtualenv, Python's path, the TLS roots) ...
PROCESS_VARIABLES = (
    *("PATH", "HOME", "USER", "LOGNAME", "TZ", "TMPDIR"),
    *("LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE"),
    *("VIRTUAL_ENV", "PYTHONPATH", "SSL_CERT_FILE", "SSL_CERT_DIR"),
)
# ... and the assistant's settings (README) that the children read, and the ones running()
# takes out for the endpoints files (REDIS_URL, REDIS_KEY_PREFIX).
SETTING_VARIABLES = (
    *(n for n, v in VARIABLES.items() if v.processes & CHILDREN and not v.internal),
    *("REDIS_URL", "REDIS_KEY_PREFIX"),
)
log = logging.getLogger("orchestration.stack")


@dataclass
class Stack:
    """A running stack, for its callers: URLs, secrets, the logs folder and the supervisor."""

    rasa_urls: list[str]
    actions_urls: list[str]
    frontdoor_url: str | None
    rasa_token: str = field(repr=False)
    actions_secret: str = field(repr=False)
    logs: Path
    supervisor: Supervisor = field(repr=False)

    @property
    def rasa_url(self) -> str:
        return self.rasa_urls[0]

    @property
    def actions_url(self) -> str:
        return self.actions_urls[0]

    @property
    def webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    def pid(self, name: str) -> int:
        """The process id of child `name` ("rasa", "actions", "frontdoor"; "rasa-2"... when
        there are several)."""
        return self.supervisor.child(name).process.pid


@dataclass(frozen=True)
class Environments:
    """Each kind of child's environment, and the settings running() took out of them."""

    actions: dict[str, str] = field(repr=False)
    rasa: dict[str, str] = field(repr=False)
    frontdoor: dict[str, str] | None = field(repr=False)  # None: no front door
    rasa_token: str = field(repr=False)
    actions_secret: str = field(repr=False)
    redis_url: str = field(repr=False)
    key_prefix: str


def inherited(environ: Mapping[str, str]) -> dict[str, str]:
    """The PROCESS_VARIABLES and SETTING_VARIABLES set in `environ`."""
    return {
        name: environ[name] for name in (*PROCESS_VARIABLES, *SETTING_VARIABLES) if name in environ
    }


def environments(
    env: Mapping[str, str],
    rasa_urls: Sequence[str],
    actions_urls: Sequence[str],
    frontdoor_port: int | None,
    environ: Mapping[str, str] = os.environ,
) -> Environments:
    """The children's environments: what they inherit of `environ`, `env`, the secrets each
    one's process reads (set in those, else new random ones) and CHILD_ENV. REDIS_URL and
    REDIS_KEY_PREFIX are for the endpoints files: Rasa gets the Redis password only."""
    settings = {**inherited(environ), **env}
    token = settings.pop(RASA_TOKEN, "") or secrets.token_urlsafe(32)
    actions_secret = settings.pop(ACTIONS_SECRET, "") or secrets.token_urlsafe(32)
    session_secret = settings.pop(SESSION_SECRET, "") or secrets.token_urlsafe(32)
    redis_url = settings.pop("REDIS_URL", "").strip()
    key_prefix = settings.pop("REDIS_KEY_PREFIX", "").strip()
    settings |= {RASA_TOKEN: token, ACTIONS_SECRET: actions_secret, SESSION_SECRET: session_secret}
    if password := redis_password(redis_url):
        settings[REDIS_PASSWORD] = password
    rasa = _for("rasa", settings)
    rasa.setdefault(LOCK_LIFETIME_VARIABLE, LOCK_LIFETIME_S)
    frontdoor = None
    if frontdoor_port:
        frontdoor = {
            **_for("frontdoor", settings),
            "RASA_URL": ",".join(rasa_urls),
            "ACTIONS_URL": ",".join(actions_urls),
            "FRONTDOOR_PORT": str(frontdoor_port),
            **CHILD_ENV,
        }
    return Environments(
        {**_for("actions", settings), **CHILD_ENV},
        {**rasa, **CHILD_ENV},
        frontdoor,
        token,
        actions_secret,
        redis_url,
        key_prefix,
    )


def _for(process: str, settings: Mapping[str, str]) -> dict[str, str]:
    """`settings` less the secrets that `process` does not read."""
    return {
        name: value
        for name, value in settings.items()
        if not (name in VARIABLES and VARIABLES[name].secret)
        or process in VARIABLES[name].processes
    }


@contextmanager
def running(
    model: Path,
    rasa_ports: Sequence[int] = (VARIABLES["RASA_PORT"].default,),
    actions_ports: Sequence[int] = (VARIABLES["ACTIONS_PORT"].default,),
    log_dir: Path | None = None,
    frontdoor_port: int | None = VARIABLES["FRONTDOOR_PORT"].default,
    env: Mapping[str, str] | None = None,
) -> Iterator[Stack]:
    """Action servers, Rasa instances serving `model` and the front door, until the block exits.

    `frontdoor_port=None` leaves the front door out. The processes get of this process's
    environment only PROCESS_VARIABLES and SETTING_VARIABLES; `env` adds variables, e.g.
    front-door settings such as APP_API_TOKENS (see frontdoor/settings.py), REDIS_URL and
    REDIS_KEY_PREFIX. Rasa's API token is $RASA_TOKEN, the action servers' secret
    $ACTION_SERVER_SECRET and the front door's $SESSION_SECRET, else new random ones per run
    (kept across restarts); each process gets only the secrets it needs (see environments()).
    """
    rasa_urls = [f"http://{HOST}:{port}" for port in rasa_ports]
    actions_urls = [f"http://{HOST}:{port}" for port in actions_ports]
    frontdoor_url = f"http://{HOST}:{frontdoor_port}" if frontdoor_port else None
    envs = environments(env or {}, rasa_urls, actions_urls, frontdoor_port)
    if envs.frontdoor is not None:
        FrontdoorSettings.from_env(envs.frontdoor)  # a bad setting stops here, not in restarts
    redis_url, key_prefix = envs.redis_url, envs.key_prefix
    if len(rasa_ports) > 1 and not redis_url:
        raise ValueError("Several Rasa instances need REDIS_URL: they share conversations there")
    if key_prefix and not key_prefix.isalnum():
        raise ValueError("REDIS_KEY_PREFIX must be letters and digits only")
    if redis_url:
        check_redis(redis_url)
    frontdoor_host = (envs.frontdoor or {}).get("FRONTDOOR_HOST", "").strip() or HOST
    check_ports(rasa_ports, actions_ports, frontdoor_port, frontdoor_host)
    with ExitStack() as cleanup:
        workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        logs = private_dir(log_dir or workdir)
        cleanup.enter_context(_logging_to(logs / "stack.log"))
        actions = [
            _child(
                _name("actions", i, actions_ports),
                [sys.executable, "-m", "bot.action_server", "--port", str(port)],
                f"{url}/health",
                logs,
                envs.actions,
            )
            for i, (url, port) in enumerate(zip(actions_urls, actions_ports, strict=True))
        ]
        rasa: list[Child] = []
        for i, (url, port) in enumerate(zip(rasa_urls, rasa_ports, strict=True)):
            endpoints_file = workdir / f"endpoints-{port}.yml"
            settings = endpoints(actions_urls[i % len(actions_urls)], redis_url, key_prefix)
            endpoints_file.write_text(yaml.safe_dump(settings))
            command = [sys.executable, "-m", "bot.rasa_server", "run", "--model", str(model)]
            command += ["-i", HOST, "-p", str(port), "--enable-api"]
            command += ["--credentials", str(CREDENTIALS), "--endpoints", str(endpoints_file)]
            name = _name("rasa", i, rasa_ports)
            rasa.append(_child(name, command, f"{url}/webhooks/rest/", logs, envs.rasa))
        groups = [actions, rasa]
        if envs.frontdoor is not None:
            command = [sys.executable, "-m", "frontdoor"]
            health = f"{frontdoor_url}/healthz"
            groups.append([_child("frontdoor", command, health, logs, envs.frontdoor)])
        supervisor = Supervisor([child for group in groups for child in group])
        cleanup.callback(supervisor.stop)
        stack = Stack(
            rasa_urls,
            actions_urls,
            frontdoor_url,
            envs.rasa_token,
            envs.actions_secret,
            logs,
            supervisor,
        )
        for group in groups:  # the processes of a group start together
            for child in group:
                child.start()
            for child in group:
                child.wait_until_answering()
        supervisor.start()
        yield stack


def check_ports(
    rasa_ports: Sequence[int],
    actions_ports: Sequence[int],
    frontdoor_port: int | None,
    frontdoor_host: str = HOST,
) -> None:
    """Raise unless the stack's processes can bind their ports, naming the first port in use
    and, when this user can see them, the processes that hold it."""
    needed = [(_name("actions", i, actions_ports), HOST, p) for i, p in enumerate(actions_ports)]
    needed += [(_name("rasa", i, rasa_ports), HOST, port) for i, port in enumerate(rasa_ports)]
    needed += [("frontdoor", frontdoor_host, frontdoor_port)] if frontdoor_port else []
    for name, host, port in needed:
        if in_use(host, port):
            held = ", ".join(holders(port)) or "a process this user cannot see"
            raise RuntimeError(
                f"port {port} ({name}) is in use by {held}; stop it or choose another port"
                ' (README, "Ports and settings")'
            )


def _name(kind: str, index: int, ports: Sequence[int]) -> str:
    return kind if len(ports) == 1 else f"{kind}-{index + 1}"


def _child(
    name: str, command: list[str], health_url: str, logs: Path, env: Mapping[str, str]
) -> Child:
    return Child(name, command, env, logs / f"{name}.log", health_url, ROOT)


@contextmanager
def _logging_to(path: Path) -> Iterator[None]:
    """The stack's own log lines (orchestration.stack: restarts, no user text) also go to `path`."""
    private_file(path).close()
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    level = log.level
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.setLevel(level)
        log.removeHandler(handler)
        handler.close()


def free_ports(count: int) -> list[int]:
    """`count` distinct TCP ports on 127.0.0.1 that nothing listens on right now."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind((HOST, 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


@contextmanager
def process(
    command: list[str], log: Path, env: Mapping[str, str] | None = None, cwd: Path = ROOT
) -> Iterator[subprocess.Popen[bytes]]:
    """`command` running in `cwd` with its output appended to `log`, stopped on exit
    (unsupervised: for the benchmark's starter bot). Its environment is what it inherits of
    this process's, `env` and CHILD_ENV, as for running()'s children."""
    child = start(command, log, {**inherited(os.environ), **(env or {}), **CHILD_ENV}, cwd)
    try:
        yield child
    finally:
        stop(child)


def private_dir(path: Path) -> Path:
    """`path`, a directory created if needed, that only its user can enter."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def private_file(path: Path) -> BinaryIO:
    """`path` opened for appending, created if needed, that only its user can read."""
    opened = open(path, "ab", opener=lambda name, flags: os.open(name, flags, 0o600))  # noqa: SIM115
    path.chmod(0o600)
    return opened
