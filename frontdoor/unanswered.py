"""Questions the assistant could not answer: recorded from the chat, listed for privacy teams.

A chat reply to a typed question whose topic is `clarify` or `out_of_scope` records the
question (redacted, and not at all when it discloses health, by knowledge.gaps); button
choices are not recorded. The agent console lists them (GET /agent/api/unanswered, with the
AGENT_TOKEN).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from frontdoor.security import require_bearer
from frontdoor.settings import SETTINGS
from knowledge.gaps import GapLog

log = logging.getLogger(__name__)

UNANSWERED = ("clarify", "out_of_scope")
GAPS = web.AppKey("gaps", GapLog)


async def gaps(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: open the log of unanswered questions, close it on shutdown."""
    settings = app[SETTINGS]
    app[GAPS] = await asyncio.to_thread(GapLog, settings.database_url, settings.gap_retention_days)
    yield
    app[GAPS].close()


async def record(app: web.Application, question: str, reply: dict) -> None:
    """Log a typed `question` the reply did not answer; a failure here never fails the chat."""
    if reply["topic"] not in UNANSWERED:
        return
    try:
        await asyncio.to_thread(
            app[GAPS].record, question, reply["topic"], reply.get("candidates", [])
        )
    except (SQLAlchemyError, ValueError) as error:  # ValueError: text the database refuses
        log.warning("could not record an unanswered question: %s", type(error).__name__)


async def unanswered(request: web.Request) -> web.Response:
    """GET /agent/api/unanswered: the most asked unanswered questions, most asked first."""
    require_bearer(request, [request.app[SETTINGS].agent_token])
    found = await asyncio.to_thread(request.app[GAPS].recent)
    questions = [
        {
            "text": gap.text,
            "outcome": gap.outcome,
            "candidates": list(gap.candidates),
            "count": gap.count,
            "last_asked": gap.last_asked.isoformat(),
        }
        for gap in found
    ]
    return web.json_response({"questions": questions})
