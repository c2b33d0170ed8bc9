"""What evaluation.processes reads of running processes, on this test's own process and a child."""

import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from evaluation import processes


@pytest.fixture
def child() -> Iterator[subprocess.Popen]:
    """A Python process that waits for its standard input to close."""
    waiting = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    yield waiting
    waiting.kill()
    waiting.communicate()


def test_a_process_tree_counts_its_childrens_memory(child):
    assert child.pid in processes.descendants(os.getpid())
    assert processes.rss_mb(os.getpid()) > processes.rss_mb(child.pid) > 0


def test_a_killed_child_no_longer_runs_not_even_as_a_zombie(child):
    assert processes.running(child.pid)
    child.kill()
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped: a zombie
    assert not processes.running(child.pid)
    child.wait()
    assert not processes.running(child.pid)


def test_the_process_listening_on_a_port_and_its_memory():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert processes.listening_pid(port) == os.getpid()
        found = processes.memory({"me": port})
    assert found["me"] is not None and found["me"] > 0
    assert processes.memory({"nobody": port}) == {"nobody": None}
