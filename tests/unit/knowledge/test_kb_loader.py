"""Loading is idempotent, and bad content fails by name without touching the database."""

from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text

from knowledge import KnowledgeError, load, loader, models, read_content
from knowledge.settings import PAGE_PATH, TOPICS_PATH


def write_yaml(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def edit(content_dir: Path, name: str, change) -> None:
    """Apply `change` to the parsed `name` file of `content_dir` and write it back."""
    path = content_dir / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    write_yaml(path, data)


def entry(items: list[dict], key: str, value: str) -> dict:
    return next(item for item in items if item[key] == value)


def answer(data: dict, topic: str) -> dict:
    return entry(data["answers"], "topic", topic)


def notice(data: dict, notice_id: str) -> dict:
    return entry(data["notices"], "id", notice_id)


def test_load_counts_match_the_content(loaded_url, dump, content):
    rows = dump(loaded_url)
    answers = content["answers"]["answers"]
    notices = content["notices"]["notices"]
    assert len(rows["kb_topic"]) == len(content["topics"]["topics"]) == 38
    assert len(rows["kb_answer"]) == len(answers) == 32
    assert len(rows["kb_notice"]) == len(notices) == 16
    assert len(rows["kb_alias"]) == sum(len(n["aliases"]) for n in notices)
    assert len(rows["kb_answer_source"]) == sum(len(a["sources"]) for a in answers)
    assert len(rows["kb_answer_notice"]) == sum(len(a["notices"]) for a in answers)
    assert len(rows["kb_language_reply"]) == len(content["languages"]["replies"]) == 18
    assert len(rows["kb_translation"]) == 8 * 74  # 8 languages: a preface and 73 texts


def test_loading_twice_gives_the_same_database(database_url, dump):
    first_counts = load(database_url)
    first = dump(database_url)
    second_counts = load(database_url)
    assert second_counts == first_counts
    assert dump(database_url) == first
    assert first["kb_answer"]


def test_load_replaces_old_content(loaded_url, dump, content_copy):
    def shorten(data):
        data["answers"] = [a for a in data["answers"] if a["topic"] != "notice.tracker"]
        data["answers"].insert(0, answer_for_tracker())

    def answer_for_tracker():
        return {
            "topic": "notice.tracker",
            "answer": "The Tracker Privacy Notice.",
            "sources": ["Tracker Privacy Notice"],
            "notices": ["notice.tracker"],
        }

    edit(content_copy, "answers.yml", shorten)
    edit(content_copy, "notices.yml", lambda d: notice(d, "notice.tracker").update(aliases=[]))
    load(loaded_url, content_dir=content_copy)
    rows = dump(loaded_url)
    assert ("notice.tracker", "The Tracker Privacy Notice.", None, None) in rows["kb_answer"]
    assert not [a for a in rows["kb_alias"] if a[2] == "notice.tracker"]
    assert [s for s in rows["kb_answer_source"] if s[0] == "notice.tracker"] == [
        ("notice.tracker", 0, "Tracker Privacy Notice")
    ]


def unknown_topic(d):
    answer(d, "policy.no_sale")["topic"] = "policy.nope"


def missing_topic(d):
    d["answers"].remove(answer(d, "retention"))


def duplicate_answer(d):
    d["answers"].append(dict(answer(d, "policy.no_sale")))


def unknown_notice(d):
    answer(d, "sharing.vendors")["notices"] = ["notice.company", "notice.nope"]


def no_url(d):
    del notice(d, "notice.medaire")["url"]


def http_url(d):
    notice(d, "notice.medaire")["url"] = "http://www.internationalsos.com/privacy-notice/"


def no_url_source(d):
    del notice(d, "notice.medaire")["url_source"]


def url_checked_in_words(d):
    notice(d, "notice.medaire")["url_checked"] = "last week"


def duplicate_notice(d):
    d["notices"].append(dict(notice(d, "notice.medfit"), aliases=["unique alias"]))


def missing_notice(d):
    d["notices"].remove(notice(d, "notice.tracker"))


def duplicate_alias(d):
    notice(d, "notice.medfit")["aliases"].append("Med-Aire")


def invented_source(d):
    answer(d, "policy.no_sale")["sources"] = ["We never sell your data, ever."]


def long_answer(d):
    answer(d, "policy.no_sale")["answer"] = " ".join(["privacy"] * 61)


def bad_service(d):
    answer(d, "retention")["service"] = "always"


def missing_field(d):
    del answer(d, "website.usage")["answer"]


def missing_notice_field(d):
    del notice(d, "notice.employment")["title"]


def unknown_field(d):
    answer(d, "website.cookies")["sevice"] = "ask"


def wrong_type(d):
    answer(d, "sharing.providers")["sources"] = "We partner with hospitals."


def missing_button(d):
    del answer(d, "retention")["button"]


def button_on_a_notice_answer(d):
    answer(d, "notice.medaire")["button"] = "MedAire"


def missing_notice_button(d):
    del notice(d, "notice.medaire")["button"]


def domain_topic(d):
    d["answers"].append(
        {"topic": "chitchat.greet", "answer": "Hi", "sources": ["Shop here"], "notices": []}
    )


def no_english_reply(d):
    d["replies"] = [r for r in d["replies"] if r["language"] != "en"]


def bad_language_code(d):
    d["replies"][1]["language"] = "French"


def duplicate_language(d):
    d["replies"].append(dict(d["replies"][1]))


def answered_without_reply(d):
    d["answered"] = [*d["answered"], "xx"]


def answered_english(d):
    d["answered"] = [*d["answered"], "en"]


def answered_not_a_list(d):
    d["answered"] = "fr"


BAD_CONTENT = [
    ("answers.yml", unknown_topic, ["answer 'policy.nope'", "unknown topic id"]),
    ("answers.yml", missing_topic, ["answer 'retention'", "missing"]),
    ("answers.yml", duplicate_answer, ["answer 'policy.no_sale'", "duplicate answer"]),
    (
        "answers.yml",
        unknown_notice,
        ["answer 'sharing.vendors'", "unknown notice id 'notice.nope'"],
    ),
    ("notices.yml", no_url, ["notice 'notice.medaire'", "missing field 'url'"]),
    ("notices.yml", http_url, ["notice 'notice.medaire'", "https://"]),
    ("notices.yml", no_url_source, ["notice 'notice.medaire'", "missing field 'url_source'"]),
    ("notices.yml", url_checked_in_words, ["notice 'notice.medaire'", "url_checked must be"]),
    ("notices.yml", duplicate_notice, ["notice 'notice.medfit'", "duplicate notice id"]),
    ("notices.yml", missing_notice, ["notice 'notice.tracker'", "has no notice"]),
    (
        "notices.yml",
        duplicate_alias,
        ["notice 'notice.medfit'", "duplicate alias 'Med-Aire'", "notice 'notice.medaire'"],
    ),
    ("answers.yml", invented_source, ["answer 'policy.no_sale'", "source not in"]),
    ("answers.yml", long_answer, ["answer 'policy.no_sale'", "61 words"]),
    ("answers.yml", bad_service, ["answer 'retention'", "service must be one of"]),
    ("answers.yml", missing_field, ["answer 'website.usage'", "missing field 'answer'"]),
    ("notices.yml", missing_notice_field, ["notice 'notice.employment'", "missing field 'title'"]),
    ("answers.yml", unknown_field, ["answer 'website.cookies'", "unknown field 'sevice'"]),
    ("answers.yml", wrong_type, ["answer 'sharing.providers'", "'sources'"]),
    ("answers.yml", domain_topic, ["answer 'chitchat.greet'", "Rasa domain"]),
    ("answers.yml", missing_button, ["answer 'retention'", "missing field 'button'"]),
    ("answers.yml", button_on_a_notice_answer, ["answer 'notice.medaire'", "notices.yml"]),
    ("notices.yml", missing_notice_button, ["notice 'notice.medaire'", "missing field 'button'"]),
    ("languages.yml", no_english_reply, ["reply 'en'", "English fallback"]),
    ("languages.yml", bad_language_code, ["reply 'French'", "ISO 639-1"]),
    ("languages.yml", duplicate_language, ["reply 'ar'", "duplicate language"]),
    ("languages.yml", answered_without_reply, ["answered", "'xx' has no reply entry"]),
    ("languages.yml", answered_english, ["answered", "'en' is always answered"]),
    ("languages.yml", answered_not_a_list, ["answered", "expected a list"]),
]


@pytest.mark.parametrize(
    ("name", "change", "expected"), BAD_CONTENT, ids=[c[1].__name__ for c in BAD_CONTENT]
)
def test_bad_content_fails_by_name_and_keeps_the_database(
    loaded_url, dump, content_copy, name, change, expected
):
    before = dump(loaded_url)
    edit(content_copy, name, change)
    with pytest.raises(KnowledgeError) as raised:
        load(loaded_url, content_dir=content_copy)
    problem = next((p for p in raised.value.problems if expected[0] in p), None)
    assert problem is not None, raised.value.problems
    assert f"{content_copy / name}: " in problem
    for words in expected[1:]:
        assert words in problem, problem
    assert dump(loaded_url) == before


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("answers.yml", "answers: [unclosed\n", "malformed YAML"),
        ("notices.yml", "notices:\n  - id: a\n    id: b\n", "duplicate key 'id'"),
        ("answers.yml", "- topic: policy.no_sale\n", "expected a top-level 'answers:' entry"),
        ("notices.yml", "", "expected a top-level 'notices:' entry"),
    ],
)
def test_malformed_files_fail_by_name_and_keep_the_database(
    loaded_url, dump, content_copy, name, text, expected
):
    before = dump(loaded_url)
    (content_copy / name).write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        load(loaded_url, content_dir=content_copy)
    assert any(
        p.startswith(f"{content_copy / name}: file: ") and expected in p
        for p in raised.value.problems
    ), raised.value.problems
    assert dump(loaded_url) == before


def test_load_replaces_an_older_schema(database_url, dump):
    engine = create_engine(database_url, future=True)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE kb_notice (id VARCHAR(100) PRIMARY KEY)"))
        connection.execute(text("INSERT INTO kb_notice (id) VALUES ('notice.old')"))
    engine.dispose()
    load(database_url)
    assert "notice.old" not in {row[0] for row in dump(database_url)["kb_notice"]}


def test_a_failed_write_keeps_the_old_tables(loaded_url, dump, monkeypatch):
    before = dump(loaded_url)

    def failing_insert(model):
        if model is models.LanguageReply:
            raise OSError("disk full")
        return real_insert(model)

    real_insert = loader.insert
    monkeypatch.setattr(loader, "insert", failing_insert)
    with pytest.raises(OSError):
        load(loaded_url)
    assert dump(loaded_url) == before


def test_failed_first_load_creates_nothing(database_url, dump, content_copy):
    edit(content_copy, "answers.yml", long_answer)
    with pytest.raises(KnowledgeError):
        load(database_url, content_dir=content_copy)
    assert dump(database_url) == {}


def test_every_problem_is_reported_at_once(content_copy):
    edit(content_copy, "answers.yml", lambda d: (bad_service(d), invented_source(d)))
    edit(content_copy, "notices.yml", http_url)
    with pytest.raises(KnowledgeError) as raised:
        read_content(content_copy)
    assert len(raised.value.problems) == 3, raised.value.problems
    assert "3 problems" in str(raised.value)


def test_topics_and_page_are_checked_too(tmp_path):
    topics = yaml.safe_load(TOPICS_PATH.read_text(encoding="utf-8"))
    topics["topics"]["notice.extra"] = {"kind": "notice", "description": "not in the content"}
    write_yaml(tmp_path / "topics.yml", topics)
    page = tmp_path / "page.txt"
    page.write_text(PAGE_PATH.read_text(encoding="utf-8").replace("never sell", "do not sell"))
    with pytest.raises(KnowledgeError) as raised:
        read_content(topics_path=tmp_path / "topics.yml", page_path=page)
    problems = "\n".join(raised.value.problems)
    assert "notices.yml: notice 'notice.extra': topic of topics.yml has no notice" in problems
    assert "answers.yml: answer 'notice.extra': missing" in problems
    assert "answers.yml: answer 'policy.no_sale': source not in" in problems


def test_topic_kinds_are_checked(tmp_path):
    topics = yaml.safe_load(TOPICS_PATH.read_text(encoding="utf-8"))
    topics["topics"]["policy.no_sale"]["kind"] = "faq"
    topics["topics"]["notice.medfit"]["kind"] = "answer"
    del topics["topics"]["retention"]["kind"]
    write_yaml(tmp_path / "topics.yml", topics)
    with pytest.raises(KnowledgeError) as raised:
        read_content(topics_path=tmp_path / "topics.yml")
    problems = "\n".join(raised.value.problems)
    assert "topics.yml: topic 'policy.no_sale': kind must be one of" in problems
    assert "topics.yml: topic 'retention': kind must be one of" in problems
    assert "notices.yml: notice 'notice.medfit': notice id is not of kind notice" in problems
