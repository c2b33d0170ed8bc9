"""The settings registry (contract.environment): the README's table lists it, every process
reads through it, and a bad value is refused by name without showing a secret."""

import ast
import os
import re
import subprocess
import sys

import pytest

from contract import environment
from contract.environment import PROCESSES, VARIABLES
from orchestration.paths import ROOMS, ROOT

ROW = re.compile(
    r"^\| `(?P<name>[A-Z0-9_]+)` \| (?P<default>[^|]*) \| (?P<secret>[^|]*) \| (?P<by>[^|]*) \|"
)


def readme_rows() -> dict[str, dict[str, str]]:
    """The rows of the README's settings table, by variable name."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Ports and settings", 1)[1].split("\n## ")[0]
    rows = {}
    for line in section.splitlines():
        if match := ROW.match(line):
            assert match["name"] not in rows, f"{match['name']} twice"
            rows[match["name"]] = {key: value.strip() for key, value in match.groupdict().items()}
    return rows


def shown(default: object) -> str:
    return f"{default:g}" if isinstance(default, float) else str(default)


def test_the_readme_lists_each_setting_once_and_no_other():
    settings = {name for name, variable in VARIABLES.items() if not variable.internal}
    assert set(readme_rows()) == settings


@pytest.mark.parametrize("name", sorted(n for n, v in VARIABLES.items() if not v.internal))
def test_the_readme_gives_each_settings_default_secrecy_and_readers(name):
    row, variable = readme_rows()[name], VARIABLES[name]
    if variable.default in (None, "", ()):  # no value: the README says what happens instead
        assert row["default"] and not row["default"].startswith("`"), name
    else:
        assert row["default"] == f"`{shown(variable.default)}`", name
    assert row["secret"] == ("yes" if variable.secret else ""), name
    assert set(row["by"].split(", ")) == variable.processes, name


def test_the_processes_are_known():
    for variable in VARIABLES.values():
        assert variable.processes and variable.processes <= PROCESSES, variable.name
        assert variable.description, variable.name


def test_a_value_is_parsed_and_blank_is_unset():
    assert environment.value("RASA_PORT", {"RASA_PORT": " 5105 "}) == 5105
    assert environment.value("RASA_PORT", {"RASA_PORT": "  "}) == 5005
    assert environment.value("ACTION_TIMEOUT", {}) == 2.0
    assert environment.value("CORS_ORIGINS", {"CORS_ORIGINS": "https://a.example, ,"}) == (
        "https://a.example",
    )
    assert environment.value("ALLOWED_HOSTS", {"ALLOWED_HOSTS": "Example.COM"}) == ("example.com",)
    assert environment.value("REDIS_URL", {}) is None


def test_a_bad_value_is_refused_naming_the_variable():
    with pytest.raises(ValueError, match=r"^RASA_INSTANCES must be a whole number, not 'two'$"):
        environment.value("RASA_INSTANCES", {"RASA_INSTANCES": "two"})


def test_a_bad_secret_is_refused_without_showing_it(monkeypatch):
    monkeypatch.setitem(VARIABLES, "RASA_TOKEN", _with(VARIABLES["RASA_TOKEN"], int))
    with pytest.raises(ValueError) as refused:
        environment.value("RASA_TOKEN", {"RASA_TOKEN": "s3cret-token"})
    assert str(refused.value) == "RASA_TOKEN must be a whole number"


def _with(variable: environment.Variable, parse) -> environment.Variable:
    return environment.Variable(
        variable.name, parse, None, variable.processes, variable.description, variable.secret
    )


def test_an_unknown_variable_cannot_be_read():
    with pytest.raises(KeyError):
        environment.value("NOT_A_SETTING", {})


def environment_reads(path) -> list[str]:
    """`os.environ` and `os.getenv` in `path`, other than passing the whole environment on."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "environb"}:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


# Passing this process's whole environment on to a child, or setting a third-party library's
# variable in an experiment: no variable is read there.
NOT_READS = {
    "orchestration/stack.py",  # running() passes on os.environ's PROCESS_ and SETTING_VARIABLES
    "orchestration/train.py",  # `rasa train` inherits the environment
    "evaluation/experiments/presidio_redaction.py",  # sets TLDEXTRACT_CACHE for a library
    "bot/finetune.py",  # sets HF_HUB_OFFLINE for transformers
}


def test_the_product_reads_the_environment_only_through_the_registry():
    reads = [
        read
        for room in ROOMS
        for path in sorted((ROOT / room).rglob("*.py"))
        if str(path.relative_to(ROOT)) not in {"contract/environment.py", *NOT_READS}
        for read in environment_reads(path)
    ]
    assert reads == []


def test_importing_bot_leaves_the_environment_alone_and_entry_points_set_rasas():
    env = {k: v for k, v in os.environ.items() if k not in environment.RASA_ENVIRONMENT}
    code = (
        "import os, bot, bot.supervised, subprocess, sys\n"
        "print(os.environ.get('RASA_TELEMETRY_ENABLED'))\n"
        "from contract import environment\n"
        "environment.set_rasa_environment()\n"
        "subprocess.run([sys.executable, '-c', "
        "'import os; print(os.environ[\"RASA_TELEMETRY_ENABLED\"])'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.stdout.split() == ["None", "false"], done.stderr
