"""The support agents' console data: best answers for a question, and the whole knowledge base.

Both endpoints need the AGENT_TOKEN as a bearer token; the page itself (/agent) is static.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from aiohttp import web

from bot.frontdoor.api import COMPANY_NOTICE, read_text
from bot.frontdoor.catalog import CATALOG, Catalog
from bot.frontdoor.errors import ApiError
from bot.frontdoor.rasa_client import RASA, RasaUnavailable
from bot.frontdoor.security import require_bearer
from bot.frontdoor.settings import SETTINGS

INTENT_TOPICS: dict[str, str] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "actions" / "intent_topics.yml").read_text()
)
NOTICE_INTENTS = {"ask_notice", "inform_service"}
MAX_RESULTS = 3


async def search(request: web.Request) -> web.Response:
    """POST /agent/api/search {query}: the best matching answers, with Rasa's confidence."""
    require_bearer(request, [request.app[SETTINGS].agent_token])
    _, query = await read_text(request, "query")
    try:
        parsed = await request.app[RASA].parse(query)
    except RasaUnavailable:
        raise ApiError(
            503, "unavailable", "The assistant is not available; try again shortly."
        ) from None
    catalog = request.app[CATALOG]
    results = [
        {**topic_view(catalog, topic), "confidence": round(confidence, 3)}
        for topic, confidence in await ranked_topics(parsed, catalog)
    ]
    return web.json_response({"results": results})


async def knowledge(request: web.Request) -> web.Response:
    """GET /agent/api/knowledge: every topic with its answer, and every notice."""
    require_bearer(request, [request.app[SETTINGS].agent_token])
    catalog = request.app[CATALOG]
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


async def ranked_topics(parsed: dict, catalog: Catalog) -> list[tuple[str, float]]:
    """Distinct answerable topics of Rasa's intent ranking, best first, at most three."""
    service = next(
        (e.get("value") for e in parsed.get("entities", []) if e.get("entity") == "service"), None
    )
    notice = await catalog.find_notice(str(service)) if service else None
    ranked: dict[str, float] = {}
    for intent in parsed.get("intent_ranking", []):
        name = intent.get("name")
        if name in NOTICE_INTENTS:
            topic = notice.id if notice else COMPANY_NOTICE
        else:
            topic = INTENT_TOPICS.get(name)
        if topic in catalog.answers and topic not in ranked:
            ranked[topic] = float(intent.get("confidence") or 0)
    return list(ranked.items())[:MAX_RESULTS]


def topic_view(catalog: Catalog, topic: str) -> dict:
    """A topic, its answer text (None when Rasa's domain answers it) and its notice links."""
    answer = catalog.answers.get(topic)
    return {
        "topic": topic,
        "description": catalog.topics.get(topic, ""),
        "text": answer.text if answer else None,
        "notices": catalog.notice_links(n.id for n in answer.notices) if answer else [],
    }
