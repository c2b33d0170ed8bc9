"""Train the Rasa model only when its inputs changed.

The model is named by a hash of everything training reads (config, domain, data,
pinned versions), so an unchanged repo reuses `models/<hash>.tar.gz` in a second.
Models of other configs (the comparisons in evaluation/experiments/) go to .build/models/, so that
`rasa shell` and `rasa test` keep picking the product's model from models/.
`python -m orchestration.train [CONFIG]` prints the model's path.
"""

import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from orchestration.paths import BUILD, DOMAIN, MODELS, ROOT

CONFIG = ROOT / "config.yml"
INPUTS = ["constraints.txt", "data/**/*.yml", "bot/*.py"]  # bot/: the custom components


def fingerprint(config: Path = CONFIG) -> str:
    """A short hash of the training inputs' paths and contents."""
    files = sorted({p for pattern in INPUTS for p in ROOT.glob(pattern)} | {DOMAIN})
    digest = hashlib.sha256(b"config\0" + config.read_bytes() + b"\0")
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def train(config: Path = CONFIG) -> Path:
    """The model for the current inputs, training it first if it does not exist yet."""
    config = config.resolve()
    out = MODELS if config == CONFIG else BUILD / "models"
    name = fingerprint(config)
    model = out / f"{name}.tar.gz"
    if model.exists():
        model.touch()  # the newest model is the one `rasa shell` and `rasa test` pick
        return model
    command = [*train_command(config), "--out", str(out), "--fixed-model-name", name]
    subprocess.run(command, cwd=ROOT, check=True)
    return model


def train_command(config: Path = CONFIG) -> list[str]:
    """`rasa train` of this repo's domain and data with `config`."""
    return [
        sys.executable,
        "-m",
        "rasa",
        "train",
        "--config",
        str(config),
        "--domain",
        str(DOMAIN),
        "--data",
        "data",
    ]


def full_train_seconds(command: list[str], cwd: Path) -> float:
    """Seconds of a forced full `command` (a `rasa train`) into a temporary folder, no cache."""
    with tempfile.TemporaryDirectory() as out:
        env = {**os.environ, "RASA_CACHE_DIRECTORY": str(Path(out) / "cache")}
        started = time.monotonic()
        subprocess.run(
            [*command, "--force", "--out", out],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        return time.monotonic() - started


if __name__ == "__main__":
    print(train(Path(sys.argv[1]) if len(sys.argv) > 1 else CONFIG))
