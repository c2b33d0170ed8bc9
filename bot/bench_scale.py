"""`python -m bot.bench --scale`: what Redis costs and what a second Rasa instance brings.

Starts our assistant on free ports in each setup below, one after the other, and loads it
the way bot.bench does (sessions of greeting, question, follow-up, thanks), each conversation
sent to the instance its id hashes to, as the front door does:

- one instance with conversations in memory (the default `make run`), 1 user;
- one instance with conversations in Redis, 1 user and the scale levels;
- two instances on Redis sharing one action server, then with one action server each.

Writes benchmarks/scale-latest.json and .md, with any restart the supervisor made (an
instance it took for hung, an exit). "Empty" replies are turns whose action call timed out.
Needs Redis: $REDIS_URL, else 127.0.0.1:6379; its keys go under a prefix of their own,
deleted at the end.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import uuid
from dataclasses import dataclass

import aiohttp
import redis

from bot.bench import RESULTS, WARMUP_SESSIONS, _num, load_level, machine, our_bot, rss_mb
from bot.paths import ROOT
from bot.rest_client import new_sender, send
from bot.stack import free_ports, running
from bot.train import train

SCALE_LEVELS = (32, 64)


@dataclass(frozen=True)
class Setup:
    name: str
    instances: int
    action_servers: int
    redis: bool
    levels: tuple[int, ...]


SETUPS = (
    Setup("1 instance, memory", 1, 1, False, (1,)),
    Setup("1 instance, Redis", 1, 1, True, (1, *SCALE_LEVELS)),
    Setup("2 instances, Redis, 1 action server", 2, 1, True, SCALE_LEVELS),
    Setup("2 instances, Redis, 2 action servers", 2, 2, True, SCALE_LEVELS),
)


def bench_scale(duration: float, max_messages: int) -> dict:
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    model, bot = train(), our_bot()
    results = []
    try:
        for setup in SETUPS:
            ports = free_ports(setup.instances + setup.action_servers)
            env = {"REDIS_URL": redis_url, "REDIS_KEY_PREFIX": prefix} if setup.redis else {}
            with running(
                model,
                rasa_ports=ports[: setup.instances],
                actions_ports=ports[setup.instances :],
                frontdoor_port=None,
                env=env,
            ) as stack:
                webhooks = [f"{url}/webhooks/rest/webhook" for url in stack.rasa_urls]
                levels = asyncio.run(_load(webhooks, bot, setup, duration, max_messages))
                rss = sum(rss_mb(stack.pid(child.name)) for child in stack.supervisor.children)
                restarts = (stack.logs / "stack.log").read_text().count(" restarted (pid ")
            results.append(
                {"setup": setup.name, "rss_mb": rss, "restarts": restarts, "levels": levels}
            )
    finally:
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
    return {"machine": machine(), "duration_s": duration, "setups": results}


async def _load(webhooks, bot, setup: Setup, duration: float, max_messages: int) -> list[dict]:
    connector = aiohttp.TCPConnector(limit=max(setup.levels))
    async with aiohttp.ClientSession(connector=connector) as session:
        for webhook in webhooks:
            for _ in range(WARMUP_SESSIONS):
                sender = new_sender("warmup")
                for text in bot.session(random.Random(0)):
                    await send(session, webhook, sender, text)
        levels = []
        for users in setup.levels:
            level = await load_level(session, webhooks, bot, users, duration, max_messages)
            print(
                f"  {setup.name}, {users} users: p50/p95 {_num(level['p50_ms'])} /"
                f" {_num(level['p95_ms'])} ms, {_num(level['msg_per_s'])} msg/s"
            )
            levels.append(level)
    return levels


def markdown(report: dict) -> str:
    m = report["machine"]
    levels = sorted({lv["users"] for s in report["setups"] for lv in s["levels"]})
    header = " | ".join(f"{u} user{'s' * (u != 1)}: p50 / p95 ms, msg/s" for u in levels)
    lines = [
        f"Measured {m['date']} on {m['nproc']} cores ({m['cpu']}), load average "
        f"{m['load_avg_1m']:.1f} at start; client, Redis and servers share the machine. "
        f"{report['duration_s']:g} s per level.",
        "",
        f"| setup | {header} | RSS MB, all processes | restarts |",
        "| --- |" + " ---: |" * (len(levels) + 2),
    ]
    for setup in report["setups"]:
        by_users = {lv["users"]: lv for lv in setup["levels"]}
        cells = [
            (
                f"{_num(lv['p50_ms'])} / {_num(lv['p95_ms'])}, {_num(lv['msg_per_s'])}"
                + (f" ({lv['errors']} errors)" if lv["errors"] else "")
                + (f" ({lv['empty']} empty)" if lv["empty"] else "")
            )
            if (lv := by_users.get(users))
            else "-"
            for users in levels
        ]
        lines.append(
            f"| {setup['setup']} | {' | '.join(cells)} | {_num(setup['rss_mb'])}"
            f" | {setup['restarts']} |"
        )
    return "\n".join(lines) + "\n"


def main(duration: float, max_messages: int) -> None:
    logging.basicConfig(level=logging.WARNING, format="  %(message)s")  # restarts, if any
    report = bench_scale(duration, max_messages)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scale-latest.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    (RESULTS / "scale-latest.md").write_text(table)
    where = RESULTS.relative_to(ROOT)
    print("\n" + table + f"\nWritten to {where}/scale-latest.json and scale-latest.md")
