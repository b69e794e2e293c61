"""Lemmas that depend on the word before: forms two Danish words share.

A few word forms belong to two lemmas: ``tolker`` is the verb ``tolke`` (she interprets)
and, in common usage, the plural of the noun ``tolk`` (interpreters); ``vagt`` is the noun
(a shift, a guard) and the neuter of the adjective ``vag`` (vague). Out of context the
lookup table picks one, which merges the two words' paradigms in a lemma search. The word
before usually settles it: a subject pronoun, ``at``, a modal or ``ikke`` before a verb; a
determiner, numeral, possessive, preposition or a definite genitive before a noun; a
degree adverb, a copula or ``et`` before the neuter adjective. Where the word before says
nothing, the table's lemma stays.

The rule runs over the annotated words of a text (``resolve``), so the index stores the
reading of each occurrence; a query of one word has no context and gets the table's lemma.
"""

from __future__ import annotations

from collections.abc import Sequence

# form -> {reading: lemma}; readings: "noun", "verb", "adj"
HOMOGRAPHS: dict[str, dict[str, str]] = {
    "tolker": {"noun": "tolk", "verb": "tolke"},
    "vagt": {"noun": "vagt", "adj": "vag"},
}

_DETERMINERS = frozenset(
    "en et den det de denne dette disse min mit mine din dit dine sin sit sine hans hendes "
    "deres vores jeres vor ingen intet nogen nogle mange flere få færre alle hver hvert "
    "begge to tre fire fem seks syv otte ni ti tolv tyve hundrede anden andet andre enkelte "
    "samme egen eget egne nye ny gode faste".split()
)
_PREPOSITIONS = frozenset(
    "af med til uden om på hos fra mellem under efter før ved blandt gennem mod via pr".split()
)
_VERB_CUES = frozenset(
    "jeg du han hun vi man der som at ikke skal kan vil må bør skulle kunne ville måtte "
    "burde også altid ofte sjældent selv aldrig hvem".split()
)
_COPULAS = frozenset("er var blev bliver virker forekommer synes forbliver".split())
_ADJ_CUES = frozenset("meget for så ret lidt temmelig ganske helt noget mere mest alt".split())


def reading(previous: str | None, form: str) -> str | None:
    """The reading (``noun``, ``verb`` or ``adj``) the word before suggests for a shared
    form, or None when it suggests none the form has."""
    readings = HOMOGRAPHS.get(form)
    if readings is None or previous is None:
        return None
    if "adj" in readings and (previous in _ADJ_CUES or previous in _COPULAS or previous == "et"):
        return "adj"
    if "verb" in readings and previous in _VERB_CUES:
        return "verb"
    if "noun" in readings and (
        previous in _DETERMINERS or previous in _PREPOSITIONS or _genitive(previous)
    ):
        return "noun"
    return None


def _genitive(word: str) -> bool:
    """A definite noun in the genitive (``kommunens``, ``sygehusets``, ``lægernes``): what
    follows it is a noun."""
    return len(word) > 5 and word.endswith(("ens", "ets", "nes"))


def context_lemma(previous: str | None, form: str, default: str) -> str:
    """The lemma of ``form`` after the word ``previous`` (lower case; None at the start or
    after punctuation): its reading's lemma when the word before settles it, else
    ``default`` (the table's)."""
    found = reading(previous, form)
    return HOMOGRAPHS[form][found] if found is not None else default


Row = tuple[int, int, int, str, str, bool]


def resolve(rows: Sequence[Row]) -> list[Row]:
    """Annotated Danish word rows ``(ordinal, start, end, lower, lemma, is_stop)`` with the
    lemma of each shared form set by the word right before it (adjacent ordinals: no
    punctuation between)."""
    out = list(rows)
    for i, row in enumerate(out):
        if row[3] not in HOMOGRAPHS:
            continue
        before = out[i - 1] if i else None
        previous = before[3] if before is not None and before[0] == row[0] - 1 else None
        lemma = context_lemma(previous, row[3], row[4])
        if lemma != row[4]:
            out[i] = (row[0], row[1], row[2], row[3], lemma, row[5])
    return out
