"""Tokens for Chinese and Japanese: one per Han or kana character; other text as spaCy's."""

import pytest
import spacy
from rasa.nlu.constants import SPACY_DOCS, TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.input_cleaner import separate_scripts
from bot.tokenizer import SpacyCJKTokenizer

NLP = spacy.blank("en")


def tokens(text: str) -> list[tuple[str, int, int]]:
    message = Message(data={TEXT: text})
    message.set(SPACY_DOCS[TEXT], NLP(text))
    tokenizer = SpacyCJKTokenizer.create(SpacyCJKTokenizer.get_default_config(), None, None, None)
    tokenizer.process([message])
    return [(t.text, t.start, t.end) for t in message.get(TOKENS_NAMES[TEXT])]


def test_english_is_tokenised_as_spacy_does():
    text = "how long do you keep my Tracker data?"
    assert [t[0] for t in tokens(text)] == [t.text for t in NLP(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你们会出售我的数据吗", list("你们会出售我的数据吗")),
        ("データを販売しますか", list("データを販売しますか")),
        ("Tracker会存多久？", ["Tracker", "会", "存", "多", "久", "？"]),
        ("我的IP地址", ["我", "的", "IP", "地", "址"]),
    ],
)
def test_han_and_kana_are_one_token_each(text, expected):
    found = tokens(separate_scripts(text))
    assert [t[0] for t in found] == expected
    cleaned = separate_scripts(text)
    assert all(cleaned[start:end] == token for token, start, end in found)


def test_hangul_words_stay_whole():
    assert [t[0] for t in tokens("제 의료 정보")] == ["제", "의료", "정보"]
