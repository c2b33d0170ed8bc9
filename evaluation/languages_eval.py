"""`python -m evaluation.languages_eval [--url URL]`: the answered languages, one by one.

Each held-out set of evaluation/data/languages/<code>.yml (written apart from the training
examples; never trained on) is asked as evaluation.evaluate asks the English one, every
question in a new conversation. Prints per language the top-1 topic accuracy, the share
answered or rightly clarified and, when replies' payloads carry a "language", the share of
replies in the right language: payload language the expected one and text that bot.language
places in it ("n/a" when no payload carries one). Writes the same to
evaluation/results/languages-latest.json. Without --url it starts the assistant itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import aiohttp

from bot.language import detect
from contract.replies import payload as reply_payload
from evaluation import RESULTS
from evaluation.evaluate import Outcome, Question, assistant, known_topics, load_questions, score
from evaluation.rest_client import new_sender, send
from knowledge import read_content
from knowledge.loader import KEPT_NAMES
from knowledge.translation import kept_terms
from orchestration.paths import ROOT

SETS = ROOT / "evaluation" / "data" / "languages"
LANGUAGES_RESULTS = RESULTS / "languages-latest.json"


@dataclass(frozen=True)
class Answer:
    """One reply: its outcome, the language its payload declares, and its first text."""

    outcome: Outcome
    language: str | None = None
    text: str = ""


@cache
def _kept_names() -> list[str]:
    """The names a translation keeps in English (knowledge.loader.KEPT_NAMES), the notice
    titles and the services' names, longest first."""
    content = read_content()
    names = {*KEPT_NAMES, *(n["title"] for n in content.notices)}
    return sorted(names | {n["button"] for n in content.notices}, key=len, reverse=True)


def language_of(text: str) -> str | None:
    """The language a reply is written in ("en" for English; None: cannot tell), as
    bot.language detects it once what a translation keeps in English (knowledge.translation's
    kept terms: addresses, phone numbers, names) is taken out."""
    for term in kept_terms(text, _kept_names()):
        text = text.replace(term, " ")
    return detect(text)


def language_sets(folder: Path = SETS) -> dict[str, list[Question]]:
    """Language code (the file's name) -> its held-out questions."""
    topics = known_topics()
    return {path.stem: load_questions(path, topics) for path in sorted(folder.glob("*.yml"))}


def in_language(code: str, answers: Sequence[Answer]) -> float | None:
    """The share of replies in `code`: declared so by their payload and detected so in their
    text. None when no payload declares a language (replies not yet given in languages)."""
    if not any(answer.language for answer in answers):
        return None
    return sum(a.language == code and language_of(a.text) == code for a in answers) / len(answers)


async def ask_all(url: str, questions: Sequence[Question], concurrency: int) -> list[Answer]:
    """Ask every question in a new conversation, at most `concurrency` at a time."""
    limit = asyncio.Semaphore(concurrency)

    async def ask(session: aiohttp.ClientSession, question: Question) -> Answer:
        async with limit:
            reply = await send(session, url, new_sender("eval-lang"), question.q)
        if reply.error:
            return Answer(Outcome(None, ms=reply.ms, error=reply.error))
        payload = reply_payload(reply.messages) or {}
        text = next((m["text"] for m in reply.messages if isinstance(m.get("text"), str)), "")
        outcome = Outcome(payload.get("topic"), tuple(payload.get("candidates") or ()), reply.ms)
        return Answer(outcome, payload.get("language"), text)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        return await asyncio.gather(*(ask(session, q) for q in questions))


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m evaluation.languages_eval", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--url", help="REST webhook of a running assistant (default: start one)")
    parser.add_argument("--concurrency", type=int, default=4, help="questions in flight")
    parser.add_argument("--out", type=Path, default=LANGUAGES_RESULTS, help="JSON results file")
    args = parser.parse_args(argv)
    sets = language_sets()
    report: dict[str, dict] = {}
    with assistant(args.url) as (url, served_by):
        for code, questions in sets.items():
            answers = asyncio.run(ask_all(url, questions, args.concurrency))
            figures = score([q.topics for q in questions], [a.outcome for a in answers])
            report[code] = {
                "questions": len(questions),
                "top1_accuracy": figures["top1_accuracy"],
                "answered_or_clarified": figures["answered_or_clarified"],
                "in_language": in_language(code, answers),
                "misses": [
                    {"q": q.q, "acceptable": list(q.topics), "topic": a.outcome.topic}
                    for q, a in zip(questions, answers, strict=True)
                    if a.outcome.topic not in q.topics
                ],
                "not_in_language": [
                    {"q": q.q, "language": a.language, "detected": language_of(a.text)}
                    for q, a in zip(questions, answers, strict=True)
                    if (a.language, language_of(a.text)) != (code, code)
                ],
            }
    print(f"{'language':<10}{'n':>4}{'top-1':>9}{'answered/clarified':>20}{'in language':>13}")
    for code, row in report.items():
        print(
            f"{code:<10}{row['questions']:>4}{_pct(row['top1_accuracy']):>9}"
            f"{_pct(row['answered_or_clarified']):>20}{_pct(row['in_language']):>13}"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    details = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "assistant": served_by, **report}
    args.out.write_text(json.dumps(details, indent=2, ensure_ascii=False) + "\n")
    print(f"details in {args.out}")


if __name__ == "__main__":
    main()
