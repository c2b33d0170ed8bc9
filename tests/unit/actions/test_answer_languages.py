"""Replies in the conversation's language (the `language` slot): translated answers, links,
choices and prompts; the English under a preface when a translation is stale; the payload
names the language and carries the English."""

import dataclasses

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswer, ActionClarify, ActionRespond
from contract import routing
from knowledge.translation import PREFACE, Translation, answer_key, button_key, label_key

LANGUAGES = ("de", "es", "fr", "it", "ja", "nl", "pt", "zh")
ASSISTANCE_NUMBER = "+1 215 942 8342"


def tracker(intent, language, slots=None, ranking=(), service=None):
    message = {
        "text": "question",
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [{"entity": "service", "value": service}] if service else [],
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
    }
    slots = {"language": language, **(slots or {})}
    return Tracker("test", slots, message, [], False, None, {}, "action_listen")


async def run(action, intent, language, **kw):
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker(intent, language, **kw), {})
    (message,) = dispatcher.messages
    return message, message.get("custom") or {}


def text(catalog, language, key):
    return catalog.translations[language][key].text


@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_answer_in_a_supported_language_is_translated_with_its_english(catalog, language):
    message, payload = await run(ActionAnswer(catalog), "ask_data_sale", language)
    english, _ = await run(ActionAnswer(catalog), "ask_data_sale", None)
    company = catalog.notices["notice.company"]
    assert message["text"] == (
        f"{text(catalog, language, answer_key('policy.no_sale'))}\n\n"
        f"{text(catalog, language, label_key(company.id))}: {company.url}"
    )
    assert payload == {
        "topic": "policy.no_sale",
        "notices": ["notice.company"],
        "language": language,
        "translated": True,
        "text_en": english["text"],
    }


@pytest.mark.parametrize("language", [None, "en", "ko", "xx"])
async def test_english_or_an_unsupported_language_gets_the_english_reply(catalog, language):
    message, payload = await run(ActionAnswer(catalog), "ask_data_sale", language)
    assert message["text"].startswith(catalog.answers["policy.no_sale"].text)
    assert payload == {"topic": "policy.no_sale", "notices": ["notice.company"]}


async def test_a_stale_translation_gives_the_english_under_the_preface(catalog):
    key = answer_key("retention")
    german = dict(catalog.translations["de"])
    german[key] = Translation(german[key].text, "0" * 12)  # translates some older English
    stale = dataclasses.replace(catalog, translations={**catalog.translations, "de": german})
    message, payload = await run(ActionAnswer(stale), "ask_retention", "de", service="Tracker")
    english = catalog.answers["retention"].text
    assert message["text"].startswith(f"{german[PREFACE].text}\n{english}\n")
    assert payload["language"] == "de" and payload["translated"] is False
    assert payload["text_en"].startswith(english)
    tracker_notice = catalog.notices["notice.tracker"]
    assert message["text"].endswith(
        f"{german[label_key('notice.tracker')].text}: {tracker_notice.url}"
    )


async def test_which_service_is_asked_in_the_language(catalog):
    message, payload = await run(ActionAnswer(catalog), "ask_retention", "es")
    assert message["text"].endswith("\n\n" + text(catalog, "es", "ask_service"))
    assert payload["text_en"].endswith("\n\nWhich service is this about? Choose one or type it.")
    assert [b["title"] for b in message["buttons"]][:2] == ["International SOS", "Assistance App"]


async def test_clarifying_asks_and_offers_the_choices_in_the_language(catalog):
    ranking = [("ask_retention", 0.4), ("ask_rights", 0.3)]
    message, payload = await run(ActionClarify(catalog), "nlu_fallback", "fr", ranking=ranking)
    assert message["text"] == text(catalog, "fr", "clarify/ask")
    assert [b["title"] for b in message["buttons"]] == [
        text(catalog, "fr", button_key("retention")),
        text(catalog, "fr", button_key("rights.requests")),
        text(catalog, "fr", "clarify/something_else"),
    ]
    assert payload["candidates"] == ["retention", "rights.requests"]
    assert payload["text_en"] == "I'm not sure I understood. Did you mean one of these?"


async def test_the_last_miss_gives_the_assistance_line_in_the_language(catalog):
    message, payload = await run(ActionClarify(catalog), "nlu_fallback", "ja", slots={"misses": 1})
    handoff = text(catalog, "ja", answer_key("handoff.assistance"))
    assert message["text"] == text(catalog, "ja", "clarify/again").format(handoff=handoff)
    assert ASSISTANCE_NUMBER in message["text"] and payload["translated"] is True
    assert message["buttons"][1]["title"] == text(catalog, "ja", button_key("handoff.assistance"))


@pytest.mark.parametrize("action", [ActionAnswer, ActionRespond])
async def test_out_of_scope_is_said_in_the_language(catalog, action):
    message, payload = await run(action(catalog), "out_of_scope", "it")
    assert message["text"] == text(catalog, "it", "reply/out_of_scope")
    assert payload["topic"] == "out_of_scope" and payload["notices"] == []
    assert payload["text_en"] == routing.REPLIES["out_of_scope"]
    english, payload = await run(action(catalog), "out_of_scope", None)
    assert english["text"] == routing.REPLIES["out_of_scope"]
    assert payload == {"topic": "out_of_scope", "notices": []}


@pytest.mark.parametrize("language", [*LANGUAGES, None])
async def test_small_talk_is_answered_in_the_language(catalog, language):
    for intent, topic in routing.RESPONSES.items():
        message, payload = await run(ActionRespond(catalog), intent, language)
        assert payload["topic"] == topic and payload["notices"] == []
        if language is None:
            assert message["text"] == routing.REPLIES[topic] and len(payload) == 2
        else:
            assert message["text"] == text(catalog, language, f"reply/{topic}")
            assert payload["text_en"] == routing.REPLIES[topic] and payload["translated"]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_question_is_answered_in_the_language(catalog, language):
    """Every answer topic, with and without a named service: translated, never the English."""
    for intent in ("ask_privacy_priority", "ask_sharing_overview", "ask_rights", "ask_notice"):
        for service in (None, "MedAire"):
            message, payload = await run(ActionAnswer(catalog), intent, language, service=service)
            assert payload["translated"] is True, (intent, service)
            assert message["text"] != payload["text_en"]
            assert catalog.answers[payload["topic"]].text not in message["text"]
