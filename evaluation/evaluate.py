"""`python -m evaluation.evaluate [QUESTIONS.yml] [--split S] [--url URL | --config C]`: score.

Every question is a new conversation. The topic the bot answered is read from the contract
payload of knowledge/topics.yml; it is right when it is any of the question's acceptable
topics. Prints per-topic precision, recall and misses, top-1 accuracy, the share answered or
rightly clarified, out-of-scope precision and recall, and latency; writes the same to
evaluation/results/eval-latest.json (or --out). `--split dev` keeps the questions of that split (the
real questions of data/realworld/privacyqa.yml). Without --url it starts the assistant itself
on free ports.
"""

import argparse
import asyncio
import json
import math
import sys
import time
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import aiohttp
import yaml

from contract.replies import payload as reply_payload
from contract.topics import CLARIFY, OUT_OF_SCOPE
from evaluation import DATA, RESULTS
from evaluation.rest_client import new_sender, send
from orchestration.paths import ROOT

QUESTIONS = DATA / "heldout_questions.yml"
TOPICS = ROOT / "knowledge" / "topics.yml"
EVAL_RESULTS = RESULTS / "eval-latest.json"


class QuestionFileError(ValueError):
    """The question file is missing or not in the expected shape."""


@dataclass(frozen=True)
class Question:
    q: str
    intent: str | None
    topics: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """What the bot did with one question; topic None means no contract payload (or an error)."""

    topic: str | None
    candidates: tuple[str, ...] = ()
    ms: float | None = None
    error: str | None = None


# --- the question file ---------------------------------------------------------------------


def load_questions(
    path: Path, known_topics: Iterable[str] | None = None, split: str | None = None
) -> list[Question]:
    """`questions: [{q, intent?, topics: [...], split?}]`, checked; topics must be known when
    given. With `split`, only the questions of that split."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise QuestionFileError(f"{path}: cannot read: {exc}") from exc
    items = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise QuestionFileError(f"{path}: expected a non-empty list under 'questions:'")
    known = set(known_topics) if known_topics is not None else None
    questions = []
    for number, item in enumerate(items, 1):
        where = f"{path}: question {number}"
        if split is not None and isinstance(item, dict) and item.get("split") != split:
            continue
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("q"), str)
            or not item["q"].strip()
        ):
            raise QuestionFileError(f"{where}: needs a non-empty text 'q'")
        topics = item.get("topics")
        if (
            not isinstance(topics, list)
            or not topics
            or not all(isinstance(t, str) for t in topics)
        ):
            raise QuestionFileError(f"{where}: needs 'topics', a non-empty list of topic ids")
        unknown = sorted(set(topics) - known) if known is not None else []
        if unknown:
            raise QuestionFileError(f"{where}: unknown topics {unknown} (see {TOPICS.name})")
        questions.append(Question(item["q"], item.get("intent"), tuple(topics)))
    if not questions:
        raise QuestionFileError(f"{path}: no questions in split {split!r}")
    return questions


def known_topics() -> set[str]:
    return set(yaml.safe_load(TOPICS.read_text())["topics"])


# --- the metrics (pure) --------------------------------------------------------------------


def correct(acceptable: Sequence[str], outcome: Outcome) -> bool:
    return outcome.topic in acceptable


def clarified(acceptable: Sequence[str], outcome: Outcome) -> bool:
    """Asked the user to choose, offering an acceptable topic."""
    return outcome.topic == CLARIFY and any(c in acceptable for c in outcome.candidates)


def share(flags: Iterable[bool]) -> float | None:
    """The fraction of true flags; None when there are none."""
    flags = list(flags)
    return sum(flags) / len(flags) if flags else None


def per_topic(gold: Sequence[Sequence[str]], got: Sequence[Outcome]) -> dict[str, dict]:
    """Precision, recall and misses of each topic.

    precision(t): of the answers declaring t, the share where t was acceptable.
    recall(t): of the questions accepting t, the share answered with an acceptable topic.
    Either is None when its denominator is 0. misses(t): the questions whose best topic is t
    answered with no acceptable topic. "clarify" and missing payloads are no topic.
    """
    pairs = list(zip(gold, got, strict=True))
    topics = {t for acceptable in gold for t in acceptable}
    topics |= {o.topic for o in got if o.topic not in (None, CLARIFY)}
    table = {}
    for topic in sorted(topics):
        asked = [(a, o) for a, o in pairs if topic in a]
        answered = [(a, o) for a, o in pairs if o.topic == topic]
        table[topic] = {
            "support": len(asked),
            "predicted": len(answered),
            "precision": share(topic in a for a, _ in answered),
            "recall": share(correct(a, o) for a, o in asked),
            "misses": sum(a[0] == topic and not correct(a, o) for a, o in asked),
        }
    return table


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th percentile (0-100), interpolating linearly between ranks; None when empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def score(gold: Sequence[Sequence[str]], got: Sequence[Outcome]) -> dict:
    """Every figure of the report, from the acceptable topics and the outcomes."""
    pairs = list(zip(gold, got, strict=True))
    latencies = [o.ms for o in got if o.ms is not None and o.error is None]
    return {
        "questions": len(pairs),
        "top1_accuracy": share(correct(a, o) for a, o in pairs),
        "answered_or_clarified": share(correct(a, o) or clarified(a, o) for a, o in pairs),
        "out_of_scope_precision": share(
            OUT_OF_SCOPE in a for a, o in pairs if o.topic == OUT_OF_SCOPE
        ),
        "out_of_scope_recall": share(
            o.topic == OUT_OF_SCOPE for a, o in pairs if OUT_OF_SCOPE in a
        ),
        "out_of_scope_questions": sum(OUT_OF_SCOPE in a for a in gold),
        "clarified": sum(o.topic == CLARIFY for o in got),
        "missing_payload": sum(o.topic is None and o.error is None for o in got),
        "errors": sum(o.error is not None for o in got),
        "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95)},
        "per_topic": per_topic(gold, got),
    }


# --- replaying -----------------------------------------------------------------------------


async def replay(url: str, questions: Sequence[Question], concurrency: int) -> list[Outcome]:
    """Ask every question in a new conversation, at most `concurrency` at a time."""
    limit = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)

    async def ask(session: aiohttp.ClientSession, question: Question) -> Outcome:
        async with limit:
            reply = await send(session, url, new_sender("eval"), question.q)
        if reply.error:
            return Outcome(None, ms=reply.ms, error=reply.error)
        payload = reply_payload(reply.messages) or {}
        candidates = tuple(payload.get("candidates") or ())
        return Outcome(payload.get("topic"), candidates, reply.ms)

    async with aiohttp.ClientSession(connector=connector) as session:
        return await asyncio.gather(*(ask(session, q) for q in questions))


@contextmanager
def assistant(url: str | None, config: Path | None = None):
    """(webhook, description): `url`, or a fresh stack of `config`'s model on free ports."""
    if url:
        yield url, url
        return
    from orchestration.stack import free_ports, running
    from orchestration.train import CONFIG, train

    model = train(config or CONFIG)
    rasa_port, actions_port = free_ports(2)
    with running(model, [rasa_port], [actions_port], frontdoor_port=None) as stack:
        yield stack.webhook, f"started by evaluation.evaluate with {model.relative_to(ROOT)}"


# --- the report ----------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def format_report(report: dict) -> str:
    rows = [f"{'topic':<38}{'n':>4}{'pred':>6}{'precision':>11}{'recall':>8}{'misses':>8}"]
    for topic, row in report["per_topic"].items():
        rows.append(
            f"{topic:<38}{row['support']:>4}{row['predicted']:>6}"
            f"{_pct(row['precision']):>11}{_pct(row['recall']):>8}{row['misses']:>8}"
        )
    lat = report["latency_ms"]
    rows += [
        "",
        f"questions                      {report['questions']}",
        f"top-1 topic accuracy           {_pct(report['top1_accuracy'])}",
        f"answered or rightly clarified  {_pct(report['answered_or_clarified'])}",
        f"out-of-scope precision/recall  {_pct(report['out_of_scope_precision'])} /"
        f" {_pct(report['out_of_scope_recall'])} (of {report['out_of_scope_questions']})",
        f"clarify replies                {report['clarified']}",
        f"latency p50 / p95              {_ms(lat['p50'])} / {_ms(lat['p95'])}",
        f"missing payloads / errors      {report['missing_payload']} / {report['errors']}",
    ]
    return "\n".join(rows)


def misses(questions: Sequence[Question], got: Sequence[Outcome]) -> list[dict]:
    """The questions answered with no acceptable topic."""
    return [
        {"q": q.q, "acceptable": list(q.topics), **asdict(o)}
        for q, o in zip(questions, got, strict=True)
        if not correct(q.topics, o)
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m evaluation.evaluate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("questions", nargs="?", type=Path, default=QUESTIONS)
    parser.add_argument("--split", help="only the questions of this split (e.g. dev)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--url", help="REST webhook of a running assistant (default: start one)")
    where.add_argument("--config", type=Path, help="start the model of this config instead")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="questions in flight (default 4)"
    )
    parser.add_argument("--out", type=Path, default=EVAL_RESULTS, help="JSON results file")
    args = parser.parse_args(argv)
    try:
        questions = load_questions(args.questions, known_topics(), args.split)
    except QuestionFileError as exc:
        sys.exit(f"error: {exc}")

    with assistant(args.url, args.config) as (url, served_by):
        started = time.monotonic()
        got = asyncio.run(replay(url, questions, args.concurrency))
        seconds = time.monotonic() - started
    report = score([q.topics for q in questions], got)
    print(format_report(report))
    print(f"({len(questions)} questions in {seconds:.1f}s at concurrency {args.concurrency})")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    details = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "questions_file": str(args.questions),
        "split": args.split,
        "assistant": served_by,
        "concurrency": args.concurrency,
        **report,
        "misses": misses(questions, got),
    }
    args.out.write_text(json.dumps(details, indent=2) + "\n")
    print(f"misses: {len(details['misses'])}; details in {args.out}")


if __name__ == "__main__":
    main()
