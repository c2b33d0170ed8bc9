"""Faithful to the letter: answers claim nothing their page sentences lack, links say where
they lead, and every alias names one notice only."""

import re
from collections import Counter

import pytest

from contract import routing
from knowledge.loader import read_content
from knowledge.settings import PAGE_PATH
from knowledge.store import normalize

# Words that name a right, a period, a process, a place or a role; an answer may use one only
# when one of its source sentences does too.
CLAIMS = {
    "right": r"access\w*|correct(?:ion|ing)?|rectif\w*|delet\w*|eras\w*|object(?:ion|ing)?"
    r"|portab\w*|restrict\w*|opt(?:ing)? out|withdraw\w*|complain\w*",
    "period": r"\d+\s*(?:day|week|month|year)s?|days?|weeks?|months?|years?|as long as"
    r"|no longer than|periods?",
    "process": r"submit\w*|(?:make|send|file) a request|request form|fill(?:ing)? (?:in|out)"
    r"|forms?|e-?mail us|write to us|verify your identity|proof of identity|sets? out",
    "place": r"countr(?:y|ies)|globally|worldwide|abroad|overseas",
    "role": r"data protection officers?|dpos?",
}
# The page's names for the groups it shares with, and for who is in them.
SHARING_TERMS = {
    "international sos company",
    "vendor",
    "employer",
    "provider network",
    "provider",
    "hospital",
    "clinic",
    "practitioner",
    "individual practitioner",
    "payment processing provider",
    "website analytic",
    "hosting",
}
# Bare words that fit several notices, or people outside the notice they would name.
GENERIC = {
    "employee",
    "employment",
    "staff",
    "staff member",
    "government",
    "government agency",
    "portal",
    "web portal",
    "online portal",
    "clinic",
    "online training",
    "online course",
    "assistance service",
}
# Words that mean something else in ordinary sentences: any app, any clinic, any website, to
# resume, hiring a car, a visa applicant, a login of any kind. Not aliases: the service
# recogniser (bot/service_recogniser.py) reads them in context. "tracker" (a fitness tracker)
# stays one: without it, the recogniser missed a measured question naming the Tracker (README).
AMBIGUOUS = {
    "medical clinic",
    "website",
    "this website",
    "health assessment",
    "fitness to work",
    "fitness for work",
    "medical equipment",
    "uk medical",
    "uk training",
    "resume",
    "hiring",
    "applicant",
    "subscriber login",
    "member login",
    "app",
    "the app",
}
FILLER = {"a", "an", "and", "for", "my", "of", "our", "privacy", "notice", "s", "the", "your"}
# A choice's title is what a person would click: short and plain, no note to ourselves, no
# list in brackets or after a comma, no "all" that makes a list complete, no third person.
TITLE_WORDS = 8
NOT_A_TITLE = re.compile(
    r"[(),;]|\b(?:answered|pointing|all|every|four|glance|person|person's|someone)\b", re.I
)
# What the page says a person may do about their data (under "We give you choices").
INFLUENCE = (
    "Where applicable, we allow you to influence how we collect and use your personal information."
)
OPTIONS = (
    "This includes providing you with options as to how we share your data when you reach out to"
    " us for assistance, as well as options as how to we monitor your use of our services through"
    " cookie management."
)
# Page content an answer of its own must rest on: the answer a question about it reaches.
HOMES = {
    "principle.protection": "#YesItMatters that we design all of our products and services with"
    " privacy in mind.",
    "sharing.employers": "Where we are working with your employer and receive information from"
    " them, we work with them to maintain this principle of transparency.",
    "website.contact_info": "If you contact one of our Assistance Centres for advice or support,"
    " we’ll need to ask you for some of your personal information.",
    "notice.medical_clinics": "UK Medical and Training Services Privacy Notice",
}
PRIVACY_PAGE = "https://www.internationalsos.com/privacy-notice/"
# Words that present a link as the notice itself ("this is the Tracker Privacy Notice").
THIS_IS = re.compile(r"\b(?:this|here) is the\b|\bhere's the\b|\bbelow is\b", re.I)
# The page gives the number in its header ("Subscriber Assistance+1 215 942 8342") and nothing
# about when to call it: the number's sentence says no more, and nothing around it says when.
ASSISTANCE_LINE = "Subscriber Assistance: +1 215 942 8342."
WHEN_TO_CALL = re.compile(r"\bif you need\b|\bnow\b|urgent|emergenc|\bany ?time\b|24/7", re.I)


def singular(text: str) -> str:
    """Normalised, each word in the singular: "Government Agencies" -> "government agency"."""
    words = (re.sub(r"ies$", "y", word) for word in normalize(text).split())
    return " ".join(re.sub(r"(?<=\w\w[^s])s$", "", word) for word in words)


def claims(text: str) -> set[tuple[str, str]]:
    """(kind, word) of every right, period and process `text` names."""
    return {
        (kind, found.group(0))
        for kind, pattern in CLAIMS.items()
        for found in re.finditer(rf"\b(?:{pattern})\b", text.lower())
    }


@pytest.fixture(scope="module")
def content():
    return read_content()


def answer_of(content, topic: str) -> dict:
    return next(answer for answer in content.answers if answer["topic"] == topic)


def test_claims_finds_rights_periods_and_processes():
    assert claims("You can delete it within 30 days: submit a request.") == {
        ("right", "delete"),
        ("period", "30 days"),
        ("process", "submit"),
    }
    assert claims("Our Data Protection Officers in other countries") == {
        ("role", "data protection officers"),
        ("place", "countries"),
    }
    assert claims("We never sell your personal information.") == set()


def test_answers_name_no_right_period_or_process_their_sources_lack(content):
    unsourced = {
        answer["topic"]: sorted(claims(answer["text"]) - claims(" ".join(answer["sources"])))
        for answer in content.answers
    }
    assert {topic: found for topic, found in unsourced.items() if found} == {}


def test_every_sentence_of_the_page_is_a_source(content):
    """Its sentences, that is, not its headings, menu or phone line (lines without a full stop)."""
    sources = " ".join(sentence for answer in content.answers for sentence in answer["sources"])
    lines = (" ".join(line.split()).strip("• ") for line in PAGE_PATH.read_text().splitlines())
    sentences = [s for line in lines if line.endswith(".") for s in re.split(r"(?<=\.) ", line)]
    assert len(sentences) > 40
    assert [sentence for sentence in sentences if sentence not in sources] == []


@pytest.mark.parametrize(("topic", "sentence"), sorted(HOMES.items()))
def test_page_content_is_in_the_answer_a_question_about_it_reaches(content, topic, sentence):
    assert sentence in answer_of(content, topic)["sources"]


def test_the_rights_answer_says_what_the_page_lets_you_do(content):
    """Then it points to the notices for the rest, without saying the page is silent."""
    rights = answer_of(content, "rights.requests")
    assert {INFLUENCE, OPTIONS} <= set(rights["sources"])
    assert "influence" in rights["text"] and "cookie management" in rights["text"]
    assert "doesn't say what you can ask" not in rights["text"]


def test_app_permission_questions_are_told_the_page_does_not_cover_them(content):
    """They get the Assistance App notice's answer (routing.yml): it says so before the link."""
    text = answer_of(content, routing.NOTICES["ask_app_permissions"])["text"]
    assert re.search(r"privacy page doesn't say[^.]*permissions", text)


def test_small_talk_replies_claim_nothing_and_promise_no_person():
    for topic, text in routing.REPLIES.items():
        assert claims(text) == set(), topic
        assert not re.search(r"(?:talk|speak) to|a human|(?<!not )a person", text), topic
        assert "+1" not in text or ASSISTANCE_LINE in text, topic


def test_choice_titles_are_short_and_plain(content):
    titles = [answer["button"] for answer in content.answers if answer["button"]]
    titles += [notice["button"] for notice in content.notices]
    assert [t for t in titles if len(t.split()) > TITLE_WORDS or NOT_A_TITLE.search(t)] == []


def test_the_cookie_icon_is_where_the_page_has_it(content):
    """On the privacy page: the assistant may be in the app, where there is none."""
    sentences = [
        (answer["topic"], sentence)
        for answer in content.answers
        for sentence in re.split(r"(?<=[.?!]) ", answer["text"])
        if "cookie icon" in sentence
    ]
    assert sentences and [s for s in sentences if "privacy page" not in s[1]] == []


def test_the_assistance_number_comes_with_nothing_the_page_does_not_say(content):
    texts = [
        *routing.REPLIES.values(),
        answer_of(content, "handoff.assistance")["text"],
        routing.CLARIFY.again,
    ]
    with_number = [text for text in texts if "+1" in text]
    assert len(with_number) >= 3
    for text in with_number:
        sentences = re.split(r"(?<=[.?!]) ", text)
        assert [s for s in sentences if "+1" in s] == [ASSISTANCE_LINE], text
        assert not WHEN_TO_CALL.search(text), text


def test_link_labels_say_where_they_lead(content):
    for notice in content.notices:
        if notice["url"] == PRIVACY_PAGE:
            assert "privacy page" in notice["label"], notice["id"]
            assert notice["title"] in notice["label"], notice["id"]
        else:
            assert notice["label"] == notice["title"], notice["id"]


def test_notice_titles_are_the_pages_words_and_urls_say_where_they_come_from(content, page):
    """Titles in the page's words (its case aside: "Web Visitor privacy notice"). The page copy
    holds no URL: each notice records where its URL comes from, and when it was last checked."""
    for notice in content.notices:
        assert notice["title"].lower() in page.lower(), notice["id"]
        assert notice["url_source"] and notice["url_checked"], notice["id"]


def test_an_answer_linking_the_privacy_page_does_not_call_it_the_notice(content):
    """The privacy page links to the service notices; the answer says so, as the label does."""
    page_links = {notice["id"] for notice in content.notices if notice["url"] == PRIVACY_PAGE}
    wrong = [
        answer["topic"]
        for answer in content.answers
        if page_links & set(answer["notices"]) and THIS_IS.search(answer["text"])
    ]
    assert wrong == []


def test_every_alias_names_one_notice_only(content):
    owners = Counter(normalize(a) for notice in content.notices for a in notice["aliases"])
    assert [alias for alias, count in owners.items() if count > 1] == []
    ambiguous = []
    for notice in content.notices:
        others = {
            word
            for other in content.notices
            if other is not notice
            for word in singular(other["title"]).split()
        }
        for alias in notice["aliases"]:
            key = singular(alias)
            if key in SHARING_TERMS | GENERIC | AMBIGUOUS or set(key.split()) - FILLER <= others:
                ambiguous.append(alias)
    assert ambiguous == []
