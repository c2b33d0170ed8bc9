"""Unanswered questions grouped into themes by similarity, for privacy teams.

The questions are the redacted entries of privacy.gaps. Each is read as its character 3- to
5-grams within words (which match "sell" with "selling" and bear typos), without English stop
words, the words nearly every question here has ("data", "information") and the redaction's
placeholders ("[number]"), weighted by TF-IDF; questions whose average cosine distance stays
under DISTANCE join one theme (agglomerative clustering, average linkage). The same questions
give the same themes, whatever order they come in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import (
    ENGLISH_STOP_WORDS,
    TfidfVectorizer,
)
from sklearn.metrics.pairwise import cosine_distances

DISTANCE = 0.75  # chosen by reading the themes it gives PrivacyQA's train-split questions
# in nearly every question asked here: they tell no theme from another
COMMON_WORDS = ENGLISH_STOP_WORDS | {"data", "information", "info", "personal"}
_PLACEHOLDER = re.compile(r"\[[a-z]+\]")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Theme:
    """Questions alike: in how many conversations they were asked, and the one most asked."""

    count: int
    example: str


def themes(questions: Sequence[tuple[str, int]]) -> list[Theme]:
    """The themes of `questions` (text, conversations that asked it), the most asked first.

    A theme's example is its question asked in the most conversations, then the one closest to
    the others.
    """
    asked: dict[str, int] = {}
    for text, conversations in questions:
        asked[text] = asked.get(text, 0) + conversations
    texts = sorted(asked)
    if not texts:
        return []
    distances = _distances(texts)
    if len(texts) == 1:
        labels = np.zeros(1, dtype=int)
    else:
        clustering = AgglomerativeClustering(
            n_clusters=None, affinity="precomputed", linkage="average", distance_threshold=DISTANCE
        )
        labels = clustering.fit_predict(distances)
    found = []
    for label in set(labels.tolist()):
        members = np.flatnonzero(labels == label)
        spread = distances[np.ix_(members, members)].mean(axis=1)
        best = min(range(len(members)), key=lambda i: (-asked[texts[members[i]]], spread[i], i))
        count = sum(asked[texts[i]] for i in members)
        found.append(Theme(count, texts[members[best]]))
    return sorted(found, key=lambda theme: (-theme.count, theme.example))


def _distances(texts: list[str]) -> np.ndarray:
    """Cosine distances between the texts' TF-IDF vectors (1 from a text with no n-gram)."""
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, preprocessor=_words
    )
    try:
        vectors = vectorizer.fit_transform(texts)
    except ValueError:  # not one n-gram in any text
        return 1 - np.eye(len(texts))
    distances = cosine_distances(vectors)
    empty = vectors.getnnz(axis=1) == 0
    distances[empty, :] = distances[:, empty] = 1
    np.fill_diagonal(distances, 0)
    return distances


def _words(text: str) -> str:
    """`text` lowercased, as its words less COMMON_WORDS and placeholders."""
    words = _WORD.findall(_PLACEHOLDER.sub(" ", text.lower()))
    return " ".join(word for word in words if word not in COMMON_WORDS)
