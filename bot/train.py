"""Train the Rasa model only when its inputs changed.

The model is named by a hash of everything training reads (config, domain, data,
pinned versions), so an unchanged repo reuses `models/<hash>.tar.gz` in a second.
`python -m bot.train` prints the model's path.
"""

import hashlib
import subprocess
import sys
from pathlib import Path

from bot.paths import DOMAIN, MODELS, ROOT

INPUTS = ["config.yml", "constraints.txt", "data/**/*.yml"]


def fingerprint() -> str:
    """A short hash of the training inputs' paths and contents."""
    files = sorted({p for pattern in INPUTS for p in ROOT.glob(pattern)} | {DOMAIN})
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def train(config: Path = ROOT / "config.yml", name: str | None = None) -> Path:
    """The model for the current inputs, training it first if it does not exist yet."""
    name = name or fingerprint()
    model = MODELS / f"{name}.tar.gz"
    if model.exists():
        model.touch()  # the newest model is the one `rasa shell` and `rasa test` pick
        return model
    command = [
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
        "--out",
        str(MODELS),
        "--fixed-model-name",
        name,
    ]
    subprocess.run(command, cwd=ROOT, check=True)
    return model


if __name__ == "__main__":
    print(train())
