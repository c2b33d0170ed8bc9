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


async def test_a_body_of_exactly_16_kb_passes_one_byte_more_is_refused(
    client, rasa, api_headers, assert_openapi
):
    headers = {**api_headers, "Content-Type": "application/json"}

    def body(size: int) -> bytes:
        start, end = b'{"message": "do you sell my data?"', b"}"
        return start + b" " * (size - len(start) - len(end)) + end

    ok = await client.post("/api/v1/chat", data=body(16 * 1024), headers=headers)
    assert ok.status == 200
    await post_error(
        client, headers, assert_openapi, 413, "payload_too_large", data=body(16 * 1024 + 1)
    )
    assert len(rasa.received) == 1


async def test_a_50_kb_body_is_refused_before_rasa(client, rasa, api_headers, assert_openapi):
    data = json.dumps({"message": "a" * 50_000})
    headers = {**api_headers, "Content-Type": "application/json"}
    body = await post_error(client, headers, assert_openapi, 413, "payload_too_large", data=data)
    assert body["error"]["message"] == "The request is too large: at most 16 kB."
    assert rasa.received == []


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=bogus",
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
        "application/json; charset*=utf-8''x",
        "application/json; charset=",
    ],
)
async def test_bodies_in_another_charset_are_refused(
    client, rasa, api_headers, assert_openapi, content_type
):
    headers = {**api_headers, "Content-Type": content_type}
    data = b'{"message": "hi"}'
    await post_error(client, headers, assert_openapi, 415, "unsupported_media_type", data=data)
    assert rasa.received == []


@pytest.mark.parametrize("charset", ["", "; charset=utf-8", "; charset=UTF8", '; charset="utf-8"'])
async def test_utf8_bodies_pass(client, api_headers, charset):
    headers = {**api_headers, "Content-Type": f"application/json{charset}"}
    response = await client.post("/api/v1/chat", data='{"message": "h\u00e9"}', headers=headers)
    assert response.status == 200


@pytest.mark.parametrize("message", ["", "   ", "\n\t "])
async def test_empty_messages_get_a_friendly_prompt(
    client, rasa, message, api_headers, assert_openapi
):
    body = await post_error(
        client, api_headers, assert_openapi, 400, "empty_message", json={"message": message}
    )
    assert "Please type a question" in body["error"]["message"]
    assert rasa.received == []


@pytest.mark.parametrize(
    "data", ["not json", "{", b"\xff\xfe{}", "", "[" * 8000 + "]" * 8000, b'{"message": "\xe9"}']
)
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
        {"message": "\ud800 lone surrogate"},
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
    assert (await client.get("/")).status == 200  # pages have a bucket of their own


async def test_agent_token_guesses_are_rate_limited(make_client, agent_headers, assert_openapi):
    client = await make_client(rate_limit_burst=3, rate_limit_per_minute=1)
    statuses = []
    for guess in range(5):
        headers = {"Authorization": f"Bearer guess-{guess}"}
        statuses.append((await client.get("/agent/api/unanswered", headers=headers)).status)
    assert statuses == [401, 401, 401, 429, 429]
    response = await client.get("/agent/api/knowledge", headers=agent_headers)
    assert response.status == 429
    body = await response.json()
    assert_openapi("/api/v1/chat", "post", 429, body)
    assert body["error"]["code"] == "rate_limited"


async def test_pages_are_rate_limited(make_client):
    client = await make_client(page_rate_limit_burst=4, page_rate_limit_per_minute=1)
    statuses = [(await client.get(path)).status for path in ["/", "/static/widget.js"] * 3]
    assert statuses == [200, 200, 200, 200, 429, 429]
    assert (await client.post("/chat", json={"message": "hi"})).status == 200


async def statuses_from(client, addresses: list[str]) -> list[int]:
    statuses = []
    for address in addresses:
        headers = {"X-Forwarded-For": address}
        response = await client.post("/chat", json={"message": "hi"}, headers=headers)
        statuses.append(response.status)
    return statuses


async def test_the_client_address_comes_from_trusted_proxies_only(make_client):
    clients = ["203.0.113.1", "203.0.113.2", "203.0.113.1"]
    behind = await make_client(rate_limit_burst=1, trusted_proxies=("127.0.0.1",))
    assert await statuses_from(behind, clients) == [200, 200, 429]
    chained = await make_client(rate_limit_burst=1, trusted_proxies=("127.0.0.0/8", "10.0.0.0/8"))
    assert await statuses_from(chained, ["198.51.100.7, 10.1.2.3", "198.51.100.7"]) == [200, 429]
    for settings in [{}, {"trusted_proxies": ("10.0.0.0/8",)}]:  # not from this peer: ignored
        direct = await make_client(rate_limit_burst=1, **settings)
        assert await statuses_from(direct, clients) == [200, 429, 429]


async def test_a_trusted_proxy_tells_the_scheme_and_host(make_client, rasa):
    client = await make_client(
        trusted_proxies=("127.0.0.1",), allowed_hosts=("assistant.example.com",)
    )
    forwarded = {
        "X-Forwarded-For": "203.0.113.1",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "assistant.example.com",
        "Origin": "https://assistant.example.com",
    }
    response = await client.post("/chat", json={"message": "hi"}, headers=forwarded)
    assert response.status == 200
    for changed in [{"X-Forwarded-Host": "evil.test"}, {"X-Forwarded-For": "not an address"}]:
        response = await client.post(
            "/chat", json={"message": "hi"}, headers={**forwarded, **changed}
        )
        assert response.status == 400
        assert (await response.json())["error"]["code"] in {"host_not_allowed", "invalid_request"}
