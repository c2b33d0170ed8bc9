"""Read-only query API of the knowledge base; knowledge.catalog reads it all once."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from knowledge import models
from knowledge.settings import database_url
from knowledge.translation import Translation

_NOT_WORD = re.compile(r"[\W_]+")
# What answers a topic (the `kind` of topics.yml); answers.yml answers the KNOWLEDGE_KINDS.
KNOWLEDGE_KINDS = ("answer", "notice", "handoff")


def normalize(text: str) -> str:
    """Lowercase, punctuation to spaces, whitespace collapsed: "The App!" -> "the app"."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NOT_WORD.sub(" ", text).split())


@dataclass(frozen=True)
class Topic:
    """A topic of topics.yml: its id, what answers it (a contract.topics.Kind) and what it is."""

    id: str
    kind: str
    description: str


@dataclass(frozen=True)
class Notice:
    """A privacy notice, the text of its link (saying where `url` leads), the service's name
    on a choice (`button`) and the aliases people use for the service."""

    id: str
    title: str
    button: str
    audience: str
    url: str
    label: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    """The answer to a topic, the page sentences it rests on, the notices it links to and the
    title of the choice that asks it (None for a notice topic: its notice's button)."""

    topic: str
    text: str
    sources: tuple[str, ...]
    notices: tuple[Notice, ...]
    service: str | None
    button: str | None = None

    def notices_for(self, service: Notice | None) -> tuple[Notice, ...]:
        """The notices to link when the person named `service`: its own notice when the answer
        depends on the service, else the answer's notices."""
        return (service,) if service and self.service else self.notices


class KnowledgeStore:
    """Queries a loaded knowledge base (see `python -m knowledge load`)."""

    def __init__(self, url: str | None = None):
        self.url = url or database_url()
        self.engine = create_engine(self.url, future=True)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> KnowledgeStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def version(self) -> str | None:
        """The version of the load the tables hold (knowledge.live), None if there is none."""
        with Session(self.engine, future=True) as session:
            return session.scalars(select(models.Version.version)).first()

    def answer(self, topic_id: str) -> Answer | None:
        """The answer to `topic_id`, or None when the knowledge base has none."""
        with Session(self.engine, future=True) as session:
            row = session.get(models.Answer, topic_id)
            if row is None:
                return None
            sources = session.scalars(
                select(models.AnswerSource.sentence)
                .where(models.AnswerSource.topic_id == topic_id)
                .order_by(models.AnswerSource.position)
            ).all()
            notice_ids = session.scalars(
                select(models.AnswerNotice.notice_id)
                .where(models.AnswerNotice.topic_id == topic_id)
                .order_by(models.AnswerNotice.position)
            ).all()
            return Answer(
                topic=row.topic_id,
                text=row.text,
                sources=tuple(sources),
                notices=tuple(self._notices(session, notice_ids)),
                service=row.service,
                button=row.button,
            )

    def notices(self) -> list[Notice]:
        """All notices, in notices.yml order."""
        with Session(self.engine, future=True) as session:
            return self._notices(session, None)

    def aliases(self) -> dict[str, str]:
        """Alias as written -> notice id, in notices.yml order."""
        with Session(self.engine, future=True) as session:
            rows = session.execute(
                select(models.Alias.text, models.Alias.notice_id)
                .join(models.Notice, models.Notice.id == models.Alias.notice_id)
                .order_by(models.Notice.position, models.Alias.position)
            ).all()
        return {text: notice_id for text, notice_id in rows}

    def language_replies(self) -> dict[str, str]:
        """Language code -> the reply to a message in that language ("en": any other)."""
        with Session(self.engine, future=True) as session:
            return {row.language: row.text for row in session.scalars(select(models.LanguageReply))}

    def answered_languages(self) -> frozenset[str]:
        """The languages the assistant answers in, in them (languages.yml's `answered`)."""
        with Session(self.engine, future=True) as session:
            rows = session.scalars(
                select(models.LanguageReply).where(models.LanguageReply.answered)
            )
            return frozenset(row.language for row in rows)

    def translations(self) -> dict[str, dict[str, Translation]]:
        """Language code -> key -> translation (content/translations/)."""
        found: dict[str, dict[str, Translation]] = {}
        with Session(self.engine, future=True) as session:
            for row in session.scalars(select(models.Translation)):
                found.setdefault(row.language, {})[row.key] = Translation(row.text, row.source_hash)
        return found

    def topics(self) -> dict[str, Topic]:
        """Topic id -> topic, in topics.yml order."""
        with Session(self.engine, future=True) as session:
            rows = session.scalars(select(models.Topic).order_by(models.Topic.position))
            return {row.id: Topic(row.id, row.kind, row.description) for row in rows}

    @staticmethod
    def _notices(session: Session, ids: Sequence[str] | None) -> list[Notice]:
        """The notices `ids` in that order (all notices in file order when None)."""
        notice_query = select(models.Notice).order_by(models.Notice.position)
        alias_query = select(models.Alias.notice_id, models.Alias.text).order_by(
            models.Alias.position
        )
        if ids is not None:
            notice_query = notice_query.where(models.Notice.id.in_(ids))
            alias_query = alias_query.where(models.Alias.notice_id.in_(ids))
        aliases: dict[str, list[str]] = {}
        for notice_id, text in session.execute(alias_query):
            aliases.setdefault(notice_id, []).append(text)
        notices = {
            row.id: Notice(
                id=row.id,
                title=row.title,
                button=row.button,
                audience=row.audience,
                url=row.url,
                label=row.label,
                aliases=tuple(aliases.get(row.id, ())),
            )
            for row in session.scalars(notice_query)
        }
        return list(notices.values()) if ids is None else [notices[i] for i in ids]
