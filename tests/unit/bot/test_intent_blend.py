"""The blend of the fine-tuned model's intents with DIET's, and the component that serves it:
trained for real in the fine-tuning venv (two epochs on a few examples, every training option
on), saved and loaded back."""

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_RANKING_KEY,
    METADATA,
    METADATA_EXAMPLE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.intent_blend import (
    FLOOR,
    RANKING_LENGTH,
    IntentBlend,
    acceptable,
    blend,
    log_linear_pool,
)

DIET = [{"name": "ask_retention", "confidence": 0.6}, {"name": "ask_sharing", "confidence": 0.4}]


def test_blend_pools_both_sides_and_counts_an_unranked_intent_at_the_floor():
    ranking = blend({"ask_sharing": 0.9, "greet": 0.1}, DIET, 0.7)
    pooled = {
        "ask_sharing": 0.9**0.7 * 0.4**0.3,
        "ask_retention": FLOOR**0.7 * 0.6**0.3,
        "greet": 0.1**0.7 * FLOOR**0.3,
    }
    total = sum(pooled.values())
    scores = {i["name"]: i["confidence"] for i in ranking}
    assert scores == pytest.approx({name: value / total for name, value in pooled.items()})
    assert [i["name"] for i in ranking] == ["ask_sharing", "greet", "ask_retention"]


def test_blend_rules_out_what_either_side_all_but_rules_out():
    """The weighted mean would pick ask_retention, which DIET all but rules out."""
    diet = [
        {"name": "ask_sharing", "confidence": 0.7},
        {"name": "greet", "confidence": 0.298},
        {"name": "ask_retention", "confidence": 0.002},
    ]
    pooled = blend({"ask_retention": 0.98, "ask_sharing": 0.02}, diet, 0.5)
    assert pooled[0]["name"] == "ask_sharing"
    assert sum(i["confidence"] for i in pooled) == pytest.approx(1.0)


def test_equal_weights_pool_to_the_normalised_geometric_mean():
    runs = [{"a": 0.8, "b": 0.2}, {"a": 0.5, "b": 0.5}, {"a": 0.2}]
    pooled = log_linear_pool([(r, 1 / 3) for r in runs])
    means = {"a": (0.8 * 0.5 * 0.2) ** (1 / 3), "b": (0.2 * 0.5 * FLOOR) ** (1 / 3)}
    total = sum(means.values())
    assert pooled == pytest.approx({name: value / total for name, value in means.items()})


def test_blend_keeps_diet_at_weight_zero_and_ranks_as_long_as_diet():
    kept = blend({"greet": 1.0}, DIET, 0.0)
    assert [i["name"] for i in kept] == ["ask_retention", "ask_sharing", "greet"]
    assert [i["confidence"] for i in kept[:2]] == pytest.approx([0.6, 0.4], abs=1e-3)
    many = {f"intent{i:02}": 1 / 30 for i in range(30)}
    assert len(blend(many, DIET, 0.5)) == RANKING_LENGTH


def blender(classify) -> IntentBlend:
    config = {"weight": 0.6}
    return IntentBlend(config, None, Resource("blend"), classify, ["ask_retention", "ask_sharing"])


def message(text: str) -> Message:
    return Message(data={TEXT: text, INTENT: DIET[0], INTENT_RANKING_KEY: list(DIET)})


def test_an_english_message_gets_the_blend():
    asked = []

    def classify(texts):
        asked.extend(texts)
        return np.array([[0.1, 0.9]])

    (done,) = blender(classify).process([message("do you give my data to anyone")])
    assert asked == ["do you give my data to anyone"]
    assert done.get(INTENT)["name"] == "ask_sharing"
    assert done.get(INTENT)["confidence"] == pytest.approx(
        blend({"ask_retention": 0.1, "ask_sharing": 0.9}, DIET, 0.6)[0]["confidence"]
    )
    assert done.get(INTENT_RANKING_KEY)[0] == done.get(INTENT)


@pytest.mark.parametrize(
    "text",
    # French, Chinese, too short to tell (Dutch "thank you"; DIET learnt it), empty
    ["combien de temps gardez-vous mes données", "你们会出售我的个人信息吗", "dank je", ""],
)
def test_only_messages_told_english_get_the_blend(text):
    def classify(texts):
        raise AssertionError(f"the English model was asked {texts}")

    (done,) = blender(classify).process([message(text)])
    assert done.get(INTENT) == DIET[0]
    assert done.get(INTENT_RANKING_KEY) == DIET


def test_training_without_the_fine_tuning_venv_says_how_to_build_it(tmp_path):
    component = IntentBlend(
        {"python": "no-such-venv/bin/python"}, LocalModelStorage(tmp_path), Resource("blend")
    )
    examples = TrainingData([Message(data={TEXT: "hello", INTENT: "greet"})])
    with pytest.raises(RuntimeError, match="make setup"):
        component.train(examples)


EXAMPLES = {
    "greet": ["hello", "hi there", "good morning", "hey"],
    "ask_retention": ["how long do you keep my data", "when do you delete my records"],
    "ask_sharing": ["who do you share my data with", "do you give my details to others"],
}


def test_trained_in_the_fine_tuning_venv_saved_and_loaded(tmp_path):
    storage, resource = LocalModelStorage(tmp_path), Resource("blend")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {
        **IntentBlend.get_default_config(),
        "epochs": 2,
        "average_last": 2,
        "acceptable_weight": 0.5,
    }
    data = [Message(data={TEXT: t, INTENT: i}) for i, texts in EXAMPLES.items() for t in texts]
    also = {METADATA_EXAMPLE: {"acceptable": ["ask_sharing"]}}
    data.append(Message(data={TEXT: "what happens to my data", INTENT: "ask_retention"}))
    data[-1].set(METADATA, also)
    assert acceptable(data[-1]) == ["ask_sharing"] and acceptable(data[0]) == []
    data.append(Message(data={TEXT: "combien de temps gardez-vous mes données", INTENT: "greet"}))
    IntentBlend.create(config, storage, resource, context).train(TrainingData(data))

    loaded = IntentBlend.load(config, storage, resource, context)
    assert sorted(loaded.intents) == sorted(EXAMPLES)
    probabilities = loaded.classify(["how long do you keep it", "hello"])
    assert probabilities.shape == (2, len(EXAMPLES))
    assert probabilities.sum(axis=1) == pytest.approx([1.0, 1.0], abs=1e-5)
    (done,) = loaded.process([message("how long do you keep it")])
    assert done.get(INTENT)["name"] in EXAMPLES
