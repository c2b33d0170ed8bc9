"""The support agents' console data: best answers for a question, and the whole knowledge base.

Both endpoints need the AGENT_TOKEN as a bearer token; the page itself (/agent) is static.
"""

from __future__ import annotations

from aiohttp import web

from contract import routing
from frontdoor.catalog import CATALOG, notice_links, sources
from frontdoor.errors import ApiError
from frontdoor.rasa_client import RASA, RasaUnavailable, typed_text
from frontdoor.request_body import json_object, question, string_field
from frontdoor.security import require_bearer
from frontdoor.settings import SETTINGS
from knowledge import Catalog, Notice
from knowledge.loader import FALLBACK_LANGUAGE
from knowledge.translation import answer_key, button_key


async def search(request: web.Request) -> web.Response:
    """POST /agent/api/search {query}: the best matching answers, with Rasa's confidence."""
    require_bearer(request, [request.app[SETTINGS].agent_token])
    query = question(typed_text(string_field(await json_object(request), "query")))
    try:
        parsed = await request.app[RASA].parse(query)
    except RasaUnavailable:
        raise ApiError(
            503, "unavailable", "The assistant is not available; try again shortly."
        ) from None
    catalog = request.app[CATALOG].catalog
    service = named_service(parsed, catalog)
    language = catalog.reply_language(entity(parsed, "language"))
    ranked = routing.ranked_topics(
        parsed.get("intent_ranking", []), service.id if service else None
    )
    results = [
        {**topic_view(catalog, topic, service, language), "confidence": round(confidence, 3)}
        for topic, confidence in ranked
        if topic in catalog.answers  # the best three questions, less those Rasa's domain answers
    ]
    return web.json_response({"results": results})


async def knowledge(request: web.Request) -> web.Response:
    """GET /agent/api/knowledge: every topic with its answer, and every notice."""
    require_bearer(request, [request.app[SETTINGS].agent_token])
    catalog = request.app[CATALOG].catalog
    notices = [
        {
            "id": n.id,
            "title": n.title,
            "audience": n.audience,
            "url": n.url,
            "aliases": list(n.aliases),
        }
        for n in catalog.notices.values()
    ]
    return web.json_response(
        {"topics": [topic_view(catalog, t) for t in catalog.topics], "notices": notices}
    )


def named_service(parsed: dict, catalog: Catalog) -> Notice | None:
    """The notice of the service that Rasa found named in the query, as the chat takes it."""
    entities = parsed.get("entities", [])
    return catalog.named(e.get("value") for e in entities if e.get("entity") == "service")


def entity(parsed: dict, name: str) -> str | None:
    """The first value of the entity `name` that Rasa found in the query."""
    values = (e.get("value") for e in parsed.get("entities", []) if e.get("entity") == name)
    return next((str(v) for v in values if v), None)


def topic_view(
    catalog: Catalog,
    topic: str,
    service: Notice | None = None,
    language: str = FALLBACK_LANGUAGE,
) -> dict:
    """A topic, its title (the choice the widget offers for it, else its description), its
    answer text (None when Rasa's domain answers it) in `language` when translated, with the
    English (`text_en`), the page sentences it rests on and its notice links; `service` is the
    named service's notice, kept only when the answer depends on it (the widget's share link
    then names it too)."""
    answer = catalog.answers.get(topic)
    notices = answer.notices_for(service) if answer else ()
    description = catalog.topics[topic].description if topic in catalog.topics else ""
    translated = catalog.translated(language, answer_key(topic), answer.text) if answer else None
    title = catalog.button(topic) if answer else description
    return {
        "topic": topic,
        "title": catalog.phrase(language, button_key(topic), title),
        "description": description,
        "text": translated or (answer.text if answer else None),
        "text_en": answer.text if answer else None,
        "language": language if translated else FALLBACK_LANGUAGE,
        "translated": translated is not None,
        "sources": sources(catalog, topic),
        "notices": notice_links(catalog, (n.id for n in notices), language),
        "service": service.id if answer and answer.service and service else None,
    }
