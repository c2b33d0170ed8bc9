"""Every custom component of config.yml retrains when its code changes, not only its config."""

import importlib
import shutil

import pytest
import yaml

from bot import fingerprint
from bot.fingerprint import ROOT, SourceFingerprint
from bot.intent_blend import IntentBlend

CUSTOM = [
    c["name"]
    for c in yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    if c["name"].startswith("bot.")
]


def component(name: str) -> type:
    module, _, cls = name.rpartition(".")
    return getattr(importlib.import_module(module), cls)


@pytest.mark.parametrize("name", CUSTOM)
def test_a_custom_component_is_fingerprinted_by_its_source(name):
    assert issubclass(component(name), SourceFingerprint)


def test_the_source_is_the_module_and_what_of_ours_it_imports():
    recogniser = fingerprint.source_files("bot.service_recogniser")
    assert {"bot/service_recogniser.py", "contract/topics.py"} <= set(recogniser)
    assert all(name.partition("/")[0] in fingerprint.PACKAGES for name in recogniser)
    assert {"bot/finetune.py", "bot/minilm.py", "bot/language.py"} <= set(
        fingerprint.source_files("bot.intent_blend")
    )


@pytest.mark.parametrize(
    ("cls", "edited"),
    [
        (component("bot.service_recogniser.ServiceRecogniser"), "bot/service_recogniser.py"),
        (component("bot.service_recogniser.ServiceRecogniser"), "contract/topics.py"),
        (IntentBlend, "bot/finetune.py"),
        (IntentBlend, "bot/intent_blend.py"),
        (IntentBlend, "bot/language.py"),
        (IntentBlend, "requirements-finetune.txt"),
    ],
)
def test_an_edit_changes_the_fingerprint(tmp_path, monkeypatch, cls, edited):
    for name in {*fingerprint.source_files(cls.__module__), *cls.FINGERPRINT_FILES}:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, tmp_path / name)
    monkeypatch.setattr(fingerprint, "ROOT", tmp_path)
    before = cls.fingerprint_addon({})
    assert cls.fingerprint_addon({}) == before
    (tmp_path / edited).write_text((ROOT / edited).read_text() + "\n# edited\n")
    assert cls.fingerprint_addon({}) != before
