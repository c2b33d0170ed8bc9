"""Feedback on answers: POST /feedback for the widget, POST /api/v1/feedback for the app.

A vote `{"session_id", "helpful": true|false}` is about the latest answer of that conversation
(a reply with the privacy page's sentences it rests on: an answer of the knowledge base), once.
Which answer that is and whether it was rated is remembered per conversation, in memory
(memory.PerConversation); the vote only adds one to its topic's `helpful` or `not_helpful`
count of the day (insights.py): nothing links it to the conversation or the person.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from aiohttp import web

from frontdoor.errors import ApiError
from frontdoor.insights import TALLY
from frontdoor.memory import PerConversation
from frontdoor.request_body import json_object
from frontdoor.security import require_bearer
from frontdoor.sessions import SESSIONS
from frontdoor.settings import SETTINGS


@dataclasses.dataclass(frozen=True)
class Answered:
    """The topic of a conversation's latest answer, and whether it was rated."""

    topic: str
    rated: bool = False


class LatestAnswers:
    """The latest answer of each conversation, for as long as the conversation lasts."""

    def __init__(
        self, max_conversations: int = 10_000, clock: Callable[[], float] = time.monotonic
    ):
        self.latest: PerConversation[Answered | None] = PerConversation(max_conversations, clock)

    def relayed(self, conversation: str, reply: dict) -> None:
        """A chat reply: the latest answer if it is one; any reply keeps the latest remembered."""
        answer = Answered(reply["topic"]) if reply["sources"] else None
        self.latest.update(conversation, lambda before: answer or before)

    def rate(self, conversation: str) -> str:
        """The topic of the latest answer, now rated; ApiError when there is none, or it was."""
        found: Answered | None = None

        def mark(latest: Answered | None) -> Answered | None:
            nonlocal found
            found = latest
            return dataclasses.replace(latest, rated=True) if latest else None

        self.latest.update(conversation, mark)
        if found is None:
            raise ApiError(
                404, "nothing_to_rate", "There is no answer to rate in this conversation."
            )
        if found.rated:
            raise ApiError(409, "already_rated", "This answer has been rated already.")
        return found.topic


LATEST_ANSWERS = web.AppKey("latest_answers", LatestAnswers)


async def widget_feedback(request: web.Request) -> web.Response:
    """POST /feedback: the widget's endpoint (same origin or an allowed CORS origin)."""
    return await _feedback(request)


async def api_feedback(request: web.Request) -> web.Response:
    """POST /api/v1/feedback: for holders of an app token."""
    require_bearer(request, request.app[SETTINGS].app_api_tokens)
    return await _feedback(request)


async def _feedback(request: web.Request) -> web.Response:
    body = await json_object(request)
    session_id, helpful = body.get("session_id"), body.get("helpful")
    if not isinstance(session_id, str) or not isinstance(helpful, bool):
        raise ApiError(
            400,
            "invalid_request",
            'The body must be a JSON object with a "session_id" string and "helpful" true or '
            "false.",
        )
    conversation = request.app[SESSIONS].conversation(session_id)
    topic = request.app[LATEST_ANSWERS].rate(conversation)
    request.app[TALLY].add(topic, "helpful" if helpful else "not_helpful")
    return web.json_response({"topic": topic, "helpful": helpful})
