"""`python -m evaluation.tune_fallback [CONFIG]`: choose the FallbackClassifier thresholds by
cross-validation.

Reads the parses `python -m evaluation.crossval` wrote (every train-split question parsed by a model
that did not see it; the dev split is never used), then replays the classifier's rule
(fallback when the top intent's confidence is below `threshold`, or when the top two are closer
than `ambiguity_threshold`) over a grid. For each pair it prints the share answered with an
acceptable topic, answered wrongly, and sent to clarification (and whether an acceptable topic
was among the choices). A wrong answer costs more than a question back, so the grid is ranked
by right - 2 x wrong.
"""

import itertools
import sys
from pathlib import Path

from contract.topics import CLARIFY
from evaluation.crossval import load_parses, outcome, parses_path
from evaluation.evaluate import clarified, correct

THRESHOLDS = [0.3, 0.4, 0.5, 0.6, 0.7]
AMBIGUITIES = [0.0, 0.05, 0.1, 0.15, 0.2]
WRONG_COST = 2


def grid(parsed: list) -> list[dict]:
    """Each threshold pair with its shares, best first."""
    rows = []
    for threshold, ambiguity in itertools.product(THRESHOLDS, AMBIGUITIES):
        outcomes = [(p.topics, outcome(p, threshold, ambiguity)) for p in parsed]
        right = sum(correct(a, o) for a, o in outcomes) / len(outcomes)
        asked = sum(o.topic == CLARIFY for _, o in outcomes) / len(outcomes)
        rightly_asked = sum(clarified(a, o) for a, o in outcomes) / len(outcomes)
        wrong = sum(o.topic != CLARIFY and not correct(a, o) for a, o in outcomes) / len(outcomes)
        score = right - WRONG_COST * wrong
        rows.append(
            {
                "threshold": threshold,
                "ambiguity": ambiguity,
                "right": right,
                "wrong": wrong,
                "clarify": asked,
                "rightly_clarified": rightly_asked,
                "score": score,
            }
        )
    return sorted(rows, key=lambda row: -row["score"])


def main() -> None:
    config = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else None
    parsed = load_parses(parses_path(config) if config else None)
    print(f"{len(parsed)} train-split questions, cross-validated\n")
    print("threshold  ambiguity  right   wrong   clarify (rightly)  right-2xwrong")
    for row in grid(parsed)[:10]:
        print(
            f"{row['threshold']:>9.2f}  {row['ambiguity']:>9.2f}  {row['right']:>5.1%}"
            f"  {row['wrong']:>6.1%}  {row['clarify']:>7.1%} ({row['rightly_clarified']:>5.1%})"
            f"  {row['score']:>12.3f}"
        )


if __name__ == "__main__":
    main()
