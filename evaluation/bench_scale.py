"""`python -m evaluation.bench --scale`: what Redis costs and what a second Rasa instance brings.

Starts our assistant on free ports in four setups at once (idle ones cost no CPU), and loads
them the way evaluation.bench does (sessions of greeting, question, follow-up, thanks), each
conversation sent to the instance its id hashes to, as the front door does:

- Redis's cost: one user, its conversations sent in turn to one instance keeping them in memory
  (the default `make run`) and to one keeping them in Redis, so that both see the same
  machine at the same time;
- scale-out, at each level one setup after the other: one instance on Redis, two instances on
  Redis sharing one action server, two instances with an action server each.

Writes evaluation/results/scale-latest.json and .md, with any restart the supervisor made (an
instance it took for hung, an exit). "Empty" replies are turns whose action call timed out.
Needs Redis: $REDIS_URL, else 127.0.0.1:6379; its keys go under a prefix of their own,
deleted at the end.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass

import aiohttp
import redis

from contract import environment
from evaluation import RESULTS
from evaluation.bench import (
    WARMUP_SESSIONS,
    Bot,
    _num,
    load_level,
    machine,
    our_bot,
    rss_mb,
)
from evaluation.evaluate import percentile
from evaluation.rest_client import new_sender, send
from orchestration.paths import ROOT
from orchestration.stack import Stack, free_ports, running
from orchestration.train import train

SCALE_LEVELS = (32, 64)


@dataclass(frozen=True)
class Setup:
    name: str
    instances: int
    action_servers: int
    redis: bool


MEMORY = Setup("1 instance, memory", 1, 1, False)
SCALE_SETUPS = (
    Setup("1 instance, Redis", 1, 1, True),
    Setup("2 instances, Redis, 1 action server", 2, 1, True),
    Setup("2 instances, Redis, 2 action servers", 2, 2, True),
)


def bench_scale(duration: float, max_messages: int) -> dict[str, object]:
    redis_url = environment.value("REDIS_URL") or "redis://127.0.0.1:6379/0"
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    model, bot = train(), our_bot()
    report: dict[str, object] = {"machine": machine(), "duration_s": duration}
    with ExitStack() as cleanup:
        cleanup.callback(_delete_keys, redis_url, prefix)
        stacks = {}
        for setup in (MEMORY, *SCALE_SETUPS):
            ports = free_ports(setup.instances + setup.action_servers)
            env = {"REDIS_URL": redis_url, "REDIS_KEY_PREFIX": prefix} if setup.redis else {}
            stacks[setup] = cleanup.enter_context(
                running(
                    model,
                    rasa_ports=ports[: setup.instances],
                    actions_ports=ports[setup.instances :],
                    frontdoor_port=None,
                    env=env,
                )
            )
        one_user, levels = asyncio.run(_measure(stacks, bot, duration, max_messages))
        setups: dict[str, dict[str, object]] = {
            name: {"levels": setup_levels} for name, setup_levels in levels.items()
        }
        for setup, stack in stacks.items():
            setup_report = setups.setdefault(setup.name, {"levels": []})
            setup_report["rss_mb"] = sum(
                rss_mb(stack.pid(c.name)) for c in stack.supervisor.children
            )
            log = (stack.logs / "stack.log").read_text()
            setup_report["restarts"] = log.count(" restarted (pid ")
        report |= {"one_user": one_user, "setups": setups}
    return report


async def _measure(
    stacks: dict[Setup, Stack], bot: Bot, duration: float, max_messages: int
) -> tuple[dict[str, dict[str, float | None]], dict[str, list[dict]]]:
    """Latency of one user, memory vs Redis, then each scale setup's levels, by setup name."""
    webhooks = {
        setup: [f"{url}/webhooks/rest/webhook" for url in stack.rasa_urls]
        for setup, stack in stacks.items()
    }
    connector = aiohttp.TCPConnector(limit=max(SCALE_LEVELS))
    async with aiohttp.ClientSession(connector=connector) as session:
        for urls in webhooks.values():
            for url in urls:
                for _ in range(WARMUP_SESSIONS):
                    sender = new_sender("warmup")
                    for text in bot.session(random.Random(0)):
                        await send(session, url, sender, text)
        one_user = await _in_turn(
            session, bot, webhooks[MEMORY][0], webhooks[SCALE_SETUPS[0]][0], 2 * duration
        )
        p50s = [_num(one_user[name]["p50_ms"]) for name in ("memory", "redis")]
        print(f"  1 user, memory / Redis: p50 {' / '.join(p50s)} ms")
        levels: dict[str, list[dict]] = {setup.name: [] for setup in SCALE_SETUPS}
        for users in SCALE_LEVELS:
            for setup in SCALE_SETUPS:
                level = await load_level(
                    session, webhooks[setup], bot, users, duration, max_messages
                )
                levels[setup.name].append(level)
                print(
                    f"  {setup.name}, {users} users: p50/p95 {_num(level['p50_ms'])} /"
                    f" {_num(level['p95_ms'])} ms, {_num(level['msg_per_s'])} msg/s"
                )
    return one_user, levels


async def _in_turn(
    session: aiohttp.ClientSession, bot: Bot, memory: str, in_redis: str, duration: float
) -> dict[str, dict[str, float | None]]:
    """One user's conversations, sent in turn to two webhooks for `duration` seconds."""
    latencies: dict[str, list[float]] = {"memory": [], "redis": []}
    rng, deadline = random.Random(1), time.monotonic() + duration
    while time.monotonic() < deadline:
        for name, url in (("memory", memory), ("redis", in_redis)):
            sender = new_sender("bench")
            for text in bot.session(rng):
                reply = await send(session, url, sender, text)
                if not reply.error:
                    latencies[name].append(reply.ms)
    return {
        name: {"messages": len(ms), **{f"p{q}_ms": percentile(ms, q) for q in (50, 95)}}
        for name, ms in latencies.items()
    }


def _delete_keys(redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def markdown(report: dict) -> str:
    m, one = report["machine"], report["one_user"]
    memory, in_redis = one["memory"], one["redis"]
    lines = [
        f"Measured {m['date']} on {m['nproc']} cores ({m['cpu']}), load average "
        f"{m['load_avg_1m']:.1f} at start; client, Redis and servers share the machine. "
        f"{report['duration_s']:g} s per level.",
        "",
        "| 1 user, conversations in turn | p50 / p95 ms | messages |",
        "| --- | ---: | ---: |",
        *(
            f"| {name} | {_num(one[key]['p50_ms'])} / {_num(one[key]['p95_ms'])}"
            f" | {one[key]['messages']} |"
            for name, key in (("memory", "memory"), ("Redis", "redis"))
        ),
        f"| Redis − memory | {in_redis['p50_ms'] - memory['p50_ms']:+.1f} / "
        f"{in_redis['p95_ms'] - memory['p95_ms']:+.1f} | |",
        "",
        "| setup | "
        + " | ".join(f"{u} users: p50 / p95 ms, msg/s" for u in SCALE_LEVELS)
        + " | RSS MB, all processes | restarts |",
        "| --- |" + " ---: |" * (len(SCALE_LEVELS) + 2),
    ]
    for name, setup in report["setups"].items():
        if not setup["levels"]:
            continue
        cells = [
            f"{_num(lv['p50_ms'])} / {_num(lv['p95_ms'])}, {_num(lv['msg_per_s'])}"
            + (f" ({lv['errors']} errors)" if lv["errors"] else "")
            + (f" ({lv['empty']} empty)" if lv["empty"] else "")
            for lv in setup["levels"]
        ]
        lines.append(
            f"| {name} | {' | '.join(cells)} | {_num(setup['rss_mb'])} | {setup['restarts']} |"
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
