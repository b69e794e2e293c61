"""What an exchange import did, for the person who ran it: counts, what was placed, moved,
left out and why. ``as_dict`` is the ``--json`` shape (a ``TypedDict``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from qualcode.exchange.qdc import QdcLoadDict


class UnplacedCoding(TypedDict, total=False):
    guid: str
    coding_guid: str
    source: str
    start: int
    end: int
    reason: str


class AdjustedCoding(TypedDict):
    guid: str
    coding_guid: str
    source: str
    to: list[int]
    reason: str


class SetReport(TypedDict):
    name: str
    codes: int
    sources: int
    notes: int
    became: str  # "quotes" (qualcode's own), "code group" or "listed"


class ImportDict(TypedDict):
    documents: int
    documents_existing: int
    codes_created: int
    codes_matched: int
    codings_placed: int
    codings_adjusted: int
    codings_unplaced: int
    codings_already_present: int
    cases: int
    notes: int
    quotes: int
    coders: int
    position_unit: str
    position_evidence: str
    origin: str
    restored_from_qualcode: bool
    not_imported: dict[str, int]
    not_imported_items: list[str]
    sets: list[SetReport]
    code_groups: list[str]
    missing_sources: list[str]
    unplaced: list[UnplacedCoding]
    adjusted: list[AdjustedCoding]
    warnings: list[str]


@dataclass
class ImportSummary:
    """Counts and lists an import fills as it goes (also ``ExchangeOutcome.details``)."""

    documents: int = 0
    documents_existing: int = 0
    codes_created: int = 0
    codes_matched: int = 0
    codings_placed: int = 0
    codings_adjusted: int = 0
    codings_unplaced: int = 0
    codings_already_present: int = 0
    cases: int = 0
    notes: int = 0
    quotes: int = 0
    coders: int = 0
    position_unit: str = "Unicode code points"
    position_evidence: str = ""
    origin: str = ""
    restored_from_qualcode: bool = False
    not_imported: dict[str, int] = field(default_factory=dict)
    not_imported_items: list[str] = field(default_factory=list)
    sets: list[SetReport] = field(default_factory=list)
    code_groups: list[str] = field(default_factory=list)  # made from ``Group::Code`` names
    missing_sources: list[str] = field(default_factory=list)
    unplaced: list[UnplacedCoding] = field(default_factory=list)
    adjusted: list[AdjustedCoding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def skip(self, kind: str, what: str, n: int = 1) -> None:
        if n > 0:
            self.not_imported[kind] = self.not_imported.get(kind, 0) + n
            self.not_imported_items.append(what)

    def as_dict(self) -> ImportDict:
        return ImportDict(
            documents=self.documents,
            documents_existing=self.documents_existing,
            codes_created=self.codes_created,
            codes_matched=self.codes_matched,
            codings_placed=self.codings_placed,
            codings_adjusted=self.codings_adjusted,
            codings_unplaced=self.codings_unplaced,
            codings_already_present=self.codings_already_present,
            cases=self.cases,
            notes=self.notes,
            quotes=self.quotes,
            coders=self.coders,
            position_unit=self.position_unit,
            position_evidence=self.position_evidence,
            origin=self.origin,
            restored_from_qualcode=self.restored_from_qualcode,
            not_imported=dict(self.not_imported),
            not_imported_items=list(self.not_imported_items),
            sets=list(self.sets),
            code_groups=list(self.code_groups),
            missing_sources=list(self.missing_sources),
            unplaced=list(self.unplaced),
            adjusted=list(self.adjusted),
            warnings=list(self.warnings),
        )

    def lines(self, label: str) -> list[str]:
        """The summary a person reads: one line of counts, then what needs a look."""
        head = f"{label}: imported {self.documents} documents"
        if self.documents_existing:
            head += f" ({self.documents_existing} already in the project)"
        head += (
            f", {self.codes_created} new codes ({self.codes_matched} matched), "
            f"{self.codings_placed} codings placed ({self.codings_adjusted} adjusted, "
            f"{self.codings_unplaced} unplaced), {self.cases} cases, {self.notes} notes"
        )
        if self.quotes:
            head += f", {self.quotes} quotes"
        out = [head]
        if self.position_unit != "Unicode code points":
            out.append(f"  positions were counted in {self.position_unit}; converted")
        if self.not_imported:
            counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in self.not_imported.items())
            out.append(f"  not imported (qualcode holds text only): {counts}")
            out.extend(f"    {item}" for item in self.not_imported_items)
        for st in self.sets:
            out.append(
                f"  set {st['name']!r} ({st['codes']} codes, {st['sources']} sources, "
                f"{st['notes']} notes): {st['became']}"
            )
        if self.code_groups:
            out.append(
                f"  {len(self.code_groups)} code groups made from '::' names: "
                + ", ".join(self.code_groups)
            )
        out.extend(f"  missing source: {m}" for m in self.missing_sources)
        for item in self.unplaced:
            out.append(
                f"  unplaced: selection {item.get('guid')} in {item.get('source')!r}: "
                f"{item.get('reason')}"
            )
        out.extend(f"  note: {w}" for w in self.warnings)
        return out


@dataclass
class ExchangeOutcome:
    """One exchange file imported (the shape of ``importing.ImportOutcome`` it becomes)."""

    path: str
    status: str
    title: str
    message: str
    details: ImportDict | QdcLoadDict
