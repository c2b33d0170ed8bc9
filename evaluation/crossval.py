"""`python -m evaluation.crossval [--folds K] [--config CONFIG]`: cross-validate on the train split.

The real questions of the train split (data/realworld/privacyqa.yml) are dealt into K folds.
For each fold an NLU model is trained on the hand-written data plus the other folds' questions
(generated as `orchestration.generate` does) and parses the fold. Prints the topic accuracy the
bot would reach, the share answered or rightly clarified, per-topic recall and every miss, and
writes the parses to results/crossval/<config>/parses.json for
`python -m evaluation.tune_fallback`. The dev split is never read: it stays an honest measure.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import shutil
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import spacy
import yaml

from contract import routing
from contract.topics import CLARIFY, NLU_FALLBACK
from evaluation.evaluate import Outcome, format_report, score
from knowledge import Catalog
from orchestration import supervisor
from orchestration.generate import TRAIN_SPLIT, realworld_nlu
from orchestration.paths import REALWORLD, REALWORLD_NLU, ROOT, SPACY_MODEL, nlu_files
from orchestration.train import CONFIG

WORK = ROOT / "results" / "crossval"


@dataclass(frozen=True)
class Parsed:
    """One question's NLU result: its intent ranking without the fallback, and named notice."""

    q: str
    topics: tuple[str, ...]
    ranking: tuple[tuple[str, float], ...]
    service: str | None


def thresholds(config: Path) -> tuple[float, float]:
    """The FallbackClassifier's threshold and ambiguity threshold in `config`."""
    pipeline = yaml.safe_load(config.read_text())["pipeline"]
    fallback = next(c for c in pipeline if c["name"] == "FallbackClassifier")
    return fallback["threshold"], fallback["ambiguity_threshold"]


def outcome(parsed: Parsed, threshold: float, ambiguity: float) -> Outcome:
    """What the bot replies under these thresholds: a topic, small talk unsure only which
    (routing.small_talk), or a clarification."""
    ranking = parsed.ranking
    first = ranking[0][1] if ranking else 0.0
    second = ranking[1][1] if len(ranking) > 1 else 0.0
    ranked = [{"name": name, "confidence": c} for name, c in ranking]
    if first < threshold or first - second < ambiguity:
        talk = routing.small_talk(ranked)
        if talk:
            return Outcome(routing.RESPONSES[talk])
        candidates = routing.ranked_topics(ranked, parsed.service)
        return Outcome(CLARIFY, tuple(topic for topic, _ in candidates))
    return Outcome(routing.any_topic_for(ranking[0][0], parsed.service) or CLARIFY)


def folds(questions: Sequence[dict], k: int) -> list[list[dict]]:
    """The questions dealt into k folds by a hash of their text (stable across runs)."""
    ordered = sorted(questions, key=lambda q: hashlib.sha256(q["q"].encode()).hexdigest())
    return [ordered[i::k] for i in range(k)]


def train_fold(config: Path, nlu: dict[str, str], others: Sequence[dict], out: Path) -> Path:
    """An NLU model of the hand-written data `nlu` (file name -> text) plus `others`."""
    data = out / "nlu"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    for name, text in nlu.items():
        (data / name).write_text(text)
    (data / REALWORLD_NLU.name).write_text(realworld_nlu(others, spacy.load(SPACY_MODEL)))
    command = [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config)]
    command += ["--nlu", str(data), "--out", str(out), "--fixed-model-name", "model"]
    done = supervisor.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"rasa train nlu failed:\n{done.stderr[-3000:]}")
    return out / "model.tar.gz"


async def parse(model: Path, questions: Sequence[dict], catalog: Catalog) -> list[Parsed]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    parsed = []
    for question in questions:
        result = await agent.parse_message(question["q"])
        services = [e["value"] for e in result["entities"] if e["entity"] == "service"]
        notice = catalog.notice(str(services[0])) if services else None
        ranking = tuple(
            (i["name"], i["confidence"])
            for i in result["intent_ranking"]
            if i["name"] != NLU_FALLBACK
        )
        service = notice.id if notice else None
        parsed.append(Parsed(question["q"], tuple(question["topics"]), ranking, service))
    return parsed


def crossvalidate(config: Path, k: int, work: Path) -> list[Parsed]:
    """Every train-split question parsed by the model that did not see it."""
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's default logs every parsed text at debug
    nlu = {
        path.name: path.read_text() for path in nlu_files() if path != REALWORLD_NLU
    }  # read once: edits made while this runs do not mix into it
    questions = yaml.safe_load(REALWORLD.read_text())["questions"]
    train = [q for q in questions if q["split"] == TRAIN_SPLIT]
    catalog = Catalog.read()
    parsed: list[Parsed] = []
    for i, fold in enumerate(folds(train, k)):
        print(f"fold {i + 1}/{k}: training on {len(train) - len(fold)} real questions", flush=True)
        others = [q for q in train if q not in fold]
        model = train_fold(config, nlu, others, work / f"fold{i + 1}")
        parsed += asyncio.run(parse(model, fold, catalog))
    return parsed


def parses_path(config: Path = CONFIG) -> Path:
    """Where the parses of `config` are written."""
    return WORK / config.stem / "parses.json"


def load_parses(path: Path | None = None) -> list[Parsed]:
    """The parses a previous run wrote."""
    rows = json.loads((path or parses_path()).read_text())
    return [
        Parsed(r["q"], tuple(r["topics"]), tuple(map(tuple, r["ranking"])), r["service"])
        for r in rows
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m evaluation.crossval", description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--config", type=Path, default=CONFIG)
    args = parser.parse_args(argv)
    config = args.config.resolve()
    work = parses_path(config).parent
    parsed = crossvalidate(config, args.folds, work)
    parses_path(config).write_text(json.dumps([asdict(p) for p in parsed], indent=1))
    threshold, ambiguity = thresholds(args.config)
    got = [outcome(p, threshold, ambiguity) for p in parsed]
    print(format_report(score([p.topics for p in parsed], got)))
    misses = [
        {"q": p.q, "acceptable": list(p.topics), "topic": o.topic, "candidates": list(o.candidates)}
        for p, o in zip(parsed, got, strict=True)
        if o.topic not in p.topics
    ]
    (work / "misses.json").write_text(json.dumps(misses, indent=1))
    print(f"{len(misses)} misses in {work / 'misses.json'}")


if __name__ == "__main__":
    main()
