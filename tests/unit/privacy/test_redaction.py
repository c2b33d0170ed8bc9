"""The redactor on the labelled cases of evaluation/data/pii_cases.yml, and its contract."""

import pytest

from evaluation.redaction_eval import GOALS, MAX_ALTERED, load_cases, missed, score
from knowledge import read_content
from privacy.redaction import RedactionTimeout, TooLong, find, has_health, redact

CASES = load_cases()
TUNING = CASES["tuning"]


@pytest.fixture(scope="module")
def heldout() -> dict:
    return score(CASES["heldout"])


@pytest.mark.parametrize("kind", GOALS)
def test_heldout_recall_meets_the_goal(heldout, kind):
    recall = heldout["recall"][kind]
    assert recall["recall"] >= GOALS[kind], [m for m in heldout["misses"] if kind in m["left"]]


def test_heldout_clean_questions_are_left_alone(heldout):
    assert heldout["clean_altered_share"] <= MAX_ALTERED, heldout["altered"]


@pytest.mark.parametrize("case", TUNING["pii"], ids=lambda case: case["text"][:40])
def test_every_tuning_case_is_caught(case):
    redacted = redact(case["text"])
    assert not missed(case, redacted), redacted


@pytest.mark.parametrize("question", TUNING["clean"])
def test_every_tuning_clean_question_is_unchanged(question):
    assert redact(question) == question


def test_the_hostile_example_gets_a_placeholder_per_kind():
    text = (
        "Maria Gonzalez, 221B Baker Street, London NW1 6XE, 12/03/1985, passport AB123456, "
        "I have HIV, maria@example.com, +44 20 7946 0958, card 4111 1111 1111 1111, "
        "IBAN GB82 WEST 1234 5698 7654 32"
    )
    assert redact(text) == (
        "[name], [address], London [postcode], [date], passport [id], I have [health], "
        "[email], [phone], card [card], IBAN [iban]"
    )


def test_every_notice_title_and_alias_is_kept():
    for notice in read_content().notices:
        for text in (notice["title"], *notice["aliases"]):
            for said in (f"I have the {text}", f"I'm using {text} with Maria", text.title()):
                assert text.lower() in redact(said).lower(), said


@pytest.mark.parametrize(
    "text",
    [
        "Does the app track me 24/7?",
        "What changed in 2024?",
        "Are you ISO 27001 certified?",
        "Do you keep data for 90 days?",
        "card 4111 1111 1111 1112",  # fails the Luhn check: not a card, but still 16 digits
    ],
)
def test_numbers_that_are_not_personal_data_stay_unless_long(text):
    digits = sum(c.isdigit() for c in text)
    assert (redact(text) == text) == (digits < 7)


def test_checksums_decide_between_iban_card_and_id():
    assert redact("GB82 WEST 1234 5698 7654 32") == "[iban]"
    assert redact("GB83WEST12345698765432") == "[id]"  # wrong check digits
    assert redact("4111111111111111") == "[card]"
    assert redact("4111111111111112") == "[id]"  # fails Luhn


def test_redaction_is_idempotent():
    for case in TUNING["pii"]:
        once = redact(case["text"])
        assert redact(once) == once


def test_health_disclosures_are_told_from_health_questions():
    assert has_health("I have HIV, can my employer find out?")
    assert has_health("my daughter is deaf")
    assert not has_health("Is my health data shared with my employer?")
    assert not has_health("Does MedFit keep my occupational health assessment?")


@pytest.mark.parametrize("call", [redact, find, has_health])
def test_texts_over_1000_characters_are_refused(call):
    call("x" * 1000)
    with pytest.raises(TooLong):
        call("x" * 1001)


@pytest.mark.parametrize("call", [redact, find, has_health])
def test_redaction_past_its_budget_is_refused(call):
    ticks = iter(range(100))  # a clock moving a second each time it is read
    with pytest.raises(RedactionTimeout):
        call("Maria lives at 221B Baker Street", budget=0.5, clock=lambda: next(ticks))
    assert call("Maria lives at 221B Baker Street", budget=0.5, clock=lambda: 0.0) is not None
