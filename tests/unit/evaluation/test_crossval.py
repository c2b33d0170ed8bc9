"""Cross-validation and fallback tuning: the replayed fallback rule and the folds."""

import pytest

from evaluation.crossval import Parsed, folds, outcome, thresholds
from evaluation.tune_fallback import grid
from orchestration.train import CONFIG


def parsed(*ranking, topics=("retention",), service=None):
    return Parsed("q", topics, tuple(ranking), service)


def test_a_confident_intent_is_answered_with_its_routed_topic():
    got = outcome(parsed(("ask_retention", 0.9), ("ask_rights", 0.05)), 0.5, 0.1)
    assert got.topic == "retention"
    got = outcome(parsed(("ask_notice", 0.9), service="notice.tracker"), 0.5, 0.1)
    assert got.topic == "notice.tracker"
    assert outcome(parsed(("out_of_scope", 0.9)), 0.5, 0.1).topic == "out_of_scope"


@pytest.mark.parametrize(
    "ranking",
    [
        (("ask_retention", 0.45), ("ask_rights", 0.3)),  # below the threshold
        (("ask_retention", 0.52), ("ask_rights", 0.48)),  # top two too close
    ],
)
def test_an_unsure_intent_is_clarified_with_the_ranked_topics(ranking):
    got = outcome(parsed(*ranking), 0.5, 0.1)
    assert got.topic == "clarify"
    assert got.candidates == ("retention", "rights.requests")


def test_small_talk_unsure_only_which_is_answered_as_the_best_of_it():
    got = outcome(parsed(("thank", 0.44), ("goodbye", 0.31), ("ask_rights", 0.2)), 0.5, 0.1)
    assert got.topic == "chitchat.thanks"


def test_folds_deal_every_question_once_and_stably():
    questions = [{"q": f"question {i}"} for i in range(23)]
    dealt = folds(questions, 5)
    assert sorted(q["q"] for fold in dealt for q in fold) == sorted(q["q"] for q in questions)
    assert [len(f) for f in dealt] == [5, 5, 5, 4, 4]
    assert dealt == folds(list(reversed(questions)), 5)


def test_the_thresholds_are_read_from_the_config():
    assert thresholds(CONFIG) == (0.45, 0.0)


def test_grid_ranks_by_right_minus_twice_wrong():
    cases = [
        parsed(("ask_retention", 0.55), ("ask_rights", 0.05)),
        parsed(("ask_rights", 0.65), ("ask_cookies", 0.3)),  # wrong unless clarified
        parsed(("ask_retention", 0.9), ("ask_rights", 0.05)),
    ]
    best = grid(cases)[0]
    assert (best["threshold"], best["right"], best["wrong"]) == (0.7, 1 / 3, 0.0)
    assert best["clarify"] == 2 / 3 and best["rightly_clarified"] == 1 / 3
