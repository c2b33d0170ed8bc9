"""Tables of the knowledge base (all prefixed kb_, so they can share a database)."""

from sqlalchemy import Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Topic(Base):
    """An answer topic of topics.yml, in file order."""

    __tablename__ = "kb_topic"
    id = Column(String(100), primary_key=True)
    description = Column(Text, nullable=False)
    position = Column(Integer, nullable=False)


class Notice(Base):
    """A privacy notice of notices.yml, in file order; `label` is the text of its link."""

    __tablename__ = "kb_notice"
    id = Column(String(100), primary_key=True)
    title = Column(Text, nullable=False)
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
    """The answer to a topic; `service` is "ask", "when_named" or NULL."""

    __tablename__ = "kb_answer"
    topic_id = Column(ForeignKey("kb_topic.id"), primary_key=True)
    text = Column(Text, nullable=False)
    service = Column(String(20), nullable=True)


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
    answer in; `language` is an ISO 639-1 code, and "en" the fallback for any other."""

    __tablename__ = "kb_language_reply"
    language = Column(String(8), primary_key=True)
    text = Column(Text, nullable=False)
