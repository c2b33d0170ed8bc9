"""`python -m evaluation.conversations [FILE] [--url URL]`: score whole conversations.

Each conversation of evaluation/data/conversations.yml (written without seeing the training
data or the code; never trained on) is played turn by turn over Rasa's REST channel, in a
conversation of its own. A turn is right when its reply's topic is one of the expected ones
and, where the turn lists notices, the reply links exactly those. Prints the share of turns
right, of follow-up turns right (every turn after the first), of conversations right from
start to end, and every wrong turn; writes them to evaluation/results/conversations-latest.json.
Without --url it starts the assistant itself on free ports.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import yaml

from contract.replies import payload as reply_payload
from evaluation import DATA, RESULTS
from evaluation.evaluate import assistant, known_topics, share
from evaluation.rest_client import new_sender, send
from knowledge import read_content

CONVERSATIONS = DATA / "conversations.yml"
CONVERSATION_RESULTS = RESULTS / "conversations-latest.json"


@dataclass(frozen=True)
class Turn:
    user: str
    topics: tuple[str, ...]
    notices: tuple[str, ...] | None  # None: any


@dataclass(frozen=True)
class Conversation:
    name: str
    turns: tuple[Turn, ...]


def load(path: Path = CONVERSATIONS) -> list[Conversation]:
    """The conversations of `path`, every topic and notice id checked against the contract."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    topics, notices = known_topics(), {n["id"] for n in read_content().notices}
    conversations = []
    for item in data["conversations"]:
        turns = []
        for turn in item["turns"]:
            expect = turn["expect"]
            wanted = expect["topic"]
            wanted = tuple(wanted) if isinstance(wanted, list) else (wanted,)
            linked = tuple(expect["notices"]) if "notices" in expect else None
            unknown = (set(wanted) - topics) | (set(linked or ()) - notices)
            if unknown:
                raise ValueError(f"{path}: {item['name']!r}: unknown ids {sorted(unknown)}")
            turns.append(Turn(str(turn["user"]), wanted, linked))
        conversations.append(Conversation(item["name"], tuple(turns)))
    return conversations


def right(turn: Turn, payload: dict | None) -> bool:
    if not payload or payload.get("topic") not in turn.topics:
        return False
    return turn.notices is None or tuple(payload.get("notices") or ()) == turn.notices


async def play(
    url: str, conversations: list[Conversation], concurrency: int
) -> list[list[dict | None]]:
    """Each conversation's replies' payloads (None for an error), conversations in parallel."""
    limit = asyncio.Semaphore(concurrency)

    async def one(session: aiohttp.ClientSession, conversation: Conversation) -> list[dict | None]:
        sender = new_sender("conversation")
        payloads: list[dict | None] = []
        async with limit:
            for turn in conversation.turns:
                reply = await send(session, url, sender, turn.user)
                payloads.append(None if reply.error else reply_payload(reply.messages))
        return payloads

    async with aiohttp.ClientSession() as session:
        return await asyncio.gather(*(one(session, c) for c in conversations))


def score(conversations: list[Conversation], played: list[list[dict | None]]) -> dict:
    """Turns, follow-up turns and whole conversations right, and every wrong turn."""
    flags = [
        [right(turn, payload) for turn, payload in zip(c.turns, got, strict=True)]
        for c, got in zip(conversations, played, strict=True)
    ]
    wrong = [
        {"conversation": c.name, "turn": i + 1, "user": turn.user, "expected": list(turn.topics),
         "expected_notices": turn.notices and list(turn.notices), "got": got[i]}
        for c, got, ok in zip(conversations, played, flags, strict=True)
        for i, turn in enumerate(c.turns)
        if not ok[i]
    ]  # fmt: skip
    categories: dict[str, list[list[bool]]] = {}
    for conversation, ok in zip(conversations, flags, strict=True):
        categories.setdefault(category(conversation.name), []).append(ok)
    return {
        "conversations": len(conversations),
        "turns": sum(len(f) for f in flags),
        "turns_right": share(ok for f in flags for ok in f),
        "follow_up_turns_right": share(ok for f in flags for ok in f[1:]),
        "conversations_right": share(all(f) for f in flags),
        "per_category": {
            name: {
                "conversations": len(group),
                "follow_up_turns_right": share(ok for f in group for ok in f[1:]),
                "conversations_right": share(all(f) for f in group),
            }
            for name, group in sorted(categories.items())
        },
        "wrong": wrong,
    }


def category(name: str) -> str:
    """The bracketed first word of a conversation's name ("[typed] ..."), else "-"."""
    return name[1 : name.index("]")] if name.startswith("[") and "]" in name else "-"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m evaluation.conversations", description=__doc__.split("\n")[0]
    )
    parser.add_argument("file", nargs="?", type=Path, default=CONVERSATIONS)
    parser.add_argument("--url", help="REST webhook of a running assistant (default: start one)")
    parser.add_argument("--concurrency", type=int, default=4, help="conversations in flight")
    parser.add_argument("--out", type=Path, default=CONVERSATION_RESULTS, help="JSON results")
    args = parser.parse_args(argv)
    try:
        conversations = load(args.file)
    except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as exc:
        sys.exit(f"error: {args.file}: {exc!r}")
    with assistant(args.url) as (url, served_by):
        played = asyncio.run(play(url, conversations, args.concurrency))
    report = score(conversations, played)
    for name, row in report["per_category"].items():
        follow_ups, whole = row["follow_up_turns_right"], row["conversations_right"]
        print(f"  {name:<14} {row['conversations']:>3} conversations: follow-up turns right"
              f" {_pct(follow_ups)}, whole {_pct(whole)}")  # fmt: skip
    for miss in report["wrong"]:
        print(f"  {miss['conversation']} / turn {miss['turn']}: expected {miss['expected']}"
              f" {miss['expected_notices'] or ''}, got {miss['got']}")  # fmt: skip
    print(
        f"{report['conversations']} conversations, {report['turns']} turns: turns right"
        f" {100 * report['turns_right']:.1f}%, follow-up turns right"
        f" {100 * report['follow_up_turns_right']:.1f}%, conversations right from start to end"
        f" {100 * report['conversations_right']:.1f}%"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    details = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "assistant": served_by, **report}
    args.out.write_text(json.dumps(details, indent=2) + "\n")


if __name__ == "__main__":
    main()
