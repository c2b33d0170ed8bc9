"""What people asked that the assistant could not answer: the knowledge base's gaps.

Privacy teams read them to decide what to add. Each entry is the question, redacted before
it is stored (knowledge.redaction), what the assistant did instead (`clarify` or
`out_of_scope`), the candidate topics it offered and the day (no time, no conversation id).
A question that discloses someone's health ("I have HIV, can my employer see it?") is not
kept at all: health data is special-category data, and what else such a message says about
the person may slip past the redactor. Entries older than the retention period are deleted
whenever a new one is written. Its table lives beside the knowledge base's
but is not part of it: reloading the knowledge base keeps it.
"""

from __future__ import annotations

import datetime as dt
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

from knowledge.redaction import RedactionRefused, has_health, redact
from knowledge.settings import database_url

Base: Any = declarative_base()  # SQLAlchemy 1.4 has no type information
MAX_TEXT = 1000


class GapRow(Base):
    __tablename__ = "gap_question"
    id = Column(Integer, primary_key=True, autoincrement=True)
    asked_on = Column(Date, nullable=False, index=True)
    text = Column(Text, nullable=False)
    outcome = Column(String(20), nullable=False)
    candidates = Column(Text, nullable=False)  # topic ids, comma-separated, best first


@dataclass(frozen=True)
class Gap:
    """One question (as redacted) with how often and when it was last asked."""

    text: str
    outcome: str
    candidates: tuple[str, ...]
    count: int
    last_asked: dt.date


class GapLog:
    """Records and lists unanswered questions; keeps them `retention_days` days."""

    def __init__(self, url: str | None = None, retention_days: int = 90):
        self.engine = create_engine(url or database_url(), future=True)
        self.retention = dt.timedelta(days=retention_days)
        Base.metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def record(
        self, text: str, outcome: str, candidates: list[str], today: dt.date | None = None
    ) -> None:
        """Store `text` redacted (unless it discloses health, or redaction refuses it: too long
        or too slow), and forget every entry past the retention period."""
        try:
            if has_health(text):
                return
            redacted = redact(text.strip())
        except RedactionRefused:
            return
        today = today or dt.date.today()
        row = {
            "asked_on": today,
            "text": redacted[:MAX_TEXT],
            "outcome": outcome,
            "candidates": ",".join(candidates),
        }
        with Session(self.engine, future=True) as session, session.begin():
            session.execute(delete(GapRow).where(GapRow.asked_on < today - self.retention))
            session.execute(insert(GapRow), [row])

    def recent(self, limit: int = 100) -> list[Gap]:
        """The most asked questions first, then the most recent."""
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
