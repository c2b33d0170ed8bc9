"""Rasa caches a trained component by its config and inputs, not by its code: editing a custom
component's module, or a module of ours it uses, would leave `rasa train` restoring what the old
code trained. Components that mix in SourceFingerprint add a hash of that source to Rasa's cache
key (`fingerprint_addon`), so an edit retrains them and everything after them."""

from __future__ import annotations

import ast
import hashlib
import importlib.machinery
import importlib.util
from pathlib import Path
from typing import Any, ClassVar

_CODE = Path(__file__).resolve().parents[1]
ROOT = _CODE  # the wheel has bot/, not orchestration/
PACKAGES = ("actions", "bot", "contract", "frontdoor", "knowledge", "privacy")  # pyproject's


def source_files(module: str) -> list[str]:
    """The repository paths of `module` and of every module of PACKAGES it imports (anywhere
    in its source), transitively."""
    found: dict[str, str] = {}
    todo = [module]
    while todo:
        name = todo.pop()
        spec = _spec(name) if name.partition(".")[0] in PACKAGES else None
        if name in found or spec is None or spec.origin is None:
            continue
        path = Path(spec.origin).resolve()
        found[name] = path.relative_to(_CODE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                todo += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return sorted(found.values())


def _spec(name: str) -> importlib.machinery.ModuleSpec | None:
    """The module `name`'s spec; None when it is no module (a name imported from one)."""
    try:
        return importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return None


class SourceFingerprint:
    """`fingerprint_addon`: a hash of the component's module and the modules of ours it imports
    (source_files), and of FINGERPRINT_FILES (other repository files its training reads)."""

    FINGERPRINT_FILES: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str:
        digest = hashlib.sha256()
        for name in sorted({*source_files(cls.__module__), *cls.FINGERPRINT_FILES}):
            digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
        return digest.hexdigest()
