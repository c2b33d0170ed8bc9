"""The one routing map (contract/routing.yml): from a recognised intent to an answer topic.

The answering action, the agent console, the evaluation and the NLU generator all route
through here, so they cannot drift apart. `service` is always a notice id (`notice.tracker`)
that the person named, or None.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from contract.topics import NLU_FALLBACK, OUT_OF_SCOPE


@dataclass(frozen=True)
class Clarify:
    """What the assistant says and offers when unsure (`clarify` in routing.yml)."""

    candidates: int
    misses: int
    ask: str
    something_else: str
    again: str


_MAP = yaml.safe_load(Path(__file__).with_name("routing.yml").read_text(encoding="utf-8"))
TOPICS: dict[str, str] = _MAP["topics"]
NOTICES: dict[str, str] = _MAP["notices"]
LANGUAGE: dict[str, str] = _MAP["language"]
FOLLOW_UP: str = _MAP["follow_up"]
RESPONSES: dict[str, str] = _MAP["responses"]
REPLIES: dict[str, str] = _MAP["replies"]
CLARIFY = Clarify(**_MAP["clarify"])
UNAVAILABLE_REPLY: dict = _MAP["unavailable"]
ASK_SERVICE: str = _MAP["ask_service"]
SHORT_WORDS: int = _MAP["short_words"]
QUESTION_WORDS = frozenset(_MAP["question_words"])
OPENERS = frozenset(_MAP["openers"])


def is_question(text: str) -> bool:
    """Whether `text` is phrased as a question: a question mark, or a question word first
    after any openers ("nvm, how much ...")."""
    words = [w.strip(",.!;:-") for w in text.lower().split()]
    first = next((w for w in words if w and w not in OPENERS), "")
    return "?" in text or first in QUESTION_WORDS


def names_a_service_only(intent: str | None, text: str, awaited: bool) -> bool:
    """Whether a message naming a service asks no question of its own, and so answers the
    last question again for that service.

    `awaited`: the assistant has just asked which service. Then any message that is not
    phrased as a question answers it. Otherwise only the follow-up intent, one the NLU could
    not place (fallback), or a notice question of at most SHORT_WORDS words ("the Tracker
    one") does; a question intent, out of scope included, asks its own question.
    """
    if intent in LANGUAGE:
        return False
    if awaited and not is_question(text):
        return True
    if intent in TOPICS or intent == OUT_OF_SCOPE:
        return False
    return intent not in NOTICES or len(text.split()) <= SHORT_WORDS


def topic_for(intent: str | None, service: str | None = None) -> str | None:
    """The topic the action answers for `intent`; None when the intent names no question."""
    if intent in LANGUAGE:
        return LANGUAGE[intent]
    return _question_topic(intent, service)


def _question_topic(intent: str | None, service: str | None) -> str | None:
    """The topic of a question `intent` (not of the message's language)."""
    if intent in TOPICS:
        return TOPICS[intent]
    if intent in NOTICES:
        return service or NOTICES[intent]
    if intent == FOLLOW_UP:
        return service
    return None


def any_topic_for(intent: str | None, service: str | None = None) -> str | None:
    """Like `topic_for`, including the topics of small talk and out of scope (evaluation)."""
    return topic_for(intent, service) or RESPONSES.get(intent or "")


def ranked_topics(
    ranking: Iterable[Mapping], service: str | None = None, limit: int = CLARIFY.candidates
) -> list[tuple[str, float]]:
    """Distinct question topics of an NLU intent ranking with their confidence, best first."""
    ranked: dict[str, float] = {}
    for intent in ranking:
        topic = _question_topic(intent.get("name"), service)
        if topic and topic not in ranked:
            ranked[topic] = float(intent.get("confidence") or 0.0)
    return list(ranked.items())[:limit]


def small_talk(ranking: Iterable[Mapping]) -> str | None:
    """The best small-talk intent of an unsure NLU ranking when small talk holds most of its
    confidence ("thank you, bye": thanks or goodbye, either will do), else None. Out of
    scope is not small talk."""
    talk, rest = {}, 0.0
    for intent in ranking:
        name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
        if name in RESPONSES and name != OUT_OF_SCOPE:
            talk[name] = confidence
        elif name != NLU_FALLBACK:
            rest += confidence
    if not talk or sum(talk.values()) <= rest:
        return None
    return max(talk, key=talk.__getitem__)


def intent_for(topic: str, service: str | None = None) -> str | None:
    """The intent whose examples ask for `topic`, given the notice a text names (or None).

    A notice topic goes to the notice intent it is the default of; otherwise it needs its
    service named, and goes to the first notice intent. None when no intent reaches `topic`.
    """
    for table in (TOPICS, LANGUAGE, RESPONSES):
        for intent, target in table.items():
            if target == topic:
                return intent
    if service not in (None, topic):
        return None
    defaults = [intent for intent, default in NOTICES.items() if default == topic]
    if defaults:
        return defaults[0]
    return next(iter(NOTICES)) if service == topic else None
