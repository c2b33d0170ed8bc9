"""Questions the assistant could not answer: recorded from the chat, listed in the console."""

import datetime as dt

import pytest

from frontdoor.settings import Settings
from frontdoor.unanswered import GAPS
from knowledge import load

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def gap_client(make_client, tmp_path):
    """A client with a knowledge base of its own, so that it starts with no gaps."""
    url = f"sqlite:///{tmp_path / 'knowledge.sqlite'}"
    load(url)
    return await make_client(database_url=url)


async def unanswered(client, headers) -> list[dict]:
    response = await client.get("/agent/api/unanswered", headers=headers)
    assert response.status == 200
    return (await response.json())["questions"]


async def test_a_clarified_question_is_listed_redacted(gap_client, rasa, agent_headers):
    rasa.reply = rasa.CLARIFY
    for _ in range(2):
        await gap_client.post("/chat", json={"message": "is tracker data sold? i'm a@b.com"})
    assert await unanswered(gap_client, agent_headers) == [
        {
            "text": "is tracker data sold? i'm [email]",
            "outcome": "clarify",
            "candidates": ["notice.tracker"],
            "count": 2,
            "last_asked": dt.date.today().isoformat(),
        }
    ]


async def test_answers_and_button_choices_are_not_listed(gap_client, rasa, agent_headers):
    answered = await gap_client.post("/chat", json={"message": "do you sell my data"})
    rasa.reply = rasa.CLARIFY
    buttons = (await answered.json())["messages"]
    assert "buttons" not in buttons[0]
    asked = await (await gap_client.post("/chat", json={"message": "tracker?"})).json()
    choice = {"session_id": asked["session_id"], "payload": "/nlu_fallback"}
    assert (await gap_client.post("/chat", json=choice)).status == 200
    assert [q["text"] for q in await unanswered(gap_client, agent_headers)] == ["tracker?"]


async def test_a_typed_slash_command_is_listed_as_a_question(gap_client, rasa, agent_headers):
    rasa.reply = rasa.CLARIFY
    await gap_client.post("/chat", json={"message": "/nlu_fallback"})
    assert [q["text"] for q in await unanswered(gap_client, agent_headers)] == ["nlu_fallback"]


async def test_the_list_needs_the_agent_token(gap_client, api_headers):
    for headers in ({}, api_headers):
        response = await gap_client.get("/agent/api/unanswered", headers=headers)
        assert response.status == 401


@pytest.mark.parametrize(("env", "days"), [({}, 90), ({"GAP_RETENTION_DAYS": "7"}, 7)])
async def test_the_retention_period_comes_from_gap_retention_days(make_client, settings, env, days):
    configured = Settings.from_env({**env, "DATABASE_URL": settings.database_url})
    assert configured.gap_retention_days == days
    client = await make_client(gap_retention_days=configured.gap_retention_days)
    assert client.app[GAPS].retention == dt.timedelta(days=days)
