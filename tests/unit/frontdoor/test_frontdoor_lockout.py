"""Clients that send wrong bearer tokens again and again are locked out of the token routes,
per IPv4 address or IPv6 /64 network, even with the right token, for 15 minutes."""

import pytest

from frontdoor.security import LOCKOUT

pytestmark = pytest.mark.asyncio(loop_scope="session")

LOCKED_S = 15 * 60
WRONG = {"Authorization": "Bearer a-wrong-token-guessed-by-someone-else"}


@pytest.fixture
async def proxied(make_client):
    """A client of the app behind a trusted proxy, so that X-Forwarded-For sets the client;
    and its lockout's clock, which the test moves."""
    client = await make_client(trusted_proxies=("127.0.0.1",))
    now = [1000.0]
    client.server.app[LOCKOUT].clock = lambda: now[0]
    return client, now


async def chat(client, address: str, headers: dict) -> tuple[int, dict, dict]:
    response = await client.post(
        "/api/v1/chat",
        json={"message": "hi"},
        headers={**headers, "X-Forwarded-For": address},
    )
    return response.status, dict(response.headers), await response.json()


async def fail(client, addresses: list[str]) -> None:
    for address in addresses:
        assert (await chat(client, address, WRONG))[0] == 401


async def test_ten_failures_lock_an_address_out_for_15_minutes_even_with_the_right_token(
    proxied, api_headers, agent_headers, rasa, assert_openapi
):
    client, now = proxied
    await fail(client, ["203.0.113.7"] * 10)
    status, headers, body = await chat(client, "203.0.113.7", api_headers)
    assert status == 429
    assert headers["Retry-After"] == str(LOCKED_S)
    assert_openapi("/api/v1/chat", "post", 429, body)
    assert body["error"]["code"] == "locked_out"
    for path in ["/api/v1/answers/retention", "/agent/api/knowledge"]:
        response = await client.get(
            path, headers={**agent_headers, "X-Forwarded-For": "::ffff:203.0.113.7"}
        )
        assert response.status == 429
    assert (await chat(client, "203.0.113.8", api_headers))[0] == 200  # another address
    now[0] += LOCKED_S - 1
    status, headers, _ = await chat(client, "203.0.113.7", api_headers)
    assert (status, headers["Retry-After"]) == (429, "1")
    now[0] += 1
    assert (await chat(client, "203.0.113.7", api_headers))[0] == 200
    assert len(rasa.received) == 2
    forwarded = {"X-Forwarded-For": "203.0.113.9"}  # the widget's routes need no token
    assert (await client.post("/chat", json={"message": "hi"}, headers=forwarded)).status == 200


async def test_failures_count_within_15_minutes_only(proxied, api_headers):
    client, now = proxied
    await fail(client, ["198.51.100.1"] * 9)
    now[0] += LOCKED_S
    await fail(client, ["198.51.100.1"] * 9)
    assert (await chat(client, "198.51.100.1", api_headers))[0] == 200
    await fail(client, ["198.51.100.1"])
    assert (await chat(client, "198.51.100.1", api_headers))[0] == 429


async def test_an_ipv6_64_network_is_locked_out_as_one_client(proxied, api_headers):
    client, _ = proxied
    await fail(client, [f"2001:db8:1:2::{n:x}" for n in range(1, 6)])
    await fail(client, [f"2001:db8:1:2:{n:x}::1" for n in range(1, 6)])
    assert (await chat(client, "2001:db8:1:2:ffff:ffff:ffff:ffff", api_headers))[0] == 429
    assert (await chat(client, "2001:db8:1:3::1", api_headers))[0] == 200
    assert (await chat(client, "2001:db8:1:1:ffff::1", api_headers))[0] == 200


async def test_requests_without_a_token_are_no_failures(proxied, api_headers):
    client, _ = proxied
    for _ in range(12):
        assert (await chat(client, "192.0.2.1", {}))[0] == 401
    assert (await chat(client, "192.0.2.1", api_headers))[0] == 200
