"""The examples in the answered languages (data/nlu/languages/) and their held-out sets."""

import re

import yaml

from bot.input_cleaner import separate_scripts
from bot.language import answered_languages
from orchestration.paths import ROOT

EXAMPLES = ROOT / "data" / "nlu" / "languages"
HELDOUT = ROOT / "evaluation" / "data" / "languages"
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def examples(code: str) -> list[str]:
    texts = []
    for item in yaml.safe_load((EXAMPLES / f"{code}.yml").read_text(encoding="utf-8"))["nlu"]:
        texts += [line[2:] for line in item["examples"].splitlines() if line.startswith("- ")]
    return texts


def test_every_answered_language_has_examples_and_a_held_out_set():
    answered = answered_languages()
    assert {p.stem for p in EXAMPLES.glob("*.yml")} == answered
    assert {p.stem for p in HELDOUT.glob("*.yml")} == answered
    for code in answered:
        questions = yaml.safe_load((HELDOUT / f"{code}.yml").read_text(encoding="utf-8"))
        assert len(questions["questions"]) >= 30


def test_no_held_out_question_is_a_training_example():
    for path in HELDOUT.glob("*.yml"):
        trained = {ANNOTATION.sub(r"\1", text).lower() for text in examples(path.stem)}
        questions = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
        assert not trained & {q["q"].lower() for q in questions}, path.name


def test_examples_are_written_as_the_input_cleaner_leaves_messages():
    """Training does not run the cleaner: CJK and Latin are already spaced apart."""
    for code in answered_languages():
        for text in examples(code):
            assert separate_scripts(text) == text, text
