"""The wheel carries what a server runs (the shared contract, the Rasa plugins, the actions,
the knowledge base, the privacy rules and the front door) with every file that code reads,
and runs from it without the checkout."""

import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from orchestration.paths import ROOT

PACKAGES = ("contract", "actions", "bot", "knowledge", "privacy", "frontdoor")
# Run from the unpacked wheel: each module, and each file the code reads, comes from there.
FROM_THE_WHEEL = """
import json, sys
from pathlib import Path
import actions.answer, contract.routing, bot.action_server, bot.input_cleaner, bot.language
import bot.tracker_store, frontdoor.app, knowledge, privacy.redaction
from frontdoor.api import OPENAPI
from frontdoor.app import STATIC
from knowledge import read_content
from privacy.gap_policy import kept_text
from privacy.redaction import redact
site = Path(sys.argv[1])
for module in (actions.answer, bot.tracker_store, frontdoor.app, knowledge, privacy.redaction):
    assert Path(module.__file__).is_relative_to(site), module
assert not [m for m in sys.modules if m.split(".")[0] in ("orchestration", "evaluation")]
assert contract.routing.CLARIFY.candidates == 3  # routing.yml
assert len(read_content().notices) == 16  # topics.yml, content/*.yml, privacy-page.txt
assert redact("write to jane@example.com") == "write to [email]"  # redaction.yml
assert kept_text("Can Wiebke see my trips?") is None  # gap_policy.yml, gap_words.txt
assert kept_text("do you sell my data?") == "do you sell my data?"
assert json.loads(OPENAPI.read_text())["openapi"]
assert all((STATIC / page).is_file() for page in ("index.html", "agent.html", "widget.js"))
print("ok")
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """The wheel built from a copy of the sources (the build leaves nothing in the work tree)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in PACKAGES:
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(ROOT / package, source / package, ignore=ignore)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    done = subprocess.run(
        [*command, "--quiet", "-w", str(tmp / "dist"), str(source)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (built,) = (tmp / "dist").glob("privacy_assistant-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_holds_every_file_of_the_packages(wheel):
    tracked = subprocess.run(
        ["git", "ls-files", *PACKAGES], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(tracked) > 50 and "frontdoor/static/index.html" in tracked
    assert set(tracked) - set(wheel.namelist()) == set()


def test_the_code_runs_from_the_unpacked_wheel(wheel, tmp_path):
    site = tmp_path / "site"
    wheel.extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", FROM_THE_WHEEL, str(site)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.stdout.strip() == "ok", done.stderr[-3000:]
