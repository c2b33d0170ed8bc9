"""Translations of what the assistant says, one file per language in content/translations/.

Every translatable text has a key (`answer/<topic>`, `button/<topic>`, `label/<notice id>`,
`reply/<topic>` of small talk and out of scope, or one of the PROMPTS) and its English in the
content (answers.yml, notices.yml, contract/routing.yml). A translation
carries `source_hash`, the short hash of the English it translates: when that English is
edited, the hash no longer matches and the translation is stale. A stale or missing
translation is never shown; the English is, under the language's `preface`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from contract import routing

HASH_LENGTH = 12
PREFACE = "preface"  # the key of a language's preface (it translates no English text)
ASK_SERVICE = "ask_service"
CLARIFY_ASK = "clarify/ask"
CLARIFY_SOMETHING_ELSE = "clarify/something_else"
CLARIFY_AGAIN = "clarify/again"
# The prompts the actions send, with their English.
PROMPTS = {
    ASK_SERVICE: routing.ASK_SERVICE,
    CLARIFY_ASK: routing.CLARIFY.ask,
    CLARIFY_SOMETHING_ELSE: routing.CLARIFY.something_else,
    CLARIFY_AGAIN: routing.CLARIFY.again,
}
# What a translation keeps exactly as the English has it: addresses, phone numbers, {fields}.
_KEPT = re.compile(r"https?://\S+|\+[\d ]*\d|\{\w+\}")


@dataclass(frozen=True)
class Translation:
    """A text in another language and the hash of the English it translates (None for a
    preface)."""

    text: str
    source_hash: str | None


def source_hash(english: str) -> str:
    """The short SHA-256 of `english`, whitespace collapsed: what a translation records."""
    return hashlib.sha256(" ".join(english.split()).encode()).hexdigest()[:HASH_LENGTH]


def answer_key(topic: str) -> str:
    return f"answer/{topic}"


def button_key(topic: str) -> str:
    return f"button/{topic}"


def label_key(notice_id: str) -> str:
    return f"label/{notice_id}"


def reply_key(topic: str) -> str:
    return f"reply/{topic}"


def english_texts(answers: Iterable[Mapping], notices: Iterable[Mapping]) -> dict[str, str]:
    """Key -> English of every text that a translation may translate."""
    texts: dict[str, str] = {}
    for answer in answers:
        texts[answer_key(answer["topic"])] = answer["text"]
        if answer["button"]:
            texts[button_key(answer["topic"])] = answer["button"]
    for notice in notices:
        texts[label_key(notice["id"])] = notice["label"]
    texts |= {reply_key(topic): text for topic, text in routing.REPLIES.items()}
    return texts | PROMPTS


def kept_terms(english: str, names: Iterable[str]) -> list[str]:
    """What a translation of `english` must contain verbatim: its addresses, phone numbers
    and {fields}, and those of `names` (notice titles, service names) it contains."""
    return _KEPT.findall(english) + [name for name in names if name in english]


def stale(
    translations: Mapping[str, Translation], english: Mapping[str, str]
) -> tuple[list[str], list[str]]:
    """The keys of `english` whose translation is stale, and those that have none."""
    old = [
        key
        for key, text in english.items()
        if key in translations and translations[key].source_hash != source_hash(text)
    ]
    return old, [key for key in english if key not in translations]
