"""Chat endpoints: POST /chat for the widget, POST /api/v1/chat for the Assistance App."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from aiohttp import web

from contract import replies, routing
from contract.topics import COMPANY_NOTICE, UNAVAILABLE
from frontdoor import insights, unanswered
from frontdoor.answers import without_link_lines
from frontdoor.catalog import CATALOG, notice_links, sources
from frontdoor.choices import CHOICES, OfferedChoices
from frontdoor.errors import ApiError
from frontdoor.feedback import LATEST_ANSWERS
from frontdoor.rasa_client import RASA, RasaUnavailable, typed_text
from frontdoor.request_body import json_object, question, string_field
from frontdoor.security import require_bearer
from frontdoor.sessions import SESSIONS
from frontdoor.settings import SETTINGS
from knowledge import Catalog
from knowledge.loader import FALLBACK_LANGUAGE

log = logging.getLogger(__name__)

OPENAPI = Path(__file__).with_name("openapi.json")


async def widget_chat(request: web.Request) -> web.Response:
    """POST /chat: the web widget's endpoint (same origin or an allowed CORS origin)."""
    return await _chat(request, "widget")


async def api_chat(request: web.Request) -> web.Response:
    """POST /api/v1/chat: the versioned API, for holders of an app token."""
    require_bearer(request, request.app[SETTINGS].app_api_tokens)
    return await _chat(request, "api")


async def openapi(request: web.Request) -> web.FileResponse:
    """GET /api/v1/openapi.json: the API's OpenAPI 3.1 document."""
    return web.FileResponse(OPENAPI)


async def _chat(request: web.Request, channel: str) -> web.Response:
    started = time.monotonic()
    body = await json_object(request)
    sessions, choices = request.app[SESSIONS], request.app[CHOICES]
    conversation = sessions.conversation(body.get("session_id"))
    choice = chosen_payload(body, conversation, choices)
    message = choice if choice is not None else question(typed_text(string_field(body, "message")))
    try:
        rasa_messages = await request.app[RASA].send(conversation, message)
        reply = chat_reply(rasa_messages, request.app[CATALOG].catalog)
    except RasaUnavailable as error:
        log.warning("assistant unavailable: %s", error)
        reply = unavailable_reply(request.app[CATALOG].catalog)
    choices.offer(
        conversation, [b["payload"] for m in reply["messages"] for b in m.get("buttons", [])]
    )
    if choice is None:
        await unanswered.record(request.app, conversation, message, reply)
    insights.count_reply(request.app, reply)
    # right before the new session id is issued, with no await in between
    request.app[LATEST_ANSWERS].relayed(conversation, reply)
    elapsed_ms = (time.monotonic() - started) * 1000
    log.info("chat channel=%s topic=%s latency_ms=%.0f", channel, reply["topic"], elapsed_ms)
    if channel == "widget":
        reply = without_link_lines(reply)
    return web.json_response({"session_id": sessions.issue(conversation), **reply})


def chosen_payload(body: dict, conversation: str, choices: OfferedChoices) -> str | None:
    """The payload of the button chosen in this conversation, or None for a typed message.

    A button is `{"payload": ...}`; a `message` equal to a payload offered in this conversation
    counts as that button too (API 1.0 clients send payloads as messages).
    """
    if "payload" not in body:
        message = body.get("message")
        if isinstance(message, str) and choices.was_offered(conversation, message.strip()):
            return message.strip()
        return None
    if "message" in body:
        raise ApiError(400, "invalid_request", 'Send either "message" or "payload", not both.')
    payload = string_field(body, "payload")
    if not choices.was_offered(conversation, payload):
        raise ApiError(
            400,
            "unknown_choice",
            "That choice is not available any more. Please type your question.",
        )
    return payload


def chat_reply(rasa_messages: list, catalog: Catalog) -> dict:
    """The API's reply from Rasa's messages; a reply without a topic payload is unusable.

    `text` is the reply's text (its messages' texts, as Rasa split it into paragraphs), in
    the reply's `language`; `text_en` the same reply in English, which the payload carries
    when the reply is in another language (contract.replies.language).
    """
    payload = replies.payload(rasa_messages)
    messages = [
        _message(item)
        for item in rasa_messages
        if isinstance(item, dict) and isinstance(item.get("text"), str)
    ]
    if payload is None or not messages:
        raise RasaUnavailable("reply without text or topic payload")
    language, text_en = replies.language(payload)
    text = "\n\n".join(m["text"] for m in messages)
    reply = {
        "messages": messages,
        "topic": payload["topic"],
        "notices": notice_links(catalog, payload.get("notices") or [], language),
        "sources": sources(catalog, payload["topic"]),
        "language": language,
        "translated": payload.get("translated") is True,
        "text": text,
        "text_en": text if text_en is None else text_en,
    }
    if "candidates" in payload:
        reply["candidates"] = list(payload["candidates"])
    return reply


def unavailable_reply(catalog: Catalog) -> dict:
    """The friendly reply when Rasa or the action server is down or slow."""
    notices = notice_links(catalog, [COMPANY_NOTICE])
    text = routing.UNAVAILABLE_REPLY["rasa_down"] + "".join(
        f"\n{n['title']}: {n['url']}" for n in notices
    )
    return {
        "messages": [{"text": text}],
        "topic": UNAVAILABLE,
        "notices": notices,
        "sources": [],
        "language": FALLBACK_LANGUAGE,
        "translated": False,
        "text": text,
        "text_en": text,
    }


def _message(item: dict) -> dict:
    message = {"text": item["text"]}
    buttons = [
        {"title": b["title"], "payload": b["payload"]}
        for b in item.get("buttons") or []
        if isinstance(b, dict)
        and isinstance(b.get("title"), str)
        and isinstance(b.get("payload"), str)
    ]
    if buttons:
        message["buttons"] = buttons
    return message
