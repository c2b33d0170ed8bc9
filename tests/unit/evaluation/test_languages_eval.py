"""The per-language evaluation: its sets and the share of replies in the right language."""

from bot.language import answered_languages, detect
from evaluation.evaluate import Outcome
from evaluation.languages_eval import Answer, in_language, language_of, language_sets

FRENCH = "Nous ne vendons jamais vos informations personnelles à qui que ce soit."


def test_there_is_a_held_out_set_per_answered_language():
    sets = language_sets()
    assert set(sets) == answered_languages()
    assert all(len(questions) >= 30 for questions in sets.values())


def test_in_language_is_none_until_a_payload_declares_a_language():
    assert in_language("fr", [Answer(Outcome("policy.no_sale"), None, FRENCH)]) is None


def test_in_language_needs_the_declared_and_the_detected_language():
    answers = [
        Answer(Outcome("policy.no_sale"), "fr", FRENCH),
        Answer(Outcome("policy.no_sale"), "fr", "We never sell your personal information."),
        Answer(Outcome("policy.no_sale"), "en", FRENCH),
        Answer(Outcome("policy.no_sale"), None, FRENCH),
    ]
    assert in_language("fr", answers) == 0.25


def test_a_reply_is_judged_without_the_names_it_keeps_in_english():
    reply = (
        "Para saber mais, leia o Medical and Security Assistance Privacy Notice da "
        "International SOS."
    )
    assert detect(reply) == "en"
    assert language_of(reply) == "pt"
    assert language_of("We never sell your personal information.") == "en"
