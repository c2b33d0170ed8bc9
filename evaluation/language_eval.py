"""`python -m evaluation.language_eval`: how well bot.language tells other languages from English.

Recall per language and by length (1-2, 3-5, 6-10 words) on
evaluation/data/language_questions.yml, and false positives (English taken for another
language) on every English set we have: the hard snippets of evaluation/data/english_hard.yml,
our held-out questions, every NLU training example and every real question of
data/realworld/privacyqa.yml. Service names are blanked first, as the
NLU pipeline's entity extractor does. Writes evaluation/results/language-latest.json.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import spacy
import yaml

from bot.language import blank_spans, detect
from contract.replies import ENGLISH
from evaluation import DATA, RESULTS
from orchestration.generate import example_texts
from orchestration.paths import REALWORLD, SPACY_MODEL, english_nlu_files

LANGUAGES = DATA / "language_questions.yml"
ENGLISH_HARD = DATA / "english_hard.yml"
HELDOUT = DATA / "heldout_questions.yml"
LANGUAGE_RESULTS = RESULTS / "language-latest.json"
BUCKETS = ((1, 2), (3, 5), (6, 10))
NOT_FOREIGN = (None, ENGLISH)  # English, or a language that cannot be told


def english_sets() -> dict[str, list[str]]:
    """Every English text we have, by set."""
    nlu = []
    for path in english_nlu_files():
        for item in yaml.safe_load(path.read_text())["nlu"]:
            if "intent" in item and item["intent"] != "language_unsupported":
                nlu += example_texts(item)
    return {
        "english_hard": yaml.safe_load(ENGLISH_HARD.read_text())["items"],
        "heldout": [q["q"] for q in yaml.safe_load(HELDOUT.read_text())["questions"]],
        "nlu_examples": [re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text) for text in nlu],
        "realworld": [q["q"] for q in yaml.safe_load(REALWORLD.read_text())["questions"]],
    }


def measure(nlp: spacy.language.Language) -> dict:
    def language_of(text: str) -> str | None:
        return detect(blank_spans(text, [(e.start_char, e.end_char) for e in nlp(text).ents]))

    items = yaml.safe_load(LANGUAGES.read_text())["items"]
    per_language: dict[str, Counter] = defaultdict(Counter)
    per_bucket: dict[str, Counter] = defaultdict(Counter)
    for item in items:
        got = language_of(item["text"])
        words = item.get("words") or len(item["text"].split())
        bucket = next(f"{lo}-{hi}" for lo, hi in BUCKETS if words <= hi or hi == BUCKETS[-1][1])
        outcome = (
            "right" if got == item["lang"] else "missed" if got in (None, ENGLISH) else "wrong"
        )
        per_language[item["lang"]][outcome] += 1
        per_bucket[bucket][outcome] += 1
    false_positives = {
        name: [(text, found) for text in texts if (found := language_of(text)) not in NOT_FOREIGN]
        for name, texts in english_sets().items()
    }
    right = sum(c["right"] for c in per_language.values())
    return {
        "questions": len(items),
        "recall": right / len(items),
        "wrong_language": sum(c["wrong"] for c in per_language.values()),
        "per_language": {k: dict(v) for k, v in sorted(per_language.items())},
        "per_length": {k: dict(v) for k, v in per_bucket.items()},
        "english_texts": {name: len(texts) for name, texts in english_sets().items()},
        "false_positives": false_positives,
    }


def main() -> None:
    report = measure(spacy.load(SPACY_MODEL))
    for language, counts in report["per_language"].items():
        total = sum(counts.values())
        print(f"{language}: {counts.get('right', 0)}/{total} recognised")
    for bucket, counts in report["per_length"].items():
        print(f"{bucket} words: {counts.get('right', 0)}/{sum(counts.values())} recognised")
    print(
        f"recall {report['recall']:.1%} of {report['questions']},"
        f" {report['wrong_language']} given the wrong language"
    )
    for name, found in report["false_positives"].items():
        print(
            f"English taken for another language, {name}: {len(found)}"
            f" of {report['english_texts'][name]} {found[:5] if found else ''}"
        )
    Path(LANGUAGE_RESULTS).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
