"""The measuring commands: accuracy (`make eval`), speed (`make bench`), configs compared
(`make compare`), cross-validation and fallback tuning. Their latest figures are in RESULTS."""

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
