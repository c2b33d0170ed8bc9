"""Where the knowledge base lives: DATABASE_URL, or a SQLite file under <repo>/var/."""

import os
from pathlib import Path

from contract import environment

KNOWLEDGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = KNOWLEDGE_DIR.parent
CONTENT_DIR = KNOWLEDGE_DIR / "content"
TOPICS_PATH = KNOWLEDGE_DIR / "topics.yml"
PAGE_PATH = KNOWLEDGE_DIR / "privacy-page.txt"
DEFAULT_DATABASE_PATH = REPO_ROOT / "var" / "knowledge.sqlite"


def database_url() -> str:
    """$DATABASE_URL if set, else the default SQLite file, readable by its user only (0600 in
    a 0700 directory; SQLite gives its journal the file's mode)."""
    url = environment.value("DATABASE_URL")
    if url:
        return url
    folder = DEFAULT_DATABASE_PATH.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    os.close(os.open(DEFAULT_DATABASE_PATH, os.O_CREAT | os.O_WRONLY, 0o600))
    DEFAULT_DATABASE_PATH.chmod(0o600)
    return f"sqlite:///{DEFAULT_DATABASE_PATH}"
