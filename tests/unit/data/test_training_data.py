"""The training data keeps the measuring sets honest: nothing measured on is trained on."""

import difflib
import re

import yaml

from evaluation import DATA
from knowledge import read_content
from orchestration.generate import build_spacy_pipeline, example_texts, realworld_nlu
from orchestration.paths import NLU_DIR, REALWORLD, REALWORLD_NLU, ROOT, nlu_files

HAND_WRITTEN = sorted(NLU_DIR.glob("*.yml"))
# Two texts this close (difflib ratio, after normalising) are the same question reworded.
PARAPHRASE_RATIO = 0.9


def normalized(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})", r"\1", text)  # Rasa entity markup
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def examples(paths) -> list[str]:
    found = []
    for path in paths:
        for item in yaml.safe_load(path.read_text())["nlu"]:
            if "intent" in item:
                found += example_texts(item)
    return [normalized(text) for text in found]


def realworld(split: str) -> list[str]:
    questions = yaml.safe_load(REALWORLD.read_text())["questions"]
    return [normalized(q["q"]) for q in questions if q["split"] == split]


def heldout() -> list[str]:
    questions = yaml.safe_load((DATA / "heldout_questions.yml").read_text())
    return [normalized(q["q"]) for q in questions["questions"]]


def close_pairs(ours: list[str], theirs: list[str]) -> list[tuple[str, str]]:
    matcher = difflib.SequenceMatcher()
    pairs = []
    for other in set(theirs):
        matcher.set_seq2(other)
        for text in set(ours):
            matcher.set_seq1(text)
            ratios = (matcher.real_quick_ratio, matcher.quick_ratio, matcher.ratio)
            if all(ratio() >= PARAPHRASE_RATIO for ratio in ratios):  # cheap bounds first
                pairs.append((text, other))
    return pairs


def test_no_hand_written_example_copies_or_rewords_a_dev_question():
    assert close_pairs(examples(HAND_WRITTEN), realworld("dev")) == []


def test_no_held_out_question_is_trained_on():
    training = examples(HAND_WRITTEN) + realworld("train")
    assert len(training) > 2500 and len(heldout()) == 231
    assert close_pairs(training, heldout()) == []


def conversation_turns() -> list[str]:
    stories = yaml.safe_load((ROOT / "tests" / "test_conversations.yml").read_text())["stories"]
    turns = [step["user"] for story in stories for step in story["steps"] if "user" in step]
    return [normalized(turn) for turn in turns if not turn.startswith("/")]


def test_no_conversation_test_turn_is_trained_on():
    training = examples(HAND_WRITTEN) + realworld("train")
    assert len(conversation_turns()) == 29
    assert close_pairs(training, conversation_turns()) == []


def measured_turns() -> list[str]:
    """The user turns of the conversation sets `make eval` measures on (evaluation/data/), but
    bare service names: a name is not a question to copy."""
    sets = [yaml.safe_load(path.read_text()) for path in DATA.glob("*.yml")]
    turns = [
        turn["user"]
        for data in sets
        for conversation in data.get("conversations", [])  # the other sets are questions
        for turn in conversation["turns"]
    ]
    return [text for text in map(normalized, turns) if len(text.split()) > 2]


def test_no_service_description_rewords_a_measured_turn():
    """The descriptions the service recogniser learns from were written after the conversation
    sets; none may copy them (older examples share canonical questions with them)."""
    descriptions = examples([ROOT / "data" / "nlu" / "service_descriptions.yml"])
    assert len(measured_turns()) > 150
    assert close_pairs(descriptions, measured_turns()) == []


def test_a_held_out_question_added_to_training_is_found():
    """The check above is not vacuous: a held-out question, copied or reworded slightly."""
    question = heldout()[5]
    training = examples(HAND_WRITTEN) + [question, question + " pls"]
    assert len(close_pairs(training, heldout())) == 2


def test_generated_examples_come_from_the_train_split_only():
    generated = set(examples([REALWORLD_NLU]))
    assert generated and generated <= set(realworld("train"))
    assert not generated & set(realworld("dev"))


def test_committed_realworld_nlu_is_regenerated_from_the_split():
    aliases = {a: n["id"] for n in read_content().notices for a in n["aliases"]}
    questions = yaml.safe_load(REALWORLD.read_text())["questions"]
    expected = realworld_nlu(questions, build_spacy_pipeline(aliases))
    assert REALWORLD_NLU.read_text() == expected, "run `python -m orchestration.generate`"


def test_every_line_of_an_examples_block_is_an_example():
    """Rasa skips (with a warning) a line of a block that does not start with "- ", such as a
    comment written inside the block: the text reads as data but is never trained on."""
    for path in nlu_files():
        for item in yaml.safe_load(path.read_text())["nlu"]:
            block = item.get("examples")
            if isinstance(block, str):
                stray = [line for line in block.splitlines() if not line.startswith("- ")]
                assert stray == [], f"{path.name}, {item.get('intent')}: {stray[:2]}"
