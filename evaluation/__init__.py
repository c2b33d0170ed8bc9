"""The measuring commands: accuracy (`make eval`), speed (`make bench`), configs compared
(`make compare`), cross-validation and fallback tuning. They measure on the sets of DATA;
their latest figures are in RESULTS."""

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
RESULTS = Path(__file__).resolve().parent / "results"
