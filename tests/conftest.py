"""Fixtures for every test directory: the real assistant, trained and running on free ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
        rasa_port=rasa_port,
        actions_port=actions_port,
        frontdoor_port=frontdoor_port,
        log_dir=logs,
        env={**stack_env, "DATABASE_URL": database},
    ) as started:
        yield started
