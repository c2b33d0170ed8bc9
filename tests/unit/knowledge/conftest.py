"""Fixtures of the knowledge tests: the real content, and databases holding it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, inspect, select

from knowledge import models
from knowledge.loader import load
from knowledge.settings import CONTENT_DIR, PAGE_PATH, TOPICS_PATH


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
