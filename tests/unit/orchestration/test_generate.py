"""The NLU parts generated from the knowledge base's aliases, and the unanswered-questions
policy's words from the NLU data."""

import pytest
import yaml

from knowledge import read_content
from orchestration.generate import build_spacy_pipeline, gap_words, nlu_texts, services_nlu
from orchestration.paths import REALWORLD, SERVICES_NLU
from privacy.gap_policy import WORDS_PATH


@pytest.fixture(scope="module")
def aliases():
    return {a: n["id"] for n in read_content().notices for a in n["aliases"]}


def test_committed_services_nlu_matches_the_knowledge_base(aliases):
    assert SERVICES_NLU.read_text() == services_nlu(aliases), (
        "run `python -m orchestration.generate`"
    )


def test_committed_gap_words_match_the_nlu_data_and_the_train_split():
    questions = yaml.safe_load(REALWORLD.read_text())["questions"]
    assert WORDS_PATH.read_text() == gap_words(nlu_texts(), questions), (
        "run `python -m orchestration.generate`"
    )


def test_gap_words_come_from_the_train_split_only():
    questions = [{"q": "zyxwordtrain", "split": "train"}, {"q": "zyxworddev", "split": "dev"}]
    assert gap_words([], questions).splitlines()[1:] == ["zyxwordtrain"]


def test_every_alias_is_a_synonym_of_its_notice_and_in_the_lookup_table(aliases):
    nlu = yaml.safe_load(services_nlu(aliases))["nlu"]
    synonyms = {
        line[2:]: item["synonym"]
        for item in nlu
        if "synonym" in item
        for line in item["examples"].splitlines()
    }
    lookup = [item for item in nlu if "lookup" in item]
    assert synonyms == aliases
    assert len(lookup) == 1 and lookup[0]["lookup"] == "service"
    assert sorted(line[2:] for line in lookup[0]["examples"].splitlines()) == sorted(aliases)


def test_spacy_pipeline_finds_every_alias_in_a_sentence(aliases):
    nlp = build_spacy_pipeline(aliases)
    for alias, notice_id in aliases.items():
        doc = nlp(f"tell me about {alias.upper()} please")
        assert [(e.text.lower(), e.label_, e.ent_id_) for e in doc.ents] == [
            (alias.lower(), "service", notice_id)
        ], alias


def test_spacy_pipeline_lemmatizes():
    doc = build_spacy_pipeline({})("notices were shared")
    assert [t.lemma_ for t in doc] == ["notice", "be", "share"]


def test_a_real_question_keeps_its_other_acceptable_intents_for_the_fine_tuning(aliases):
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    from bot.intent_blend import acceptable
    from orchestration.generate import realworld_nlu

    questions = [
        {"q": "how long until my data is deleted?", "topics": ["retention"], "split": "train"},
        {
            "q": "can my boss see where I am?",
            "topics": ["sharing.employers", "sharing.overview", "sharing.employers"],
            "split": "train",
        },
        {"q": "zyx unseen?", "topics": ["retention", "sharing.overview"], "split": "dev"},
    ]
    data = RasaYAMLReader().reads(realworld_nlu(questions, build_spacy_pipeline(aliases)))
    found = {m.get("text"): (m.get("intent"), acceptable(m)) for m in data.intent_examples}
    assert found == {
        "how long until my data is deleted?": ("ask_retention", []),
        "can my boss see where I am?": ("ask_sharing_employers", ["ask_sharing_overview"]),
    }
