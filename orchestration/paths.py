"""Where things live in a checkout (the build, run and measuring commands work on one)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The product's Python packages, one per room (README, "Layout").
ROOMS = (
    "actions",
    "bot",
    "contract",
    "evaluation",
    "frontdoor",
    "knowledge",
    "orchestration",
    "privacy",
)
BUILD = ROOT / ".build"
SPACY_MODEL = BUILD / "spacy_en_privacy"
NLU_DIR = ROOT / "data" / "nlu"  # hand-written, and generated/ (orchestration.generate)
GENERATED_NLU = NLU_DIR / "generated"
LANGUAGES_NLU = NLU_DIR / "languages"  # the examples in the other languages answered
SERVICES_NLU = GENERATED_NLU / "services.yml"
REALWORLD = ROOT / "data" / "realworld" / "privacyqa.yml"
REALWORLD_NLU = GENERATED_NLU / "realworld.yml"
MODELS = ROOT / "models"
DOMAIN = ROOT / "domain.yml"
ENDPOINTS = ROOT / "endpoints.yml"
CREDENTIALS = ROOT / "credentials.yml"


def nlu_files() -> list[Path]:
    """The NLU data files, hand-written and generated, in the order of their names."""
    return sorted(NLU_DIR.rglob("*.yml"), key=lambda path: path.name)


def english_nlu_files() -> list[Path]:
    """The NLU data files but those of the other languages answered (LANGUAGES_NLU)."""
    return [path for path in nlu_files() if not path.is_relative_to(LANGUAGES_NLU)]
