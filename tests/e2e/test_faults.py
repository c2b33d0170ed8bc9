"""Redis and PostgreSQL faults, on servers of this module's own that the tests stop and start:
the stack (one Rasa) keeps conversations in a private redis-server, and the knowledge base and
the unanswered questions in a private PostgreSQL cluster, each on a free port.

- Redis stopped (SIGSTOP, as when it hangs) mid-conversation: the friendly reply within 3 s;
  resumed, the conversation goes on with its context. Terminated: the friendly reply at once;
  restarted (empty: no persistence), the conversation goes on afresh.
- PostgreSQL stopped: answers keep coming from the catalogues read at start, /readyz says the
  knowledge base is down (degraded, 200), unanswered questions get their reply but are not
  recorded; back, it is ready and records them again. A restart costs no check and no question.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from knowledge import load
from orchestration.stack import Stack, free_ports, running
from orchestration.train import train
from tests.e2e.servers import BOUNDED_S, OwnRedis, wait_for

APP_TOKEN = "faults-app-token-of-32-characters-at-least"
AGENT_TOKEN = "faults-agent-token-of-32-characters-at-least"
QUESTION, FOLLOW_UP = "how long do you keep my data?", "and for MedAire?"
UNANSWERED = ("clarify", "out_of_scope")  # the replies whose question the front door records
READY = {"status": "ready", "rasa": ["up"], "actions": ["up"], "knowledge": "up"}
POSTGRES_ACCOUNT = "postgres"  # PostgreSQL refuses to run as root: as root, it runs as this


class OwnPostgres:
    """A PostgreSQL cluster in `folder`, on a free port, trusting local TCP connections, that a
    test stops and starts; its binaries run as POSTGRES_ACCOUNT when this process is root."""

    def __init__(self, bindir: Path, folder: Path):
        self.bindir, self.folder = bindir, folder
        self.port = free_ports(1)[0]
        self.url = f"postgresql://assistant@127.0.0.1:{self.port}/postgres"
        self.account: dict = {}
        if os.geteuid() == 0:
            user = pwd.getpwnam(POSTGRES_ACCOUNT)
            os.chown(folder, user.pw_uid, user.pw_gid)
            self.account = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        self.process: subprocess.Popen[bytes] | None = None
        initdb = [str(bindir / "initdb"), "-D", str(folder / "data"), "-U", "assistant"]
        initdb += ["--auth=trust", "--no-sync"]
        subprocess.run(initdb, check=True, stdout=subprocess.DEVNULL, **self.account)

    def start(self) -> None:
        """Start it (again, with its data, on the same port); return once it takes queries."""
        command = [str(self.bindir / "postgres"), "-D", str(self.folder / "data")]
        command += ["-p", str(self.port), "-k", str(self.folder)]
        command += ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
        with (self.folder / "postgres.log").open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=out, **self.account)
        wait_for(self.answers, 30)

    def answers(self) -> bool:
        try:
            psycopg2.connect(self.url, connect_timeout=1).close()
        except psycopg2.OperationalError:
            return False
        return True

    def stop(self) -> None:
        """Fast shutdown (SIGINT: sessions ended, data kept); return once it has exited."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=30)


def postgres_bindir() -> Path | None:
    """The folder of initdb and postgres: that of an initdb on PATH, else Debian's newest
    /usr/lib/postgresql/N/bin."""
    on_path = shutil.which("initdb")
    folders = [Path(on_path).parent] if on_path else []
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    folders += sorted(versions, key=lambda folder: int(folder.parent.name), reverse=True)
    return next(
        (f for f in folders if (f / "initdb").is_file() and (f / "postgres").is_file()), None
    )


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory) -> Iterator[OwnRedis]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    server = OwnRedis(binary, tmp_path_factory.mktemp("faults-redis") / "redis.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL's initdb and postgres are not installed")
    # not under pytest's temporary folders: only their user, here perhaps root, may enter them
    with tempfile.TemporaryDirectory(prefix="faults-postgres-") as folder:
        server = OwnPostgres(bindir, Path(folder))
        server.start()
        load(server.url)
        yield server
        server.stop()


@pytest.fixture(scope="module")
def served(tmp_path_factory, own_redis, own_postgres) -> Iterator[Stack]:
    rasa_port, actions_port, frontdoor_port = free_ports(3)
    env = {
        "APP_API_TOKENS": APP_TOKEN,
        "AGENT_TOKEN": AGENT_TOKEN,
        "RATE_LIMIT_BURST": "1000",
        "PAGE_RATE_LIMIT_BURST": "1000",  # /readyz, polled
        "DATABASE_URL": own_postgres.url,
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


def call(stack: Stack, path: str, body: dict | None = None, token: str = "") -> tuple[int, dict]:
    """The status and JSON of the front door's answer to GET `path`, or POST `body`."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{stack.frontdoor_url}{path}", data, headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def chat(stack: Stack, message: str, session_id: str | None = None) -> dict:
    body = {"message": message, **({"session_id": session_id} if session_id else {})}
    status, reply = call(stack, "/api/v1/chat", body, APP_TOKEN)
    assert status == 200, reply
    return reply


def timed_chat(stack: Stack, message: str, session_id: str | None = None) -> tuple[dict, float]:
    started = time.monotonic()
    reply = chat(stack, message, session_id)
    return reply, time.monotonic() - started


def notice_ids(reply: dict) -> list[str]:
    return [notice["id"] for notice in reply["notices"]]


def recorded(stack: Stack) -> dict[str, int]:
    """The unanswered questions the agent console lists, with in how many conversations."""
    status, body = call(stack, "/agent/api/unanswered", token=AGENT_TOKEN)
    assert status == 200, body
    return {question["text"]: question["conversations"] for question in body["questions"]}


def test_redis_stopped_mid_conversation_costs_the_friendly_reply_after_a_timeout(served, own_redis):
    """Rasa's lock store gives up on a hung Redis after its socket timeout (2 s); resumed,
    Redis still holds the conversation, whose next message is answered with its context."""
    reply = chat(served, QUESTION)
    assert reply["topic"] == "retention"
    own_redis.signal(signal.SIGSTOP)
    try:
        waits = []
        for _ in range(2):  # each message waits for the timeout on its own
            reply, waited = timed_chat(served, FOLLOW_UP, reply["session_id"])
            waits.append(round(waited, 2))
            assert reply["topic"] == "unavailable"
            assert notice_ids(reply) == ["notice.company"]
    finally:
        own_redis.signal(signal.SIGCONT)
    reply, waited = timed_chat(served, FOLLOW_UP, reply["session_id"])
    print(
        f"\nRedis stopped: the friendly reply after {waits} s; resumed: answered in {waited:.2f} s"
    )
    assert max(waits) < BOUNDED_S
    assert reply["topic"] == "retention" and "notice.medaire" in notice_ids(reply)


def test_redis_terminated_mid_conversation_costs_the_friendly_reply(served, own_redis):
    """A Redis that is gone refuses connections: no timeout to wait for. Restarted empty, it
    has lost the conversation (people start again), which goes on in it."""
    reply = chat(served, QUESTION)
    own_redis.stop()
    try:
        reply, waited = timed_chat(served, FOLLOW_UP, reply["session_id"])
        assert reply["topic"] == "unavailable"
    finally:
        own_redis.start()
    again, answered_in = timed_chat(served, QUESTION, reply["session_id"])
    follow_up = chat(served, FOLLOW_UP, again["session_id"])
    print(f"\nRedis gone: the friendly reply after {waited:.2f} s; back: {answered_in:.2f} s")
    assert waited < BOUNDED_S
    assert again["topic"] == "retention"
    assert follow_up["topic"] == "retention" and "notice.medaire" in notice_ids(follow_up)


def test_postgresql_stopped_answers_keep_coming_and_readyz_says_what_is_down(served, own_postgres):
    """The front door and the action server read the knowledge base at start: every answer
    keeps coming, asked before or not; only the unanswered questions are not recorded."""
    assert call(served, "/readyz") == (200, READY)
    own_postgres.stop()
    try:
        readiness = call(served, "/readyz")
        retention, answered_in = timed_chat(served, QUESTION)
        follow_up = chat(served, FOLLOW_UP, retention["session_id"])
        not_asked_before = chat(served, "do you sell my data?")
        shared_answer = call(served, "/api/v1/answers/retention", token=APP_TOKEN)
        unanswered, unanswered_in = timed_chat(served, "tell me a joke")
    finally:
        own_postgres.start()
    ready_after = wait_for(lambda: call(served, "/readyz") == (200, READY), 10)
    chat(served, "tell me a joke")  # another conversation
    print(
        f"\nPostgreSQL stopped: /readyz {readiness}; answered in {answered_in:.2f} s, "
        f"an unanswered question in {unanswered_in:.2f} s; back: ready after {ready_after:.2f} s"
    )
    degraded = {"status": "degraded", "rasa": ["up"], "actions": ["up"], "knowledge": "down"}
    assert readiness == (200, degraded)
    assert retention["topic"] == "retention" and retention["sources"]
    assert follow_up["topic"] == "retention" and "notice.medaire" in notice_ids(follow_up)
    assert not_asked_before["topic"] == "policy.no_sale"
    assert shared_answer[0] == 200 and shared_answer[1]["topic"] == "retention"
    assert unanswered["topic"] in UNANSWERED and unanswered_in < BOUNDED_S
    log = (served.logs / "frontdoor.log").read_text()
    assert "could not record an unanswered question: OperationalError" in log
    assert recorded(served).get("tell me a joke") == 1  # the question asked once it was back


def test_a_postgresql_restart_costs_no_readiness_check_and_no_question(served, own_postgres):
    """Stopped and started with nothing asked meanwhile: the front door's pooled connections
    are dead, and are replaced before the first check and the first question use them."""
    assert call(served, "/readyz") == (200, READY)  # a connection left in the pool
    own_postgres.stop()
    own_postgres.start()
    assert call(served, "/readyz") == (200, READY)
    question = "how much does travel insurance cost"
    assert chat(served, question)["topic"] in UNANSWERED
    assert recorded(served).get(question) == 1
