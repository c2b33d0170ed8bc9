"""The catalogue a running process answers with, kept to the latest load of the knowledge base.

`python -m knowledge load` writes the content and its version (a hash of it) in one
transaction, and only once the content is valid. Each process that answers from a catalogue
(the action servers, the front doors) asks its database for that version every
RELOAD_EVERY_S seconds, a one-row query; when it is not the version of the catalogue in use,
the process reads the new catalogue in a worker thread and swaps it in on its event loop,
between two requests. Nothing restarts. An invalid edit never reaches the database, so the
catalogue in use stays; so it does while the database does not answer, until a later poll
reads it. Every process sharing a database (several action servers or front doors, on
PostgreSQL) follows it on its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError

from knowledge.catalog import Catalog, ReloadedWhileRead
from knowledge.store import KnowledgeStore

RELOAD_EVERY_S = 2.0
log = logging.getLogger("knowledge.live")


class LiveCatalog:
    """The catalogue of the latest load of the knowledge base at `url` that could be read."""

    def __init__(self, url: str | None = None):
        self.store = KnowledgeStore(url)
        self.catalog = Catalog.read_from(self.store)
        self._unread = False  # the last poll failed (said once per failure, not per poll)

    def close(self) -> None:
        self.store.close()

    def newer(self) -> Catalog | None:
        """The catalogue of a load other than the one in use, or None: no other load, or it
        cannot be read now. Blocking: run it in a worker thread."""
        try:
            if self.store.version() == self.catalog.version:
                found = None
            else:
                found = Catalog.read_from(self.store)
        except (SQLAlchemyError, ReloadedWhileRead) as error:
            if not self._unread:
                log.warning(
                    "knowledge base not read (%s); answering with version %s",
                    type(error).__name__,
                    self.catalog.version,
                )
            self._unread = True
            return None
        if self._unread:
            log.info("knowledge base read again")
        self._unread = False
        return found

    def use(self, catalog: Catalog) -> None:
        """Answer with `catalog` from now on (on the event loop: never during a request that
        does not await)."""
        log.info("knowledge base version %s replaces %s", catalog.version, self.catalog.version)
        self.catalog = catalog

    async def follow(
        self,
        every: float = RELOAD_EVERY_S,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        """Poll for new loads every `every` seconds until cancelled, using each one read."""
        while True:
            await sleep(every)
            if found := await asyncio.to_thread(self.newer):
                self.use(found)
