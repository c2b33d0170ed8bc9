"""Fixtures of the knowledge tests: real databases (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from knowledge import models
from knowledge.loader import load
from knowledge.settings import CONTENT_DIR, PAGE_PATH, TOPICS_PATH


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh schema of $TEST_DATABASE_URL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'knowledge.sqlite'}"
        return
    base = os.environ.get("TEST_DATABASE_URL")
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


@pytest.fixture
def loaded_url(database_url: str) -> str:
    """A database holding the real knowledge content."""
    load(database_url)
    return database_url


@pytest.fixture
def content() -> dict[str, dict]:
    """The real YAML files, parsed: {"topics": ..., "notices": ..., "answers": ..., ...}."""
    return {
        "topics": read_yaml(TOPICS_PATH),
        "notices": read_yaml(CONTENT_DIR / "notices.yml"),
        "answers": read_yaml(CONTENT_DIR / "answers.yml"),
        "languages": read_yaml(CONTENT_DIR / "languages.yml"),
    }


@pytest.fixture
def page() -> str:
    """The privacy page, whitespace-normalised."""
    return " ".join(PAGE_PATH.read_text(encoding="utf-8").split())


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of knowledge/content."""
    return Path(shutil.copytree(CONTENT_DIR, tmp_path / "content"))


@pytest.fixture
def dump():
    """dump(url): every row of every knowledge table, in primary-key order ({} if none)."""
    return dump_rows


def read_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def dump_rows(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            existing = set(inspect(connection).get_table_names())
            return {
                table.name: [
                    tuple(row)
                    for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in models.Base.metadata.sorted_tables
                if table.name in existing
            }
    finally:
        engine.dispose()
