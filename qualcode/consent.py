"""Consent: the one redaction engine every text that leaves the project goes through.

Who may be named is decided per participant by ``Participant.consent``:

``named``
    nothing is redacted; attributed as "name, title, organisation".
``role_only``
    the full name, every part of it (a hyphenated first name as a whole and in parts), and
    the e-mail address are replaced by ``[title, organisation]`` (or the pseudonym when no
    role is recorded).
``anonymous``
    all of the above, replaced by ``[pseudonym]``, and also the organisation, a multi-word
    title and "title, organisation" become ``[…]``.

Each identifier is matched in the forms people and programs write it: any letter case
(ALLCAPS too), Danish genitives (``Frandsens``, ``Frandsen's``, ``Frandsen’s``,
``Anders'``), soft hyphens, zero-width characters, NBSP, doubled spaces and line breaks
between name parts, a hyphenated name written with a space or run together, composed (NFC)
and decomposed (NFD) letters, and the Danish transliterations ``aa``/``ae``/``oe`` (``Søren``
as ``Soeren`` in an e-mail or a file name). Boundaries are letters, not "word" characters,
so ``02_frandsen.txt`` and ``henrik2`` are caught too.

A name part that is also an ordinary Danish (or English) word — ``Anders`` ("otherwise"),
``Bo`` ("live"), ``Per``, ``Hans`` ("his"), ``Lund``, ``Skov`` … (``COMMON_WORDS``) — is
redacted only where it starts with a capital letter; the lower-case word in running text is
left alone. A sentence-initial ordinary word ("Anders end …") is therefore redacted too: we
over-redact rather than leak. In file names (``safe_filename``) case carries no meaning, so
there every name part is redacted in any case.

Full names of ``named`` participants (and of a packet's addressee) are matched first and
left as written, so a first name two people share does not half-redact the named one.

What this cannot catch: nicknames and short forms ("Rikke" for "Henrikke"), initials,
misspellings, names inside compound words ("Frandsenudvalget"), an organisation named in
part ("Hjortbjerg" for "Hjortbjerg Sygehus"), and indirect identifiers (a unique job, a
town, an anecdote). Researchers still read what they send.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, TypedDict

from qualcode.rows import stored_id

# Kinds of identifier, as reported in ``RedactionCounts.by_kind``.
KINDS = ("name", "name_part", "email", "organisation", "title", "filename")

# Name parts that are also ordinary words: redacted only when written with a capital.
COMMON_WORDS = frozenset(
    """
    anders bo per hans sten storm lund holm skov bæk dam krog ravn due mark rose lærke birk
    ask sol lykke lise just kaj svend bjørn ulv karl tue rune dag gry vang fisker møller smed
    bach vest nord øst syd hjort dahl berg bak strand kær mose eng sig ester bent finn
    will bill frank grace hope may june dean art bob sue rich
    """.split()
)
MASK = "[…]"
MAX_FILENAME = 80

# Characters that can sit inside a written name without changing how it reads.
# (soft hyphen, zero-width characters, and control characters other than line breaks/tabs)
_IGNORABLE_CHARS = frozenset(
    "\u00ad\u200b\u200c\u200d\u2060\ufeff\x7f" + "".join(map(chr, [*range(9), *range(14, 32)]))
)
_IGNORABLE = "".join(re.escape(c) for c in sorted(_IGNORABLE_CHARS))  # a regex class body
_IGNORABLE_RE = re.compile(f"[{_IGNORABLE}]")
_SPACE = rf"(?:[\s{_IGNORABLE}]+)"
_HYPHEN = rf"(?:[\s{_IGNORABLE}]*[-\u2010\u2011\u2012\u2013\u2014][\s{_IGNORABLE}]*|{_SPACE}|)"
_NOT_LETTER_BEFORE = r"(?<![^\W\d_])"
_GENITIVE = r"(?P<gen>s|['’\u2019]s?)?"
_NOT_LETTER_AFTER = r"(?![^\W\d_])"
# Danish letters and how they are also written (decomposed, or transliterated in e-mails
# and file names).
_VARIANTS: dict[str, tuple[str, ...]] = {
    "å": ("aa", "a\u030a"),
    "æ": ("ae",),
    "ø": ("oe", "o\u0338"),
}
_FILENAME_BAD = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*\u2028\u2029' + _IGNORABLE + "]")
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)


class Person(Protocol):
    """What consent reads of a participant: a ``models.Participant`` row, or plain data read
    without the ORM (``participants.PersonRow``)."""

    @property
    def id(self) -> int | None: ...
    @property
    def name(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def organisation(self) -> str: ...
    @property
    def consent(self) -> str: ...
    @property
    def pseudonym(self) -> str: ...
    @property
    def email(self) -> str: ...


class RedactionDict(TypedDict):
    """What an export reports it redacted (``--json``): in all, per participant, per kind."""

    total: int
    by_participant: dict[str, int]
    by_kind: dict[str, int]


def default_pseudonym(participant_id: int) -> str:
    """The pseudonym a participant gets when none is given: "Ekspert <id>" (stable, as the
    id never changes). ``pseudonym`` renders it in English as "Expert <id>"."""
    return f"Ekspert {participant_id}"


def pseudonym(p: Person, language: str = "da") -> str:
    """The stable pseudonym ("Ekspert 7"; "Expert 7" in English texts)."""
    label = p.pseudonym or default_pseudonym(stored_id(p))
    if language == "en" and label.startswith("Ekspert "):
        label = "Expert " + label[len("Ekspert ") :]
    return label


def attribution(p: Person, language: str = "da") -> str:
    """How a quote is attributed, as consent allows: the only place names are rendered.

    named -> name, title and organisation; role_only -> title and organisation;
    anonymous -> the stable pseudonym.
    """
    if p.consent == "named":
        return ", ".join(x for x in (p.name, p.title, p.organisation) if x)
    if p.consent == "role_only":
        role = ", ".join(x for x in (p.title, p.organisation) if x)
        return role or pseudonym(p, language)
    return pseudonym(p, language)


def _letter(ch: str, transliterate: bool) -> str:
    """A regex for one (NFC, case-insensitive) letter of a needle, with aa/ae/oe spellings."""
    variants = _VARIANTS.get(ch.lower(), ()) if transliterate else ()
    if not variants:
        return re.escape(ch.lower())
    return "(?:" + "|".join([re.escape(ch.lower()), *variants]) + ")"


def _atoms(needle: str) -> list[str]:
    """The regex atoms of ``needle``, one per letter or separator (keys of the trie)."""
    needle = unicodedata.normalize("NFC", " ".join(needle.split()))
    needle = "".join(c for c in needle if c not in _IGNORABLE_CHARS)
    transliterate = len(needle) >= 4
    atoms: list[str] = []
    for ch in needle:
        if ch == " ":
            atoms.append(_SPACE)
        elif ch in "-\u2010\u2011":
            atoms.append(_HYPHEN)
        else:
            atoms.append(_letter(ch, transliterate))
    return atoms


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    end: int | None = None


def _trie_regex(needles: list[list[str]]) -> str:
    """One alternation of all needles as a trie; ``(?P<rN>)`` marks where needle N ends.

    Longer continuations are tried before a needle ends, so the longest written form wins
    (and a named participant's full name is seen before a shared first name).
    """
    root = _Node()
    for idx, atoms in enumerate(needles):
        node = root
        for atom in atoms:
            node = node.children.setdefault(atom, _Node())
        if node.end is None:
            node.end = idx

    def emit(node: _Node) -> str:
        # A run of single-child nodes is written in a loop: recursion only at branches.
        chain: list[str] = []
        while len(node.children) == 1 and node.end is None:
            atom, node = next(iter(node.children.items()))
            chain.append(atom)
        branches = [atom + emit(child) for atom, child in node.children.items()]
        if node.end is not None:
            branches.append(f"(?P<r{node.end}>)")
        if not branches:
            return "".join(chain)
        alt = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "".join(chain) + alt

    return emit(root)


def _shadow(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """``text`` in NFC without ignorable characters, and where each character came from.

    The maps are ``None`` when the text needs no change (the common, fast case).
    """
    if unicodedata.is_normalized("NFC", text) and _IGNORABLE_RE.search(text) is None:
        return text, None, None
    if unicodedata.is_normalized("NFC", text):
        starts = [i for i, c in enumerate(text) if c not in _IGNORABLE_CHARS]
        return "".join(text[i] for i in starts), starts, [i + 1 for i in starts]
    chars: list[str] = []
    starts = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] in _IGNORABLE_CHARS:
            i += 1
            continue
        j = i + 1
        while j < n and (unicodedata.combining(text[j]) or text[j] in _IGNORABLE_CHARS):
            j += 1
        cluster = unicodedata.normalize(
            "NFC", "".join(c for c in text[i:j] if c not in _IGNORABLE_CHARS)
        )
        for c in cluster:
            chars.append(c)
            starts.append(i)
            ends.append(j)
        i = j
    return "".join(chars), starts, ends


@dataclass(frozen=True)
class RedactionCounts:
    """How many identifiers were replaced, in all, per participant and per kind."""

    total: int
    by_participant: dict[int, int]
    by_kind: dict[str, int]

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "by_participant": {str(k): v for k, v in sorted(self.by_participant.items())},
            "by_kind": dict(sorted(self.by_kind.items())),
        }


@dataclass(frozen=True)
class _Rule:
    """One identifier to find: whose it is, its kind, what replaces it."""

    participant_id: int
    kind: str
    label: str
    capital_only: bool = False  # a name part that is also an ordinary word
    keep: bool = False  # a named participant's full name: matched, left as written


@dataclass
class _Tally:
    by_participant: dict[int, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, rule: _Rule) -> None:
        self.by_participant[rule.participant_id] = (
            self.by_participant.get(rule.participant_id, 0) + 1
        )
        self.by_kind[rule.kind] = self.by_kind.get(rule.kind, 0) + 1


class OffsetMap:
    """Moves an offset of the original text to the redacted one (replacements shift it)."""

    def __init__(self, spans: list[tuple[int, int, int, int]]) -> None:
        self.spans = spans
        self._starts = [s[0] for s in spans]

    def start(self, offset: int) -> int:
        return self._move(offset, at_end=False)

    def end(self, offset: int) -> int:
        return self._move(offset, at_end=True)

    def _move(self, offset: int, at_end: bool) -> int:
        i = bisect_right(self._starts, offset) - 1
        if i < 0:
            return offset
        old_start, old_end, new_start, new_end = self.spans[i]
        if offset >= old_end:
            return offset + (new_end - old_end)
        if offset == old_start:
            return new_start
        return new_end if at_end else new_start


def _name_parts(name: str) -> list[tuple[str, str]]:
    """(part, kind) for each part of a name: hyphenated parts whole and split."""
    parts: list[tuple[str, str]] = []
    for word in unicodedata.normalize("NFC", name).split():
        word = word.strip(".,;:()\"'")
        pieces = [p for p in re.split(r"[-\u2010\u2011]", word) if p]
        if len(pieces) > 1:
            parts.append((word, "name_part"))
        parts.extend((p, "name_part") for p in pieces if len(p) >= 2)
    return parts


class Redactor:
    """Replaces every identifier that consent does not allow; counts what it replaced."""

    def __init__(
        self,
        participants: Iterable[Person],
        *,
        language: str = "da",
        recipient_id: int | None = None,
        full: bool = False,
        isolate: bool = False,
    ) -> None:
        self.language = language
        self.recipient_id = recipient_id
        self.full = full
        self.isolate = isolate
        self._people = [p for p in participants]
        self._tally = _Tally()
        self._rules: list[_Rule] = []
        self._pattern: re.Pattern[str] | None = None
        self._anon_pattern: re.Pattern[str] | None = None
        if not full:
            self._build()

    @classmethod
    def for_participants(
        cls,
        participants: Iterable[Person],
        *,
        language: str = "da",
        recipient_id: int | None = None,
        full: bool = False,
        isolate: bool = False,
    ) -> Redactor:
        """A redactor for these participants.

        ``recipient_id``: that participant may be named (a packet's addressee).
        ``full``: nothing is redacted (an internal full export).
        ``isolate``: every participant but the recipient is hidden behind ``[…]``, whatever
        their consent (a packet shows one expert only their own words).
        """
        return cls(
            participants, language=language, recipient_id=recipient_id, full=full, isolate=isolate
        )

    # --- consent --------------------------------------------------------------------------

    def _level(self, p: Person) -> str:
        if self.full or (self.recipient_id is not None and p.id == self.recipient_id):
            return "named"
        if self.isolate:
            return "anonymous"
        return p.consent if p.consent in ("named", "role_only") else "anonymous"

    def attribution(self, participant: Person) -> str:
        """How this participant may be named here: name/title/org, title/org or pseudonym."""
        level = self._level(participant)
        if level == "named":
            return ", ".join(x for x in (participant.name, participant.title,
                                         participant.organisation) if x)  # fmt: skip
        if level == "role_only":
            role = attribution(participant, self.language)
            if participant.consent == "role_only" and not self._mentions_anonymous(role):
                return role
        return pseudonym(participant, self.language)

    def _mentions_anonymous(self, text: str) -> bool:
        return self._anon_pattern is not None and self._anon_pattern.search(text) is not None

    def _label(self, p: Person) -> str:
        if self.isolate:
            return MASK
        return f"[{self.attribution(p)}]"

    # --- building the pattern -------------------------------------------------------------

    def _needles(self, p: Person, level: str) -> list[tuple[str, _Rule]]:
        pid = p.id or 0
        if level == "named":
            return [(p.name, _Rule(pid, "name", "", keep=True))] if p.name.strip() else []
        label = self._label(p)
        found: list[tuple[str, _Rule]] = []
        if p.name.strip():
            found.append((p.name, _Rule(pid, "name", label)))
        for part, kind in _name_parts(p.name):
            common = part.casefold() in COMMON_WORDS
            found.append((part, _Rule(pid, kind, label, capital_only=common)))
        if p.email.strip():
            found.append((p.email.strip(), _Rule(pid, "email", label)))
        if level == "anonymous":
            org, title = p.organisation.strip(), p.title.strip()
            if org and len(org) >= 3:
                found.append((org, _Rule(pid, "organisation", MASK)))
            if title and org:
                found.append((f"{title}, {org}", _Rule(pid, "title", MASK)))
                found.append((f"{title} ved {org}", _Rule(pid, "title", MASK)))
                found.append((f"{title} at {org}", _Rule(pid, "title", MASK)))
            if len(title.split()) > 1:
                found.append((title, _Rule(pid, "title", MASK)))
        return found

    def _build(self) -> None:
        levels = {id(p): self._level(p) for p in self._people}
        # Anonymous organisations and titles first: role_only labels must not name them.
        anon = [
            needle
            for p in self._people
            if levels[id(p)] == "anonymous"
            for needle, rule in self._needles(p, "anonymous")
            if rule.kind in ("organisation", "title")
        ]
        if anon:
            self._anon_pattern = self._compile(anon)
        chosen: dict[str, tuple[str, _Rule]] = {}
        # A packet's addressee reads their own first name and surname as written, even
        # where another participant shares them.
        own = {
            part.casefold()
            for p in self._people
            if self.recipient_id is not None and p.id == self.recipient_id
            for part, _kind in _name_parts(p.name)
        }
        for p in self._people:
            for needle, rule in self._needles(p, levels[id(p)]):
                key = " ".join(unicodedata.normalize("NFC", needle).casefold().split())
                if not key or (rule.kind == "name_part" and key in own):
                    continue
                if key in chosen and not chosen[key][1].keep:
                    # A shared name part: still hidden (leaking is worse than over-redacting),
                    # and case-limited only if every owner's rule is.
                    old = chosen[key][1]
                    if old.capital_only and not rule.capital_only:
                        chosen[key] = (needle, rule)
                    continue
                if key in chosen and chosen[key][1].keep and not rule.keep:
                    continue
                chosen[key] = (needle, rule)
        ordered = sorted(chosen.values(), key=lambda nr: -len(nr[0]))
        self._rules = [rule for _needle, rule in ordered]
        if any(not rule.keep for rule in self._rules):
            needles = [needle for needle, _rule in ordered]
            self._pattern = self._compile(needles)

    @staticmethod
    def _compile(needles: list[str]) -> re.Pattern[str]:
        body = _trie_regex([_atoms(n) for n in needles])
        return re.compile(_NOT_LETTER_BEFORE + body + _GENITIVE + _NOT_LETTER_AFTER, re.IGNORECASE)

    # --- redacting ------------------------------------------------------------------------

    def _rule_of(self, match: re.Match[str]) -> _Rule:
        name = match.lastgroup
        if name is None or not name.startswith("r"):
            # lastgroup is the genitive when it matched; find the needle's end marker.
            name = next(k for k, v in match.groupdict().items() if k != "gen" and v is not None)
        return self._rules[int(name[1:])]

    def _replacement(self, match: re.Match[str], in_filename: bool) -> str | None:
        """The label for a match, or None to leave it as written (counted when replaced)."""
        rule = self._rule_of(match)
        found = match.group(0)
        if rule.keep:
            return None
        if rule.capital_only and not in_filename and not found[:1].isupper():
            return None
        self._tally.add(_Rule(rule.participant_id, "filename" if in_filename else rule.kind, ""))
        return rule.label + (match.group("gen") or "")

    def _spans(self, text: str, in_filename: bool) -> list[tuple[int, int, str]]:
        """(start, end, label) in ``text`` for every identifier to replace."""
        if self._pattern is None or not text:
            return []
        shadow, starts, ends = _shadow(text)
        found: list[tuple[int, int, str]] = []
        for m in self._pattern.finditer(shadow):
            label = self._replacement(m, in_filename)
            if label is None:
                continue
            if starts is None or ends is None:
                found.append((m.start(), m.end(), label))
            else:
                found.append((starts[m.start()], ends[m.end() - 1], label))
        return found

    def redact(self, text: str) -> str:
        """``text`` with every identifier consent does not allow replaced (counts accumulate)."""
        return self.redact_with_map(text)[0]

    def redact_with_map(self, text: str, *, in_filename: bool = False) -> tuple[str, OffsetMap]:
        """The redacted text and a map that moves offsets of ``text`` into it."""
        spans = self._spans(text, in_filename)
        if not spans:
            return text, OffsetMap([])
        out: list[str] = []
        moved: list[tuple[int, int, int, int]] = []
        last = new_len = 0
        for start, end, label in spans:
            out.append(text[last:start])
            new_len += start - last
            moved.append((start, end, new_len, new_len + len(label)))
            out.append(label)
            new_len += len(label)
            last = end
        out.append(text[last:])
        return "".join(out), OffsetMap(moved)

    def safe_filename(self, stem: str) -> str:
        """``stem`` redacted (any case) and made safe as one file name component.

        No control characters, path separators or characters Windows refuses; at most
        ``MAX_FILENAME`` characters; never empty, ``.``/``..`` or a reserved device name.
        """
        text = self.redact_with_map(unicodedata.normalize("NFC", stem), in_filename=True)[0]
        text = text.replace("[", "").replace("]", "").replace(MASK.strip("[]"), "x")
        text = _FILENAME_BAD.sub("", text)
        text = re.sub(r"\s+", "_", text.strip())
        text = text.strip(". ")[:MAX_FILENAME].rstrip(". ")
        if not text or text.split(".")[0].casefold() in _WINDOWS_RESERVED:
            text = f"file_{text}" if text else "file"
        return text

    @property
    def counts(self) -> RedactionCounts:
        return RedactionCounts(
            total=sum(self._tally.by_kind.values()),
            by_participant=dict(self._tally.by_participant),
            by_kind=dict(self._tally.by_kind),
        )

    @property
    def active(self) -> bool:
        """False when nothing could ever be replaced (everyone named, or ``full``)."""
        return self._pattern is not None


# --- exports -----------------------------------------------------------------------------
# One rule is the exports' own: a participant whose *name* is already what consent shows (a
# role-only expert imported from a redacted export comes back named "title, organisation";
# an anonymous one as "Ekspert 7") has no name to hide. Passing such a participant to the
# redactor would rewrite ordinary words of their role ("de praktiserende læger") in every
# document on the next export, so they are left out of the patterns, and still attributed
# through the redactor.


def name_withheld(p: Person) -> bool:
    """True when the participant's stored name is only their attribution (no real name)."""
    name = p.name.strip()
    return bool(name) and name in {
        attribution(p),
        pseudonym(p),
        ", ".join(x for x in (p.title, p.organisation) if x),
    }


def export_redactor(
    participants: Iterable[Person], *, full: bool = False, language: str = "da"
) -> Redactor:
    """The consent redactor for an export (``full``: the team's own copy, nothing redacted)."""
    known = [p for p in participants if not name_withheld(p)]
    return Redactor.for_participants(known, language=language, full=full)


def describe_redactions(counts: RedactionDict) -> str:
    """One line for an export's summary: "12 identifiers redacted (name 7, name_part 5)"."""
    if not counts["total"]:
        return "nothing redacted"
    kinds = ", ".join(f"{k} {n}" for k, n in counts["by_kind"].items())
    return f"{counts['total']} identifiers redacted ({kinds})"


__all__ = [
    "COMMON_WORDS", "KINDS", "MASK", "OffsetMap", "Person", "RedactionCounts", "RedactionDict",
    "Redactor", "attribution", "describe_redactions", "export_redactor", "name_withheld",
    "pseudonym",
]  # fmt: skip
