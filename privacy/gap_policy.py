"""What of an unanswered question may be kept for privacy teams: `kept_text(text)`.

Redaction alone misses some personal data, so the list of unanswered questions keeps a
question only when none may remain. The text is normalised (NFKC; markup, format, control and
bidi characters removed), redacted (privacy.redaction), its URLs and spelled-out e-mails
replaced, and every number, in digits or in words, replaced by [number]. It is then dropped
(None) when it is long (a question is short; a long message is a disclosure or junk) or when a
name, a health detail or an address may remain: a [name], [health] or [address] placeholder, a
word of gap_policy.yml's health and other special categories (sex life, religion, crime), a
letter of a non-Latin script, a capitalised word that is a name of gap_policy.yml or neither
English nor one of the project's words, an unknown word after a cue ("I'm", "my wife", "Dr",
"taking"), a signature, a birth cue, a street word after a number.
`python -m evaluation.redaction_eval` measures it.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import spacy_lookups_data
import yaml
from babel import Locale

from knowledge.settings import CONTENT_DIR, PAGE_PATH
from privacy.redaction import RedactionRefused, has_health, redact

MAX_CHARS = 300
POLICY_PATH = Path(__file__).with_name("gap_policy.yml")
WORDS_PATH = Path(__file__).with_name("gap_words.txt")
ENGLISH_PATH = Path(spacy_lookups_data.__file__).with_name("data") / "en_lemma_lookup.json.gz"
DROPPED_PLACEHOLDERS = ("[name]", "[health]", "[address]")

ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_])")
TAG = re.compile(r"</?[A-Za-z!?/][^<>]{0,200}>|<!--.*?-->", re.S)
MARKDOWN = re.compile(r"[*~`^]")
SPACES = re.compile(r"\s+")
URL_TAIL = r"(?:\S*[^\s.,;:!?'\")\]}])?"
SCHEME_URL = re.compile(
    rf"(?i)\b[a-z][a-z0-9+.-]{{1,15}}:/+{URL_TAIL}|\bwww\d?(?:\.|\[\.\]){URL_TAIL}"
)
DOT = r"(?:\s*[\[({<]\s*(?:dot|\.)\s*[\])}>]\s*|\s+dot\s+|\.(?=\w))"
EMAIL_DOT = rf"(?:{DOT}|\s+\.\s+)"
AT = r"(?:\s*@\s*|\s*[\[({<]\s*(?:at|@)\s*[\])}>]\s*|\s+at\s+)"
SPELLED_EMAIL = re.compile(  # from a word's start only: linear in the text
    rf"(?i)(?<![\w+'-])[\w+'-]+(?:{EMAIL_DOT}[\w+'-]+)*{AT}[\w-]+(?:{EMAIL_DOT}[\w-]+)+"
    r"|(?<![\w.+'-])[\w.+'-]+\s+at\s+"
    r"(?:gmail|googlemail|yahoo|hotmail|outlook|icloud|proton\w*|gmx|aol)\b"
)
TLDS = (
    "com|org|net|info|biz|io|co|app|dev|xyz|online|site|top|club|shop|store|live|link|click|"
    "gov|edu|int|eu|uk|de|fr|es|it|nl|be|ch|at|ru|cn|jp|in|br|au|ca|us|me|ly|tk|ml|ga|cf|gq|"
    "pw|cc|tv|ws|ai|gg|so|to|sh|su|ua|pl|se|no|dk|fi|pt|ie|gr|cz|hu|ro|tr|sg|hk|nz|za|mx|ar|"
    "cl|kr|tw|id|ph|vn|th|pk|ng|ke|ae|sa|il|lu|li|is"
)
DOMAIN = re.compile(rf"(?i)\b[a-z0-9][\w-]*(?:{DOT}[\w-]+)*{DOT}(?:{TLDS})\b(?:/{URL_TAIL})?")
# starts only where no letter precedes: inside a run of letters it fails at once (linear)
DIGITS = re.compile(r"(?<![^\W\d_])[^\W\d_]*\d\w*(?:[\s./,:;'’+()#–—‐‑-]*[^\W\d_]*\d\w*)*")
TOKEN = re.compile(r"\[[a-z]+\]|[^\W_]+")
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")  # O'Neill, Jean-Luc: one word
LETTER_WORD = re.compile(r"[^\W\d_]+")
PART = re.compile(r"[^\W\d_]{2,}")
NON_LATIN = re.compile(  # a letter outside the Latin blocks
    r"[^\W\d_A-Za-z\u00aa\u00ba\u00c0-\u02af\u1e00-\u1eff\u2c60-\u2c7f\ua720-\ua7ff\uab30-\uab6f]"
)
LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})
SPELLED_OUT = re.compile(r"(?<!\w)(?:[^\W\d_][\s.,-]+){2,}[^\W\d_](?!\w)")  # m a r i a


def kept_text(text: str) -> str | None:
    """`text` as the list of unanswered questions may keep it, or None to keep nothing."""
    text = normalised(text)
    if not text or len(text) > MAX_CHARS:
        return None
    try:
        kept = replaced(redact(text))
        disclosed = has_health(text)
    except RedactionRefused:  # too long or too slow to redact: keep nothing
        return None
    return None if disclosed or may_be_personal(kept) else kept


def prepare() -> None:
    """Load the word lists and the redactor's rules (about a second) before the first question."""
    kept_text("Is my data sold?")


def normalised(text: str) -> str:
    """NFKC, without markup, format (zero-width, bidi), control or private-use characters."""
    text = html.unescape(ESCAPE.sub("", unicodedata.normalize("NFKC", text)))
    text = "".join(
        " " if ch.isspace() else "" if unicodedata.category(ch)[0] == "C" else ch for ch in text
    )
    text = MARKDOWN.sub("", TAG.sub("", text))
    return SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def replaced(text: str) -> str:
    """Redacted `text` with e-mails, URLs and numbers the redactor has no kind for replaced."""
    text = SPELLED_EMAIL.sub("[email]", text)
    text = DOMAIN.sub("[url]", SCHEME_URL.sub("[url]", text))
    text = _policy().number_words.sub("[number]", text)
    return DIGITS.sub("[number]", text)


def may_be_personal(text: str) -> bool:
    """Whether a name, health detail or address may remain in redacted, replaced `text`."""
    policy, vocabulary = _policy(), _vocabulary()
    flat = " ".join(TOKEN.findall(_folded(text).lower()))
    return (
        any(placeholder in text for placeholder in DROPPED_PLACEHOLDERS)
        or "@" in text
        or policy.special.search(flat) is not None
        or policy.always.search(flat) is not None
        or policy.street.search(flat) is not None
        or SPELLED_OUT.search(text) is not None
        or NON_LATIN.search(text) is not None
        or any(_unknown(m.group(1), vocabulary) for m in policy.after_cue.finditer(flat))
        or any(policy.medicine.search(t) and t not in vocabulary for t in flat.split())
        or any(_unknown_capitalised(word, vocabulary, policy.names) for word in WORD.findall(text))
    )


def _unknown(token: str, vocabulary: frozenset[str]) -> bool:
    return not token.startswith("[") and token not in vocabulary


def _unknown_capitalised(word: str, vocabulary: frozenset[str], names: frozenset[str]) -> bool:
    """A word with a capital letter one of whose parts (of 2+ letters) is a name or unknown."""
    parts = PART.findall(_folded(word).lower())
    return word != word.lower() and any(p in names or p not in vocabulary for p in parts)


def _folded(text: str) -> str:
    """`text` without accents (é: e, ß: ss)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class Policy:
    """gap_policy.yml's lists as patterns over flattened text (tokens joined by spaces)."""

    def __init__(self, data: dict):
        special = data["special"]
        self.special = re.compile(
            rf"(?<!\S)(?:(?:{_alternatives(special['stems'])})"
            rf"|(?:{_alternatives(special['phrases'])})(?!\S))"
        )
        self.always = re.compile(rf"(?<!\S)(?:{_alternatives(data['always'])})(?!\S)")
        self.after_cue = re.compile(rf"(?<!\S)(?:{_alternatives(data['cues'])}) (?=(\S+))")
        self.street = re.compile(
            rf"\[(?:number|address|postcode)\](?: \S+){{0,3}} (?:{_alternatives(data['address'])})"
            r"(?!\S)"
        )
        self.known: list[str] = data["known"]
        self.names = frozenset(data["names"])
        self.medicine = re.compile(rf"^[a-z]{{3,}}(?:{_alternatives(data['medicine_endings'])})$")
        numbers = _alternatives(data["numbers"])
        self.number_words = re.compile(rf"(?i)\b(?:{numbers})(?:[\s,-]+(?:{numbers}))+\b")


def _alternatives(phrases: Iterable[str]) -> str:
    return "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))


@cache
def _policy() -> Policy:
    return Policy(yaml.safe_load(POLICY_PATH.read_text(encoding="utf-8")))


def words(text: str) -> set[str]:
    """The words of `text` as the vocabulary holds them: lowercased, without accents."""
    return set(LETTER_WORD.findall(_folded(text).lower()))


@cache
def base_vocabulary() -> frozenset[str]:
    """Known words from the package: of the knowledge content and the privacy page, English
    (the lower-case forms of spaCy's lemma table), the English names of countries and
    languages, and gap_policy.yml's `known`."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(CONTENT_DIR.glob("*.yml"))]
    texts.append(PAGE_PATH.read_text(encoding="utf-8"))
    with gzip.open(ENGLISH_PATH, "rt", encoding="utf-8") as file:
        lemmas = json.load(file)
    texts += [word for pair in lemmas.items() for word in pair if word.islower()]
    english = Locale("en")
    texts += [*english.territories.values(), *english.languages.values(), *_policy().known]
    return frozenset(word for text in texts for word in words(text))


@cache
def _vocabulary() -> frozenset[str]:
    """The base vocabulary and gap_words.txt: the words of the NLU data and of PrivacyQA's
    training questions (never its dev split), written by `python -m orchestration.generate`."""
    lines = WORDS_PATH.read_text(encoding="utf-8").splitlines()
    return base_vocabulary() | {line for line in lines if not line.startswith("#")}
