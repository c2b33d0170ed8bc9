"""The product model's fine-tuned classifier (bot.intent_blend), loaded from the trained
model archive as Rasa loads it: it holds the int8 model, reads English wording and leaves other
languages to DIET."""

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.intent_blend import IntentBlend
from orchestration.train import model_path

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def blend(tmp_path_factory) -> IntentBlend:
    archive = model_path()
    assert archive.exists(), f"{archive}: `make train` first"
    storage, metadata = LocalModelStorage.from_model_archive(
        tmp_path_factory.mktemp("model"), archive
    )
    (node,) = [n for n in metadata.predict_schema.nodes.values() if n.uses is IntentBlend]
    context = ExecutionContext(metadata.predict_schema, metadata.model_id)
    return IntentBlend.load(node.config, storage, node.resource, context)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("for how many years is my information stored", "ask_retention"),
        ("is my personal info ever sold for money", "ask_data_sale"),
        ("can my boss see my medical information", "ask_sharing_employers"),
    ],
)
def test_the_fine_tuned_model_reads_english_wording(blend, text, intent):
    (probabilities,) = blend.classify([text])
    ranked = sorted(zip(blend.intents, probabilities, strict=True), key=lambda pair: -pair[1])
    assert ranked[0][0] == intent, ranked[:3]


def test_a_message_in_another_language_keeps_diets_ranking(blend):
    diet = [{"name": "ask_data_sale", "confidence": 0.8}, {"name": "greet", "confidence": 0.2}]
    message = Message(data={TEXT: "vendez-vous mes données personnelles à d'autres sociétés"})
    message.set(INTENT, diet[0])
    message.set(INTENT_RANKING_KEY, diet)
    blend.process([message])
    assert message.get(INTENT_RANKING_KEY) == diet
