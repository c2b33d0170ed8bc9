"""The actions run against a real knowledge base, loaded into a fresh SQLite file."""

import pytest

from actions import answer
from knowledge.loader import load


@pytest.fixture(scope="session", autouse=True)
def knowledge_base(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('kb') / 'knowledge.sqlite'}"
    load(url)
    mp = pytest.MonkeyPatch()
    mp.setenv("DATABASE_URL", url)
    for cached in (answer.store, answer.answer_for, answer.notice_for, answer._normalized_aliases):
        cached.cache_clear()
    yield answer.store()
    mp.undo()
