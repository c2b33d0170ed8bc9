"""A fine-tuned transformer's intents blended with DIET's: their log-linear pool
(fine-tuned^weight x DIET^(1 - weight), normalised) before the FallbackClassifier decides
whether to ask back.

DIET reads words and character n-grams; all-MiniLM-L6-v2, fine-tuned on the same examples,
reads wording. Blended they are right more often than either (README, "Fine-tuned"): 88.7%
raw top-1 in cross-validation at weight 0.6 (the mean of three fine-tuned runs), against DIET's
84.1%. The model is English: it learns from the examples not told to be in another language
(bot.language.detect) and reads the messages told to be English; the others, and short ones
whose language cannot be told ("dank je", "ok"), keep DIET's intents, which learnt every
language.

Training runs bot/finetune.py in the fine-tuning venv (`python`, relative to the repository:
.venv-ft, which `make setup` builds): torch is not in Rasa's. The int8 ONNX model it writes
is served here by onnxruntime on one thread (about 2 ms a message).
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    METADATA,
    METADATA_EXAMPLE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import finetune, language
from bot.fingerprint import ROOT, SourceFingerprint

RANKING_LENGTH = 10  # as DIET's
FLOOR = 1e-3  # the least confidence a side gives an intent in the blend


def log_linear_pool(sides: Sequence[tuple[Mapping[str, float], float]]) -> dict[str, float]:
    """Rankings pooled: each intent's confidences raised to their side's weight and multiplied
    (a confidence below FLOOR, or of an intent the side did not rank, counts FLOOR), normalised
    to sum to 1."""
    names = set().union(*(confidences for confidences, _ in sides))
    logs = {
        name: sum(weight * math.log(max(c.get(name, 0.0), FLOOR)) for c, weight in sides)
        for name in names
    }
    top = max(logs.values())
    scores = {name: math.exp(value - top) for name, value in logs.items()}
    total = sum(scores.values())
    return {name: score / total for name, score in scores.items()}


def blend(
    fine_tuned: dict[str, float], diet: Sequence[dict[str, Any]], weight: float
) -> list[dict[str, Any]]:
    """The log-linear pool of the two rankings: each intent's fine-tuned confidence to the
    power `weight` times DIET's to the power 1 - `weight`, normalised (log_linear_pool); best
    first (ties by name), RANKING_LENGTH long. Unlike the weighted mean, an intent that either
    side all but rules out stays ruled out."""
    own = {i[INTENT_NAME_KEY]: float(i["confidence"]) for i in diet}
    pooled = log_linear_pool([(fine_tuned, weight), (own, 1 - weight)])
    best = sorted(pooled.items(), key=lambda item: (-item[1], item[0]))[:RANKING_LENGTH]
    return [{INTENT_NAME_KEY: name, "confidence": score} for name, score in best]


def acceptable(message: Message) -> list[str]:
    """The other intents that would serve a training example: its metadata's
    bot.finetune.ACCEPTABLE (orchestration.generate writes them for the real questions)."""
    example = (message.get(METADATA) or {}).get(METADATA_EXAMPLE) or {}
    return list(example.get(finetune.ACCEPTABLE, [])) if isinstance(example, dict) else []


def language_of(message: Message) -> str | None:
    """The language of `message`'s words but the services' names, as
    bot.language.LanguageIdentifier tells it (None: not told, too short or names only)."""
    return language.detect(language.without_entities(message))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class IntentBlend(SourceFingerprint, GraphComponent):
    """Replaces DIET's intent and ranking of an English message with the blend: after DIET
    and before the FallbackClassifier in config.yml."""

    # the fine-tuning venv's packages: with the code (bot.fingerprint), what the model is made of
    FINGERPRINT_FILES = ("requirements-finetune.txt",)

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "weight": 0.6,
            "python": ".venv-ft/bin/python",
            "epochs": 6,
            "learning_rate": 5e-5,
            "random_seed": 0,
            "acceptable_weight": 0.0,
            "average_last": 0,
            "frozen_embeddings": True,
            "bfloat16": True,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        classify: finetune.Classify | None = None,
        intents: list[str] | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.classify = classify
        self.intents = intents or []

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentBlend:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> IntentBlend:
        with model_storage.read_from(resource) as folder:
            model = (folder / finetune.MODEL_FILE).read_bytes()
            intents = json.loads((folder / finetune.INTENTS_FILE).read_text(encoding="utf-8"))
            tok = finetune.tokenizer(folder)
        classify = finetune.onnx_classifier(model, tok)
        return cls(config, model_storage, resource, classify, intents)

    def train(self, training_data: TrainingData) -> Resource:
        rows = [
            [m.get(TEXT), m.get(INTENT), acceptable(m)]
            for m in training_data.intent_examples
            if m.get(TEXT) and language_of(m) in (language.ENGLISH, None)
        ]
        python = ROOT / self.config["python"]
        if not python.exists():
            raise RuntimeError(f"{python}, the fine-tuning venv's Python, is missing: `make setup`")
        from orchestration.supervisor import run

        with self._storage.write_to(self._resource) as folder, tempfile.TemporaryDirectory() as tmp:
            examples = Path(tmp) / "examples.json"
            examples.write_text(json.dumps({"examples": rows}), encoding="utf-8")
            command = [str(python), "-u", "-m", "bot.finetune", str(examples), str(folder)]
            command += ["--epochs", str(self.config["epochs"])]
            command += ["--learning-rate", str(self.config["learning_rate"])]
            command += ["--seed", str(self.config["random_seed"])]
            command += ["--acceptable-weight", str(self.config["acceptable_weight"])]
            command += ["--average-last", str(self.config["average_last"])]
            command += ["--frozen-embeddings"] if self.config["frozen_embeddings"] else []
            command += ["--bf16"] if self.config["bfloat16"] else []
            done = run(command, cwd=ROOT)
            if done.returncode != 0:
                raise RuntimeError(f"fine-tuning failed ({done.returncode}): see its output above")
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self.classify is None:
            return messages
        for message in messages:
            text, diet = message.get(TEXT), message.get(INTENT_RANKING_KEY)
            if not text or not diet or language_of(message) != language.ENGLISH:
                continue
            probabilities = map(float, self.classify([text])[0])
            fine_tuned = dict(zip(self.intents, probabilities, strict=True))
            ranking = blend(fine_tuned, diet, self.config["weight"])
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
