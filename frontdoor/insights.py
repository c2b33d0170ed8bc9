"""Insight for privacy teams: how each topic did, and what people asked that went unanswered.

The front door counts each reply it relays under its topic, on the day: `answered`; when the
assistant was unsure, `clarified` under each topic it offered (under `clarify` when it offered
none); `unanswered` under `out_of_scope` or `unavailable`. Votes on answers (feedback.py) count
as `helpful` or `not_helpful` under the answer's topic. The counts wait in memory and are added
to the database's daily counters (knowledge.counts) every FLUSH_SECONDS, at shutdown and before
each read; a failed write keeps them for the next. Counters only: no text, no session id.

GET /agent/api/insights?days=7|30 (AGENT_TOKEN): the counts of the last `days` days (today
included) per topic, and the unanswered questions of those days (the redacted entries of
privacy.gaps, within their retention) grouped into themes (knowledge.themes);
`&format=csv` gives both as one CSV table.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import io
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from contract.topics import CLARIFY, OUT_OF_SCOPE, UNAVAILABLE
from frontdoor.catalog import CATALOG
from frontdoor.errors import ApiError
from frontdoor.security import require_bearer
from frontdoor.settings import SETTINGS
from frontdoor.unanswered import GAPS
from knowledge.counts import COUNTS, Key, TopicCounts
from knowledge.themes import themes
from privacy.gaps import GapLog

log = logging.getLogger(__name__)

UNANSWERED = (OUT_OF_SCOPE, UNAVAILABLE)
FLUSH_SECONDS = 10.0
DAYS = (7, 30)
MAX_THEMES = 20
# A spreadsheet runs a cell starting with one of these as a formula
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Tally:
    """Counts not yet in the database, (day, topic, count) -> n; used on the event loop only."""

    def __init__(self, today: Callable[[], dt.date] = dt.date.today):
        self.today = today
        self.pending: Counter[Key] = Counter()

    def add(self, topic: str, count: str) -> None:
        self.pending[(self.today(), topic, count)] += 1

    def take(self) -> Counter[Key]:
        """The pending counts, which are no longer pending."""
        taken, self.pending = self.pending, Counter()
        return taken

    def restore(self, counts: Mapping[Key, int]) -> None:
        """Put back counts that could not be written."""
        self.pending.update(counts)


TALLY = web.AppKey("tally", Tally)
TOPIC_COUNTS = web.AppKey("topic_counts", TopicCounts)


def count_reply(app: web.Application, reply: dict) -> None:
    """Count a reply the chat relays (see the module's docstring); unknown topics are not."""
    topics, tally = app[CATALOG].catalog.topics, app[TALLY]
    topic = reply["topic"]
    if topic == CLARIFY:
        for candidate in reply.get("candidates") or [CLARIFY]:
            if candidate in topics or candidate == CLARIFY:
                tally.add(candidate, "clarified")
    elif topic in UNANSWERED:
        tally.add(topic, "unanswered")
    elif topic in topics:
        tally.add(topic, "answered")


async def counts(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: open the daily counters and write the tally to them every FLUSH_SECONDS;
    on shutdown, write what is left and close them."""
    app[TOPIC_COUNTS] = await asyncio.to_thread(TopicCounts, app[SETTINGS].database_url)
    writer = asyncio.create_task(_flush_every(app, FLUSH_SECONDS))
    yield
    writer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await writer
    await flush(app)
    app[TOPIC_COUNTS].close()


async def flush(app: web.Application) -> None:
    """Add the pending counts to the database; keep them for the next try when that fails."""
    taken = app[TALLY].take()
    if not taken:
        return
    try:
        await asyncio.to_thread(app[TOPIC_COUNTS].add, taken)
    except SQLAlchemyError as error:
        app[TALLY].restore(taken)
        log.warning("could not store the topic counts: %s", type(error).__name__)


async def _flush_every(app: web.Application, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        await flush(app)


async def insights(request: web.Request) -> web.Response:
    """GET /agent/api/insights?days=7|30[&format=csv]: per-topic counts and unanswered themes."""
    require_bearer(request, [request.app[SETTINGS].agent_token])
    days, as_csv = _days(request.query.get("days", "7")), _as_csv(request.query.get("format"))
    since = dt.date.today() - dt.timedelta(days=days - 1)
    await flush(request.app)
    try:
        topics, found = await asyncio.to_thread(_read, request.app, since)
    except SQLAlchemyError as error:
        log.warning("could not read the insights: %s", type(error).__name__)
        raise ApiError(
            503, "unavailable", "The insights are not available right now; try again shortly."
        ) from None
    if as_csv:
        return _csv(topics, found, days)
    return web.json_response({"topics": topics, "themes": found})


def _read(app: web.Application, since: dt.date) -> tuple[list[dict], list[dict]]:
    return app[TOPIC_COUNTS].totals(since), top_themes(app[GAPS], since)


def top_themes(gaps: GapLog, since: dt.date) -> list[dict]:
    """The MAX_THEMES largest themes of the unanswered questions asked from `since` on."""
    grouped = themes(gaps.asked_since(since))[:MAX_THEMES]
    return [{"count": theme.count, "example": theme.example} for theme in grouped]


def _days(text: str) -> int:
    if text not in {str(days) for days in DAYS}:
        raise ApiError(400, "invalid_request", '"days" must be 7 or 30.')
    return int(text)


def _as_csv(text: str | None) -> bool:
    if text not in (None, "json", "csv"):
        raise ApiError(400, "invalid_request", '"format" must be json or csv.')
    return text == "csv"


def _csv(topics: list[dict], found: list[dict], days: int) -> web.Response:
    """One table: a row per topic (section "topic"), then a row per theme (section "theme")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "topic", *COUNTS, "count", "example"])
    for row in topics:
        writer.writerow(["topic", row["topic"], *(row[count] for count in COUNTS), "", ""])
    for theme in found:
        writer.writerow(
            ["theme", "", *([""] * len(COUNTS)), theme["count"], _cell(theme["example"])]
        )
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="insights-{days}-days.csv"'},
    )


def _cell(text: str) -> str:
    """`text` as a spreadsheet shows it, never runs it: a formula's first character escaped."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text
