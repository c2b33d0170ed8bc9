"""The loaded content keeps the contract of topics.yml and stays faithful to the privacy page."""

import re

import pytest

from knowledge import KnowledgeStore
from knowledge.loader import is_knowledge_topic

ALLOWED_URLS = {
    "https://www.internationalsos.com/privacy-notice/",
    "https://www.internationalsos.com/privacy",
}
HANDOFF_NUMBER = "+1 215 942 8342"
URL = re.compile(r"https?://|www\.|\b[\w-]+\.(?:com|org|net|io)\b", re.IGNORECASE)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
PHONE = re.compile(r"\+?\d[\d\s().-]{5,}\d")


@pytest.fixture
def store(loaded_url):
    with KnowledgeStore(loaded_url) as store:
        yield store


def knowledge_topics(content):
    return [t for t in content["topics"]["topics"] if is_knowledge_topic(t)]


def test_every_knowledge_topic_has_an_answer_and_no_other(store, content):
    topics = knowledge_topics(content)
    assert len(topics) == 32
    for topic in topics:
        answer = store.answer(topic)
        assert answer is not None, topic
        assert answer.topic == topic
        assert answer.text.strip()
        assert answer.sources
    for topic in set(content["topics"]["topics"]) - set(topics):
        assert store.answer(topic) is None
    assert store.answer("no.such.topic") is None


def test_topics_are_loaded_as_written(store, content):
    assert store.topics() == content["topics"]["topics"]
    assert list(store.topics()) == list(content["topics"]["topics"])


def test_every_notice_topic_has_its_notice_linked_first(store, content):
    notice_topics = [t for t in content["topics"]["topics"] if t.startswith("notice.")]
    assert len(notice_topics) == 16
    for topic in notice_topics:
        notice = store.notice(topic)
        assert notice is not None and notice.id == topic
        assert [n.id for n in store.answer(topic).notices] == [topic]


def test_notices_are_loaded_in_file_order(store, content):
    expected = content["notices"]["notices"]
    notices = store.notices()
    assert [n.id for n in notices] == [n["id"] for n in expected]
    for notice, entry in zip(notices, expected, strict=True):
        assert (notice.title, notice.audience, notice.url) == (
            entry["title"],
            entry["audience"],
            entry["url"],
        )
        assert notice.aliases == tuple(entry["aliases"])


def test_every_source_sentence_is_on_the_page(store, content, page):
    for topic in knowledge_topics(content):
        for sentence in store.answer(topic).sources:
            assert " ".join(sentence.split()) in page, (topic, sentence)


def test_answers_are_short_and_name_no_address_or_number(store, content):
    for topic in knowledge_topics(content):
        text = store.answer(topic).text
        assert len(text.split()) <= 60, topic
        assert not URL.search(text), topic
        assert not EMAIL.search(text), topic
        if topic == "handoff.assistance":
            assert HANDOFF_NUMBER in text
            text = text.replace(HANDOFF_NUMBER, "")
        assert not PHONE.search(text), (topic, PHONE.search(text))


def test_answers_fix_the_page_typos(store, content):
    for topic in knowledge_topics(content):
        text = store.answer(topic).text.lower()
        for typo in ("orgaisation", "equipmment", "some of all", "as well our"):
            assert typo not in text, (topic, typo)


def test_notice_urls_are_the_allowed_ones(store):
    assert {n.url for n in store.notices()} <= ALLOWED_URLS
    assert store.notice("notice.company").url == "https://www.internationalsos.com/privacy"


def test_service_modes(store, content):
    modes = {t: store.answer(t).service for t in knowledge_topics(content)}
    assert {t for t, m in modes.items() if m == "ask"} == {"rights.requests", "retention"}
    assert {t for t, m in modes.items() if m == "when_named"} >= {
        "sharing.vendors",
        "sharing.employers",
    }
    assert set(modes.values()) <= {None, "ask", "when_named"}
    for topic in ("rights.requests", "retention"):
        assert [n.id for n in store.answer(topic).notices] == ["notice.company"]


def test_key_answers_say_what_the_page_says(store):
    assert "never sells" in store.answer("policy.no_sale").text
    handoff = store.answer("handoff.assistance")
    assert handoff.notices == ()
    assert handoff.sources == ("Subscriber Assistance+1 215 942 8342",)
    assert "Subscriber Assistance" in handoff.text
    medaire = store.answer("notice.medaire").text
    for service in ("crew support", "medical equipment", "luxury yachting"):
        assert service in medaire
    assert "privacy notice of the service you use" in store.answer("retention").text
    assert "privacy notice of the service you use" in store.answer("rights.requests").text
