"""Where things live in the repo."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / ".build"
SPACY_MODEL = BUILD / "spacy_en_privacy"
SERVICES_NLU = ROOT / "data" / "nlu" / "services.yml"
REALWORLD = ROOT / "data" / "realworld" / "privacyqa.yml"
REALWORLD_NLU = ROOT / "data" / "nlu" / "realworld.yml"
MODELS = ROOT / "models"
DOMAIN = ROOT / "bot" / "domain.yml"
ENDPOINTS = ROOT / "bot" / "endpoints.yml"
CREDENTIALS = ROOT / "bot" / "credentials.yml"
