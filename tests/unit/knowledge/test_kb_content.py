"""The loaded content keeps the contract of topics.yml and stays faithful to the privacy page."""

import re

import pytest

from knowledge import Catalog

ALLOWED_URLS = {
    "https://www.internationalsos.com/privacy-notice/",
    "https://www.internationalsos.com/privacy",
}
HANDOFF_NUMBER = "+1 215 942 8342"
URL = re.compile(r"https?://|www\.|\b[\w-]+\.(?:com|org|net|io)\b", re.IGNORECASE)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
PHONE = re.compile(r"\+?\d[\d\s().-]{5,}\d")


@pytest.fixture
def catalog(loaded_url):
    return Catalog.read(loaded_url)


def topics_of_kind(content, *kinds):
    return [t for t, entry in content["topics"]["topics"].items() if entry["kind"] in kinds]


def knowledge_topics(content):
    return topics_of_kind(content, "answer", "notice", "handoff")


def test_every_knowledge_topic_has_an_answer_and_no_other(catalog, content):
    topics = knowledge_topics(content)
    assert len(topics) == 32
    for topic in topics:
        answer = catalog.answers.get(topic)
        assert answer is not None, topic
        assert answer.topic == topic
        assert answer.text.strip()
        assert answer.sources
    assert list(catalog.answers) == topics


def test_topics_are_loaded_as_written(catalog, content):
    loaded = {t.id: {"kind": t.kind, "description": t.description} for t in catalog.topics.values()}
    assert loaded == content["topics"]["topics"]
    assert list(catalog.topics) == list(content["topics"]["topics"])
    assert catalog.kind("retention") == "answer" and catalog.kind("no.such.topic") is None


def test_topic_kinds_follow_the_ids(content):
    topics = content["topics"]["topics"]
    assert topics_of_kind(content, "notice") == [t for t in topics if t.startswith("notice.")]
    assert topics_of_kind(content, "chitchat") == [t for t in topics if t.startswith("chitchat.")]
    assert topics_of_kind(content, "handoff") == ["handoff.assistance"]
    assert topics_of_kind(content, "out_of_scope") == ["out_of_scope"]
    assert topics_of_kind(content, "language") == ["language.unsupported"]


def test_every_notice_topic_has_its_notice_linked_first(catalog, content):
    notice_topics = topics_of_kind(content, "notice")
    assert len(notice_topics) == 16
    for topic in notice_topics:
        notice = catalog.notice(topic)
        assert notice is not None and notice.id == topic
        assert [n.id for n in catalog.answers[topic].notices] == [topic]


def test_notices_are_loaded_in_file_order(catalog, content):
    expected = content["notices"]["notices"]
    notices = list(catalog.notices.values())
    assert [n.id for n in notices] == [n["id"] for n in expected]
    for notice, entry in zip(notices, expected, strict=True):
        assert (notice.title, notice.button, notice.audience, notice.url) == (
            entry["title"],
            entry["button"],
            entry["audience"],
            entry["url"],
        )
        assert notice.aliases == tuple(entry["aliases"])


def test_every_choice_has_a_short_title_of_its_own(catalog, content):
    """The title of the choice offered for a topic: the answer's button, or for a notice topic
    the notice's; a service's notice is its title without "Privacy Notice"."""
    titles = [catalog.button(topic) for topic in knowledge_topics(content)]
    assert len(set(titles)) == len(titles)
    assert catalog.button("handoff.assistance") == "Subscriber Assistance line"
    for notice in catalog.notices.values():
        assert catalog.button(notice.id) == notice.button
        assert len(notice.button) <= 40
        assert notice.id == "notice.company" or notice.title == f"{notice.button} Privacy Notice"


def test_every_source_sentence_is_on_the_page(catalog, content, page):
    for topic in knowledge_topics(content):
        for sentence in catalog.answers[topic].sources:
            assert " ".join(sentence.split()) in page, (topic, sentence)


def test_answers_are_short_and_name_no_address_or_number(catalog, content):
    for topic in knowledge_topics(content):
        text = catalog.answers[topic].text
        assert len(text.split()) <= 60, topic
        assert not URL.search(text), topic
        assert not EMAIL.search(text), topic
        if topic == "handoff.assistance":
            assert HANDOFF_NUMBER in text
            text = text.replace(HANDOFF_NUMBER, "")
        assert not PHONE.search(text), (topic, PHONE.search(text))


def test_answers_fix_the_page_typos(catalog, content):
    for topic in knowledge_topics(content):
        text = catalog.answers[topic].text.lower()
        for typo in ("orgaisation", "equipmment", "some of all", "as well our"):
            assert typo not in text, (topic, typo)


def test_notice_urls_are_the_allowed_ones(catalog):
    assert {n.url for n in catalog.notices.values()} <= ALLOWED_URLS
    assert catalog.notices["notice.company"].url == "https://www.internationalsos.com/privacy"


def test_service_modes(catalog, content):
    modes = {t: catalog.answers[t].service for t in knowledge_topics(content)}
    assert {t for t, m in modes.items() if m == "ask"} == {"rights.requests", "retention"}
    assert {t for t, m in modes.items() if m == "when_named"} >= {
        "sharing.vendors",
        "sharing.employers",
    }
    assert set(modes.values()) <= {None, "ask", "when_named"}
    for topic in ("rights.requests", "retention"):
        assert [n.id for n in catalog.answers[topic].notices] == ["notice.company"]


def test_key_answers_say_what_the_page_says(catalog):
    answers = catalog.answers
    assert "never sells" in answers["policy.no_sale"].text
    handoff = answers["handoff.assistance"]
    assert handoff.notices == ()
    assert handoff.sources == ("Subscriber Assistance+1 215 942 8342",)
    assert "Subscriber Assistance" in handoff.text
    medaire = answers["notice.medaire"].text
    for service in ("crew support", "medical equipment", "luxury yachting"):
        assert service in medaire
    assert "privacy notice of the service you use" in answers["retention"].text
    assert "privacy notice of the service you use" in answers["rights.requests"].text
