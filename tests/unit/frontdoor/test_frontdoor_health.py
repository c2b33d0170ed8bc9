"""GET /healthz (liveness) and /readyz (Rasa instances, action servers, knowledge base)."""

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.supervised import CHALLENGE_HEADER, KEY_VARIABLE, PROOF_HEADER, proof

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def serve_health(path: str) -> TestServer:
    """A stand-in for a Rasa instance (/webhooks/rest/) or an action server (/health)."""
    app = web.Application()
    app.router.add_get(path, lambda request: web.json_response({"status": "ok"}))
    server = TestServer(app)
    await server.start_server()
    return server


@pytest.fixture
async def up():
    servers = []

    async def start(path: str) -> str:
        servers.append(await serve_health(path))
        return str(servers[-1].make_url("")).rstrip("/")

    yield start
    for server in servers:
        await server.close()


async def test_healthz_says_the_process_is_alive(client):
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_healthz_proves_to_the_supervisor_that_it_started_this_process(
    make_client, monkeypatch
):
    monkeypatch.setenv(KEY_VARIABLE, "the-key-of-this-start")
    client = await make_client(allowed_hosts=("assistant.example.com",))
    challenge = {CHALLENGE_HEADER: "a-fresh-challenge"}
    response = await client.get("/healthz", headers=challenge)
    assert response.status == 400  # a refusal (Host not allowed) proves it too
    assert response.headers[PROOF_HEADER] == proof("the-key-of-this-start", "a-fresh-challenge")
    for path in ("/readyz", "/"):  # the health route only
        assert PROOF_HEADER not in (await client.get(path, headers=challenge)).headers
    assert PROOF_HEADER not in (await client.get("/healthz")).headers  # no challenge
    monkeypatch.delenv(KEY_VARIABLE)  # not started by the supervisor
    assert PROOF_HEADER not in (await client.get("/healthz", headers=challenge)).headers


async def test_readyz_is_ready_when_every_part_answers(make_client, up):
    rasa = [await up("/webhooks/rest/"), await up("/webhooks/rest/")]
    client = await make_client(rasa_url=",".join(rasa), actions_url=await up("/health"))
    response = await client.get("/readyz")
    assert response.status == 200
    assert await response.json() == {
        "status": "ready",
        "rasa": ["up", "up"],
        "actions": ["up"],
        "knowledge": "up",
    }


async def test_readyz_is_degraded_while_one_instance_is_down(make_client, up, refused_url):
    rasa = f"{refused_url},{await up('/webhooks/rest/')}"
    client = await make_client(rasa_url=rasa, actions_url=await up("/health"))
    response = await client.get("/readyz")
    assert response.status == 200
    body = await response.json()
    assert (body["status"], body["rasa"], body["actions"]) == ("degraded", ["down", "up"], ["up"])


async def test_readyz_is_unavailable_without_an_action_server(make_client, up, refused_url):
    client = await make_client(rasa_url=await up("/webhooks/rest/"), actions_url=refused_url)
    response = await client.get("/readyz")
    assert response.status == 503
    body = await response.json()
    assert (body["status"], body["rasa"], body["actions"]) == ("unavailable", ["up"], ["down"])
    assert "127.0.0.1" not in await response.text()  # no internal address


async def test_readyz_is_degraded_without_the_knowledge_base(make_client, up, tmp_path):
    """Answers come from the catalogue read at start: a load balancer keeps sending visitors."""
    from knowledge import load

    url = f"sqlite:///{tmp_path / 'knowledge.sqlite'}"
    load(url)
    client = await make_client(
        rasa_url=await up("/webhooks/rest/"), actions_url=await up("/health"), database_url=url
    )
    (tmp_path / "knowledge.sqlite").unlink()
    response = await client.get("/readyz")
    assert response.status == 200
    assert await response.json() == {
        "status": "degraded",
        "rasa": ["up"],
        "actions": ["up"],
        "knowledge": "down",
    }
