"""The benchmark's report: the machine it ran on, its goals, and its Markdown tables (ours
against the Rasa starter bot; memory against Redis and the scale-out setups)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path


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


def num(value: float | None) -> str:
    """A figure as the tables show it: no decimals from 10 on, one below, "-" for none."""
    if value is None:
        return "-"
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"


def load_cell(level: dict) -> str:
    """A level's "p50 / p95 / p99" latencies."""
    return " / ".join(num(level[f"p{q}_ms"]) for q in (50, 95, 99))


def users(count: int) -> str:
    return f"{count} user{'s' * (count != 1)}"


def _ratio(ours: float | None, theirs: float | None) -> str:
    return "-" if ours is None or not theirs else f"{ours / theirs:.2f}"


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
            f"{num(one['p50_ms'])} ms" if one else "-",
            one["p50_ms"] <= 20 if one else None,
        ),
        check(
            ">= 60 msg/s at 32 users with p95 <= 1 s",
            f"{num(many['msg_per_s'])} msg/s, p95 {num(many['p95_ms'])} ms" if many else "-",
            many["msg_per_s"] >= 60 and many["p95_ms"] <= 1000 if many else None,
        ),
        check(
            "no latency growth turn 1 -> 50 (turn 50 <= 1.25 x turn 1)",
            f"{num(long['turn1_ms'])} -> {num(long['turn50_ms'])} ms",
            long["turn50_ms"] <= 1.25 * long["turn1_ms"],
        ),
        check("startup <= 20 s", f"{num(ours['startup_s'])} s", ours["startup_s"] <= 20),
        check(
            "Rasa RSS <= 900 MB",
            f"{num(max(rasa_rss))} MB" if rasa_rss else "-",
            max(rasa_rss) <= 900 if rasa_rss else None,
        ),
        check(
            "no error nor empty reply at any level",
            ", ".join(f"{level['errors']}/{level['empty']}" for level in ours["levels"]),
            all(not level["errors"] and not level["empty"] for level in ours["levels"]),
        ),
        check(
            "full train <= 90 s",
            f"{num(ours['train_s'])} s" if ours["train_s"] is not None else "-",
            ours["train_s"] <= 90 if ours["train_s"] is not None else None,
        ),
    ]


def rows(ours: dict, starter: dict) -> list[tuple[str, str, str, str]]:
    """(metric, ours, starter's, ours / starter's) for the Markdown table."""
    table = []
    for level in ours["levels"]:
        label, theirs = users(level["users"]), _level(starter, level["users"])
        assert theirs is not None, "the starter bot is measured at the same levels"
        table.append(
            (
                f"{label}: p50 / p95 / p99 ms",
                load_cell(level),
                load_cell(theirs),
                " / ".join(_ratio(level[k], theirs[k]) for k in ("p50_ms", "p95_ms", "p99_ms")),
            )
        )
        table.append(
            (
                f"{label}: msg/s (errors, empty)",
                f"{num(level['msg_per_s'])} ({level['errors']}, {level['empty']})",
                f"{num(theirs['msg_per_s'])} ({theirs['errors']}, {theirs['empty']})",
                _ratio(level["msg_per_s"], theirs["msg_per_s"]),
            )
        )
    for name, label in (("rasa", "Rasa"), ("actions", "action server")):
        pair = [[r["rss_mb"][when][name] for when in ("before", "after")] for r in (ours, starter)]
        ours_rss, starter_rss = (" / ".join(num(v) for v in p) for p in pair)
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
        table.append((label, num(ours[key]), num(starter[key]), _ratio(ours[key], starter[key])))
    ours_long, starter_long = (
        f"{num(r['long']['turn1_ms'])} / {num(r['long']['turn50_ms'])}" for r in (ours, starter)
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
    """`make bench`'s tables: ours against the starter bot, then the goals."""
    m = report["machine"]
    lines = [
        f"Measured {m['date']} on {m['nproc']} cores ({m['cpu']}), {m['ram_gb']} GB RAM, "
        f"load average {m['load_avg_1m']:.1f} at start; client and servers share the machine. "
        f"{report['duration_s']:g} s per level{' (--quick)' if report['quick'] else ''}. "
        f"Ours: `{report.get('config', 'config.yml')}`.",
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


def scale_markdown(report: dict, levels: Sequence[int]) -> str:
    """`make bench BENCH_ARGS=--scale`'s tables: one user on memory and on Redis, then each
    scale-out setup at each of `levels`."""
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
            f"| {name} | {num(one[key]['p50_ms'])} / {num(one[key]['p95_ms'])}"
            f" | {one[key]['messages']} |"
            for name, key in (("memory", "memory"), ("Redis", "redis"))
        ),
        f"| Redis − memory | {in_redis['p50_ms'] - memory['p50_ms']:+.1f} / "
        f"{in_redis['p95_ms'] - memory['p95_ms']:+.1f} | |",
        "",
        "| setup | "
        + " | ".join(f"{u} users: p50 / p95 ms, msg/s" for u in levels)
        + " | RSS MB, all processes | restarts |",
        "| --- |" + " ---: |" * (len(levels) + 2),
    ]
    for name, setup in report["setups"].items():
        if not setup["levels"]:
            continue
        cells = [
            f"{num(lv['p50_ms'])} / {num(lv['p95_ms'])}, {num(lv['msg_per_s'])}"
            + (f" ({lv['errors']} errors)" if lv["errors"] else "")
            + (f" ({lv['empty']} empty)" if lv["empty"] else "")
            for lv in setup["levels"]
        ]
        lines.append(
            f"| {name} | {' | '.join(cells)} | {num(setup['rss_mb'])} | {setup['restarts']} |"
        )
    return "\n".join(lines) + "\n"
