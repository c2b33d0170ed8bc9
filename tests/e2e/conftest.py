"""End-to-end tests: the real assistant, trained and running on free ports.

Every test under tests/e2e/ is marked `e2e` (`pytest -m e2e`, `make e2e`); the unit tests
(tests/unit/, `make unit`) need no trained model.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from knowledge import load
from orchestration.stack import Stack, free_ports, running
from orchestration.train import train
from tests.e2e.browser import axe_source, browser, chromium  # noqa: F401 (the browser tests' fixtures)

# Front-door settings of the running stack (tests read the tokens from `stack_env`).
STACK_ENV = {
    "APP_API_TOKENS": "e2e-app-token-of-32-characters-at-least",
    "AGENT_TOKEN": "e2e-agent-token-of-32-characters-at-least",
    "RATE_LIMIT_BURST": "1000",
    "SESSION_SECRET": "e2e-session-secret-that-tests-sign-ids-with",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def stack_env() -> dict[str, str]:
    return dict(STACK_ENV)


@pytest.fixture(scope="session")
def stack_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The running stack's own knowledge base, so that what the tests ask stays out of var/
    (a test that loads other content into it loads knowledge/content back)."""
    database = f"sqlite:///{tmp_path_factory.mktemp('stack-db') / 'knowledge.sqlite'}"
    load(database)
    return database


@pytest.fixture(scope="session")
def stack(
    stack_env: dict[str, str], stack_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """The action server, Rasa and the front door serving the current model (trained if needed)."""
    model = train()
    rasa_port, actions_port, frontdoor_port = free_ports(3)
    logs = tmp_path_factory.mktemp("stack-logs")
    with running(
        model,
        rasa_ports=[rasa_port],
        actions_ports=[actions_port],
        frontdoor_port=frontdoor_port,
        log_dir=logs,
        env={**stack_env, "DATABASE_URL": stack_database},
    ) as started:
        yield started


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
