"""The actions run against a real knowledge base, loaded into a fresh SQLite file."""

import pytest

from knowledge import Catalog, load


@pytest.fixture(scope="session")
def catalog(tmp_path_factory) -> Catalog:
    """The catalogue the actions are given, read from a freshly loaded knowledge base."""
    url = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'knowledge.sqlite'}"
    load(url)
    return Catalog.read(url)
