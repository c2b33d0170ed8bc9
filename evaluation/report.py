"""`python -m evaluation.report [--days 30] [--out var/report.html]`: the privacy team's report.

One self-contained HTML page (inline SVG and CSS: no script, no external file) with, over the
last `days` days (today included): the replies per day by topic, the helpful rate of the votes
per day, the largest themes of the unanswered questions and each topic's totals. It reads the
same daily counters (knowledge.counts) and themes (frontdoor.insights.top_themes) as
GET /agent/api/insights, from the database the front door uses ($DATABASE_URL,
$GAP_RETENTION_DAYS), so it holds counts and the redacted questions the insights show, nothing
else. The front doors write their counts every 10 s: the last seconds may not be in it yet.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections import defaultdict
from dataclasses import dataclass
from html import escape
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from evaluation.charts import day_label, horizontal_bars, rate_line, stacked_bars
from frontdoor.insights import top_themes
from frontdoor.settings import Settings
from knowledge.counts import COUNTS, TopicCounts
from knowledge.settings import database_url
from orchestration.paths import ROOT
from privacy.gaps import GapLog

DEFAULT_OUT = ROOT / "var" / "report.html"
REPLIES = ("answered", "clarified", "unanswered")
SHOWN_TOPICS = 5  # the topics with the most replies get a colour each, the others share one
# Okabe and Ito's colours, told apart with any colour vision; grey for the other topics
COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#8c8c8c")
STYLE = """
body { font: 16px/1.45 system-ui, sans-serif; color: #1a1a1a; margin: 0; background: #f4f6f9; }
main { max-width: 48rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; background: #fff; }
h1 { font-size: 1.5rem; color: #0d2f5c; }
h2 { font-size: 1.15rem; color: #0d2f5c; margin-top: 2rem; }
svg { width: 100%; height: auto; }
figure { margin: 0; }
.figures { display: flex; flex-wrap: wrap; gap: 0.75rem; padding: 0; list-style: none; }
.figures li { border: 1px solid #c5cdd8; border-radius: 0.5rem; padding: 0.5rem 0.8rem; }
.figures strong { display: block; font-size: 1.3rem; }
.legend { display: flex; flex-wrap: wrap; gap: 0.3rem 1rem; padding: 0; list-style: none; }
.legend span { display: inline-block; width: 0.9rem; height: 0.9rem; margin-right: 0.3rem;
  vertical-align: -0.1rem; }
table { border-collapse: collapse; font-size: 0.9rem; margin-top: 0.5rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #d9d9d9; text-align: right; }
th:first-child, td:first-child { text-align: left; }
summary { cursor: pointer; color: #0d2f5c; font-weight: 600; padding: 0.3rem 0; }
.muted { color: #555; }
""" + "".join(f".c{i} {{ background: {colour}; }}\n" for i, colour in enumerate(COLOURS))


@dataclass(frozen=True)
class Figures:
    """What the report shows: the days, the counts per day and topic, totals and themes."""

    days: list[dt.date]
    daily: list[dict]
    totals: list[dict]
    themes: list[dict]


def gather(url: str, retention_days: int, days: int, today: dt.date) -> Figures:
    """The counters and themes of the `days` days up to `today`."""
    since = today - dt.timedelta(days=days - 1)
    counts, gaps = TopicCounts(url), GapLog(url, retention_days)
    try:
        daily = [row for row in counts.daily(since) if row["day"] <= today]
        totals, themes = counts.totals(since), top_themes(gaps, since)
    finally:
        counts.close()
        gaps.close()
    period = [since + dt.timedelta(days=i) for i in range(days)]
    return Figures(period, daily, totals, themes)


def _replies(row: dict) -> int:
    return sum(row[count] for count in REPLIES)


def _rate(helpful: int, votes: int) -> str:
    return f"{100 * helpful / votes:.0f}%" if votes else "—"


def _table(head: list[str], rows: list[list[object]]) -> str:
    cells = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _data(table: str) -> str:
    return f"<details><summary>The figures as a table</summary>{table}</details>"


def volume_section(figures: Figures) -> str:
    shown = [row["topic"] for row in figures.totals if _replies(row)][:SHOWN_TOPICS]
    per_day: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for row in figures.daily:
        name = row["topic"] if row["topic"] in shown else "other topics"
        per_day[name][row["day"]] += _replies(row)
    names = [*shown, "other topics"] if "other topics" in per_day else shown
    series = [
        (name, COLOURS[i if name in shown else -1], [per_day[name][d] for d in figures.days])
        for i, name in enumerate(names)
    ]
    title = "Replies per day, by topic"
    if not series:
        return f"<h2>{title}</h2><p>No replies were counted in these days.</p>"
    legend = "".join(
        f'<li><span class="c{COLOURS.index(colour)}"></span>{escape(name)}</li>'
        for name, colour, _ in series
    )
    table = _table(
        ["Day", *names],
        [
            [day_label(d), *(values[i] for _, _, values in series)]
            for i, d in enumerate(figures.days)
        ],
    )
    chart = stacked_bars(
        f"{title}: the {len(shown)} topics with the most replies", figures.days, series
    )
    return (
        f'<h2>{title}</h2><figure>{chart}<figcaption><ul class="legend">{legend}</ul>'
        f"</figcaption></figure>{_data(table)}"
    )


def helpful_section(figures: Figures) -> str:
    helpful: dict[dt.date, int] = defaultdict(int)
    votes: dict[dt.date, int] = defaultdict(int)
    for row in figures.daily:
        helpful[row["day"]] += row["helpful"]
        votes[row["day"]] += row["helpful"] + row["not_helpful"]
    title = "Helpful rate per day"
    total_votes = sum(votes.values())
    if not total_votes:
        return f"<h2>{title}</h2><p>No answer was rated in these days.</p>"
    rates = [(helpful[d], votes[d]) for d in figures.days]
    chart = rate_line(
        f"{title}: the share of votes saying an answer helped", figures.days, rates, COLOURS[0]
    )
    table = _table(
        ["Day", "Helpful", "Votes", "Helpful rate"],
        [[day_label(d), h, v, _rate(h, v)] for d, (h, v) in zip(figures.days, rates, strict=True)],
    )
    overall = _rate(sum(helpful.values()), total_votes)
    return (
        f"<h2>{title}</h2><p>{overall} of {total_votes} votes said the answer helped "
        f'("Did this help?" under an answer). A day without votes has no point.</p>'
        f"<figure>{chart}</figure>{_data(table)}"
    )


def themes_section(figures: Figures) -> str:
    title = "Top unanswered themes"
    if not figures.themes:
        return f"<h2>{title}</h2><p>No unanswered question was kept in these days.</p>"
    items = [(theme["example"], theme["count"]) for theme in figures.themes]
    chart = horizontal_bars(f"{title}: conversations per theme", items, COLOURS[5])
    table = _table(["Conversations", "Example question"], [[n, text] for text, n in items])
    return (
        f"<h2>{title}</h2><p>Questions the assistant clarified or could not answer, grouped by "
        "similarity; each theme is shown by its question asked in the most conversations "
        f"(redacted, as kept).</p><figure>{chart}</figure>{_data(table)}"
    )


def topics_section(figures: Figures) -> str:
    rows = [
        [
            row["topic"],
            *(row[count] for count in COUNTS),
            _rate(row["helpful"], row["helpful"] + row["not_helpful"]),
        ]
        for row in figures.totals
    ]
    head = [
        "Topic",
        "Answered",
        "Clarified",
        "Unanswered",
        "Helpful",
        "Not helpful",
        "Helpful rate",
    ]
    table = _table(head, rows) if rows else "<p>No replies were counted in these days.</p>"
    return f"<h2>Per topic</h2>{table}"


def render(figures: Figures, made: dt.datetime) -> str:
    """The report as one HTML page."""
    first, last = figures.days[0], figures.days[-1]
    totals = {count: sum(row[count] for row in figures.totals) for count in COUNTS}
    votes = totals["helpful"] + totals["not_helpful"]
    summary = [
        ("Replies", sum(totals[count] for count in REPLIES)),
        ("Answered", totals["answered"]),
        ("Clarified", totals["clarified"]),
        ("Unanswered", totals["unanswered"]),
        ("Votes", votes),
        ("Helpful rate", _rate(totals["helpful"], votes)),
    ]
    figures_list = "".join(
        f"<li>{escape(name)}<strong>{value}</strong></li>" for name, value in summary
    )
    period = f"{first:%-d %B %Y} to {last:%-d %B %Y} ({len(figures.days)} days)"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Privacy assistant report, {escape(period)}</title><style>{STYLE}</style></head>"
        "<body><main><h1>Privacy assistant: report for the privacy team</h1>"
        f'<p>{escape(period)}. Made {made:%-d %B %Y, %H:%M} UTC. <span class="muted">Counters '
        "only: no conversation, person or time of day is in them.</span></p>"
        f'<ul class="figures">{figures_list}</ul>'
        f"{volume_section(figures)}{helpful_section(figures)}{themes_section(figures)}"
        f"{topics_section(figures)}</main></body></html>\n"
    )


def write(path: Path, page: str) -> None:
    """Write `page` to `path`, readable by its user only (it holds the kept questions)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.report", description=__doc__)
    parser.add_argument("--days", type=int, default=30, help="days up to today (default 30)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default: var/report.html")
    args = parser.parse_args(argv)
    if not 1 <= args.days <= 366:
        parser.error("--days must be from 1 to 366")
    try:
        settings = Settings.from_env()
        url = settings.database_url or database_url()
        figures = gather(url, settings.gap_retention_days, args.days, dt.date.today())
    except (ValueError, SQLAlchemyError) as error:
        print(f"report: {type(error).__name__}: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    write(args.out, render(figures, dt.datetime.now(dt.timezone.utc)))
    replies = sum(_replies(row) for row in figures.totals)
    print(f"Wrote {args.out}: {replies} replies, {len(figures.themes)} themes, {args.days} days.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
