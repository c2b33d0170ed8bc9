"""What people asked that the assistant could not answer: the knowledge base's gaps.

Privacy teams read them to decide what to add. Each entry is the question as
privacy.gap_policy keeps it (redacted; nothing at all when a name, health detail or address
may remain), what the assistant did instead (`clarify` or `out_of_scope`), the candidate topics
it offered and the day (no time, no conversation id). The front door records a question once
per conversation, so that the number of entries of a question is the number of conversations
that asked it. Entries older than the retention period, and the oldest past `max_rows`, are
deleted whenever a new one is written. Its table lives beside the knowledge base's but is not
part of it: reloading the knowledge base keeps it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session, declarative_base

from knowledge.settings import database_url
from privacy.gap_policy import kept_text, prepare

Base: Any = declarative_base()  # SQLAlchemy 1.4 has no type information


class GapRow(Base):
    __tablename__ = "gap_question"
    id = Column(Integer, primary_key=True, autoincrement=True)
    asked_on = Column(Date, nullable=False, index=True)
    text = Column(Text, nullable=False)
    outcome = Column(String(20), nullable=False)
    candidates = Column(Text, nullable=False)  # topic ids, comma-separated, best first


@dataclass(frozen=True)
class Gap:
    """One question (as kept) with in how many conversations and when it was last asked."""

    text: str
    outcome: str
    candidates: tuple[str, ...]
    conversations: int
    last_asked: dt.date


class GapLog:
    """Records and lists unanswered questions; keeps them `retention_days` days, and at most
    `max_rows` entries."""

    def __init__(self, url: str | None = None, retention_days: int = 90, max_rows: int = 5000):
        # A pooled connection is tested before use: after the database restarts, the first
        # query would fail on a connection the server dropped
        self.engine = create_engine(url or database_url(), future=True, pool_pre_ping=True)
        self.retention = dt.timedelta(days=retention_days)
        self.max_rows = max_rows
        Base.metadata.create_all(self.engine)
        prepare()

    def close(self) -> None:
        self.engine.dispose()

    def record(
        self,
        text: str,
        outcome: str,
        candidates: list[str],
        today: dt.date | None = None,
        admit: Callable[[str], bool] = lambda kept: True,
    ) -> None:
        """Store what kept_text keeps of `text`, if anything and if `admit(kept)` (the front
        door: not yet recorded in this conversation), and forget the entries past the retention
        period and the oldest past `max_rows`."""
        kept = kept_text(text)
        if kept is None or not admit(kept):
            return
        today = today or dt.date.today()
        row = {
            "asked_on": today,
            "text": kept,
            "outcome": outcome,
            "candidates": ",".join(candidates),
        }
        newest_past_cap = (
            select(GapRow.id).order_by(GapRow.id.desc()).offset(self.max_rows).limit(1)
        ).scalar_subquery()
        with Session(self.engine, future=True) as session, session.begin():
            session.execute(delete(GapRow).where(GapRow.asked_on < today - self.retention))
            session.execute(insert(GapRow), [row])
            past_cap = delete(GapRow).where(GapRow.id <= newest_past_cap)
            session.execute(past_cap.execution_options(synchronize_session=False))

    def recent(self, limit: int = 100) -> list[Gap]:
        """The questions asked in the most conversations first, then the most recent."""
        count, last = func.count(GapRow.id), func.max(GapRow.asked_on)
        query = (
            select(GapRow.text, GapRow.outcome, GapRow.candidates, count, last)
            .group_by(GapRow.text, GapRow.outcome, GapRow.candidates)
            .order_by(count.desc(), last.desc(), GapRow.text)
            .limit(limit)
        )
        with Session(self.engine, future=True) as session:
            return [
                Gap(text, outcome, tuple(filter(None, candidates.split(","))), n, last_asked)
                for text, outcome, candidates, n, last_asked in session.execute(query)
            ]

    def asked_since(
        self, since: dt.date, today: dt.date | None = None, limit: int = 1000
    ) -> list[tuple[str, int]]:
        """Each question (as kept) asked from `since` on, never past the retention period, with
        in how many conversations: the most asked first, at most `limit`."""
        today = today or dt.date.today()
        count = func.count(GapRow.id)
        query = (
            select(GapRow.text, count)
            .where(GapRow.asked_on >= max(since, today - self.retention))
            .group_by(GapRow.text)
            .order_by(count.desc(), GapRow.text)
            .limit(limit)
        )
        with Session(self.engine, future=True) as session:
            return [(text, n) for text, n in session.execute(query)]
