"""The answering and clarifying actions, run as the action server runs them."""

import json
import re

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswer, ActionClarify
from actions.routing import TOPICS
from bot.paths import DOMAIN

ASSISTANCE_NUMBER = "+1 215 942 8342"
DOMAIN_INTENTS = set(yaml.safe_load(DOMAIN.read_text())["intents"]) | {"nlu_fallback"}


def tracker(intent, service=None, slots=None, ranking=()):
    entities = [{"entity": "service", "value": service}] if service else []
    message = {
        "text": "question",
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities,
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
    }
    return Tracker("test", slots or {}, message, [], False, None, {}, "action_listen")


async def run(action, intent, **kw):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(intent, **kw), {})
    assert len(dispatcher.messages) == 1, "every reply is exactly one message"
    message = dispatcher.messages[0]
    return message, message["custom"], {e["name"]: e["value"] for e in events}


def button_intents(message):
    for button in message["buttons"]:
        intent, _, entities = button["payload"][1:].partition("{")
        assert intent in DOMAIN_INTENTS
        if entities:
            json.loads("{" + entities)
        yield intent


@pytest.mark.parametrize("intent, topic", sorted(TOPICS.items()))
async def test_every_mapped_intent_answers_its_topic_from_the_knowledge_base(
    knowledge_base, intent, topic
):
    message, payload, slots = await run(ActionAnswer(), intent)
    answer = knowledge_base.answer(topic)
    assert payload == {"topic": topic, "notices": [n.id for n in answer.notices]}
    assert message["text"].startswith(answer.text)
    for notice in answer.notices:
        assert f"{notice.label}: {notice.url}" in message["text"]
    assert slots["last_topic"] == topic and slots["misses"] == 0


async def test_notice_named_by_alias():
    message, payload, slots = await run(ActionAnswer(), "ask_notice", service="MedAire")
    assert payload == {"topic": "notice.medaire", "notices": ["notice.medaire"]}
    link = "Our privacy page, which links to the MedAire Privacy Notice: "
    assert link + "https://www.internationalsos.com/privacy-notice/" in message["text"]
    assert slots["service"] == "notice.medaire"


@pytest.mark.parametrize("word", ["employee", "employees", "staff", "clinic", "portal"])
async def test_a_bare_generic_word_names_no_notice(word):
    """As when an employee of a client company asks whether their employer sees their data."""
    _, payload, slots = await run(ActionAnswer(), "ask_sharing_employers", service=word)
    assert payload == {"topic": "sharing.employers", "notices": ["notice.company"]}
    assert "service" not in slots


async def test_misspelled_alias_still_finds_the_notice():
    _, payload, _ = await run(ActionAnswer(), "ask_notice", service="medair")
    assert payload["topic"] == "notice.medaire"


async def test_notice_without_a_service_is_the_company_notice():
    _, payload, _ = await run(ActionAnswer(), "ask_notice")
    assert payload == {"topic": "notice.company", "notices": ["notice.company"]}


async def test_service_question_without_a_service_asks_which_service(knowledge_base):
    message, payload, _ = await run(ActionAnswer(), "ask_retention")
    assert payload == {"topic": "retention", "notices": ["notice.company"]}
    assert set(button_intents(message)) == {"inform_service"}
    assert len(message["buttons"]) == len(knowledge_base.notices())


async def test_service_question_answers_for_the_named_service():
    message, payload, slots = await run(ActionAnswer(), "ask_rights", service="the app")
    assert payload == {"topic": "rights.requests", "notices": ["notice.assistance_app"]}
    assert not message["buttons"]
    assert slots["service"] == "notice.assistance_app"


async def test_remembered_service_is_used_for_a_later_question():
    slots = {"service": "notice.tracker"}
    _, payload, _ = await run(ActionAnswer(), "ask_retention", slots=slots)
    assert payload == {"topic": "retention", "notices": ["notice.tracker"]}


async def test_follow_up_service_repeats_the_last_service_question():
    slots = {"last_topic": "retention", "service": "notice.tracker"}
    _, payload, _ = await run(ActionAnswer(), "inform_service", service="MedAire", slots=slots)
    assert payload == {"topic": "retention", "notices": ["notice.medaire"]}


async def test_follow_up_service_after_a_notice_gives_the_new_notice():
    slots = {"last_topic": "notice.tracker", "service": "notice.tracker"}
    _, payload, _ = await run(ActionAnswer(), "inform_service", service="e-learning", slots=slots)
    assert payload == {"topic": "notice.digital_learning", "notices": ["notice.digital_learning"]}


async def test_follow_up_service_after_a_general_answer_gives_the_notice():
    slots = {"last_topic": "policy.no_sale"}
    _, payload, _ = await run(ActionAnswer(), "inform_service", service="TRICARE", slots=slots)
    assert payload["topic"] == "notice.government_services"


async def test_urgent_help_gives_the_assistance_number_and_no_privacy_answer():
    message, payload, _ = await run(ActionAnswer(), "request_help", service="the app")
    assert payload == {"topic": "handoff.assistance", "notices": []}
    assert ASSISTANCE_NUMBER in message["text"]


async def test_unsure_offers_the_best_candidates_and_something_else():
    ranking = [
        ("nlu_fallback", 0.5),
        ("ask_retention", 0.4),
        ("greet", 0.3),
        ("ask_rights", 0.2),
        ("ask_retention", 0.1),
        ("ask_notice", 0.05),
    ]
    message, payload, slots = await run(ActionClarify(), "nlu_fallback", ranking=ranking)
    assert payload == {
        "topic": "clarify",
        "candidates": ["retention", "rights.requests", "notice.company"],
    }
    assert list(button_intents(message)) == [
        "ask_retention",
        "ask_rights",
        "ask_notice",
        "nlu_fallback",
    ]
    assert slots["misses"] == 1


async def test_second_miss_offers_the_company_notice_and_the_subscriber_assistance_line():
    message, payload, slots = await run(ActionClarify(), "nlu_fallback", slots={"misses": 1})
    assert payload == {"topic": "clarify", "candidates": ["notice.company", "handoff.assistance"]}
    assert ASSISTANCE_NUMBER in message["text"]
    assert "person" not in message["text"]
    assert list(button_intents(message)) == ["ask_notice", "request_help"]
    assert message["buttons"][1]["title"] == "Subscriber Assistance line"
    assert slots["misses"] == 2


async def test_inform_service_without_a_service_clarifies():
    _, payload, _ = await run(ActionAnswer(), "inform_service", ranking=[("ask_cookies", 0.4)])
    assert payload == {"topic": "clarify", "candidates": ["website.cookies"]}


def test_no_answer_text_contains_a_url_the_knowledge_base_does_not_hold(knowledge_base):
    urls = {n.url for n in knowledge_base.notices()}
    for topic in TOPICS.values():
        found = re.findall(r"https?://\S+", knowledge_base.answer(topic).text)
        assert set(found) <= urls


@pytest.mark.parametrize(("language", "start"), [("de", "Entschuldigung"), (None, "Sorry")])
async def test_other_language_is_told_in_that_language_that_we_answer_in_english(
    knowledge_base, language, start
):
    entities = [{"entity": "language", "value": language}] if language else []
    message = {"text": "…", "intent": {"name": "language_unsupported"}, "entities": entities}
    dispatcher = CollectingDispatcher()
    events = await ActionAnswer().run(
        dispatcher, Tracker("t", {}, message, [], False, None, {}, "action_listen"), {}
    )
    (reply,) = dispatcher.messages
    company = knowledge_base.notice("notice.company")
    assert reply["custom"] == {"topic": "language.unsupported", "notices": ["notice.company"]}
    assert reply["text"].startswith(start)
    assert reply["text"].endswith(f"{company.label}: {company.url}")
    assert {e["name"] for e in events} == {"misses"}
