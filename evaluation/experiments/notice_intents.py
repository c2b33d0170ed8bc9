"""`python -m evaluation.experiments.notice_intents`: one intent per notice, against the entity.

The product has one `ask_notice` intent (plus `inform_service` for follow-ups) and a `service`
entity naming the notice. This experiment relabels every training example that names a
service to an intent of its own notice (`notice_medaire`, ...), trains the same NLU pipeline
on that, and compares both on the held-out questions: the topic each NLU result leads to,
over all questions and over the per-notice ones. Writes evaluation/results/notice-intents-latest.md.
"""

import asyncio
import logging
import sys
import time
from pathlib import Path

from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from contract import routing
from contract.topics import CLARIFY, Kind
from evaluation import RESULTS
from evaluation.evaluate import QUESTIONS, load_questions
from knowledge import Catalog
from orchestration import supervisor
from orchestration.paths import BUILD, ROOT
from orchestration.train import CONFIG, train

WORK = BUILD / "experiments" / "notice_intents"
NOTICE_INTENTS = {*routing.NOTICES, routing.FOLLOW_UP}


def service_notice(message: Message, catalog: Catalog, synonyms: dict) -> str | None:
    """The notice id named by the example's `service` entity, if any."""
    for entity in message.get("entities") or []:
        if entity.get("entity") == "service":
            value = synonyms.get(entity["value"], entity["value"])
            notice = catalog.notice(value)
            if notice:
                return notice.id
    return None


def relabelled(data: TrainingData, catalog: Catalog) -> TrainingData:
    """The training data with every service-naming notice example under its notice's intent."""
    examples = []
    for message in data.training_examples:
        notice = message.get("intent") in NOTICE_INTENTS and service_notice(
            message, catalog, data.entity_synonyms
        )
        if notice:
            message = Message(data={**message.data, "intent": notice.replace(".", "_")})
        examples.append(message)
    return TrainingData(examples, data.entity_synonyms, data.regex_features, data.lookup_tables)


def topic_of(parsed: dict, catalog: Catalog) -> str:
    """The topic an NLU result leads to, by the routing map the answering action uses."""
    intent = parsed["intent"]["name"]
    if intent.startswith("notice_"):
        return intent.replace("_", ".", 1)
    services = [e["value"] for e in parsed["entities"] if e["entity"] == "service"]
    notice = catalog.notice(str(services[0])) if services else None
    return routing.any_topic_for(intent, notice.id if notice else None) or CLARIFY


async def topics(model: Path, texts: list[str], catalog: Catalog) -> list[str]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    return [topic_of(await agent.parse_message(text), catalog) for text in texts]


def train_nlu(nlu: Path) -> tuple[Path, float]:
    """An NLU-only model of `nlu` with the product config, and its training seconds."""
    started = time.monotonic()
    command = [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(CONFIG)]
    command += ["--nlu", str(nlu), "--out", str(WORK), "--fixed-model-name", "notice_intents"]
    supervisor.run(command, cwd=ROOT, check=True, capture_output=True)
    return WORK / "notice_intents.tar.gz", time.monotonic() - started


def main() -> None:
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's default logs every parsed text at debug
    catalog = Catalog.read()
    WORK.mkdir(parents=True, exist_ok=True)
    nlu = WORK / "nlu.yml"
    nlu.write_text(
        RasaYAMLWriter().dumps(relabelled(load_data(str(ROOT / "data" / "nlu")), catalog))
    )
    per_notice_model, train_s = train_nlu(nlu)

    questions = load_questions(QUESTIONS)
    texts = [q.q for q in questions]
    rows = []
    for name, model in [("one intent + service entity (product)", train()),
                        ("one intent per notice", per_notice_model)]:  # fmt: skip
        got = asyncio.run(topics(model, texts, catalog))
        right = [topic in q.topics for q, topic in zip(questions, got, strict=True)]
        notice = [
            r
            for q, r in zip(questions, right, strict=True)
            if catalog.kind(q.topics[0]) == Kind.NOTICE
        ]
        rows.append((name, sum(right) / len(right), sum(notice) / len(notice), len(notice)))
    table = "| NLU design | topic accuracy, all | topic accuracy, notice questions |\n"
    table += "| --- | ---: | ---: |\n"
    table += "".join(f"| {n} | {a:.3f} | {b:.3f} (of {k}) |\n" for n, a, b, k in rows)
    note = f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')}; held-out questions, NLU only"
    note += f" (the per-notice NLU model trained in {train_s:.0f} s).\n\n"
    (RESULTS / "notice-intents-latest.md").write_text(note + table)
    print(note + table)


if __name__ == "__main__":
    main()
