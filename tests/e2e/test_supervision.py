"""Faults of the running stack (one Rasa, conversations in a Redis of its own): each child
killed once is restarted and the conversation goes on; a stopped part costs a visitor the
friendly reply after a timeout (printed; BOUNDED_S catches a missing one); without Redis visitors
get the friendly reply; Ctrl-C stops `make run` cleanly, starting or started."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from evaluation import processes
from knowledge import load
from orchestration import supervisor
from orchestration.paths import ROOT
from orchestration.ports import in_use, listeners
from orchestration.stack import Stack, free_ports, running
from orchestration.train import train
from tests.e2e.servers import BOUNDED_S, OwnRedis, wait_for

TOKEN = "faults-app-token-of-32-characters-at-least"
QUESTION, FOLLOW_UP = "how long do you keep my data?", "and for MedAire?"


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory) -> Iterator[OwnRedis]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("these tests need redis-server on PATH", pytrace=False)
    server = OwnRedis(binary, tmp_path_factory.mktemp("supervision-redis") / "redis.log")
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def supervised(tmp_path_factory, own_redis) -> Iterator[Stack]:
    """The stack, whose supervisor takes a child for hung after 3 checks of 2 s (not 5 of 5)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(supervisor, "HUNG_CHECKS", 3)
        patch.setattr(supervisor, "CHECK_TIMEOUT_S", 2.0)
        yield from _supervised(tmp_path_factory, own_redis)


def _supervised(tmp_path_factory, own_redis) -> Iterator[Stack]:
    database = f"sqlite:///{tmp_path_factory.mktemp('faults-db') / 'knowledge.sqlite'}"
    load(database)
    rasa_port, actions_port, frontdoor_port = free_ports(3)
    env = {
        "APP_API_TOKENS": TOKEN,
        "RATE_LIMIT_BURST": "1000",
        "DATABASE_URL": database,
        "REDIS_URL": own_redis.url,
    }
    with running(
        train(),
        rasa_ports=[rasa_port],
        actions_ports=[actions_port],
        frontdoor_port=frontdoor_port,
        log_dir=tmp_path_factory.mktemp("faults-logs"),
        env=env,
    ) as stack:
        yield stack


def chat(stack: Stack, message: str, session_id: str | None = None) -> dict:
    body = {"message": message, **({"session_id": session_id} if session_id else {})}
    request = urllib.request.Request(
        f"{stack.frontdoor_url}/api/v1/chat",
        json.dumps(body).encode(),
        {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def answered(stack: Stack, message: str, session_id: str, within: float = 120) -> dict:
    """The first reply that is an answer, asking again every half second."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            reply = chat(stack, message, session_id)
            if reply["topic"] != "unavailable":
                return reply
            session_id = reply["session_id"]  # only the latest is taken
        except OSError:  # the front door itself is down
            pass
        time.sleep(0.5)
    raise AssertionError(f"no answer within {within:.0f} s")


def said_once_more(log: Path, line: str) -> Callable[[], bool]:
    """A condition: `log` holds `line` once more than it does now."""
    now = log.read_text().count(line)
    return lambda: log.read_text().count(line) > now


def test_redis_holds_the_conversation_but_nothing_people_typed(supervised, own_redis):
    said = [QUESTION, "I'm Rosalind Keane, rk@ex.org, I have postnatal depression", FOLLOW_UP]
    session_id = None
    for text in said:
        reply = chat(supervised, text, session_id)
        session_id = reply["session_id"]
    assert reply["topic"] == "retention"  # the follow-up found the question in Redis
    store = redis.Redis.from_url(own_redis.url)
    stored = b"".join(store.get(key) or b"" for key in store.scan_iter(_type="string"))
    assert b"ask_retention" in stored
    for word in (b"Rosalind", b"rk@ex", b"postnatal", b"keep my data", b"and for"):
        assert word not in stored


def test_each_killed_child_is_restarted_and_the_conversation_goes_on(supervised):
    """Each child killed in turn: the supervisor restarts it, says so once it answers its
    health check, and the next message of the conversation is answered in its context. The
    follow-up is sent once, after the restart: a message sent to a dead child gets the friendly
    reply (tested below), and sending it again would be a second message of the conversation."""
    reply = chat(supervised, QUESTION)
    assert reply["topic"] == "retention"
    session_id, recovered_in = reply["session_id"], {}
    log = supervised.logs / "stack.log"
    for name in ("actions", "rasa", "frontdoor"):
        restarted = said_once_more(log, f"{name} is answering again")
        os.kill(supervised.pid(name), signal.SIGKILL)
        recovered_in[name] = round(wait_for(restarted, 300), 1)
        reply = chat(supervised, FOLLOW_UP, session_id)
        assert reply["topic"] == "retention"  # the follow-up still knows the question
        assert "notice.medaire" in [notice["id"] for notice in reply["notices"]]
        session_id = reply["session_id"]
    print(f"answering its health check again after a kill, seconds: {recovered_in}")
    for name in recovered_in:
        assert f"{name} exited with signal SIGKILL; restarting in 1 s" in log.read_text()


def test_a_stopped_action_server_costs_a_visitor_a_timeout_until_it_is_replaced(supervised):
    stopped = supervised.pid("actions")
    os.kill(stopped, signal.SIGSTOP)
    try:
        for _ in range(2):
            started = time.monotonic()
            reply = chat(supervised, QUESTION)
            waited = time.monotonic() - started
            assert waited < BOUNDED_S
            assert reply["topic"] == "unavailable"
            assert reply["notices"][0]["id"] == "notice.company"
        print(f"a stopped action server: the friendly reply after {waited:.2f} s")
        reply = answered(supervised, QUESTION, reply["session_id"], within=60)
        print(f"replaced, answering {time.monotonic() - started:.1f} s after that")
        assert reply["topic"] == "retention" and supervised.pid("actions") != stopped
    finally:
        _resume(stopped)
    log = (supervised.logs / "stack.log").read_text()
    assert "actions has not answered 3 health checks in a row; killing it" in log


def test_a_stopped_rasa_costs_a_visitor_a_timeout(supervised):
    stopped = supervised.pid("rasa")
    os.kill(stopped, signal.SIGSTOP)
    try:
        started = time.monotonic()
        reply = chat(supervised, QUESTION)
        waited = time.monotonic() - started
        assert waited < BOUNDED_S
        assert reply["topic"] == "unavailable"
        print(f"a stopped Rasa: the friendly reply after {waited:.2f} s")
    finally:
        _resume(stopped)
    assert answered(supervised, QUESTION, reply["session_id"], within=30)["topic"] == "retention"


def test_while_redis_is_down_visitors_get_the_friendly_reply(supervised, own_redis):
    own_redis.kill()  # conversations are in memory only: they are gone
    try:
        started = time.monotonic()
        reply = chat(supervised, QUESTION)
        assert time.monotonic() - started < BOUNDED_S
        assert reply["topic"] == "unavailable"
    finally:
        own_redis.start()
    assert answered(supervised, QUESTION, reply["session_id"], within=30)["topic"] == "retention"


def _resume(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # replaced already
        os.kill(pid, signal.SIGCONT)


class MakeRun:
    """`python -m orchestration.serve` (what `make run` runs) on free ports, its output in a
    file; `ports` are the front door's, Rasa's and the action server's."""

    def __init__(self, tmp_path: Path, **settings: str):
        database = f"sqlite:///{tmp_path / 'knowledge.sqlite'}"
        load(database)
        self.ports = frontdoor, rasa, actions = free_ports(3)
        env = {
            **os.environ,
            "FRONTDOOR_PORT": str(frontdoor),
            "RASA_PORT": str(rasa),
            "ACTIONS_PORT": str(actions),
            "DATABASE_URL": database,
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
        self.output = tmp_path / "serve.out"
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "orchestration.serve"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=out,
            )

    def text(self) -> str:
        return self.output.read_text()

    def wait_until(self, condition: Callable[[], bool]) -> None:
        """Return once `condition()` holds; fail, with the output, if `make run` ends first."""
        deadline = time.monotonic() + 600  # time enough to train
        while not condition():
            assert self.process.poll() is None and time.monotonic() < deadline, self.text()
            time.sleep(0.2)

    def wait_until_up(self) -> None:
        self.wait_until(lambda: "is up" in self.text())

    def runs(self, module: str) -> bool:
        """Whether one of the processes `make run` started runs `python -m module`."""
        needle = f"\0-m\0{module}\0".encode()
        for pid in processes.descendants(self.process.pid):
            with contextlib.suppress(OSError):
                if needle in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return True
        return False

    def nothing_listens(self) -> bool:
        return not any(in_use("127.0.0.1", port) for port in self.ports)


def test_a_hangup_while_starting_stops_make_run_cleanly(tmp_path):
    """Rasa started, loading its model for many seconds; the front door not yet."""
    run = MakeRun(tmp_path)
    run.wait_until(lambda: run.runs("bot.rasa_server"))
    run.process.send_signal(signal.SIGHUP)
    assert run.process.wait(timeout=60) == 0
    assert "Stopped." in run.text() and "Traceback" not in run.text(), run.text()
    assert "is up" not in run.text() and run.nothing_listens()


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_frees_every_port_within_5_s(stop_signal, tmp_path):
    """Ctrl-C and a service manager's stop, once up (the hangup is tested while starting: the
    three share one handler, orchestration.serve.STOP_SIGNALS)."""
    run = MakeRun(tmp_path)
    run.wait_until_up()
    children = processes.descendants(run.process.pid)
    sent = time.monotonic()
    run.process.send_signal(stop_signal)
    freed = wait_for(run.nothing_listens, 5)
    assert run.process.wait(timeout=60) == 0
    ended = time.monotonic() - sent
    assert "Stopped." in run.text() and "Traceback" not in run.text(), run.text()
    assert not any(map(processes.running, children))
    print(f"{stop_signal.name}: ports free after {freed:.2f} s, make run ended after {ended:.1f} s")


def test_nothing_of_make_run_outlives_a_kill_9_of_it(tmp_path):
    run = MakeRun(tmp_path)
    run.wait_until_up()
    children = processes.descendants(run.process.pid)
    assert len(children) == 3  # the action server, Rasa, the front door: no grandchild
    run.process.kill()
    run.process.wait()
    gone = wait_for(lambda: run.nothing_listens() and not any(map(processes.running, children)), 5)
    print(f"kill -9 of make run: its ports free, its processes gone after {gone:.2f} s")


def test_make_run_refuses_a_port_in_use_naming_it_and_its_process(tmp_path):
    port = free_ports(1)[0]
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as other:
        try:
            wait_for(lambda: other.pid in listeners(port), 30)
            started = time.monotonic()
            run = MakeRun(tmp_path, ACTIONS_PORT=str(port))
            assert run.process.wait(timeout=60) == 1
            refused_in = time.monotonic() - started
        finally:
            other.kill()
    refusal = run.text().strip().splitlines()[-1]
    print(f"refused after {refused_in:.1f} s: {refusal}")
    assert refusal.startswith(
        f"Not started: port {port} (actions) is in use by process {other.pid} ("
    )
    assert "http.server" in refusal and not any(in_use("127.0.0.1", p) for p in run.ports[:2])
