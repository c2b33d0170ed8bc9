"""Faithful to the letter: answers claim nothing their page sentences lack, and links say
where they lead."""

import re

import pytest
import yaml

from bot.paths import DOMAIN
from knowledge.loader import read_content

# Words that name a right, a period or a process; an answer may use one only when one of its
# source sentences does too.
CLAIMS = {
    "right": r"access\w*|correct(?:ion|ing)?|rectif\w*|delet\w*|eras\w*|object(?:ion|ing)?"
    r"|portab\w*|restrict\w*|opt(?:ing)? out|withdraw\w*|complain\w*",
    "period": r"\d+\s*(?:day|week|month|year)s?|days?|weeks?|months?|years?|as long as"
    r"|no longer than|periods?",
    "process": r"submit\w*|(?:make|send|file) a request|request form|fill(?:ing)? (?:in|out)"
    r"|forms?|e-?mail us|write to us|verify your identity|proof of identity|sets? out",
}
PRIVACY_PAGE = "https://www.internationalsos.com/privacy-notice/"
ASSISTANCE_LINE = "Subscriber Assistance on +1 215 942 8342"


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


def test_claims_finds_rights_periods_and_processes():
    assert claims("You can delete it within 30 days: submit a request.") == {
        ("right", "delete"),
        ("period", "30 days"),
        ("process", "submit"),
    }
    assert claims("We never sell your personal information.") == set()


def test_answers_name_no_right_period_or_process_their_sources_lack(content):
    unsourced = {
        answer["topic"]: sorted(claims(answer["text"]) - claims(" ".join(answer["sources"])))
        for answer in content.answers
    }
    assert {topic: found for topic, found in unsourced.items() if found} == {}


def test_domain_responses_claim_nothing_and_promise_no_person():
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
    for name, variants in responses.items():
        for variant in variants:
            text = variant["text"]
            assert claims(text) == set(), name
            assert not re.search(r"(?:talk|speak) to|a human|(?<!not )a person", text), name
            assert "+1" not in text or ASSISTANCE_LINE in text, name


def test_link_labels_say_where_they_lead(content):
    for notice in content.notices:
        if notice["url"] == PRIVACY_PAGE:
            assert "privacy page" in notice["label"], notice["id"]
            assert notice["title"] in notice["label"], notice["id"]
        else:
            assert notice["label"] == notice["title"], notice["id"]
