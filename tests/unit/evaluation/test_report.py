"""The privacy team's report: one self-contained page of charts drawn from the counters."""

import datetime as dt
import re
import stat
from html.parser import HTMLParser

import pytest

from evaluation import report
from evaluation.charts import nice_step
from knowledge.counts import TopicCounts
from privacy.gaps import GapLog

TODAY = dt.date(2026, 12, 3)
MADE = dt.datetime(2026, 12, 3, 22, 50, tzinfo=dt.timezone.utc)


class Page(HTMLParser):
    """The tags and attributes of a page, and its text."""

    def __init__(self, page: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture
def counted(database_url):
    """A database with 30 days of counts and some unanswered questions."""
    counts, gaps = TopicCounts(database_url), GapLog(database_url)
    try:
        for days_ago in range(35):
            day = TODAY - dt.timedelta(days=days_ago)
            counts.add(
                {
                    (day, "retention", "answered"): 3,
                    (day, "policy.no_sale", "answered"): 2,
                    (day, "out_of_scope", "unanswered"): 1,
                    (day, "retention", "helpful"): days_ago % 3,
                    (day, "retention", "not_helpful"): 1 if days_ago % 2 else 0,
                }
            )
        for topic in ("a", "b", "c", "d", "e", "f"):  # more topics than colours: "other topics"
            counts.add({(TODAY, f"topic.{topic}", "clarified"): 1})
        for question in [
            "how long do you keep my tracker data?",
            "how long is my tracker data kept?",
            "who sees my data & why <3",  # kept as "... <[number]"
            "what is the capital of peru",
        ]:
            gaps.record(question, "clarify", [], TODAY)
        gaps.record("a question of last year about cookies", "clarify", [], TODAY.replace(2025))
    finally:
        counts.close()
        gaps.close()
    return database_url


def test_the_report_is_one_page_without_script_or_external_file(counted):
    page = report.render(report.gather(counted, 400, 30, TODAY), MADE)
    parsed = Page(page)
    tags = {tag for tag, _ in parsed.tags}
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert not re.search(r"https?:|//[a-z]|url\(|@import", page, re.IGNORECASE)
    assert not [attrs for _, attrs in parsed.tags if any(k.startswith("on") for k in attrs)]
    charts = [attrs for tag, attrs in parsed.tags if tag == "svg"]
    assert len(charts) == 3
    assert all(attrs["role"] == "img" and attrs["aria-label"] for attrs in charts)
    text = "".join(parsed.text)
    assert "4 November 2026 to 3 December 2026 (30 days)" in text
    assert "who sees my data & why <[number]" in text  # shown as text only
    assert "why &lt;[number]" in page


def test_the_charts_show_the_days_topics_votes_and_themes(counted):
    figures = report.gather(counted, 400, 30, TODAY)
    assert figures.days[0] == TODAY - dt.timedelta(days=29) and figures.days[-1] == TODAY
    assert {row["day"] for row in figures.daily} <= set(figures.days)
    page = report.render(figures, MADE)
    rects = re.findall(r"<rect [^>]*><title>([^<]+)</title>", page)
    assert "3 Dec, retention: 3" in rects and "3 Dec, other topics: 4" in rects
    assert len([r for r in rects if r.startswith("4 Nov,")]) == 3  # a bar per series that day
    assert not [r for r in rects if r.startswith("3 Nov,")]  # before the period
    points = re.findall(r"<circle [^>]*><title>([^<]+)</title>", page)
    assert "3 Dec: 100% (0 of 0)" not in points  # a day without votes has no point
    assert "2 Dec: 50% (1 of 2)" in points  # 1 day ago: 1 helpful, 1 not
    votes = sum(d % 3 + d % 2 for d in range(30))
    helpful = sum(d % 3 for d in range(30))
    assert f"{100 * helpful / votes:.0f}% of {votes} votes said the answer helped" in page
    themes = [theme["example"] for theme in figures.themes]
    assert themes[0] == "how long do you keep my tracker data?"
    assert "a question of last year about cookies" not in page
    legend = re.findall(r'<li><span class="c\d"></span>([^<]+)</li>', page)
    assert legend == [
        "retention",
        "policy.no_sale",
        "out_of_scope",
        "topic.a",
        "topic.b",
        "other topics",
    ]


def test_an_empty_period_says_so(database_url):
    page = report.render(report.gather(database_url, 90, 7, TODAY), MADE)
    assert "No replies were counted in these days." in page
    assert "No answer was rated in these days." in page
    assert "No unanswered question was kept in these days." in page
    assert "<svg" not in page


@pytest.mark.parametrize(
    ("largest", "step"), [(0, 1), (1, 1), (4, 1), (5, 2), (9, 5), (30, 10), (1234, 500)]
)
def test_gridlines_are_few_and_round(largest, step):
    assert nice_step(largest) == step


def test_make_report_writes_a_private_file(counted, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", counted)
    out = tmp_path / "reports" / "report.html"
    assert report.main(["--days", "7", "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    assert "(7 days)" in out.read_text()
    assert capsys.readouterr().out.startswith(f"Wrote {out}: ")
    with pytest.raises(SystemExit):
        report.main(["--days", "0", "--out", str(out)])
