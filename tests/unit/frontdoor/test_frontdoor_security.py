"""Bearer tokens, exact-match CORS and security headers."""

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="session")

ALLOWED = "https://www.internationalsos.com"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer wrong",
        "Basic app-token-for-the-front-door-tests",
        "Bearer ",
        "app-token-for-the-front-door-tests",
        "Bearer é",
        "Bearer app-token-for-the-front-door-testsé",
        "Bearer \ud800",
        "bearer  app-token-for-the-front-door-tests  x",
    ],
)
async def test_the_api_needs_an_app_token(client, rasa, authorization, assert_openapi):
    headers = {"Authorization": authorization} if authorization else {}
    response = await client.post("/api/v1/chat", json={"message": "hi"}, headers=headers)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    body = await response.json()
    assert_openapi("/api/v1/chat", "post", 401, body)
    assert body["error"]["code"] == "unauthorized"
    assert rasa.received == []


async def test_every_configured_app_token_works_and_no_other(client, agent_headers):
    second = {"Authorization": "Bearer second-app-token-for-the-front-door"}
    assert (await client.post("/api/v1/chat", json={"message": "hi"}, headers=second)).status == 200
    agent = await client.post("/api/v1/chat", json={"message": "hi"}, headers=agent_headers)
    assert agent.status == 401


async def test_without_configured_tokens_the_api_is_locked(make_client):
    client = await make_client(app_api_tokens=())
    response = await client.post(
        "/api/v1/chat", json={"message": "hi"}, headers={"Authorization": "Bearer "}
    )
    assert response.status == 401


async def test_an_allowed_origin_is_echoed_never_a_wildcard(client):
    response = await client.post("/chat", json={"message": "hi"}, headers={"Origin": ALLOWED})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Vary"] == "Origin"


async def test_an_allowed_origin_gets_a_preflight_answer(client):
    headers = {
        "Origin": ALLOWED,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    response = await client.options("/api/v1/chat", headers=headers)
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://www.internationalsos.com.evil.example",
        "https://evil-www.internationalsos.com",
        "http://www.internationalsos.com",
        "https://www.internationalsos.com/",
        "null",
    ],
)
async def test_other_origins_are_refused(client, rasa, origin, assert_openapi):
    response = await client.post("/chat", json={"message": "hi"}, headers={"Origin": origin})
    assert response.status == 403
    assert "Access-Control-Allow-Origin" not in response.headers
    body = await response.json()
    assert_openapi("/api/v1/chat", "post", 403, body)
    assert body["error"]["code"] == "origin_not_allowed"
    preflight = await client.options(
        "/chat", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status == 403
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert rasa.received == []


async def test_same_origin_requests_pass(client):
    origin = f"http://{client.host}:{client.port}"
    response = await client.post("/chat", json={"message": "hi"}, headers={"Origin": origin})
    assert response.status == 200
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("scheme", ["https", "ftp", "HTTP"])
async def test_the_same_host_with_another_scheme_is_another_origin(client, rasa, scheme):
    origin = f"{scheme}://{client.host}:{client.port}"
    response = await client.post("/chat", json={"message": "hi"}, headers={"Origin": origin})
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "origin_not_allowed"
    assert rasa.received == []


@pytest.mark.parametrize(
    "host",
    ["evil.test:8000", "evil.test", "127.0.0.1.nip.io:8000", "localhost.evil.test", "", "[::2]:80"],
)
async def test_other_hosts_are_refused(client, rasa, host, assert_openapi):
    """DNS rebinding: evil.test resolves to this server, and the page's origin matches it."""
    for method, path in [("GET", "/"), ("POST", "/chat"), ("GET", "/agent/api/knowledge")]:
        headers = {"Host": host, "Origin": f"http://{host}"}
        response = await client.request(method, path, json={"message": "hi"}, headers=headers)
        assert response.status == 400
        body = await response.json()
        assert_openapi("/api/v1/chat", "post", 400, body)
        assert body["error"]["code"] == "host_not_allowed"
    assert rasa.received == []


async def test_allowed_hosts_come_from_the_settings(make_client, rasa):
    client = await make_client(allowed_hosts=("assistant.example.com",))
    ok = {"Host": "assistant.example.com", "Origin": "http://assistant.example.com"}
    assert (await client.post("/chat", json={"message": "hi"}, headers=ok)).status == 200
    assert (await client.get("/", headers={"Host": f"127.0.0.1:{client.port}"})).status == 400


@pytest.mark.parametrize("method, path", [("GET", "/"), ("POST", "/chat"), ("GET", "/nowhere")])
async def test_no_response_names_the_server_software(client, method, path):
    response = await client.request(method, path, json={"message": "hi"})
    assert "Server" not in response.headers


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/", 200),
        ("GET", "/agent", 200),
        ("GET", "/static/widget.js", 200),
        ("GET", "/static/nothing.js", 404),
        ("GET", "/api/v1/openapi.json", 200),
        ("POST", "/chat", 200),
        ("POST", "/api/v1/chat", 401),
        ("GET", "/agent/api/knowledge", 401),
        ("GET", "/nowhere", 404),
        ("GET", "/chat", 405),
    ],
)
async def test_every_response_has_the_security_headers(client, method, path, status):
    response = await client.request(method, path, json={"message": "hi"})
    assert response.status == status
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'self'" in csp
    assert "unsafe" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    if status >= 400:
        assert (await response.json())["error"]["code"] in {
            "unauthorized",
            "not_found",
            "method_not_allowed",
        }


async def test_frame_ancestors_come_from_the_settings(make_client):
    client = await make_client(frame_ancestors=f"'self' {ALLOWED}")
    response = await client.get("/")
    assert response.headers["Content-Security-Policy"].endswith(f"frame-ancestors 'self' {ALLOWED}")
