"""Knowledge base of the privacy assistant: YAML content, its loader and its query API."""

from knowledge.loader import KnowledgeError, load, read_content
from knowledge.store import Answer, KnowledgeStore, Notice, normalize

__all__ = [
    "Answer",
    "KnowledgeError",
    "KnowledgeStore",
    "Notice",
    "load",
    "normalize",
    "read_content",
]
