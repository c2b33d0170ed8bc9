"""The read model: the whole knowledge base in memory, read once and handed to what answers.

The content is small, so the action server and the front door each read it whole, at their
start and again after each load (knowledge.live), and never query it otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from contract.topics import COMPANY_NOTICE
from knowledge.loader import FALLBACK_LANGUAGE
from knowledge.store import Answer, KnowledgeStore, Notice, Topic, normalize

READ_ATTEMPTS = 5  # reads of a catalogue that a load replaced meanwhile, before giving up


class ReloadedWhileRead(Exception):
    """The knowledge base was loaded again while its catalogue was being read."""


@dataclass(frozen=True)
class Catalog:
    """Topics, answers and notices by id, in file order, the other-language replies, and the
    version of the load they come from."""

    topics: dict[str, Topic]
    answers: dict[str, Answer]
    notices: dict[str, Notice]
    replies: dict[str, str]
    version: str | None = None

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
            if store.version() == version:
                return cls(topics, answers, notices, replies, version)
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

    @cached_property
    def _by_alias(self) -> dict[str, Notice]:
        return {normalize(a): n for n in self.notices.values() for a in n.aliases}
