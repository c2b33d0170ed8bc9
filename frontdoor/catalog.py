"""What the front door shows of the knowledge base: the catalogue of knowledge/, and its views."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from frontdoor.settings import SETTINGS
from knowledge import Catalog
from knowledge.catalog import ReloadedWhileRead
from knowledge.live import LiveCatalog
from knowledge.loader import FALLBACK_LANGUAGE
from knowledge.translation import label_key

# The catalogue in use is `request.app[CATALOG].catalog`: read it once per request.
CATALOG = web.AppKey("catalog", LiveCatalog)


async def catalog(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: read the knowledge base, then follow its loads (knowledge.live)."""
    try:
        live = await asyncio.to_thread(LiveCatalog, app[SETTINGS].database_url)
    except (SQLAlchemyError, ReloadedWhileRead) as error:
        raise RuntimeError("knowledge base not loaded: run `python -m knowledge load`") from error
    app[CATALOG] = live
    following = asyncio.create_task(live.follow())
    yield
    following.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await following
    live.close()


def notice_links(
    catalog: Catalog, ids: Iterable[str], language: str = FALLBACK_LANGUAGE
) -> list[dict[str, str]]:
    """{id, title, label, url} of each known notice in `ids`, its label in `language` when
    translated (the title, a name, stays as it is)."""
    found = (catalog.notices.get(notice_id) for notice_id in ids)
    return [
        {
            "id": n.id,
            "title": n.title,
            "label": catalog.phrase(language, label_key(n.id), n.label),
            "url": n.url,
        }
        for n in found
        if n
    ]


def sources(catalog: Catalog, topic: str) -> list[str]:
    """The privacy page's sentences that the answer to `topic` rests on (none: no answer)."""
    answer = catalog.answers.get(topic)
    return list(answer.sources) if answer else []
