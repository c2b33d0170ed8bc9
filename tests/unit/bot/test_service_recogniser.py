"""The service recogniser, trained on the project's own NLU data with Rasa's real featurizers."""

from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from bot.service_recogniser import ServiceRecogniser, label_of, sentence_features
from bot.word_pairs import WordPairsFeaturizer

ROOT = Path(__file__).parents[3]
DATA = ROOT / "data" / "nlu"


PIPELINE = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
#: The count-vector featurizers config.yml may list, by name.
COUNT_VECTORS = {
    "CountVectorsFeaturizer": CountVectorsFeaturizer,
    "bot.word_pairs.WordPairsFeaturizer": WordPairsFeaturizer,
}


def settings_of(component: dict) -> dict:
    return {k: v for k, v in component.items() if k != "name"}


def configured(name: str) -> list[dict]:
    """The settings config.yml gives each pipeline component called `name`."""
    return [settings_of(c) for c in PIPELINE if c["name"] == name]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """Tokenizer, config.yml's count-vector features (in its order) and recogniser, trained,
    saved and loaded back (whitespace tokens instead of spaCy's: no model to build)."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    featurizers = [
        COUNT_VECTORS[c["name"]].create(
            {**COUNT_VECTORS[c["name"]].get_default_config(), **settings_of(c)},
            storage,
            Resource(f"features{i}"),
            context,
        )
        for i, c in enumerate(PIPELINE)
        if c["name"] in COUNT_VECTORS
    ]
    data = load_data(str(DATA))
    tokenizer.process_training_data(data)
    for featurizer in featurizers:
        featurizer.train(data)
        featurizer.process_training_data(data)
    (settings,) = configured("bot.service_recogniser.ServiceRecogniser")
    resource = Resource("services")
    ServiceRecogniser.create(settings, storage, resource, context).train(data)
    recogniser = ServiceRecogniser.load(settings, storage, resource, context)

    def services(
        text: str, entities: list[dict] | None = None, mark: str = ""
    ) -> list[tuple[str, str]]:
        """The services found in `text`; `mark`: a punctuation token after its words (the
        whitespace tokenizer drops it, spaCy's keeps it)."""
        message = Message(data={TEXT: f"{text} {mark}" if mark else text, ENTITIES: entities or []})
        tokenizer.process([message])
        if mark:
            tokens = message.get(TOKENS_NAMES[TEXT])
            message.set(TOKENS_NAMES[TEXT], [*tokens, Token(mark, len(text) + 1)])
        for featurizer in featurizers:
            featurizer.process([message])
        services.row = sentence_features(message)
        recogniser.process([message])
        return [(e["value"], e.get("extractor", "")) for e in message.get(ENTITIES)]

    return services


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("i'm employed at international sos as a nurse", "notice.employment"),
        ("i sent in an application for a job with you", "notice.recruitment"),
        ("a doctor at your clinic treated my son", "notice.medical_clinics"),
        ("you evacuated my father after his stroke abroad", "notice.medical_security_assistance"),
    ],
)
def test_described_services_are_recognised(pipeline, text, service):
    assert pipeline(text) == [(service, "ServiceRecogniser")]


@pytest.mark.parametrize(
    "text",
    [
        "how long do you keep my data",
        "do you sell my personal information",
        "hello",
        # words that were aliases, in their other meanings
        "my local medical clinic has my records, do you see them",
        "as a visa applicant, what do you do with my passport",
        "which cookies and trackers do you use",
    ],
)
def test_no_service_is_invented(pipeline, text):
    assert pipeline(text) == []


@pytest.mark.parametrize("mark", ["?", "!", "..."])
def test_punctuation_weighs_nothing(pipeline, mark):
    """Most examples naming no service are questions: a final "?" once outweighed a clinic."""
    text = "who sees what my clinic doctor wrote"
    assert pipeline(text) == [("notice.medical_clinics", "ServiceRecogniser")]
    plain = pipeline.row
    assert pipeline(text, mark=mark) == [("notice.medical_clinics", "ServiceRecogniser")]
    assert (pipeline.row != plain).nnz == 0
    assert pipeline("", mark=mark) == []  # punctuation alone: no feature, and no service


def test_an_alias_found_first_is_kept_alone(pipeline):
    named = [{"entity": "service", "value": "notice.tracker", "start": 0, "end": 7}]
    assert pipeline("tracker, i work for you", named) == [("notice.tracker", "")]


def test_a_generic_notice_phrase_does_not_hide_a_described_service(pipeline):
    company = [{"entity": "service", "value": "notice.company", "start": 0, "end": 14}]
    found = pipeline("privacy notice for people employed by international sos", company)
    assert found[-1] == ("notice.employment", "ServiceRecogniser")


def test_the_company_named_outright_is_kept(pipeline):
    text = "international sos privacy notice, i work for you"
    company = [{"entity": "service", "value": "notice.company", "start": 0, "end": 32}]
    assert pipeline(text, company) == [("notice.company", "")]


def test_training_labels():
    synonyms = {"tracker": "notice.tracker"}
    message = Message(data={TEXT: "x", ENTITIES: [{"entity": "service", "value": "Tracker"}]})
    assert label_of(message, synonyms) == "notice.tracker"
    assert label_of(Message(data={TEXT: "x"}), synonyms) == "none"
    two = [{"entity": "service", "value": v} for v in ("notice.tracker", "notice.medaire")]
    assert label_of(Message(data={TEXT: "x", ENTITIES: two}), synonyms) is None
