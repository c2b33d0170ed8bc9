"""Chat endpoints: POST /chat for the widget, POST /api/v1/chat for the Assistance App."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from aiohttp import web

from bot.frontdoor import unanswered
from bot.frontdoor.catalog import CATALOG, Catalog
from bot.frontdoor.errors import ApiError
from bot.frontdoor.limits import MAX_MESSAGE_CHARS
from bot.frontdoor.rasa_client import RASA, RasaUnavailable
from bot.frontdoor.security import require_bearer
from bot.frontdoor.sessions import SESSIONS
from bot.frontdoor.settings import SETTINGS

log = logging.getLogger(__name__)

OPENAPI = Path(__file__).with_name("openapi.json")
COMPANY_NOTICE = "notice.company"
UNAVAILABLE_TEXT = (
    "Sorry, the privacy assistant is not available right now. Please try again in a few "
    "minutes. Meanwhile, you can read our privacy notice:"
)


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


async def read_text(request: web.Request, field: str) -> tuple[dict, str]:
    """The JSON body and its non-empty string `field`, stripped and at most 1,000 characters."""
    try:
        body = await request.json()
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "The request body must be JSON.") from None
    if not isinstance(body, dict) or not isinstance(body.get(field), str):
        raise ApiError(
            400, "invalid_request", f'The body must be a JSON object with a "{field}" string.'
        )
    text = body[field].strip()
    if not text:
        raise ApiError(
            400, "empty_message", "Please type a question, for example: Do you sell my data?"
        )
    if len(text) > MAX_MESSAGE_CHARS:
        raise ApiError(
            400,
            "message_too_long",
            f"Please keep your question to {MAX_MESSAGE_CHARS} characters or fewer.",
        )
    return body, text


async def _chat(request: web.Request, channel: str) -> web.Response:
    started = time.monotonic()
    body, message = await read_text(request, "message")
    session_id = body.get("session_id")
    if session_id is not None and not isinstance(session_id, str):
        raise ApiError(400, "invalid_request", '"session_id" must be a string.')
    sessions = request.app[SESSIONS]
    if not sessions.is_ours(session_id):
        session_id = sessions.issue()
    catalog = request.app[CATALOG]
    try:
        reply = chat_reply(await request.app[RASA].send(session_id, message), catalog)
    except RasaUnavailable as error:
        log.warning("assistant unavailable: %s", error)
        reply = unavailable_reply(catalog)
    await unanswered.record(request.app, message, reply)
    elapsed_ms = (time.monotonic() - started) * 1000
    log.info("chat channel=%s topic=%s latency_ms=%.0f", channel, reply["topic"], elapsed_ms)
    return web.json_response({"session_id": session_id, **reply})


def chat_reply(rasa_messages: list, catalog: Catalog) -> dict:
    """The API's reply from Rasa's messages; a reply without a topic payload is unusable."""
    payload, messages = None, []
    for item in rasa_messages:
        custom = item.get("custom") if isinstance(item, dict) else None
        if payload is None and isinstance(custom, dict) and isinstance(custom.get("topic"), str):
            payload = custom
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            messages.append(_message(item))
    if payload is None or not messages:
        raise RasaUnavailable("reply without text or topic payload")
    reply = {
        "messages": messages,
        "topic": payload["topic"],
        "notices": catalog.notice_links(payload.get("notices") or []),
    }
    if "candidates" in payload:
        reply["candidates"] = list(payload["candidates"])
    return reply


def unavailable_reply(catalog: Catalog) -> dict:
    """The friendly reply when Rasa or the action server is down or slow."""
    notices = catalog.notice_links([COMPANY_NOTICE])
    links = "".join(f"\n{n['title']}: {n['url']}" for n in notices)
    return {
        "messages": [{"text": UNAVAILABLE_TEXT + links}],
        "topic": "unavailable",
        "notices": notices,
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
