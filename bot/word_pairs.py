"""Word pairs ("how long", "sell my") as sentence features only.

Rasa's CountVectorsFeaturizer gives each token a sequence feature by counting its vocabulary in
that token alone, so with `max_ngram: 2` the pairs take a row in DIET's sequence layer (and its
optimizer's) that no token can ever fill: half of that layer was pairs. This featurizer counts
pairs (or any n-grams its config asks for) over the whole message, the sentence feature, and
leaves single words to a CountVectorsFeaturizer of their own. It reads the text only: intent and
action names are single words, with no pairs to learn.
"""

from __future__ import annotations

import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import TEXT

from bot.fingerprint import SourceFingerprint


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class WordPairsFeaturizer(SourceFingerprint, CountVectorsFeaturizer):
    """CountVectorsFeaturizer of the text's sentence features only."""

    @staticmethod
    def _attributes_for(analyzer: str) -> list[str]:
        return [TEXT]

    def _create_features(
        self, attribute: str, all_tokens: list[list[str]]
    ) -> tuple[list[scipy.sparse.spmatrix | None], list[scipy.sparse.spmatrix | None]]:
        _, sentence = super()._create_features(attribute, all_tokens)
        return [None] * len(sentence), sentence
