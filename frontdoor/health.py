"""Liveness and readiness of the front door, for a load balancer or a service manager.

- GET /healthz (liveness): 200 `{"status": "ok"}` whenever this process serves requests. Any
  answer on it carries the proof the supervisor of `make run` asks for (bot/supervised.py), when
  it started this process: a refusal too (a Host not allowed), which shows it alive as well.
- GET /readyz (readiness): each Rasa instance and action server, asked on its health route,
  and the knowledge base, asked one query, each within CHECK_TIMEOUT_S:
  `{"status", "rasa": ["up", "down"...], "actions": [...], "knowledge": "up"}`. The status is
  "ready" when all are up, "degraded" when at least one Rasa and one action server are (both
  200), else "unavailable" (503). A knowledge base that is down leaves the answers coming (the
  front door and the action servers read it at start): only unanswered questions go unrecorded.
  No internal address is shown.
"""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.supervised import CHALLENGE_HEADER, proof_headers
from contract.topics import COMPANY_NOTICE
from frontdoor.rasa_client import RASA
from frontdoor.settings import SETTINGS
from frontdoor.unanswered import GAPS
from knowledge.models import Notice

CHECK_TIMEOUT_S = 1.0
HEALTHZ = "/healthz"


async def healthz(request: web.Request) -> web.Response:
    """GET /healthz: this process is alive."""
    return web.json_response({"status": "ok"})


async def prove_identity(request: web.Request, response: web.StreamResponse) -> None:
    """Before any answer is sent: on /healthz, the answer to the supervisor's challenge."""
    if request.path == HEALTHZ:
        response.headers.update(proof_headers(request.headers.get(CHALLENGE_HEADER)))


async def readyz(request: web.Request) -> web.Response:
    """GET /readyz: whether the parts behind the front door answer."""
    settings, session = request.app[SETTINGS], request.app[RASA].session
    rasa_urls = [f"{url.rstrip('/')}/webhooks/rest/" for url in settings.rasa_urls]
    actions_urls = [f"{url.rstrip('/')}/health" for url in settings.actions_urls]
    *parts, knowledge = await asyncio.gather(
        *(_answers(session, url) for url in [*rasa_urls, *actions_urls]),
        _knowledge_answers(request.app),
    )
    rasa, actions = parts[: len(rasa_urls)], parts[len(rasa_urls) :]
    if all([*rasa, *actions, knowledge]):
        status = "ready"
    elif any(rasa) and any(actions):
        status = "degraded"
    else:
        status = "unavailable"
    body = {
        "status": status,
        "rasa": [_up(ok) for ok in rasa],
        "actions": [_up(ok) for ok in actions],
        "knowledge": _up(knowledge),
    }
    return web.json_response(body, status=503 if status == "unavailable" else 200)


async def _answers(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        timeout = aiohttp.ClientTimeout(total=CHECK_TIMEOUT_S)
        async with session.get(url, timeout=timeout) as response:
            return response.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return False


async def _knowledge_answers(app: web.Application) -> bool:
    try:
        query = asyncio.to_thread(_holds_company_notice, app[GAPS].engine)
        return await asyncio.wait_for(query, CHECK_TIMEOUT_S)
    except (SQLAlchemyError, asyncio.TimeoutError):
        return False


def _holds_company_notice(engine: Engine) -> bool:
    """Whether the database (knowledge base and unanswered questions) answers a query."""
    with engine.connect() as connection:
        found = connection.execute(select(Notice.id).where(Notice.id == COMPANY_NOTICE))
        return found.first() is not None


def _up(ok: bool) -> str:
    return "up" if ok else "down"
