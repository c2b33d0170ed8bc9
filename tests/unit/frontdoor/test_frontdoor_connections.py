"""The served front door over raw sockets: header, body and idle deadlines, the cap on open
connections per client, and JSON errors for requests aiohttp cannot parse.

A test about a deadline sets it to SHORT and leaves the others LONG, longer than any wait
(WAIT): whatever closes its connection within WAIT is the deadline under test, however slow
the machine. A deadline never ends early, so the time it took is checked from below only."""

import asyncio
import contextlib
import dataclasses
import json
import re
import time

import pytest

from frontdoor.app import create_app
from frontdoor.server import serving

pytestmark = pytest.mark.asyncio(loop_scope="session")

SHORT = 0.5  # the deadline under test
LONG = 60.0  # the deadlines a test is not about
WAIT = 20.0  # the longest a test waits for the server (only a failing one waits that long)
MAX_CONNECTIONS = 3


@pytest.fixture
async def serve(settings):
    """serve(**overrides): the port of the front door served as `python -m frontdoor` serves
    it, with these settings changed; its deadlines are LONG unless overridden."""
    async with contextlib.AsyncExitStack() as servers:

        async def start(**overrides) -> int:
            deadlines = dict.fromkeys(["header_timeout", "body_timeout", "idle_timeout"], LONG)
            changed = dataclasses.replace(
                settings,
                **{"port": 0, "max_connections_per_ip": MAX_CONNECTIONS, **deadlines, **overrides},
            )
            _, port = await servers.enter_async_context(serving(create_app(changed), changed))
            return port

        yield start


@pytest.fixture
async def served(serve) -> int:
    return await serve()


async def connect(port: int):
    return await asyncio.open_connection("127.0.0.1", port)


async def until_closed(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection."""
    return await asyncio.wait_for(reader.read(), WAIT)


def parse(response: bytes) -> tuple[int, dict[str, str], object]:
    head, _, body = response.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    is_json = headers.get("content-type", "").startswith("application/json")
    return int(status_line.split()[1]), headers, json.loads(body) if is_json else body


async def exchange(port: int, request: bytes) -> tuple[int, dict[str, str], object]:
    reader, writer = await connect(port)
    writer.write(request)
    received = await until_closed(reader)
    writer.close()
    return parse(received)


def request(method: str, path: str, headers: str = "", body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{headers}"
    return head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body


async def test_a_connection_that_sends_no_headers_is_closed(serve):
    port = await serve(header_timeout=SHORT)
    started = time.monotonic()  # before the deadline starts, when the server accepts
    reader, writer = await connect(port)
    assert await until_closed(reader) == b""
    assert time.monotonic() - started >= SHORT


async def test_headers_that_stall_are_cut_off(serve):
    """Header lines arriving more often than the deadline do not put it off."""
    port = await serve(header_timeout=SHORT)
    started = time.monotonic()
    reader, writer = await connect(port)
    writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    while time.monotonic() - started < WAIT:  # one more header line every SHORT / 5 s
        await asyncio.sleep(SHORT / 5)
        if reader.at_eof() or writer.is_closing():
            break
        writer.write(b"X-Slow: 1\r\n")
    assert await until_closed(reader) == b""
    assert time.monotonic() - started >= SHORT


async def test_a_body_that_stalls_gets_408(serve, rasa):
    port = await serve(body_timeout=SHORT)
    reader, writer = await connect(port)
    head = "POST /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    started = time.monotonic()
    writer.write(f"{head}Content-Length: 100\r\n\r\n".encode() + b'{"message": "hi')
    status, headers, body = parse(await asyncio.wait_for(reader.readuntil(b"}}"), WAIT))
    assert time.monotonic() - started >= SHORT
    assert status == 408
    assert body["error"]["code"] == "request_timeout"
    assert rasa.received == []
    assert await until_closed(reader) == b""  # after draining the body for BODY_TIMEOUT
    assert time.monotonic() - started >= 2 * SHORT
    writer.close()


async def test_an_idle_kept_alive_connection_is_closed(serve):
    port = await serve(idle_timeout=SHORT)
    reader, writer = await connect(port)
    started = time.monotonic()
    writer.write(b"GET /static/favicon.svg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    response = await asyncio.wait_for(reader.readuntil(b"</svg>"), WAIT)
    assert response.startswith(b"HTTP/1.1 200")
    writer.write(b"GET / HTTP/1.1\r\n")  # the next request never finishes
    assert (await until_closed(reader)).strip() == b""  # the favicon's last newline, then nothing
    assert time.monotonic() - started >= SHORT


async def test_one_client_cannot_keep_more_than_the_maximum_of_connections_open(served):
    connections = [await connect(served) for _ in range(MAX_CONNECTIONS)]
    reader, writer = await connect(served)
    assert await until_closed(reader) == b""  # at once: its deadlines are LONG
    writer.close()
    for open_reader, open_writer in connections:
        assert not open_reader.at_eof()
        open_writer.write_eof()  # the server closes its end once it has counted it closed
        assert await until_closed(open_reader) == b""
        open_writer.close()
    status, _, _ = await exchange(served, request("GET", "/"))
    assert status == 200


async def test_trusted_proxies_are_not_capped(serve):
    port = await serve(max_connections_per_ip=1, trusted_proxies=("127.0.0.0/8",))
    connections = [await connect(port) for _ in range(3)]
    for reader, writer in connections:  # all open at once, and each is answered
        writer.write(request("GET", "/"))
        assert (await until_closed(reader)).startswith(b"HTTP/1.1 200")
        writer.close()


UNPARSABLE = {
    "huge header": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + b"x" * 20_000 + b"\r\n\r\n",
    "huge path": b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "TLS hello": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello\r\n\r\n",
    "no colon": b"GET / HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n",
    "control bytes": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: \x00\x01\r\n\r\n",
    "negative length": b"POST /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n",
    "bad chunk": b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n",
}


@pytest.mark.parametrize("raw", UNPARSABLE.values(), ids=UNPARSABLE.keys())
async def test_requests_aiohttp_cannot_parse_get_the_json_error(served, raw):
    status, headers, body = await exchange(served, raw)
    assert 400 <= status < 500
    assert body["error"]["code"] == "invalid_request"
    assert headers["content-type"].startswith("application/json")
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "server" not in headers


@pytest.mark.parametrize("count", [20_000, 1_000_000])
async def test_too_many_header_lines_get_431(served, count):
    reader, writer = await connect(served)
    answer = asyncio.create_task(until_closed(reader))
    writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    try:
        for _ in range(count // 1000):
            writer.write(b"X-A: b\r\n" * 1000)
            await writer.drain()
    except ConnectionError:
        pass  # the server closed the connection
    status, headers, body = parse(await answer)
    assert status == 431
    assert body["error"]["code"] == "headers_too_large"
    assert "server" not in headers


async def test_kept_alive_requests_may_each_send_headers_and_a_body(served, rasa):
    reader, writer = await connect(served)
    chat = request("POST", "/chat", "Content-Type: application/json\r\n", b'{"message": "hi"}')
    keep_alive = chat.replace(b"Connection: close\r\n", b"X-Pad: " + b"p" * 8000 + b"\r\n")
    for _ in range(12):  # about 100 kB in all, 8 kB per request
        writer.write(keep_alive)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT)
        assert head.startswith(b"HTTP/1.1 200")
        await reader.readexactly(int(re.search(rb"Content-Length: (\d+)", head, re.I)[1]))
    writer.close()


@pytest.mark.parametrize(
    "authorization",
    [
        b"Bearer \xff\xfe",
        b"Bearer app-token-for-the-front-door-tests\xc3",
        b"Bearer \xe2\x80\x8b",
        b"\xc3\xa9",
    ],
    ids=["invalid UTF-8", "token and a stray byte", "zero-width space", "no scheme"],
)
async def test_garbage_authorization_bytes_get_401(served, rasa, authorization):
    raw = request("POST", "/api/v1/chat", body=b'{"message": "hi"}').replace(
        b"Connection: close\r\n", b"Connection: close\r\nAuthorization: " + authorization + b"\r\n"
    )
    status, headers, body = await exchange(served, raw)
    assert status == 401
    assert body["error"]["code"] == "unauthorized"
    assert rasa.received == []


async def test_served_responses_name_no_server(served):
    for raw in (request("GET", "/"), request("GET", "/nowhere"), request("BREW", "/")):
        reader, writer = await connect(served)
        writer.write(raw)
        head = (await until_closed(reader)).partition(b"\r\n\r\n")[0].lower()
        assert b"\r\nserver:" not in head
        assert b"\r\ncontent-security-policy:" in head
