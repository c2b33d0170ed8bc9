"""A running process's catalogue follows the loads of the knowledge base (knowledge.live)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
import yaml

from knowledge import KnowledgeError, KnowledgeStore, load, models
from knowledge.catalog import READ_ATTEMPTS, Catalog, ReloadedWhileRead
from knowledge.live import RELOAD_EVERY_S, LiveCatalog
from knowledge.settings import CONTENT_DIR

TOPIC = "policy.no_sale"


def edited(content_dir: Path, text: str) -> Path:
    """`content_dir` with the answer to TOPIC replaced by `text`."""
    path = content_dir / "answers.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    next(a for a in data["answers"] if a["topic"] == TOPIC)["answer"] = text
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return content_dir


@pytest.fixture
def live(loaded_url: str):
    catalog = LiveCatalog(loaded_url)
    yield catalog
    catalog.close()


def test_a_load_gets_a_version_of_its_content(loaded_url, content_copy):
    with KnowledgeStore(loaded_url) as store:
        first = store.version()
    load(loaded_url)
    with KnowledgeStore(loaded_url) as store:
        assert store.version() == first  # the same content, the same version
    load(loaded_url, content_dir=edited(content_copy, "Edited."))
    with KnowledgeStore(loaded_url) as store:
        assert store.version() not in (first, None)
        assert Catalog.read_from(store).version == store.version()


def test_nothing_newer_until_a_load(live, loaded_url, content_copy):
    before = live.catalog
    assert live.newer() is None
    load(loaded_url, content_dir=edited(content_copy, "We do not sell it; edited."))
    newer = live.newer()
    assert newer is not None and newer.answers[TOPIC].text == "We do not sell it; edited."
    assert live.catalog is before  # swapped by use() only
    live.use(newer)
    assert live.catalog is newer
    assert live.newer() is None


def test_an_invalid_edit_keeps_the_catalogue_in_use(live, loaded_url, content_copy):
    text = live.catalog.answers[TOPIC].text
    path = edited(content_copy, "x " * 100) / "notices.yml"  # too long, and a bad URL:
    path.write_text(path.read_text(encoding="utf-8").replace("url: https://", "url: http://", 1))
    with pytest.raises(KnowledgeError) as raised:
        load(loaded_url, content_dir=content_copy)
    assert len(raised.value.problems) == 2  # every problem, not the first
    assert live.newer() is None
    assert live.catalog.answers[TOPIC].text == text


def test_a_database_that_cannot_be_read_keeps_the_catalogue_and_says_so_once(
    live, loaded_url, caplog
):
    version = live.catalog.version
    models.Base.metadata.drop_all(live.store.engine)  # as good as a database gone
    with caplog.at_level(logging.INFO, logger="knowledge.live"):
        assert live.newer() is None
        assert live.newer() is None
        load(loaded_url)  # back, with the same content
        assert live.newer() is None
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 2
    assert said[0].endswith(f"Error); answering with version {version}")  # the error's class
    assert said[1] == "knowledge base read again"
    assert live.catalog.version == version


class LoadingStore(KnowledgeStore):
    """A store of which each of the first `loads` reads of the topics is preceded by a load
    of other content: a load while the catalogue is read."""

    def __init__(self, url: str, contents: list[Path], loads: int):
        super().__init__(url)
        self.contents, self.loads = contents, loads

    def topics(self):
        if self.loads:
            self.loads -= 1
            load(self.url, content_dir=self.contents[self.loads % len(self.contents)])
        return super().topics()


def test_a_load_during_a_read_is_read_again(loaded_url, content_copy):
    with LoadingStore(loaded_url, [edited(content_copy, "Edited.")], loads=1) as store:
        catalog = Catalog.read_from(store)
        assert catalog.answers[TOPIC].text == "Edited."
        assert catalog.version == store.version()


def test_loads_during_every_read_give_up(loaded_url, content_copy):
    contents = [edited(content_copy, "Edited."), CONTENT_DIR]
    with (
        LoadingStore(loaded_url, contents, loads=READ_ATTEMPTS) as store,
        pytest.raises(ReloadedWhileRead),
    ):
        Catalog.read_from(store)


async def test_following_polls_and_uses_each_new_load(live, loaded_url, content_copy):
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            load(loaded_url, content_dir=edited(content_copy, "Edited while followed."))
        if len(waits) == 4:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await live.follow(sleep=sleep)
    assert waits == [RELOAD_EVERY_S] * 4
    assert live.catalog.answers[TOPIC].text == "Edited while followed."
