"""Tables of the knowledge base (all prefixed kb_, so they can share a database)."""

from typing import Any

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base

Base: Any = declarative_base()  # SQLAlchemy 1.4 has no type information


class Topic(Base):
    """An answer topic of topics.yml, in file order; `kind` says what answers it."""

    __tablename__ = "kb_topic"
    id = Column(String(100), primary_key=True)
    kind = Column(String(20), nullable=False)
    description = Column(Text, nullable=False)
    position = Column(Integer, nullable=False)


class Notice(Base):
    """A privacy notice of notices.yml, in file order; `label` is the text of its link,
    `button` the service's name on a choice."""

    __tablename__ = "kb_notice"
    id = Column(String(100), primary_key=True)
    title = Column(Text, nullable=False)
    button = Column(Text, nullable=False)
    audience = Column(Text, nullable=False)
    url = Column(Text, nullable=False)
    label = Column(Text, nullable=False)
    position = Column(Integer, nullable=False)


class Alias(Base):
    """What people type for a notice's service; `normalized` is the look-up key."""

    __tablename__ = "kb_alias"
    normalized = Column(String(200), primary_key=True)
    text = Column(Text, nullable=False)
    notice_id = Column(ForeignKey("kb_notice.id"), nullable=False)
    position = Column(Integer, nullable=False)


class Answer(Base):
    """The answer to a topic; `service` is "ask", "when_named" or NULL; `button` the title of
    the choice that asks it (NULL for a notice topic: its notice's button)."""

    __tablename__ = "kb_answer"
    topic_id = Column(ForeignKey("kb_topic.id"), primary_key=True)
    text = Column(Text, nullable=False)
    service = Column(String(20), nullable=True)
    button = Column(Text, nullable=True)


class AnswerSource(Base):
    """A sentence of the privacy page that an answer rests on."""

    __tablename__ = "kb_answer_source"
    topic_id = Column(ForeignKey("kb_answer.topic_id"), primary_key=True)
    position = Column(Integer, primary_key=True)
    sentence = Column(Text, nullable=False)


class AnswerNotice(Base):
    """A notice an answer links to, best first."""

    __tablename__ = "kb_answer_notice"
    __table_args__ = (UniqueConstraint("topic_id", "notice_id"),)
    topic_id = Column(ForeignKey("kb_answer.topic_id"), primary_key=True)
    position = Column(Integer, primary_key=True)
    notice_id = Column(ForeignKey("kb_notice.id"), nullable=False)


class LanguageReply(Base):
    """What the assistant says, in that language, to a message in a language it does not
    answer in; `language` is an ISO 639-1 code, and "en" the fallback for any other.
    `answered`: whether the assistant answers messages in that language, in it."""

    __tablename__ = "kb_language_reply"
    language = Column(String(8), primary_key=True)
    text = Column(Text, nullable=False)
    answered = Column(Boolean, nullable=False, default=False)


class Translation(Base):
    """A text the assistant says, in another language (content/translations/): `key` names
    the English it translates (knowledge.translation), `source_hash` that English's hash when
    translated (NULL for the language's preface). Stale when it is no longer the English's."""

    __tablename__ = "kb_translation"
    language = Column(String(8), primary_key=True)
    key = Column(String(200), primary_key=True)
    text = Column(Text, nullable=False)
    source_hash = Column(String(64), nullable=True)


class Version(Base):
    """Which load the tables hold: a hash of their rows, written in the load's transaction.
    Running processes compare it with their catalogue's to know when to read it again."""

    __tablename__ = "kb_version"
    version = Column(String(64), primary_key=True)
