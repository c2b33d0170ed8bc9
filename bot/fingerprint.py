"""Rasa caches a trained component by its config and inputs, not by its code: editing a custom
component's module would leave `rasa train` restoring what the old code trained. Components
that mix in SourceFingerprint add a hash of their source files to Rasa's cache key
(`fingerprint_addon`), so an edit retrains them and everything after them."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]  # the wheel has bot/, not orchestration/


class SourceFingerprint:
    """`fingerprint_addon`: a hash of FINGERPRINT_FILES (repository paths), by default the
    component's own module."""

    FINGERPRINT_FILES: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str:
        files = cls.FINGERPRINT_FILES or (cls.__module__.replace(".", "/") + ".py",)
        digest = hashlib.sha256()
        for name in files:
            digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
        return digest.hexdigest()
