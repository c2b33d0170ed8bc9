"""`python -m knowledge load` as the Makefile runs it."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

from knowledge import KnowledgeStore
from knowledge.settings import REPO_ROOT


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "knowledge", *args],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_load_succeeds_with_a_one_line_summary(database_url, dump):
    result = run("load", "--database-url", database_url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert "32 answer rows" in lines[0] and "16 notice rows" in lines[0]
    with KnowledgeStore(database_url) as store:
        assert store.answer("policy.no_sale").notices[0].id == "notice.company"


def test_load_uses_database_url_from_the_environment(tmp_path):
    path = tmp_path / "from-env.sqlite"
    result = run("load", env={"DATABASE_URL": f"sqlite:///{path}"})
    assert result.returncode == 0, result.stderr
    assert path.stat().st_size > 0


def test_bad_content_exits_1_without_traceback(loaded_url, dump, content_copy):
    before = dump(loaded_url)
    path = content_copy / "answers.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["answers"][0]["service"] = "sometimes"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run("load", "--database-url", loaded_url, "--content-dir", str(content_copy))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{path}: answer 'principle.priority': service must be one of" in result.stderr
    assert result.stdout == ""
    assert dump(loaded_url) == before


def test_bad_database_url_exits_1_without_traceback(tmp_path: Path):
    for url in ("nosuchdialect://nowhere", f"sqlite:///{tmp_path}/missing/dir/kb.sqlite"):
        result = run("load", "--database-url", url)
        assert result.returncode == 1, url
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("knowledge: database error:"), result.stderr
