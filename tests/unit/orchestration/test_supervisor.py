"""The supervisor on small HTTP servers: restarts after an exit, with backoff; kills hung ones."""

import logging
import os
import signal
import sys
import time
from collections.abc import Iterator

import pytest

from orchestration import supervisor
from orchestration.stack import free_ports
from orchestration.supervisor import Child, Supervisor, answers


@pytest.fixture
def watched(tmp_path, monkeypatch, caplog) -> Iterator[Child]:
    """A supervised `python -m http.server`, checked every 0.3 s."""
    monkeypatch.setattr(supervisor, "CHECK_EVERY_S", 0.3)
    monkeypatch.setattr(supervisor, "CHECK_TIMEOUT_S", 0.3)
    caplog.set_level(logging.INFO, logger="orchestration.stack")
    child = web_server(tmp_path)
    watcher = Supervisor([child])
    child.start()
    child.wait_until_answering()
    watcher.start()
    yield child
    watcher.stop()


def web_server(directory) -> Child:
    port = free_ports(1)[0]
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    url = f"http://127.0.0.1:{port}/"
    return Child("web", command, dict(os.environ), directory / "web.log", url, directory)


def wait_for(condition, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_a_killed_child_is_restarted_with_growing_backoff(watched, caplog):
    for backoff in (1, 2):
        old = watched.process.pid
        os.kill(old, signal.SIGKILL)
        wait_for(lambda old=old: watched.process.pid != old and "answering again" in caplog.text)
        assert answers(watched.health_url)
        assert f"web exited with signal SIGKILL; restarting in {backoff} s" in caplog.text
        caplog.clear()


def test_a_stopped_child_is_killed_and_restarted(watched, caplog):
    stopped = watched.process.pid
    os.kill(stopped, signal.SIGSTOP)
    wait_for(lambda: watched.process.pid != stopped and answers(watched.health_url))
    checks = supervisor.HUNG_CHECKS
    assert f"web has not answered {checks} health checks in a row; killing it" in caplog.text
    assert "web exited with signal SIGKILL" in caplog.text


def test_stopping_ends_the_children_and_restarts_none(tmp_path, caplog):
    child = web_server(tmp_path)
    watcher = Supervisor([child])
    child.start()
    child.wait_until_answering()
    watcher.start()
    watcher.stop()
    assert child.process.returncode is not None
    time.sleep(1.5)
    assert not answers(child.health_url) and "restarted" not in caplog.text
