"""Rasa's environment is set in one place, for every process this repo starts."""

import os
import subprocess
import sys

from orchestration.paths import ROOT


def test_importing_bot_turns_telemetry_off_for_the_process_and_its_children():
    env = {k: v for k, v in os.environ.items() if k != "RASA_TELEMETRY_ENABLED"}
    env["RASA_TELEMETRY_ENABLED"] = "true"
    code = (
        "import bot, os, subprocess, sys; print(os.environ['RASA_TELEMETRY_ENABLED']); "
        "subprocess.run([sys.executable, '-c', "
        "'import os; print(os.environ[\"RASA_TELEMETRY_ENABLED\"])'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.stdout.split() == ["false", "false"]
