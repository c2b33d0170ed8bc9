"""The language a reply is written in, as the tests judge it: bot.language's detector, once
the names a translation keeps in English (notice titles, service names, "International SOS"),
addresses and phone numbers are taken out."""

from __future__ import annotations

import re

from bot.language import detect
from knowledge import read_content

_CONTENT = read_content()
_NAMES = sorted(
    {"International SOS", *(n["title"] for n in _CONTENT.notices)}
    | {n["button"] for n in _CONTENT.notices},
    key=len,
    reverse=True,
)
_KEPT = re.compile(r"https?://\S+|\+[\d ]*\d")


def language_of(text: str) -> str | None:
    """The ISO 639-1 code of the language of `text` ("en" for English; None: cannot tell)."""
    for name in _NAMES:
        text = text.replace(name, " ")
    return detect(_KEPT.sub(" ", text))
