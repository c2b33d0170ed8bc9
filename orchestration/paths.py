"""Where things live in a checkout (the build, run and measuring commands work on one)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / ".build"
SPACY_MODEL = BUILD / "spacy_en_privacy"
NLU_DIR = ROOT / "data" / "nlu"
SERVICES_NLU = NLU_DIR / "services.yml"
REALWORLD = ROOT / "data" / "realworld" / "privacyqa.yml"
REALWORLD_NLU = NLU_DIR / "realworld.yml"
MODELS = ROOT / "models"
DOMAIN = ROOT / "domain.yml"
ENDPOINTS = ROOT / "endpoints.yml"
CREDENTIALS = ROOT / "credentials.yml"
