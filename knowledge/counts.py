"""How each topic did, per day: counters only, for privacy teams.

One row per day and topic holds five counts: replies that answered the topic, that offered it
among the choices when the assistant was unsure (clarified), that could not answer (unanswered:
out of scope, or the assistant unavailable), and the votes that its answer helped or did not.
Nothing else: no text, no session or conversation id, no time of day, nothing that links a
count to a person or a conversation. Like the unanswered questions, the table lives beside the
knowledge base and reloading the knowledge base keeps it. Counts are added, never set, so that
several front doors can write to one database (PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Column, Date, Integer, String, create_engine, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, declarative_base

from knowledge.settings import database_url

Base: Any = declarative_base()  # SQLAlchemy 1.4 has no type information

COUNTS = ("answered", "clarified", "unanswered", "helpful", "not_helpful")
MAX_TOPIC_CHARS = 100
#: What one row adds to: (day, topic id, one of COUNTS).
Key = tuple[dt.date, str, str]


class TopicDay(Base):
    __tablename__ = "topic_day_count"
    day = Column(Date, primary_key=True)
    topic = Column(String(MAX_TOPIC_CHARS), primary_key=True)
    answered = Column(Integer, nullable=False, default=0)
    clarified = Column(Integer, nullable=False, default=0)
    unanswered = Column(Integer, nullable=False, default=0)
    helpful = Column(Integer, nullable=False, default=0)
    not_helpful = Column(Integer, nullable=False, default=0)


class TopicCounts:
    """Adds to and sums the daily counts of each topic (SQLite or PostgreSQL)."""

    def __init__(self, url: str | None = None):
        self.engine = create_engine(url or database_url(), future=True, pool_pre_ping=True)
        Base.metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def add(self, counts: Mapping[Key, int]) -> None:
        """Add each of `counts` to its day's and topic's row, in one transaction."""
        rows: dict[tuple[dt.date, str], dict] = {}
        for (day, topic, count), n in counts.items():
            row = rows.setdefault(
                (day, topic), {"day": day, "topic": topic, **dict.fromkeys(COUNTS, 0)}
            )
            row[count] += n
        if not rows:
            return
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(TopicDay)
        upsert = insert.on_conflict_do_update(
            index_elements=[TopicDay.day, TopicDay.topic],
            set_={count: getattr(TopicDay, count) + insert.excluded[count] for count in COUNTS},
        )
        with Session(self.engine, future=True) as session, session.begin():
            session.execute(upsert, list(rows.values()))

    def totals(self, since: dt.date) -> list[dict]:
        """Per topic, its counts summed from `since` on: the most replies first."""
        sums = [func.sum(getattr(TopicDay, count)).label(count) for count in COUNTS]
        replies = sums[0] + sums[1] + sums[2]
        query = (
            select(TopicDay.topic, *sums)
            .where(TopicDay.day >= since)
            .group_by(TopicDay.topic)
            .order_by(replies.desc(), TopicDay.topic)
        )
        with Session(self.engine, future=True) as session:
            return [
                {"topic": row.topic, **{count: int(getattr(row, count)) for count in COUNTS}}
                for row in session.execute(query)
            ]

    def daily(self, since: dt.date) -> list[dict]:
        """Each day's and topic's counts from `since` on, by day, then topic."""
        query = select(TopicDay).where(TopicDay.day >= since).order_by(TopicDay.day, TopicDay.topic)
        with Session(self.engine, future=True) as session:
            return [
                {"day": row.day, "topic": row.topic}
                | {count: getattr(row, count) for count in COUNTS}
                for row in session.scalars(query)
            ]
