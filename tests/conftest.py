"""Fixtures for every test directory: the real assistant, trained and running on free ports."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import aiohttp
import pytest
import redis

from bot.rasa_endpoints import check_redis
from bot.stack import Stack, free_ports, running
from bot.train import train
from knowledge import load

# Front-door settings of the running stack (tests read the tokens from `stack_env`).
STACK_ENV = {
    "APP_API_TOKENS": "e2e-app-token",
    "AGENT_TOKEN": "e2e-agent-token",
    "RATE_LIMIT_BURST": "1000",
}


@pytest.fixture(scope="session")
def stack_env() -> dict[str, str]:
    return dict(STACK_ENV)


@pytest.fixture(scope="session")
def stack(stack_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The action server, Rasa and the front door serving the current model (trained if needed)."""
    model = train()
    rasa_port, actions_port, frontdoor_port = free_ports(3)
    logs = tmp_path_factory.mktemp("stack-logs")
    database = f"sqlite:///{tmp_path_factory.mktemp('stack-db') / 'knowledge.sqlite'}"
    load(database)  # its own knowledge base, so that what the tests ask stays out of var/
    with running(
        model,
        rasa_ports=[rasa_port],
        actions_ports=[actions_port],
        frontdoor_port=frontdoor_port,
        log_dir=logs,
        env={**stack_env, "DATABASE_URL": database},
    ) as started:
        yield started


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis of the tests: $TEST_REDIS_URL, else 127.0.0.1:6379 (CI starts it). Required."""
    url = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        check_redis(url)
    except RuntimeError as error:
        pytest.fail(f"{error}: start redis-server or set TEST_REDIS_URL", pytrace=False)
    return url


@pytest.fixture(scope="session")
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test run's own (letters and digits; tests may lengthen it); the
    keys under it go at the end."""
    prefix = f"test{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


@pytest.fixture
def stored_tracker(stack: Stack):
    """fetch(sender): the conversation as the running Rasa's tracker store keeps it."""

    async def fetch(sender: str) -> dict:
        url = f"{stack.rasa_url}/conversations/{sender}/tracker"
        async with (
            aiohttp.ClientSession() as session,
            session.get(url, params={"token": stack.rasa_token}) as response,
        ):
            assert response.status == 200
            return await response.json()

    return fetch
