"""Translations: every language translates every text, faithfully to the English's hedges and
names; the loader checks them; an edited English makes its translations stale, and a stale or
missing translation falls back to the English under the language's preface."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evaluation.languages_eval import language_of
from knowledge import Catalog, KnowledgeError, load, read_content
from knowledge.__main__ import main
from knowledge.settings import CONTENT_DIR
from knowledge.translation import PREFACE, answer_key, source_hash, stale

LANGUAGES = ("de", "es", "fr", "it", "ja", "nl", "pt", "zh")
# The English hedges and each language's rendering, which a translation keeps.
HEDGES = {
    "wherever possible": {
        "de": "wann immer möglich",
        "es": "siempre que sea posible",
        "fr": "dans la mesure du possible",
        "it": "ove possibile",
        "ja": "可能な限り",
        "nl": "waar mogelijk",
        "pt": "sempre que possível",
        "zh": "尽可能",
    },
    "where applicable": {
        "de": "gegebenenfalls",
        "es": "cuando corresponda",
        "fr": "le cas échéant",
        "it": "ove applicabile",
        "ja": "該当する場合",
        "nl": "waar van toepassing",
        "pt": "quando aplicável",
        "zh": "在适用的情况下",
    },
}


@pytest.fixture(scope="module")
def content():
    return read_content()


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_every_language_translates_every_text_of_the_current_english(content):
    assert sorted(content.translations) == sorted(LANGUAGES)
    for code, texts in content.translations.items():
        assert stale(texts, content.english) == ([], []), code
        assert texts[PREFACE].text and "\n" not in texts[PREFACE].text


@pytest.mark.parametrize("hedge", sorted(HEDGES))
def test_translations_keep_the_hedges_of_the_english(content, hedge):
    for key, english in content.english.items():
        if hedge in english.lower():
            for code in LANGUAGES:
                text = content.translations[code][key].text.lower()
                assert HEDGES[hedge][code] in text, (code, key)


def test_translations_keep_notice_titles_names_and_numbers(content):
    titles = [n["title"] for n in content.notices if n["title"].endswith("Privacy Notice")]
    for key, english in content.english.items():
        kept = [t for t in (*titles, "International SOS", "+1 215 942 8342") if t in english]
        for code in LANGUAGES:
            for term in kept:
                assert term in content.translations[code][key].text, (code, key, term)


def test_an_edited_english_answer_makes_its_translations_stale(content_copy):
    def reword(data):
        data["answers"][0]["answer"] += " Edited."

    edit(content_copy / "answers.yml", reword)
    edited = read_content(content_copy)
    old, missing = stale(edited.translations["de"], edited.english)
    assert old == [answer_key("principle.priority")] and missing == []


def test_a_stale_or_missing_translation_falls_back_to_the_english_under_the_preface(
    tmp_path, content_copy
):
    def reword(data):
        data["answers"][0]["answer"] += " Edited."

    def drop(data):
        del data["texts"][answer_key("policy.no_sale")]

    edit(content_copy / "answers.yml", reword)
    edit(content_copy / "translations" / "fr.yml", drop)
    url = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    load(url, content_dir=content_copy)
    catalog = Catalog.read(url)
    preface = catalog.translations["fr"][PREFACE].text
    for topic in ("principle.priority", "policy.no_sale"):
        english = catalog.answers[topic].text
        assert catalog.say("fr", answer_key(topic), english) == (f"{preface}\n{english}", False)
    english = catalog.answers["retention"].text
    text, translated = catalog.say("fr", answer_key("retention"), english)
    assert translated and text.startswith("Notre page de confidentialité")
    assert catalog.say("en", answer_key("retention"), english) == (english, False)


def test_the_catalogue_answers_only_in_languages_answered_and_translated(content):
    answered = frozenset(content.answered) - {"zh"}
    catalog = Catalog({}, {}, {}, {}, answered=answered, translations=content.translations)
    assert [catalog.reply_language(code) for code in ("de", "zh", "ko", None, "en")] == [
        "de",
        "en",
        "en",
        "en",
        "en",
    ]


@pytest.mark.parametrize(
    "change, problem",
    [
        (
            lambda d: d["texts"].update({"answer/nothing": {"text": "x", "source_hash": "0" * 12}}),
            "text 'answer/nothing': unknown key",
        ),
        (
            lambda d: d["texts"]["ask_service"].pop("source_hash"),
            "text 'ask_service': missing field 'source_hash'",
        ),
        (
            lambda d: d["texts"]["ask_service"].update({"source_hash": "abc"}),
            "text 'ask_service': must be 12 hex digits",
        ),
        (
            lambda d: d["texts"]["ask_service"].update({"note": "x"}),
            "text 'ask_service': unknown field 'note'",
        ),
        (
            lambda d: d["texts"]["answer/handoff.assistance"].update({"text": "Rufen Sie an."}),
            "must keep '+1 215 942 8342'",
        ),
        (
            lambda d: d["texts"]["answer/notice.medfit"].update({"text": "Der MedFit-Hinweis."}),
            "must keep 'MedFit Privacy Notice'",
        ),
        (
            lambda d: d["texts"]["clarify/again"].update({"text": "Entschuldigung."}),
            "must keep '{handoff}'",
        ),
        (lambda d: d.pop("preface"), "file: missing field 'preface'"),
    ],
)
def test_the_loader_rejects_bad_translations_by_name(content_copy, change, problem):
    edit(content_copy / "translations" / "de.yml", change)
    with pytest.raises(KnowledgeError) as error:
        read_content(content_copy)
    assert [p for p in error.value.problems if "translations/de.yml" in p and problem in p]


def test_a_stale_translation_is_not_checked_against_the_new_english(content_copy):
    def new_number(data):
        data["answers"][-1]["answer"] = data["answers"][-1]["answer"].replace("8342", "8343")

    edit(content_copy / "answers.yml", new_number)
    assert read_content(content_copy).translations["de"]["answer/handoff.assistance"]


def test_a_translation_file_must_be_named_by_a_language_code(content_copy):
    (content_copy / "translations" / "german.yml").write_text("preface: x\ntexts: {}\n")
    with pytest.raises(KnowledgeError, match="ISO 639-1"):
        read_content(content_copy)


def test_the_hash_ignores_how_the_english_is_wrapped():
    assert source_hash("We may  share\nit.") == source_hash("We may share it.")
    assert len(source_hash("x")) == 12 and source_hash("x") != source_hash("y")


def test_the_translations_command_lists_stale_and_missing_texts(content_copy, capsys):
    def reword(data):
        data["answers"][0]["answer"] += " Edited."

    edit(content_copy / "answers.yml", reword)
    edit(content_copy / "translations" / "ja.yml", lambda d: d["texts"].pop("ask_service"))
    assert main(["translations", "--content-dir", str(content_copy)]) == 0
    out = capsys.readouterr().out
    assert "de: 72 current, 1 stale, 0 missing" in out
    assert "ja: 71 current, 1 stale, 1 missing" in out
    assert "  stale: answer/principle.priority" in out and "  missing: ask_service" in out


def test_every_translated_text_reads_as_its_language(content):
    """What the language detector makes of each answer and prompt (issue 23: replies in the
    person's language), its kept English names aside."""
    for code in LANGUAGES:
        for key, translation in content.translations[code].items():
            if key.startswith(("answer/", "reply/", "clarify/again", "ask_service")):
                assert language_of(translation.text) == code, (code, key)


def test_the_answered_languages_are_those_with_translations(content):
    """languages.yml `answered` (the NLU's list, issue 23) names the translated languages: the
    actions answer in a language when it has a translations file."""
    languages = yaml.safe_load((CONTENT_DIR / "languages.yml").read_text(encoding="utf-8"))
    assert sorted(languages.get("answered", LANGUAGES)) == sorted(content.translations)
