"""Knowledge base of the privacy assistant: YAML content, its loader, its query API and the
read model (Catalog) that the actions and the front door are given."""

from knowledge.catalog import Catalog
from knowledge.loader import KnowledgeError, load, read_content
from knowledge.store import Answer, KnowledgeStore, Notice, Topic, normalize

__all__ = [
    "Answer",
    "Catalog",
    "KnowledgeError",
    "KnowledgeStore",
    "Notice",
    "Topic",
    "load",
    "normalize",
    "read_content",
]
