"""Keep the stack's processes running: restart a child that exits or stops answering.

A thread looks at every child twice a second. A child that exited (a crash, a kill) is
started again after a backoff: 1 s, doubling up to 30 s, back to 1 s once it has answered for a
minute. A child that answered once but then leaves its health URL unanswered HUNG_CHECKS times
in a row (hung, or stopped with SIGSTOP) is killed, and so restarted. Every event is logged
under `orchestration.stack` with the child's name, exit status and times, nothing else.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("orchestration.stack")

TICK_S = 0.5
# A hung child is killed after about 30 s: a busy one (a Rasa serving 64 conversations on a
# starved machine) must never be taken for hung; visitors meanwhile wait RASA_TIMEOUT at most.
CHECK_EVERY_S = 2.0
CHECK_TIMEOUT_S = 5.0
HUNG_CHECKS = 5
FIRST_BACKOFF_S, MAX_BACKOFF_S = 1.0, 30.0
STABLE_AFTER_S = 60.0
START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 15.0


def answers(url: str, timeout: float = CHECK_TIMEOUT_S) -> bool:
    """Whether an HTTP server at `url` answers within `timeout`, whatever its status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def start(
    command: list[str], log_file: Path, env: Mapping[str, str], cwd: Path
) -> subprocess.Popen[bytes]:
    """`command` in its own session (a terminal's Ctrl-C reaches the stack only, which stops
    its children in order), output appended to `log_file`, creating private files (umask 077)."""
    opened = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(env),
            stdout=opened,
            stderr=subprocess.STDOUT,
            umask=0o077,
            start_new_session=True,
        )
    finally:
        os.close(opened)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if `process` has not exited within STOP_TIMEOUT_S."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def exit_status(code: int) -> str:
    return f"signal {signal.Signals(-code).name}" if code < 0 else f"code {code}"


@dataclass
class Child:
    """One supervised process: how to start it and the URL that shows it is alive."""

    name: str
    command: list[str]
    env: Mapping[str, str] = field(repr=False)
    log_file: Path
    health_url: str
    cwd: Path
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    answering: bool = False  # has answered since it was last started
    failed_checks: int = 0
    next_check: float = 0.0
    started_at: float = 0.0
    down_since: float | None = None
    restart_at: float | None = None
    backoff: float = FIRST_BACKOFF_S

    @property
    def process(self) -> subprocess.Popen[bytes]:
        """The process of the last start()."""
        if self._process is None:
            raise RuntimeError(f"{self.name} has not been started")
        return self._process

    @property
    def started(self) -> bool:
        return self._process is not None

    def start(self) -> None:
        self._process = start(self.command, self.log_file, self.env, self.cwd)
        self.started_at = time.monotonic()
        self.answering, self.failed_checks, self.restart_at = False, 0, None

    def wait_until_answering(self) -> None:
        wait_until_answering(self.health_url, self.process, self.log_file)
        self.answering = True


def wait_until_answering(url: str, process: subprocess.Popen[bytes], log_file: Path) -> None:
    """Return once `url` answers; raise if `process` exits or START_TIMEOUT_S passes."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            status = exit_status(process.returncode)
            raise RuntimeError(f"{_module(process)} exited with {status}; see {log_file}")
        if answers(url):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{url} not answering after {START_TIMEOUT_S:.0f}s; see {log_file}")


def _module(process: subprocess.Popen[bytes]) -> str:
    """What `process` runs: the MODULE of its `python -m MODULE ...` command line."""
    args = process.args
    return str(args[2]) if isinstance(args, list) else str(args)


class Supervisor:
    """Watches started children from a thread; `stop()` ends it and stops them, last first."""

    def __init__(self, children: list[Child]):
        self.children = children
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()
        for child in reversed(self.children):
            if child.started:
                stop(child.process)

    def child(self, name: str) -> Child:
        return next(child for child in self.children if child.name == name)

    def _watch(self) -> None:
        while not self._stopping.wait(TICK_S):
            for child in self.children:
                if self._stopping.is_set():
                    return
                self._look_after(child)

    def _look_after(self, child: Child) -> None:
        now = time.monotonic()
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.start()
                log.info("%s restarted (pid %d)", child.name, child.process.pid)
            return
        if child.process.poll() is not None:
            child.down_since = child.down_since or now
            child.restart_at = now + child.backoff
            log.warning(
                "%s exited with %s; restarting in %.0f s",
                child.name,
                exit_status(child.process.returncode),
                child.backoff,
            )
            child.backoff = min(child.backoff * 2, MAX_BACKOFF_S)
            return
        if child.answering:
            self._check(child, now)
        elif answers(child.health_url, timeout=TICK_S):
            child.answering, child.next_check = True, now + CHECK_EVERY_S
            if child.down_since is not None:
                log.info(
                    "%s is answering again, %.1f s after it went down",
                    child.name,
                    time.monotonic() - child.down_since,
                )
                child.down_since = None
        elif now - child.started_at > START_TIMEOUT_S:
            log.warning("%s not answering after %.0f s; killing it", child.name, START_TIMEOUT_S)
            child.process.kill()

    def _check(self, child: Child, now: float) -> None:
        """Liveness of an answering child: killed after HUNG_CHECKS unanswered checks."""
        if now < child.next_check:
            return
        child.next_check = now + CHECK_EVERY_S
        if answers(child.health_url, CHECK_TIMEOUT_S):
            child.failed_checks = 0
            if now - child.started_at > STABLE_AFTER_S:
                child.backoff = FIRST_BACKOFF_S
            return
        child.failed_checks += 1
        if child.failed_checks >= HUNG_CHECKS:
            log.warning(
                "%s has not answered %d health checks in a row; killing it",
                child.name,
                child.failed_checks,
            )
            child.down_since = time.monotonic()
            child.process.kill()
