"""Where the knowledge base lives: DATABASE_URL, or a SQLite file under <repo>/var/."""

import os
from pathlib import Path

KNOWLEDGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = KNOWLEDGE_DIR.parent
CONTENT_DIR = KNOWLEDGE_DIR / "content"
TOPICS_PATH = KNOWLEDGE_DIR / "topics.yml"
PAGE_PATH = KNOWLEDGE_DIR / "privacy-page.txt"
DEFAULT_DATABASE_PATH = REPO_ROOT / "var" / "knowledge.sqlite"


def database_url() -> str:
    """$DATABASE_URL if set, else the default SQLite file (its directory is created)."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    DEFAULT_DATABASE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_DATABASE_PATH}"
