"""The keyphrase corpora for `bench tags`, read straight from their zips, and the rule that matches a tag.

Both corpora come as published by the YAKE authors' collection (`../shared/data/keyphrase/README.md`):
`<name>/docsutf8/<id>.txt` with `<name>/keys/<id>.key` (one gold keyphrase a line). In 500N-KPCrowd the
category is the file name's prefix (`sports-…`, `politics_world-…`). Nothing is extracted to disk.

Matching rule (stated in docs/benchmarks.md): a phrase is lowercased, split into runs of word characters
(`\\w+`, so hyphens, slashes and punctuation separate words: the tag `machine-learning` and the gold
`Machine Learning` are the same words), each word is reduced by the Snowball English (Porter2) stemmer, and
two phrases match when their stemmed word sequences are equal.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import snowballstemmer

CORPORA: dict[str, str] = {
    "SemEval2017": "SemEval2017.zip",
    "500N-KPCrowd": "500N-KPCrowd-v1.1.zip",
}
"""Corpus name -> zip file name in the keyphrase directory."""
MIN_CHARS = 200
"""Shorter documents are skipped: 50 of 500N-KPCrowd's stories are a title alone."""
POLITICAL_CATEGORIES = frozenset({"politics_us", "politics_world"})

_WORD = re.compile(r"\w+")


class KeyphraseDataError(Exception):
    """The keyphrase directory or one of its zips is missing or not laid out as expected."""


@dataclass(frozen=True, slots=True)
class KeyphraseDoc:
    corpus: str
    doc_id: str
    category: str | None
    """500N-KPCrowd's category (file-name prefix); None for SemEval2017."""
    text: str
    keys: tuple[str, ...]
    """Gold keyphrases as written in the corpus."""


def default_keyphrase_dir() -> Path:
    """`../shared/data/keyphrase` next to the repository root (the checkout holding `bench/`)."""
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "keyphrase"


def load_corpus(directory: Path, corpus: str, *, limit: int | None = None) -> list[KeyphraseDoc]:
    """Every document of at least `MIN_CHARS` characters with its gold keys, in file-name order.

    Args:
        directory: The keyphrase directory holding the zips.
        corpus: A name from `CORPORA`.
        limit: Only the first N documents (quick runs); for 500N-KPCrowd, the first N per category.
    """
    path = directory / CORPORA[corpus]
    if not path.is_file():
        raise KeyphraseDataError(f"{corpus} not found at {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            texts = {_stem_name(n): n for n in names if "/docsutf8/" in n and n.endswith(".txt")}
            keys = {_stem_name(n): n for n in names if "/keys/" in n and n.endswith(".key")}
            docs: list[KeyphraseDoc] = []
            per_category: dict[str | None, int] = {}
            for doc_id in sorted(texts):
                if doc_id not in keys:
                    continue
                text = archive.read(texts[doc_id]).decode("utf-8", errors="replace").strip()
                if len(text) < MIN_CHARS:
                    continue
                category = _category(doc_id) if corpus == "500N-KPCrowd" else None
                if limit is not None:
                    if per_category.get(category, 0) >= limit:
                        continue
                    per_category[category] = per_category.get(category, 0) + 1
                gold = archive.read(keys[doc_id]).decode("utf-8", errors="replace").splitlines()
                docs.append(
                    KeyphraseDoc(corpus, doc_id, category, text, tuple(k.strip() for k in gold if k.strip()))
                )
    except (zipfile.BadZipFile, KeyError) as exc:
        raise KeyphraseDataError(f"{path} is not a keyphrase corpus zip: {exc}") from exc
    if not docs:
        raise KeyphraseDataError(f"{path} holds no document with its keys")
    return docs


def _stem_name(name: str) -> str:
    return name.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def _category(doc_id: str) -> str:
    return doc_id.split("-", 1)[0]


def match_key(phrase: str) -> str:
    """The form two phrases are compared in: lowercased `\\w+` words, each Snowball-stemmed, space-joined."""
    return " ".join(_stem(w) for w in _WORD.findall(phrase.lower()))


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


def prf_at(predicted: Iterable[str], gold: Iterable[str], k: int = 5) -> tuple[float, float, float]:
    """Precision, recall and F1 at k for one document.

    Precision divides by k even when fewer than k tags came back (returning less is no way to score more);
    a prediction counts once however many gold variants it matches, and repeats among the predictions count
    once.
    """
    wanted = {m for m in (match_key(g) for g in gold) if m}
    seen: list[str] = []
    for p in predicted:
        key = match_key(p)
        if key and key not in seen:
            seen.append(key)
        if len(seen) == k:
            break
    hits = sum(1 for key in seen if key in wanted)
    precision = hits / k
    recall = hits / len(wanted) if wanted else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


__all__ = [
    "CORPORA",
    "MIN_CHARS",
    "POLITICAL_CATEGORIES",
    "KeyphraseDataError",
    "KeyphraseDoc",
    "default_keyphrase_dir",
    "load_corpus",
    "match_key",
    "prf_at",
]
