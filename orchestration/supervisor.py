"""Keep the stack's processes running: restart a child that exits or stops answering, and never
let one outlive this process.

A thread looks at every child twice a second. A child that exited (a crash, a kill) is
started again after a backoff: 1 s, doubling up to 30 s, back to 1 s once it has answered for a
minute. A child that answered once but then leaves its health URL unanswered HUNG_CHECKS times
in a row (hung, or stopped with SIGSTOP) is killed, and so restarted. A child counts as
answering only with the proof that it holds the key of its last start (bot/supervised.py): a
process the supervisor did not start, on the child's port, is never taken for it. Every event
is logged under `orchestration.stack` with the child's name, exit status and times, nothing else.

Each child gets SIGKILL from the kernel when this process ends, however it ends (kill -9, the
OOM killer): PR_SET_PDEATHSIG, set in the child before it runs its command. The kernel sends it
when the *thread* that started the child ends, so every child is started by one thread that
lives as long as this process (_spawn); and a child whose parent died before the setting took
effect exits at once.
"""

from __future__ import annotations

import ctypes
import hmac
import logging
import os
import secrets
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.supervised import CHALLENGE_HEADER, KEY_VARIABLE, PROOF_HEADER, proof
from orchestration.ports import holders

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
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_prctl = ctypes.CDLL(None, use_errno=True).prctl
# Starts every child, in one thread that lives as long as this process (see _spawn)
_spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spawner")


def answers(url: str, timeout: float = CHECK_TIMEOUT_S, key: str | None = None) -> bool:
    """Whether an HTTP server at `url` answers within `timeout`, whatever its status; given
    `key`, only with the proof that it holds that key (bot/supervised.py)."""
    challenge = secrets.token_urlsafe(32)
    request = urllib.request.Request(url, headers={CHALLENGE_HEADER: challenge} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            given = response.headers.get(PROOF_HEADER, "")
    except urllib.error.HTTPError as error:
        given = error.headers.get(PROOF_HEADER, "")
        error.close()
    except OSError:
        return False
    return key is None or hmac.compare_digest(given, proof(key, challenge))


def start(
    command: list[str], log_file: Path, env: Mapping[str, str], cwd: Path
) -> subprocess.Popen[bytes]:
    """`command` in its own session (a terminal's Ctrl-C, or a signal to this process's group,
    reaches the stack only, which alone decides when its children stop), killed when this
    process ends, output appended to `log_file`, creating private files (umask 077)."""

    def popen() -> subprocess.Popen[bytes]:
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
                preexec_fn=_dies_with(os.getpid()),
            )
        finally:
            os.close(opened)

    return _spawn(popen)


def run(command: list[str], **options: Any) -> subprocess.CompletedProcess:
    """subprocess.run(command, **options), the command killed when this process ends: a
    training or a tool that a command waits for never outlives it (as the stack's children)."""
    return subprocess.run(command, preexec_fn=_dies_with(os.getpid()), **options)


def _dies_with(parent: int) -> Callable[[], None]:
    """What a child runs before its command: SIGKILL when its parent ends, and exit at once
    if `parent` has ended already (no death signal would then come)."""

    def set_death_signal() -> None:
        if _prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL)) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:
            os._exit(1)

    return set_death_signal


def _spawn(popen: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    """popen() run by the spawner thread, which lives as long as this process: the death
    signal of a child fires when the thread that started it ends."""
    return _spawner.submit(popen).result()


def stop(*processes: subprocess.Popen[bytes]) -> None:
    """SIGTERM to all `processes` at once (and SIGCONT, should one be stopped), then SIGKILL
    to those that have not exited within STOP_TIMEOUT_S."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
            process.send_signal(signal.SIGCONT)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
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
    _key: str = field(default="", init=False, repr=False)  # of the last start
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
        """Start the process with a new key, which its health route must prove it holds."""
        self._key = secrets.token_urlsafe(32)
        env = {**self.env, KEY_VARIABLE: self._key}
        self._process = start(self.command, self.log_file, env, self.cwd)
        self.started_at = time.monotonic()
        self.answering, self.failed_checks, self.restart_at = False, 0, None

    def answers(self, timeout: float) -> bool:
        """Whether the process of the last start answers on its health URL within `timeout`."""
        return answers(self.health_url, timeout, self._key)

    def wait_until_answering(self) -> None:
        wait_until_answering(self.health_url, self.process, self.log_file, self._key)
        self.answering = True


def wait_until_answering(
    url: str, process: subprocess.Popen[bytes], log_file: Path, key: str | None = None
) -> None:
    """Return once `url` answers (with the proof of `key`, when given); raise if `process`
    exits or START_TIMEOUT_S passes."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            status = exit_status(process.returncode) + _taken(url)
            raise RuntimeError(f"{_module(process)} exited with {status}; see {log_file}")
        if answers(url, CHECK_TIMEOUT_S, key):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{url} not answering after {START_TIMEOUT_S:.0f}s; see {log_file}")


def _taken(url: str) -> str:
    """ "; port N is in use by process M (...)" when a process this user can see listens on the
    port of `url` (after a child exited: another one); else nothing."""
    port = urlsplit(url).port
    others = holders(port) if port else []
    return f"; port {port} is in use by {', '.join(others)}" if others else ""


def _module(process: subprocess.Popen[bytes]) -> str:
    """What `process` runs: the MODULE of its `python -m MODULE ...` command line."""
    args = process.args
    return str(args[2]) if isinstance(args, list) else str(args)


class Supervisor:
    """Watches started children from a thread, in rounds TICK_S apart that each look after
    every child once (`rounds` counts them); `stop()` ends it and stops them all at once."""

    def __init__(self, children: list[Child]):
        self.children = children
        self.rounds = 0  # finished so far
        self._round_done = threading.Condition()
        self._ended = False  # the watching thread has finished
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()
        stop(*(child.process for child in reversed(self.children) if child.started))

    def child(self, name: str) -> Child:
        return next(child for child in self.children if child.name == name)

    def wait_rounds(self, count: int, timeout: float | None = None) -> bool:
        """Whether `count` more rounds finish within `timeout`; False at once when the
        watching ends (or has ended)."""
        with self._round_done:
            until = self.rounds + count
            self._round_done.wait_for(lambda: self.rounds >= until or self._ended, timeout)
            return self.rounds >= until

    def _watch(self) -> None:
        try:
            while not self._stopping.wait(TICK_S):
                for child in self.children:
                    if self._stopping.is_set():
                        return
                    self._look_after(child)
                with self._round_done:
                    self.rounds += 1
                    self._round_done.notify_all()
        finally:
            with self._round_done:
                self._ended = True
                self._round_done.notify_all()

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
                "%s exited with %s%s; restarting in %.0f s",
                child.name,
                exit_status(child.process.returncode),
                _taken(child.health_url),
                child.backoff,
            )
            child.backoff = min(child.backoff * 2, MAX_BACKOFF_S)
            return
        if child.answering:
            self._check(child, now)
        elif child.answers(TICK_S):
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
        if child.answers(CHECK_TIMEOUT_S):
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
