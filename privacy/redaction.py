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

Every pattern runs on RE2 (google-re2), which takes time linear in the text: no input can
make it backtrack (tests/unit/privacy/test_redaction_linear.py). RE2 has no lookarounds
and its \\w, \\d, \\s, \\b are ASCII, so `Pattern` spells Python's Unicode classes out (W, D,
L, S below) and turns a one-character lookbehind into a consumed character before the match,
a lookahead at its end into consumed text after it; the two-character lookbehinds of phone
numbers and postcodes, and "not a filler word" after a health cue, are checks in code. They
find what the patterns did on Python's `re`, but for letters newer than Unicode 13 and for
particles or name words run together in a street name ("via dellaRosa 5"): the ambiguity
that let `re` backtrack for hours.

The contract with callers: `redact`, `find` and `has_health` refuse a text longer than
MAX_CHARS (`TooLong`) and give up when the detectors have run past their time budget
(`RedactionTimeout`, checked between detectors; `budget` and `clock`, by default the
thread's processor time, are arguments). Both are `RedactionRefused`: the caller then stores
nothing of the text.
"""

from __future__ import annotations

import bisect
import itertools
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import phonenumbers
import re2
import yaml
from stdnum import iban, luhn

DATA_PATH = Path(__file__).with_name("redaction.yml")
# Most specific first: when detections of two kinds overlap, the longer one names the kind,
# and on equal length the one earlier here.
KINDS = ("email", "iban", "card", "date", "postcode", "phone", "address", "id", "health", "name")
MAX_CHARS = 1000
BUDGET = 0.05  # seconds of the thread's processor time (not the machine's load) for one text
WARM_UP = (
    "Maria Gonzalez, 221B Baker Street, London NW1 6XE, born 12/03/1985, passport AB123456, "
    "I have HIV, maria@example.com, +44 20 7946 0958, 020 7946 0958, card 4111 1111 1111 1111, "
    "IBAN GB82 WEST 1234 5698 7654 32, calle de la Paz 5, 10115 Berlin, Hauptstraße 5. Ürün ß. "
    "I use an inhaler for my asthma; my son has a rare blood disorder; diagnosed with lupus."
)

# Python's Unicode classes for RE2 (inside [...]): \w, \d, [^\W\d_] and \s (Python 3.10 knows
# Unicode 13: a letter or digit of a later version is one here and not for `re`)
W = r"\pL\pN_"
D = r"\p{Nd}"
L = r"\pL\p{Nl}\p{No}"
BLANKS = r"\n\v\f\r\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}"
S = rf"\t {BLANKS}\x{{205f}}\x{{3000}}"
NEVER = r"[^\x00-\x{10ffff}]"  # matches nothing
OPTIONS = re2.Options()
OPTIONS.max_mem = 64 << 20  # RE2's automata of the longest patterns need more than 8 MiB
UNANCHORED, ANCHOR_START, ANCHOR_BOTH = (
    re2._re2.RE2.Anchor.UNANCHORED,
    re2._re2.RE2.Anchor.ANCHOR_START,
    re2._re2.RE2.Anchor.ANCHOR_BOTH,
)
UPPER = "A-ZÀ-ÖØ-Þ"
NAME_WORD = rf"[{UPPER}][{L}]*(?:['’-][{L}]+)*"


class RedactionRefused(Exception):
    """The text was not redacted: store nothing of it."""


class TooLong(RedactionRefused):
    """The text is longer than MAX_CHARS."""


class RedactionTimeout(RedactionRefused):
    """The detectors ran past the time budget."""


class Pattern:
    """An RE2 expression standing for a Python one with lookarounds of one character.

    The match reported starts at the last empty group `s_` that took part (after a consumed
    character that Python's lookbehind looked at) and ends at the first empty group `e_`
    that did (before consumed text that Python's lookahead looked at). A group name may
    repeat in alternatives: the copies are renamed `name1`, `name2`... and `group(name)` is
    whichever took part. `shifted`: the pattern starts with `(?:\\A|[^...])`, so searches
    start a character early. `reject(text, match)` turns a match down, as a lookaround would
    have: the search goes on from the character after its start.
    """

    def __init__(
        self,
        pattern: str,
        shifted: bool = False,
        reject: Callable[[str, Found], bool] | None = None,
    ):
        pattern = _numbered(pattern)
        self.regex = re2.compile(pattern, OPTIONS)
        self.first = self.regex._regexp  # RE2 itself: the wrapper encodes the text at each call
        rest = re2.compile(pattern.replace(r"\A", NEVER), OPTIONS)._regexp if shifted else None
        self.rest = rest or self.first
        self.shifted, self.reject = shifted, reject
        self.groups: dict[str, list[int]] = {}
        for name, index in sorted(self.regex.groupindex.items(), key=lambda item: item[1]):
            self.groups.setdefault(name.rstrip("0123456789"), []).append(index)

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[Found]:
        """Like re.Pattern.finditer: each match starts where the one before ended."""
        if endpos is not None:
            text = text[:endpos]
        encoded = _encoded(text)
        while pos <= len(text):
            regex, start = (self.rest, pos - 1) if self.shifted and pos else (self.first, pos)
            spans = regex.Match(UNANCHORED, encoded.data, encoded.byte(start), len(encoded.data))
            if spans[0][0] < 0:
                return
            found = Found(self, encoded, spans)
            if self.reject and self.reject(text, found):
                pos = found.start() + 1
                continue
            yield found
            pos = max(found.end(), found.start() + 1)

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> Found | None:
        return next(self.finditer(text, pos, endpos), None)

    def match(self, text: str, pos: int = 0) -> bool:
        """Whether the pattern (without lookarounds) matches at `pos`."""
        return self._matches(ANCHOR_START, text, pos)

    def fullmatch(self, text: str) -> bool:
        """Whether the pattern (without lookarounds) matches the whole of `text`."""
        return self._matches(ANCHOR_BOTH, text, 0)

    def _matches(self, anchor, text: str, pos: int) -> bool:
        encoded = _encoded(text)
        return (
            self.first.Match(anchor, encoded.data, encoded.byte(pos), len(encoded.data))[0][0] >= 0
        )


@dataclass(frozen=True)
class Encoded:
    """A text in UTF-8, and where each of its characters starts in it (when not ASCII)."""

    text: str
    data: bytes
    starts: list[int] | None  # the byte offset of each character and of the end

    def byte(self, char: int) -> int:
        return char if self.starts is None else self.starts[char]

    def char(self, byte: int) -> int:
        return byte if self.starts is None else bisect.bisect_left(self.starts, byte)


@lru_cache(maxsize=4)
def _encoded(text: str) -> Encoded:
    data = text.encode("utf-8", "surrogatepass")  # RE2 reads a lone surrogate as one character
    if len(data) == len(text):
        return Encoded(text, data, None)
    starts = list(
        itertools.accumulate((len(c.encode("utf-8", "surrogatepass")) for c in text), initial=0)
    )
    return Encoded(text, data, starts)


class Found:
    """A match of a Pattern, read like a re.Match."""

    __slots__ = ("_pattern", "_encoded", "_spans", "_span")

    def __init__(self, pattern: Pattern, encoded: Encoded, spans: list[tuple[int, int]]):
        self._pattern, self._encoded, self._spans = pattern, encoded, spans
        start, end = spans[0]
        start = self._first("s_", start, -1)
        end = self._first("e_", end, 1)
        self._span = (encoded.char(start), encoded.char(end))

    def _first(self, name: str, default: int, step: int) -> int:
        """Where the first group `name` (or a copy) that took part starts (the last: step -1)."""
        for index in self._pattern.groups.get(name, [])[::step]:
            if self._spans[index][0] >= 0:
                return self._spans[index][0]
        return default

    def span(self, name: str | None = None) -> tuple[int, int]:
        if name is None:
            return self._span
        for index in self._pattern.groups[name]:
            start, end = self._spans[index]
            if start >= 0:
                return self._encoded.char(start), self._encoded.char(end)
        return -1, -1

    def start(self) -> int:
        return self._span[0]

    def end(self) -> int:
        return self._span[1]

    def group(self, name: str | None = None) -> str | None:
        start, end = self.span(name)
        return None if start < 0 else self._encoded.text[start:end]


def _numbered(pattern: str) -> str:
    """`pattern` with the second, third... group of a name renamed name1, name2..."""
    seen: dict[str, int] = {}

    def rename(match: re.Match) -> str:
        name = match.group(1)
        seen[name] = seen.get(name, -1) + 1
        return f"(?P<{name}{seen[name] or ''}>"

    return re.sub(r"\(\?P<(\w+)>", rename, pattern)


def _around(body: str, before: str = "", after: str = "", **options) -> Pattern:
    """`body` not after a character of the class `before`, and followed by `after` (these
    are left out of the match)."""
    pattern = f"(?:{body})" if not before else rf"(?:\A|[^{before}])(?P<s_>)(?:{body})"
    if after:
        pattern += rf"(?P<e_>)(?:{after})"
    return Pattern(pattern, shifted=bool(before), **options)


def _not(chars: str) -> str:
    """Text ends here or goes on with a character not of the class `chars` (consumed)."""
    return rf"$|[^{chars}]"


def _after_digit(text: str, start: int, blanks: str) -> bool:
    """Whether `start` follows a digit and one of `blanks` (a lookbehind of two characters)."""
    return start > 1 and text[start - 2].isdecimal() and text[start - 1] in blanks


def _first_word(text: str) -> str:
    """`text` up to its first apostrophe or hyphen."""
    return next((text[:i] for i, c in enumerate(text) if c in "'’-"), text)


def _fold(word: str) -> str:
    """`word` for a case-insensitive RE2 group: Python's `re` also takes ı and İ for i."""
    return re.sub("[iI]", "[iIıİ]", word)


EMAIL = _around(rf"[{W}.+'-]+@[{W}-]+(?:\.[{W}-]+)+")
SPELLED_EMAIL = _around(  # "maria (at) example (dot) com"
    rf"(?i)[{W}.+-]+[{S}]*[(\[]at[)\]][{S}]*[{W}-]+"
    rf"(?:[{S}]*(?:[(\[]dot[)\]]|\.)[{S}]*[{W}-]+)+"
)
IBAN = _around(rf"[A-Za-z]{{2}}[{D}]{{2}}[A-Za-z0-9]{{0,30}}(?:[ -][A-Za-z0-9]{{1,10}}){{0,8}}", W)
CARD = _around(rf"[{D}](?:[ .-]?[{D}]){{12,18}}", W + "+", _not(W))
LONG_NUMBER = _around(rf"\+?[{D}](?:[ ./-]?[{D}]){{6,}}", W + "+", _not(W))  # 7+ digits
PHONE = _around(
    rf"(?:\+|\(\+?)?[{D}](?:[ \t().-]{{0,2}}[{D}]){{6,14}}",
    W + "+/.-",
    rf"$|[^{W}/ \t.-]|[ \t.-](?:$|[^{D}])",
    reject=lambda text, match: _after_digit(text, match.start(), " \t"),
)
MIXED_ID = _around(r"[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*", W + "@.+/-", _not(W + "@-"))
INSURANCE_NUMBER = _around(  # UK NINO
    rf"[A-Z]{{2}} ?[{D}]{{2}} ?[{D}]{{2}} ?[{D}]{{2}} ?[A-D]", W, _not(W)
)
WORD = _around(rf"[{L}]+(?:['’-][{L}]+)*")
CLAUSE = _around(r"[^.!?;\n]+")
DIGIT = _around(rf"[{D}]")


@dataclass(frozen=True)
class Span:
    """Personal data of one kind at text[start:end]."""

    start: int
    end: int
    kind: str


Clock = Callable[[], float]


def redact(text: str, budget: float = BUDGET, clock: Clock = time.thread_time) -> str:
    """`text` with each piece of personal data replaced by `[kind]`."""
    parts, last = [], 0
    for span in find(text, budget, clock):
        parts += [text[last : span.start], f"[{span.kind}]"]
        last = span.end
    return "".join(parts) + text[last:]


def find(text: str, budget: float = BUDGET, clock: Clock = time.thread_time) -> list[Span]:
    """The personal data in `text`, in order and without overlaps."""
    rules = _rules()
    detectors = DETECTORS if DIGIT.search(_checked(text)) else LETTER_DETECTORS
    spans = _run(detectors, text, rules, clock() + budget, clock)
    if spans:
        allowed = [match.span() for match in rules.allow.finditer(text)]
        spans = [s for s in spans if not any(a <= s.start and s.end <= b for a, b in allowed)]
    return _merge(spans)


def has_health(text: str, budget: float = BUDGET, clock: Clock = time.thread_time) -> bool:
    """Whether `text` discloses someone's health (a condition, pregnancy, medication...)."""
    spans = _run([_health], _checked(text), _rules(), clock() + budget, clock)
    return any(span.kind == "health" for span in spans)


def _checked(text: str) -> str:
    if len(text) > MAX_CHARS:
        raise TooLong(f"{len(text)} characters, more than {MAX_CHARS}")
    return text


def _run(detectors, text: str, rules: Rules, deadline: float, clock: Clock) -> list[Span]:
    """The spans of every detector, as long as the deadline is not past after each."""
    spans: list[Span] = []
    for detect in detectors:
        spans += detect(text, rules)
        if clock() > deadline:
            raise RedactionTimeout(f"past the time budget after {detect.__name__}")
    return spans


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
    """A case-insensitive alternation of `words`, longest first, spaces matching any blank."""
    escaped = (
        _fold(re.escape(w)).replace(r"\ ", f"[{S}]+")
        for w in sorted(set(words), key=len, reverse=True)
    )
    return "(?i:" + "|".join(escaped) + ")"


def _unless(words: set[str], first: str, more: str) -> str:
    """A run of letters (and of the classes `first` for its first character, `more` for the
    others) that is none of `words` (lower case; the case of the text is ignored), to be
    followed by a character outside the run's classes. It leaves the words' letters on
    its first character that none of them has there; after that the rest is free."""
    prefixes = sorted({w[:i] for w in words for i in range(len(w) + 1)})
    leaving, ending = [], []
    for prefix in prefixes:
        nexts = "".join(sorted({w[len(prefix)] for w in words if len(w) > len(prefix)}))
        excluded = "".join("iIıİ" if c in "iI" else c for c in nexts)
        extra = more if prefix else first
        leaving.append(_fold(prefix) + rf"(?:[{extra}]|(?i:[^\PL{excluded}]))")
        if prefix and prefix not in words:
            ending.append(_fold(prefix))
    return rf"(?i:(?:{'|'.join(leaving)})[\pL{more}]*|{'|'.join(ending)})"


class Rules:
    """The compiled patterns and word sets of redaction.yml."""

    def __init__(self, data: dict, allowed: Iterable[str]):
        self.allow = _around(_alternatives([*data["allow"], *allowed]), W + "'’", _not(W + "'’"))
        self._names(data["names"], data["common"])
        self._health(data["health"])
        self._dates(data["dates"])
        self._addresses(data["addresses"])
        self._postcodes(data["postcodes"])
        self._numbers(data["ids"], data["phones"])

    def _numbers(self, ids: dict, phones: dict) -> None:
        # "case no. AB-12345": 4 digits in a row, in the first group of the id that has them
        short = "(?:[0-9]{0,3}[A-Za-z])"  # digits then a letter: no 4 digits in a row
        no_four = rf"(?:{short}+[0-9]{{0,3}}|[0-9]{{1,3}})"
        four = rf"{short}*[0-9]{{4}}[A-Za-z0-9]*"
        self.cued_id = _around(
            rf"{_alternatives(ids['cues'])}[^{W}'’][^{W}]{{0,2}}"
            rf"(?:{_alternatives(['no', 'nr', 'num', 'number', 'is', 'was', 'code'])}"
            rf"[^{W}]{{1,3}}){{0,2}}(?P<id>(?:{no_four}-)*{four}(?:-[A-Za-z0-9]+)*)",
            W + "'’",
            _not(W + "-"),
        )
        self.phone_regions = phones["regions"]
        not_phone = [*ids["cues"], *phones["not_after"]]
        self.not_phone_cue = _around(
            rf"{_alternatives(not_phone)}(?:[^{W}'’][^{W}]*(?:[{W}]+[^{W}]+){{0,2}})?$", W + "'’"
        )

    def _names(self, names: dict, common: list[str]) -> None:
        gap = rf"[{S},:]"
        word_end = rf"(?:{gap}+|(?P<e_>)(?:$|[^{W}'’{S},:]))"  # then blanks, or not a letter
        self.any_case_cue = _around(_alternatives(names["any_case_cues"]) + word_end, W + "'’")
        relation = rf"(?i:my|our|h[iIıİ]s|her)[{S}]+{_alternatives(names['relations'])}"
        cue = _alternatives(names["cues"]) + word_end
        title = rf"{_alternatives(names['titles'])}(?:\.{gap}*|{gap}+|(?P<e_>)(?:$|[^{W}'’{S},:.]))"
        self.name_cue = Pattern(  # a lookbehind for cues and titles only, not relations
            rf"(?:\A|[^{W}'’])(?P<s_>)(?:{cue}|{relation}{word_end}|{title}|(?:^|[{S}])[-–—]+{gap}*)"
            rf"|[{W}'’](?P<s_>)(?:{relation}{word_end}|[{S}][-–—]+{gap}*)",
            shifted=True,
        )
        self.name_after = _around(rf"[ \t,]+{_alternatives(names['after'])}", "", _not(W + "'’"))
        self.particles = frozenset(names["particles"])
        self.given = frozenset(names["given"])
        self.common = frozenset(common)
        self.not_names = frozenset([*names["not_names"], *common])

    def _health(self, health: dict) -> None:
        terms = rf"(?:{_alternatives(health['terms'])}|{'|'.join(health['acronyms'])})s?"
        filler = _alternatives(health["fillers"])
        fillers = rf"(?:(?:{filler}|[{D}]+)[{S}]+){{0,4}}"
        # "heart condition", "rare blood disorder"; a bare "condition" names nothing
        named = _unless({"a", "an", "the", "some", "my"}, r"\p{Nl}\p{No}", r"\p{Nl}\p{No}")
        keyword = rf"(?:{named}[{S}]+){{1,2}}{_alternatives(health['keywords'])}(?i:s?)"
        possessive = _alternatives(health["possessives"])
        subject = rf"(?:{_alternatives(health['subjects'])}|{possessive}[{S}]+[{W}]+)"
        verb = _alternatives(health["verbs"])
        after_apostrophe = _alternatives(v for v in health["verbs"] if v[0] in "'’")
        self.health_term = _around(terms, W + "'’", _not(W + "+"))
        self.disclosure = _around(
            rf"(?:{subject}(?:[{S}]+{verb}|{after_apostrophe})[{S}]+|{possessive}[{S}]+)"
            rf"{fillers}(?P<s_>)(?:{terms}(?P<e_>)(?:{_not(W + '+')})"
            rf"|{keyword}(?P<e_>)(?:{_not(W)}))",
            W + "'’",
        )
        # after "diagnosed with" and the like, whatever word comes is the condition, unless
        # a filler: the fillers before it are a whole word each, so are as many as can be
        self.filler = _around(filler)
        self.health_cue = _around(
            rf"{_alternatives(health['cues'])}[{S}]+{fillers}(?P<s_>)[{L}][{W}'’-]*",
            W + "'’",
            reject=lambda text, match: self.filler.fullmatch(_first_word(match.group() or "")),
        )

    def _dates(self, dates: dict) -> None:
        month = rf"{_alternatives(dates['months'])}\.?"
        day = rf"(?:[12][{D}]|3[01]|0?[1-9])(?i:st|nd|rd|th|er|\.)?"
        year = rf"(?:1[89][{D}][{D}]|20[{D}][{D}])"
        day_month = rf"{day}[{S}-]*(?i:of[{S}]+|de[{S}]+)?{month}"
        month_day = rf"{month}[{S}]+{day}"
        numbers = (  # day, month and year in either order, the same separator twice
            rf"[{D}]{{1,2}}(?:\.[{D}]{{1,2}}\.|/[{D}]{{1,2}}/|-[{D}]{{1,2}}-)(?:[{D}]{{4}}|[{D}]{{2}})"
            rf"|[{D}]{{4}}(?:\.[{D}]{{1,2}}\.|/[{D}]{{1,2}}/|-[{D}]{{1,2}}-)[{D}]{{1,2}}"
        )
        self.numeric_date = _around(numbers, D + "/.-", rf"$|[^{D}/.\-]|\.(?:$|[^{D}])")
        self.whole_date = _around(numbers)
        self.text_date = _around(
            rf"(?:{day_month}|{month_day}),?[{S}-]*(?i:de[{S}]+)?{year}", W, _not(D)
        )
        tail = (
            rf"(?:{day_month}|{month_day})(?:,?[{S}]*(?:{year}|[{D}][{D}]))?"
            rf"|[{D}]{{8}}|[{D}]{{1,2}}[{S}][{D}]{{1,2}}[{S}][{D}]{{2,4}}"
            rf"|[{D}]{{1,2}}[./-][{D}]{{1,2}}(?:[./-][{D}]{{2,4}})?|{year}|['’][{D}][{D}]"
        )
        words = _alternatives(
            ["is", "was", "on", "in", "the", "year", "am", "le", "el", "de", "of"]
        )
        self.birth_date = _around(
            rf"{_alternatives(dates['birth_cues'])}(?:['’](?i:s))?[{S}:.,-]*"
            rf"(?:(?:{words}|:)[{S}]+){{0,3}}(?P<s_>)(?:{tail})",
            W,
            _not(W + "/"),
        )

    def _addresses(self, addresses: dict) -> None:
        number = rf"[{D}]{{1,5}}[A-Za-z]?(?:[-/][{D}]{{1,5}}[A-Za-z]?)?"
        # a house number after the street ends the address: "Calle Mayor 10, 28013 Madrid"
        after = (
            rf"(?P<post>[{D}]{{1,5}}[a-z]?(?:-[{D}]{{1,5}})?)(?P<e_>)(?:[{S}]*(?:[,;)\n]|$)"
            rf"|[{S}]+[{D}]|[{S}]+(?:in|im|à|a|en)(?:{_not(W)}))"
        )
        name = rf"(?:{NAME_WORD}|[{D}]+(?:st|nd|rd|th))"
        plain = rf"[{L}][{W}'’-]*"
        direction = r"(?:NW|NE|SW|SE|N|S|E|W|North|South|East|West)"
        # the street type (not followed by a letter or digit), a direction, a house number
        then = rf"(?:[{S}]+{direction}(?:[{S}]+{after}|(?P<e_>)(?:{_not(W)}))|[{S}]+{after})"
        ending = rf"(?:\.{then}?|{then}|(?P<e_>)(?:{_not(W)}))"
        self.street = _around(
            rf"(?:(?P<pre>{number}),?[{S}]+)?(?:(?:{name}[{S}]+){{1,4}}"
            rf"{_alternatives(addresses['types'])}|(?:{plain}[{S}]+){{1,3}}"
            rf"{_alternatives(addresses['plain_types'])}){ending}",
            W + "/",
        )
        particle = _alternatives(
            ["de", "du", "des", "la", "le", "del", "della", "di", "do", "da", "das", "dos"]
        )
        self.street_lead = _around(
            rf"(?:(?P<pre>{number}),?[{S}]+)?{_alternatives(addresses['leads'])}\.?[{S}]+"
            rf"(?:{particle}[{S}]+|(?i:l)['’][{S}]*)*{name}(?:[ \t]+{name}){{0,2}}[ \t]*"
            rf"(?:(?:,[{S}]*|[{BLANKS}\x{{205f}}\x{{3000}}][{S}]*)?{after})?",
            W + "/",
        )
        self.street_word = _around(
            rf"[{UPPER}][{L}]*{_alternatives(addresses['endings'])}[{S}]+{after}", W
        )
        self.unit = _around(
            rf"{_alternatives(addresses['units'])}(?:[{S}]+#?|#)[{D}]+[A-Za-z]?", W + "'’", _not(W)
        )

    def _postcodes(self, postcodes: dict) -> None:
        self.postcode = _around(
            # the UK, Canada, Ireland (ı and İ are i for Python's case-insensitive [A-Z])
            rf"(?i:(?:[A-Zıİ]{{1,2}}[{D}][A-Zıİ{D}]?|G[iIıİ]R)[{S}]?[{D}][ABD-HJLNP-UW-Z]{{2}})"
            rf"|(?i:[ABCEGHJ-NPRSTVXY][{D}][ABCEGHJ-NPRSTV-Z][{S}]?[{D}][ABCEGHJ-NPRSTV-Z][{D}])"
            rf"|(?:[AC-FHKNPRTV-Y][{D}]{{2}}|D6W)[{S}]?[0-9AC-FHKNPRTV-Y]{{4}}",
            W + "-",
            _not(W + "-"),
        )
        city = rf",?[ \t]+[{UPPER}][{L}]{{2}}"
        digits = (
            rf"[{D}]{{5}}-[{D}]{{3,4}}|[{D}]{{4}}-[{D}]{{3}}|[{D}]{{3}}-[{D}]{{4}}"
            rf"|[{D}]{{2}}-[{D}]{{3}}|[{D}]{{3}}[{S}][{D}]{{2}}|[{D}]{{4,6}}"
        )
        self.numeric_postcode = _around(
            rf"[1-9][{D}]{{3}}[{S}]?[A-Z]{{2}}(?P<e_>){city}"
            rf"|(?:{digits})(?P<e_>)(?:$|[^{W} -]|[ ](?:$|[^{D}]))",
            W + "+./,-",
            reject=lambda text, match: _after_digit(text, match.start(), " "),
        )
        self.postcode_cue = _around(
            rf"(?:(?:\A|[^{W}'’]){_alternatives(postcodes['cues'])}"
            rf"|(?:\A|[^{W}])(?:{'|'.join(postcodes['regions'])}))"
            rf"(?:[{S}]+(?:is|code|number))*[{S}:.,#]*$"
        )
        # a capitalised word with a small letter after its first (not "NY"), ÷ being one too
        lower = "a-zß-öø-ÿ"
        self.before_city = _around(
            rf"[{UPPER}](?:(?:[\p{{Nl}}\p{{No}}]|[^\PL{lower}])*[{lower}][{L}]*|[{L}]*÷[{L}]*)"
            rf",?[ \t]*\n?$",
            W,
        )
        self.city_after = _around(city)


@cache
def _rules() -> Rules:
    """Rules from redaction.yml and the knowledge base's notice titles and aliases."""
    from knowledge.loader import read_content

    data = yaml.safe_load(DATA_PATH.read_text(encoding="utf-8"))
    notices = read_content().notices
    allowed = [text for n in notices for text in (n["title"], *n["aliases"])]
    rules = Rules(data, allowed)
    # RE2 builds its automata, and phonenumbers reads its metadata, on first use: not on the
    # budget of the first message
    _run(DETECTORS, WARM_UP, rules, float("inf"), time.thread_time)
    for region in rules.phone_regions:
        _valid_phone("0123 456 789", region)
    return rules


# --- detectors: each yields the spans of one or two kinds ----------------------------------


def _emails(text: str, rules: Rules) -> Iterator[Span]:
    """E-mail addresses, also spelled out: "maria (at) example (dot) com"."""
    for pattern in (EMAIL, SPELLED_EMAIL):
        for match in pattern.finditer(text):
            yield Span(*match.span(), "email")


def _ibans(text: str, rules: Rules) -> Iterator[Span]:
    """IBANs with a valid checksum; trailing groups that break it are left out."""
    for match in IBAN.finditer(text):
        groups = _parts(match.group() or "", " -")
        while groups and not iban.is_valid("".join(groups[::2])):
            groups = groups[:-2]
        if groups:
            yield Span(match.start(), match.start() + len("".join(groups)), "iban")


def _cards(text: str, rules: Rules) -> Iterator[Span]:
    """13 to 19 digits, in groups or not, passing the Luhn check."""
    for match in CARD.finditer(text):
        if luhn.is_valid("".join(filter(str.isdecimal, match.group() or ""))):
            yield Span(*match.span(), "card")


def _phones(text: str, rules: Rules) -> Iterator[Span]:
    """Numbers that phonenumbers finds valid: international ones ("+", "00") for any country,
    national ones for the first of the listed regions that accepts them (not after an id or
    date cue). Parsing each candidate costs a fraction of what a PhoneNumberMatcher pass over
    the text per region does (about 100 µs each, measured here)."""
    for match in PHONE.finditer(text):
        candidate = match.group() or ""
        if rules.whole_date.fullmatch(candidate):
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
        international = (match.group() or "").startswith(("+", "00"))
        yield Span(*match.span(), "phone" if international else "id")


def _dates(text: str, rules: Rules) -> Iterator[Span]:
    """Full dates in numbers or words, and what follows a birth cue (a year, a day)."""
    for match in rules.numeric_date.finditer(text):
        if _plausible_date(match.group() or ""):
            yield Span(*match.span(), "date")
    for match in rules.text_date.finditer(text):
        yield Span(*match.span(), "date")
    for match in rules.birth_date.finditer(text):
        yield Span(*match.span(), "date")


def _parts(text: str, separators: str) -> list[str]:
    """`text` split at each of `separators`, which are kept between the parts."""
    parts, last = [], 0
    for i, c in enumerate(text):
        if c in separators:
            parts += [text[last:i], c]
            last = i + 1
    return [*parts, text[last:]]


def _plausible_date(date: str) -> bool:
    """A day and a month (in either order) within range."""
    numbers = _parts(date, "./-")[::2]
    first, second, third = map(int, numbers)
    if len(numbers[0]) == 4:  # year, month, day
        return 1 <= second <= 12 and 1 <= third <= 31
    return min(first, second) >= 1 and (
        first <= 12 and second <= 31 or second <= 12 and first <= 31
    )


def _postcodes(text: str, rules: Rules) -> Iterator[Span]:
    """UK, Canadian and Irish codes; numeric ones next to a city, a cue or a state."""
    for match in rules.postcode.finditer(text):
        yield Span(*match.span(), "postcode")
    for match in rules.numeric_postcode.finditer(text):
        before = text[max(0, match.start() - 30) : match.start()]
        cued = bool(rules.postcode_cue.search(before))
        code = match.group() or ""
        year = len(code) == 4 and code[:2] in ("19", "20") and code[2:].isdecimal()
        beside_city = rules.before_city.search(before) and not _is_common(before, rules)
        if cued or not year and (beside_city or rules.city_after.match(text, match.end())):
            yield Span(*match.span(), "postcode")


def _is_common(before: str, rules: Rules) -> bool:
    """Whether the word just before a number is an everyday word ("In 2019", "Over 5000")."""
    words = [word.group() or "" for word in WORD.finditer(before)]
    return bool(words) and words[-1].lower() in rules.common


def _addresses(text: str, rules: Rules) -> Iterator[Span]:
    """Street lines with a house number, units ("Flat 3") and post-office boxes."""
    for pattern in (rules.street, rules.street_lead):
        for match in pattern.finditer(text):
            numbered = match.group("pre") or match.group("post")
            words = WORD.finditer(match.group() or "")
            if numbered and not any((w.group() or "").lower() in rules.common for w in words):
                yield Span(*match.span(), "address")
    for pattern in (rules.street_word, rules.unit):
        for match in pattern.finditer(text):
            yield Span(*match.span(), "address")


def _ids(text: str, rules: Rules) -> Iterator[Span]:
    """Tokens of 6+ letters and digits with at least 3 digits, UK insurance numbers, and
    numbers of 4+ digits after an id cue ("case #88213")."""
    for match in MIXED_ID.finditer(text):
        token = match.group() or ""
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
        if (word.group() or "").lower() in rules.given and _is_capitalised(word.group() or ""):
            yield from _name_run(text, words, i, False, rules)
    for after in rules.name_after.finditer(text):
        yield from _name_run_before(text, words, after.start(), rules)


def _name_run(text: str, words: list[Found], i: int, any_case: bool, rules: Rules):
    """The name starting at words[i]: up to 4 name words, particles ("van der") inside."""
    first = words[i].group() or ""
    any_case = any_case or first.islower() and first in rules.given
    names: list[Found] = []
    previous = None
    for word in words[i : i + 8]:
        if previous:
            gap = text[previous.end() : word.start()]
            if len(previous.group() or "") == 1 and "A" <= (previous.group() or "") <= "Z":
                gap = gap.removeprefix(".")  # "J. Smith"
            if not gap or gap.strip(" \t"):
                break
        previous = word
        if names and (word.group() or "").lower() in rules.particles:
            continue
        if len(names) == 4 or not _is_name_word(word.group() or "", any_case, rules):
            break
        names.append(word)
    if names:
        yield Span(names[0].start(), names[-1].end(), "name")


def _name_run_before(text: str, words: list[Found], position: int, rules: Rules):
    """The capitalised name ending at `position` ("Emily Clarke" in "Emily Clarke here")."""
    start = position
    for word in reversed([w for w in words if w.end() <= position][-3:]):
        if text[word.end() : start].strip(" \t,") or not _is_name_word(
            word.group() or "", False, rules
        ):
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
        part, offset = clause.group() or "", clause.start()
        disclosures = [*rules.disclosure.finditer(part), *rules.health_cue.finditer(part)]
        if not disclosures:
            continue
        for match in [*disclosures, *rules.health_term.finditer(part)]:
            start, end = match.span()
            yield Span(offset + start, offset + end, "health")


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
