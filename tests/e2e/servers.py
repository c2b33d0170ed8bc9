"""What the e2e fault tests share: waiting on a condition, and a redis-server of their own."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import redis

from orchestration.stack import free_ports
from orchestration.supervisor import stop

#: A turn that one of the stack's timeouts bounds (2 s for the action server and Redis, 3 s for
#: Rasa) ends within this, however loaded the machine; without the timeout it would wait for the
#: client's 30 s or Rasa's 5 minutes. The tests print the time measured; the README reports it.
BOUNDED_S = 15.0


def wait_for(condition: Callable[[], bool], seconds: float, every: float = 0.05) -> float:
    """Seconds until `condition()` holds, polled every `every` s; fails after `seconds`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "condition not met in time"
        time.sleep(every)
    return time.monotonic() - started


class OwnRedis:
    """A redis-server of a test module's own on a free port, in memory only, that its tests
    stop, kill, freeze and start again (empty, on the same port)."""

    def __init__(self, binary: str, log: Path):
        self.binary, self.log = binary, log
        self.port = free_ports(1)[0]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it; return once it answers."""
        command = [self.binary, "--bind", "127.0.0.1", "--port", str(self.port)]
        command += ["--save", "", "--appendonly", "no"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=out)
        wait_for(self.answers, 10)

    def answers(self) -> bool:
        client = redis.Redis("127.0.0.1", self.port, socket_timeout=0.5)
        try:
            return client.ping()
        except redis.RedisError:
            return False
        finally:
            client.close()

    def signal(self, sent: signal.Signals) -> None:
        self.process.send_signal(sent)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        stop(self.process)
