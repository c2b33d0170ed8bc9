"""Redaction of what people type, before anything of it is stored.

`redact(text)` replaces each piece of personal data with a placeholder naming its kind:
[email], [iban], [card], [phone], [date], [postcode], [address], [id], [name], [health].
Rules find them: names after self-disclosure cues or from a list of given names, street
lines and postcodes of many countries, dates of birth in any common format, ids mixing
letters and digits, health disclosures ("I have ...", "diagnosed with ..."). IBANs and cards
must pass their checksums (python-stdnum), phone numbers Google's phonenumbers library, and
any other run of 7+ digits is an [id]. The word lists are in redaction.yml beside this file.
The knowledge base's service names and aliases, and the privacy vocabulary of
redaction.yml's `allow`, are never redacted. `python -m evaluation.redaction_eval` measures it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import phonenumbers
import yaml
from stdnum import iban, luhn

DATA_PATH = Path(__file__).with_name("redaction.yml")
# Most specific first: when detections of two kinds overlap, the longer one names the kind,
# and on equal length the one earlier here.
KINDS = ("email", "iban", "card", "date", "postcode", "phone", "address", "id", "health", "name")

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
SPELLED_EMAIL = re.compile(  # "maria (at) example (dot) com"
    r"(?i)[\w.+-]+\s*[(\[]at[)\]]\s*[\w-]+(?:\s*(?:[(\[]dot[)\]]|\.)\s*[\w-]+)+"
)
IBAN = re.compile(r"(?<!\w)[A-Za-z]{2}\d{2}[A-Za-z0-9]{0,30}(?:[ -][A-Za-z0-9]{1,10}){0,8}")
CARD = re.compile(r"(?<![\w+])\d(?:[ .-]?\d){12,18}(?!\w)")
LONG_NUMBER = re.compile(r"(?<![\w+])\+?\d(?:[ ./-]?\d){6,}(?!\w)")  # 7+ digits
PHONE = re.compile(
    r"(?<![\w+/.-])(?<!\d[ \t])(?:\+|\(\+?)?\d(?:[ \t().-]{0,2}\d){6,14}(?![\w/]|[ \t.-]\d)"
)
MIXED_ID = re.compile(r"(?<![\w@.+/-])[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*(?![\w@-])")
INSURANCE_NUMBER = re.compile(r"(?<!\w)[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?!\w)")  # UK NINO
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
CLAUSE = re.compile(r"[^.!?;\n]+")
DIGIT = re.compile(r"\d")
UPPER = "A-ZÀ-ÖØ-Þ"
NAME_WORD = rf"[{UPPER}][^\W\d_]*(?:['’-][^\W\d_]+)*"


@dataclass(frozen=True)
class Span:
    """Personal data of one kind at text[start:end]."""

    start: int
    end: int
    kind: str


def redact(text: str) -> str:
    """`text` with each piece of personal data replaced by `[kind]`."""
    parts, last = [], 0
    for span in find(text):
        parts += [text[last : span.start], f"[{span.kind}]"]
        last = span.end
    return "".join(parts) + text[last:]


def find(text: str) -> list[Span]:
    """The personal data in `text`, in order and without overlaps."""
    rules = _rules()
    detectors = DETECTORS if DIGIT.search(text) else LETTER_DETECTORS
    spans = [span for detect in detectors for span in detect(text, rules)]
    if spans:
        allowed = [match.span() for match in rules.allow.finditer(text)]
        spans = [s for s in spans if not any(a <= s.start and s.end <= b for a, b in allowed)]
    return _merge(spans)


def has_health(text: str) -> bool:
    """Whether `text` discloses someone's health (a condition, pregnancy, medication...)."""
    return any(span.kind == "health" for span in _health(text, _rules()))


def _merge(spans: list[Span]) -> list[Span]:
    """Overlapping spans joined; the longest of each group (then KINDS order) names it."""

    def weight(span: Span) -> tuple[int, int]:
        return span.end - span.start, -KINDS.index(span.kind)

    merged: list[tuple[Span, Span]] = []  # (joined span, the span naming it)
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1][0].end:
            joined, best = merged[-1]
            best = max(best, span, key=weight)
            merged[-1] = (Span(joined.start, max(joined.end, span.end), best.kind), best)
        else:
            merged.append((span, span))
    return [Span(joined.start, joined.end, best.kind) for joined, best in merged]


# --- the rules, compiled once from redaction.yml and the knowledge base ---------------------


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation of `words`, longest first, spaces matching any whitespace."""
    escaped = (
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True)
    )
    return "(?:" + "|".join(escaped) + ")"


def _words(words: Iterable[str]) -> str:
    """`words` as a case-insensitive alternation of whole words."""
    return rf"(?<![\w'’])(?i:{_alternatives(words)})(?![\w'’])"


class Rules:
    """The compiled regular expressions and word sets of redaction.yml."""

    def __init__(self, data: dict, allowed: Iterable[str]):
        self.allow = re.compile(_words([*data["allow"], *allowed]))
        self._names(data["names"], data["common"])
        self._health(data["health"])
        self._dates(data["dates"])
        self._addresses(data["addresses"])
        self._postcodes(data["postcodes"])
        self._numbers(data["ids"], data["phones"])

    def _numbers(self, ids: dict, phones: dict) -> None:
        self.cued_id = re.compile(
            _words(ids["cues"])
            + r"\W{0,3}(?:(?i:no|nr|num|number|is|was|code)\W{1,3}){0,2}"
            + r"(?P<id>(?=[\w-]*\d{4})[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)(?![\w-])"
        )
        self.phone_regions = phones["regions"]
        not_phone = [*ids["cues"], *phones["not_after"]]
        self.not_phone_cue = re.compile(_words(not_phone) + r"\W*(?:\w+\W+){0,2}$")

    def _names(self, names: dict, common: list[str]) -> None:
        gap = r"[\s,:]*"
        self.any_case_cue = re.compile(_words(names["any_case_cues"]) + gap)
        relation = rf"(?i:my|our|his|her)\s+{_words(names['relations'])}"
        self.name_cue = re.compile(
            rf"(?:{_words(names['cues'])}|{relation}|{_words(names['titles'])}\.?"
            rf"|(?:^|\s)[-–—]+)[ \t]*{gap}"
        )
        self.name_after = re.compile(rf"[ \t,]+{_words(names['after'])}")
        self.particles = frozenset(names["particles"])
        self.given = frozenset(names["given"])
        self.common = frozenset(common)
        self.not_names = frozenset([*names["not_names"], *common])

    def _health(self, health: dict) -> None:
        acronyms = "|".join(health["acronyms"])
        terms = rf"(?:(?i:{_alternatives(health['terms'])})|{acronyms})s?(?![\w+])"
        filler = _alternatives(health["fillers"])
        fillers = rf"(?:(?:{filler}|\d+)\s+){{0,4}}"
        # "heart condition", "rare blood disorder"; a bare "condition" names nothing
        named = r"(?!(?:a|an|the|some|my)\s)[^\W\d_]+\s+"
        keyword = rf"(?:{named}){{1,2}}{_alternatives(health['keywords'])}s?\b"
        possessive = _alternatives(health["possessives"])
        subject = rf"(?:{_alternatives(health['subjects'])}|{possessive}\s+\w+)"
        verb = _alternatives(health["verbs"])
        self.health_term = re.compile(rf"(?<![\w'’]){terms}")
        self.disclosure = re.compile(
            rf"(?<![\w'’])(?i:{subject}(?:\s+|(?=['’])){verb}\s+|{possessive}\s+)"
            rf"(?i:{fillers})(?P<what>{terms}|(?i:{keyword}))"
        )
        # after "diagnosed with" and the like, whatever word comes is the condition
        self.health_cue = re.compile(
            rf"(?i)(?<![\w'’]){_alternatives(health['cues'])}\s+{fillers}"
            rf"(?P<what>(?!{filler}\b)[^\W\d_][\w'’-]*)"
        )

    def _dates(self, dates: dict) -> None:
        month = rf"(?:{_alternatives(dates['months'])})\.?"
        day = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th|er|\.)?"
        year = r"(?:1[89]\d\d|20\d\d)"
        day_month = rf"{day}(?:[\s-]+|\s*)(?:of\s+|de\s+)?{month}"
        month_day = rf"{month}\s+{day}"
        self.numeric_date = re.compile(
            r"(?<![\d/.-])(?:(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})"
            r"|(\d{4})([./-])(\d{1,2})\6(\d{1,2}))(?![\d/-]|\.\d)"
        )
        self.text_date = re.compile(
            rf"(?i)(?<!\w)(?:{day_month}|{month_day}),?[\s-]*(?:de\s+)?{year}(?!\d)"
        )
        tail = (
            rf"(?:{day_month}|{month_day})(?:,?\s*(?:{year}|\d\d))?"
            rf"|\d{{8}}|\d{{1,2}}\s\d{{1,2}}\s\d{{2,4}}"
            rf"|\d{{1,2}}[./-]\d{{1,2}}(?:[./-]\d{{2,4}})?|{year}|['’]\d\d"
        )
        self.birth_date = re.compile(
            rf"(?i)(?<!\w){_alternatives(dates['birth_cues'])}(?:['’]s)?[\s:.,-]*"
            rf"(?:(?:is|was|on|in|the|year|am|le|el|de|of|:)\s+){{0,3}}(?P<date>{tail})(?![\w/])"
        )

    def _addresses(self, addresses: dict) -> None:
        number = r"\d{1,5}[A-Za-z]?(?:[-/]\d{1,5}[A-Za-z]?)?"
        # a house number after the street ends the address: "Calle Mayor 10, 28013 Madrid"
        after = r"\d{1,5}[a-z]?(?:-\d{1,5})?(?=\s*(?:[,;)\n]|$)|\s+\d|\s+(?:in|im|à|a|en)\b)"
        name = rf"(?:{NAME_WORD}|\d+(?:st|nd|rd|th))"
        kind = rf"(?i:{_alternatives(addresses['types'])})\b\.?"
        plain = r"[^\W\d_][\w'’-]*"
        plain_kind = rf"(?i:{_alternatives(addresses['plain_types'])})\b\.?"
        direction = r"(?:\s+(?:NW|NE|SW|SE|N|S|E|W|North|South|East|West)\b)?"
        particle = r"(?i:de|du|des|la|le|del|della|di|do|da|das|dos|l['’])"
        self.street = re.compile(
            rf"(?<![\w/])(?:(?P<pre>{number}),?\s+)?"
            rf"(?:(?:{name}\s+){{1,4}}{kind}|(?:{plain}\s+){{1,3}}{plain_kind}){direction}"
            rf"(?:\s+(?P<post>{after}))?"
        )
        self.street_lead = re.compile(
            rf"(?<![\w/])(?:(?P<pre>{number}),?\s+)?(?i:{_alternatives(addresses['leads'])})\.?\s+"
            rf"(?:{particle}\s*)*(?:{name}[ \t]*){{1,3}}(?:,?\s*(?P<post>{after}))?"
        )
        self.street_word = re.compile(
            rf"(?<!\w)[{UPPER}][^\W\d_]*(?i:{_alternatives(addresses['endings'])})\s+{after}"
        )
        self.unit = re.compile(rf"{_words(addresses['units'])}\s*#?\d+[A-Za-z]?(?!\w)")

    def _postcodes(self, postcodes: dict) -> None:
        self.postcode = re.compile(
            r"(?<![\w-])(?:(?i:(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s?\d[ABD-HJLNP-UW-Z]{2})"  # UK
            r"|(?i:[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s?\d[ABCEGHJ-NPRSTV-Z]\d)"  # Canada
            r"|(?:[AC-FHKNPRTV-Y]\d{2}|D6W)\s?[0-9AC-FHKNPRTV-Y]{4})(?![\w-])"  # Ireland
        )
        city = rf"(?=,?[ \t]+[{UPPER}][^\W\d_]{{2,}})"
        digits = r"\d{5}-\d{3,4}|\d{4}-\d{3}|\d{3}-\d{4}|\d{2}-\d{3}|\d{3}\s\d{2}|\d{4,6}"
        self.numeric_postcode = re.compile(
            rf"(?<![\w+./,-])(?<!\d )(?P<code>[1-9]\d{{3}}\s?[A-Z]{{2}}(?={city})|{digits})"
            r"(?![\w-]|[ ]\d)"
        )
        self.postcode_cue = re.compile(
            rf"(?:{_words(postcodes['cues'])}|(?<!\w)(?:{'|'.join(postcodes['regions'])}))"
            r"(?:\s+(?:is|code|number))*[\s:.,#]*$"
        )
        self.before_city = re.compile(rf"(?<!\w)[{UPPER}][^\W\d_]*[a-zß-ÿ][^\W\d_]*,?[ \t]*$")
        self.city_after = re.compile(city)


@cache
def _rules() -> Rules:
    """Rules from redaction.yml and the knowledge base's notice titles and aliases."""
    from knowledge.loader import read_content

    data = yaml.safe_load(DATA_PATH.read_text(encoding="utf-8"))
    notices = read_content().notices
    allowed = [text for n in notices for text in (n["title"], *n["aliases"])]
    return Rules(data, allowed)


# --- detectors: each yields the spans of one or two kinds ----------------------------------


def _emails(text: str, rules: Rules) -> Iterator[Span]:
    """E-mail addresses, also spelled out: "maria (at) example (dot) com"."""
    for pattern in (EMAIL, SPELLED_EMAIL):
        for match in pattern.finditer(text):
            yield Span(*match.span(), "email")


def _ibans(text: str, rules: Rules) -> Iterator[Span]:
    """IBANs with a valid checksum; trailing groups that break it are left out."""
    for match in IBAN.finditer(text):
        groups = re.split(r"([ -])", match.group())  # groups and the separators between
        while groups and not iban.is_valid("".join(groups[::2])):
            groups = groups[:-2]
        if groups:
            yield Span(match.start(), match.start() + len("".join(groups)), "iban")


def _cards(text: str, rules: Rules) -> Iterator[Span]:
    """13 to 19 digits, in groups or not, passing the Luhn check."""
    for match in CARD.finditer(text):
        if luhn.is_valid(re.sub(r"\D", "", match.group())):
            yield Span(*match.span(), "card")


def _phones(text: str, rules: Rules) -> Iterator[Span]:
    """Numbers that phonenumbers finds valid: international ones ("+", "00") for any country,
    national ones for the first of the listed regions that accepts them (not after an id or
    date cue). Parsing each candidate costs a fraction of what a PhoneNumberMatcher pass over
    the text per region does (about 100 µs each, measured here)."""
    for match in PHONE.finditer(text):
        candidate = match.group()
        if rules.numeric_date.fullmatch(candidate):
            continue
        if candidate.startswith("00"):
            candidate = "+" + candidate[2:]
        if candidate.startswith("+"):
            regions = [None]
        elif rules.not_phone_cue.search(text, max(0, match.start() - 30), match.start()):
            continue
        else:
            regions = rules.phone_regions
        if any(_valid_phone(candidate, region) for region in regions):
            yield Span(*match.span(), "phone")


def _valid_phone(candidate: str, region: str | None) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(candidate, region))
    except phonenumbers.NumberParseException:
        return False


def _numbers(text: str, rules: Rules) -> Iterator[Span]:
    """Any other run of 7 or more digits: a phone number if international, else an id."""
    for match in LONG_NUMBER.finditer(text):
        yield Span(*match.span(), "phone" if match.group().startswith(("+", "00")) else "id")


def _dates(text: str, rules: Rules) -> Iterator[Span]:
    """Full dates in numbers or words, and what follows a birth cue (a year, a day)."""
    for match in rules.numeric_date.finditer(text):
        if _plausible_date(match):
            yield Span(*match.span(), "date")
    for match in rules.text_date.finditer(text):
        yield Span(*match.span(), "date")
    for match in rules.birth_date.finditer(text):
        yield Span(*match.span("date"), "date")


def _plausible_date(match: re.Match) -> bool:
    """A day and a month (in either order) within range."""
    first, _, second, _, year, _, month, day = match.groups()
    if year:
        return 1 <= int(month) <= 12 and 1 <= int(day) <= 31
    a, b = int(first), int(second)
    return min(a, b) >= 1 and (a <= 12 and b <= 31 or b <= 12 and a <= 31)


def _postcodes(text: str, rules: Rules) -> Iterator[Span]:
    """UK, Canadian and Irish codes; numeric ones next to a city, a cue or a state."""
    for match in rules.postcode.finditer(text):
        yield Span(*match.span(), "postcode")
    for match in rules.numeric_postcode.finditer(text):
        before = text[max(0, match.start() - 30) : match.start()]
        code = match.group("code")
        cued = bool(rules.postcode_cue.search(before))
        year = re.fullmatch(r"(?:19|20)\d\d", code)
        beside_city = rules.before_city.search(before) and not _is_common(before, rules)
        if cued or not year and (beside_city or rules.city_after.match(text, match.end())):
            yield Span(*match.span(), "postcode")


def _is_common(before: str, rules: Rules) -> bool:
    """Whether the word just before a number is an everyday word ("In 2019", "Over 5000")."""
    words = WORD.findall(before)
    return bool(words) and words[-1].lower() in rules.common


def _addresses(text: str, rules: Rules) -> Iterator[Span]:
    """Street lines with a house number, units ("Flat 3") and post-office boxes."""
    for pattern in (rules.street, rules.street_lead):
        for match in pattern.finditer(text):
            numbered = match.group("pre") or match.group("post")
            if numbered and not any(w.lower() in rules.common for w in WORD.findall(match.group())):
                yield Span(*match.span(), "address")
    for pattern in (rules.street_word, rules.unit):
        for match in pattern.finditer(text):
            yield Span(*match.span(), "address")


def _ids(text: str, rules: Rules) -> Iterator[Span]:
    """Tokens of 6+ letters and digits with at least 3 digits, UK insurance numbers, and
    numbers of 4+ digits after an id cue ("case #88213")."""
    for match in MIXED_ID.finditer(text):
        token = match.group()
        digits = sum(c.isdigit() for c in token)
        letters = sum(c.isalpha() for c in token)
        if digits >= 3 and letters and digits + letters >= 6:
            yield Span(*match.span(), "id")
    for match in INSURANCE_NUMBER.finditer(text):
        yield Span(*match.span(), "id")
    for match in rules.cued_id.finditer(text):
        yield Span(*match.span("id"), "id")


def _names(text: str, rules: Rules) -> Iterator[Span]:
    """Names after a cue ("my name is", "I'm", "Regards,", "Dr"), given names, "X here"."""
    words = list(WORD.finditer(text))
    starts = {word.start(): i for i, word in enumerate(words)}
    for pattern, any_case in ((rules.any_case_cue, True), (rules.name_cue, False)):
        for cue in pattern.finditer(text):
            if cue.end() in starts:
                yield from _name_run(text, words, starts[cue.end()], any_case, rules)
    for i, word in enumerate(words):
        if word.group().lower() in rules.given and _is_capitalised(word.group()):
            yield from _name_run(text, words, i, False, rules)
    for after in rules.name_after.finditer(text):
        yield from _name_run_before(text, words, after.start(), rules)


def _name_run(text: str, words: list[re.Match], i: int, any_case: bool, rules: Rules):
    """The name starting at words[i]: up to 4 name words, particles ("van der") inside."""
    first = words[i].group()
    any_case = any_case or first.islower() and first in rules.given
    names: list[re.Match] = []
    previous = None
    for word in words[i : i + 8]:
        gap = r"\.?[ \t]+" if previous and re.fullmatch(r"[A-Z]", previous.group()) else r"[ \t]+"
        if previous and not re.fullmatch(gap, text[previous.end() : word.start()]):
            break
        previous = word
        if names and word.group().lower() in rules.particles:
            continue
        if len(names) == 4 or not _is_name_word(word.group(), any_case, rules):
            break
        names.append(word)
    if names:
        yield Span(names[0].start(), names[-1].end(), "name")


def _name_run_before(text: str, words: list[re.Match], position: int, rules: Rules):
    """The capitalised name ending at `position` ("Emily Clarke" in "Emily Clarke here")."""
    start = position
    for word in reversed([w for w in words if w.end() <= position][-3:]):
        adjacent = re.fullmatch(r"[ \t,]*", text[word.end() : start])
        if not adjacent or not _is_name_word(word.group(), False, rules):
            break
        start = word.start()
    if start < position:
        yield Span(start, position, "name")


def _is_capitalised(word: str) -> bool:
    """ "Maria", "O'Connor", not "HIV" nor "maria"."""
    return word[0].isupper() and not (len(word) > 1 and word.isupper())


def _is_name_word(word: str, any_case: bool, rules: Rules) -> bool:
    """Not an everyday word, and capitalised unless a strong cue came before."""
    if word.lower() in rules.not_names:
        return False
    return any_case or _is_capitalised(word)


def _health(text: str, rules: Rules) -> Iterator[Span]:
    """In a clause that discloses a condition ("I have", "my", "diagnosed with"...), every
    health term, and the condition named after the cue."""
    for clause in CLAUSE.finditer(text):
        start, end = clause.span()
        disclosures = [
            *rules.disclosure.finditer(text, start, end),
            *rules.health_cue.finditer(text, start, end),
        ]
        if not disclosures:
            continue
        for match in disclosures:
            yield Span(*match.span("what"), "health")
        for match in rules.health_term.finditer(text, start, end):
            yield Span(*match.span(), "health")


DETECTORS = (
    _emails,
    _ibans,
    _cards,
    _phones,
    _numbers,
    _dates,
    _postcodes,
    _addresses,
    _ids,
    _names,
    _health,
)
LETTER_DETECTORS = (_emails, _names, _health)
