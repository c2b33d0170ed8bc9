"""`python -m evaluation.bench [--quick] [--levels 1,8,32,64] [--duration S] [--scale]`: load tests.

Starts our assistant, then the stock Rasa starter bot (`rasa init`), one after the other, each on
free ports on 127.0.0.1, and measures both the same way: multi-turn sessions with random sender
ids at each concurrency level (bounded in time and count), the latency of turn 1 vs turn 50 of
one long conversation, memory of each process, startup time and a forced full `rasa train`.
Writes evaluation/results/latest.json and latest.md (ours, the starter's, ours / starter's);
with `--config CONFIG` other than config.yml (the product before a change, say), latest-<its
name>.json and .md.
Only the benchmark's own canned messages are sent; no message text is logged. `--scale`
measures what Redis and a second Rasa instance change instead (evaluation/bench_scale.py).
The load is evaluation/load.py's, the tables evaluation/bench_report.py's.
"""

import argparse
import asyncio
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from importlib.metadata import version
from pathlib import Path

import aiohttp

# Importing bot sets Rasa's environment (no telemetry) in this process, so for `rasa init` and
# `rasa train`; orchestration.stack adds the servers' variables to the processes it starts.
import bot as _rasa_environment  # noqa: F401
from evaluation import RESULTS, bench_scale
from evaluation.bench_report import goals, load_cell, machine, markdown, num, users
from evaluation.load import STARTER, Bot, load_level, long_conversation, our_bot, warm_up
from evaluation.processes import memory
from evaluation.rest_client import new_sender, send
from orchestration import supervisor
from orchestration.paths import BUILD, CREDENTIALS, ROOT
from orchestration.stack import free_ports, process
from orchestration.supervisor import wait_until_answering
from orchestration.train import CONFIG, full_train_seconds, train, train_command

LEVELS = (1, 8, 32, 64)
QUICK_LEVELS = (1, 8)
DURATION_S = 15.0
QUICK_DURATION_S = 3.0
MAX_MESSAGES = 10_000  # per level, whatever the duration
HOST = "127.0.0.1"


# --- the stock starter bot -----------------------------------------------------------------


def starter_project() -> Path:
    """`rasa init --no-prompt`, trained once per Rasa version under .build/starter_bot/."""
    project = BUILD / "starter_bot" / f"rasa-{version('rasa')}"
    if list(project.glob("models/*.tar.gz")):
        return project
    building = project.with_name(project.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    print(f"Creating and training the Rasa starter bot in {project.relative_to(ROOT)} (once)...")
    command = [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", "."]
    with (building / "init.log").open("wb") as log:
        supervisor.run(
            command,
            cwd=building,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
        )
    shutil.rmtree(project, ignore_errors=True)
    building.rename(project)
    return project


@contextmanager
def starter_running(project: Path, rasa_port: int, actions_port: int) -> Iterator[str]:
    """The starter bot's action server and `rasa run` on 127.0.0.1; yields its REST webhook."""
    rasa_url, actions_url = f"http://{HOST}:{rasa_port}", f"http://{HOST}:{actions_port}"
    with ExitStack() as cleanup:
        workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        endpoints = workdir / "endpoints.yml"
        endpoints.write_text(f'action_endpoint:\n  url: "{actions_url}/webhook"\n')
        actions = [sys.executable, "-m", "rasa_sdk", "--actions", "actions"]
        actions += ["-p", str(actions_port)]
        rasa = [sys.executable, "-m", "rasa", "run", "--model", "models", "-i", HOST]
        rasa += ["-p", str(rasa_port), "--credentials", str(CREDENTIALS)]
        rasa += ["--endpoints", str(endpoints)]
        for name, command, ready in [
            ("actions", actions, f"{actions_url}/health"),
            ("rasa", rasa, f"{rasa_url}/webhooks/rest/"),
        ]:
            log = workdir / f"{name}.log"
            started = cleanup.enter_context(process(command, log, cwd=project))
            wait_until_answering(ready, started, log)
        yield f"{rasa_url}/webhooks/rest/webhook"


# --- measuring a bot ------------------------------------------------------------------------


async def measure(bot: Bot, url: str, ports: dict[str, int], started: float, args) -> dict:
    """Everything but training, for a bot whose processes were started at `started`."""
    connector = aiohttp.TCPConnector(limit=max(args.levels))
    async with aiohttp.ClientSession(connector=connector) as session:
        first = await send(session, url, new_sender("bench"), bot.session(random.Random(0))[0])
        startup_s = time.monotonic() - started
        if first.error:
            raise RuntimeError(f"{bot.name}: first message failed: {first.error}")
        rss_before = memory(ports)
        await warm_up(session, url, bot)
        levels = []
        for count in args.levels:
            level = await load_level(session, url, bot, count, args.duration, args.max_messages)
            print(
                f"  {bot.name}, {users(count)}: p50/p95/p99 {load_cell(level)} ms,"
                f" {num(level['msg_per_s'])} msg/s"
            )
            levels.append(level)
        long = await long_conversation(session, url, bot)
    return {
        "startup_s": startup_s,
        "rss_mb": {"before": rss_before, "after": memory(ports)},
        "levels": levels,
        "long": long,
    }


def bench_ours(args) -> dict:
    from orchestration.stack import running

    bot, model = our_bot(), train(args.config)
    train_s = None if args.quick else full_train_seconds(train_command(args.config), ROOT)
    ports = dict(zip(("rasa", "actions"), free_ports(2), strict=True))
    started = time.monotonic()
    with running(
        model, rasa_ports=[ports["rasa"]], actions_ports=[ports["actions"]], frontdoor_port=None
    ) as stack:
        result = asyncio.run(measure(bot, stack.webhook, ports, started, args))
    return {"model": model.name, "train_s": train_s, **result}


def bench_starter(args) -> dict:
    project = starter_project()
    command = [sys.executable, "-m", "rasa", "train"]
    train_s = None if args.quick else full_train_seconds(command, project)
    ports = dict(zip(("rasa", "actions"), free_ports(2), strict=True))
    started = time.monotonic()
    with starter_running(project, ports["rasa"], ports["actions"]) as url:
        result = asyncio.run(measure(STARTER, url, ports, started, args))
    return {"train_s": train_s, **result}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m evaluation.bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"levels {QUICK_LEVELS}, {QUICK_DURATION_S:g} s each, no training",
    )
    parser.add_argument(
        "--levels",
        type=lambda s: tuple(int(n) for n in s.split(",")),
        help=f"concurrent sessions, comma-separated (default {LEVELS})",
    )
    parser.add_argument(
        "--duration", type=float, help=f"seconds per level (default {DURATION_S:g})"
    )
    parser.add_argument("--max-messages", type=int, default=MAX_MESSAGES, help="per level")
    parser.add_argument(
        "--scale",
        action="store_true",
        help="instead: memory vs Redis, 1 vs 2 Rasa instances (bench_scale.py, ~4 minutes)",
    )
    parser.add_argument("--config", type=Path, default=CONFIG, help="our pipeline (config.yml)")
    args = parser.parse_args(argv)
    args.config = args.config.resolve()
    args.levels = args.levels or (QUICK_LEVELS if args.quick else LEVELS)
    args.duration = args.duration or (QUICK_DURATION_S if args.quick else DURATION_S)
    if args.scale:
        bench_scale.main(args.duration, args.max_messages)
        return

    report = {
        "machine": machine(),
        "config": str(args.config.relative_to(ROOT)),
        "quick": args.quick,
        "levels": list(args.levels),
        "duration_s": args.duration,
        "max_messages": args.max_messages,
    }
    print("Our assistant...")
    report["ours"] = bench_ours(args)
    print("The Rasa starter bot...")
    report["starter"] = bench_starter(args)
    report["goals"] = goals(report["ours"])

    RESULTS.mkdir(exist_ok=True)
    name = "latest" if args.config == CONFIG else f"latest-{args.config.stem}"
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    (RESULTS / f"{name}.md").write_text(table)
    print("\n" + table + f"\nWritten to {RESULTS.relative_to(ROOT)}/{name}.json and .md")


if __name__ == "__main__":
    main()
