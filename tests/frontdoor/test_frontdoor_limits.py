"""Size limits, malformed requests and the per-client rate limit."""

import json

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def post_error(client, headers, assert_openapi, status, code, **kwargs):
    response = await client.post("/api/v1/chat", headers=headers, **kwargs)
    assert response.status == status
    body = await response.json()
    assert_openapi("/api/v1/chat", "post", status, body)
    assert body["error"]["code"] == code
    return body


async def test_1000_characters_pass_1001_are_refused(client, rasa, api_headers, assert_openapi):
    ok = await client.post("/api/v1/chat", json={"message": "é" * 1000}, headers=api_headers)
    assert ok.status == 200
    body = await post_error(
        client, api_headers, assert_openapi, 400, "message_too_long", json={"message": "é" * 1001}
    )
    assert "1000 characters" in body["error"]["message"]
    assert len(rasa.received) == 1


async def test_a_50_kb_body_is_refused_before_rasa(client, rasa, api_headers, assert_openapi):
    data = json.dumps({"message": "a" * 50_000})
    headers = {**api_headers, "Content-Type": "application/json"}
    await post_error(client, headers, assert_openapi, 413, "payload_too_large", data=data)
    assert rasa.received == []


@pytest.mark.parametrize("message", ["", "   ", "\n\t "])
async def test_empty_messages_get_a_friendly_prompt(
    client, rasa, message, api_headers, assert_openapi
):
    body = await post_error(
        client, api_headers, assert_openapi, 400, "empty_message", json={"message": message}
    )
    assert "Please type a question" in body["error"]["message"]
    assert rasa.received == []


@pytest.mark.parametrize("data", ["not json", "{", b"\xff\xfe{}", "", "[" * 8000 + "]" * 8000])
async def test_non_json_bodies_are_refused(client, rasa, data, api_headers, assert_openapi):
    await post_error(client, api_headers, assert_openapi, 400, "invalid_json", data=data)
    assert rasa.received == []


@pytest.mark.parametrize(
    "body",
    [
        [],
        "hi",
        42,
        None,
        {},
        {"message": 42},
        {"message": ["hi"]},
        {"message": "hi", "session_id": 7},
    ],
)
async def test_wrong_types_are_refused(client, rasa, body, api_headers, assert_openapi):
    data = json.dumps(body)
    await post_error(client, api_headers, assert_openapi, 400, "invalid_request", data=data)
    assert rasa.received == []


async def test_each_client_is_rate_limited(make_client, rasa, assert_openapi):
    client = await make_client(rate_limit_burst=3, rate_limit_per_minute=1)
    statuses = [(await client.post("/chat", json={"message": "hi"})).status for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = await client.post("/chat", json={"message": "hi"})
    assert response.status == 429
    assert int(response.headers["Retry-After"]) >= 1
    body = await response.json()
    assert_openapi("/api/v1/chat", "post", 429, body)
    assert body["error"]["code"] == "rate_limited"
    assert len(rasa.received) == 3
    assert (await client.get("/")).status == 200
