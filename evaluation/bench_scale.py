"""`python -m evaluation.bench --scale`: what Redis costs and what a second Rasa instance brings.

Starts our assistant on free ports in four setups at once (idle ones cost no CPU), and loads
them the way evaluation.bench does (evaluation.load: sessions of greeting, question, follow-up,
thanks), each conversation sent to the instance its id hashes to, as the front door does:

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
import uuid
from contextlib import ExitStack
from dataclasses import dataclass

import aiohttp
import redis

from contract import environment
from evaluation import RESULTS
from evaluation.bench_report import machine, num, scale_markdown
from evaluation.load import Bot, in_turn, load_level, our_bot, warm_up
from evaluation.processes import rss_mb
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
                await warm_up(session, url, bot)
        in_memory, in_redis = webhooks[MEMORY][0], webhooks[SCALE_SETUPS[0]][0]
        one_user = await in_turn(
            session, bot, {"memory": in_memory, "redis": in_redis}, 2 * duration
        )
        p50s = [num(one_user[name]["p50_ms"]) for name in ("memory", "redis")]
        print(f"  1 user, memory / Redis: p50 {' / '.join(p50s)} ms")
        levels: dict[str, list[dict]] = {setup.name: [] for setup in SCALE_SETUPS}
        for users in SCALE_LEVELS:
            for setup in SCALE_SETUPS:
                level = await load_level(
                    session, webhooks[setup], bot, users, duration, max_messages
                )
                levels[setup.name].append(level)
                print(
                    f"  {setup.name}, {users} users: p50/p95 {num(level['p50_ms'])} /"
                    f" {num(level['p95_ms'])} ms, {num(level['msg_per_s'])} msg/s"
                )
    return one_user, levels


def _delete_keys(redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def main(duration: float, max_messages: int) -> None:
    logging.basicConfig(level=logging.WARNING, format="  %(message)s")  # restarts, if any
    report = bench_scale(duration, max_messages)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scale-latest.json").write_text(json.dumps(report, indent=2) + "\n")
    table = scale_markdown(report, SCALE_LEVELS)
    (RESULTS / "scale-latest.md").write_text(table)
    where = RESULTS.relative_to(ROOT)
    print("\n" + table + f"\nWritten to {where}/scale-latest.json and scale-latest.md")
