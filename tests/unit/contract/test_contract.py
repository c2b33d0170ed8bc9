"""The contract is the one place the rooms share ids and the reply format: it agrees with
topics.yml, and no room reaches into another's package for it."""

import ast

import pytest

from contract import replies, routing
from contract.topics import CLARIFY, COMPANY_NOTICE, HANDOFF, OUT_OF_SCOPE, UNAVAILABLE, Kind
from knowledge import read_content
from orchestration.paths import ROOT


@pytest.fixture(scope="module")
def topics() -> dict[str, str]:
    return {topic.id: topic.kind for topic in read_content().topics.values()}


def test_the_named_topics_exist_with_their_kinds(topics):
    assert topics[COMPANY_NOTICE] == Kind.NOTICE
    assert topics[HANDOFF] == Kind.HANDOFF
    assert topics[OUT_OF_SCOPE] == Kind.OUT_OF_SCOPE


def test_every_kind_of_topics_yml_is_a_kind_and_pseudo_topics_are_no_topics(topics):
    assert set(topics.values()) == {kind.value for kind in Kind}
    assert not {CLARIFY, UNAVAILABLE} & set(topics)
    assert routing.UNAVAILABLE_REPLY["custom"]["topic"] == UNAVAILABLE


def test_the_payload_is_the_first_custom_payload_with_a_topic():
    messages = [
        {"recipient_id": "a", "text": "Hello"},
        {"recipient_id": "a", "custom": {"kind": "card"}},
        {"recipient_id": "a", "custom": {"topic": ["not", "a", "string"]}},
        {"recipient_id": "a", "custom": {"topic": CLARIFY, "candidates": ["retention"]}},
        {"recipient_id": "a", "custom": {"topic": "retention", "notices": []}},
    ]
    assert replies.payload(messages) == {"topic": CLARIFY, "candidates": ["retention"]}
    assert replies.payload([{"text": "no payload"}, "not a message", None]) is None


def imported_packages(package: str) -> set[str]:
    """The top-level packages `package`'s modules import."""
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "never"),
    [
        (
            "contract",
            {"actions", "bot", "knowledge", "privacy", "frontdoor", "orchestration", "evaluation"},
        ),
        ("knowledge", {"actions", "bot", "privacy", "frontdoor", "orchestration", "evaluation"}),
        ("privacy", {"actions", "bot", "frontdoor", "orchestration", "evaluation"}),
        ("frontdoor", {"actions", "orchestration", "evaluation"}),
        ("actions", {"frontdoor", "orchestration", "evaluation"}),
    ],
)
def test_no_room_imports_what_it_should_not(package, never):
    assert not imported_packages(package) & never
