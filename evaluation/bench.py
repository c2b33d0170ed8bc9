"""`python -m evaluation.bench [--quick] [--levels 1,8,32,64] [--duration S] [--scale]`: load tests.

Starts our assistant, then the stock Rasa starter bot (`rasa init`), one after the other, each on
free ports on 127.0.0.1, and measures both the same way: multi-turn sessions with random sender
ids at each concurrency level (bounded in time and count), the latency of turn 1 vs turn 50 of
one long conversation, memory of each process, startup time and a forced full `rasa train`.
Writes evaluation/results/latest.json and latest.md (ours, the starter's, ours / starter's).
Only the benchmark's own canned messages are sent; no message text is logged. `--scale`
measures what Redis and a second Rasa instance change instead (evaluation/bench_scale.py).
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import aiohttp

# Importing bot sets Rasa's environment (no telemetry) in this process, so for `rasa init` and
# `rasa train`; orchestration.stack adds the servers' variables to the processes it starts.
import bot as _rasa_environment  # noqa: F401
from evaluation import RESULTS
from evaluation.evaluate import OUT_OF_SCOPE, QUESTIONS, known_topics, load_questions, percentile
from evaluation.rest_client import new_sender, send
from orchestration.paths import BUILD, CREDENTIALS, ROOT
from orchestration.ports import listening_sockets, socket_inodes
from orchestration.stack import free_ports, process
from orchestration.supervisor import wait_until_answering
from orchestration.train import CONFIG, full_train_seconds, train, train_command

LEVELS = (1, 8, 32, 64)
QUICK_LEVELS = (1, 8)
DURATION_S = 15.0
QUICK_DURATION_S = 3.0
MAX_MESSAGES = 10_000  # per level, whatever the duration
WARMUP_SESSIONS = 3
LONG_TURNS = 50
LONG_RUNS = 3  # long conversations; each turn's latency is the median over them
HOST = "127.0.0.1"
NOT_CHAT = (OUT_OF_SCOPE, "handoff.", "chitchat.")


@dataclass
class Bot:
    """What to say to a bot: `session(rng)` gives the messages of one conversation."""

    name: str
    session: Callable[[random.Random], list[str]]

    def long_conversation(self) -> list[str]:
        """LONG_TURNS turns of sessions, from the first session's second message (a question,
        not a greeting) on; the last turn is the same text as the first."""
        turns: list[str] = []
        rng = random.Random(LONG_TURNS)
        while len(turns) < LONG_TURNS:
            turns += self.session(rng)
        return turns[1:LONG_TURNS] + turns[1:2]


def our_bot() -> Bot:
    """greet -> a held-out privacy question -> a service follow-up -> thanks."""
    questions = [
        q.q
        for q in load_questions(QUESTIONS, known_topics())
        if not any(t.startswith(NOT_CHAT) for t in q.topics)
    ]
    return Bot(
        "ours", lambda rng: ["hello", rng.choice(questions), "and what about MedAire?", "thanks"]
    )


STARTER = Bot("starter", lambda rng: ["hi", rng.choice(["I am sad", "not good"]), "yes", "bye"])


# --- processes and their memory ------------------------------------------------------------


def listening_pid(port: int) -> int | None:
    """The process that listens on 127.0.0.1:`port`, found through /proc."""
    inodes = {
        inode
        for inode, local in listening_sockets(("tcp",)).items()
        if int(local.split(":")[1], 16) == port
    }
    holders = set()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        pid = int(fd_dir.parent.name)
        try:
            if socket_inodes(pid) & inodes:
                holders.add(pid)
        except OSError:
            continue
    parents = _parents()
    roots = [pid for pid in holders if parents.get(pid) not in holders]
    return min(roots) if roots else None


def _parents() -> dict[int, int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return parents


def rss_mb(pid: int) -> float:
    """Resident memory of `pid` and all its descendants, in MB."""
    parents, tree, total_kb = _parents(), {pid}, 0
    while grown := {p for p, parent in parents.items() if parent in tree} - tree:
        tree |= grown
    for member in tree:
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def memory(ports: dict[str, int]) -> dict[str, float | None]:
    pids = {name: listening_pid(port) for name, port in ports.items()}
    return {name: None if pid is None else rss_mb(pid) for name, pid in pids.items()}


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
        subprocess.run(
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


# --- load ----------------------------------------------------------------------------------


async def load_level(
    session: aiohttp.ClientSession,
    url: str | Sequence[str],
    bot: Bot,
    users: int,
    duration: float,
    max_messages: int,
) -> dict:
    """`users` concurrent sessions, each a loop of new conversations, until time or count ends.

    With several webhooks (Rasa instances), each conversation goes to the one its sender id
    hashes to, as the front door does (frontdoor/rasa_client.py).
    """
    urls = [url] if isinstance(url, str) else list(url)
    latencies, counts = [], {"messages": 0, "sessions": 0, "errors": 0, "empty": 0}
    deadline = time.monotonic() + duration

    def more() -> bool:
        return time.monotonic() < deadline and counts["messages"] < max_messages

    async def user(rng: random.Random) -> None:
        while more():
            sender = new_sender("bench")
            webhook = urls[zlib.crc32(sender.encode()) % len(urls)]
            counts["sessions"] += 1
            for text in bot.session(rng):
                if not more():
                    return
                counts["messages"] += 1
                reply = await send(session, webhook, sender, text)
                if reply.error:
                    counts["errors"] += 1
                    continue
                latencies.append(reply.ms)
                counts["empty"] += not reply.messages

    started = time.monotonic()
    await asyncio.gather(*(user(random.Random(i)) for i in range(users)))
    seconds = time.monotonic() - started
    return {
        "users": users,
        **counts,
        "seconds": round(seconds, 2),
        "msg_per_s": counts["messages"] / seconds,
        **{f"p{q}_ms": percentile(latencies, q) for q in (50, 95, 99)},
    }


async def long_conversation(session: aiohttp.ClientSession, url: str, bot: Bot) -> dict:
    """Latency of each turn of LONG_RUNS conversations of LONG_TURNS turns (median per turn)."""
    turns = bot.long_conversation()
    runs = []
    for _ in range(LONG_RUNS):
        sender = new_sender("long")
        runs.append([(await send(session, url, sender, text)).ms for text in turns])
    per_turn = [percentile(column, 50) for column in zip(*runs, strict=True)]
    return {"turn1_ms": per_turn[0], "turn50_ms": per_turn[-1], "per_turn_ms": per_turn}


async def measure(bot: Bot, url: str, ports: dict[str, int], started: float, args) -> dict:
    """Everything but training, for a bot whose processes were started at `started`."""
    connector = aiohttp.TCPConnector(limit=max(args.levels))
    async with aiohttp.ClientSession(connector=connector) as session:
        first = await send(session, url, new_sender("bench"), bot.session(random.Random(0))[0])
        startup_s = time.monotonic() - started
        if first.error:
            raise RuntimeError(f"{bot.name}: first message failed: {first.error}")
        rss_before = memory(ports)
        for _ in range(WARMUP_SESSIONS):
            sender = new_sender("warmup")
            for text in bot.session(random.Random(0)):
                await send(session, url, sender, text)
        levels = []
        for users in args.levels:
            level = await load_level(session, url, bot, users, args.duration, args.max_messages)
            print(
                f"  {bot.name}, {_users(users)}: p50/p95/p99 {_load_cell(level)} ms,"
                f" {_num(level['msg_per_s'])} msg/s"
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

    bot, model = our_bot(), train()
    train_s = None if args.quick else full_train_seconds(train_command(CONFIG), ROOT)
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


# --- the report ----------------------------------------------------------------------------


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gb": round(mem_kb / 1024**2, 1),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "load_avg_1m": os.getloadavg()[0],
    }


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"


def _ratio(ours: float | None, theirs: float | None) -> str:
    return "-" if ours is None or not theirs else f"{ours / theirs:.2f}"


def _load_cell(level: dict) -> str:
    return " / ".join(_num(level[f"p{q}_ms"]) for q in (50, 95, 99))


def _users(count: int) -> str:
    return f"{count} user{'s' * (count != 1)}"


def _level(result: dict, users: int) -> dict | None:
    return next((lv for lv in result["levels"] if lv["users"] == users), None)


def goals(ours: dict) -> list[dict]:
    """Each goal with our figure and whether it is met (None: not measured in this run)."""
    one, many = _level(ours, 1), _level(ours, 32)
    rasa_rss = [v for v in (ours["rss_mb"]["before"]["rasa"], ours["rss_mb"]["after"]["rasa"]) if v]
    long = ours["long"]

    def check(goal: str, value: str, met: bool | None) -> dict:
        return {"goal": goal, "ours": value, "met": met}

    return [
        check(
            "p50 <= 20 ms for one user",
            f"{_num(one['p50_ms'])} ms" if one else "-",
            one["p50_ms"] <= 20 if one else None,
        ),
        check(
            ">= 60 msg/s at 32 users with p95 <= 1 s",
            f"{_num(many['msg_per_s'])} msg/s, p95 {_num(many['p95_ms'])} ms" if many else "-",
            many["msg_per_s"] >= 60 and many["p95_ms"] <= 1000 if many else None,
        ),
        check(
            "no latency growth turn 1 -> 50 (turn 50 <= 1.25 x turn 1)",
            f"{_num(long['turn1_ms'])} -> {_num(long['turn50_ms'])} ms",
            long["turn50_ms"] <= 1.25 * long["turn1_ms"],
        ),
        check("startup <= 20 s", f"{_num(ours['startup_s'])} s", ours["startup_s"] <= 20),
        check(
            "Rasa RSS <= 900 MB",
            f"{_num(max(rasa_rss))} MB" if rasa_rss else "-",
            max(rasa_rss) <= 900 if rasa_rss else None,
        ),
        check(
            "no error nor empty reply at any level",
            ", ".join(f"{level['errors']}/{level['empty']}" for level in ours["levels"]),
            all(not level["errors"] and not level["empty"] for level in ours["levels"]),
        ),
        check(
            "full train <= 90 s",
            f"{_num(ours['train_s'])} s" if ours["train_s"] is not None else "-",
            ours["train_s"] <= 90 if ours["train_s"] is not None else None,
        ),
    ]


def rows(ours: dict, starter: dict) -> list[tuple[str, str, str, str]]:
    """(metric, ours, starter's, ours / starter's) for the Markdown table."""
    table = []
    for level in ours["levels"]:
        users, theirs = _users(level["users"]), _level(starter, level["users"])
        assert theirs is not None, "the starter bot is measured at the same levels"
        table.append(
            (
                f"{users}: p50 / p95 / p99 ms",
                _load_cell(level),
                _load_cell(theirs),
                " / ".join(_ratio(level[k], theirs[k]) for k in ("p50_ms", "p95_ms", "p99_ms")),
            )
        )
        table.append(
            (
                f"{users}: msg/s (errors, empty)",
                f"{_num(level['msg_per_s'])} ({level['errors']}, {level['empty']})",
                f"{_num(theirs['msg_per_s'])} ({theirs['errors']}, {theirs['empty']})",
                _ratio(level["msg_per_s"], theirs["msg_per_s"]),
            )
        )
    for name, label in (("rasa", "Rasa"), ("actions", "action server")):
        pair = [[r["rss_mb"][when][name] for when in ("before", "after")] for r in (ours, starter)]
        ours_rss, starter_rss = (" / ".join(_num(v) for v in p) for p in pair)
        table.append(
            (
                f"{label} RSS MB, before / after load",
                ours_rss,
                starter_rss,
                " / ".join(_ratio(a, b) for a, b in zip(*pair, strict=True)),
            )
        )
    for key, label in (
        ("startup_s", "startup s (process start to first answer)"),
        ("train_s", "full `rasa train` s"),
    ):
        table.append((label, _num(ours[key]), _num(starter[key]), _ratio(ours[key], starter[key])))
    ours_long, starter_long = (
        f"{_num(r['long']['turn1_ms'])} / {_num(r['long']['turn50_ms'])}" for r in (ours, starter)
    )
    table.append(
        (
            "long conversation: turn 1 / turn 50 ms",
            ours_long,
            starter_long,
            " / ".join(
                _ratio(ours["long"][k], starter["long"][k]) for k in ("turn1_ms", "turn50_ms")
            ),
        )
    )
    return table


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"Measured {m['date']} on {m['nproc']} cores ({m['cpu']}), {m['ram_gb']} GB RAM, "
        f"load average {m['load_avg_1m']:.1f} at start; client and servers share the machine. "
        f"{report['duration_s']:g} s per level{' (--quick)' if report['quick'] else ''}.",
        "",
        "| metric | ours | Rasa starter bot | ours / starter |",
        "| --- | ---: | ---: | ---: |",
        *(f"| {' | '.join(row)} |" for row in rows(report["ours"], report["starter"])),
        "",
        "| goal | ours | met |",
        "| --- | ---: | :---: |",
        *(f"| {g['goal']} | {g['ours']} | {_met(g['met'])} |" for g in report["goals"]),
    ]
    return "\n".join(lines) + "\n"


def _met(met: bool | None) -> str:
    return "not measured" if met is None else ("yes" if met else "**no**")


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
    args = parser.parse_args(argv)
    args.levels = args.levels or (QUICK_LEVELS if args.quick else LEVELS)
    args.duration = args.duration or (QUICK_DURATION_S if args.quick else DURATION_S)
    if args.scale:
        from evaluation.bench_scale import main as bench_scale

        bench_scale(args.duration, args.max_messages)
        return

    report = {
        "machine": machine(),
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
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    (RESULTS / "latest.md").write_text(table)
    print("\n" + table + f"\nWritten to {RESULTS.relative_to(ROOT)}/latest.json and latest.md")


if __name__ == "__main__":
    main()
