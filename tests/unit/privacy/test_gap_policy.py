"""What the list of unanswered questions keeps of a message (privacy.gap_policy)."""

import pytest

from evaluation.redaction_eval import LIST_GOAL, load_cases, privacy_questions, unanswered_list
from privacy.gap_policy import MAX_CHARS, kept_text, normalised, replaced

PARTS = {name: part for name, part in load_cases().items() if name != "blind"}


@pytest.fixture(scope="module", params=list(PARTS))
def scored(request):
    return unanswered_list(PARTS[request.param])


def test_recall_per_kind_meets_the_goal_on_the_parts_it_was_made_with(scored):
    assert {k: r["recall"] for k, r in scored["recall"].items() if r["recall"] < LIST_GOAL} == {}


def test_few_clean_questions_are_dropped(scored):
    assert scored["clean_dropped_share"] <= 0.2  # hard: 12 of 60, mostly about health


@pytest.mark.parametrize("name", ["heldout_questions", "privacyqa_train"])
def test_few_questions_of_the_project_are_dropped(name):
    questions = privacy_questions()[name]
    assert sum(kept_text(q) is None for q in questions) / len(questions) <= 0.02


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ca\u200bn my em\u00adployer\u2060 see it\ufeff?", "Can my employer see it?"),
        ("who \u202esees\u202c my \u2067data\u2069", "who sees my data"),
        ("is it\x00 kept\x1b[1;31m?\x07", "is it kept?"),
        (
            "Do<span class=x>es</span> **the** app &amp; <b>site</b> track me",
            "Does the app & site track me",
        ),
        ("\uff37\uff48\uff4f \ufb01les   my\n\tdata?", "Who files my data?"),
    ],
)
def test_text_is_normalised_first(text, expected):
    assert normalised(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jo.lee at mailhost dot net please", "write to [email] please"),
        ("reach me: kim (at) post [dot] de, thanks a lot", "reach me: [email], thanks a lot"),
        (
            "mail pat_r @ inbox . io or pat at gmail about this",
            "mail [email] or [email] about this",
        ),
        (
            "the new policy is at hxxps://isos-login[.]example/x?id=1.",
            "the new policy is at [url].",
        ),
        ("go to secure-isos.example.com/verify, then sign in", "go to [url], then sign in"),
        ("see www.example.org and policy-update.co.uk now", "see [url] and [url] now"),
        (
            "ref 12-44, code 919 and 07/31: are these kept",
            "ref [number], code [number] and [number]: are these kept",
        ),
        ("is my account K7 or Q-22 stored", "is my account [number] or Q-[number] stored"),
        ("my pin is four four two nine, is it safe", "my pin is [number], is it safe"),
    ],
)
def test_what_the_redactor_has_no_kind_for_is_replaced(text, expected):
    assert replaced(text) == expected
    assert kept_text(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Does Wiebke get my trip reports?",  # a capitalised word no list knows
        "Can Grace and Dale see my trips?",  # names that are English words too
        "can ODALYS see my file",  # in capitals
        "is my data with Ŝtefo safe",
        "qui voit mes données, Aurélien?",
        "Юлия asked me to write",  # another script
        "東京のオフィスは私のデータを見ますか",
        "hi, i'm rokas, do you keep chats?",  # a lower-case name after a cue
        "my flatmate's brother tadeusz uses the app",
        "cheers, winnifred",
        "Best regards and a good day",
        "you may reach me, warm wishes, v",
        "d o b: the third of june, is it kept",  # a birth cue
        "born in 1990, do you store it?",
        "we moved to 14 larkspur close last year",  # a street after a number
        "k a t r i n a is my name",  # spelled out
        "I'm on lisinopril, does the app log it?",
        "after my appendix surgery, who sees the notes?",  # health words of gap_policy.yml
        "my daughter was sectioned last spring",
        "ich bin schwanger, wer sieht das?",
        "il mio diabete è nei vostri dati?",
        "living with long covid, is my data private?",
        "is it a problem that I am HIV-positive",
        "my shrink says I should ask: is it logged",
        "I'm bisexual, will HR see that?",  # other special categories
        "I was arrested on a trip, is that on file?",
    ],
)
def test_a_message_that_may_name_someone_or_their_health_is_not_kept(text):
    assert kept_text(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Does the Assistance App share my location with my employer?",
        "Who is the Data Protection Officer in Germany?",
        "What does GDPR Article 17 mean for me?",
        "I am travelling next week, will you track me?",
        "Thanks for the answer, but who sees it?",
        "Is my health data shared with my employer?",
        "what is the capital of peru",
    ],
)
def test_a_privacy_question_is_kept(text):
    assert kept_text(text) is not None


def test_a_long_message_is_not_kept():
    assert kept_text("is my data sold " + "a" * (MAX_CHARS - 16)) is not None
    assert kept_text("is my data sold " + "a" * (MAX_CHARS - 15)) is None
    assert kept_text("\u200b \x00 ") is None
