"""Topic kinds and the ids the code names: every other topic id comes from topics.yml."""

from __future__ import annotations

from enum import Enum


class Kind(str, Enum):
    """What answers a topic of topics.yml (its `kind` field)."""

    ANSWER = "answer"
    NOTICE = "notice"
    HANDOFF = "handoff"
    CHITCHAT = "chitchat"
    OUT_OF_SCOPE = "out_of_scope"
    LANGUAGE = "language"


# Topics of topics.yml that the code refers to by name.
COMPANY_NOTICE = "notice.company"
HANDOFF = "handoff.assistance"
OUT_OF_SCOPE = "out_of_scope"

# Pseudo-topics: a reply's topic when it answers none of topics.yml.
CLARIFY = "clarify"  # asks which of its `candidates` was meant
UNAVAILABLE = "unavailable"  # the assistant could not answer just now

# Rasa's intent for a message its FallbackClassifier could not place.
NLU_FALLBACK = "nlu_fallback"
