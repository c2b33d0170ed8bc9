"""Answers by topic: GET /api/v1/answers/{topic} (app token) and the widget's /answers/{topic}."""

import asyncio
import shutil
import time
from pathlib import Path

import pytest
import yaml

from knowledge import load
from knowledge.live import RELOAD_EVERY_S
from knowledge.settings import CONTENT_DIR

pytestmark = pytest.mark.asyncio(loop_scope="session")

API = "/api/v1/answers/{}"
TRACKER = "notice.tracker"


def links(answer) -> list[dict]:
    return [{"id": n.id, "title": n.title, "label": n.label, "url": n.url} for n in answer.notices]


async def test_every_answer_has_its_text_sources_and_notices(
    client, api_headers, answers, assert_openapi
):
    for topic, answer in answers.items():
        response = await client.get(API.format(topic), headers=api_headers)
        assert response.status == 200, topic
        body = await response.json()
        assert_openapi("/api/v1/answers/{topic}", "get", 200, body)
        assert body == {
            "topic": topic,
            "text": answer.text,
            "sources": list(answer.sources),
            "notices": links(answer),
        }
        assert body["sources"], f"{topic} rests on no sentence of the privacy page"
        assert "https://" not in body["text"]


async def test_a_named_service_gives_its_notice_as_the_chat_follow_up_does(
    client, api_headers, answers, assert_openapi
):
    response = await client.get(
        API.format("retention"), params={"service": TRACKER}, headers=api_headers
    )
    body = await response.json()
    assert_openapi("/api/v1/answers/{topic}", "get", 200, body)
    assert body["text"] == answers["retention"].text
    assert body["sources"] == list(answers["retention"].sources)
    assert [n["id"] for n in body["notices"]] == [TRACKER]


async def test_topics_that_do_not_depend_on_the_service_ignore_it(client, api_headers, answers):
    response = await client.get(
        API.format("policy.no_sale"), params={"service": TRACKER}, headers=api_headers
    )
    assert (await response.json())["notices"] == links(answers["policy.no_sale"])


@pytest.mark.parametrize(
    "topic, service, code",
    [
        ("nothing.here", None, "unknown_topic"),
        ("chitchat.greet", None, "unknown_topic"),  # answered by the conversation, not the KB
        ("clarify", None, "unknown_topic"),
        ("retention", "notice.nothing", "unknown_service"),
        ("retention", "tracker", "unknown_service"),  # a notice id, not an alias
        ("policy.no_sale", "", "unknown_service"),
    ],
)
async def test_unknown_topics_and_services_get_404_with_a_stable_code(
    client, api_headers, assert_openapi, topic, service, code
):
    params = {} if service is None else {"service": service}
    for path, headers in [(API.format(topic), api_headers), (f"/answers/{topic}", {})]:
        response = await client.get(path, params=params, headers=headers)
        assert response.status == 404
        body = await response.json()
        assert_openapi("/api/v1/answers/{topic}", "get", 404, body)
        assert body["error"]["code"] == code


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer wrong",
        "Bearer agent-token-for-the-front-door-tests",
        "app-token-for-the-front-door-tests",
    ],
)
async def test_the_answers_api_needs_an_app_token(client, authorization, assert_openapi):
    headers = {"Authorization": authorization} if authorization else {}
    for topic in ("retention", "nothing.here"):  # no way to probe which topics exist
        response = await client.get(API.format(topic), headers=headers)
        assert response.status == 401
        body = await response.json()
        assert_openapi("/api/v1/answers/{topic}", "get", 401, body)
        assert body["error"]["code"] == "unauthorized"


async def test_the_widget_reads_the_same_answers_from_its_own_origin(client, api_headers):
    params = {"service": TRACKER}
    api = await client.get(API.format("retention"), params=params, headers=api_headers)
    widget = await client.get("/answers/retention", params=params)
    assert widget.status == 200
    assert await widget.json() == await api.json()
    assert widget.headers["Cache-Control"] == "no-store"
    other = await client.get("/answers/retention", headers={"Origin": "https://evil.example"})
    assert other.status == 403


async def test_answers_are_rate_limited_like_the_chat(make_client, assert_openapi):
    client = await make_client(rate_limit_burst=2, rate_limit_per_minute=1)
    statuses = [(await client.get("/answers/retention")).status for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = await client.get("/chat")  # the same bucket as the chat's
    assert response.status == 429
    body = await response.json()
    assert_openapi("/api/v1/answers/{topic}", "get", 429, body)


async def test_a_load_is_answered_without_a_restart(
    make_client, own_database, api_headers, tmp_path
):
    """The app follows the loads of its knowledge base (knowledge.live): polled every 2 s."""
    client = await make_client(database_url=own_database)
    content = Path(shutil.copytree(CONTENT_DIR, tmp_path / "content"))
    path = content / "answers.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    next(a for a in data["answers"] if a["topic"] == "policy.no_sale")["answer"] = "Edited live."
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load(own_database, content_dir=content)
    deadline = time.monotonic() + 15 * RELOAD_EVERY_S  # a hang, not a slow machine
    while (await answer_text(client, api_headers)) != "Edited live.":
        assert time.monotonic() < deadline, "the edit was not answered"
        await asyncio.sleep(0.1)


async def answer_text(client, headers) -> str:
    response = await client.get(API.format("policy.no_sale"), headers=headers)
    return (await response.json())["text"]
