"""Language identification: other languages are recognised, English never mistaken."""

import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from bot import language
from bot.language import INTENT_NAME as INTENT
from bot.language import SUPPORTED, LanguageIdentifier, detect
from evaluation.language_eval import english_sets, measure
from knowledge import read_content
from knowledge.settings import CONTENT_DIR
from orchestration.generate import build_spacy_pipeline


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("est-ce que vous vendez mes données personnelles ?", "fr"),
        ("quiero borrar todos mis datos personales", "es"),
        ("wer kann meine gesundheitsdaten sehen", "de"),
        ("vocês compartilham meus dados com outras empresas", "pt"),
        ("come posso cancellare i miei dati personali", "it"),
        ("hoe lang bewaren jullie mijn gegevens", "nl"),
        ("你们会出售我的个人信息吗", "zh"),
        ("私のデータを第三者と共有していますか", "ja"),
        ("제 데이터를 다른 회사와 공유하나요", "ko"),
        ("هل تشاركون بياناتي مع شركات أخرى", "ar"),
        ("вы передаёте мои данные третьим лицам", "ru"),
        ("apakah data saya dibagikan ke perusahaan lain", "id"),
        ("verilerimi başka şirketlerle paylaşıyor musunuz", "tr"),
        ("czy udostępniacie moje dane innym firmom", "pl"),
        ("bạn có chia sẻ dữ liệu với bên thứ ba không", "vi"),
        ("คุณแชร์ข้อมูลของฉันกับบริษัทอื่นไหม", "th"),
        ("क्या आप मेरा डेटा बेचते हैं", "hi"),
    ],
)
def test_supported_languages(text, lang):
    assert detect(text) == lang


@pytest.mark.parametrize(
    "text",
    ["", "   ", "?!", "👍", "0800 123 456", "ok", "thx", "data sold?", "wot info u got on me",
     "govt services notice", "dsar", "gdpr rights", "pls delte my data", "International SOS",
     "clinic in São Paulo", "bonjour, what is your privacy policy", "hola", "merci"],
)  # fmt: skip
def test_english_terse_or_unknown_is_never_another_language(text):
    assert detect(text) in (None, "en")


@pytest.mark.parametrize(
    "text", ["how long do you keep my data", "thx", "bonjour, what is your privacy policy",
             "can u delete my stuff", "wot do u do with it"],
)  # fmt: skip
def test_english_with_a_function_word_is_english(text):
    assert detect(text) == "en"


@pytest.mark.parametrize(
    ("text", "lang"),
    [("olá", "pt"), ("tchau, obrigada", "pt"), ("vocês têm dpo", "pt"),
     ("política de privacidade", "pt"), ("aviso de privacidade", "pt"),
     ("política de privacidad", "es"), ("protección de datos", "es")],
)  # fmt: skip
def test_terse_portuguese_by_its_own_words_and_spelling(text, lang):
    assert detect(text) == lang


@pytest.mark.parametrize(
    "text", ["olá, what is your privacy policy", "thanks, obrigado", "my trip to São Paulo",
             "Curaçao office", "São Tomé"],
)  # fmt: skip
def test_portuguese_words_and_letters_do_not_make_english_portuguese(text):
    assert detect(text) in (None, "en")


@pytest.mark.parametrize("text", ["Tracker", "ok", "yes", "MedAire", "", "👍", "hola", "merci"])
def test_a_language_that_cannot_be_told_is_none(text):
    assert detect(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "quiero borrar\ntodos mis datos\tpersonales",
        "quiero borrar todos mis datos personales \ud800",  # lone surrogate, as JSON allows
        "\x00quiero borrar todos mis datos personales",
        "Ｑｕｉｅｒｏ ｂｏｒｒａｒ ｔｏｄｏｓ ｍｉｓ ｄａｔｏｓ",
        "quiero borrar todos mis datos personales " * 1000,
    ],
)
def test_odd_input(text):
    assert detect(text) == "es"


def test_a_model_file_other_than_the_official_one_is_refused(monkeypatch):
    language._model.cache_clear()
    monkeypatch.setattr(language, "MODEL_SHA256", "0" * 64)
    try:
        with pytest.raises(RuntimeError, match="not the official lid.176.ftz"):
            detect("quiero borrar todos mis datos personales")
    finally:
        language._model.cache_clear()


@pytest.fixture(scope="module")
def report():
    """The language evaluation, with the NLU's spaCy pipeline built from the content."""
    aliases = {a: n["id"] for n in read_content().notices for a in n["aliases"]}
    return measure(build_spacy_pipeline(aliases))


def test_no_english_text_we_have_is_taken_for_another_language(report):
    assert sum(report["english_texts"].values()) > 3000
    assert report["false_positives"] == {name: [] for name in english_sets()}


def test_recall_on_our_multilingual_questions(report):
    assert report["recall"] >= 0.85
    assert report["per_length"]["6-10"]["right"] / sum(report["per_length"]["6-10"].values()) > 0.95


def test_every_language_detected_has_a_reply_in_that_language():
    replies = {r["language"]: r["reply"] for r in yaml.safe_load(
        (CONTENT_DIR / "languages.yml").read_text())["replies"]}  # fmt: skip
    assert set(replies) == SUPPORTED | {"en"}
    for code, text in replies.items():
        assert detect(text) == code


def message(text, intent, entities=()):
    ranking = [{"name": intent, "confidence": 0.9}, {"name": "ask_rights", "confidence": 0.1}]
    return Message(
        data={"text": text, "intent": {"name": intent, "confidence": 0.9},
              "intent_ranking": ranking, "entities": list(entities)}
    )  # fmt: skip


def test_component_overrides_the_intent_of_a_language_not_answered():
    (out,) = LanguageIdentifier().process([message("제 데이터를 누가 볼 수 있나요", "greet")])
    assert out.get("intent") == {"name": "language_unsupported", "confidence": 1.0}
    assert [(e["entity"], e["value"]) for e in out.get("entities")] == [("language", "ko")]


def test_answered_languages_come_from_the_content():
    assert language.answered_languages() == frozenset(read_content().answered)
    assert LanguageIdentifier().answered == {"de", "es", "fr", "it", "ja", "nl", "pt", "zh"}


@pytest.mark.parametrize(
    ("text", "code"),
    [("wer kann meine daten sehen", "de"), ("combien de temps gardez-vous mes données", "fr"),
     ("私のデータは誰が見られますか", "ja"), ("谁能看到我的数据", "zh")],
)  # fmt: skip
def test_component_keeps_the_intent_of_an_answered_language(text, code):
    (out,) = LanguageIdentifier().process([message(text, "ask_rights")])
    assert out.get("intent")["name"] == "ask_rights"
    assert [(e["entity"], e["value"]) for e in out.get("entities")] == [("language", code)]


def test_component_gives_english_its_language_and_an_untold_language_none():
    english, terse = LanguageIdentifier().process(
        [message("how long do you keep my data", "ask_retention"), message("Tracker", "ask_notice")]
    )
    assert english.get("intent")["name"] == "ask_retention"
    assert [(e["entity"], e["value"]) for e in english.get("entities")] == [("language", "en")]
    assert terse.get("entities") == []


def test_component_sends_an_answered_language_that_diet_took_for_unsupported_to_clarification():
    (out,) = LanguageIdentifier().process([message("wer kann meine daten sehen", INTENT)])
    assert out.get("intent")["name"] == "nlu_fallback"


def test_component_sends_english_that_diet_took_for_foreign_to_clarification():
    (out,) = LanguageIdentifier().process([message("hmmmm interesting", "language_unsupported")])
    assert out.get("intent")["name"] == "nlu_fallback"
    assert [i["name"] for i in out.get("intent_ranking")] == ["nlu_fallback", "ask_rights"]


def test_component_ignores_service_names_found_by_the_entity_extractor():
    text = "medaire tricare travelready"
    spans = [{"entity": "service", "start": 0, "end": 7}, {"entity": "service", "start": 8,
             "end": 15}, {"entity": "service", "start": 16, "end": 27}]  # fmt: skip
    (out,) = LanguageIdentifier().process([message(text, "ask_notice", spans)])
    assert out.get("intent")["name"] == "ask_notice"


@pytest.mark.parametrize(
    "text",
    [
        "🙂🙂🙂 test-zebra-5f3a9c2e1b@example.com",
        "kontakt-datenschutz@beispiel.de",
        "www.internationalsos.de/datenschutz",
    ],
)
def test_addresses_are_in_no_language(text):
    assert detect(text) is None
