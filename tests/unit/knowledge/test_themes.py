"""Unanswered questions grouped into themes by similarity."""

import random

from knowledge.themes import Theme, themes

ASKED = [
    ("how long do you keep my tracker data?", 2),
    ("how long do you keep my data?", 1),
    ("how long is my data kept?", 1),
    ("do you sell my data to advertisers?", 1),
    ("is my data sold to advertisers?", 1),
    ("do advertisers buy my data?", 1),
    ("what is the capital of peru", 1),
]


def test_questions_alike_make_one_theme_the_most_asked_first():
    assert themes(ASKED) == [
        Theme(4, "how long do you keep my tracker data?"),
        Theme(3, "do advertisers buy my data?"),  # all asked once: the closest to the others
        Theme(1, "what is the capital of peru"),
    ]


def test_the_same_questions_give_the_same_themes_in_any_order():
    shuffled = list(ASKED)
    random.Random(7).shuffle(shuffled)
    assert themes(shuffled) == themes(ASKED)


def test_a_question_listed_twice_counts_its_conversations_once_each():
    assert themes([("is my data sold?", 2), ("is my data sold?", 3)]) == [
        Theme(5, "is my data sold?")
    ]


def test_placeholders_and_common_words_make_no_theme():
    found = themes([("call [phone] about my data", 1), ("my [email] personal information", 1)])
    assert [theme.count for theme in found] == [1, 1]


def test_no_question_one_question_or_questions_without_words():
    assert themes([]) == []
    assert themes([("why?", 1)]) == [Theme(1, "why?")]
    assert themes([("?", 1), ("[number]", 2)]) == [Theme(2, "[number]"), Theme(1, "?")]
