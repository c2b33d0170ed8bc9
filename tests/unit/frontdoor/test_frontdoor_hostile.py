"""Property-based hostile input through both chat routes: whatever arrives, the answer is a
friendly 2xx reply or a clear 4xx error, never a 5xx, and never a command for Rasa."""

import dataclasses
import json

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdoor.app import create_app
from frontdoor.server import serving

pytestmark = pytest.mark.asyncio(loop_scope="session")

EXAMPLES = 300
ROUTES = ["/chat", "/api/v1/chat"]
TRACKER = '/ask_notice{"service": "notice.tracker"}'

markup = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "javascript:alert(1)",
        "{{7*7}}",
        "${jndi:ldap://x}",
        "[link](https://evil.example)",
        "&lt;b&gt;",
    ]
)
sql = st.sampled_from(
    ["' OR 1=1 --", "'; DROP TABLE gaps; --", "1; SELECT * FROM notices", '" OR ""="']
)
slash = st.builds(
    lambda name, entities: f"/{name}{entities}",
    st.sampled_from(["restart", "session_start", "ask_data_sale", "nlu_fallback", "stop", "x"]),
    st.sampled_from(["", '{"topic":"evil"}', '{"service": "notice.tracker"}', "@0.9", "{"]),
)
lone_surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=5)
text = st.one_of(
    st.text(max_size=300),
    st.text(min_size=900, max_size=1200),
    st.text(st.characters(codec="utf-8"), max_size=50).map(lambda t: "/" + t),
    markup,
    sql,
    slash,
    lone_surrogates,
    st.builds("".join, st.lists(st.one_of(markup, sql, slash, st.text(max_size=20)), max_size=5)),
)
session_ids = st.one_of(
    st.none(),
    st.text(max_size=80),
    st.from_regex(r"[A-Za-z0-9_-]{24}\.[0-9]{1,12}\.[A-Za-z0-9_-]{22}", fullmatch=True),
    st.integers(),
    st.lists(st.integers(), max_size=2),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
bodies = st.one_of(
    st.fixed_dictionaries({"message": text}, optional={"session_id": session_ids}),
    st.fixed_dictionaries(
        {"payload": st.one_of(slash, st.just(TRACKER), text, json_values)},
        optional={"session_id": session_ids, "message": text},
    ),
    st.dictionaries(st.sampled_from(["message", "payload", "session_id", "x"]), json_values),
    json_values,
)
raw_bodies = st.one_of(
    st.binary(max_size=2000),
    st.binary(min_size=16_000, max_size=20_000),
    bodies.map(lambda body: json.dumps(body).encode()),
    bodies.map(lambda body: json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")),
)
content_types = st.one_of(
    st.just("application/json"),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40).map(
        lambda charset: f"application/json; charset={charset}"
    ),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
)

HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    database=None,  # no .hypothesis/ in the work tree: a failure prints its example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
async def hostile_client(settings):
    """A client of the front door served as in production (frontdoor.server), unlimited."""
    settings = dataclasses.replace(
        settings, port=0, rate_limit_burst=100_000, max_connections_per_ip=1000
    )
    async with (
        serving(create_app(settings), settings) as (host, port),
        aiohttp.ClientSession(f"http://{host}:{port}") as session,
    ):
        yield session


async def assert_friendly(response, rasa, assert_openapi) -> None:
    assert response.status < 500, await response.text()
    body = await response.json(content_type=None)
    assert_openapi("/api/v1/chat", "post", response.status, body)
    if response.status == 200:
        assert body["messages"] and body["topic"]
    for sent in rasa.received:  # what reached Rasa is never a command it did not offer
        assert not sent["message"].startswith("/") or sent["message"] == TRACKER
    rasa.received.clear()


@HYPOTHESIS
@given(body=bodies, route=st.sampled_from(ROUTES))
async def test_any_json_body_gets_a_friendly_answer(
    hostile_client, rasa, api_headers, assert_openapi, body, route
):
    rasa.reply = rasa.CLARIFY  # offers TRACKER, which a forged session must not be able to use
    response = await hostile_client.post(route, json=body, headers=api_headers)
    await assert_friendly(response, rasa, assert_openapi)


@HYPOTHESIS
@given(data=raw_bodies, content_type=content_types, route=st.sampled_from(ROUTES))
async def test_any_bytes_get_a_friendly_answer(
    hostile_client, rasa, api_headers, assert_openapi, data, content_type, route
):
    headers = {**api_headers, "Content-Type": content_type}
    response = await hostile_client.post(route, data=data, headers=headers)
    await assert_friendly(response, rasa, assert_openapi)


@HYPOTHESIS
@given(
    authorization=st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=60),
    origin=st.one_of(st.none(), st.text(st.characters(min_codepoint=32, max_codepoint=126))),
    route=st.sampled_from(ROUTES),
)
async def test_any_authorization_and_origin_get_a_clear_answer(
    hostile_client, rasa, assert_openapi, authorization, origin, route
):
    headers = {"Authorization": authorization, **({"Origin": origin} if origin else {})}
    response = await hostile_client.post(route, json={"message": "hi"}, headers=headers)
    await assert_friendly(response, rasa, assert_openapi)
