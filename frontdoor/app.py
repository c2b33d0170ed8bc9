"""The front door's aiohttp application: routes, middlewares and shared resources."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableSequence
from pathlib import Path
from typing import cast

from aiohttp import web

from frontdoor import agent, answers, api, feedback, health, insights, unanswered
from frontdoor.catalog import catalog
from frontdoor.choices import CHOICES, OfferedChoices
from frontdoor.errors import errors
from frontdoor.limits import MAX_BODY_BYTES, Lockout, RateLimiter
from frontdoor.proxies import forwarded
from frontdoor.rasa_client import rasa_client
from frontdoor.request_body import identity_bodies
from frontdoor.security import (
    LIMITER,
    LOCKOUT,
    PAGE_LIMITER,
    add_headers,
    allowed_hosts,
    cors,
    rate_limit,
)
from frontdoor.server import headers_received
from frontdoor.sessions import SESSIONS, SessionIds
from frontdoor.settings import SETTINGS, Settings

STATIC = Path(__file__).with_name("static")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ResponseHook = Callable[[web.Request, web.StreamResponse], Awaitable[None]]


def create_app(settings: Settings) -> web.Application:
    """The front door for `settings`; the knowledge base and Rasa session open on startup."""
    proxies = [forwarded(settings.proxy_networks)] if settings.trusted_proxies else []
    middlewares = [
        headers_received,
        errors,
        identity_bodies,
        *proxies,
        allowed_hosts,
        cors,
        rate_limit,
    ]
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=middlewares)
    app[SETTINGS] = settings
    app[SESSIONS] = SessionIds(settings.session_secret)
    app[CHOICES] = OfferedChoices()
    app[unanswered.RECORDED] = unanswered.RecordedQuestions()
    app[feedback.LATEST_ANSWERS] = feedback.LatestAnswers()
    app[insights.TALLY] = insights.Tally()
    app[LIMITER] = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    app[PAGE_LIMITER] = RateLimiter(
        settings.page_rate_limit_per_minute, settings.page_rate_limit_burst
    )
    app[LOCKOUT] = Lockout()
    app.cleanup_ctx.extend([catalog, unanswered.gaps, insights.counts, rasa_client])
    # aiohttp 3.9 annotates its signals for aiosignal < 1.4 (Signal[callback]), which aiosignal
    # 1.4 (constraints.txt) reads as Signal[*arguments]: this is the type aiohttp means.
    hooks = cast(MutableSequence[ResponseHook], app.on_response_prepare)
    hooks.extend([add_headers, health.prove_identity])
    app.router.add_get("/", _page("index.html"))
    app.router.add_post("/chat", api.widget_chat)
    app.router.add_post("/api/v1/chat", api.api_chat)
    app.router.add_post("/feedback", feedback.widget_feedback)
    app.router.add_post("/api/v1/feedback", feedback.api_feedback)
    app.router.add_get("/api/v1/openapi.json", api.openapi)
    app.router.add_get("/api/v1/answers/{topic}", answers.api_answer)
    app.router.add_get("/answers/{topic}", answers.widget_answer)
    app.router.add_get("/agent", _page("agent.html"))
    app.router.add_post("/agent/api/search", agent.search)
    app.router.add_get("/agent/api/knowledge", agent.knowledge)
    app.router.add_get("/agent/api/unanswered", unanswered.unanswered)
    app.router.add_get("/agent/api/insights", insights.insights)
    app.router.add_static("/static/", STATIC)
    app.router.add_get(health.HEALTHZ, health.healthz)
    app.router.add_get("/readyz", health.readyz)
    return app


def _page(name: str) -> Handler:
    async def page(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / name)

    return page
