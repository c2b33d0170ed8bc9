"""The evaluation's metric functions and question-file loader, on small hand-made data."""

import pytest

from evaluation.evaluate import (
    Outcome,
    QuestionFileError,
    clarified,
    load_questions,
    per_topic,
    percentile,
    score,
)

GOLD = [
    ("sharing.vendors",),
    ("sharing.vendors", "sharing.overview"),
    ("retention",),
    ("out_of_scope",),
    ("out_of_scope",),
    ("notice.medaire",),
]
GOT = [
    Outcome("sharing.vendors", ms=10.0),
    Outcome("sharing.overview", ms=20.0),
    Outcome("clarify", ("rights.requests", "retention"), ms=30.0),
    Outcome("out_of_scope", ms=40.0),
    Outcome("sharing.vendors", ms=50.0),
    Outcome(None, error="ClientConnectorError", ms=5.0),
]


def test_score_headline_figures():
    report = score(GOLD, GOT)
    assert report["questions"] == 6
    assert report["top1_accuracy"] == pytest.approx(3 / 6)
    assert report["answered_or_clarified"] == pytest.approx(4 / 6)
    # out of scope: 2 questions, 1 answered so (recall); 1 right of 1 such answer (precision)
    assert report["out_of_scope_recall"] == pytest.approx(1 / 2)
    assert report["out_of_scope_precision"] == 1.0
    assert report["out_of_scope_questions"] == 2
    assert report["clarified"] == 1
    assert report["missing_payload"] == 0
    assert report["errors"] == 1
    # errors are left out of the latencies: 10, 20, 30, 40, 50
    assert report["latency_ms"] == {"p50": 30.0, "p95": pytest.approx(48.0)}


def test_per_topic_precision_and_recall():
    table = per_topic(GOLD, GOT)
    assert table["sharing.vendors"] == {
        "support": 2,
        "predicted": 2,
        "precision": 0.5,
        "recall": 1.0,
        "misses": 0,
    }
    # answered with the other acceptable topic: a hit for the recall of both
    assert table["sharing.overview"] == {
        "support": 1,
        "predicted": 1,
        "precision": 1.0,
        "recall": 1.0,
        "misses": 0,
    }
    assert table["retention"] == {
        "support": 1,
        "predicted": 0,
        "precision": None,
        "recall": 0.0,
        "misses": 1,
    }
    assert table["notice.medaire"]["recall"] == 0.0
    assert table["out_of_scope"] == {
        "support": 2,
        "predicted": 1,
        "precision": 1.0,
        "recall": 0.5,
        "misses": 1,
    }
    assert "clarify" not in table


def test_missing_payload_counts_apart_from_errors():
    report = score([("retention",), ("retention",)], [Outcome(None, ms=3.0), Outcome("retention")])
    assert report["missing_payload"] == 1
    assert report["errors"] == 0
    assert report["top1_accuracy"] == 0.5
    assert report["out_of_scope_recall"] is None
    assert report["out_of_scope_precision"] is None


def test_clarified_needs_an_acceptable_candidate():
    assert clarified(("retention",), Outcome("clarify", ("rights.requests", "retention")))
    assert not clarified(("retention",), Outcome("clarify", ("rights.requests",)))
    assert not clarified(("retention",), Outcome("retention"))


def test_percentile_interpolates_between_ranks():
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile(range(1, 101), 95) == pytest.approx(95.05)
    assert percentile([1.0, 2.0], 100) == 2.0


def test_load_questions(tmp_path):
    path = tmp_path / "q.yml"
    path.write_text(
        "questions:\n"
        "  - {q: 'Who sees my data?', intent: ask_sharing_overview, topics: [sharing.overview]}\n"
        "  - {q: 'Weather?', topics: [out_of_scope]}\n"
    )
    questions = load_questions(path, {"sharing.overview", "out_of_scope"})
    assert [(q.q, q.intent, q.topics) for q in questions] == [
        ("Who sees my data?", "ask_sharing_overview", ("sharing.overview",)),
        ("Weather?", None, ("out_of_scope",)),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("questions: [\n", "cannot read"),
        ("- just a list\n", "non-empty list under 'questions:'"),
        ("questions: []\n", "non-empty list under 'questions:'"),
        ("questions:\n  - {topics: [retention]}\n", "question 1: needs a non-empty text 'q'"),
        ("questions:\n  - {q: 'How long?'}\n", "question 1: needs 'topics'"),
        ("questions:\n  - {q: 'How long?', topics: retention}\n", "question 1: needs 'topics'"),
        (
            "questions:\n  - {q: 'How long?', topics: [retention]}\n"
            "  - {q: 'Who?', topics: [sharing.everyone]}\n",
            "question 2: unknown topics ['sharing.everyone']",
        ),
    ],
)
def test_load_questions_rejects_a_bad_file_clearly(tmp_path, text, message):
    path = tmp_path / "bad.yml"
    path.write_text(text)
    with pytest.raises(QuestionFileError, match=r".*bad\.yml.*") as error:
        load_questions(path, {"retention", "sharing.overview"})
    assert message in str(error.value)


def test_load_questions_missing_file(tmp_path):
    with pytest.raises(QuestionFileError, match="cannot read"):
        load_questions(tmp_path / "nowhere.yml")


def test_load_questions_of_one_split(tmp_path):
    path = tmp_path / "q.yml"
    path.write_text(
        "questions:\n"
        "  - {q: 'Who sees my data?', topics: [sharing.overview], split: train}\n"
        "  - {q: 'Weather?', topics: [out_of_scope], split: dev}\n"
    )
    assert [q.q for q in load_questions(path, split="dev")] == ["Weather?"]
    with pytest.raises(QuestionFileError, match="no questions in split 'test'"):
        load_questions(path, split="test")


def test_the_measuring_sets_load():
    from evaluation.evaluate import QUESTIONS, known_topics
    from orchestration.paths import REALWORLD

    assert len(load_questions(QUESTIONS, known_topics())) == 231
    assert len(load_questions(REALWORLD, known_topics(), "dev")) == 324
