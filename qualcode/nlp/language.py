"""Telling languages apart without a model: common function words decide.

Danish and English are what qualcode has lemmas for; the other languages listed here are
recognised so a Hungarian or German source is stored as ``hu`` or ``de`` (and searched by
exact and fuzzy word forms) instead of being taken for English. Danish wins ties, and a
language other than da/en must clearly lead before it is chosen.

Swedish and Norwegian (bokmål, ``nb``) share most function words with Danish, so a text that
looks Danish is looked at once more with the words only one of the three uses (``hvad``/
``hva``/``vad``, ``af``/``av``, ``meget``/``mye``/``mycket``) and Swedish's ä and ö; a
Danish interview that writes speech (``hva'``, ``bli'``, ``ska'``) stays Danish.
"""

from __future__ import annotations

import re
from collections import Counter

FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "da": frozenset(
        "og i at det er en til på som de med han af for ikke der var jeg har vi men et om kan "
        "sig så også skal når vil hvor eller fra blev efter være meget nogle hvad ved deres "
        "altså øh jo nok godt lige bare".split()
    ),
    "en": frozenset(
        "the and of to a in is that it for on with as was are be this have not but at by "
        "from they we you or an which there their what would about so do if".split()
    ),
    "de": frozenset(
        "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als "
        "auch es an werden aus er hat dass sie nach wird bei einer um noch wie über wir "
        "ich haben sind war aber sehr nur oder wenn dann uns mir kein keine schon immer "
        "jetzt hier was bis".split()
    ),
    "sv": frozenset(
        "och att det som en på är av för med till den har inte om ett han men var jag sig "
        "från vi så kan man när år säger hon under också efter eller".split()
    ),
    "nb": frozenset(
        "og i det på som er en til å han av for med at var de ikke den har jeg om et men "
        "så seg hun hadde fra vi du kan da ble ut skal".split()
    ),
    "nl": frozenset(
        "de en van het een in is dat op te zijn met voor niet die aan er om ook als bij of "
        "door maar naar dan wordt heeft nog uit worden".split()
    ),
    "fr": frozenset(
        "le de la et les des en un une du est que pour qui dans par sur pas au avec ce il "
        "sont ne se plus ou mais comme nous vous leur".split()
    ),
    "es": frozenset(
        "de la que el en y los se del las un por con no una su para es al lo como más pero "
        "sus le ya o este sí porque esta entre cuando".split()
    ),
    "it": frozenset(
        "di e il la che in un per è a non una sono del si con le da i dei al nel come "
        "anche più ma della alla questo gli".split()
    ),
    "pl": frozenset(
        "i w na z się nie do to że jest o jak co ale po tak za od przez dla jego już "
        "czy tylko być jej może są".split()
    ),
    "fi": frozenset(
        "ja on ei se että oli hän mutta kun niin myös tai jo ovat joka sen kuin mitä "
        "vain nyt olla sitä tämä".split()
    ),
    "hu": frozenset(
        "a az és hogy nem is egy de van volt meg csak már el ez mint még ha azt kell "
        "vagy után pedig fel lesz lett aki ami sem most".split()
    ),
}
# Letters only one of the languages uses: a little extra evidence for it.
_MARKERS = {"da": "æøå", "de": "ßü", "hu": "őű", "pl": "łąęśźż", "sv": "ä"}
# Words only one of Danish, Norwegian bokmål and Swedish uses (the others spell them
# differently). Left out on purpose: what Danes write for speech ("hva'", "bli'", "ska'")
# and words Swedish shares with Danish ("sig", "mig", "efter", "nu").
_SCANDINAVIAN = {
    "da": frozenset(
        "af ud noget nogen nogle meget hvad blev havde lidt end siger "
        "sådan været blive gøre hendes op nej mellem måske vores igen lige rigtig hende "
        "gennem fik os jer spørgsmål øh blevet sidste fortsat tænker tænke tænkte gik uge".split()
    ),
    "nb": frozenset(
        "av ut noe noen mye ble seg meg deg hadde litt etter enn sier slik vært gjøre "
        "hennes opp nei mellom kanskje vår våre igjen riktig henne gjennom fikk oss dere "
        "ikkje veldig spørsmål blitt siste fortsatt tenker tenke tenkte gikk uke jobb".split()
    ),
    "sv": frozenset(
        "och inte är jag att för till hon när också säger från varför mycket bara vad hur "
        "någon något några tycker sedan lite dom väl måste vara blir finns även mellan "
        "hade denna detta dessa här där".split()
    ),
}
_SWEDISH_LETTERS = "äö"
LEMMA_LANGUAGES = ("da", "en")
_MARGIN = 1.5  # another language must score this many times Danish/English to be chosen
_WORD = re.compile(r"[^\W\d_]+")


def _words(text: str, sample_chars: int) -> tuple[str, Counter[str]]:
    """The sample (lower case) and how often each of its words occurs."""
    sample = text[:sample_chars].lower()
    return sample, Counter(_WORD.findall(sample))


def _count(counts: Counter[str], vocab: frozenset[str]) -> int:
    return sum(counts[w] for w in vocab.intersection(counts))


def language_scores(text: str, sample_chars: int = 20_000) -> dict[str, int]:
    sample, counts = _words(text, sample_chars)
    scores = {lang: _count(counts, vocab) for lang, vocab in FUNCTION_WORDS.items()}
    for lang, letters in _MARKERS.items():
        if any(ch in sample for ch in letters):
            scores[lang] += 3
    return scores


def scandinavian_scores(text: str, sample_chars: int = 20_000) -> dict[str, int]:
    """Words only Danish, Norwegian bokmål or Swedish uses; Swedish also counts its ä/ö words."""
    _, counts = _words(text, sample_chars)
    scores = {lang: _count(counts, vocab) for lang, vocab in _SCANDINAVIAN.items()}
    scores["sv"] += sum(n for w, n in counts.items() if any(ch in w for ch in _SWEDISH_LETTERS))
    return scores


def _scandinavian(text: str, sample_chars: int) -> str:
    """``nb`` or ``sv`` when a Danish-looking text clearly is that; else ``da``."""
    scores = scandinavian_scores(text, sample_chars)
    other = max(("nb", "sv"), key=scores.__getitem__)
    if scores[other] >= 3 and scores[other] > 2 * scores["da"]:
        return other
    return "da"


def detect_language(text: str, sample_chars: int = 20_000) -> str:
    """The ISO 639-1 code of a text's language (``da`` when there is no evidence); Norwegian
    bokmål is ``nb``."""
    scores = language_scores(text, sample_chars)
    home = "en" if scores["en"] > scores["da"] else "da"
    other = max((lang for lang in scores if lang not in LEMMA_LANGUAGES), key=scores.__getitem__)
    if scores[other] >= 3 and scores[other] > _MARGIN * scores[home]:
        return other
    return _scandinavian(text, sample_chars) if home == "da" else home
