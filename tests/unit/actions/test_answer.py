"""The answering and clarifying actions, run as the action server runs them."""

import dataclasses
import json
import re

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswer, ActionClarify, live_catalog
from contract import routing
from knowledge import load
from orchestration.generate import build_spacy_pipeline
from orchestration.paths import DOMAIN, ROOT

ASSISTANCE_NUMBER = "+1 215 942 8342"
DOMAIN_INTENTS = set(yaml.safe_load(DOMAIN.read_text())["intents"]) | {"nlu_fallback"}
# What each question intent answers when no service is named, written out here rather than
# read from the routing map under test.
ANSWERED = {
    "ask_privacy_priority": "principle.priority",
    "ask_data_protection": "principle.protection",
    "ask_transparency": "principle.transparency",
    "ask_choices": "principle.choices",
    "ask_data_sale": "policy.no_sale",
    "ask_sharing_overview": "sharing.overview",
    "ask_sharing_group_companies": "sharing.group_companies",
    "ask_sharing_vendors": "sharing.vendors",
    "ask_sharing_employers": "sharing.employers",
    "ask_sharing_providers": "sharing.providers",
    "ask_website_contact_info": "website.contact_info",
    "ask_website_usage": "website.usage",
    "ask_cookies": "website.cookies",
    "ask_rights": "rights.requests",
    "ask_retention": "retention",
    "request_help": "handoff.assistance",
    "ask_notice": "notice.company",
    "ask_app_permissions": "notice.assistance_app",
}
URL = re.compile(r"https?://\S+")


def tracker(intent, service=None, slots=None, ranking=(), text="question"):
    services = [service] if isinstance(service, str) else service or []
    entities = [{"entity": "service", "value": value} for value in services]
    message = {
        "text": text,
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


def test_every_question_the_rules_send_to_the_action_is_in_the_table():
    rules = yaml.safe_load((ROOT / "data" / "rules.yml").read_text())["rules"]
    (rule,) = [r for r in rules if "or" in r["steps"][0]]
    assert rule["steps"][1] == {"action": "action_answer"}
    intents = {step["intent"] for step in rule["steps"][0]["or"]}
    assert intents - {"inform_service", "language_unsupported"} == set(ANSWERED)


@pytest.mark.parametrize("intent, topic", sorted(ANSWERED.items()))
async def test_every_question_intent_answers_its_topic_from_the_knowledge_base(
    catalog, intent, topic
):
    message, payload, slots = await run(ActionAnswer(catalog), intent)
    answer = catalog.answers[topic]
    assert payload == {"topic": topic, "notices": [n.id for n in answer.notices]}
    assert message["text"].startswith(answer.text)
    for notice in answer.notices:
        assert f"{notice.label}: {notice.url}" in message["text"]
    assert slots["last_topic"] == topic and slots["misses"] == 0


async def test_notice_named_by_alias(catalog):
    message, payload, slots = await run(ActionAnswer(catalog), "ask_notice", service="MedAire")
    assert payload == {"topic": "notice.medaire", "notices": ["notice.medaire"]}
    link = "Our privacy page, which links to the MedAire Privacy Notice: "
    assert link + "https://www.internationalsos.com/privacy-notice/" in message["text"]
    assert slots["service"] == "notice.medaire"


@pytest.mark.parametrize(
    "word",
    ["employee", "employees", "staff", "clinic", "portal", "medair", "app", "website"],
)
async def test_a_word_that_is_no_alias_names_no_notice(catalog, word):
    """As when an employee of a client company asks whether their employer sees their data.
    The NLU's service entity is always an alias or a notice id (its EntityRuler matches the
    aliases only), so a misspelt alias never reaches the action."""
    _, payload, slots = await run(ActionAnswer(catalog), "ask_sharing_employers", service=word)
    assert payload == {"topic": "sharing.employers", "notices": ["notice.company"]}
    assert "service" not in slots


async def test_notice_without_a_service_is_the_company_notice(catalog):
    _, payload, _ = await run(ActionAnswer(catalog), "ask_notice")
    assert payload == {"topic": "notice.company", "notices": ["notice.company"]}


async def test_service_question_without_a_service_asks_which_service(catalog):
    message, payload, _ = await run(ActionAnswer(catalog), "ask_retention")
    assert payload == {"topic": "retention", "notices": ["notice.company"]}
    assert set(button_intents(message)) == {"inform_service"}
    assert [b["title"] for b in message["buttons"][:3]] == [
        "International SOS",
        "Assistance App",
        "Member Portal",
    ]
    assert len(message["buttons"]) == len(catalog.notices)


async def test_which_service_is_asked_in_words_and_a_typed_name_answers_it(catalog):
    message, _, slots = await run(ActionAnswer(catalog), "ask_retention")
    assert message["text"].endswith("Which service is this about? Choose one or type it.")
    assert slots["pending_topic"] == "retention"
    for intent, text in [
        ("nlu_fallback", "Tracker"),
        ("ask_notice", "the Tracker one"),
        ("inform_service", "tracker please"),
        ("out_of_scope", "it's the tracker for me, the one on my laptop"),
        ("ask_sharing_employers", "I use the tracker at work"),
    ]:
        _, payload, after = await run(
            ActionAnswer(catalog), intent, service="notice.tracker", slots=slots, text=text
        )
        assert payload == {"topic": "retention", "notices": ["notice.tracker"]}, intent
        assert after["pending_topic"] is None and after["service"] == "notice.tracker"


async def test_a_new_question_naming_a_service_is_answered_as_new(catalog):
    slots = {"pending_topic": "retention", "last_topic": "retention"}
    for intent, text, topic in [
        ("ask_notice", "where is the Tracker privacy notice?", "notice.tracker"),
        ("ask_sharing_employers", "Tracker employer?", "sharing.employers"),
    ]:
        _, payload, _ = await run(
            ActionAnswer(catalog), intent, service="notice.tracker", slots=slots, text=text
        )
        assert payload["topic"] == topic


async def test_a_question_out_of_scope_naming_the_awaited_service_is_out_of_scope(catalog):
    slots = {"pending_topic": "retention", "last_topic": "retention"}
    for text in ["ok so what does the tracker cost", "never mind, is the tracker free?"]:
        _, payload, after = await run(
            ActionAnswer(catalog), "out_of_scope", service="notice.tracker", slots=slots, text=text
        )
        assert payload == {"topic": "out_of_scope", "notices": []}, text
        assert after["pending_topic"] is None, text


async def test_urgent_help_is_never_taken_for_the_awaited_service(catalog):
    slots = {"pending_topic": "retention", "last_topic": "retention"}
    text = "someone is hurt, I'm using the app"
    _, payload, _ = await run(
        ActionAnswer(catalog), "request_help", service="mobile app", slots=slots, text=text
    )
    assert payload["topic"] == "handoff.assistance"


async def test_out_of_scope_is_out_of_scope_unless_it_names_the_awaited_service(catalog):
    dispatcher = CollectingDispatcher()
    slots = {"last_topic": "retention"}  # answered, nothing pending
    events = await ActionAnswer(catalog).run(
        dispatcher, tracker("out_of_scope", service="mobile app", slots=slots), {}
    )
    assert [m["custom"] for m in dispatcher.messages] == [{"topic": "out_of_scope", "notices": []}]
    assert dispatcher.messages[0]["text"] == routing.REPLIES["out_of_scope"]
    assert events == [{"event": "slot", "timestamp": None, "name": "pending_topic", "value": None}]


async def test_a_named_service_beats_the_company_notice_words(catalog):
    _, payload, _ = await run(
        ActionAnswer(catalog), "ask_notice", service=["privacy policy", "MedAire"], text="x " * 9
    )
    assert payload == {"topic": "notice.medaire", "notices": ["notice.medaire"]}


@pytest.fixture(scope="module")
def ruler(catalog):
    """The NLU's first pass over a message: the EntityRuler of the catalogue's aliases, as
    `python -m orchestration.generate` builds it for the spaCy pipeline."""
    return build_spacy_pipeline({a: n.id for n in catalog.notices.values() for a in n.aliases})


@pytest.mark.parametrize("template", ["privacy policy for {}", "{} privacy notice"])
async def test_every_service_named_beside_a_generic_phrase_links_its_own_notice(
    catalog, ruler, template
):
    """The service as the assistant names it on its choices; the entities as the NLU gives
    them: the aliases found, in order, then the service recogniser's when no alias named it."""
    for notice in catalog.notices.values():
        text = template.format(notice.button)
        found = [entity.ent_id_ for entity in ruler(text).ents]
        entities = found if notice.id in found else [*found, notice.id]
        _, payload, _ = await run(ActionAnswer(catalog), "ask_notice", service=entities, text=text)
        assert payload == {"topic": notice.id, "notices": [notice.id]}, text


async def test_an_unclear_question_naming_a_service_out_of_context_is_asked_back(catalog):
    ranking = [("ask_website_usage", 0.4), ("ask_notice", 0.3)]
    _, payload, _ = await run(
        ActionAnswer(catalog), "nlu_fallback", service="mobile app", ranking=ranking, text="x " * 9
    )
    assert payload["topic"] == "clarify" and "notice.assistance_app" in payload["candidates"]


async def test_service_question_answers_for_the_named_service(catalog):
    message, payload, slots = await run(ActionAnswer(catalog), "ask_rights", service="mobile app")
    assert payload == {"topic": "rights.requests", "notices": ["notice.assistance_app"]}
    assert not message["buttons"]
    assert slots["service"] == "notice.assistance_app"


async def test_remembered_service_is_used_for_a_later_question(catalog):
    slots = {"service": "notice.tracker"}
    _, payload, _ = await run(ActionAnswer(catalog), "ask_retention", slots=slots)
    assert payload == {"topic": "retention", "notices": ["notice.tracker"]}


async def test_follow_up_service_repeats_the_last_service_question(catalog):
    slots = {"last_topic": "retention", "service": "notice.tracker"}
    _, payload, _ = await run(
        ActionAnswer(catalog), "inform_service", service="MedAire", slots=slots
    )
    assert payload == {"topic": "retention", "notices": ["notice.medaire"]}


async def test_follow_up_service_after_a_notice_gives_the_new_notice(catalog):
    slots = {"last_topic": "notice.tracker", "service": "notice.tracker"}
    _, payload, _ = await run(
        ActionAnswer(catalog), "inform_service", service="e-learning", slots=slots
    )
    assert payload == {"topic": "notice.digital_learning", "notices": ["notice.digital_learning"]}


async def test_follow_up_service_after_a_general_answer_gives_the_notice(catalog):
    slots = {"last_topic": "policy.no_sale"}
    _, payload, _ = await run(
        ActionAnswer(catalog), "inform_service", service="TRICARE", slots=slots
    )
    assert payload["topic"] == "notice.government_services"


async def test_urgent_help_gives_the_assistance_number_and_no_privacy_answer(catalog):
    message, payload, _ = await run(ActionAnswer(catalog), "request_help", service="mobile app")
    assert payload == {"topic": "handoff.assistance", "notices": []}
    assert ASSISTANCE_NUMBER in message["text"]


async def test_unsure_offers_the_best_candidates_and_something_else(catalog):
    ranking = [
        ("nlu_fallback", 0.5),
        ("ask_retention", 0.4),
        ("greet", 0.3),
        ("ask_rights", 0.2),
        ("ask_retention", 0.1),
        ("ask_notice", 0.05),
    ]
    message, payload, slots = await run(ActionClarify(catalog), "nlu_fallback", ranking=ranking)
    assert payload == {
        "topic": "clarify",
        "candidates": ["retention", "rights.requests", "notice.company"],
    }
    assert message["text"] == "I'm not sure I understood. Did you mean one of these?"
    assert [b["title"] for b in message["buttons"]] == [
        "How long my data is kept",
        "My rights over my data",
        "International SOS",
        "Something else",
    ]
    assert list(button_intents(message)) == [
        "ask_retention",
        "ask_rights",
        "ask_notice",
        "nlu_fallback",
    ]
    assert slots["misses"] == 1


@pytest.mark.parametrize("misses", [1, 2])
async def test_second_miss_offers_the_company_notice_and_the_subscriber_assistance_line(
    catalog, misses
):
    message, payload, slots = await run(
        ActionClarify(catalog), "nlu_fallback", slots={"misses": misses}
    )
    assert payload == {"topic": "clarify", "candidates": ["notice.company", "handoff.assistance"]}
    assert message["text"] == (
        "Sorry, I still couldn't work out what you need. You can read our overall privacy "
        "notice. " + catalog.answers["handoff.assistance"].text
    )
    assert ASSISTANCE_NUMBER in message["text"]
    assert "person" not in message["text"]
    assert list(button_intents(message)) == ["ask_notice", "request_help"]
    assert [b["title"] for b in message["buttons"]] == [
        "International SOS",
        "Subscriber Assistance line",
    ]
    assert slots["misses"] == misses + 1


async def test_inform_service_without_a_service_clarifies(catalog):
    ranking = [("ask_cookies", 0.4)]
    _, payload, _ = await run(ActionAnswer(catalog), "inform_service", ranking=ranking)
    assert payload == {"topic": "clarify", "candidates": ["website.cookies"]}


async def test_small_talk_unsure_only_which_gets_its_reply_not_choices(catalog):
    ranking = [("nlu_fallback", 0.45), ("thank", 0.44), ("goodbye", 0.31), ("ask_rights", 0.1)]
    message, payload, events = await run(
        ActionClarify(catalog), "nlu_fallback", ranking=ranking, slots={"misses": 1}
    )
    assert payload == {"topic": "chitchat.thanks", "notices": []}
    assert "buttons" not in message or not message["buttons"]
    assert events == {}  # not a miss


async def test_every_url_in_a_reply_is_the_link_of_a_notice_its_payload_names(catalog):
    """Every reply the actions give, with and without a named service: its only URLs are on
    "label: url" lines of the notices in its payload, one line each."""
    replies = [await run(ActionAnswer(catalog), intent) for intent in ANSWERED]
    for alias in ("MedAire", "mobile app", "TRICARE"):
        replies += [await run(ActionAnswer(catalog), i, service=alias) for i in ANSWERED]
        replies.append(await run(ActionAnswer(catalog), "inform_service", service=alias))
    replies.append(await run(ActionAnswer(catalog), "language_unsupported"))
    replies += [
        await run(ActionClarify(catalog), "nlu_fallback", slots={"misses": m}) for m in (0, 1)
    ]
    seen = set()
    for message, payload, _ in replies:
        notices = [catalog.notices[n] for n in payload.get("notices", [])]
        url_lines = [line for line in message["text"].splitlines() if URL.search(line)]
        assert url_lines == [f"{n.label}: {n.url}" for n in notices], payload
        seen |= {n.url for n in notices}
    assert seen == {n.url for n in catalog.notices.values()}


@pytest.mark.parametrize(("language", "start"), [("de", "Entschuldigung"), (None, "Sorry")])
async def test_other_language_is_told_in_that_language_that_we_answer_in_english(
    catalog, language, start
):
    entities = [{"entity": "language", "value": language}] if language else []
    message = {"text": "…", "intent": {"name": "language_unsupported"}, "entities": entities}
    dispatcher = CollectingDispatcher()
    events = await ActionAnswer(catalog).run(
        dispatcher, Tracker("t", {}, message, [], False, None, {}, "action_listen"), {}
    )
    (reply,) = dispatcher.messages
    company = catalog.notices["notice.company"]
    assert reply["custom"] == {"topic": "language.unsupported", "notices": ["notice.company"]}
    assert reply["text"].startswith(start)
    assert reply["text"].endswith(f"{company.label}: {company.url}")
    assert {e["name"] for e in events} == {"misses"}


async def test_the_action_server_answers_with_its_live_catalogue(catalog, monkeypatch, tmp_path):
    """Built without a catalogue (as the action server builds them), the actions answer with
    the live one (knowledge.live), whichever it holds at each run."""
    url = f"sqlite:///{tmp_path / 'knowledge.sqlite'}"
    load(url)
    monkeypatch.setenv("DATABASE_URL", url)
    live_catalog.cache_clear()
    try:
        action = ActionAnswer()
        assert action.catalog is live_catalog().catalog
        edited = dataclasses.replace(catalog, version="edited")
        live_catalog().use(edited)
        assert action.catalog is edited
    finally:
        live_catalog().close()
        live_catalog.cache_clear()
