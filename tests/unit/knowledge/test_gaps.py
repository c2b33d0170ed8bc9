"""The log of unanswered questions, on SQLite and PostgreSQL."""

import datetime as dt
from unittest.mock import Mock

import pytest
from sqlalchemy import Date, create_engine, inspect

from knowledge.gaps import GapLog
from knowledge.loader import load
from knowledge.redaction import RedactionTimeout

DAY = dt.date(2026, 11, 25)


@pytest.fixture
def gaps(database_url):
    log = GapLog(database_url, retention_days=90)
    yield log
    log.close()


def test_questions_are_stored_redacted_and_counted(gaps):
    gaps.record("do you use my data to train AI? mail me at a.b@example.com", "clarify", [
        "principle.transparency", "sharing.vendors"], DAY)  # fmt: skip
    gaps.record("what's the weather", "out_of_scope", [], DAY - dt.timedelta(days=1))
    gaps.record("what's the weather", "out_of_scope", [], DAY)
    found = gaps.recent()
    assert [(g.text, g.count, g.last_asked) for g in found] == [
        ("what's the weather", 2, DAY),
        ("do you use my data to train AI? mail me at [email]", 1, DAY),
    ]
    assert found[1].candidates == ("principle.transparency", "sharing.vendors")
    assert found[1].outcome == "clarify"


def test_entries_past_the_retention_period_are_deleted_on_the_next_write(gaps):
    gaps.record("old question", "clarify", [], DAY - dt.timedelta(days=91))
    gaps.record("recent question", "clarify", [], DAY - dt.timedelta(days=90))
    gaps.record("new question", "clarify", [], DAY)
    assert sorted(g.text for g in gaps.recent()) == ["new question", "recent question"]


def test_questions_the_redactor_refuses_are_not_kept(gaps, monkeypatch):
    gaps.record("x" * 1001, "out_of_scope", [], DAY)  # too long to redact
    gaps.record("y" * 1000, "out_of_scope", [], DAY)
    monkeypatch.setattr("knowledge.gaps.redact", Mock(side_effect=RedactionTimeout("slow")))
    gaps.record("a question taking too long", "clarify", [], DAY)
    assert [g.text for g in gaps.recent()] == ["y" * 1000]


def test_reloading_the_knowledge_base_keeps_them(gaps, database_url):
    gaps.record("is my data used for marketing", "clarify", [], DAY)
    load(database_url)
    assert [g.text for g in gaps.recent()] == ["is my data used for marketing"]


def test_questions_disclosing_health_are_not_kept(gaps):
    gaps.record("I have HIV, can my employer see my records?", "clarify", [], DAY)
    gaps.record("my son has epilepsy, is his data safe?", "out_of_scope", [], DAY)
    gaps.record("Is my health data shared with my employer?", "clarify", [], DAY)
    assert [g.text for g in gaps.recent()] == ["Is my health data shared with my employer?"]


def test_every_kind_of_personal_data_is_redacted(gaps):
    gaps.record(
        "I'm Maria Gonzalez, 221B Baker Street, London NW1 6XE, born 12/03/1985, passport "
        "AB123456, call +44 20 7946 0958: does MedAire keep this?",
        "out_of_scope",
        [],
        DAY,
    )
    assert [g.text for g in gaps.recent()] == [
        "I'm [name], [address], London [postcode], born [date], passport [id], call [phone]: "
        "does MedAire keep this?"
    ]


def test_an_entry_holds_the_day_only_and_nothing_of_the_conversation(gaps, database_url):
    gaps.record("is my data sold?", "clarify", ["policy.no_sale"], DAY)
    columns = {c["name"]: c["type"] for c in inspect(create_engine(database_url)).get_columns(
        "gap_question")}  # fmt: skip
    assert set(columns) == {"id", "asked_on", "text", "outcome", "candidates"}
    assert isinstance(columns["asked_on"], Date)  # a day, no time of day
