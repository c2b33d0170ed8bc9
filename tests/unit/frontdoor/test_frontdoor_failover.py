"""Several Rasa instances: conversations spread by id; a message whose instance fails (refused,
reset, late) sent to the next one once, with the same message id."""

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from frontdoor.rasa_client import RASA, RasaClient
from frontdoor.settings import Settings

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def second(start_rasa):
    """Another stand-in Rasa, like the `rasa` fixture's."""
    return await start_rasa()


@pytest.fixture
async def resetting():
    """A Rasa that reads each request, then drops the connection without answering."""
    received = []

    async def webhook(request: web.Request) -> web.Response:
        received.append(await request.json())
        request.transport.abort()
        await asyncio.sleep(1)
        return web.json_response([])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    server = TestServer(app)
    await server.start_server()
    yield str(server.make_url("")).rstrip("/"), received
    await server.close()


async def conversation(client, headers, *messages) -> list[dict]:
    replies, session_id = [], None
    for message in messages:
        body = {"message": message, **({"session_id": session_id} if session_id else {})}
        response = await client.post("/api/v1/chat", json=body, headers=headers)
        assert response.status == 200
        replies.append(await response.json())
        session_id = replies[-1]["session_id"]
    return replies


def senders(fake) -> list[str]:
    return [body["sender"] for body in fake.received]


async def test_conversations_are_spread_and_each_stays_on_its_instance(
    make_client, rasa, second, api_headers
):
    client = await make_client(rasa_url=f"{rasa.url},{second.url}")
    for _ in range(40):
        await conversation(client, api_headers, "do you sell my data?", "and for MedAire?")
    assert len(rasa.received) + len(second.received) == 80
    assert min(len(rasa.received), len(second.received)) >= 16  # P(fewer) < 1e-4
    for fake in (rasa, second):
        assert all(senders(fake).count(sender) == 2 for sender in senders(fake))


async def test_a_refused_connection_goes_to_the_next_instance_once(
    make_client, rasa, refused_url, api_headers
):
    client = await make_client(rasa_url=f"{refused_url},{rasa.url}")
    for _ in range(10):
        replies = await conversation(client, api_headers, "do you sell my data?")
        assert replies[0]["topic"] == "policy.no_sale"
    assert len(rasa.received) == len(set(senders(rasa))) == 10


async def test_when_every_instance_refuses_the_reply_is_the_friendly_one(
    make_client, refused_url, api_headers
):
    client = await make_client(rasa_url=f"{refused_url},{refused_url}")
    replies = await conversation(client, api_headers, "do you sell my data?")
    assert replies[0]["topic"] == "unavailable"


def message_ids(bodies: list[dict]) -> set[str]:
    return {body["metadata"]["message_id"] for body in bodies}


async def test_a_timeout_after_sending_goes_to_the_next_instance_with_the_same_id(
    make_client, rasa, second, api_headers, monkeypatch
):
    """Rasa answers a message id it already holds with its stored replies
    (bot/answered_once.py, tests/e2e/test_rest_channel.py), so resending is safe. Every
    conversation goes to the first instance first, which answers nothing, so that its messages
    alone reach the timeout (3 s, RASA_TIMEOUT's default; none is answered early by the second
    instance, which a busy machine could make late too); the conversations go at once, so the
    test waits it out once. The resends' time limit is only a bound."""
    rasa.stall()
    client = await make_client(
        rasa_url=f"{rasa.url},{second.url}", rasa_timeout=3.0, failover_timeout=60.0
    )
    monkeypatch.setattr(client.server.app[RASA], "instances", lambda key: [rasa.url, second.url])
    asked = [conversation(client, api_headers, "do you sell my data?") for _ in range(16)]
    topics = [replies[0]["topic"] for replies in await asyncio.gather(*asked)]
    assert topics == ["policy.no_sale"] * 16
    assert rasa.received and message_ids(rasa.received) <= message_ids(second.received)
    assert len(message_ids(second.received)) == len(second.received) == 16


async def test_a_reset_after_sending_goes_to_the_next_instance_with_the_same_id(
    make_client, resetting, second, api_headers
):
    url, received = resetting
    client = await make_client(rasa_url=f"{url},{second.url}")
    topics = [
        (await conversation(client, api_headers, "do you sell my data?"))[0]["topic"]
        for _ in range(16)
    ]
    assert topics == ["policy.no_sale"] * 16
    assert received and message_ids(received) <= message_ids(second.received)


async def test_when_both_instances_fail_the_reply_is_the_friendly_one(
    make_client, resetting, api_headers
):
    url, received = resetting
    client = await make_client(rasa_url=f"{url},{url}")
    replies = await conversation(client, api_headers, "do you sell my data?")
    assert replies[0]["topic"] == "unavailable"
    assert len(received) == 2 and len(message_ids(received)) == 1


async def test_the_failover_instance_is_the_next_one():
    client = RasaClient(None, ["http://a", "http://b", "http://c"], "token")
    orders = {tuple(client.instances(f"conversation-{n}")) for n in range(60)}
    assert orders == {("http://a", "http://b"), ("http://b", "http://c"), ("http://c", "http://a")}
    assert RasaClient(None, ["http://a"], "token").instances("x") == ["http://a"]


async def test_the_instances_come_from_comma_separated_urls():
    settings = Settings.from_env(
        {"RASA_URL": "http://10.0.0.5:5005, http://10.0.0.6:5005", "ACTIONS_URL": "http://a:5055"}
    )
    assert settings.rasa_urls == ("http://10.0.0.5:5005", "http://10.0.0.6:5005")
    assert (settings.actions_urls, settings.rasa_timeout) == (("http://a:5055",), 3.0)
    with pytest.raises(ValueError, match="RASA_URL"):
        Settings(rasa_url=" , ")
