"""The supervisor on small HTTP servers: restarts after an exit, with backoff; kills hung ones;
takes no other process on a child's port for the child; its children die with it."""

import contextlib
import http.server
import logging
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from evaluation import processes
from orchestration import supervisor
from orchestration.paths import ROOT
from orchestration.ports import in_use, listeners
from orchestration.stack import check_ports, free_ports
from orchestration.supervisor import Child, Supervisor, answers

# A health route that proves, as the stack's processes do, that it holds its start's key.
PROVING_SERVER = """
import http.server, sys
from bot.supervised import CHALLENGE_HEADER, proof_headers

class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        for name, value in proof_headers(self.headers.get(CHALLENGE_HEADER)).items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
"""
# A process supervising one proving server (argv: port, directory), until it is killed.
SUPERVISING = """
import os, sys, threading
from pathlib import Path
from orchestration.supervisor import Child, Supervisor
from tests.unit.orchestration.test_supervisor import web_server

child = web_server(Path(sys.argv[2]), int(sys.argv[1]))
child.start()
child.wait_until_answering()
Supervisor([child]).start()
print("supervising", flush=True)
threading.Event().wait()
"""


WAIT = 60  # the longest a test waits for a condition (only a failing one waits that long)


@pytest.fixture
def watched(tmp_path, caplog) -> Iterator[Child]:
    """A supervised proving server."""
    caplog.set_level(logging.INFO, logger="orchestration.stack")
    child = web_server(tmp_path)
    watcher = Supervisor([child])
    child.start()
    child.wait_until_answering()
    watcher.start()
    yield child
    watcher.stop()


def web_server(directory: Path, port: int | None = None) -> Child:
    port = port or free_ports(1)[0]
    command = [sys.executable, "-c", PROVING_SERVER, str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    url = f"http://127.0.0.1:{port}/"
    return Child("web", command, env, directory / "web.log", url, directory)


def port_of(child: Child) -> int:
    return int(child.health_url.rsplit(":", 1)[1].strip("/"))


def wait_for(condition, seconds: float = WAIT) -> float:
    """Seconds until `condition()` holds; fails after `seconds`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "condition not met in time"
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def stranger() -> Iterator[Callable[[int], None]]:
    """start(port): an HTTP server of this process on `port` (once it is free), answering
    every request, without a proof."""
    servers = []

    def start(port: int) -> None:
        wait_for(lambda: not in_use("127.0.0.1", port))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Answering)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


class Answering(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_killed_child_is_restarted_with_growing_backoff(monkeypatch, watched, caplog):
    # however long a busy machine takes to restart it, its backoff is not reset in between
    monkeypatch.setattr(supervisor, "STABLE_AFTER_S", math.inf)
    for backoff in (1, 2):
        old = watched.process.pid
        os.kill(old, signal.SIGKILL)
        wait_for(lambda old=old: watched.process.pid != old and "answering again" in caplog.text)
        assert watched.answers(timeout=WAIT)
        assert f"web exited with signal SIGKILL; restarting in {backoff} s" in caplog.text
        caplog.clear()


def test_a_stopped_child_is_killed_and_restarted(monkeypatch, watched, caplog):
    # checks that end soon, as no check of a stopped child can be answered
    monkeypatch.setattr(supervisor, "CHECK_EVERY_S", 0.2)
    monkeypatch.setattr(supervisor, "CHECK_TIMEOUT_S", 1.0)
    monkeypatch.setattr(supervisor, "HUNG_CHECKS", 2)
    stopped = watched.process.pid
    os.kill(stopped, signal.SIGSTOP)
    wait_for(lambda: watched.process.pid != stopped and watched.answers(timeout=5))
    assert "web has not answered 2 health checks in a row; killing it" in caplog.text
    assert "web exited with signal SIGKILL" in caplog.text


def test_stopping_ends_the_children_and_restarts_none(tmp_path, caplog):
    child = web_server(tmp_path)
    watcher = Supervisor([child])
    child.start()
    child.wait_until_answering()
    watcher.start()
    assert watcher.wait_rounds(1, timeout=WAIT)  # watching
    watcher.stop()
    assert child.process.returncode is not None
    assert not watcher.wait_rounds(3, timeout=WAIT)  # no round after stop() to restart it
    assert not answers(child.health_url) and "restarted" not in caplog.text


def test_a_stopped_child_is_stopped_by_sigterm_too(tmp_path):
    child = web_server(tmp_path)
    child.start()
    child.wait_until_answering()
    os.kill(child.process.pid, signal.SIGSTOP)
    supervisor.stop(child.process)
    assert child.process.returncode == -signal.SIGTERM  # not SIGKILL, STOP_TIMEOUT_S later


def test_another_process_answering_on_the_port_is_not_the_child(tmp_path, stranger):
    child = web_server(tmp_path)
    stranger(port_of(child))
    child.start()
    assert answers(child.health_url)  # something answers there ...
    assert not child.answers(timeout=5)  # ... but not with the proof of this start's key
    with pytest.raises(RuntimeError) as refused:
        child.wait_until_answering()  # the child cannot bind the port and exits
    held = f"port {port_of(child)} is in use by process {os.getpid()} ("
    assert "exited with code 1; " + held in str(refused.value)


def test_a_restarted_child_whose_port_was_taken_is_not_taken_for_answering(
    watched, caplog, stranger
):
    os.kill(watched.process.pid, signal.SIGKILL)
    stranger(port_of(watched))  # takes the port before the child is restarted
    held = f"web exited with code 1; port {port_of(watched)} is in use by process {os.getpid()} ("
    wait_for(lambda: caplog.text.count(held) >= 2)
    assert "answering again" not in caplog.text


@pytest.mark.parametrize("restarted", [False, True], ids=["started", "restarted"])
def test_the_children_die_with_their_supervisor(tmp_path, restarted):
    """SIGKILL to a supervising process: its child, whether it started it from its main thread
    or restarted it from its watching thread, dies (the kernel kills it at once; WAIT is only
    the test's bound, and the time it took is printed)."""
    port = free_ports(1)[0]
    command = [sys.executable, "-c", SUPERVISING, str(port), str(tmp_path)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE) as supervising:
        assert supervising.stdout and supervising.stdout.readline() == b"supervising\n"
        (child,) = listeners(port)
        if restarted:
            os.kill(child, signal.SIGKILL)
            wait_for(lambda: bool(listeners(port) - {child}))
            (child,) = listeners(port)
        supervising.kill()
        supervising.wait()
        waited = wait_for(lambda: not in_use("127.0.0.1", port) and not processes.running(child))
    print(f"the child gone {waited:.2f} s after its supervisor was killed")


def test_a_child_outlives_the_thread_that_started_it(tmp_path):
    """The kernel's death signal follows the thread that forked: every child is forked by one
    that lives as long as the process."""
    child = web_server(tmp_path)
    starter = threading.Thread(target=child.start)
    starter.start()
    starter.join()
    wait_for(lambda: not Path(f"/proc/self/task/{starter.native_id}").exists())
    try:
        child.wait_until_answering()
    finally:
        supervisor.stop(child.process)


RUNNING = """
import sys
from orchestration.supervisor import run
child = "import os, time; print(os.getpid(), flush=True); time.sleep(600)"
run([sys.executable, "-c", child])
"""


def test_a_command_waited_for_dies_with_its_caller():
    """A command supervisor.run waits for (a training, a tool) is killed with its caller."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", RUNNING]
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE) as caller:
        assert caller.stdout
        child = int(caller.stdout.readline())
        assert processes.running(child)
        caller.kill()
        caller.wait()
        try:
            wait_for(lambda: not processes.running(child))
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)


def test_a_child_whose_supervisor_died_before_it_ran_exits():
    """The death signal is set in the child before its command runs; if its parent has died
    already, the child exits instead."""
    another_parent = os.getppid()
    started = subprocess.run(
        [sys.executable, "-c", "print('ran')"],
        preexec_fn=supervisor._dies_with(another_parent),
        capture_output=True,
        timeout=60,
    )
    assert (started.returncode, started.stdout) == (1, b"")


def test_the_port_check_names_the_port_and_its_holder():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        free = free_ports(1)[0]
        with pytest.raises(RuntimeError) as refused:
            check_ports([free], [taken], None)
    assert str(refused.value).startswith(
        f"port {taken} (actions) is in use by process {os.getpid()} ("
    )
    check_ports([free], [taken], None)  # free again
