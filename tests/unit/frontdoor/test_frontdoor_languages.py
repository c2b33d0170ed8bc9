"""Replies in the person's language through the front door: the app API returns the reply
(`text`) and its English original (`text_en`) with the language; notice labels follow the
language; the widget gets them without link lines; the agent console answers in the language
of the query."""

import pytest

from frontdoor.answers import without_link_lines
from knowledge import Catalog
from knowledge.translation import answer_key, label_key

pytestmark = pytest.mark.asyncio(loop_scope="session")

URL = "https://www.internationalsos.com/privacy"
ENGLISH = f"We never sell personal information.\n\nOur overall company privacy notice: {URL}"
GERMAN = (
    "Wir verkaufen personenbezogene Daten niemals.\n\n"
    f"Unser allgemeiner Datenschutzhinweis des Unternehmens: {URL}"
)
PAYLOAD = {
    "topic": "policy.no_sale",
    "notices": ["notice.company"],
    "language": "de",
    "translated": True,
    "text_en": ENGLISH,
}
# Rasa's REST channel splits a text into paragraphs, one message each.
IN_GERMAN = [{"recipient_id": "s", "text": part} for part in GERMAN.split("\n\n")] + [
    {"recipient_id": "s", "custom": PAYLOAD}
]


@pytest.fixture
def catalog(knowledge_url) -> Catalog:
    return Catalog.read(knowledge_url)


async def test_the_api_returns_the_reply_and_its_english_original(
    client, rasa, api_headers, assert_openapi, catalog
):
    rasa.reply = IN_GERMAN
    response = await client.post(
        "/api/v1/chat", json={"message": "Verkaufen Sie meine Daten?"}, headers=api_headers
    )
    body = await response.json()
    assert_openapi("/api/v1/chat", "post", 200, body)
    assert (body["language"], body["translated"]) == ("de", True)
    assert body["text"] == GERMAN and body["text_en"] == ENGLISH
    assert body["sources"] == list(catalog.answers["policy.no_sale"].sources)
    label = catalog.translations["de"][label_key("notice.company")].text
    assert body["notices"][0]["label"] == label and body["notices"][0]["url"] == URL


async def test_the_widget_gets_both_texts_without_their_link_lines(client, rasa, assert_openapi):
    rasa.reply = IN_GERMAN
    body = await (await client.post("/chat", json={"message": "Verkaufen Sie meine Daten?"})).json()
    assert_openapi("/api/v1/chat", "post", 200, body)
    assert body["messages"] == [{"text": "Wir verkaufen personenbezogene Daten niemals."}]
    assert body["text"] == "Wir verkaufen personenbezogene Daten niemals."
    assert body["text_en"] == "We never sell personal information."


async def test_an_english_reply_is_its_own_original(client, rasa, api_headers, assert_openapi):
    rasa.reply = rasa.NO_SALE
    response = await client.post(
        "/api/v1/chat", json={"message": "Do you sell my data?"}, headers=api_headers
    )
    body = await response.json()
    assert_openapi("/api/v1/chat", "post", 200, body)
    assert (body["language"], body["translated"]) == ("en", False)
    assert body["text"] == body["text_en"] == rasa.NO_SALE[0]["text"]


async def test_an_untranslated_reply_says_so(client, rasa, api_headers):
    preface = "Diese Antwort gibt es noch nicht auf Deutsch; hier ist das englische Original:"
    stale = [
        {"recipient_id": "s", "text": f"{preface}\n{ENGLISH}"},
        {"recipient_id": "s", "custom": PAYLOAD | {"translated": False}},
    ]
    rasa.reply = stale
    response = await client.post("/api/v1/chat", json={"message": "Daten?"}, headers=api_headers)
    body = await response.json()
    assert (body["language"], body["translated"]) == ("de", False)
    assert body["text"].startswith(preface) and body["text_en"] == ENGLISH


async def test_link_lines_go_whatever_the_language_of_their_label():
    reply = {
        "messages": [{"text": f"Antwort.\n\nUnser Hinweis: {URL}\n\nWelcher Dienst?"}],
        "notices": [{"id": "notice.company", "title": "T", "label": "L", "url": URL}],
        "text": f"Antwort.\n\nUnser Hinweis: {URL}\n\nWelcher Dienst?",
        "text_en": f"Answer.\n\nOur notice: {URL}\n\nWhich service?",
    }
    shown = without_link_lines(reply)
    assert shown["messages"] == [{"text": "Antwort.\n\nWelcher Dienst?"}]
    assert shown["text_en"] == "Answer.\n\nWhich service?"


async def test_the_agent_console_answers_in_the_language_of_the_query(
    client, rasa, agent_headers, catalog
):
    rasa.parsed = {
        "entities": [{"entity": "language", "value": "fr"}],
        "intent_ranking": [{"name": "ask_data_sale", "confidence": 0.9}],
    }
    response = await client.post(
        "/agent/api/search", json={"query": "Vendez-vous mes données ?"}, headers=agent_headers
    )
    (result,) = (await response.json())["results"]
    english = catalog.answers["policy.no_sale"].text
    assert result["text"] == catalog.translations["fr"][answer_key("policy.no_sale")].text
    assert (result["language"], result["translated"], result["text_en"]) == ("fr", True, english)
    assert result["title"] == catalog.translations["fr"]["button/policy.no_sale"].text
    assert result["sources"] == list(catalog.answers["policy.no_sale"].sources)
