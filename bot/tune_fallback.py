"""`python -m bot.tune_fallback`: choose the FallbackClassifier thresholds on the held-out set.

Parses every held-out question once with the product model, then replays the classifier's
rule (fallback when the top intent's confidence is below `threshold`, or when the top two are
closer than `ambiguity_threshold`) over a grid. For each pair it prints the share answered
with the right intent, answered wrongly, and sent to clarification. A wrong answer costs more
than a question back, so the grid is ranked by right - 2 x wrong.
"""

import asyncio
import itertools
import logging
from dataclasses import dataclass

from bot.evaluate import QUESTIONS, load_questions
from bot.train import train

FALLBACK = "nlu_fallback"
THRESHOLDS = [0.3, 0.4, 0.5, 0.6, 0.7]
AMBIGUITIES = [0.0, 0.05, 0.1, 0.15, 0.2]
WRONG_COST = 2


@dataclass(frozen=True)
class Parsed:
    gold: str
    ranking: list[tuple[str, float]]  # the DIET ranking, best first, without nlu_fallback


def outcome(parsed: Parsed, threshold: float, ambiguity: float) -> str:
    """ "right", "wrong" or "clarify" under these thresholds."""
    (top, first), *rest = parsed.ranking
    second = rest[0][1] if rest else 0.0
    if first < threshold or first - second < ambiguity:
        return "clarify"
    return "right" if top == parsed.gold else "wrong"


def grid(parsed: list[Parsed]) -> list[dict]:
    """Each threshold pair with its shares, best first."""
    rows = []
    for threshold, ambiguity in itertools.product(THRESHOLDS, AMBIGUITIES):
        outcomes = [outcome(p, threshold, ambiguity) for p in parsed]
        shares = {k: outcomes.count(k) / len(outcomes) for k in ("right", "wrong", "clarify")}
        score = shares["right"] - WRONG_COST * shares["wrong"]
        rows.append({"threshold": threshold, "ambiguity": ambiguity, **shares, "score": score})
    return sorted(rows, key=lambda row: -row["score"])


async def parse_all() -> list[Parsed]:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's default logs every parsed text at debug

    agent = Agent.load(train())
    parsed = []
    for question in load_questions(QUESTIONS):
        if question.intent:
            result = await agent.parse_message(question.q)
            ranking = [
                (i["name"], i["confidence"])
                for i in result["intent_ranking"]
                if i["name"] != FALLBACK
            ]
            parsed.append(Parsed(question.intent, ranking))
    return parsed


def main() -> None:
    parsed = asyncio.run(parse_all())
    print(f"{len(parsed)} held-out questions\n")
    print("threshold  ambiguity  right   wrong   clarify  right-2xwrong")
    for row in grid(parsed)[:10]:
        print(
            f"{row['threshold']:>9.2f}  {row['ambiguity']:>9.2f}  {row['right']:>5.1%}"
            f"  {row['wrong']:>6.1%}  {row['clarify']:>7.1%}  {row['score']:>12.3f}"
        )


if __name__ == "__main__":
    main()
