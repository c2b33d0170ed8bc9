"""Questions the assistant could not answer: recorded from the chat, listed for privacy teams.

A chat reply to a typed question whose topic is `clarify` or `out_of_scope` records the
question as privacy.gap_policy keeps it (redacted; not at all when personal data may remain),
once per conversation and at most PER_CONVERSATION questions of one, so that the list counts
conversations, not messages; button choices are not recorded. The agent console lists them (GET
/agent/api/unanswered, with the AGENT_TOKEN).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from functools import partial

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from contract.topics import CLARIFY, OUT_OF_SCOPE
from frontdoor.memory import PerConversation
from frontdoor.security import require_bearer
from frontdoor.settings import SETTINGS
from privacy.gaps import GapLog

log = logging.getLogger(__name__)

UNANSWERED = (CLARIFY, OUT_OF_SCOPE)
PER_CONVERSATION = 3


class RecordedQuestions:
    """The questions (as kept) recorded in each conversation (memory.PerConversation)."""

    def __init__(
        self,
        per_conversation: int = PER_CONVERSATION,
        max_conversations: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.per_conversation = per_conversation
        self.recorded: PerConversation[frozenset[str]] = PerConversation(max_conversations, clock)

    def admit(self, conversation: str, kept: str) -> bool:
        """Whether `kept` is new in `conversation` and within its quota; if so, it is now
        recorded."""
        admitted = False

        def add(texts: frozenset[str] | None) -> frozenset[str]:
            nonlocal admitted
            texts = texts or frozenset()
            admitted = kept not in texts and len(texts) < self.per_conversation
            return texts | {kept} if admitted else texts

        self.recorded.update(conversation, add)
        return admitted


GAPS = web.AppKey("gaps", GapLog)
RECORDED = web.AppKey("recorded_questions", RecordedQuestions)


async def gaps(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: open the log of unanswered questions, close it on shutdown."""
    settings = app[SETTINGS]
    app[GAPS] = await asyncio.to_thread(GapLog, settings.database_url, settings.gap_retention_days)
    yield
    app[GAPS].close()


async def record(app: web.Application, conversation: str, question: str, reply: dict) -> None:
    """Log a typed `question` the reply did not answer; a failure here never fails the chat."""
    if reply["topic"] not in UNANSWERED:
        return
    admit = partial(app[RECORDED].admit, conversation)
    try:
        await asyncio.to_thread(
            app[GAPS].record, question, reply["topic"], reply.get("candidates", []), admit=admit
        )
    except (SQLAlchemyError, ValueError) as error:  # ValueError: text the database refuses
        log.warning("could not record an unanswered question: %s", type(error).__name__)


async def unanswered(request: web.Request) -> web.Response:
    """GET /agent/api/unanswered: the unanswered questions, asked in the most conversations
    first; `count` (API 1.0) equals `conversations`."""
    require_bearer(request, [request.app[SETTINGS].agent_token])
    found = await asyncio.to_thread(request.app[GAPS].recent)
    questions = [
        {
            "text": gap.text,
            "outcome": gap.outcome,
            "candidates": list(gap.candidates),
            "conversations": gap.conversations,
            "count": gap.conversations,
            "last_asked": gap.last_asked.isoformat(),
        }
        for gap in found
    ]
    return web.json_response({"questions": questions})
