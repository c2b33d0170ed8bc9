"""The agent console: /agent page, token-protected search and knowledge listing."""

import pytest

from knowledge import KnowledgeStore

pytestmark = pytest.mark.asyncio(loop_scope="session")

PARSED = {
    "entities": [{"entity": "service", "value": "travel tracker"}],
    "intent_ranking": [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "ask_notice", "confidence": 0.41234},
        {"name": "greet", "confidence": 0.2},
        {"name": "inform_service", "confidence": 0.18},
        {"name": "ask_retention", "confidence": 0.15},
        {"name": "ask_data_sale", "confidence": 0.05},
        {"name": "ask_cookies", "confidence": 0.01},
    ],
}


async def search(client, headers, query="How long does Tracker keep my data?"):
    return await client.post("/agent/api/search", json={"query": query}, headers=headers)


async def test_search_gives_the_three_best_answers(client, rasa, agent_headers):
    rasa.parsed = PARSED
    response = await search(client, agent_headers)
    assert response.status == 200
    results = (await response.json())["results"]
    ranked = [(r["topic"], r["confidence"]) for r in results]
    assert ranked == [("notice.tracker", 0.412), ("retention", 0.15), ("policy.no_sale", 0.05)]
    tracker = results[0]
    assert tracker["text"] and tracker["title"] == "Tracker"
    assert tracker["notices"][0]["id"] == "notice.tracker"
    assert tracker["notices"][0]["url"].startswith("https://www.internationalsos.com/")
    assert tracker["sources"] and tracker["service"] is None
    assert rasa.parse_tokens == [rasa.TOKEN]


async def test_a_service_dependent_result_is_answered_for_the_named_service(
    client, rasa, agent_headers, answers
):
    rasa.parsed = PARSED
    results = (await (await search(client, agent_headers)).json())["results"]
    retention, no_sale = results[1], results[2]
    assert retention["service"] == "notice.tracker"  # the share link names it
    assert [n["id"] for n in retention["notices"]] == ["notice.tracker"]
    assert retention["sources"] == list(answers["retention"].sources)
    assert no_sale["service"] is None
    assert [n["id"] for n in no_sale["notices"]] == ["notice.company"]


async def test_a_named_service_beats_the_company_notice_words_as_in_the_chat(
    client, rasa, agent_headers
):
    entities = [{"entity": "service", "value": v} for v in ("privacy policy", "medaire")]
    rasa.parsed = {**PARSED, "entities": entities}
    results = (await (await search(client, agent_headers)).json())["results"]
    assert [r["topic"] for r in results] == ["notice.medaire", "retention", "policy.no_sale"]
    assert results[1]["service"] == "notice.medaire"


async def test_a_notice_question_naming_no_service_gives_the_company_notice(
    client, rasa, agent_headers
):
    rasa.parsed = {"entities": [], "intent_ranking": [{"name": "ask_notice", "confidence": 0.9}]}
    results = (await (await search(client, agent_headers)).json())["results"]
    assert [r["topic"] for r in results] == ["notice.company"]
    assert results[0]["notices"][0]["url"] == "https://www.internationalsos.com/privacy"


async def test_search_when_rasa_is_down(make_client, refused_url, agent_headers):
    client = await make_client(rasa_url=refused_url)
    response = await search(client, agent_headers)
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "unavailable"


@pytest.mark.parametrize("query, code", [("  ", "empty_message"), ("x" * 1001, "message_too_long")])
async def test_search_limits(client, rasa, agent_headers, query, code):
    response = await search(client, agent_headers, query)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == code
    assert rasa.parse_tokens == []


async def test_knowledge_lists_every_topic_and_notice(client, agent_headers, knowledge_url):
    response = await client.get("/agent/api/knowledge", headers=agent_headers)
    assert response.status == 200
    body = await response.json()
    store = KnowledgeStore(knowledge_url)
    try:
        assert [t["topic"] for t in body["topics"]] == list(store.topics())
        assert [n["id"] for n in body["notices"]] == [n.id for n in store.notices()]
    finally:
        store.close()
    by_id = {t["topic"]: t for t in body["topics"]}
    assert by_id["chitchat.greet"]["text"] is None
    assert by_id["chitchat.greet"]["title"] == "greeting"  # its description: no choice asks it
    assert by_id["policy.no_sale"]["text"]
    assert by_id["retention"]["title"] == "How long my data is kept"  # the widget's choice
    assert (
        "travel tracker"
        in next(n for n in body["notices"] if n["id"] == "notice.tracker")["aliases"]
    )


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer wrong",
        "Bearer app-token-for-the-front-door-tests",
        "agent-token-for-the-front-door-tests",
    ],
)
async def test_console_data_needs_the_agent_token(client, rasa, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    for response in [
        await search(client, headers),
        await client.get("/agent/api/knowledge", headers=headers),
    ]:
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "unauthorized"
    assert rasa.parse_tokens == []


async def test_without_an_agent_token_setting_the_console_is_locked(make_client):
    client = await make_client(agent_token="")
    response = await client.get("/agent/api/knowledge", headers={"Authorization": "Bearer "})
    assert response.status == 401


async def test_the_console_page_loads_without_a_token(client):
    response = await client.get("/agent")
    assert response.status == 200
    assert 'src="static/agent.js"' in await response.text()
