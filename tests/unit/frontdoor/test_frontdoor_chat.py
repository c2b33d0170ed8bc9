"""POST /chat and /api/v1/chat against a stand-in Rasa: replies, sessions, unavailability."""

import logging
import re

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="session")

COMPANY = {
    "id": "notice.company",
    "title": "Our overall company privacy notice",
    "label": "Our overall company privacy notice",
    "url": "https://www.internationalsos.com/privacy",
}
SESSION_ID = re.compile(r"([A-Za-z0-9_-]{24})\.[0-9]+\.[A-Za-z0-9_-]{22}")


def conversation(session_id: str) -> str:
    """The conversation (Rasa's sender id) of a session id."""
    return SESSION_ID.fullmatch(session_id)[1]


async def test_api_reply_has_topic_notice_details_and_sources(
    client, rasa, api_headers, assert_openapi, answers
):
    response = await client.post(
        "/api/v1/chat", json={"message": " Do you sell my data? "}, headers=api_headers
    )
    assert response.status == 200
    body = await response.json()
    assert_openapi("/api/v1/chat", "post", 200, body)
    assert body["topic"] == "policy.no_sale"
    assert body["notices"] == [COMPANY]
    assert body["messages"] == [{"text": rasa.NO_SALE[0]["text"]}]
    assert body["sources"] == list(answers["policy.no_sale"].sources)
    sender, message_id = conversation(body["session_id"]), rasa.received[0]["metadata"]
    assert rasa.received == [
        {"sender": sender, "message": "Do you sell my data?", "metadata": message_id}
    ]
    assert re.fullmatch("[0-9a-f]{32}", message_id["message_id"])


async def test_widget_endpoint_answers_the_same_without_a_token_or_link_lines(
    client, assert_openapi, answers
):
    response = await client.post("/chat", json={"message": "Do you sell my data?"})
    assert response.status == 200
    body = await response.json()
    assert_openapi("/api/v1/chat", "post", 200, body)
    assert body["topic"] == "policy.no_sale"
    assert body["notices"] == [COMPANY]
    assert body["sources"] == list(answers["policy.no_sale"].sources)
    # The notice's "title: url" line is gone: the widget shows the notice as a named link.
    assert body["messages"] == [{"text": "We never sell personal information."}]


async def test_clarify_reply_has_buttons_and_candidates(client, rasa, assert_openapi):
    rasa.reply = rasa.CLARIFY
    body = await (await client.post("/chat", json={"message": "tracker?"})).json()
    assert_openapi("/api/v1/chat", "post", 200, body)
    assert body["topic"] == "clarify"
    assert body["candidates"] == ["notice.tracker"]
    assert body["notices"] == []
    assert body["sources"] == []
    assert body["messages"][0]["buttons"] == rasa.CLARIFY[0]["buttons"]


async def test_a_session_id_continues_its_conversation_and_is_renewed(client, rasa):
    first = await (await client.post("/chat", json={"message": "hello"})).json()
    assert SESSION_ID.fullmatch(first["session_id"])
    again = {"message": "and the app?", "session_id": first["session_id"]}
    second = await (await client.post("/chat", json=again)).json()
    assert SESSION_ID.fullmatch(second["session_id"])
    assert conversation(second["session_id"]) == conversation(first["session_id"])
    assert [m["sender"] for m in rasa.received] == [conversation(first["session_id"])] * 2
    new = await (await client.post("/chat", json={"message": "hi", "session_id": None})).json()
    assert conversation(new["session_id"]) != conversation(first["session_id"])


async def assert_unavailable(client, api_headers, assert_openapi):
    for path, headers in [("/chat", {}), ("/api/v1/chat", api_headers)]:
        response = await client.post(
            path, json={"message": "Do you sell my data?"}, headers=headers
        )
        assert response.status == 200
        body = await response.json()
        assert_openapi("/api/v1/chat", "post", 200, body)
        assert body["topic"] == "unavailable"
        assert body["notices"] == [COMPANY]
        assert body["sources"] == []
        text = body["messages"][0]["text"]
        assert "not available" in text
        if path == "/chat":  # the widget shows the notice as a named link, not in the text
            assert text.endswith("notice:")
        else:
            assert text.endswith(f"{COMPANY['title']}: {COMPANY['url']}")


async def test_rasa_down_gives_the_unavailable_reply(
    make_client, refused_url, api_headers, assert_openapi
):
    client = await make_client(rasa_url=refused_url)
    await assert_unavailable(client, api_headers, assert_openapi)


async def test_slow_rasa_gives_the_unavailable_reply(
    make_client, rasa, api_headers, assert_openapi
):
    rasa.stall()
    client = await make_client(rasa_timeout=0.2)
    await assert_unavailable(client, api_headers, assert_openapi)


@pytest.mark.parametrize(
    "reply, status",
    [
        ([{"recipient_id": "s", "text": "Sorry, something went wrong."}], 200),  # actions down
        ([{"recipient_id": "s", "custom": {"topic": "policy.no_sale", "notices": []}}], 200),
        ([], 200),
        ({"not": "a list"}, 200),
        ([{"recipient_id": "s", "text": "x"}], 500),
    ],
)
async def test_unusable_rasa_replies_give_the_unavailable_reply(
    client, rasa, reply, status, api_headers, assert_openapi
):
    rasa.reply, rasa.status = reply, status
    await assert_unavailable(client, api_headers, assert_openapi)


async def test_what_visitors_type_is_never_logged(make_client, rasa, refused_url, caplog):
    caplog.set_level(logging.INFO)
    secret = "my passport number is X1234567"
    await (await make_client()).post("/chat", json={"message": secret})
    await (await make_client(rasa_url=refused_url)).post("/chat", json={"message": secret})
    await (await make_client()).post("/chat", json={"message": secret * 100})
    assert "topic=policy.no_sale" in caplog.text
    assert "topic=unavailable" in caplog.text
    assert "X1234567" not in caplog.text
