"""Word pairs as sentence features of the text only, trained and loaded back by Rasa's storage."""

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.word_pairs import WordPairsFeaturizer

PAIRS = {"min_ngram": 2, "max_ngram": 2}
EXAMPLES = [
    ("how long do you keep my data", "ask_retention"),
    ("how long is my data kept", "ask_retention"),
    ("do you sell my data", "ask_sale"),
    ("hello", "greet"),  # one word: no pair, and intents are one word too
]


@pytest.fixture()
def featurizer(tmp_path):
    """Trained on EXAMPLES with `PAIRS` and min_df 2, then loaded back from its storage."""
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**WordPairsFeaturizer.get_default_config(), **PAIRS, "min_df": 2}
    resource = Resource("pairs")
    data = TrainingData([Message(data={TEXT: t, INTENT: i}) for t, i in EXAMPLES])
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process_training_data(data)
    WordPairsFeaturizer.create(config, storage, resource, context).train(data)
    return WordPairsFeaturizer.load(config, storage, resource, context)


def featurized(featurizer: WordPairsFeaturizer, text: str) -> Message:
    message = Message(data={TEXT: text})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    featurizer.process([message])
    return message


def test_the_vocabulary_is_the_texts_pairs_seen_twice(featurizer):
    assert set(featurizer.vectorizers) == {TEXT}
    assert set(featurizer.vectorizers[TEXT].vocabulary_) == {"how long", "do you", "my data"}


def test_a_message_gets_its_pairs_as_sentence_features_only(featurizer):
    message = featurized(featurizer, "how long will you keep my data")
    assert message.features_present(TEXT, [featurizer._identifier])
    assert not [f for f in message.features if f.type == FEATURE_TYPE_SEQUENCE]
    (sentence,) = [f for f in message.features if f.type == FEATURE_TYPE_SENTENCE]
    assert sentence.features.sum() == 2


def test_a_single_word_gets_an_empty_row(featurizer):
    (sentence,) = featurized(featurizer, "hello").features
    assert sentence.features.shape == (1, 3)
    assert sentence.features.sum() == 0
