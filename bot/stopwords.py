"""Words that never start, end or make a tag: function words, filler, number words and dates.

Function words come from YAKE's English list (shipped in its wheel); the rest are words a lexicon calls nouns
or adjectives but a person would delete as a tag ("thing", "way", "today", "sixty", "half").
"""

from __future__ import annotations

from pathlib import Path

import yake

NUMBER_WORDS = frozenset(
    """one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
    seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds
    thousand thousands million millions billion billions trillion trillions dozen dozens half quarter
    first second third fourth fifth sixth seventh eighth ninth tenth once twice double triple percent
    percentage""".split()
)
DATE_WORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december jan feb mar apr jun jul aug sep sept oct nov dec today
    tomorrow yesterday tonight morning afternoon evening night weekend week weeks month months year years
    day days decade decades century centuries hour hours minute minutes second seconds moment time times
    am pm""".split()
)
_FILLER = """
    upcoming first second third today tomorrow yesterday year years month months week weeks day days time
    times moment percent read reading check here there using used making getting take took taken show shown
    look looking see seen find found know known think wave tool tools help helps helped like likes want need
    try tries tried going come came coming start started analysing analyzing tracking track tracks follow
    follows followed rely relies relied built build builds building sparked spark sparks lead leads led bring
    brought keep kept set put tagging discuss discusses discussed faster slower easy hard simple minutes
    minute hours hour seconds night morning evening weekend monday tuesday wednesday thursday friday saturday
    sunday has have had is are was were be been being will would can could should may might must do does did
    of for to in on at by with from and or but if then than as so about into over under after before between
    through during up down out off dominates dominate powers offers provides allows enables supports requires
    creates improves improving explains compares includes becomes remains trained train compared mattered
    thing things stuff way ways lot lots kind kinds sort sorts type types part parts number numbers bit bits
    people person someone everyone anyone something anything everything nothing one ones place places case
    cases point points fact facts example examples end side sides area areas form forms level levels term
    terms use uses result results change changes group groups member members range order matter matters
    issue issues question questions idea ideas reason reasons problem problems effect effects
    article articles post posts blog page pages link links text texts message messages content video videos
    tag tags news report reports story stories statement statements source sources official officials
    mr mrs ms dr st inc ltd co corp jr sr etc vs via per
    new latest recent current former next last many much more most less least few several various other
    others another same different big small large great good bad best better worse top high low real
    really just also very still even well able according including following based related around across
    within without toward towards among amid whether while since although though however thus hence yes
    no ok okay please thanks thank hi hello hey fresh plenty full whole entire certain sure likely main
    major key basic common popular special general specific true false old young long short early late
    fast slow quick important possible available own total overall
    says said say told tell asked ask added add noted note reported according stated
    including included include let lets got get gets made make makes starts takes gives shows comes goes
    looks seems means needs wants keeps puts sets runs tells calls brings holds turns moves
"""
_YAKE_STOPWORDS = Path(yake.__file__).parent / "core" / "StopwordsList" / "stopwords_en.txt"
STOP_WORDS = frozenset(_FILLER.split()) | frozenset(
    _YAKE_STOPWORDS.read_text(encoding="utf-8", errors="replace").lower().split()
)

__all__ = ["DATE_WORDS", "NUMBER_WORDS", "STOP_WORDS"]
