"""The wheel carries every package and every file the code reads from them, and runs from it."""

import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from bot.paths import ROOT

PACKAGES = ("actions", "bot", "knowledge", "experiments")
# Run from the unpacked wheel: each module, and each file the code reads, comes from there.
FROM_THE_WHEEL = """
import json, sys
from pathlib import Path
import actions.routing, bot, experiments
from bot.frontdoor.api import OPENAPI
from bot.frontdoor.app import STATIC
from bot.paths import CREDENTIALS, DOMAIN, ENDPOINTS
from knowledge import read_content
from knowledge.redaction import redact
site = Path(sys.argv[1])
for module in (actions.routing, bot, experiments):
    assert Path(module.__file__).is_relative_to(site), module
assert actions.routing.CLARIFY.candidates == 3
assert len(read_content().notices) == 16  # topics.yml, content/*.yml, privacy-page.txt
assert redact("write to jane@example.com") == "write to [email]"  # redaction.yml
assert json.loads(OPENAPI.read_text())["openapi"]
assert all((STATIC / page).is_file() for page in ("index.html", "agent.html", "widget.js"))
assert all(path.is_file() for path in (CREDENTIALS, DOMAIN, ENDPOINTS))
assert Path(experiments.__file__).with_name("config_ted.yml").is_file()
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
    assert len(tracked) > 70 and "bot/frontdoor/static/index.html" in tracked
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
