"""Session ids that expire with the conversation, typed text that is never a command, and
button payloads taken back only when this conversation offered them."""

import asyncio
import time

import pytest

from frontdoor.sessions import SESSION_MINUTES, SESSIONS, SessionIds

pytestmark = pytest.mark.asyncio(loop_scope="session")

SECRET = b"session secret for tests"
TRACKER = '/ask_notice{"service": "notice.tracker"}'


async def chat(client, body, path="/chat", headers=None):
    response = await client.post(path, json=body, headers=headers or {})
    return response.status, await response.json()


@pytest.fixture
async def session_client(make_client):
    return await make_client(session_secret=SECRET)


def issued_minutes_ago(minutes: float) -> str:
    return SessionIds(SECRET, clock=lambda: time.time() - minutes * 60).issue("c" * 24)


def tampered(session_id: str) -> str:
    """`session_id` with the first character of its signature changed."""
    head, _, signature = session_id.rpartition(".")
    return f"{head}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


@pytest.mark.parametrize(
    "forged",
    [
        "alice",
        "",
        "a" * 24 + "." + "b" * 22,
        "a" * 24 + ".1767225600." + "b" * 22,
        pytest.param(SessionIds(b"another secret").issue("c" * 24), id="another-secret"),
        pytest.param(tampered(issued_minutes_ago(0)), id="tampered-signature"),
        pytest.param(issued_minutes_ago(0).replace("c" * 24, "d" * 24), id="other-conversation"),
    ],
)
async def test_forged_session_ids_are_refused(session_client, rasa, forged, assert_openapi):
    status, body = await chat(session_client, {"message": "hi", "session_id": forged})
    assert status == 400
    assert_openapi("/api/v1/chat", "post", 400, body)
    assert body["error"]["code"] == "invalid_session"
    assert rasa.received == []


async def test_session_ids_expire_after_30_minutes_without_a_message(
    session_client, rasa, assert_openapi
):
    fresh = issued_minutes_ago(SESSION_MINUTES - 1)
    status, _ = await chat(session_client, {"message": "hi", "session_id": fresh})
    assert status == 200
    expired = issued_minutes_ago(SESSION_MINUTES + 1)
    status, body = await chat(session_client, {"message": "hi", "session_id": expired})
    assert status == 400
    assert_openapi("/api/v1/chat", "post", 400, body)
    assert body["error"]["code"] == "session_expired"
    assert "30 minutes" in body["error"]["message"]
    assert len(rasa.received) == 1


async def test_an_older_session_id_is_refused_once_a_newer_one_is_issued(
    session_client, rasa, api_headers, assert_openapi
):
    now = [time.time()]
    session_client.server.app[SESSIONS].clock = lambda: now[0]
    for path, headers in [("/chat", {}), ("/api/v1/chat", api_headers)]:
        first = (await chat(session_client, {"message": "hi"}, path, headers))[1]["session_id"]
        now[0] += 1
        status, body = await chat(session_client, {"message": "hi", "session_id": first})
        assert status == 200
        latest = body["session_id"]
        now[0] += 1
        status, body = await chat(
            session_client, {"message": "hi", "session_id": first}, path, headers
        )
        assert status == 400
        assert_openapi("/api/v1/chat", "post", 400, body)
        assert body["error"]["code"] == "session_superseded"
        assert "latest" in body["error"]["message"]
        status, body = await chat(session_client, {"message": "hi", "session_id": latest})
        assert status == 200
        assert body["session_id"].split(".")[0] == first.split(".")[0]
    assert len(rasa.received) == 6


async def test_two_messages_with_the_latest_session_id_at_once_are_both_taken(session_client, rasa):
    now = [time.time()]
    session_client.server.app[SESSIONS].clock = lambda: now[0]
    latest = (await chat(session_client, {"message": "hi"}))[1]["session_id"]
    now[0] += 1
    rasa.hold(2)  # neither is answered (nor issued a new id) until both have reached Rasa
    replies = await asyncio.gather(
        *(chat(session_client, {"message": "hi", "session_id": latest}) for _ in range(2))
    )
    assert [(status, body["topic"]) for status, body in replies] == [(200, "policy.no_sale")] * 2
    assert {m["sender"] for m in rasa.received} == {latest.split(".")[0]}


@pytest.mark.parametrize(
    "typed, sent",
    [
        ("/restart", "restart"),
        ("/session_start", "session_start"),
        ('/ask_data_sale{"topic":"evil"}', 'ask_data_sale{"topic":"evil"}'),
        (" / /nlu_fallback", "nlu_fallback"),
        ("\u200b/restart", "restart"),
        ("\uff0frestart", "restart"),
        ("what does /restart do?", "what does /restart do?"),
    ],
)
async def test_typed_text_never_reaches_rasa_as_an_intent(client, rasa, api_headers, typed, sent):
    for path, headers in [("/chat", {}), ("/api/v1/chat", api_headers)]:
        status, body = await chat(client, {"message": typed}, path, headers)
        assert status == 200
        assert body["topic"] == "policy.no_sale"
    assert [m["message"] for m in rasa.received] == [sent, sent]


async def test_a_slash_alone_is_an_empty_message(client, rasa):
    status, body = await chat(client, {"message": " / "})
    assert (status, body["error"]["code"]) == (400, "empty_message")
    assert rasa.received == []


async def offer_clarification(client, rasa) -> str:
    rasa.reply = rasa.CLARIFY
    status, body = await chat(client, {"message": "tracker?"})
    assert status == 200
    rasa.reply = rasa.NO_SALE
    return body["session_id"]


async def test_an_offered_button_payload_is_forwarded(client, rasa, assert_openapi):
    session_id = await offer_clarification(client, rasa)
    status, body = await chat(client, {"session_id": session_id, "payload": TRACKER})
    assert status == 200
    assert_openapi("/api/v1/chat", "post", 200, body)
    sent = {"sender": session_id.split(".")[0], "message": TRACKER}
    assert rasa.received[-1] == {**sent, "metadata": rasa.received[-1]["metadata"]}
    again = {"session_id": body["session_id"], "payload": "/nlu_fallback"}
    assert (await chat(client, again))[0] == 200  # earlier buttons stay valid
    assert rasa.received[-1]["message"] == "/nlu_fallback"


async def test_version_1_0_clients_may_send_an_offered_payload_as_the_message(client, rasa):
    session_id = await offer_clarification(client, rasa)
    status, _ = await chat(client, {"session_id": session_id, "message": f" {TRACKER} "})
    assert status == 200
    assert rasa.received[-1]["message"] == TRACKER


@pytest.mark.parametrize(
    "payload",
    ["/restart", "/session_start", '/ask_data_sale{"topic":"evil"}', TRACKER + " ", "/greet"],
)
async def test_payloads_not_offered_in_this_session_are_refused(
    client, rasa, payload, api_headers, assert_openapi
):
    session_id = await offer_clarification(client, rasa)
    for path, headers in [("/chat", {}), ("/api/v1/chat", api_headers)]:
        status, body = await chat(
            client, {"session_id": session_id, "payload": payload}, path, headers
        )
        assert status == 400
        assert_openapi("/api/v1/chat", "post", 400, body)
        assert body["error"]["code"] == "unknown_choice"
    assert len(rasa.received) == 1


async def test_a_payload_offered_in_another_session_is_refused(client, rasa):
    await offer_clarification(client, rasa)
    other = (await chat(client, {"message": "hello"}))[1]["session_id"]
    status, body = await chat(client, {"session_id": other, "payload": TRACKER})
    assert (status, body["error"]["code"]) == (400, "unknown_choice")
    status, body = await chat(client, {"payload": TRACKER})  # a new session has no buttons
    assert (status, body["error"]["code"]) == (400, "unknown_choice")


@pytest.mark.parametrize(
    "body", [{"payload": 42}, {"payload": None}, {"message": "hi", "payload": TRACKER}]
)
async def test_malformed_choices_are_refused(client, rasa, body):
    status, answer = await chat(client, body)
    assert (status, answer["error"]["code"]) == (400, "invalid_request")
    assert rasa.received == []
