"""Input cleaning before NLU: bad Unicode and malformed or silent commands."""

import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.input_cleaner import InputCleaner, clean, separate_scripts


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("do you sell my data?", "do you sell my data?"),
        ("hi \ud800 there", "hi  there"),
        ("\udfff\ud800", ""),
        ("a\x00b\x07c\x1b[31m", "abc[31m"),
        ("line\nbreak\ttab\r\x85end", "line break tab  end"),
        ("😀 d\u00e9j\u00e0 vu \u200d", "😀 d\u00e9j\u00e0 vu \u200d"),
    ],
)
def test_bad_characters_are_removed_and_whitespace_controls_become_spaces(text, cleaned):
    assert clean(text) == cleaned


@pytest.mark.parametrize(
    "command",
    [
        "/ask_data_sale",
        '/inform_service{"service": "notice.medaire"}',
        '/ask_notice{"service": ["notice.tracker"]}',
        "/unknown_intent",  # Rasa reads an unknown intent as text itself
    ],
)
def test_well_formed_commands_are_kept(command):
    assert clean(command) == command


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ('/ask_notice{"service": a@b.com', 'ask_notice{"service": a@b.com'),
        ("/restart{", "restart{"),
        ("/restart", "restart"),
        (" /session_start ", "session_start"),
        ("/back", "back"),
        ("//", ""),
        ("/ask_notice@0.9", "ask_notice@0.9"),
        ('/ask_notice{"service": "\\ud800"}', 'ask_notice{"service": "\\ud800"}'),
        ('/ask_notice{"service": "\\u0000"}', 'ask_notice{"service": "\\u0000"}'),
        ("/ask_notice[1]", "ask_notice[1]"),
        (
            "/ask_notice{" + "[" * 5000 + "]" * 5000 + "}",
            "ask_notice{" + "[" * 5000 + "]" * 5000 + "}",
        ),
    ],
)
def test_malformed_and_silent_commands_become_plain_text(text, plain):
    assert clean(text) == plain


def test_the_component_cleans_the_text_every_later_component_sees():
    message = Message({TEXT: "/restart{\ud800"})
    InputCleaner().process([message])
    assert message.get(TEXT) == "restart{"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Trackerのデータはどのくらい保存されますか", "Tracker のデータはどのくらい保存されますか"),
        ("请问Tracker的隐私声明在哪里", "请问 Tracker 的隐私声明在哪里"),
        ("ISO 27001の認証", "ISO 27001 の認証"),
        ("how long do you keep my data", "how long do you keep my data"),
        ("où sont mes données", "où sont mes données"),
    ],
)
def test_cjk_and_latin_are_spaced_apart(text, expected):
    assert separate_scripts(text) == expected
    (message,) = InputCleaner().process([Message(data={"text": text})])
    assert message.get("text") == expected
