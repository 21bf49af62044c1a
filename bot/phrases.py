"""Noun phrases and whole named entities in a text: the only things the offline tagger may propose.

No statistical tagger whose weights ship in a wheel is fast enough for 30 ms on a 1,000-word story, so the
word classes come from lemminflect's lexicon (which classes a word can take: "held" only VERB, "rates" NOUN
or VERB, "brisk" only ADJ) and capitalisation does the named entities:

- an entity is a run of capitalised words that are not sentence openers ("Manchester City", "James Webb Space
  Telescope", "Bank of England"), kept whole or not at all, so no tag is ever half an entity;
- a noun phrase is a run of adjectives and nouns ending in a noun, without stop words, verbs, numbers, number
  words or dates ("held interest rates" gives "interest rates", never "held-interest");
- a gerund ("walking") heads a phrase only after a modifier ("brisk walking"); alone it is a verb
  ("introducing").

A title line in Title Case says nothing about which words are names, so there capitalisation only counts for
words the body also capitalises mid-sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from lemminflect import getAllLemmas

from bot.stopwords import DATE_WORDS, NUMBER_WORDS, STOP_WORDS

MAX_PHRASE_WORDS = 3
MAX_ENTITY_WORDS = 5

# A word: letters/digits with inner hyphens, apostrophes, dots, "+" or "#" ("node.js", "c++", "3-day").
_TOKEN = re.compile(r"[^\W_](?:[\w'’.&+#-]*[\w+#])?|[.!?;:,()\[\]\"“”–—]|\n")
_SENTENCE_END = frozenset('.!?;:()[]"“”\n')
_ENTITY_JOINERS = frozenset({"of", "de", "del", "la", "von", "van", "&"})
_POSSESSIVE = re.compile(r"['’]s?$")
_CLAUSE_BREAK = frozenset(",–—")


@dataclass(slots=True)
class Phrase:
    """One candidate phrase and where the text uses it."""

    words: tuple[str, ...]
    """Lowercased words."""
    entity: bool
    """A named entity (a capitalised run), not a common noun phrase."""
    positions: list[int] = field(default_factory=list)
    """Word offsets of each use, first first."""
    surface: str = ""
    """The first use as written ("James Webb Space Telescope")."""

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True, slots=True)
class _Word:
    raw: str
    lower: str
    kind: str
    """"entity", "noun", "gerund", "adj", "number" or "stop"."""
    opens_sentence: bool = False


@dataclass(frozen=True, slots=True)
class Extracted:
    phrases: list[Phrase]
    """Entities and noun phrases, in order of first use."""
    word_count: int
    """Words in the text (positions are offsets among these and the boundaries)."""
    content_words: list[str]
    """Every word of every phrase use, in text order: what EmbedRank embeds as "the document"."""


def extract_phrases(text: str) -> Extracted:
    """Entities and noun phrases of `text`.

    Args:
        text: Plain text (a message, a page summary, a story).
    """
    words = _classify(text)
    found: dict[tuple[str, ...], Phrase] = {}
    content: list[str] = []
    for start, chunk, entity in _chunks(words):
        content.extend(w.lower for w in chunk)
        for phrase_words in _sub_phrases(chunk, entity):
            phrase = found.get(phrase_words)
            if phrase is None:
                surface = " ".join(w.raw for w in chunk[len(chunk) - len(phrase_words) :])
                phrase = found[phrase_words] = Phrase(phrase_words, entity, surface=surface)
            phrase.positions.append(start)
    return Extracted(list(found.values()), len(words), content)


def _model_number(word: _Word, after: _Word | None) -> bool:
    """A model number inside a name ("iPhone 15 Pro"); one at the end is a version ("PostgreSQL 17"), which
    the tag leaves out."""
    return (
        word.kind == "number"
        and word.lower.isdigit()
        and len(word.lower) <= 3
        and (after is not None and after.kind == "entity")
    )


def _sub_phrases(chunk: list[_Word], entity: bool) -> Iterator[tuple[str, ...]]:
    if entity:
        yield tuple(w.lower for w in chunk)
        return
    # "deep neural networks": the whole phrase and its tails ("neural networks", "networks").
    lowers = [w.lower for w in chunk]
    for start in range(max(0, len(lowers) - MAX_PHRASE_WORDS), len(lowers)):
        tail = chunk[start:]
        if tail[0].kind == "gerund" and (len(tail) == 1 or start == 0):
            continue  # "walking" alone, "analysing polling data": a verb; "brisk walking" is a noun phrase
        if len(tail) > 1 and (
            tail[0].lower in _WEAK_MODIFIERS or _inflected_verb(tail[0].lower) or _graded(tail[0].lower)
        ):
            continue  # "several rockets", "older coffee", "cuts blood pressure": the first word adds nothing
        yield tuple(lowers[start:])


_WEAK_MODIFIERS = frozenset(
    """key main major new old latest recent current former future upcoming other several various many few
    more most less least big small large huge great good bad best better worse worst top high low real
    full whole entire certain sure likely possible available important common popular special general
    specific simple easy hard first second third last next same different early late long short overall
    total own""".split()
)


def _chunks(words: list[_Word | None]) -> Iterator[tuple[int, list[_Word], bool]]:
    """(word offset, words, is entity) for every maximal entity run and noun phrase."""
    index = 0
    while index < len(words):
        word = words[index]
        if word is None or word.kind == "stop":
            index += 1
            continue
        if word.kind == "entity":
            end = index + 1
            while end < len(words):
                nxt = words[end]
                if nxt is not None and nxt.kind == "entity":
                    end += 1
                elif nxt is not None and _model_number(nxt, words[end + 1] if end + 1 < len(words) else None):
                    end += 1  # "iPhone 15 Pro"
                elif (
                    nxt is not None
                    and nxt.lower in _ENTITY_JOINERS
                    and end + 1 < len(words)
                    and (after := words[end + 1]) is not None
                    and after.kind == "entity"
                ):
                    end += 2
                else:
                    break
            run = [w for w in words[index:end] if w is not None]
            if len(run) <= MAX_ENTITY_WORDS:
                yield index, run, True
            index = end
            continue
        end = index
        while end < len(words) and (w := words[end]) is not None and w.kind in ("noun", "adj", "gerund"):
            end += 1
        run = [w for w in words[index:end] if w is not None]
        while run and run[-1].kind == "adj":  # a phrase ends in its noun
            run.pop()
        if run:
            yield index, run, False
        index = max(end, index + 1)


def _classify(text: str) -> list[_Word | None]:
    """Each token's class; None marks a sentence or clause boundary."""
    tokens = _TOKEN.findall(text)
    lines = text.splitlines()
    title_line = lines[0] if lines and len(lines) > 1 and _is_title_case(lines[0]) else ""
    title_tokens = len(_TOKEN.findall(title_line)) if title_line else 0
    infos = [_token_info(t) for t in tokens]
    # Words the text capitalises where capitals mean something: mid-sentence, outside a Title Case title.
    named: set[str] = set()
    sentence_start = True
    for i, info in enumerate(infos):
        if info is None:
            sentence_start = sentence_start or tokens[i] not in _CLAUSE_BREAK
            continue
        if i >= title_tokens and not sentence_start and info[2]:
            named.add(info[1])
        sentence_start = False
    out: list[_Word | None] = []
    sentence_start = True
    for i, info in enumerate(infos):
        if info is None:
            out.append(None)
            sentence_start = sentence_start or tokens[i] not in _CLAUSE_BREAK
            continue
        raw, lower, capitalised, possessive = info
        opens_sentence = sentence_start
        trusted_caps = i >= title_tokens and not sentence_start
        sentence_start = False
        kind = _kind(raw, lower)
        if capitalised and kind != "number" and lower not in STOP_WORDS and lower not in DATE_WORDS:
            if trusted_caps or lower in named or _unknown(lower) or raw.isupper():
                kind = "entity"
        # Numbers ("112-104", "ten", "2023") break phrases; the chunker skips them.
        out.append(_Word(raw, lower, kind, opens_sentence))
        if possessive:
            out.append(None)  # "Boston's Jayson Tatum", "the planet's atmosphere": two phrases
    return _verbs_in_context(out)


@lru_cache(maxsize=100_000)
def _token_info(token: str) -> tuple[str, str, bool, bool] | None:
    """(word as written, lowercased, capitalised, possessive); None for punctuation or an empty word."""
    if token in _SENTENCE_END or token in _CLAUSE_BREAK:
        return None
    raw = _strip(token)
    if not raw:
        return None
    possessive = bool(_POSSESSIVE.search(token)) and token[-1:] in "sS"
    return raw, raw.lower(), _capitalised(raw), possessive


# "Lakers beat the Celtics", "hopes to ease", "will face": words that are nouns elsewhere act as verbs here.
_BEFORE_VERB = frozenset(
    """to will would can could should may might must shall did does do don't didn't doesn't won't has have
    had is are was were be been i we they he she it who which that also not never""".split()
)
_AFTER_VERB = frozenset(
    """the a an its their his her our my your this that these those to them him us it some all every each
    """.split()
)
_BEFORE_GERUND = frozenset("after before while by when without since upon".split())
_PARTICLES_AFTER_VERB = frozenset("into on off up down out".split())
"""After a plural noun, prepositions ("networks on GPUs"); after a base form, particles ("set up")."""


def _verbs_in_context(words: list[_Word | None]) -> list[_Word | None]:
    out = list(words)
    for i, word in enumerate(words):
        if word is None or word.kind not in ("noun", "gerund", "adj") or "VERB" not in _classes(word.lower):
            continue
        before = words[i - 1] if i > 0 else None
        after = words[i + 1] if i + 1 < len(words) else None
        if _acts_as_verb(word, before, after):
            out[i] = _Word(word.raw, word.lower, "stop", word.opens_sentence)
    for i, word in enumerate(out):
        before = out[i - 1] if i > 0 else None
        if (
            word is not None
            and word.kind == "noun"
            and before is not None
            and before.lower in _BEFORE_PREDICATE
            and "ADJ" in _classes(word.lower)
        ):
            out[i] = _Word(word.raw, word.lower, "adj", word.opens_sentence)  # "were otherwise sedentary"
    return out


_BEFORE_PREDICATE = frozenset(
    "is are was were be been being very so too quite rather otherwise more most less least fairly".split()
)


def _acts_as_verb(word: _Word, before: _Word | None, after: _Word | None) -> bool:
    lower = word.lower
    if before is not None and before.lower in _BEFORE_VERB:
        return True  # "hopes to ease", "will face"
    if before is not None and before.lower in _BEFORE_GERUND and lower.endswith("ing"):
        return True  # "after beating West Ham", "by grinding finer"
    if lower.endswith("ing") and after is not None and after.kind == "entity" and not word.opens_sentence:
        return True  # "..., beating Novak Djokovic"
    modified = before is not None and before.kind in ("adj", "noun")
    plural = lower.endswith("s") and not lower.endswith("ss")
    follows = after is not None and (
        after.lower in _AFTER_VERB or (not plural and after.lower in _PARTICLES_AFTER_VERB)
    )
    if follows and word.kind != "adj":
        # "Lakers beat the Celtics"; but "brisk walking a day" is a noun phrase
        return not (word.kind == "gerund" and modified)
    subject = before is not None and before.kind in ("noun", "entity")
    plural_subject = (
        subject and before is not None and before.lower.endswith("s") and not before.lower.endswith("ss")
    )
    third_person = lower.endswith("s") and not lower.endswith("ss")
    if subject and lower.endswith("ed"):
        return True  # "the rover collected", "temperatures broke" is below
    if plural_subject and not third_person:
        return True  # "players fuse weapons", "temperatures broke records"
    if (
        subject
        and not plural_subject
        and third_person
        and after is not None
        and (after.kind in ("adj", "number") or {"ADJ", "ADV"} & _classes(after.lower))
    ):
        return True  # "coffee tastes flat", "a shot takes 28 seconds"
    if word.opens_sentence and not third_person and lower in _classes_lemmas(lower, "VERB"):
        # An imperative: "Plant tomatoes", "Bake the dough", "Dial in"
        return after is not None and (
            (after.kind in ("noun", "adj") and after.lower.endswith("s")) or after.lower in _PARTICLES
        )
    return False


_PARTICLES = frozenset("in up out down off on over back the a an your their our".split())


@lru_cache(maxsize=50_000)
def _classes_lemmas(lower: str, upos: str) -> tuple[str, ...]:
    try:
        return tuple(getAllLemmas(lower).get(upos, ()))
    except Exception:
        return ()


def _strip(token: str) -> str:
    return _POSSESSIVE.sub("", token).strip(".-'’")


def _capitalised(token: str) -> bool:
    return token[:1].isupper() or (len(token) > 1 and token[1:].lower() != token[1:] and token[0].isalpha())


def _is_title_case(line: str) -> bool:
    line_words = [w for w in _TOKEN.findall(line) if w[:1].isalpha()]
    content = [w for w in line_words if w.lower() not in STOP_WORDS]
    return len(content) >= 3 and sum(1 for w in content if w[:1].isupper()) >= 0.8 * len(content)


@lru_cache(maxsize=50_000)
def _kind(raw: str, lower: str) -> str:
    if lower in STOP_WORDS or (len(lower) < 2 and not raw.isupper()):
        return "stop"
    if lower in NUMBER_WORDS or _looks_numeric(lower):
        return "number"
    if lower in DATE_WORDS:
        return "stop"
    classes = _classes(lower)
    if not classes:
        return "noun"  # unknown to the lexicon: a technical term or a name ("kubernetes", "exoplanet")
    if "NOUN" in classes or "PROPN" in classes:
        return "noun"
    if "ADJ" in classes:
        return "adj"
    if "VERB" in classes and lower.endswith("ing") and len(lower) > 5:
        return "gerund"
    return "stop"  # verbs, adverbs, function words: never part of a tag


def _looks_numeric(lower: str) -> bool:
    digits = sum(c.isdigit() for c in lower)
    if digits > 0 and digits >= len(lower.replace("-", "")) / 2:
        return True
    parts = lower.split("-")
    # "three-hour", "seven-time", "two-week": a quantity, not a topic ("three-pointer" stays)
    return len(parts) > 1 and any(p in NUMBER_WORDS for p in parts) and any(p in DATE_WORDS for p in parts)


@lru_cache(maxsize=50_000)
def _classes(lower: str) -> frozenset[str]:
    try:
        return frozenset(getAllLemmas(lower))
    except Exception:  # lemminflect has choked on odd tokens; treat them as unknown
        return frozenset()


def _graded(lower: str) -> bool:
    """A comparative or superlative ("older", "richest"): an opinion, not part of a name."""
    lemmas = _classes_lemmas(lower, "ADJ")
    return bool(lemmas) and lower not in lemmas and lower.endswith(("er", "est"))


def _inflected_verb(lower: str) -> bool:
    return "VERB" in _classes(lower) and (
        lower.endswith("ed") or (lower.endswith("s") and not lower.endswith("ss"))
    )


def _unknown(lower: str) -> bool:
    return not _classes(lower)


__all__ = ["MAX_ENTITY_WORDS", "MAX_PHRASE_WORDS", "Extracted", "Phrase", "extract_phrases"]
