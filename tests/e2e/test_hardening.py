"""The running stack against a hostile local user and hostile input, over real connections.

Secrets stay off command lines; the action server answers Rasa only and its errors echo
nothing; malformed commands and bad Unicode get a normal reply; and, last, no planted value
reaches a log of the stack or a file under var/.
"""

import json
import stat
from pathlib import Path

import aiohttp
import pytest

from bot.supervised import KEY_VARIABLE
from contract import replies
from evaluation.rest_client import new_sender, send
from orchestration.paths import ROOT
from orchestration.ports import listening_sockets, socket_inodes

EMAIL = "quentin.planted@example.com"
NAME = "Zebediah Plantagenet"
NUMBER = "+44 20 7946 0958"
SURROGATE_MESSAGE = "Xanthippe \ud800 writes"
PLANTED = (EMAIL, NAME, NUMBER, "7946 0958", "Xanthippe")


def action_call(action: str, slots: dict, latest_message: dict) -> dict:
    return {
        "next_action": action,
        "sender_id": "test",
        "version": "3.6.21",
        "tracker": {"sender_id": "test", "slots": slots, "latest_message": latest_message},
        "domain": {},
    }


async def post(url: str, body: bytes | dict, headers: dict | None = None) -> tuple[int, str]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **(headers or {})}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=data, headers=headers) as r,
    ):
        return r.status, await r.text()


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def listening_addresses(pid: int) -> set[str]:
    """The local addresses (hex "IP:port" as in /proc/net/tcp*) process `pid` listens on."""
    held = socket_inodes(pid)
    return {local for inode, local in listening_sockets().items() if inode in held}


def test_every_process_listens_on_the_loopback_address_only(stack):
    loopback = "0100007F:"  # 127.0.0.1, little-endian hex
    listening = {
        child.name: listening_addresses(child.process.pid) for child in stack.supervisor.children
    }
    assert set(listening) >= {"rasa", "actions", "frontdoor"}
    assert all(listening.values()), listening  # each one listens somewhere
    assert {
        name: addresses
        for name, addresses in listening.items()
        if any(not a.startswith(loopback) for a in addresses)
    } == {}


def test_no_secret_is_on_any_command_line(stack):
    secrets = [stack.rasa_token.encode(), stack.actions_secret.encode()]
    for child in stack.supervisor.children:  # the key of each start, in its environment only
        environ = Path(f"/proc/{child.process.pid}/environ").read_bytes().split(b"\0")
        (key,) = [v.split(b"=", 1)[1] for v in environ if v.startswith(f"{KEY_VARIABLE}=".encode())]
        secrets.append(key)
    command_lines = {}
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command_lines[cmdline.parent.name] = cmdline.read_bytes()
        except OSError:  # the process has exited
            continue
    assert any(b"bot.rasa_server" in line for line in command_lines.values())
    assert [pid for pid, line in command_lines.items() if any(s in line for s in secrets)] == []


async def test_the_rasa_api_still_needs_its_token(stack):
    url = f"{stack.rasa_url}/conversations/{new_sender('test')}/tracker"
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            assert response.status == 401
        async with session.get(url, params={"token": stack.rasa_token}) as response:
            assert response.status == 200


async def test_the_action_server_refuses_calls_without_the_secret(stack):
    call = action_call("action_answer", {}, {"intent": {"name": "ask_data_sale"}, "entities": []})
    for headers in ({}, bearer("wrong"), bearer(stack.actions_secret + "x"), {"Authorization": ""}):
        status, body = await post(f"{stack.actions_url}/webhook", call, headers)
        assert (status, json.loads(body)["error"]["code"]) == (401, "unauthorized")
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{stack.actions_url}/actions") as response:
            assert response.status == 401
        async with session.get(f"{stack.actions_url}/health") as response:
            assert response.status == 200


async def test_the_action_server_answers_with_the_secret(stack):
    call = action_call("action_answer", {}, {"intent": {"name": "ask_data_sale"}, "entities": []})
    status, body = await post(f"{stack.actions_url}/webhook", call, bearer(stack.actions_secret))
    assert status == 200
    assert json.loads(body)["responses"][0]["custom"]["topic"] == "policy.no_sale"
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{stack.actions_url}/actions", headers=bearer(stack.actions_secret)) as r,
    ):
        assert {"name": "action_answer"} in await r.json()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (  # slots of the wrong type make the action fail
            action_call(
                "action_answer",
                {"service": [EMAIL], "misses": NAME},
                {"intent": {"name": "ask_notice"}, "entities": f"{NAME} {NUMBER}"},
            ),
            500,
            "server_error",
        ),
        (action_call(f"action_{NAME}_{EMAIL}", {}, {}), 404, "not_found"),
        (f'{{"next_action": "{EMAIL}", {NAME}'.encode(), 400, "bad_request"),
    ],
)
async def test_forged_action_calls_get_an_error_that_echoes_nothing(stack, body, status, code):
    got, text = await post(f"{stack.actions_url}/webhook", body, bearer(stack.actions_secret))
    assert got == status
    assert json.loads(text)["error"]["code"] == code
    assert [value for value in PLANTED if value in text] == []


@pytest.mark.parametrize(
    "text",
    [
        f'/ask_notice{{"service": {EMAIL}',
        "/unknown_intent",
        "/restart{",
        "/restart",
        f'/inform_service{{"service": "\\ud800 {NAME}"}}',
        "\ud800",
        "\x00",
        SURROGATE_MESSAGE,
        f"\x00\x07\x1b[2J\udfff{NAME} calls {NUMBER}\ud800\r\n\t\u202e\ufeff",
    ],
)
async def test_malformed_commands_and_bad_unicode_get_a_normal_reply(stack, text):
    async with aiohttp.ClientSession() as session:
        reply = await send(session, stack.webhook, new_sender(f"test-{NAME}"), text)
    assert reply.error is None
    assert replies.payload(reply.messages) is not None
    assert any(message.get("text", "").strip() for message in reply.messages)


def test_logs_and_var_are_readable_by_their_user_only(stack):
    assert stat.S_IMODE(stack.logs.stat().st_mode) == 0o700
    for log in stack.logs.glob("*.log"):
        assert stat.S_IMODE(log.stat().st_mode) == 0o600, log.name


def test_the_default_knowledge_base_is_readable_by_its_user_only(monkeypatch):
    from knowledge.settings import DEFAULT_DATABASE_PATH, database_url

    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url().endswith(str(DEFAULT_DATABASE_PATH))
    assert stat.S_IMODE(DEFAULT_DATABASE_PATH.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(DEFAULT_DATABASE_PATH.stat().st_mode) == 0o600


def test_no_planted_value_reaches_a_log_or_var(stack):
    """Last: after every hostile request above, in the stack's logs and every file of var/."""
    files = [*stack.logs.glob("*.log"), *(ROOT / "var").rglob("*")]
    leaks = [
        (path.name, value)
        for path in files
        if path.is_file()
        for value in PLANTED
        if value.encode() in path.read_bytes()
    ]
    assert leaks == []
