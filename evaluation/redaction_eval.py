"""`python -m evaluation.redaction_eval`: how well privacy.redaction removes personal data.

On each part of evaluation/data/pii_cases.yml (tuning, heldout, hard, blind: the file says how
each was made): recall per kind (a case is caught for a kind when all its substrings of that
kind are gone), how often the placeholder named the kind, the share of the snippets' other
words kept, the share of clean privacy questions altered, and the time per message (over all of the
part's texts, and over its clean questions alone, which most messages are like). Also the
share altered of every English question the project has (evaluation.language_eval's sets: held-out
questions, NLU examples, real questions), which hold no personal data but were not checked
one by one.

Then the list of unanswered questions (privacy.gap_policy): per part, recall per kind of what
`kept_text` keeps (a case it drops has every kind caught), the time per message, and the share
of clean questions kept unchanged, kept altered and dropped; and the share dropped of other
questions without personal data: the held-out questions and PrivacyQA's training split (whose
words are in the policy's vocabulary) and dev split (not; only counted, never listed), as
written and with a capital first letter (PrivacyQA was lowercased at its release). Writes
evaluation/results/redaction-latest.json.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import yaml

from evaluation import DATA, RESULTS
from orchestration.paths import REALWORLD
from privacy.gap_policy import kept_text, normalised
from privacy.redaction import KINDS, redact

CASES = DATA / "pii_cases.yml"
HELDOUT = DATA / "heldout_questions.yml"
REDACTION_RESULTS = RESULTS / "redaction-latest.json"
STRUCTURED = ("email", "phone", "card", "iban", "id", "date", "postcode")
GOALS = {**dict.fromkeys(STRUCTURED, 0.98), "name": 0.90, "address": 0.90, "health": 0.90}
MAX_ALTERED = 0.01
LIST_GOAL = 0.95  # recall per kind on the list of unanswered questions
WORD = re.compile(r"\w+")
TIMING_ROUNDS = 20


def load_cases(path: Path = CASES) -> dict[str, dict]:
    """{"tuning": {"pii": [...], "clean": [...]}, "heldout": {...}}."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def missed(case: dict, redacted: str) -> dict[str, list[str]]:
    """The kinds of `case` with a labelled substring still in `redacted`, and those substrings."""
    left = {kind: [s for s in subs if s in redacted] for kind, subs in case["find"].items()}
    return {kind: subs for kind, subs in left.items() if subs}


def score(part: dict, redact: Callable[[str], str] = redact) -> dict:
    """For one part: recall per kind (and how often the placeholder named the kind), the share
    of unlabelled words of the snippets kept, and the clean questions altered."""
    cases: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    typed: Counter[str] = Counter()
    misses: list[dict] = []
    words, kept = 0, 0
    for case in part["pii"]:
        redacted = redact(case["text"])
        left = missed(case, redacted)
        cases.update(list(case["find"]))
        caught.update(kind for kind in case["find"] if kind not in left)
        typed.update(kind for kind in case["find"] if kind not in left and f"[{kind}]" in redacted)
        if left:
            misses.append({"text": case["text"], "redacted": redacted, "left": left})
        other = Counter(WORD.findall(unlabelled(case)))
        words += sum(other.values())
        kept += sum((other & Counter(WORD.findall(redacted))).values())
    altered = [
        {"text": text, "redacted": out} for text in part["clean"] if (out := redact(text)) != text
    ]
    return {
        "recall": {
            kind: {**row, "placeholder_right": typed[kind] / cases[kind]}
            for kind, row in recall(caught, cases).items()
        },
        "pii_cases": len(part["pii"]),
        "other_words_kept": kept / words,
        "clean_questions": len(part["clean"]),
        "clean_altered": len(altered),
        "clean_altered_share": len(altered) / len(part["clean"]),
        "misses": misses,
        "altered": altered,
    }


def recall(caught: Counter[str], cases: Counter[str]) -> dict[str, dict]:
    """Per kind with cases: how many were caught, of how many, and the share."""
    return {
        kind: {"caught": caught[kind], "cases": cases[kind], "recall": caught[kind] / cases[kind]}
        for kind in KINDS
        if cases[kind]
    }


def unlabelled(case: dict) -> str:
    """The snippet without its labelled substrings."""
    text = case["text"]
    for substrings in case["find"].values():
        for substring in substrings:
            text = text.replace(substring, " ")
    return text


def goals_met(result: dict) -> dict[str, bool]:
    """Each goal: recall per kind, and the share of clean questions altered."""
    met = {kind: result["recall"][kind]["recall"] >= goal for kind, goal in GOALS.items()}
    return {**met, "clean": result["clean_altered_share"] <= MAX_ALTERED}


def unanswered_list(part: dict, keep: Callable[[str], str | None] = kept_text) -> dict:
    """For one part, what the list of unanswered questions keeps: recall per kind (a case is
    caught for a kind when it is dropped, or none of its substrings of that kind, as written or
    normalised, is in the text kept), and the clean questions kept unchanged, altered, dropped."""
    cases: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    misses = []
    for case in part["pii"]:
        kept = keep(case["text"])
        left = {} if kept is None else list_missed(case, kept)
        cases.update(list(case["find"]))
        caught.update(kind for kind in case["find"] if kind not in left)
        if left:
            misses.append({"text": case["text"], "kept": kept, "left": left})
    clean = {text: keep(text) for text in part["clean"]}
    dropped = [text for text, kept in clean.items() if kept is None]
    altered = [(text, kept) for text, kept in clean.items() if kept not in (None, text)]
    return {
        "recall": recall(caught, cases),
        "clean_questions": len(clean),
        "clean_kept_unchanged": len(clean) - len(dropped) - len(altered),
        "clean_kept_altered": len(altered),
        "clean_dropped": len(dropped),
        "clean_dropped_share": len(dropped) / len(clean),
        "misses": misses,
        "dropped": dropped,
        "altered": altered,
    }


def list_missed(case: dict, kept: str) -> dict[str, list[str]]:
    """The kinds of `case` with a labelled substring, as written or normalised, in `kept`."""
    left = {
        kind: [s for s in subs if s in kept or normalised(s) in kept]
        for kind, subs in case["find"].items()
    }
    return {kind: subs for kind, subs in left.items() if subs}


def privacy_questions() -> dict[str, list[str]]:
    """Questions without personal data, by set, for the share the list drops."""
    realworld = yaml.safe_load(REALWORLD.read_text(encoding="utf-8"))["questions"]
    return {
        "heldout_questions": [q["q"] for q in yaml.safe_load(HELDOUT.read_text())["questions"]],
        "privacyqa_train": [q["q"] for q in realworld if q["split"] == "train"],
        "privacyqa_dev": [q["q"] for q in realworld if q["split"] == "dev"],
    }


def microseconds_per_message(texts: list[str], redact: Callable[[str], object] = redact) -> float:
    """Mean time of one call, over TIMING_ROUNDS passes through `texts` (after a warm-up)."""
    for text in texts:
        redact(text)
    start = time.perf_counter()
    for _ in range(TIMING_ROUNDS):
        for text in texts:
            redact(text)
    return (time.perf_counter() - start) / (TIMING_ROUNDS * len(texts)) * 1e6


def project_questions() -> dict[str, list[str]]:
    """Every English question of the project, by set (as evaluation.language_eval reads them)."""
    from evaluation.language_eval import english_sets

    return {name: texts for name, texts in english_sets().items() if name != "english_hard"}


def measure() -> dict:
    report = {}
    for name, part in load_cases().items():
        result = score(part)
        snippets = [case["text"] for case in part["pii"]]
        result["us_per_message"] = microseconds_per_message(snippets + part["clean"])
        result["us_per_clean_question"] = microseconds_per_message(part["clean"])
        result["goals_met"] = goals_met(result)
        result["unanswered_list"] = unanswered_list(part)
        result["unanswered_list"]["us_per_message"] = microseconds_per_message(
            snippets + part["clean"], kept_text
        )
        report[name] = result
    report["project_questions"] = {
        name: {"questions": len(texts), "altered": [(t, r) for t in texts if (r := redact(t)) != t]}
        for name, texts in project_questions().items()
    }
    report["unanswered_list_drops"] = {
        name: {
            "questions": len(texts),
            "dropped": len(dropped := [t for t in texts if kept_text(t) is None]),
            "dropped_capitalised": sum(kept_text(t[:1].upper() + t[1:]) is None for t in texts),
            **({} if name == "privacyqa_dev" else {"dropped_questions": dropped}),
        }
        for name, texts in privacy_questions().items()
    }
    return report


def main() -> None:
    report = measure()
    parts = [name for name in report if name not in ("project_questions", "unanswered_list_drops")]
    print(f"{'kind':<10}" + "".join(f"{name:>22}" for name in parts) + "    goal")
    for kind in KINDS:
        cells = []
        for name in parts:
            r = report[name]["recall"][kind]
            cells.append(f"{r['recall']:.3f} ({r['caught']}/{r['cases']})".rjust(22))
        print(f"{kind:<10}" + "".join(cells) + f"  >= {GOALS[kind]:.2f}")
    altered = [
        f"{report[n]['clean_altered_share']:.3f} ({report[n]['clean_altered']}/"
        f"{report[n]['clean_questions']})".rjust(22)
        for n in parts
    ]
    print(f"{'altered':<10}" + "".join(altered) + f"  <= {MAX_ALTERED:.2f}")
    print(f"{'µs/msg':<10}" + "".join(f"{report[n]['us_per_message']:>22.0f}" for n in parts))
    clean = "".join(f"{report[n]['us_per_clean_question']:>22.0f}" for n in parts)
    print(f"{'µs/clean':<10}{clean}")
    kept = "".join(f"{report[n]['other_words_kept']:>22.3f}" for n in parts)
    print(f"{'kept':<10}{kept}  (unlabelled words of the snippets left in place)")
    for name in parts:
        unmet = [goal for goal, ok in report[name]["goals_met"].items() if not ok]
        print(
            f"{name}: " + ("every goal met" if not unmet else "goals not met: " + ", ".join(unmet))
        )
        for miss in report[name]["misses"]:
            print(f"  missed {miss['left']}: {miss['redacted']}")
        for item in report[name]["altered"]:
            print(f"  altered: {item['redacted']}")
    for name, result in report["project_questions"].items():
        print(
            f"project questions altered, {name}: {len(result['altered'])} of {result['questions']}"
        )
    print_unanswered_list(report, parts)
    REDACTION_RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def print_unanswered_list(report: dict, parts: list[str]) -> None:
    print("\nThe list of unanswered questions (privacy.gap_policy): recall per kind")
    lists = {name: report[name]["unanswered_list"] for name in parts}
    print(f"{'kind':<10}" + "".join(f"{name:>22}" for name in parts) + "    goal")
    for kind in KINDS:
        cells = [
            f"{r['recall']:.3f} ({r['caught']}/{r['cases']})".rjust(22)
            for r in (lists[name]["recall"][kind] for name in parts)
        ]
        print(f"{kind:<10}" + "".join(cells) + f"  >= {LIST_GOAL:.2f}")
    for label, key in (("unchanged", "clean_kept_unchanged"), ("altered", "clean_kept_altered")):
        kept = "".join(f"{lists[n][key]}/{lists[n]['clean_questions']}".rjust(22) for n in parts)
        print(f"{label:<10}{kept}  (clean questions kept)")
    dropped = "".join(
        f"{lists[n]['clean_dropped_share']:.3f} ({lists[n]['clean_dropped']})".rjust(22)
        for n in parts
    )
    print(f"{'dropped':<10}{dropped}  (clean questions)")
    print(f"{'µs/msg':<10}" + "".join(f"{lists[n]['us_per_message']:>22.0f}" for n in parts))
    for name in parts:
        print(f"{name}:")
        for miss in lists[name]["misses"]:
            print(f"  kept {miss['left']}: {miss['kept']}")
        for text in lists[name]["dropped"]:
            print(f"  dropped: {text}")
    for name, result in report["unanswered_list_drops"].items():
        share = result["dropped"] / result["questions"]
        print(
            f"dropped, {name}: {result['dropped']} of {result['questions']} ({share:.3f}); "
            f"with a capital first letter: {result['dropped_capitalised']}"
        )
        for text in result.get("dropped_questions", []):
            print(f"  dropped: {text}")


if __name__ == "__main__":
    main()
