"""Write the held-out questions (tests/heldout_questions.yml) as Rasa NLU test data.

`rasa test nlu` reads intents from Rasa's own format; the evaluation command reads
topics from the same file. One question file, two views:
`python -m bot.heldout OUT.yml`, then `rasa test nlu --nlu OUT.yml`.
"""

import sys
from collections import defaultdict
from pathlib import Path

import yaml

from bot.paths import ROOT

HELDOUT = ROOT / "tests" / "heldout_questions.yml"


def as_nlu(questions: list[dict]) -> dict:
    """Group the questions by intent into Rasa's NLU training-data structure."""
    by_intent = defaultdict(list)
    for question in questions:
        by_intent[question["intent"]].append(question["q"])
    return {
        "version": "3.1",
        "nlu": [
            {"intent": intent, "examples": "".join(f"- {q}\n" for q in texts)}
            for intent, texts in by_intent.items()
        ],
    }


def main(out: str) -> None:
    questions = yaml.safe_load(HELDOUT.read_text())["questions"]
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(yaml.safe_dump(as_nlu(questions), sort_keys=False, width=1000))


if __name__ == "__main__":
    main(sys.argv[1])
