"""Start and stop the assistant's processes: the action server, Rasa and the front door.

Rasa and the action server bind to 127.0.0.1 only; the front door (bot.frontdoor) is the
one public entry and reaches Rasa's HTTP API with a per-run token, and only Rasa can call the
action server, with another. Secrets reach the processes in their environment, which only
their user can read, never on their command lines, which every local user can. Logs are
readable by their user only. Used by `make run`, the end-to-end tests and the benchmark.
"""

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import yaml

from bot.paths import CREDENTIALS, ENDPOINTS, ROOT

HOST = "127.0.0.1"
START_TIMEOUT = 180
RASA_TOKEN, ACTIONS_SECRET = "RASA_TOKEN", "ACTION_SERVER_SECRET"


@dataclass
class Stack:
    rasa_url: str
    actions_url: str
    frontdoor_url: str | None = None
    rasa_token: str = field(default="", repr=False)
    actions_secret: str = field(default="", repr=False)
    logs: Path | None = None

    @property
    def webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"


@contextmanager
def running(
    model: Path,
    rasa_port: int = 5005,
    actions_port: int = 5055,
    log_dir: Path | None = None,
    frontdoor_port: int | None = 8000,
    env: Mapping[str, str] | None = None,
) -> Iterator[Stack]:
    """The action server, Rasa serving `model` and the front door, until the block exits.

    `frontdoor_port=None` leaves the front door out. `env` adds environment variables for
    the processes, e.g. front-door settings such as APP_API_TOKENS (see bot/frontdoor/settings.py).
    Rasa's API token is $RASA_TOKEN and the action server's secret $ACTION_SERVER_SECRET, else
    new random ones per run; each process gets only the secrets it needs.
    """
    env = {**os.environ, **(env or {})}
    token = env.pop(RASA_TOKEN, "") or secrets.token_urlsafe(32)
    actions_secret = env.pop(ACTIONS_SECRET, "") or secrets.token_urlsafe(32)
    frontdoor_url = f"http://{HOST}:{frontdoor_port}" if frontdoor_port else None
    rasa_url, actions_url = f"http://{HOST}:{rasa_port}", f"http://{HOST}:{actions_port}"
    stack = Stack(rasa_url, actions_url, frontdoor_url, token, actions_secret)
    with ExitStack() as cleanup:
        workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        logs = stack.logs = private_dir(log_dir or workdir)
        endpoints = workdir / "endpoints.yml"
        settings = yaml.safe_load(ENDPOINTS.read_text())
        settings["action_endpoint"]["url"] = f"{stack.actions_url}/webhook"
        # Rasa fills in ${...} from its environment: the secret is never written to a file
        settings["action_endpoint"]["headers"] = {"Authorization": f"Bearer ${{{ACTIONS_SECRET}}}"}
        endpoints.write_text(yaml.safe_dump(settings))
        actions = [sys.executable, "-m", "bot.action_server", "--port", str(actions_port)]
        rasa = [sys.executable, "-m", "bot.rasa_server", "run", "--model", str(model), "-i", HOST]
        rasa += ["-p", str(rasa_port), "--enable-api"]
        rasa += ["--credentials", str(CREDENTIALS), "--endpoints", str(endpoints)]
        actions_env = {**env, ACTIONS_SECRET: actions_secret}
        processes = [
            ("actions", actions, f"{stack.actions_url}/health", actions_env),
            ("rasa", rasa, f"{stack.rasa_url}/webhooks/rest/", {**actions_env, RASA_TOKEN: token}),
        ]
        if frontdoor_url:
            frontdoor_env = {
                **env,
                "RASA_URL": stack.rasa_url,
                RASA_TOKEN: token,
                "FRONTDOOR_PORT": str(frontdoor_port),
            }
            frontdoor = [sys.executable, "-m", "bot.frontdoor"]
            processes.append(("frontdoor", frontdoor, f"{frontdoor_url}/", frontdoor_env))
        for name, command, ready, process_env in processes:
            started = cleanup.enter_context(process(command, logs / f"{name}.log", process_env))
            wait_until_ready(ready, started, logs / f"{name}.log")
        yield stack


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
    command: list[str], log: Path, env: Mapping[str, str], cwd: Path = ROOT
) -> Iterator[subprocess.Popen]:
    """`command` running in `cwd` with its output appended to `log`, stopped on exit.

    The process creates files readable by its user only (umask 077), and so is `log`.
    """
    env = {
        **env,
        "SANIC_HOST": HOST,
        "SANIC_ACCESS_LOG": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_TELEMETRY_ENABLED": "false",
    }
    with private_file(log) as out:
        child = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, umask=0o077
        )
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


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


def wait_until_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    """Return once `url` answers 200; raise if `process` exits or START_TIMEOUT passes."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[2]} exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} not ready after {START_TIMEOUT}s; see {log}")
