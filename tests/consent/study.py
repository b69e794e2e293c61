"""A small fictional study written to break redaction, and a scanner for what leaks.

Every person, organisation and address here is invented. The interviews name people the
way people do: "Tak, Henrik", genitives, ALLCAPS, decomposed letters, soft hyphens, NBSP
and line breaks inside names, e-mail addresses, a hyphenated first name, first names that
are also Danish words ("Anders", "Bo", "Lykke"), a surname in a source file name.
"""

from __future__ import annotations

import html
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SHY = "\u00ad"
NBSP = "\u00a0"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@dataclass(frozen=True)
class Person:
    name: str
    title: str
    organisation: str
    consent: str
    email: str
    # Identifiers that must never appear (casefolded), and ones that must not appear with
    # a capital (a name part that is also an ordinary word).
    forbidden: tuple[str, ...]
    forbidden_capitalised: tuple[str, ...] = ()


HENRIK = Person(
    "Henrik Frandsen", "overlæge", "Vestby Sygehus", "role_only", "h.frandsen@vestby-sygehus.dk",
    ("henrik", "frandsen", "h.frandsen@vestby-sygehus.dk"),
)  # fmt: skip
ANNE = Person(
    "Anne-Mette Søgaard", "leder af palliativt team", "Kommunal Hjemmepleje Øst", "anonymous",
    "ams@hjemmeplejeoest.dk",
    ("anne-mette", "anne", "mette", "søgaard", "soegaard", "ams@hjemmeplejeoest.dk",
     "kommunal hjemmepleje øst", "leder af palliativt team"),
)  # fmt: skip
ANDERS = Person(
    "Anders Bo Lykke", "praktiserende læge", "Lægehuset Åmose", "anonymous",
    "anders.lykke@aamose.dk",
    ("anders.lykke@aamose.dk", "lægehuset åmose"),
    ("Anders", "ANDERS", "Bo", "BO", "Lykke", "LYKKE"),
)  # fmt: skip
KARIN = Person(
    "Karin Vinterberg", "professor", "Nordhavn Universitet", "named", "kv@nordhavn.example", ()
)
PEOPLE = (HENRIK, ANNE, ANDERS, KARIN)


def participants_csv() -> str:
    rows = ["name;title;organisation;expertise;consent;email"]
    for p in PEOPLE:
        # Anne-Mette's row is written decomposed (NFD), as some spreadsheets save it.
        name = nfd(p.name) if p is ANNE else p.name
        rows.append(f"{name};{p.title};{p.organisation};palliation;{p.consent};{p.email}")
    return "\n".join(rows) + "\n"


INTERVIEWS: dict[str, tuple[str, str]] = {
    "02_frandsen.txt": (
        "Henrik Frandsen",
        "I: Velkommen. Tak, Henrik, fordi du ville være med.\n\n"
        "Henrik Frandsen: Henvisninger bliver afvist hele tiden, og patienter med lav "
        "sundhedskompetence venter længst. Det sagde jeg også til Anne-Mette fra Kommunal  "
        "Hjemmepleje Øst.\n\n"
        "I: HENRIK, hvad med den basale palliation?\n\n"
        "Henrik Frandsen: Den basale palliation halter, fordi data mangler. Frandsens pointe "
        "er enkel: skriv til h.frandsen@vestby-sygehus.dk, så sender jeg tallene.\n\n",
    ),
    "03_interview_ost.txt": (
        "Anne-Mette Søgaard",
        "I: Tak, Anne-Mette. Du kender jo Frandsen’s arbejde?\n\n"
        f"Anne-Mette Søgaard: Ja. Som leder af palliativt team ved Kommunal{NBSP}Hjemmepleje Øst "
        "ser jeg, at sårbare patienter ikke får lige adgang til palliation. Det er anders end "
        "på sygehuset, hvor de bor tæt på.\n\n"
        f"I: Hvad sagde Bo om det? Og {nfd('Søgaard')}s egen erfaring, Sø{SHY}gaard?\n\n"
        "Anne-Mette Søgaard: Anders' idé var god: vidensdeling mellem kommunen og sygehuset "
        "skal forbedres. ANDERS og jeg skrev det til ams@hjemmeplejeoest.dk-listen.\n\n",
    ),
    "04_vinterberg.txt": (
        "Karin Vinterberg",
        "I: Tak, Karin.\n\n"
        "Karin Vinterberg: Henrik\nFrandsen har ret i, at henvisninger bliver afvist. Og "
        "Lykke fra LÆGEHUSET  ÅMOSE siger det samme: der mangler data om palliation. Held og "
        "lykke med det.\n\n"
        "I: Og anne-mette søgaard?\n\n"
        "Karin Vinterberg: Hun mener, at palliative tilbud skal integreres tidligere i "
        "forløbet, og det gør jeg også.\n\n",
    ),
}

# (file, code, passage): each becomes a coding and a quote.
PASSAGES = [
    ("02_frandsen", "1.1", "Henvisninger bliver afvist hele tiden"),
    ("02_frandsen", "6.5", "Den basale palliation halter, fordi data mangler. Frandsens pointe er enkel"),
    ("03_interview_ost", "6.1", "ser jeg, at sårbare patienter ikke får lige adgang til palliation"),
    ("03_interview_ost", "6.2", "Anders' idé var god: vidensdeling mellem kommunen og sygehuset"),
    ("04_vinterberg", "1.1", "Frandsen har ret i, at henvisninger bliver afvist"),
    ("04_vinterberg", "6.3", "palliative tilbud skal integreres tidligere i"),
]  # fmt: skip
MEMO = "Henrik og Anne-Mette Søgaard (Kommunal Hjemmepleje Øst) er enige; spørg Bo."


def write_sources(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "participants.csv").write_text(participants_csv(), encoding="utf-8")
    paths = []
    for name, (_speaker, text) in INTERVIEWS.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


# --- scanning -----------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")


def _forms(text: str) -> list[str]:
    """The text as a scanner reads it: NFC and casefolded, with soft hyphens stripped, spaces
    collapsed; also with XML tags removed (a name split over Word runs)."""
    text = unicodedata.normalize("NFC", text).replace(SHY, "").replace("\u200b", "")
    flat = _TAG.sub("", text)
    return [" ".join(t.split()) for t in (text, flat)]


def readable_parts(path: Path) -> list[tuple[str, str]]:
    """(where, text) for a file: its name, and for a zip each member's name and content."""
    parts = [(path.name, path.name)]
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                parts.append((f"{path.name}!{info.filename} (name)", info.filename))
                body = zf.read(info)
                parts += _decoded(f"{path.name}!{info.filename}", body)
    else:
        parts += _decoded(path.name, data)
    return parts


def _decoded(where: str, body: bytes) -> list[tuple[str, str]]:
    """The text of ``body`` (UTF-16 with a BOM, else UTF-8), and again with XML/HTML
    character references resolved, so ``&#xE6;`` cannot hide a letter from the scan."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = body.decode("utf-16", "replace")
    else:
        text = body.decode("utf-8", "replace")
    unescaped = html.unescape(text)
    return [(where, text)] + ([(where + " (unescaped)", unescaped)] if unescaped != text else [])


def leaks(path: Path, people: tuple[Person, ...]) -> list[str]:
    """Every forbidden identifier of ``people`` found in ``path`` (one line per leak)."""
    found: list[str] = []
    for where, text in readable_parts(path):
        for form in _forms(text):
            low = form.casefold()
            low_nfd = unicodedata.normalize("NFD", low)
            for person in people:
                for bad in person.forbidden:
                    pattern = rf"(?<![^\W\d_]){re.escape(bad)}"
                    if re.search(pattern, low) or re.search(
                        rf"(?<![^\W\d_]){re.escape(unicodedata.normalize('NFD', bad))}", low_nfd
                    ):
                        found.append(f"{where}: {bad!r} ({person.name})")
                for bad in person.forbidden_capitalised:
                    if re.search(rf"(?<![^\W\d_]){re.escape(bad)}(?![^\W\d_])", form):
                        found.append(f"{where}: {bad!r} ({person.name})")
    return sorted(set(found))


def protected(consents: tuple[str, ...] = ("role_only", "anonymous")) -> tuple[Person, ...]:
    return tuple(p for p in PEOPLE if p.consent in consents)


Runner = Callable[..., tuple[int, str, str]]
