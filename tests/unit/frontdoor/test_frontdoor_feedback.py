"""POST /feedback and /api/v1/feedback: a vote on the latest answer of a conversation, once."""

import time

import pytest

from frontdoor.sessions import SESSIONS, SessionIds

pytestmark = pytest.mark.asyncio(loop_scope="session")

SECRET = b"session secret for the feedback tests"
PATHS = ["/feedback", "/api/v1/feedback"]


@pytest.fixture
async def feedback_client(make_client, own_database):
    return await make_client(database_url=own_database, session_secret=SECRET)


async def chat(client, message="do you sell my data?", session_id=None) -> dict:
    body = {"message": message} | ({"session_id": session_id} if session_id else {})
    response = await client.post("/chat", json=body)
    assert response.status == 200
    return await response.json()


async def vote(client, session_id, helpful=True, path="/api/v1/feedback", headers=None):
    body = {"session_id": session_id, "helpful": helpful}
    response = await client.post(path, json=body, headers=headers or {})
    return response.status, await response.json()


async def votes(client, headers) -> dict[str, tuple[int, int]]:
    """(helpful, not helpful) per topic, from the insights of the last 7 days."""
    response = await client.get("/agent/api/insights", headers=headers)
    rows = (await response.json())["topics"]
    return {r["topic"]: (r["helpful"], r["not_helpful"]) for r in rows}


@pytest.mark.parametrize("path", PATHS)
async def test_a_vote_counts_for_the_topic_of_the_latest_answer(
    feedback_client, rasa, api_headers, agent_headers, assert_openapi, path
):
    helpful = await chat(feedback_client)
    not_helpful = await chat(feedback_client)
    status, body = await vote(feedback_client, helpful["session_id"], True, path, api_headers)
    assert (status, body) == (200, {"topic": "policy.no_sale", "helpful": True})
    assert_openapi("/api/v1/feedback", "post", 200, body)
    status, body = await vote(feedback_client, not_helpful["session_id"], False, path, api_headers)
    assert (status, body) == (200, {"topic": "policy.no_sale", "helpful": False})
    assert (await votes(feedback_client, agent_headers))["policy.no_sale"] == (1, 1)


async def test_one_vote_per_answer_whatever_the_route_or_the_vote(
    feedback_client, rasa, api_headers, agent_headers, assert_openapi
):
    session_id = (await chat(feedback_client))["session_id"]
    assert (await vote(feedback_client, session_id, True, "/feedback"))[0] == 200
    for helpful, path in [(True, "/feedback"), (False, "/api/v1/feedback")]:
        status, body = await vote(feedback_client, session_id, helpful, path, api_headers)
        assert (status, body["error"]["code"]) == (409, "already_rated")
        assert_openapi("/api/v1/feedback", "post", 409, body)
    next_answer = await chat(feedback_client, "and for MedAire?", session_id)
    assert (await vote(feedback_client, next_answer["session_id"], False, "/feedback"))[0] == 200
    assert (await votes(feedback_client, agent_headers))["policy.no_sale"] == (1, 1)


async def test_a_reply_that_is_no_answer_leaves_the_latest_answer_to_rate(feedback_client, rasa):
    session_id = (await chat(feedback_client))["session_id"]
    rasa.reply = rasa.CLARIFY
    clarified = await chat(feedback_client, "and tracker?", session_id)
    assert clarified["sources"] == []
    status, body = await vote(feedback_client, clarified["session_id"], path="/feedback")
    assert (status, body["topic"]) == (200, "policy.no_sale")


async def test_no_answer_to_rate(feedback_client, rasa, api_headers, assert_openapi):
    rasa.reply = rasa.CLARIFY
    clarified = (await chat(feedback_client, "tracker?"))["session_id"]
    unknown_here = SessionIds(SECRET).issue("c" * 24)  # signed and fresh, never answered here
    for session_id in [clarified, unknown_here]:
        status, body = await vote(feedback_client, session_id, headers=api_headers)
        assert (status, body["error"]["code"]) == (404, "nothing_to_rate")
        assert_openapi("/api/v1/feedback", "post", 404, body)


async def test_the_unavailable_reply_is_no_answer_to_rate(make_client, own_database, refused_url):
    client = await make_client(database_url=own_database, rasa_url=refused_url)
    reply = await chat(client)
    assert reply["topic"] == "unavailable"
    status, body = await vote(client, reply["session_id"], path="/feedback")
    assert (status, body["error"]["code"]) == (404, "nothing_to_rate")


def issued_minutes_ago(minutes: float) -> str:
    return SessionIds(SECRET, clock=lambda: time.time() - minutes * 60).issue("d" * 24)


@pytest.mark.parametrize(
    "make_session_id, code",
    [
        (lambda: "alice", "invalid_session"),
        (lambda: SessionIds(b"another secret").issue("c" * 24), "invalid_session"),
        (lambda: issued_minutes_ago(31), "session_expired"),
    ],
    ids=["not-signed", "signed-elsewhere", "expired"],  # stable: parallel workers must agree
)
async def test_a_forged_or_expired_session_is_refused(
    feedback_client, api_headers, assert_openapi, make_session_id, code
):
    session_id = make_session_id()
    for path in PATHS:
        status, body = await vote(feedback_client, session_id, True, path, api_headers)
        assert (status, body["error"]["code"]) == (400, code)
        assert_openapi("/api/v1/feedback", "post", 400, body)


async def test_an_older_session_id_of_the_conversation_is_refused(
    feedback_client, rasa, api_headers, assert_openapi
):
    now = [time.time()]
    feedback_client.server.app[SESSIONS].clock = lambda: now[0]
    first = (await chat(feedback_client))["session_id"]
    now[0] += 1
    await chat(feedback_client, "and for MedAire?", first)
    status, body = await vote(feedback_client, first, headers=api_headers)
    assert (status, body["error"]["code"]) == (400, "session_superseded")
    assert_openapi("/api/v1/feedback", "post", 400, body)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"helpful": True},
        {"session_id": None, "helpful": True},
        {"session_id": 7, "helpful": True},
        {"session_id": "x"},
        {"session_id": "x", "helpful": "yes"},
        {"session_id": "x", "helpful": 1},
        {"session_id": "x", "helpful": None},
        [],
    ],
)
async def test_malformed_votes_are_refused(feedback_client, api_headers, assert_openapi, body):
    for path in PATHS:
        response = await feedback_client.post(path, json=body, headers=api_headers)
        answer = await response.json()
        assert (response.status, answer["error"]["code"]) == (400, "invalid_request")
        assert_openapi("/api/v1/feedback", "post", 400, answer)
    response = await feedback_client.post("/api/v1/feedback", data="{", headers=api_headers)
    assert (response.status, (await response.json())["error"]["code"]) == (400, "invalid_json")


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong", "Bearer agent-token-for-the-front-door-tests"]
)
async def test_the_app_route_needs_an_app_token(feedback_client, assert_openapi, authorization):
    session_id = (await chat(feedback_client))["session_id"]
    headers = {"Authorization": authorization} if authorization else {}
    status, body = await vote(feedback_client, session_id, headers=headers)
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    assert_openapi("/api/v1/feedback", "post", 401, body)
    assert (await vote(feedback_client, session_id, path="/feedback"))[0] == 200  # not rated


async def test_votes_are_rate_limited_with_the_chat(
    make_client, own_database, api_headers, assert_openapi
):
    client = await make_client(
        database_url=own_database, rate_limit_burst=3, rate_limit_per_minute=1
    )
    session_id = (await chat(client))["session_id"]
    assert (await vote(client, session_id, path="/feedback"))[0] == 200
    assert (await vote(client, session_id, headers=api_headers))[0] == 409
    status, body = await vote(client, session_id, path="/feedback")
    assert (status, body["error"]["code"]) == (429, "rate_limited")
    assert_openapi("/api/v1/feedback", "post", 429, body)
