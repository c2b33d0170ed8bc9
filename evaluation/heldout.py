"""Write the held-out questions (evaluation/data/heldout_questions.yml) as Rasa NLU test data.

`rasa test nlu` reads intents from Rasa's own format; the evaluation command reads
topics from the same file. One question file, two views:
`python -m evaluation.heldout OUT.yml`, then `rasa test nlu --nlu OUT.yml --out DIR`, then
`python -m evaluation.heldout DIR` prints the intent accuracy and macro-F1 of that report.
"""

import json
import sys
from collections import defaultdict
from pathlib import Path

import yaml

from evaluation import DATA

HELDOUT = DATA / "heldout_questions.yml"


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


def write_nlu(out: str | Path) -> None:
    """Write the held-out questions to `out` as Rasa NLU data."""
    questions = yaml.safe_load(HELDOUT.read_text())["questions"]
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(yaml.safe_dump(as_nlu(questions), sort_keys=False, width=1000))


def intent_figures(report_dir: str | Path) -> dict[str, float]:
    """Accuracy and macro-F1 from the intent_report.json of a `rasa test nlu --out` folder."""
    report = json.loads((Path(report_dir) / "intent_report.json").read_text())
    return {"accuracy": report["accuracy"], "macro_f1": report["macro avg"]["f1-score"]}


if __name__ == "__main__":
    target = Path(sys.argv[1])
    if target.is_dir():
        figures = intent_figures(target)
        print(f"intent accuracy {figures['accuracy']:.3f}, macro-F1 {figures['macro_f1']:.3f}")
    else:
        write_nlu(target)
