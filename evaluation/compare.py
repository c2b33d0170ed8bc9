"""`python -m evaluation.compare [CONFIG ...]`: config.yml and the experiments alike, in one run.

For each config (default: config.yml and evaluation/experiments/*.yml): a forced full training
from an
empty cache, intent accuracy and macro-F1 of `rasa test nlu` on the held-out questions, the
whole bot's topic accuracy and latency on them (evaluation.evaluate) and its topic accuracy on the
real questions of the dev split, and whether the conversation tests pass
(`rasa test core --fail-on-prediction-errors`). Writes evaluation/results/compare-latest.{json,md}.
"""

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from evaluation import RESULTS
from evaluation.evaluate import QUESTIONS, assistant, known_topics, load_questions, replay, score
from evaluation.heldout import intent_figures, write_nlu
from orchestration import supervisor
from orchestration.paths import REALWORLD, ROOT
from orchestration.train import CONFIG, full_train_seconds, train, train_command

WORK = ROOT / "results" / "compare"
WARMUP = 20  # questions asked before measuring, so that no config pays for cold caches


def rasa(*args: str) -> subprocess.CompletedProcess:
    """Run a `rasa` command quietly from the repo root."""
    command = [sys.executable, "-m", "rasa", *args]
    return supervisor.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def intent_figures_of(model: Path, out: Path, heldout_nlu: Path) -> dict[str, float]:
    """Accuracy and macro-F1 of `rasa test nlu` on the held-out questions."""
    rasa("test", "nlu", "--model", str(model), "--nlu", str(heldout_nlu), "--out", str(out))
    return intent_figures(out)


def measure(config: Path, heldout_nlu: Path) -> dict:
    name = config.stem
    print(f"{name}: training (full, empty cache)...", flush=True)
    train_s = full_train_seconds(train_command(config), ROOT)
    model = train(config)
    intents = intent_figures_of(model, WORK / name / "nlu", heldout_nlu)
    stories = rasa(
        "test", "core", "--model", str(model), "--stories", "tests/",
        "--fail-on-prediction-errors", "--out", str(WORK / name / "core"),
    ).returncode  # fmt: skip
    questions = load_questions(QUESTIONS, known_topics())
    dev = load_questions(REALWORLD, known_topics(), "dev")
    with assistant(None, config) as (url, _):
        asyncio.run(replay(url, questions[:WARMUP], 1))
        report = score([q.topics for q in questions], asyncio.run(replay(url, questions, 1)))
        real = score([q.topics for q in dev], asyncio.run(replay(url, dev, 4)))
    return {
        "config": str(config.relative_to(ROOT)),
        "train_s": round(train_s, 1),
        "intent_accuracy": intents["accuracy"],
        "intent_macro_f1": intents["macro_f1"],
        "topic_accuracy": report["top1_accuracy"],
        "answered_or_clarified": report["answered_or_clarified"],
        "dev_topic_accuracy": real["top1_accuracy"],
        "dev_answered_or_clarified": real["answered_or_clarified"],
        "latency_p50_ms": report["latency_ms"]["p50"],
        "latency_p95_ms": report["latency_ms"]["p95"],
        "conversation_tests_pass": stories == 0,
    }


def markdown(rows: list[dict]) -> str:
    head = (
        "| config | full train s | intent acc | intent macro-F1 | topic acc | answered or"
        " clarified | dev topic acc | dev answered or clarified | p50 / p95 ms |"
        " conversation tests |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |\n"
    )
    return head + "".join(
        f"| `{r['config']}` | {r['train_s']:.0f} | {r['intent_accuracy']:.3f} |"
        f" {r['intent_macro_f1']:.3f} | {r['topic_accuracy']:.3f} |"
        f" {r['answered_or_clarified']:.3f} |"
        f" {r['dev_topic_accuracy']:.3f} | {r['dev_answered_or_clarified']:.3f} |"
        f" {r['latency_p50_ms']:.0f} / {r['latency_p95_ms']:.0f} |"
        f" {'pass' if r['conversation_tests_pass'] else 'FAIL'} |\n"
        for r in rows
    )


def main(argv: list[str]) -> None:
    configs = [Path(c).resolve() for c in argv] or [
        CONFIG,
        *sorted(ROOT.glob("evaluation/experiments/*.yml")),
    ]
    WORK.mkdir(parents=True, exist_ok=True)
    heldout_nlu = WORK / "heldout_nlu.yml"
    write_nlu(heldout_nlu)
    rows = [measure(config, heldout_nlu) for config in configs]
    table = markdown(rows)
    when = time.strftime("%Y-%m-%d %H:%M %Z")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "compare-latest.json").write_text(json.dumps({"date": when, "rows": rows}, indent=2))
    (RESULTS / "compare-latest.md").write_text(
        f"Measured {when}, one config after another.\n\n{table}"
    )
    print("\n" + table)


if __name__ == "__main__":
    main(sys.argv[1:])
