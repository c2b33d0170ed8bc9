"""Private logs: planted user text, logged every way a library can, never reaches the output."""

import io
import json
import logging
import warnings

import pytest

from privacy import log_privacy

EMAIL = "jane.planted@example.com"
NAME = "Zebediah Plantagenet"
NUMBER = "+44 20 7946 0958"
PLANTED = (EMAIL, NAME, NUMBER)


@pytest.fixture
def output():
    """What the root logger writes while log_privacy is installed; restored afterwards."""
    factory = logging.getLogRecordFactory()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root, level = logging.getLogger(), logging.getLogger().level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    with warnings.catch_warnings():
        log_privacy.install()
        yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    logging.setLogRecordFactory(factory)


def assert_nothing_planted(text: str) -> None:
    assert [value for value in PLANTED if value in text] == []


def test_a_library_record_keeps_its_template_but_not_its_arguments(output):
    logging.getLogger("rasa.core.processor").warning("user %s said %r", NAME, {"e": EMAIL})
    assert output.getvalue() == "WARNING rasa.core.processor user %s said %r\n"


def test_a_message_a_library_formatted_itself_is_withheld_with_its_place(output):
    logging.getLogger("sanic.root").info(f"Request: POST /webhook?token={NUMBER} stopped")
    text = output.getvalue()
    assert_nothing_planted(text)
    assert "message withheld, at " in text and "test_log_privacy.py:" in text


def test_a_structlog_line_keeps_its_event_name_and_exception_types(output):
    line = {
        "text": f"hi, I am {NAME}",
        "sender_id": EMAIL,
        "event": "rest.message.received.failure",
        "exception": [{"exc_type": "GraphComponentException", "exc_value": NUMBER}],
    }
    logging.getLogger("rasa.core.channels.rest").error(json.dumps(line))
    assert output.getvalue() == (
        "ERROR rasa.core.channels.rest rest.message.received.failure (GraphComponentException)\n"
    )


def test_a_message_that_is_not_a_string_is_withheld(output):
    logging.getLogger("rasa_sdk.endpoint").error(KeyError(EMAIL))
    assert output.getvalue().startswith("ERROR rasa_sdk.endpoint KeyError withheld, at ")


def test_an_exception_keeps_its_frames_and_types_but_no_message(output):
    try:
        try:
            raise ValueError(f"bad slot {EMAIL}")
        except ValueError as cause:
            raise RuntimeError(f"action failed for {NAME}") from cause
    except RuntimeError:
        logging.getLogger("bot.action_server").exception("action failed")
    text = output.getvalue()
    assert_nothing_planted(text)
    assert "RuntimeError (message withheld)" in text
    assert "ValueError (message withheld)" in text
    assert 'raise ValueError(f"bad slot {EMAIL}")' in text  # the code line, not the value


def test_our_own_records_keep_their_message_on_one_printable_line(output):
    logging.getLogger("frontdoor.api").info("%s %s %d", "POST", "/api/v1/chat\n\x00\ud800", 200)
    assert output.getvalue() == "INFO frontdoor.api POST /api/v1/chat    200\n"


def test_every_message_is_capped(output):
    logging.getLogger("knowledge").info("x" * 10_000)
    message = output.getvalue().removeprefix("INFO knowledge ").rstrip("\n")
    assert len(message) == log_privacy.MAX_CHARS and message.endswith("…")


def test_a_record_that_cannot_be_formatted_is_logged_without_failing(output):
    logging.getLogger("bot").info("%d items", EMAIL)
    assert output.getvalue() == "INFO bot unloggable record\n"


def test_warnings_are_logged_without_their_text_once_per_place_and_not_remembered(output):
    for name in (NAME, EMAIL, NUMBER):
        warnings.warn(
            f"Failed to parse arguments in line '/ask_notice{{{name}'", UserWarning, stacklevel=1
        )
    text = output.getvalue()
    assert_nothing_planted(text)
    assert text.count("UserWarning at ") == 1
    assert "(message withheld)" in text
    remembered = repr(warnings.onceregistry) + repr(globals().get("__warningregistry__", {}))
    assert_nothing_planted(remembered)
