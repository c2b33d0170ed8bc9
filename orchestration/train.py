"""Train the Rasa model only when its inputs changed.

The model is named by a hash of everything training reads (config, domain, data,
pinned versions), so an unchanged repo reuses `models/<hash>.tar.gz` in a second.
Models of other configs (the comparisons in evaluation/experiments/) go to .build/models/, so that
`rasa shell` and `rasa test` keep picking the product's model from models/.
`python -m orchestration.train [CONFIG]` prints the model's path. When the knowledge base's
aliases (data/nlu/generated/services.yml) or other NLU examples change, `make knowledge` and a
running `make run` say that the model in use was trained on others (RETRAIN).
"""

import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from contract.environment import RASA_ENVIRONMENT
from orchestration import supervisor
from orchestration.paths import BUILD, DOMAIN, MODELS, ROOT

CONFIG = ROOT / "config.yml"
# bot/: the custom components; requirements-finetune.txt: the fine-tuning venv's packages
INPUTS = ["constraints.txt", "requirements-finetune.txt", "data/**/*.yml", "bot/*.py"]
RETRAIN = (
    "Retraining needed: {changed} changed since model {model}. An assistant running now answers"
    " with the new content, but its NLU knows only the aliases and examples it was trained on"
    " until `make run` is started again, which trains a new model first (about 5 minutes)."
)


def _files(root: Path) -> list[Path]:
    return sorted({p for pattern in INPUTS for p in root.glob(pattern)} | {root / DOMAIN.name})


def fingerprint(config: Path = CONFIG, root: Path = ROOT) -> str:
    """A short hash of the training inputs' paths and contents."""
    digest = hashlib.sha256(b"config\0" + config.read_bytes() + b"\0")
    for path in _files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def digests(config: Path = CONFIG, root: Path = ROOT) -> dict[str, str]:
    """Each training input's path -> a hash of its content: what says which of them changed."""
    files = [config.resolve(), *_files(root)]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def model_path(config: Path = CONFIG) -> Path:
    """Where the model of the current training inputs is, trained or not."""
    config = config.resolve()
    return (MODELS if config == CONFIG else BUILD / "models") / f"{fingerprint(config)}.tar.gz"


class Retraining:
    """Says, once per change, when the training inputs are no longer those of `model`."""

    def __init__(self, model: Path, root: Path = ROOT):
        self.model, self.root = model.name.removesuffix(".tar.gz"), root
        self.trained = digests(root / CONFIG.name, root)
        self.told = self.model  # the inputs' fingerprint last told about (or the model's)

    def news(self) -> str | None:
        """RETRAIN naming the inputs changed since the model, when they changed since the last
        call (and are not the model's again); else None."""
        now = fingerprint(self.root / CONFIG.name, self.root)
        if now in (self.told, self.model):
            self.told = now
            return None
        self.told = now
        current = digests(self.root / CONFIG.name, self.root)
        changed = sorted(
            p for p in current.keys() | self.trained.keys() if current.get(p) != self.trained.get(p)
        )
        return RETRAIN.format(changed=", ".join(changed), model=self.model)


def train(config: Path = CONFIG) -> Path:
    """The model for the current inputs, training it first if it does not exist yet."""
    config = config.resolve()
    model = model_path(config)
    if model.exists():
        model.touch()  # the newest model is the one `rasa shell` and `rasa test` pick
        return model
    name = model.name.removesuffix(".tar.gz")
    command = [*train_command(config), "--out", str(model.parent), "--fixed-model-name", name]
    supervisor.run(command, cwd=ROOT, env={**os.environ, **RASA_ENVIRONMENT}, check=True)
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
        env = {**os.environ, **RASA_ENVIRONMENT, "RASA_CACHE_DIRECTORY": str(Path(out) / "cache")}
        started = time.monotonic()
        supervisor.run(
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
