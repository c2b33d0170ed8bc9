"""Compressed request bodies are refused unread: a gzip bomb costs the front door no memory."""

from __future__ import annotations

import dataclasses
import gzip
import http.client
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from evaluation.processes import rss_mb
from frontdoor.app import create_app
from frontdoor.limits import BODY_LIMIT
from frontdoor.server import serving
from frontdoor.settings import VARIABLES

from .conftest import APP_TOKEN

BOMB = gzip.compress(bytes(16_000_000), compresslevel=9)  # 16 kB that inflate to 16 MB
ROUTES = [("/chat", {}), ("/api/v1/chat", {"Authorization": f"Bearer {APP_TOKEN}"})]


@pytest.fixture
def frontdoor(knowledge_url: str, refused_url: str) -> Iterator[tuple[int, int]]:
    """`python -m frontdoor` on a free port, its Rasa a URL nobody answers: (pid, port)."""
    env = {k: v for k, v in os.environ.items() if k not in set(VARIABLES.values())}
    env.update(
        FRONTDOOR_PORT="0",
        RASA_URL=refused_url,
        ACTIONS_URL=refused_url,
        DATABASE_URL=knowledge_url,
        APP_API_TOKENS=APP_TOKEN,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "frontdoor"], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:  # its log, until it says where it listens
            if served := re.search(r"serving on http://127\.0\.0\.1:([0-9]+)", line):
                break
        else:
            pytest.fail("the front door exited before serving")
        yield process.pid, int(served[1])
    finally:
        process.terminate()
        process.communicate(timeout=10)


def post(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", path, body, {"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_gzip_bombs_do_not_inflate_the_front_door(frontdoor):
    pid, port = frontdoor
    assert len(BOMB) <= BODY_LIMIT
    for path, headers in ROUTES:  # warm up: a plain request and a small compressed one
        assert post(port, path, b'{"message": "hi"}', headers)[0] == 200
        post(
            port, path, gzip.compress(b'{"message": "hi"}'), {**headers, "Content-Encoding": "gzip"}
        )
    before = rss_mb(pid)
    answers = [
        post(port, path, BOMB, {**headers, "Content-Encoding": "gzip"})
        for _ in range(10)
        for path, headers in ROUTES
    ]
    after = rss_mb(pid)
    print(f"front door RSS: {before:.0f} MB before 20 gzip bodies, {after:.0f} MB after")
    assert all(status in {413, 415, 429} for status, _ in answers), answers
    assert {body["error"]["code"] for status, body in answers if status == 415} <= {
        "unsupported_media_type"
    }
    assert after - before < 50, f"{before:.0f} MB -> {after:.0f} MB"
    assert post(port, "/chat", b'{"message": "hi"}', {})[0] == 200


@pytest.fixture
async def served(settings) -> AsyncIterator[str]:
    """The URL of the front door served in this process as `python -m frontdoor` serves it."""
    settings = dataclasses.replace(settings, port=0)
    async with serving(create_app(settings), settings) as (host, port):
        yield f"http://{host}:{port}"


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "GZIP, identity", "x-unknown"])
async def test_encoded_bodies_are_refused(served, rasa, api_headers, assert_openapi, encoding):
    async with aiohttp.ClientSession() as session:
        for path, headers in [("/chat", {}), ("/api/v1/chat", api_headers)]:
            response = await session.post(
                served + path,
                data=gzip.compress(b'{"message": "hi"}'),
                headers={
                    **headers,
                    "Content-Type": "application/json",
                    "Content-Encoding": encoding,
                },
            )
            assert response.status == 415
            body = await response.json()
            assert_openapi("/api/v1/chat", "post", 415, body)
            assert body["error"]["code"] == "unsupported_media_type"
    assert rasa.received == []


@pytest.mark.asyncio(loop_scope="session")
async def test_identity_is_no_encoding(served, rasa):
    async with aiohttp.ClientSession() as session:
        for encoding in ["identity", "Identity"]:
            response = await session.post(
                served + "/chat", json={"message": "hi"}, headers={"Content-Encoding": encoding}
            )
            assert response.status == 200
    assert len(rasa.received) == 2
