"""The read model: the whole knowledge base in memory, read once and handed to what answers.

The content is small, so the action server and the front door each read it whole, at their
start and again after each load (knowledge.live), and never query it otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from contract.topics import COMPANY_NOTICE
from knowledge.loader import FALLBACK_LANGUAGE
from knowledge.store import Answer, KnowledgeStore, Notice, Topic, normalize
from knowledge.translation import PREFACE, Translation, source_hash

READ_ATTEMPTS = 5  # reads of a catalogue that a load replaced meanwhile, before giving up


class ReloadedWhileRead(Exception):
    """The knowledge base was loaded again while its catalogue was being read."""


@dataclass(frozen=True)
class Catalog:
    """Topics, answers and notices by id, in file order, the other-language replies, the
    version of the load they come from, the languages answered in their own language, and the
    translations by language and key."""

    topics: dict[str, Topic]
    answers: dict[str, Answer]
    notices: dict[str, Notice]
    replies: dict[str, str]
    version: str | None = None
    answered: frozenset[str] = frozenset()
    translations: dict[str, dict[str, Translation]] = field(default_factory=dict)

    @classmethod
    def read(cls, url: str | None = None) -> Catalog:
        """The knowledge base at `url` (default: $DATABASE_URL, else var/knowledge.sqlite)."""
        with KnowledgeStore(url) as store:
            return cls.read_from(store)

    @classmethod
    def read_from(cls, store: KnowledgeStore) -> Catalog:
        """The catalogue of one load: read again when a load replaced it meanwhile (its
        version changed), up to READ_ATTEMPTS times; then ReloadedWhileRead."""
        for _ in range(READ_ATTEMPTS):
            version = store.version()
            topics = store.topics()
            answers = {topic: answer for topic in topics if (answer := store.answer(topic))}
            notices = {notice.id: notice for notice in store.notices()}
            replies = store.language_replies()
            answered = store.answered_languages()
            translations = store.translations()
            if store.version() == version:
                return cls(topics, answers, notices, replies, version, answered, translations)
        raise ReloadedWhileRead(f"the knowledge base was loaded {READ_ATTEMPTS} times meanwhile")

    def kind(self, topic: str) -> str | None:
        """What answers `topic` (knowledge/topics.yml), None for an unknown topic."""
        found = self.topics.get(topic)
        return found.kind if found else None

    def notice(self, key: str) -> Notice | None:
        """The notice with id `key`, or with an alias equal to `key` after normalisation."""
        return self.notices.get(key.strip().lower()) or self._by_alias.get(normalize(key))

    def named(self, values: Iterable[object]) -> Notice | None:
        """The notice a message names, from its `service` entity values: a service's before the
        company notice's generic words ("the privacy policy for MedAire" names both)."""
        found = [notice for value in values if (notice := self.notice(str(value)))]
        return next((n for n in found if n.id != COMPANY_NOTICE), found[0] if found else None)

    def button(self, topic: str) -> str:
        """The title of the choice that asks `topic`: a notice's button for a notice topic."""
        answer = self.answers[topic]
        return answer.button or self.notices[topic].button

    def language_reply(self, language: str | None) -> str:
        """The reply to a message in `language`, in that language, else in English."""
        return self.replies.get(language or FALLBACK_LANGUAGE) or self.replies[FALLBACK_LANGUAGE]

    def reply_language(self, language: str | None) -> str:
        """`language` if the assistant answers in it (listed answered, with its translations),
        else English."""
        answered = language in self.answered and language in self.translations
        return language if language and answered else FALLBACK_LANGUAGE

    def translated(self, language: str, key: str, english: str) -> str | None:
        """The translation into `language` of `english`, the text of `key`; None when there is
        none or it is stale (it translates another English)."""
        found = self.translations.get(language, {}).get(key)
        return found.text if found and found.source_hash == source_hash(english) else None

    def phrase(self, language: str, key: str, english: str) -> str:
        """A short text (link label, question, choice) in `language`, else in English."""
        return self.translated(language, key, english) or english

    def say(self, language: str, key: str, english: str) -> tuple[str, bool]:
        """`english` in `language` and True; else (no current translation, or English) the
        English, under the language's preface, and False."""
        if language == FALLBACK_LANGUAGE:
            return english, False
        if (text := self.translated(language, key, english)) is not None:
            return text, True
        return f"{self.translations[language][PREFACE].text}\n{english}", False

    @cached_property
    def _by_alias(self) -> dict[str, Notice]:
        return {normalize(a): n for n in self.notices.values() for a in n.aliases}
