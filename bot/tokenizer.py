"""Rasa's spaCy tokenizer, with each Chinese or Japanese character a token of its own.

spaCy's tokenizer (a blank English pipeline here) splits words at spaces and punctuation, and
Chinese and Japanese put no spaces between words: a whole question would be one token, a word
the word features never see again. One token per Han or kana character lets the word features
(`CountVectorsFeaturizer`, words and word pairs) read characters and pairs of characters, the
usual units for these scripts. Every other token is spaCy's, unchanged: English is tokenised
as before.
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.fingerprint import SourceFingerprint

# Hiragana, katakana, CJK ideographs (extension A, unified, compatibility)
_HAN_KANA = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_ANY_HAN_KANA = re.compile(rf"[{_HAN_KANA}]")
_PIECE = re.compile(rf"[{_HAN_KANA}]|[^{_HAN_KANA}]+")


def split_characters(token: Token) -> list[Token]:
    """`token`, or its Han and kana characters one by one and the runs of others between."""
    if len(token.text) < 2 or not _ANY_HAN_KANA.search(token.text):
        return [token]
    return [
        Token(piece[0], token.start + piece.start(), data=dict(token.data), lemma=piece[0])
        for piece in _PIECE.finditer(token.text)
    ]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class SpacyCJKTokenizer(SourceFingerprint, SpacyTokenizer):
    """`SpacyTokenizer`, with Chinese and Japanese words split into characters."""

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        return [
            piece
            for token in super().tokenize(message, attribute)
            for piece in split_characters(token)
        ]
