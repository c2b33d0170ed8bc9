"""`python -m knowledge load [--database-url URL]`: validate the content and load it.
`python -m knowledge translations`: list, per language, the stale and the missing translations."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from knowledge.live import RELOAD_EVERY_S
from knowledge.loader import KnowledgeError, load, read_content
from knowledge.settings import CONTENT_DIR, database_url
from knowledge.store import KnowledgeStore
from knowledge.translation import stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    load_command = commands.add_parser("load", help="validate the YAML and (re)load the database")
    load_command.add_argument(
        "--database-url", help="default: $DATABASE_URL, else sqlite:///<repo>/var/knowledge.sqlite"
    )
    load_command.add_argument(
        "--content-dir", type=Path, default=CONTENT_DIR, help="default: knowledge/content"
    )
    translations_command = commands.add_parser(
        "translations", help="list the stale and missing translations of each language"
    )
    translations_command.add_argument(
        "--content-dir", type=Path, default=CONTENT_DIR, help="default: knowledge/content"
    )
    args = parser.parse_args(argv)
    if args.command == "translations":
        return translations(args.content_dir)

    try:
        url = args.database_url or database_url()
        counts = load(url, content_dir=args.content_dir)
        with KnowledgeStore(url) as store:
            version = store.version()
        shown = make_url(url).render_as_string(hide_password=True)
    except KnowledgeError as error:
        print(f"knowledge: {error}", file=sys.stderr)
        return 1
    except (SQLAlchemyError, ImportError, OSError) as error:
        print(f"knowledge: database error: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    summary = ", ".join(
        f"{count} {table.replace('_', ' ')} rows" for table, count in counts.items()
    )
    print(
        f"Loaded knowledge base into {shown}: {summary}; version {version}, which running"
        f" assistants poll for every {RELOAD_EVERY_S:.0f} s and answer with."
    )
    return 0


def translations(content_dir: Path) -> int:
    """Print each language's stale (English edited since) and missing translations."""
    try:
        content = read_content(content_dir)
    except KnowledgeError as error:
        print(f"knowledge: {error}", file=sys.stderr)
        return 1
    for code, texts in content.translations.items():
        old, missing = stale(texts, content.english)
        current = len(content.english) - len(old) - len(missing)
        print(f"{code}: {current} current, {len(old)} stale, {len(missing)} missing")
        for key in old:
            print(f"  stale: {key}")
        for key in missing:
            print(f"  missing: {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
