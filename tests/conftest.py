"""Fixtures of every test: the real knowledge base, databases (SQLite, and PostgreSQL when
configured), Redis and the front door's API document."""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from jsonschema import Draft7Validator, RefResolver
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from contract import environment
from frontdoor.api import OPENAPI as OPENAPI_PATH
from knowledge import Answer, KnowledgeStore, load
from orchestration.rasa_endpoints import check_redis

# Hypothesis's caches go to the temporary directory, not into the work tree.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "privacy-assistant-hypothesis")
# No example fails for taking long (Hypothesis's deadline and too_slow check time each one on
# the wall clock, which a busy machine stretches): a test about time measures it itself.
settings.register_profile("untimed", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("untimed")
# Rasa's environment (no telemetry), as the entry points set it, for the tests that run Rasa.
environment.set_rasa_environment()


@pytest.fixture(scope="session")
def knowledge_url(tmp_path_factory) -> str:
    """A SQLite knowledge base loaded with the real content."""
    url = f"sqlite:///{tmp_path_factory.mktemp('knowledge') / 'knowledge.sqlite'}"
    load(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh schema of $TEST_DATABASE_URL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'knowledge.sqlite'}"
        return
    base = environment.value("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL not set")
    schema = f"kb_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, future=True)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def answers(knowledge_url: str) -> dict[str, Answer]:
    """The knowledge base's answers by topic."""
    with KnowledgeStore(knowledge_url) as store:
        return {topic: answer for topic in store.topics() if (answer := store.answer(topic))}


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis of the tests: $TEST_REDIS_URL, else 127.0.0.1:6379 (CI starts it). Required."""
    url = environment.value("TEST_REDIS_URL")
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


@pytest.fixture(scope="session")
def openapi() -> dict:
    return json.loads(OPENAPI_PATH.read_text())


@pytest.fixture(scope="session")
def assert_openapi(openapi: dict) -> Callable[[str, str, int, object], None]:
    """assert_openapi(path, method, status, body): the body is what the document promises.

    The document's schemas keep to what JSON Schema draft 7 shares with OpenAPI 3.1, so the
    jsonschema pinned for Rasa (3.2) checks them.
    """

    def check(path: str, method: str, status: int, body: object) -> None:
        response = openapi["paths"][path][method]["responses"][str(status)]
        if "$ref" in response:
            response = openapi["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        schema = response["content"]["application/json"]["schema"]
        Draft7Validator(schema, resolver=RefResolver.from_schema(openapi)).validate(body)

    return check
