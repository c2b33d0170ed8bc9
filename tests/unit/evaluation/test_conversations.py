"""Scoring whole conversations: a turn is right on topic (and notices, where listed)."""

import pytest

from evaluation.conversations import Conversation, Turn, load, right, score

RETENTION = Turn("how long?", ("retention",), ("notice.company",))
TYPED = Turn("tracker", ("retention",), ("notice.tracker",))
ANY_NOTICE = Turn("hi", ("chitchat.greet", "out_of_scope"), None)


def test_a_turn_is_right_on_an_expected_topic_with_exactly_its_notices():
    assert right(TYPED, {"topic": "retention", "notices": ["notice.tracker"]})
    assert not right(TYPED, {"topic": "retention", "notices": ["notice.company"]})
    assert not right(TYPED, {"topic": "clarify", "candidates": ["retention"]})
    assert not right(TYPED, None)
    assert right(ANY_NOTICE, {"topic": "out_of_scope", "notices": []})


def test_follow_up_turns_and_whole_conversations_are_counted_apart():
    conversations = [
        Conversation("typed", (RETENTION, TYPED)),
        Conversation("greeted", (ANY_NOTICE, TYPED)),
    ]
    played = [
        [{"topic": "retention", "notices": ["notice.company"]},
         {"topic": "retention", "notices": ["notice.tracker"]}],
        [{"topic": "chitchat.greet", "notices": []}, None],
    ]  # fmt: skip
    report = score(conversations, played)
    assert (report["turns"], report["turns_right"]) == (4, 0.75)
    assert report["follow_up_turns_right"] == 0.5
    assert report["conversations_right"] == 0.5
    assert [(w["conversation"], w["turn"]) for w in report["wrong"]] == [("greeted", 2)]


def test_an_unknown_topic_or_notice_is_refused(tmp_path):
    path = tmp_path / "conversations.yml"
    path.write_text(
        "conversations:\n  - name: x\n    turns:\n"
        "      - user: hi\n        expect: {topic: retention, notices: [notice.nowhere]}\n"
    )
    with pytest.raises(ValueError, match="notice.nowhere"):
        load(path)
