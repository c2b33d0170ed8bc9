"""GET /agent/api/insights (and the report drawn from the same counters): per-topic counts per
day and themes of the unanswered questions."""

import csv
import datetime as dt
import io
import json
import re

import pytest
from sqlalchemy import MetaData, create_engine, select
from sqlalchemy.exc import OperationalError

from evaluation import report
from frontdoor.insights import TOPIC_COUNTS
from knowledge.counts import TopicCounts
from privacy.gaps import GapLog

pytestmark = pytest.mark.asyncio(loop_scope="session")

OUT_OF_SCOPE = [
    {"recipient_id": "s", "text": "I can only answer questions about privacy."},
    {"recipient_id": "s", "custom": {"topic": "out_of_scope", "notices": []}},
]
UNSURE = [
    {"recipient_id": "s", "text": "Could you say it in other words?"},
    {"recipient_id": "s", "custom": {"topic": "clarify", "candidates": []}},
]
MADE_UP = [
    {"recipient_id": "s", "text": "Hello."},
    {"recipient_id": "s", "custom": {"topic": "made.up", "notices": []}},
]
COUNTS = ("answered", "clarified", "unanswered", "helpful", "not_helpful")


def row(topic: str, **counts: int) -> dict:
    return {"topic": topic, **dict.fromkeys(COUNTS, 0), **counts}


@pytest.fixture
async def insights_client(make_client, own_database):
    return await make_client(database_url=own_database)


async def chat(client, message="do you sell my data?", session_id=None) -> dict:
    body = {"message": message} | ({"session_id": session_id} if session_id else {})
    response = await client.post("/chat", json=body)
    assert response.status == 200
    return await response.json()


async def insights(client, headers, **query) -> dict:
    response = await client.get("/agent/api/insights", params=query, headers=headers)
    assert response.status == 200
    return await response.json()


async def insights_csv(client, headers, days="7") -> str:
    params = {"days": days, "format": "csv"}
    response = await client.get("/agent/api/insights", params=params, headers=headers)
    assert response.status == 200
    assert response.content_type == "text/csv"
    assert response.charset == "utf-8"
    filename = f'attachment; filename="insights-{days}-days.csv"'
    assert response.headers["Content-Disposition"] == filename
    return await response.text()


async def test_each_reply_is_counted_under_its_topic(
    insights_client, make_client, own_database, refused_url, rasa, agent_headers
):
    session_id = (await chat(insights_client))["session_id"]
    await chat(insights_client, "and again?", session_id)
    rasa.reply = rasa.CLARIFY
    session_id = (await chat(insights_client, "tracker?"))["session_id"]
    rasa.reply = rasa.NO_SALE
    chosen = {"session_id": session_id, "payload": rasa.CLARIFY[0]["buttons"][0]["payload"]}
    assert (await insights_client.post("/chat", json=chosen)).status == 200  # choices count too
    for reply in (OUT_OF_SCOPE, UNSURE, MADE_UP):  # a topic the knowledge base lacks: not counted
        rasa.reply = reply
        await chat(insights_client, "what's the weather?")
    down = await make_client(database_url=own_database, rasa_url=refused_url)
    await chat(down)
    await down.close()  # its counts are written as it shuts down
    assert (await insights(insights_client, agent_headers))["topics"] == [
        row("policy.no_sale", answered=3),
        row("clarify", clarified=1),
        row("notice.tracker", clarified=1),
        row("out_of_scope", unanswered=1),
        row("unavailable", unanswered=1),
    ]


async def test_the_last_7_or_30_days(insights_client, own_database, agent_headers):
    today = dt.date.today()
    store = TopicCounts(own_database)
    gaps = GapLog(own_database)
    asked = [(0, 1, "today"), (6, 2, "this week"), (7, 4, "last week"), (29, 8, "this month")]
    try:
        for days_ago, n, when in [*asked, (30, 16, "last month")]:
            day = today - dt.timedelta(days=days_ago)
            store.add({(day, "retention", "answered"): n})
            gaps.record(f"where did my trip go {when}", "clarify", [], day)
    finally:
        store.close()
        gaps.close()
    week = await insights(insights_client, agent_headers)
    assert week["topics"] == [row("retention", answered=3)]
    assert sum(theme["count"] for theme in week["themes"]) == 2
    assert await insights(insights_client, agent_headers, days="7") == week
    month = await insights(insights_client, agent_headers, days="30")
    assert month["topics"] == [row("retention", answered=15)]
    assert sum(theme["count"] for theme in month["themes"]) == 4


@pytest.mark.parametrize(
    "query", [{"days": "8"}, {"days": "seven"}, {"days": ""}, {"format": "xml"}]
)
async def test_other_periods_or_formats_are_refused(insights_client, agent_headers, query):
    response = await insights_client.get("/agent/api/insights", params=query, headers=agent_headers)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_request"


async def test_unanswered_questions_are_grouped_into_themes(insights_client, rasa, agent_headers):
    rasa.reply = rasa.CLARIFY
    for question in [
        "how long do you keep my tracker data?",
        "how long do you keep my tracker data?",
        "how long do you keep my data?",
        "how long is my data kept?",
        "do you sell my data to advertisers?",
        "is my data sold to advertisers?",
        "do advertisers buy my data?",
        "what is the capital of peru",
    ]:
        await chat(insights_client, question)  # each in a conversation of its own
    assert (await insights(insights_client, agent_headers))["themes"] == [
        {"count": 4, "example": "how long do you keep my tracker data?"},
        {"count": 3, "example": "do advertisers buy my data?"},
        {"count": 1, "example": "what is the capital of peru"},
    ]


async def test_the_csv_holds_the_same_topics_and_themes(insights_client, rasa, agent_headers):
    await chat(insights_client)
    rasa.reply = rasa.CLARIFY
    await chat(insights_client, "how long do you keep my tracker data?")
    await chat(insights_client, '=HYPERLINK("x") who sees my data')
    found = await insights(insights_client, agent_headers)
    text = await insights_csv(insights_client, agent_headers)
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["section", "topic", *COUNTS, "count", "example"]
    topics = [line for line in lines[1:] if line[0] == "topic"]
    assert [[t, *map(int, counts)] for _, t, *counts, _, _ in topics] == [
        [r["topic"], *(r[c] for c in COUNTS)] for r in found["topics"]
    ]
    themes = [(int(count), example) for section, *_, count, example in lines if section == "theme"]
    assert themes == [
        (1, '\'=HYPERLINK("x") who sees my data'),  # shown as text, never run as a formula
        (1, "how long do you keep my tracker data?"),
    ]
    assert [t["example"] for t in found["themes"]][0].startswith("=HYPERLINK")
    assert text.endswith("\r\n")


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong", "Bearer app-token-for-the-front-door-tests"]
)
async def test_insights_need_the_agent_token(insights_client, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    for query in [{}, {"format": "csv"}]:
        response = await insights_client.get("/agent/api/insights", params=query, headers=headers)
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "unauthorized"


async def test_counts_whose_write_failed_are_written_next_time(
    insights_client, agent_headers, monkeypatch
):
    store = insights_client.app[TOPIC_COUNTS]

    def database_down(*args):
        raise OperationalError("INSERT", {}, Exception("the database is down"))

    await chat(insights_client)
    monkeypatch.setattr(store, "add", database_down)
    assert (await insights(insights_client, agent_headers))["topics"] == []
    monkeypatch.setattr(store, "totals", database_down)
    response = await insights_client.get("/agent/api/insights", headers=agent_headers)
    assert (response.status, (await response.json())["error"]["code"]) == (503, "unavailable")
    monkeypatch.undo()
    assert (await insights(insights_client, agent_headers))["topics"] == [
        row("policy.no_sale", answered=1)
    ]


def dump(url: str) -> str:
    """Every row of every table of the database, as text."""
    engine = create_engine(url)
    try:
        tables = MetaData()
        tables.reflect(engine)
        with engine.connect() as connection:
            return repr([list(connection.execute(select(t))) for t in tables.sorted_tables])
    finally:
        engine.dispose()


async def test_no_name_session_id_or_question_is_stored_or_shown(
    insights_client, own_database, rasa, agent_headers
):
    planted = ["Ottilie", "Brandvold", "Zaragoza", "honeymoon"]
    answered = await chat(
        insights_client, "Is the honeymoon of Ottilie Brandvold to Zaragoza sold?"
    )
    vote = {"session_id": answered["session_id"], "helpful": False}
    assert (await insights_client.post("/feedback", json=vote)).status == 200
    rasa.reply = rasa.CLARIFY
    unsure = await chat(insights_client, "Can Ottilie Brandvold see my honeymoon in Zaragoza?")
    rasa.reply = OUT_OF_SCOPE
    out = await chat(insights_client, "Book Ottilie Brandvold a honeymoon in Zaragoza")
    clean = await chat(insights_client, "what is the capital of peru")  # kept: it names no one
    session_ids = [reply["session_id"] for reply in (answered, unsure, out, clean)]
    planted += session_ids + [s.split(".")[0] for s in session_ids]
    found = await insights(insights_client, agent_headers)
    shown = [
        json.dumps(found),
        await insights_csv(insights_client, agent_headers),
        dump(own_database),
        report.render(report.gather(own_database, 90, 30, dt.date.today()), dt.datetime.now()),
    ]
    for text in shown:
        assert "what is the capital of peru" in text  # where a question would show
        assert not [p for p in planted if p.lower() in text.lower()]
    assert found["topics"] == [
        row("out_of_scope", unanswered=2),
        row("notice.tracker", clarified=1),
        row("policy.no_sale", answered=1, not_helpful=1),
    ]
    assert found["themes"] == [{"count": 1, "example": "what is the capital of peru"}]
    engine = create_engine(own_database)
    with engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT * FROM topic_day_count").all()
    engine.dispose()
    today = dt.date.today()
    for day, topic, *counts in stored:
        assert str(day) == today.isoformat()
        assert re.fullmatch(r"[a-z_.]+", topic)
        assert all(isinstance(count, int) for count in counts)
