"""What an agreement report holds: figures per code, per area and overall, and the
disagreements one by one (JSON shapes as TypedDicts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from qualcode.agreement.figures import BothFigures, Figures

REVIEW_PREFIX = "review:"
DECISIONS = ("keep_a", "keep_b", "both", "neither")


class CodeRow(TypedDict):
    """One code's figures. The top-level figures are over all units (as before);
    ``all_units`` and ``coded_units`` name both sets."""

    code: str
    label: str
    area: str
    units_coded: dict[str, int]
    items: int
    percent_agreement: float | None
    cohen_kappa: float | None
    krippendorff_alpha: float | None
    all_units: Figures
    coded_units: Figures
    disagreements: int


class AreaRow(TypedDict):
    """The codes of one area pooled (units x codes), over all units and coded units."""

    area: str
    label: str
    codes: list[str]
    all_units: Figures
    coded_units: Figures
    disagreements: int


class AgreementDocument(TypedDict):
    """A document the coders all worked on, and how many units it gave."""

    id: int | None
    title: str
    units: int


class DisagreementCoding(TypedDict):
    """One coder's coding that marked the unit (its span, text and memo)."""

    id: int | None
    start: int
    end: int
    text: str
    memo: str


class Resolution(TypedDict):
    """How a reviewer settled a disagreement (stored under its ``review_key``)."""

    decision: str
    reviewer: str
    coders: list[str]
    codings: list[int | None]
    at: str


class DisagreementDict(TypedDict):
    """One disagreement as `agreement --json` prints it."""

    document_id: int
    document: str
    start: int
    end: int
    text: str
    code: str
    code_label: str
    coded_by: list[str]
    not_coded_by: list[str]
    codings: dict[str, list[DisagreementCoding]]
    resolution: Resolution | None


class OverallFigures(Figures):
    """Every code pooled (units x codes): the figures over all units at the top level (as
    before), and both unit sets named. With no code to compare, ``items`` is 0 and every
    figure is None."""

    all_units: Figures
    coded_units: Figures


class AgreementDict(TypedDict):
    """`qualcode agreement --json` (with or without --by-code: the same document)."""

    coders: list[str]
    unit: str
    unit_sources: dict[str, int]
    documents: list[AgreementDocument]
    units: int
    overall: OverallFigures
    codes: list[CodeRow]
    areas: list[AreaRow]
    disagreements: list[DisagreementDict]


@dataclass
class Disagreement:
    """One unit and code on which the coders differ."""

    document_id: int
    document: str
    start: int
    end: int
    text: str
    code_id: int
    code: str
    code_label: str
    coded_by: list[str]
    not_coded_by: list[str]
    codings: dict[str, list[DisagreementCoding]] = field(default_factory=dict)
    resolution: Resolution | None = None

    @property
    def review_key(self) -> str:
        return f"{REVIEW_PREFIX}{self.document_id}:{self.start}:{self.end}:{self.code_id}"

    def as_dict(self) -> DisagreementDict:
        return {
            "document_id": self.document_id,
            "document": self.document,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "code": self.code,
            "code_label": self.code_label,
            "coded_by": self.coded_by,
            "not_coded_by": self.not_coded_by,
            "codings": self.codings,
            "resolution": self.resolution,
        }


@dataclass
class AgreementReport:
    coders: list[str]
    unit: str
    unit_sources: dict[str, int]
    documents: list[AgreementDocument]
    units: int
    overall: OverallFigures
    codes: list[CodeRow]
    disagreements: list[Disagreement]
    areas: list[AreaRow] = field(default_factory=list)
    overall_coded: Figures | None = None

    def code_row(self, key: str) -> CodeRow | None:
        return next((r for r in self.codes if r["code"] == key), None)

    def as_dict(self) -> AgreementDict:
        return {
            "coders": self.coders,
            "unit": self.unit,
            "unit_sources": self.unit_sources,
            "documents": self.documents,
            "units": self.units,
            "overall": self.overall,
            "codes": self.codes,
            "areas": self.areas,
            "disagreements": [d.as_dict() for d in self.disagreements],
        }


def both_dict(both: BothFigures) -> OverallFigures:
    """The overall figures: all units at the top level (as before) and both sets named."""
    top = both["all_units"]
    return OverallFigures(
        items=top["items"],
        percent_agreement=top["percent_agreement"],
        cohen_kappa=top["cohen_kappa"],
        krippendorff_alpha=top["krippendorff_alpha"],
        all_units=top,
        coded_units=both["coded_units"],
    )
