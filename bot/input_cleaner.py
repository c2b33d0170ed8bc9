"""What people type, made safe for NLU: `clean` tells how, `InputCleaner` does it for Rasa.

Any text can arrive (JSON carries lone surrogates and control characters). Before a message
reaches spaCy, which fails a whole turn on a lone surrogate:

- lone surrogates, NUL and other control characters are removed; line breaks, tabs and other
  whitespace controls become spaces;
- a message that starts with "/" is read as plain text, without its slashes, unless it is a
  well-formed command as the bot's buttons send, `/intent` or `/intent{JSON object}` with
  clean strings, for an intent other than Rasa's restart, session start and back. Rasa would
  half-parse a malformed one, and those three change the conversation without a word:
  `/restart{` restarted it and answered nothing.

Then `InputCleaner` puts a space between Chinese, Japanese or Korean and Latin letters or digits
("Trackerのデータ" -> "Tracker のデータ"): spaCy's tokenizer splits words at spaces only, and
the service names, the same in every language, are matched as words (bot/tokenizer.py then
makes each Chinese or Japanese character a token of its own).
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import (
    USER_INTENT_BACK,
    USER_INTENT_RESTART,
    USER_INTENT_SESSION_START,
)
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.fingerprint import SourceFingerprint

_COMMAND = re.compile(r"/(?P<intent>\w+)(?P<entities>\{.*\})?", re.DOTALL)
# CJK punctuation, kana, Han, Hangul and full-width forms; Latin letters (accented too), digits
_CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_LATIN = "0-9A-Za-z\u00c0-\u024f"
_SCRIPT_BOUNDARY = re.compile(rf"(?<=[{_CJK}])(?=[{_LATIN}])|(?<=[{_LATIN}])(?=[{_CJK}])")
_SILENT_INTENTS = frozenset({USER_INTENT_RESTART, USER_INTENT_SESSION_START, USER_INTENT_BACK})


def clean(text: str) -> str:
    """`text` without characters NLU cannot take, malformed commands made plain text."""
    text = _clean_chars(text)
    stripped = text.strip()
    if stripped.startswith("/") and not _is_command(stripped):
        return stripped.lstrip("/")
    return text


def separate_scripts(text: str) -> str:
    """`text` with a space wherever CJK characters and Latin letters or digits meet."""
    return _SCRIPT_BOUNDARY.sub(" ", text)


def _clean_chars(text: str) -> str:
    return "".join(_clean_char(char) for char in text)


def _clean_char(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cs":  # lone surrogate
        return ""
    if category == "Cc":  # control character
        return " " if char.isspace() else ""
    return char


def _is_command(text: str) -> bool:
    match = _COMMAND.fullmatch(text)
    if not match or match["intent"] in _SILENT_INTENTS:
        return False
    if match["entities"] is None:
        return True
    try:  # its JSON may decode to characters the text could not hold, or nest too deep
        entities = json.loads(match["entities"])
        return isinstance(entities, dict) and _all_clean(entities)
    except (ValueError, RecursionError):
        return False


def _all_clean(value: Any) -> bool:
    """Whether every string in a decoded JSON value, keys included, is clean already."""
    if isinstance(value, str):
        return _clean_chars(value) == value
    if isinstance(value, list):
        return all(_all_clean(item) for item in value)
    if isinstance(value, dict):
        return all(_all_clean(key) and _all_clean(item) for key, item in value.items())
    return True


# Registered as a non-trainable intent classifier only because that is how the default recipe
# runs a component at inference alone; it classifies nothing. First in config.yml's pipeline.
@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class InputCleaner(SourceFingerprint, GraphComponent):
    """First in the NLU pipeline: every later component sees the message `clean`ed, its
    scripts separated."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> InputCleaner:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str):
                message.set(TEXT, separate_scripts(clean(text)))
        return messages
