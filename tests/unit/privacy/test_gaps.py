"""The log of unanswered questions, on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from sqlalchemy import Date, create_engine, inspect, text

from knowledge.loader import load
from privacy import gap_policy
from privacy.gaps import GapLog
from privacy.redaction import RedactionTimeout

DAY = dt.date(2026, 11, 25)


@pytest.fixture
def gaps(database_url):
    log = GapLog(database_url, retention_days=90)
    yield log
    log.close()


def test_questions_are_stored_redacted_and_counted_per_entry(gaps):
    gaps.record("do you use my data to train AI? mail me at a.b@example.com", "clarify", [
        "principle.transparency", "sharing.vendors"], DAY)  # fmt: skip
    gaps.record("what's the weather", "out_of_scope", [], DAY - dt.timedelta(days=1))
    gaps.record("what's the weather", "out_of_scope", [], DAY)
    found = gaps.recent()
    assert [(g.text, g.conversations, g.last_asked) for g in found] == [
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


def test_long_messages_are_not_kept(gaps):
    gaps.record("is my data sold " + "x" * 284, "out_of_scope", [], DAY)  # 300 characters
    gaps.record("is my data sold " + "x" * 285, "out_of_scope", [], DAY)
    gaps.record("x" * 5000, "out_of_scope", [], DAY)
    assert [len(g.text) for g in gaps.recent()] == [300]


def test_at_most_max_rows_entries_are_kept_the_oldest_deleted_first(database_url):
    log = GapLog(database_url, max_rows=3)
    try:
        for n in range(5):
            log.record(f"question {'abcde'[n]}", "clarify", [], DAY)
        assert sorted(g.text for g in log.recent()) == ["question c", "question d", "question e"]
    finally:
        log.close()


def test_the_front_door_can_refuse_an_entry_after_the_policy(gaps):
    seen = []
    gaps.record("is  my data\u200b sold", "clarify", [], DAY, admit=lambda kept: seen.append(kept))
    assert seen == ["is my data sold"]
    assert gaps.recent() == []


def test_reloading_the_knowledge_base_keeps_them(gaps, database_url):
    gaps.record("is my data used for marketing", "clarify", [], DAY)
    load(database_url)
    assert [g.text for g in gaps.recent()] == ["is my data used for marketing"]


def test_questions_that_may_name_someone_or_their_health_are_not_kept(gaps):
    gaps.record("I have HIV, can my employer see my records?", "clarify", [], DAY)
    gaps.record("my son has epilepsy, is his data safe?", "out_of_scope", [], DAY)
    gaps.record("Can Ottilie Brandvold see my trips?", "clarify", [], DAY)
    gaps.record(
        "I'm Maria Gonzalez, 221B Baker Street: does MedAire keep this?", "clarify", [], DAY
    )
    gaps.record("Is my health data shared with my employer?", "clarify", [], DAY)
    assert [g.text for g in gaps.recent()] == ["Is my health data shared with my employer?"]


def test_structured_personal_data_and_every_number_are_replaced(gaps):
    gaps.record(
        "mail a.b@example.com or call +44 20 7946 0958, card 4111 1111 1111 1111, passport X47: "
        "does MedAire keep this?",
        "out_of_scope",
        [],
        DAY,
    )
    assert [g.text for g in gaps.recent()] == [
        "mail [email] or call [phone], card [card], passport [number]: does MedAire keep this?"
    ]


def test_control_bidi_and_invisible_characters_are_never_stored(gaps, database_url):
    gaps.record("is\x00 tracker\x1b[31m data\u202e sold?\u2066\u200b\ufeff\xad", "clarify", [], DAY)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT text FROM gap_question")).scalars().all()
    engine.dispose()
    assert stored == ["is tracker data sold?"]


def test_nothing_is_stored_when_the_redactor_refuses_the_text(gaps, monkeypatch):
    def refuse(text):
        raise RedactionTimeout("over the time budget")

    monkeypatch.setattr(gap_policy, "redact", refuse)
    gaps.record("is my data sold?", "clarify", [], DAY)
    assert gaps.recent() == []


def test_an_entry_holds_the_day_only_and_nothing_of_the_conversation(gaps, database_url):
    gaps.record("is my data sold?", "clarify", ["policy.no_sale"], DAY)
    columns = {c["name"]: c["type"] for c in inspect(create_engine(database_url)).get_columns(
        "gap_question")}  # fmt: skip
    assert set(columns) == {"id", "asked_on", "text", "outcome", "candidates"}
    assert isinstance(columns["asked_on"], Date)  # a day, no time of day


def test_a_connection_postgresql_dropped_costs_no_question(gaps, database_url):
    """As after a PostgreSQL restart: the pooled connection is gone, the next record works."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: a SQLite file has no server to drop connections")
    gaps.record("first question", "clarify", [], DAY)
    with gaps.engine.connect() as connection:  # the pooled connection, given back after
        backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    admin = create_engine(database_url)
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    admin.dispose()
    gaps.record("second question", "clarify", [], DAY)
    assert sorted(g.text for g in gaps.recent()) == ["first question", "second question"]
