"""Answers by topic, with the privacy page's sentences they rest on.

GET /api/v1/answers/{topic} serves the Assistance App (app token), GET /answers/{topic} the
widget's share links. `?service=notice.x` answers a service-dependent topic as the chat does
once the person has named that service.
"""

from __future__ import annotations

import re

from aiohttp import web

from frontdoor.catalog import CATALOG, notice_links
from frontdoor.errors import ApiError
from frontdoor.security import require_bearer
from frontdoor.settings import SETTINGS
from knowledge import Catalog


async def api_answer(request: web.Request) -> web.Response:
    """GET /api/v1/answers/{topic}: for holders of an app token."""
    require_bearer(request, request.app[SETTINGS].app_api_tokens)
    return _answer(request)


async def widget_answer(request: web.Request) -> web.Response:
    """GET /answers/{topic}: the widget's same-origin route to the same answers."""
    return _answer(request)


def _answer(request: web.Request) -> web.Response:
    topic, service = request.match_info["topic"], request.query.get("service")
    return web.json_response(answer_view(request.app[CATALOG].catalog, topic, service))


def answer_view(catalog: Catalog, topic: str, service: str | None = None) -> dict:
    """{topic, text, sources, notices} of `topic`, for the notice id `service` if given.

    A service is ignored by topics that do not depend on it, as in the chat.
    """
    answer = catalog.answers.get(topic)
    if answer is None:
        raise ApiError(404, "unknown_topic", "There is no answer for that topic.")
    notice = catalog.notices.get(service) if service is not None else None
    if service is not None and notice is None:
        raise ApiError(404, "unknown_service", "There is no privacy notice for that service.")
    return {
        "topic": topic,
        "text": answer.text,
        "sources": list(answer.sources),
        "notices": notice_links(catalog, (n.id for n in answer.notices_for(notice))),
    }


def without_link_lines(reply: dict) -> dict:
    """The chat `reply` without its "<notice label or title>: <url>" lines (in whatever
    language the label is), for the widget, which shows the reply's notices as named links
    instead; so are its `text` and `text_en`. Rasa sends each paragraph as a message of its
    own, so a message left empty (and without buttons) goes too."""
    ends = tuple(f": {n['url']}" for n in reply["notices"])

    def kept_lines(text: str) -> str:
        kept = "\n".join(x for x in text.split("\n") if not x.strip().endswith(ends))
        return re.sub(r"\n{3,}", "\n\n", kept).strip()

    messages = [{**m, "text": kept_lines(m["text"])} for m in reply["messages"]]
    kept = [m for m in messages if m["text"] or "buttons" in m]
    texts = {key: kept_lines(reply[key]) for key in ("text", "text_en") if key in reply}
    return {**reply, "messages": kept or messages[:1], **texts}
