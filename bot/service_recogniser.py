"""Services described in words: "I work for you" names the Employment notice as surely as
"isos staff" does.

The entity extractor before it finds the notice aliases (a precise first pass). When it found
none, or only the company notice's generic words (`generic_company_aliases`: "privacy policy"),
this component reads the whole message: a logistic regression over the pipeline's sparse
features (words, word pairs, character n-grams), trained on every NLU example, each labelled
with the notice its `service` annotation names, or "none". data/nlu/service_descriptions.yml
holds the examples that describe a service instead of naming it. A prediction of at least
`threshold` becomes a `service` entity spanning the message, so rules, slots and actions treat
it as a named service.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import (
    ENTITIES,
    FEATURE_TYPE_SENTENCE,
    FEATURE_TYPE_SEQUENCE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.linear_model import LogisticRegression

from bot.fingerprint import SourceFingerprint
from contract.topics import COMPANY_NOTICE

ENTITY = "service"
NONE = "none"
_FILE = "service_recogniser.skops"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class ServiceRecogniser(SourceFingerprint, GraphComponent, EntityExtractorMixin):
    """Adds the `service` entity a message describes when no alias named one."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "threshold": 0.5,
            "C": 10.0,
            "max_iter": 500,
            "class_weight": None,
            "generic_company_aliases": ["privacy policy", "privacy notice"],
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: LogisticRegression | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.model = model
        self._generic = {alias.lower() for alias in self.config["generic_company_aliases"]}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ServiceRecogniser:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ServiceRecogniser:
        import skops.io

        with model_storage.read_from(resource) as folder:
            path = folder / _FILE
            model = skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        synonyms = training_data.entity_synonyms
        labelled = [(m, label_of(m, synonyms)) for m in training_data.intent_examples]
        kept = [(m, label) for m, label in labelled if label and m.get(TEXT)]
        model = LogisticRegression(
            C=self.config["C"],
            max_iter=self.config["max_iter"],
            class_weight=self.config["class_weight"],
        )
        model.fit(features([m for m, _ in kept]), [label for _, label in kept])
        self.model = model
        import skops.io

        with self._storage.write_to(self._resource) as folder:
            skops.io.dump(model, folder / _FILE)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        for message in messages:
            row = None if self._named(message) else sentence_features(message)
            if row is None:
                continue
            probabilities = self.model.predict_proba(row)[0]
            best = int(probabilities.argmax())
            label, confidence = str(self.model.classes_[best]), float(probabilities[best])
            if label == NONE or confidence < self.config["threshold"]:
                continue
            text = message.get(TEXT)
            entity = {
                "entity": ENTITY,
                "value": label,
                "start": 0,
                "end": len(text),
                "confidence_entity": confidence,
            }
            entities = message.get(ENTITIES, []) + self.add_extractor_name([entity])
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def _named(self, message: Message) -> bool:
        """Whether an alias named a service: any alias but the company notice's generic words
        ("the International SOS privacy notice" names the company notice)."""
        text = (message.get(TEXT) or "").lower()
        return any(
            e.get("value") != COMPANY_NOTICE
            or text[e.get("start", 0) : e.get("end", 0)] not in self._generic
            for e in message.get(ENTITIES, [])
            if e["entity"] == ENTITY
        )


def label_of(message: Message, synonyms: dict[str, str]) -> str | None:
    """The notice a training example names, "none" when it names none, None when several."""
    values = {
        synonyms.get(str(e["value"]).lower(), str(e["value"]))
        for e in message.get(ENTITIES, [])
        if e["entity"] == ENTITY
    }
    if len(values) > 1:
        return None
    return values.pop() if values else NONE


def sentence_features(message: Message) -> csr_matrix | None:
    """The message's sentence-level sparse features as one row, without what its punctuation
    adds: each featurizer's sentence row less its sequence rows of the tokens with no letter or
    digit. Most examples naming no service are questions and most descriptions are not, so a
    final "?" (char n-grams " ?", "? ") once weighed against any service described before it."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    marks = [i for i, token in enumerate(tokens) if not any(c.isalnum() for c in token.text)]
    text = [f for f in message.features if f.attribute == TEXT and f.is_sparse()]
    sequences = {f.origin: f.features for f in text if f.type == FEATURE_TYPE_SEQUENCE}
    rows = []
    for feature in (f for f in text if f.type == FEATURE_TYPE_SENTENCE):
        row = csr_matrix(feature.features)
        sequence = sequences.get(feature.origin)
        if marks and sequence is not None and sequence.shape[1] == row.shape[1]:
            row = csr_matrix(row - csr_matrix(sequence)[marks].sum(axis=0)).maximum(0)
        rows.append(row)
    return hstack(rows, format="csr") if rows else None


def features(messages: list[Message]) -> csr_matrix:
    """Each message's sentence-level sparse features, one row each."""
    return vstack([sentence_features(m) for m in messages])
