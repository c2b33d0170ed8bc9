"""What the front door shows of the knowledge base: topics, answers and notices."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.frontdoor.settings import SETTINGS
from knowledge import Answer, KnowledgeStore, Notice


@dataclass(frozen=True)
class Catalog:
    """A snapshot read at startup (reloading the knowledge base restarts the stack)."""

    store: KnowledgeStore
    topics: dict[str, str]
    answers: dict[str, Answer]
    notices: dict[str, Notice]

    @classmethod
    def read(cls, store: KnowledgeStore) -> Catalog:
        topics = store.topics()
        answers = {topic: answer for topic in topics if (answer := store.answer(topic))}
        return cls(store, topics, answers, {notice.id: notice for notice in store.notices()})

    def notice_links(self, ids: Iterable[str]) -> list[dict[str, str]]:
        """{id, title, label, url} of each known notice in `ids`."""
        found = (self.notices.get(notice_id) for notice_id in ids)
        return [{"id": n.id, "title": n.title, "label": n.label, "url": n.url} for n in found if n]

    def sources(self, topic: str) -> list[str]:
        """The privacy page's sentences that the answer to `topic` rests on (none: no answer)."""
        answer = self.answers.get(topic)
        return list(answer.sources) if answer else []

    async def find_notice(self, name: str) -> Notice | None:
        """The notice with this id or alias (KnowledgeStore.notice, off the event loop)."""
        return await asyncio.to_thread(self.store.notice, name)


CATALOG = web.AppKey("catalog", Catalog)


async def catalog(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: read the knowledge base once, close it on shutdown."""
    store = KnowledgeStore(app[SETTINGS].database_url)
    try:
        app[CATALOG] = await asyncio.to_thread(Catalog.read, store)
    except SQLAlchemyError as error:
        store.close()
        raise RuntimeError("knowledge base not loaded: run `python -m knowledge load`") from error
    yield
    store.close()
