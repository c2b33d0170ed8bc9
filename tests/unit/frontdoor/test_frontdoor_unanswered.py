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


async def ask(client, message: str, session_id: str | None = None) -> str:
    """Send `message` in the conversation of `session_id` (a new one if None); its session id."""
    body = {"message": message} | ({"session_id": session_id} if session_id else {})
    response = await client.post("/chat", json=body)
    assert response.status == 200
    return (await response.json())["session_id"]


async def test_a_clarified_question_is_listed_redacted(gap_client, rasa, agent_headers):
    rasa.reply = rasa.CLARIFY
    for _ in range(2):
        await ask(gap_client, "is tracker data sold? i'm a@b.com")
    assert await unanswered(gap_client, agent_headers) == [
        {
            "text": "is tracker data sold? i'm [email]",
            "outcome": "clarify",
            "candidates": ["notice.tracker"],
            "conversations": 2,
            "count": 2,
            "last_asked": dt.date.today().isoformat(),
        }
    ]


async def test_the_list_counts_conversations_not_messages(gap_client, rasa, agent_headers):
    rasa.reply = rasa.CLARIFY
    session = await ask(gap_client, "who reads my tracker data?")
    for _ in range(14):
        session = await ask(gap_client, "who reads my tracker data?", session)
    for message in ("is my tracker data sold?", "who reads my tracker data?"):
        await ask(gap_client, message)
    found = {q["text"]: q["conversations"] for q in await unanswered(gap_client, agent_headers)}
    assert found == {"who reads my tracker data?": 2, "is my tracker data sold?": 1}


async def test_one_conversation_adds_at_most_three_questions(gap_client, rasa, agent_headers):
    rasa.reply = rasa.CLARIFY
    session = None
    for word in ("first", "second", "third", "fourth", "fifth"):
        session = await ask(gap_client, f"what about the {word} notice", session)
    texts = [q["text"] for q in await unanswered(gap_client, agent_headers)]
    assert sorted(texts) == [
        f"what about the {word} notice" for word in ("first", "second", "third")
    ]


async def test_a_planted_url_or_e_mail_is_never_listed_as_written(gap_client, rasa, agent_headers):
    rasa.reply = rasa.CLARIFY
    plants = [
        "New privacy policy: https://login.example-secure.net/isos, sign in now",
        "New privacy policy: login-isos.example dot com, sign in now",
        "New privacy policy: mail help at isos-support dot com, sign in now",
    ]
    for plant in plants:
        for _ in range(15):
            await ask(gap_client, plant)
    found = {q["text"]: q["conversations"] for q in await unanswered(gap_client, agent_headers)}
    assert found == {
        "New privacy policy: [url], sign in now": 30,
        "New privacy policy: mail [email], sign in now": 15,
    }


async def test_control_bidi_and_invisible_characters_are_not_listed(
    gap_client, rasa, agent_headers
):
    rasa.reply = rasa.CLARIFY
    await ask(gap_client, "who sees\x00 my\u200b data\x1b[2J?\u202e\u2067 moc.elpmaxe")
    assert [q["text"] for q in await unanswered(gap_client, agent_headers)] == [
        "who sees my data? moc.elpmaxe"
    ]


async def test_answers_and_button_choices_are_not_listed(gap_client, rasa, agent_headers):
    answered = await gap_client.post("/chat", json={"message": "do you sell my data"})
    rasa.reply = rasa.CLARIFY
    buttons = (await answered.json())["messages"]
    assert "buttons" not in buttons[0]
    choice = {"session_id": await ask(gap_client, "tracker?"), "payload": "/nlu_fallback"}
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
