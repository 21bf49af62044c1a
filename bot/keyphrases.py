"""Candidate tags from text: YAKE keyphrases (up to three words), trimmed to what reads as a tag.

YAKE is statistical (no model, deterministic) but knows no grammar, so it happily proposes "upcoming election"
or "Rust powers the". Tags should be short noun-ish topics, so:

- filler at either end goes ("track voter turnout" -> "voter turnout"), and a phrase with filler inside splits
  into its content words; words that are rarely topics (stop words, filler adjectives, verbs in -ed or used
  as verbs before a determiner, adverbs in -ly) are dropped;
- a phrase the text repeats stays whole ("machine learning"), unless one of its words is said more often on
  its own ("async rust" in a text about Rust gives "rust");
- an unrepeated three-word phrase keeps its head ("deep neural networks" -> "neural networks").
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import yake

from bot.topics import words

MAX_TAG_CHARS = 40

MAX_CANDIDATES = 12

# Words YAKE ranks high that never make a useful tag on their own.
_FILLER = frozenset(
    """
    upcoming new latest recent current former next last first second third many much more most less least lot
    lots few several various other others another same different big small large great good bad best better
    worse top high low real really just also very still even well way ways thing things stuff people person
    today tomorrow yesterday year years month months week weeks day days time times moment part parts kind
    kinds sort type types number numbers percent article articles post posts blog page link links read reading
    check here there via using use used uses make makes made making get gets got getting take takes took
    taken say says said show shows shown look looks looking see seen find found tell told know known think
    wave tool tools thing something anything everything nothing someone everyone help helps helped way able
    according including following based related around across within without toward towards among amid
    like likes want wants need needs try tries tried going come comes came coming start starts started
    analysing analyzing tracking track tracks follow follows followed rely relies relied built build builds
    building sparked spark sparks lead leads led bring brings brought keep keeps kept set sets put puts
    around whether while since although though however thus hence yes no ok okay please thanks thank hi
    hello hey tag tags tagging fresh plenty discuss discusses discussed faster slower easy hard simple
    important possible available full whole entire certain sure likely main major key basic common popular
    special general specific true false old young long short early late fast slow quick minutes minute hours
    hour seconds night morning evening weekend text texts message messages content monday tuesday wednesday
    thursday friday saturday sunday has have had is are was were be been being will would can could should
    may might must do does did of for to in on at by with from and or but if then than as so about into
    over under after before between through during up down out off dominates dominate powers offers provides
    allows enables supports requires creates improves improving explains compares includes becomes remains
    seems means runs helps gives brings takes trained train compared matter matters mattered
    """.split()
)
_TOKEN = re.compile(r"^[\w][\w+#.\-]*$")


def slug(phrase: str) -> str:
    """ "Machine Learning" -> "machine-learning"; the form every tag has before format preferences apply."""
    return "-".join(words(phrase)).strip("-.")


def candidates(text: str, *, limit: int = MAX_CANDIDATES) -> list[str]:
    """Tag candidates (slugs), best first, no two naming the same thing.

    Args:
        text: The content to tag: a page summary or a message without its links.
        limit: How many candidates at most.
    """
    text = text.strip()
    if not text:
        return []
    stats = _TextStats(text)
    chosen: list[str] = []
    seen_words: list[str] = []
    for phrase in _keyphrases(text):
        for tag_words in _tag_words(phrase, stats):
            if any(any(_same(w, s) for s in seen_words) for w in tag_words):
                continue
            tag = "-".join(tag_words)
            if len(tag) > MAX_TAG_CHARS:  # one endless "word" is not a tag
                continue
            chosen.append(tag)
            seen_words.extend(tag_words)
            if len(chosen) >= limit:
                return chosen
    return chosen


_DETERMINERS = frozenset(
    "the a an its their our his her my your this that these those many most some all every each no".split()
)


class _TextStats:
    """Word and phrase counts, and the words the text uses as verbs."""

    def __init__(self, text: str) -> None:
        tokens = [w.removesuffix("'s") for w in words(text)]
        stems = [_stem(t) for t in tokens]
        self.counts: Counter[str] = Counter(stems)
        for n in (2, 3):
            self.counts.update(" ".join(stems[i : i + n]) for i in range(len(stems) - n + 1))
        # "Rust powers the parsers": an -s word between a content word and a determiner is acting as a verb.
        self.verbs = {
            tokens[i]
            for i in range(1, len(tokens) - 1)
            if tokens[i].endswith("s")
            and not tokens[i].endswith("ss")
            and tokens[i + 1] in _DETERMINERS
            and tokens[i - 1] not in _FILLER
            and tokens[i - 1] not in _DETERMINERS
        }

    def count(self, tokens: list[str]) -> int:
        return self.counts[" ".join(_stem(t) for t in tokens)]


def _tag_words(phrase: str, stats: _TextStats) -> list[list[str]]:
    tokens = [t.strip(".-").removesuffix("'s") for t in phrase.lower().split()]
    tokens = [t for t in tokens if t]
    if not tokens or not all(_TOKEN.match(t) for t in tokens):
        return []
    is_content = [_is_content(t) and t not in stats.verbs for t in tokens]
    while tokens and not is_content[0]:  # "track voter turnout" -> "voter turnout"
        tokens, is_content = tokens[1:], is_content[1:]
    while tokens and not is_content[-1]:
        tokens, is_content = tokens[:-1], is_content[:-1]
    if len(tokens) <= 1 or not all(is_content):
        return [[t] for t, keep in zip(tokens, is_content, strict=True) if keep and not _ADJECTIVE.search(t)]
    together = stats.count(tokens)
    # "async rust" in a text about Rust: a word said more often than the phrase is the topic on its own.
    dominant = [t for t in tokens if stats.count([t]) > together and stats.count([t]) >= 2]
    if together >= 2 and not dominant:
        return [tokens]  # "machine learning", said twice: a compound
    if len(tokens) == 3:  # "machine learning model": the part the text repeats is the compound
        for part in (tokens[:2], tokens[1:]):
            if stats.count(part) >= 2 and stats.count(part) > together and not _ADJECTIVE.search(part[-1]):
                return [part]
    if dominant:
        return [[t] for t in dominant if not _ADJECTIVE.search(t)]
    if _ADJECTIVE.search(tokens[-1]):
        return [[t] for t in tokens if not _ADJECTIVE.search(t)]
    return [tokens[-2:]]  # "voter turnout", "deep neural networks" -> "neural networks": the head phrase


# Alone, "painless" or "dangerous" is no topic; inside a phrase ("neural networks") an adjective is fine.
_ADJECTIVE = re.compile(r"(?:less|ful|ous|ial|ible|able)$")


def _is_content(token: str) -> bool:
    if token in _FILLER or token in _stopwords() or len(token) < 2 or token.isdigit():
        return False
    # Past participles and adverbs ("sparked", "quickly") are rarely topics; short words ("red") can be.
    return not (len(token) > 4 and (token.endswith("ed") or token.endswith("ly")))


def _stem(word: str) -> str:
    return word.rstrip("s") or word


def _same(a: str, b: str) -> bool:
    return _stem(a) == _stem(b)


def _extractor() -> yake.KeywordExtractor:
    # A fresh one per text: an extractor keeps caches that concurrent runs (worker threads) must not share.
    return yake.KeywordExtractor(lan="en", n=3, dedup_lim=0.7, top=30)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    return frozenset(_extractor().stopword_set)


def _keyphrases(text: str) -> list[str]:
    scored: list[tuple[str, float]] = _extractor().extract_keywords(text)
    # YAKE: lower score = more important. Ties are broken by the phrase itself, so the order never wobbles.
    return [phrase for phrase, _ in sorted(scored, key=lambda item: (float(item[1]), item[0].lower()))]
