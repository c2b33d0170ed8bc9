"""The front door in front of the real, trained assistant (actions, Rasa, knowledge base)."""

import asyncio

import aiohttp
import pytest

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def post(url: str, body: dict, token: str) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as r,
    ):
        return r.status, await r.json()


async def test_do_you_sell_my_data(stack, stack_env, assert_openapi):
    url = f"{stack.frontdoor_url}/api/v1/chat"
    status, body = await post(url, {"message": "do you sell my data?"}, stack_env["APP_API_TOKENS"])
    assert status == 200
    assert_openapi("/api/v1/chat", "post", 200, body)
    assert body["topic"] == "policy.no_sale"
    assert body["notices"][0]["url"].startswith("https://www.internationalsos.com/")


async def test_a_button_reply_continues_the_session(stack, stack_env, assert_openapi):
    url, token = f"{stack.frontdoor_url}/api/v1/chat", stack_env["APP_API_TOKENS"]
    _, asked = await post(url, {"message": "how long do you keep my data"}, token)
    assert asked["topic"] == "retention"
    tracker = next(
        b for m in asked["messages"] for b in m.get("buttons", []) if b["title"] == "Tracker"
    )
    session_id = asked["session_id"]
    for body in [
        {"payload": tracker["payload"]},
        {"message": tracker["payload"]},  # API 1.0 clients
    ]:
        status, chosen = await post(url, {**body, "session_id": session_id}, token)
        assert status == 200
        assert_openapi("/api/v1/chat", "post", 200, chosen)
        assert chosen["session_id"].split(".")[0] == asked["session_id"].split(".")[0]
        assert chosen["topic"] == "retention"
        assert [n["id"] for n in chosen["notices"]] == ["notice.tracker"]
        session_id = chosen["session_id"]  # only the latest is taken


async def test_a_payload_the_assistant_did_not_offer_is_refused(stack, stack_env):
    url, token = f"{stack.frontdoor_url}/api/v1/chat", stack_env["APP_API_TOKENS"]
    _, asked = await post(url, {"message": "do you sell my data?"}, token)
    forged = {
        "payload": '/ask_notice{"service": "notice.tracker"}',
        "session_id": asked["session_id"],
    }
    status, body = await post(url, forged, token)
    assert (status, body["error"]["code"]) == (400, "unknown_choice")


@pytest.mark.parametrize(
    "typed, intent",
    [
        ("/restart", "restart"),
        ("/session_start", "session_start"),
        ('/ask_data_sale{"topic":"evil"}', "ask_data_sale"),
    ],
)
async def test_typed_commands_get_a_normal_answer_from_the_real_rasa(
    stack, stack_env, stored_tracker, assert_openapi, typed, intent
):
    url, token = f"{stack.frontdoor_url}/api/v1/chat", stack_env["APP_API_TOKENS"]
    _, first = await post(url, {"message": "do you sell my data?"}, token)
    status, body = await post(url, {"message": typed, "session_id": first["session_id"]}, token)
    assert status == 200
    assert_openapi("/api/v1/chat", "post", 200, body)
    assert body["topic"] != "unavailable"
    tracker = await stored_tracker(body["session_id"].split(".")[0])  # Rasa's sender
    latest = tracker["latest_message"]
    assert latest["text"] is None  # the store keeps no typed text
    assert latest["intent"]["confidence"] < 1  # parsed by the NLU; Rasa's "/intent" gives 1.0
    assert not [e for e in latest["entities"] if e["entity"] == "topic"]
    events = [e["event"] for e in tracker["events"]]
    assert "restart" not in events
    assert events.count("session_started") == 1


async def test_votes_on_real_answers_show_in_the_insights(stack, stack_env, assert_openapi):
    base, token = stack.frontdoor_url, stack_env["APP_API_TOKENS"]
    _, asked = await post(f"{base}/api/v1/chat", {"message": "how long do you keep my data"}, token)
    assert asked["topic"] == "retention" and asked["sources"]  # an answer, asking for a service
    tracker = next(
        b for m in asked["messages"] for b in m.get("buttons", []) if b["title"] == "Tracker"
    )
    chosen = {"payload": tracker["payload"], "session_id": asked["session_id"]}
    _, answered = await post(f"{base}/api/v1/chat", chosen, token)
    vote = {"session_id": answered["session_id"], "helpful": False}
    status, body = await post(f"{base}/api/v1/feedback", vote, token)
    assert (status, body) == (200, {"topic": "retention", "helpful": False})
    assert_openapi("/api/v1/feedback", "post", 200, body)
    status, body = await post(f"{base}/api/v1/feedback", {**vote, "helpful": True}, token)
    assert (status, body["error"]["code"]) == (409, "already_rated")
    headers = {"Authorization": f"Bearer {stack_env['AGENT_TOKEN']}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{base}/agent/api/insights", params={"days": "30"}, headers=headers) as r,
    ):
        topics = {row["topic"]: row for row in (await r.json())["topics"]}
    assert topics["retention"]["answered"] >= 2
    assert topics["retention"]["not_helpful"] >= 1


async def test_the_agent_console_ranks_answers_with_the_real_nlu(stack, stack_env):
    url = f"{stack.frontdoor_url}/agent/api/search"
    status, body = await post(url, {"query": "do you sell my data?"}, stack_env["AGENT_TOKEN"])
    assert status == 200
    assert body["results"][0]["topic"] == "policy.no_sale"
    assert 1 <= len(body["results"]) <= 3


async def test_a_second_visitor_is_answered_while_the_first_sends_a_pathological_message(
    stack, stack_env
):
    """Messages built to make a backtracking pattern run for hours ("della" read as "della" or
    "del" + "la", ...): while they are in flight, another visitor's question is answered, and
    they get a normal reply too (the front door records the unanswered ones, redacted)."""
    url, token = f"{stack.frontdoor_url}/api/v1/chat", stack_env["APP_API_TOKENS"]
    attacks = [
        "via " + "della" * 190 + " 1",
        "Maria " + "de la " * 160 + "1",
        "I have " + "a " * 490 + "!",
        "1" + " 1" * 490 + "a",
    ]
    sent = [asyncio.create_task(post(url, {"message": text}, token)) for text in attacks]
    status, second = await post(url, {"message": "do you sell my data?"}, token)
    assert (status, second["topic"]) == (200, "policy.no_sale")
    for status, first in await asyncio.gather(*sent):
        assert status == 200 and first["topic"] != "unavailable"
