"""Validate the knowledge YAML against topics.yml and the privacy page, then load it.

Validation runs to the end and reports every problem; the database is touched only
when there are none, and then in a single transaction (tables dropped and created afresh,
so a changed schema needs no migration, then rows inserted), so a failed load leaves it as
it was.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from sqlalchemy import create_engine, event, insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from contract.replies import ENGLISH
from contract.topics import Kind
from knowledge import models
from knowledge.settings import (
    CONTENT_DIR,
    PAGE_PATH,
    REPO_ROOT,
    TOPICS_PATH,
    database_url,
)
from knowledge.store import KNOWLEDGE_KINDS, Topic, normalize
from knowledge.translation import (
    HASH_LENGTH,
    PREFACE,
    Translation,
    english_texts,
    kept_terms,
    source_hash,
)

KINDS = tuple(kind.value for kind in Kind)

MAX_WORDS = 60
SERVICE_MODES = ("ask", "when_named")
ANSWER_FIELDS = ("topic", "button", "answer", "sources", "notices", "service")
NOTICE_TEXTS = ("id", "title", "button", "audience", "url", "label", "url_source")
NOTICE_FIELDS = (*NOTICE_TEXTS, "url_checked", "aliases")
NEVER_CHECKED = "never"
TOPIC_FIELDS = ("kind", "description")
REPLY_FIELDS = ("language", "reply", "review")
FALLBACK_LANGUAGE = ENGLISH  # the replies' and answers' language, and the fallback
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")
TRANSLATIONS_DIR = "translations"  # under the content directory: <code>.yml per language
TRANSLATION_FILE_FIELDS = ("preface", "texts")
TRANSLATION_FIELDS = ("text", "source_hash")
KEPT_NAMES = ("International SOS",)  # kept in English by every translation, as notice titles
_HASH = re.compile(rf"[0-9a-f]{{{HASH_LENGTH}}}")


class KnowledgeError(Exception):
    """The knowledge content is invalid; each problem names its file and entry."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        super().__init__(f"knowledge base not loaded, {count}:\n" + "\n".join(problems))


@dataclass
class Content:
    """Validated knowledge content, ready to load."""

    topics: dict[str, Topic]
    notices: list[dict[str, Any]]
    answers: list[dict[str, Any]]
    replies: dict[str, str]
    answered: list[str] = field(default_factory=list)
    english: dict[str, str] = field(default_factory=dict)  # key -> text a translation translates
    translations: dict[str, dict[str, Translation]] = field(default_factory=dict)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that rejects duplicate mapping keys instead of keeping the last."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _show(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def _squash(text: str) -> str:
    return " ".join(text.split())


@dataclass
class _Checker:
    problems: list[str] = field(default_factory=list)

    def fail(self, path: Path, entry: str, message: str) -> None:
        self.problems.append(f"{_show(path)}: {entry}: {message}")

    def document(self, path: Path) -> Any:
        """The YAML document of a file, or None (with a problem)."""
        try:
            return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
        except OSError as error:
            self.fail(path, "file", f"cannot read: {error.strerror}")
        except yaml.YAMLError as error:
            self.fail(path, "file", "malformed YAML: " + " ".join(str(error).split()))
        return None

    def section(self, path: Path, key: str) -> Any:
        """The value under the top-level `key` of a YAML file, or None (with a problem)."""
        problems = len(self.problems)
        data = self.document(path)
        if len(self.problems) > problems:
            return None
        if not isinstance(data, dict) or not isinstance(data.get(key), list | dict):
            self.fail(path, "file", f"expected a top-level '{key}:' entry")
            return None
        return data[key]

    def fields(self, path: Path, entry: str, item: dict, names: tuple[str, ...]) -> bool:
        """Whether the entry has no unknown fields."""
        for name in sorted(item.keys() - set(names)):
            self.fail(path, entry, f"unknown field '{name}'")
        return item.keys() <= set(names)

    def text(self, path: Path, entry: str, name: str, value: Any) -> bool:
        if isinstance(value, str) and value.strip():
            return True
        problem = "missing field" if value is None else "must be non-empty text:"
        self.fail(path, entry, f"{problem} '{name}'")
        return False

    def texts(self, path: Path, entry: str, name: str, value: Any) -> bool:
        if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
            return True
        problem = "missing field" if value is None else "must be a list of non-empty texts:"
        self.fail(path, entry, f"{problem} '{name}'")
        return False


def read_content(
    content_dir: Path = CONTENT_DIR,
    topics_path: Path = TOPICS_PATH,
    page_path: Path = PAGE_PATH,
) -> Content:
    """Read and validate topics.yml, notices.yml, answers.yml, languages.yml and the
    translations; raise KnowledgeError."""
    content_dir, topics_path, page_path = Path(content_dir), Path(topics_path), Path(page_path)
    check = _Checker()
    topics = _read_topics(check, topics_path)
    notices, notice_ids = _read_notices(check, content_dir / "notices.yml", topics, topics_path)
    try:
        page = _squash(page_path.read_text(encoding="utf-8"))
    except OSError as error:
        check.fail(page_path, "file", f"cannot read: {error.strerror}")
        page = None
    answers = _read_answers(
        check, content_dir / "answers.yml", topics, topics_path, notice_ids, page, page_path
    )
    replies = _read_replies(check, content_dir / "languages.yml")
    answered = _read_answered(check, content_dir / "languages.yml", replies)
    english = english_texts(answers or [], notices)
    names = [*KEPT_NAMES, *(n["title"] for n in notices if n["title"].endswith("Privacy Notice"))]
    translations = _read_translations(check, content_dir / TRANSLATIONS_DIR, english, names)
    if check.problems:
        raise KnowledgeError(check.problems)
    return Content(
        topics=topics or {},
        notices=notices,
        answers=answers or [],
        replies=replies,
        answered=answered,
        english=english,
        translations=translations,
    )


def _read_topics(check: _Checker, path: Path) -> dict[str, Topic] | None:
    data = check.section(path, "topics")
    if data is None:
        return None
    if not isinstance(data, dict):
        check.fail(path, "topics", "expected a mapping of topic id to its fields")
        return None
    topics = {}
    for topic_id, item in data.items():
        entry = f"topic {topic_id!r}"
        if not isinstance(topic_id, str) or not topic_id.strip():
            check.fail(path, entry, "topic id must be non-empty text")
            continue
        if not isinstance(item, dict):
            check.fail(path, entry, "expected a mapping of fields")
            continue
        kind = item.get("kind")
        valid = check.fields(path, entry, item, TOPIC_FIELDS)
        valid &= check.text(path, entry, "description", item.get("description"))
        if kind not in KINDS:
            check.fail(path, entry, f"kind must be one of {KINDS}, not {kind!r}")
        elif valid:
            topics[topic_id] = Topic(topic_id, item["kind"], item["description"].strip())
    return topics


def _read_notices(
    check: _Checker, path: Path, topics: dict[str, Topic] | None, topics_path: Path
) -> tuple[list[dict[str, Any]], set[str] | None]:
    """The valid notices, and the ids of all notices (None if the file is unreadable)."""
    data = check.section(path, "notices")
    if data is None:
        return [], None
    if not isinstance(data, list):
        check.fail(path, "notices", "expected a list of notices")
        return [], None
    notices: list[dict[str, Any]] = []
    ids: set[str] = set()
    alias_owner: dict[str, tuple[str, str]] = {}
    for number, item in enumerate(data, 1):
        if not isinstance(item, dict):
            check.fail(path, f"entry {number}", "expected a mapping of fields")
            continue
        # what the YAML holds, checked below
        notice_id: Any = item.get("id")
        url: Any = item.get("url")
        aliases: Any = item.get("aliases") or []
        entry = f"notice '{notice_id}'" if isinstance(notice_id, str) else f"entry {number}"
        valid = {name: check.text(path, entry, name, item.get(name)) for name in NOTICE_TEXTS}
        valid["aliases"] = check.texts(path, entry, "aliases", aliases)
        valid["fields"] = check.fields(path, entry, item, NOTICE_FIELDS)
        if valid["id"]:
            if notice_id in ids:
                check.fail(path, entry, "duplicate notice id")
                continue
            ids.add(notice_id)
            if topics is not None and notice_id not in topics:
                check.fail(path, entry, f"notice id is not a topic of {_show(topics_path)}")
            elif topics is not None and topics[notice_id].kind != "notice":
                check.fail(path, entry, f"notice id is not of kind notice in {topics_path.name}")
        if valid["url"] and (urlparse(url).scheme != "https" or not urlparse(url).netloc):
            check.fail(path, entry, f"url must be an https:// address, not {url!r}")
        checked = item.get("url_checked")
        valid["url_checked"] = isinstance(checked, date) or checked == NEVER_CHECKED
        if not valid["url_checked"]:
            check.fail(path, entry, f"url_checked must be a date (YYYY-MM-DD) or {NEVER_CHECKED!r}")
        for alias in aliases if valid["id"] and valid["aliases"] else ():
            key = normalize(alias)
            if not key:
                check.fail(path, entry, f"alias {alias!r} is empty after normalisation")
            elif key in alias_owner:
                other_id, other_alias = alias_owner[key]
                check.fail(
                    path,
                    entry,
                    f"duplicate alias {alias!r} (normalised '{key}'): "
                    f"notice '{other_id}' already has {other_alias!r}",
                )
            else:
                alias_owner[key] = (notice_id, alias)
        if all(valid.values()):
            notices.append(
                {
                    "id": notice_id,
                    "title": item["title"].strip(),
                    "button": item["button"].strip(),
                    "audience": item["audience"].strip(),
                    "url": url,
                    "label": item["label"].strip(),
                    "url_source": _squash(item["url_source"]),
                    "url_checked": item["url_checked"],
                    "aliases": [alias.strip() for alias in aliases],
                }
            )
    if topics is not None:
        for topic_id, topic in topics.items():
            if topic.kind == Kind.NOTICE and topic_id not in ids:
                check.fail(
                    path, f"notice '{topic_id}'", f"topic of {topics_path.name} has no notice here"
                )
    return notices, ids


def _read_answers(
    check: _Checker,
    path: Path,
    topics: dict[str, Topic] | None,
    topics_path: Path,
    notice_ids: set[str] | None,
    page: str | None,
    page_path: Path,
) -> list[dict[str, Any]] | None:
    data = check.section(path, "answers")
    if data is None:
        return None
    if not isinstance(data, list):
        check.fail(path, "answers", "expected a list of answers")
        return None
    answers: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, item in enumerate(data, 1):
        if not isinstance(item, dict):
            check.fail(path, f"entry {number}", "expected a mapping of fields")
            continue
        # what the YAML holds, checked below
        topic: Any = item.get("topic")
        linked: Any = item.get("notices")
        service, button = item.get("service"), item.get("button")
        entry = f"answer '{topic}'" if isinstance(topic, str) else f"entry {number}"
        valid = {
            "fields": check.fields(path, entry, item, ANSWER_FIELDS),
            "topic": check.text(path, entry, "topic", topic),
            "answer": check.text(path, entry, "answer", item.get("answer")),
            "sources": check.texts(path, entry, "sources", item.get("sources")),
            "notices": check.texts(path, entry, "notices", linked),
        }
        kind = topics[topic].kind if topics and valid["topic"] and topic in topics else None
        if valid["topic"]:
            if topic in seen:
                check.fail(path, entry, "duplicate answer for this topic")
                continue
            seen.add(topic)
            if topics is not None and topic not in topics:
                check.fail(path, entry, f"unknown topic id (not in {_show(topics_path)})")
            elif kind is not None and kind not in KNOWLEDGE_KINDS:
                check.fail(
                    path,
                    entry,
                    "this topic is answered by the Rasa domain or languages.yml, not here",
                )
        if kind == Kind.NOTICE:
            if button is not None:
                check.fail(path, entry, "a notice topic's button is its notice's, in notices.yml")
        elif topics is not None:
            valid["button"] = check.text(path, entry, "button", button)
        if valid["answer"] and len(item["answer"].split()) > MAX_WORDS:
            words = len(item["answer"].split())
            check.fail(path, entry, f"answer has {words} words, more than {MAX_WORDS}")
        if service is not None and service not in SERVICE_MODES:
            check.fail(path, entry, f"service must be one of {SERVICE_MODES}, not {service!r}")
        if valid["sources"]:
            if not item["sources"]:
                check.fail(path, entry, "needs at least one source sentence")
            for sentence in item["sources"]:
                if page is not None and _squash(sentence) not in page:
                    check.fail(path, entry, f"source not in {_show(page_path)}: {sentence!r}")
        if valid["notices"]:
            if len(set(linked)) != len(linked):
                check.fail(path, entry, "a notice is linked twice")
            for notice_id in linked:
                if notice_ids is not None and notice_id not in notice_ids:
                    check.fail(path, entry, f"unknown notice id {notice_id!r}")
            if kind == Kind.NOTICE and linked[:1] != [topic]:
                check.fail(path, entry, f"a notice answer must link its own notice '{topic}' first")
        if all(valid.values()):
            answers.append(
                {
                    "topic": topic,
                    "button": button.strip() if button else None,
                    "text": _squash(item["answer"]),
                    "sources": [_squash(sentence) for sentence in item["sources"]],
                    "notices": list(linked),
                    "service": service,
                }
            )
    if topics is not None:
        for topic_id, topic_entry in topics.items():
            if topic_entry.kind in KNOWLEDGE_KINDS and topic_id not in seen:
                check.fail(
                    path, f"answer '{topic_id}'", f"missing: {topics_path.name} has this topic"
                )
    return answers


def _read_replies(check: _Checker, path: Path) -> dict[str, str]:
    """Language code -> reply; the English fallback must be there."""
    data = check.section(path, "replies")
    if data is None:
        return {}
    if not isinstance(data, list):
        check.fail(path, "replies", "expected a list of replies")
        return {}
    replies: dict[str, str] = {}
    for number, item in enumerate(data, 1):
        if not isinstance(item, dict):
            check.fail(path, f"entry {number}", "expected a mapping of fields")
            continue
        code = item.get("language")
        entry = f"reply '{code}'" if isinstance(code, str) else f"entry {number}"
        valid = check.fields(path, entry, item, REPLY_FIELDS) & check.text(
            path, entry, "reply", item.get("reply")
        )
        if not (isinstance(code, str) and _LANGUAGE_CODE.fullmatch(code)):
            check.fail(path, entry, "language must be an ISO 639-1 code such as 'fr'")
        elif code in replies:
            check.fail(path, entry, "duplicate language")
        elif valid:
            replies[code] = _squash(item["reply"])
    if data and FALLBACK_LANGUAGE not in replies:
        check.fail(path, f"reply '{FALLBACK_LANGUAGE}'", "missing: the English fallback")
    return replies


def _read_answered(check: _Checker, path: Path, replies: dict[str, str]) -> list[str]:
    """The languages answered in their own language: codes with a reply, English excluded."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except (OSError, yaml.YAMLError):
        return []  # _read_replies reported it
    codes = data.get("answered", []) if isinstance(data, dict) else []
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        check.fail(path, "answered", "expected a list of language codes")
        return []
    for code in codes:
        if code == FALLBACK_LANGUAGE:
            check.fail(path, "answered", f"'{code}' is always answered: not a language to list")
        elif code not in replies:
            check.fail(path, "answered", f"language '{code}' has no reply entry")
    if len(set(codes)) != len(codes):
        check.fail(path, "answered", "a language is listed twice")
    return codes


def _read_translations(
    check: _Checker, folder: Path, english: dict[str, str], names: list[str]
) -> dict[str, dict[str, Translation]]:
    """Language code -> key -> translation, from <code>.yml files; each file has a one-line
    `preface` and `texts` (key -> {text, source_hash}). A translation whose source_hash is
    current must keep the English's addresses, numbers, {fields} and notice titles."""
    found: dict[str, dict[str, Translation]] = {}
    for path in sorted(folder.glob("*.yml")):
        code = path.stem
        if not _LANGUAGE_CODE.fullmatch(code) or code == FALLBACK_LANGUAGE:
            check.fail(path, "file", "name must be an ISO 639-1 code other than 'en', as de.yml")
            continue
        document = check.document(path)
        if not isinstance(document, dict) or not isinstance(document.get("texts"), dict):
            check.fail(path, "file", "expected a 'preface:' and a mapping 'texts:' of key to text")
            continue
        check.fields(path, "file", document, TRANSLATION_FILE_FIELDS)
        preface: Any = document.get("preface")
        if check.text(path, "file", PREFACE, preface) and "\n" in preface.strip():
            check.fail(path, "file", "the preface must be one line")
        texts = {PREFACE: Translation(_squash(preface or ""), None)}
        for key, item in document["texts"].items():
            entry = f"text {key!r}"
            if key not in english:
                check.fail(path, entry, "unknown key: no English text has it")
                continue
            if not isinstance(item, dict):
                check.fail(path, entry, "expected a mapping of text and source_hash")
                continue
            valid = check.fields(path, entry, item, TRANSLATION_FIELDS)
            valid &= check.text(path, entry, "text", item.get("text"))
            hashed = item.get("source_hash")
            if not (isinstance(hashed, str) and _HASH.fullmatch(hashed)):
                what = "missing field" if hashed is None else f"must be {HASH_LENGTH} hex digits:"
                check.fail(path, entry, f"{what} 'source_hash' (of the English it translates)")
                valid = False
            if not valid:
                continue
            text = _squash(item["text"])
            if hashed == source_hash(english[key]):
                for term in kept_terms(english[key], names):
                    if term not in text:
                        check.fail(path, entry, f"must keep {term!r} as the English has it")
            texts[key] = Translation(text, hashed)
        found[code] = texts
    return found


def load(
    url: str | None = None,
    content_dir: Path = CONTENT_DIR,
    topics_path: Path = TOPICS_PATH,
    page_path: Path = PAGE_PATH,
) -> dict[str, int]:
    """Validate, then replace the knowledge base at `url` in one transaction.

    Returns the number of rows per table ("topic", "notice", "alias", "answer", ...). The
    load's version (a hash of the rows, knowledge.live) goes into `kb_version` with them.
    """
    content = read_content(content_dir, topics_path, page_path)
    rows: dict[Any, list[dict[str, Any]]] = {
        models.Topic: [
            {"id": t.id, "kind": t.kind, "description": t.description, "position": position}
            for position, t in enumerate(content.topics.values())
        ],
        models.Notice: [
            {key: notice[key] for key in ("id", "title", "button", "audience", "url", "label")}
            | {"position": p}
            for p, notice in enumerate(content.notices)
        ],
        models.Alias: [
            {
                "normalized": normalize(alias),
                "text": alias,
                "notice_id": notice["id"],
                "position": p,
            }
            for notice in content.notices
            for p, alias in enumerate(notice["aliases"])
        ],
        models.Answer: [
            {
                "topic_id": a["topic"],
                "button": a["button"],
                "text": a["text"],
                "service": a["service"],
            }
            for a in content.answers
        ],
        models.AnswerSource: [
            {"topic_id": a["topic"], "position": p, "sentence": sentence}
            for a in content.answers
            for p, sentence in enumerate(a["sources"])
        ],
        models.AnswerNotice: [
            {"topic_id": a["topic"], "position": p, "notice_id": notice_id}
            for a in content.answers
            for p, notice_id in enumerate(a["notices"])
        ],
        models.LanguageReply: [
            {"language": code, "text": text, "answered": code in content.answered}
            for code, text in content.replies.items()
        ],
        models.Translation: [
            {"language": code, "key": key, "text": t.text, "source_hash": t.source_hash}
            for code, texts in content.translations.items()
            for key, t in texts.items()
        ],
    }
    version = content_version(rows)
    engine = create_engine(url or database_url(), future=True)
    if engine.dialect.name == "sqlite":
        _transactional_ddl(engine)
    try:
        with Session(engine, future=True) as session, session.begin():
            models.Base.metadata.drop_all(session.connection())
            models.Base.metadata.create_all(session.connection())
            for model, values in rows.items():
                if values:
                    session.execute(insert(model), values)
            session.execute(insert(models.Version), [{"version": version}])
    finally:
        engine.dispose()
    return {model.__tablename__.removeprefix("kb_"): len(values) for model, values in rows.items()}


def content_version(rows: dict[Any, list[dict[str, Any]]]) -> str:
    """A short hash of every row to load: the same content always gets the same version."""
    tables = {model.__tablename__: values for model, values in rows.items()}
    return hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()[:16]


def _transactional_ddl(engine: Engine) -> None:
    """pysqlite runs DROP and CREATE outside any transaction; have SQLAlchemy begin it."""

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")
