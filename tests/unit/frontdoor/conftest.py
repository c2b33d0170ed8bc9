"""Fixtures of the front-door tests: the real app and knowledge base, a stand-in for Rasa."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import socket
import tempfile
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis.configuration import set_hypothesis_home_dir

from frontdoor.app import create_app
from frontdoor.security import LIMITER, PAGE_LIMITER
from frontdoor.settings import Settings
from knowledge import load

# Hypothesis's caches go to the temporary directory, not into the work tree.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "privacy-assistant-hypothesis")

APP_TOKEN = "app-token-for-the-front-door-tests"
AGENT_TOKEN = "agent-token-for-the-front-door-tests"
RASA_TOKEN = "rasa-token-for-tests"

NO_SALE = [
    {
        "recipient_id": "s",
        "text": "We never sell personal information.\n"
        "Our overall company privacy notice: https://www.internationalsos.com/privacy",
    },
    {"recipient_id": "s", "custom": {"topic": "policy.no_sale", "notices": ["notice.company"]}},
]
CLARIFY = [
    {
        "recipient_id": "s",
        "text": "I'm not sure I understood. Did you mean one of these?",
        "buttons": [
            {"title": "Tracker", "payload": '/ask_notice{"service": "notice.tracker"}'},
            {"title": "Something else", "payload": "/nlu_fallback"},
        ],
    },
    {"recipient_id": "s", "custom": {"topic": "clarify", "candidates": ["notice.tracker"]}},
]


class FakeRasa:
    """Rasa's REST webhook and /model/parse, answering what the test sets."""

    NO_SALE = NO_SALE
    CLARIFY = CLARIFY
    TOKEN = RASA_TOKEN

    def __init__(self):
        self.reply: list = NO_SALE
        self.parsed: dict = {"intent_ranking": [], "entities": []}
        self.status = 200
        self.together: float = 0  # messages are held until this many have arrived (see hold)
        self.all_arrived = asyncio.Event()
        self.received: list[dict] = []
        self.parse_tokens: list[str | None] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self.webhook)
        app.router.add_post("/model/parse", self.parse)
        return app

    async def webhook(self, request: web.Request) -> web.Response:
        self.received.append(await request.json())
        if len(self.received) >= self.together:
            self.all_arrived.set()
        await self.all_arrived.wait()
        return web.json_response(self.reply, status=self.status)

    def hold(self, count: float) -> None:
        """Answer none of the next `count` messages until all of them have arrived."""
        self.together = len(self.received) + count
        self.all_arrived = asyncio.Event()

    def stall(self) -> None:
        """Answer no message until release()."""
        self.hold(math.inf)

    def release(self) -> None:
        """Answer the messages held now."""
        self.all_arrived.set()

    async def parse(self, request: web.Request) -> web.Response:
        self.parse_tokens.append(request.query.get("token"))
        return web.json_response(self.parsed, status=self.status)


@pytest.fixture
async def start_rasa():
    """start(): another stand-in Rasa, served until the test ends."""
    servers: list[tuple[FakeRasa, TestServer]] = []

    async def start() -> FakeRasa:
        fake = FakeRasa()
        server = TestServer(fake.app())
        await server.start_server()
        servers.append((fake, server))
        fake.url = str(server.make_url("")).rstrip("/")
        return fake

    yield start
    for fake, server in servers:
        fake.release()  # no handler is left waiting
        await server.close()


@pytest.fixture
async def rasa(start_rasa):
    return await start_rasa()


@pytest.fixture
def settings(rasa: FakeRasa, knowledge_url: str) -> Settings:
    return Settings(
        rasa_url=rasa.url,
        rasa_token=RASA_TOKEN,
        rasa_timeout=60.0,  # a bound only: the tests of Rasa's lateness set their own
        database_url=knowledge_url,
        app_api_tokens=(APP_TOKEN, "second-app-token-for-the-front-door"),
        agent_token=AGENT_TOKEN,
        cors_origins=("https://www.internationalsos.com",),
        rate_limit_burst=100,
    )


@pytest.fixture
def own_database(database_url: str) -> str:
    """The knowledge base in a database of the test's own (SQLite, and PostgreSQL when
    configured): no other test's unanswered questions or counts."""
    load(database_url)
    return database_url


@pytest.fixture
async def make_client(settings: Settings):
    """make_client(**overrides): a client of the real app with these settings changed. Its
    rate limiters' clock stands still, so that no bucket refills while a slow test runs."""
    clients = []

    async def make(**overrides) -> TestClient:
        client = TestClient(TestServer(create_app(dataclasses.replace(settings, **overrides))))
        await client.start_server()
        for limiter in (LIMITER, PAGE_LIMITER):
            client.server.app[limiter].clock = lambda: 1000.0
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def client(make_client) -> TestClient:
    return await make_client()


@pytest.fixture
def api_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {APP_TOKEN}"}


@pytest.fixture
def agent_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {AGENT_TOKEN}"}


@pytest.fixture
def refused_url() -> str:
    """The URL of a port nothing listens on: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"
