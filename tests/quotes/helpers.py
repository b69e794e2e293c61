"""Small projects built straight into the tables (fast enough for property tests): recipes
over the one builder, tests/builders.py."""

from __future__ import annotations

from builders import Person, ProjectBuilder, RawCode

from qualcode.db import Project

# A person of an interview made by ``add_interview`` (the builder's ``Person``).
PersonSpec = Person

CODES = [
    RawCode("1", "area", "Tidlig diagnose", "Early diagnosis"),
    RawCode("1.1", "attention_point", "Samarbejde på tværs", "Working across sectors", "1"),
    RawCode("ulighed", "cross_cutting", "Ulighed", "Inequality"),
]


def add_codes(project: Project) -> None:
    ProjectBuilder(project).codes(CODES)


def add_interview(
    project: Project, title: str, people: list[Person], interviewer: str = "I"
) -> dict[str, tuple[int, int]]:
    """A document whose turns alternate interviewer / each person's texts.

    Returns, per turn text, its (start, end) in the document text.
    """
    return ProjectBuilder(project).raw_document(title, people, interviewer)


def docx_text(path: object) -> str:
    """Every bit of text in a .docx: body, tables, headers, core and custom properties."""
    import zipfile

    with zipfile.ZipFile(str(path)) as z:
        return "\n".join(
            z.read(name).decode("utf-8", "replace") for name in z.namelist()
            if name.endswith(".xml")
        )  # fmt: skip


def fill_docx(path: object, answers: list[tuple[str, str, str]], out: object) -> None:
    """Fill a packet like an expert in Word: (answer, new wording, comment) per quote table."""
    import docx

    from qualcode.packets import TEXTS

    labels = {k: {TEXTS[lang][k] for lang in TEXTS} for k in ("answer", "new_wording", "comment")}
    d = docx.Document(str(path))
    tables = [t for t in d.tables if t.rows[0].cells[0].text in {TEXTS["da"]["ref"],
                                                               TEXTS["en"]["ref"]}]  # fmt: skip
    assert len(tables) == len(answers), (len(tables), len(answers))
    for table, values in zip(tables, answers, strict=True):
        for row in table.rows:
            for key, value in zip(("answer", "new_wording", "comment"), values, strict=True):
                if row.cells[0].text in labels[key] and value:
                    row.cells[1].text = value
    d.save(str(out))
