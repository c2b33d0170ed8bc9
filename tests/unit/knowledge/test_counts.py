"""The daily counters of each topic, on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from sqlalchemy import Date, create_engine, inspect

from knowledge.counts import TopicCounts
from knowledge.loader import load
from privacy.gaps import GapLog

DAY = dt.date(2026, 11, 25)


@pytest.fixture
def counts(database_url):
    store = TopicCounts(database_url)
    yield store
    store.close()


def totals(store: TopicCounts, since: dt.date) -> dict[str, dict]:
    return {row.pop("topic"): row for row in store.totals(since)}


def test_counts_add_up_per_topic_over_the_days_asked_for(counts):
    earlier = DAY - dt.timedelta(days=7)
    counts.add({(DAY, "retention", "answered"): 2, (DAY, "retention", "helpful"): 1})
    counts.add({(DAY, "retention", "answered"): 1, (DAY, "retention", "not_helpful"): 1})
    counts.add({(earlier, "retention", "answered"): 5, (earlier, "clarify", "clarified"): 1})
    counts.add({(DAY, "out_of_scope", "unanswered"): 4})
    assert counts.totals(DAY) == [
        {"topic": "out_of_scope", "answered": 0, "clarified": 0, "unanswered": 4}
        | {"helpful": 0, "not_helpful": 0},
        {"topic": "retention", "answered": 3, "clarified": 0, "unanswered": 0}
        | {"helpful": 1, "not_helpful": 1},
    ]
    week = totals(counts, earlier)
    assert week["retention"]["answered"] == 8
    assert week["clarify"]["clarified"] == 1
    assert counts.totals(DAY + dt.timedelta(days=1)) == []


def test_front_doors_sharing_a_database_add_to_the_same_rows(counts, database_url):
    other = TopicCounts(database_url)
    try:
        for store in (counts, other, counts):
            store.add({(DAY, "policy.no_sale", "answered"): 1})
    finally:
        other.close()
    assert totals(counts, DAY)["policy.no_sale"]["answered"] == 3


def test_a_row_holds_a_day_a_topic_and_counts_only(counts, database_url):
    counts.add({(DAY, "policy.no_sale", "helpful"): 1})
    engine = create_engine(database_url)
    columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("topic_day_count")}
    engine.dispose()
    assert set(columns) == {
        "day",
        "topic",
        "answered",
        "clarified",
        "unanswered",
        "helpful",
        "not_helpful",
    }
    assert isinstance(columns["day"], Date)  # a day, no time of day


def test_reloading_the_knowledge_base_keeps_them(counts, database_url):
    counts.add({(DAY, "retention", "answered"): 1})
    load(database_url)
    assert totals(counts, DAY)["retention"]["answered"] == 1


def test_unanswered_questions_since_a_day_never_past_their_retention(database_url):
    gaps = GapLog(database_url, retention_days=10)
    asked = [("today", 0), ("today", 0), ("this week", 5), ("at the limit", 10), ("too early", 11)]
    try:
        for when, days_ago in asked:  # newest first: no write deletes an older one
            gaps.record(f"asked {when}", "clarify", [], DAY - dt.timedelta(days_ago))
        week = gaps.asked_since(DAY - dt.timedelta(days=6), today=DAY)
        assert week == [("asked today", 2), ("asked this week", 1)]
        month = gaps.asked_since(DAY - dt.timedelta(days=29), today=DAY)
        assert month == [("asked today", 2), ("asked at the limit", 1), ("asked this week", 1)]
    finally:
        gaps.close()


def test_the_daily_counts_are_each_day_and_topic_since_a_day(counts):
    before, after = DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=1)
    counts.add({(before, "retention", "answered"): 9})
    counts.add({(after, "retention", "helpful"): 1, (DAY, "retention", "answered"): 2})
    counts.add({(DAY, "clarify", "clarified"): 1, (DAY, "retention", "answered"): 1})
    zero = dict.fromkeys(("answered", "clarified", "unanswered", "helpful", "not_helpful"), 0)
    assert counts.daily(DAY) == [
        {"day": DAY, "topic": "clarify"} | zero | {"clarified": 1},
        {"day": DAY, "topic": "retention"} | zero | {"answered": 3},
        {"day": after, "topic": "retention"} | zero | {"helpful": 1},
    ]
