"""Singular or plural tags, with lemminflect's English lexicon (shipped in its wheel; no download).

Only the last word of a tag changes ("machine-learning-models" -> "machine-learning-model"), and only when
the lexicon knows it: an unknown word (a product name, "kubernetes") is left as it is. "Plural" means nothing
is made singular: pluralising every tag would give "basketballs" and "machine-learnings" (mass nouns and
names are not countable), so plural forms are kept where the content has them.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["to_number"]


@lru_cache(maxsize=4096)
def _inflect(word: str, number: str) -> str:
    import lemminflect  # loads its tables on first use (a few seconds), so only for people who asked

    if number == "singular":
        lemmas = lemminflect.getLemma(word, upos="NOUN", lemmatize_oov=False)
        return lemmas[0] if lemmas and lemmas[0] else word
    return word


def to_number(tag: str, number: str) -> str:
    """`tag` (a slug) with its last word made singular; unchanged for "plural" (see the module's note)."""
    head, sep, last = tag.rpartition("-")
    if not last.isalpha() or len(last) < 3:
        return tag
    return head + sep + _inflect(last, number)
