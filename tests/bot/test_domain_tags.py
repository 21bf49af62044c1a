"""Twenty texts from twenty domains: the tags an editor deleted are gone, the subject tag is there."""

from __future__ import annotations

import pytest

from bot.keyphrases import candidates
from bot.phrases import extract_phrases
from bot.stopwords import DATE_WORDS, NUMBER_WORDS
from bot.subjects import SUBJECTS
from bot.tag_policy import shape_tags
from bot.understanding.preferences import Profile
from tests.bot._similarity import e5_similarity
from tests.bot.data.domain_texts import DOMAIN_CASES, DomainCase

SHOWN = 5


@pytest.mark.parametrize("case", DOMAIN_CASES, ids=lambda c: c.id)
def test_the_tags_a_person_would_keep(case: DomainCase) -> None:
    shown = candidates(case.text)[:SHOWN]
    assert not [tag for tag in case.banned if tag in shown], shown
    assert not [tag for tag in case.wanted if tag not in shown], shown
    if case.subject is not None:
        assert case.subject in shown, shown


@pytest.mark.parametrize("case", DOMAIN_CASES, ids=lambda c: c.id)
def test_no_number_word_date_or_bare_verb_is_ever_a_candidate(case: DomainCase) -> None:
    for tag in candidates(case.text):
        if tag in SUBJECTS:
            continue  # "baking", "gardening": subjects, not verbs
        parts = tag.split("-")
        assert not any(p.isdigit() for p in parts), tag
        # (a number word inside one hyphenated word, "three-pointer", is a term of its own)
        alone = len(parts) == 1
        assert not (alone and (tag in NUMBER_WORDS or tag in DATE_WORDS or tag.endswith("ing"))), tag


def test_an_entity_is_whole_or_absent() -> None:
    phrases = {p.text for p in extract_phrases(DOMAIN_CASES[2].text).phrases}  # the James Webb text
    assert "james webb space telescope" in phrases
    assert not {"webb space", "space telescope", "james webb", "webb"} & phrases


def test_a_possessive_ends_a_name() -> None:
    text = "Boston's Jayson Tatum missed. NASA's Perseverance rover"
    phrases = {p.text for p in extract_phrases(text).phrases}
    assert {"boston", "jayson tatum", "nasa", "perseverance"} <= phrases
    assert not [p for p in phrases if "boston jayson" in p or "nasa perseverance" in p]


def test_a_title_in_title_case_does_not_make_every_word_a_name() -> None:
    text = "Central Bank Holds Rates Steady\nThe central bank held interest rates at 5% as inflation eased."
    phrases = {p.text for p in extract_phrases(text).phrases}
    assert "interest rates" in phrases
    assert not [p for p in phrases if "holds" in p.split()]


def test_no_subject_when_none_is_clear() -> None:
    found = candidates("Lunch was fine. The meeting moved to Thursday and Sam will send the notes.")
    assert found and not [t for t in found if t in SUBJECTS]


@pytest.fixture(scope="module")
def avoids_politics() -> Profile:
    return Profile(avoids=["politics"])


@pytest.mark.parametrize("case", DOMAIN_CASES, ids=lambda c: c.id)
def test_avoiding_politics_drops_tags_only_from_political_texts(
    case: DomainCase, avoids_politics: Profile
) -> None:
    # Once a Kubernetes release note came back with "skipped politics as you asked".
    shaped = shape_tags(candidates(case.text), avoids_politics, e5_similarity)
    if case.political:
        assert len(shaped.skipped.get("politics", [])) >= 3, shaped
        assert "voter-turnout" not in shaped.tags
    else:
        assert shaped.skipped == {}, shaped.skipped


def test_a_model_number_inside_a_name_stays_and_a_version_at_its_end_goes() -> None:
    assert "iphone-15-pro" in candidates("iPhone 15 Pro review: the USB-C port finally arrives")
    found = candidates("We moved to PostgreSQL 17 last week and the planner got faster.")
    assert "postgresql" in found and "postgresql-17" not in found
