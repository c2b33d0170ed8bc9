"""The one routing map: every intent reaches its topic, and every topic has an intent."""

import pytest
import yaml

from contract import routing
from knowledge import read_content
from orchestration.paths import DOMAIN

DOMAIN_INTENTS = set(yaml.safe_load(DOMAIN.read_text())["intents"])
TOPICS = read_content().topics


def test_every_domain_intent_is_routed_and_every_route_is_a_domain_intent():
    routed = {*routing.TOPICS, *routing.NOTICES, *routing.LANGUAGE, *routing.RESPONSES}
    assert routed | {routing.FOLLOW_UP} == DOMAIN_INTENTS


def test_every_topic_is_reachable_and_every_route_leads_to_a_topic():
    routed = {*routing.TOPICS.values(), *routing.NOTICES.values(), *routing.LANGUAGE.values()}
    assert routed | set(routing.RESPONSES.values()) <= set(TOPICS)
    for topic in TOPICS.values():
        service = topic.id if topic.kind == "notice" else None
        intent = routing.intent_for(topic.id, service)
        assert intent in DOMAIN_INTENTS, topic
        assert routing.any_topic_for(intent, service) == topic.id


@pytest.mark.parametrize(
    ("intent", "service", "topic"),
    [
        ("ask_retention", "notice.tracker", "retention"),
        ("ask_notice", None, "notice.company"),
        ("ask_notice", "notice.medaire", "notice.medaire"),
        ("ask_app_permissions", None, "notice.assistance_app"),
        ("ask_app_permissions", "notice.tracker", "notice.tracker"),
        ("inform_service", "notice.medfit", "notice.medfit"),
        ("inform_service", None, None),
        ("language_unsupported", None, "language.unsupported"),
        ("greet", None, None),
        ("nlu_fallback", None, None),
        (None, None, None),
    ],
)
def test_topic_for(intent, service, topic):
    assert routing.topic_for(intent, service) == topic


def test_intent_for_a_notice_needs_its_service_unless_an_intent_answers_it_by_default():
    assert routing.intent_for("notice.tracker", None) is None
    assert routing.intent_for("notice.tracker", "notice.tracker") == "ask_notice"
    assert routing.intent_for("notice.tracker", "notice.medaire") is None
    assert routing.intent_for("notice.assistance_app", None) == "ask_app_permissions"
    assert routing.intent_for("notice.company", None) == "ask_notice"
    assert routing.intent_for("retention", "notice.medaire") == "ask_retention"
    assert routing.intent_for("clarify") is None


def test_ranked_topics_are_distinct_questions_best_first_at_most_three():
    ranking = [
        {"name": "ask_notice", "confidence": 0.4},
        {"name": "language_unsupported", "confidence": 0.2},
        {"name": "ask_app_permissions", "confidence": 0.15},
        {"name": "greet", "confidence": 0.1},
        {"name": "ask_rights", "confidence": 0.08},
        {"name": "ask_retention", "confidence": 0.05},
        {"name": "ask_cookies", "confidence": 0.02},
    ]
    assert routing.ranked_topics(ranking, "notice.tracker") == [
        ("notice.tracker", 0.4),
        ("rights.requests", 0.08),
        ("retention", 0.05),
    ]
    assert [t for t, _ in routing.ranked_topics(ranking)] == [
        "notice.company",
        "notice.assistance_app",
        "rights.requests",
    ]


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("how long do you keep it", True),
        ("tracker?", True),
        ("ok, and how long for the app", True),
        ("never mind. which notice covers clinics", True),
        ("the tracker", False),
        ("ok the tracker one", False),
        ("I have the app", False),
        ("", False),
        ("ok ok", False),
    ],
)
def test_is_question_looks_past_openers(text, question):
    assert routing.is_question(text) is question


@pytest.mark.parametrize(
    ("intent", "text", "awaited", "only"),
    [
        ("nlu_fallback", "Tracker", True, True),
        ("out_of_scope", "it's the tracker for me", True, True),
        ("out_of_scope", "ok so what does the tracker cost", True, False),
        ("out_of_scope", "it's the tracker for me", False, False),
        ("ask_retention", "how long for the tracker?", True, False),
        ("ask_notice", "the tracker one", False, True),
        ("ask_notice", "where is the notice for the tracker app", False, False),
        ("inform_service", "and for the tracker?", False, True),
        ("language_unsupported", "tracker bitte", True, False),
    ],
)
def test_names_a_service_only(intent, text, awaited, only):
    assert routing.names_a_service_only(intent, text, awaited) is only


@pytest.mark.parametrize(
    "ranking, expected",
    [
        ([("nlu_fallback", 0.45), ("thank", 0.44), ("goodbye", 0.31), ("greet", 0.1)], "thank"),
        ([("goodbye", 0.3), ("thank", 0.25), ("ask_retention", 0.4)], "goodbye"),
        ([("thank", 0.3), ("ask_retention", 0.25), ("ask_rights", 0.25)], None),  # not most
        ([("out_of_scope", 0.5), ("thank", 0.2), ("goodbye", 0.1)], None),  # not small talk
        ([("nlu_fallback", 1.0)], None),
        ([], None),
    ],
)
def test_small_talk_is_the_best_small_talk_intent_when_it_holds_most_confidence(ranking, expected):
    assert routing.small_talk([{"name": n, "confidence": c} for n, c in ranking]) == expected
