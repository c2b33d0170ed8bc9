"""The front door in front of the real, trained assistant (actions, Rasa, knowledge base)."""

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
    body = {"message": tracker["payload"], "session_id": asked["session_id"]}
    status, chosen = await post(url, body, token)
    assert status == 200
    assert_openapi("/api/v1/chat", "post", 200, chosen)
    assert chosen["session_id"] == asked["session_id"]
    assert chosen["topic"] == "retention"
    assert [n["id"] for n in chosen["notices"]] == ["notice.tracker"]


async def test_the_agent_console_ranks_answers_with_the_real_nlu(stack, stack_env):
    url = f"{stack.frontdoor_url}/agent/api/search"
    status, body = await post(url, {"query": "do you sell my data?"}, stack_env["AGENT_TOKEN"])
    assert status == 200
    assert body["results"][0]["topic"] == "policy.no_sale"
    assert 1 <= len(body["results"]) <= 3
