"""Editing the codebook: add, rename, move, recolour, merge and delete codes.

Each operation is one transaction. Merge and delete change codings, so they are logged in
the coder's undo history like any coding action; their log entry also carries what the
coding history alone cannot restore (the deleted code itself, its children's old parent),
under ``payload["codebook"]``. ``undo``/``redo`` here understand that extra part and
otherwise behave exactly like ``qualcode.history.undo``/``redo``; the TUI's ctrl+z uses them.
"""

from __future__ import annotations

import re
from typing import TypedDict

from sqlalchemy import func
from sqlmodel import Session, select

from qualcode import history
from qualcode.audit import log_event
from qualcode.codebook import descendant_ids, resolve_code
from qualcode.db import Project
from qualcode.errors import CodebookError, NotFoundError
from qualcode.history import code_snapshot, coding_snapshot, fresh_code_ids, record_action
from qualcode.models import CODE_KINDS, Code, Coding, Memo, Quote, Suggestion
from qualcode.naming import fold
from qualcode.rows import stored_id

# A palette that reads on dark and light backgrounds, for codes added without a colour.
PALETTE = (
    "#e6194b",
    "#3cb44b",
    "#ffe119",
    "#4363d8",
    "#f58231",
    "#911eb4",
    "#46f0f0",
    "#f032e6",
    "#bcf60c",
    "#fabebe",
    "#008080",
    "#e6beff",
    "#9a6324",
    "#aaffc3",
)


class AddedCode(TypedDict):
    """`codebook add --json`: the new code's id and key."""

    id: int
    key: str


class MergedCodes(TypedDict):
    """`codebook merge --json`: the two codes as given and how many codings moved."""

    source: str
    target: str
    codings_moved: int


class DeletedCode(TypedDict):
    """`codebook delete --json`: the code as given and how many of its codings went."""

    code: str
    codings_deleted: int


def added_code(code_id: int, key: str) -> AddedCode:
    return AddedCode(id=code_id, key=key.strip())


def merged_codes(source: str, target: str, moved: int) -> MergedCodes:
    return MergedCodes(source=source, target=target, codings_moved=moved)


def deleted_code(code: str, gone: int) -> DeletedCode:
    return DeletedCode(code=code, codings_deleted=gone)


def _code(session: Session, ref: str | int) -> Code:
    if isinstance(ref, int):
        code = session.get(Code, ref)
        if code is None:
            raise NotFoundError(f"no code with id {ref}", "See `qualcode codebook show`.")
        return code
    return resolve_code(session, ref)


def _check_colour(colour: str) -> str:
    value = colour.strip()
    if not value.startswith("#"):
        value = "#" + value
    digits = value[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    try:
        int(digits, 16)
    except ValueError:
        digits = ""
    if len(digits) != 6:
        raise CodebookError(f"{colour!r} is not a colour", "Give a hex colour like #3cb44b.")
    return "#" + digits.lower()


def _descendant_ids(session: Session, code_id: int | None) -> set[int]:
    return descendant_ids(session, code_id) if code_id is not None else set()


def code_usage(project: Project, code: str | int) -> dict[str, int]:
    """How much hangs on a code: codings, child codes, quotes (for a delete confirmation)."""
    with project.session() as s:
        row = _code(s, code)
        codings = s.exec(
            select(func.count()).select_from(Coding).where(Coding.code_id == row.id)
        ).one()
        children = s.exec(
            select(func.count()).select_from(Code).where(Code.parent_id == row.id)
        ).one()
        quotes = s.exec(
            select(func.count()).select_from(Quote).where(Quote.code_id == row.id)
        ).one()
        return {"codings": int(codings), "children": int(children), "quotes": int(quotes)}


def add_code_in(
    session: Session,
    key: str,
    label_da: str,
    parent: str | int | None = None,
    label_en: str = "",
    colour: str | None = None,
    kind: str = "code",
    description_da: str = "",
) -> Code:
    """Add a code inside the caller's transaction, last in the codebook; returns it flushed."""
    key = key.strip()
    if not key:
        raise CodebookError("a code needs a key", "Keys are short: 1.7, ulighed, ...")
    if not label_da.strip():
        raise CodebookError("a code needs a (Danish) label", "Give the label, e.g. 'Ventetid'.")
    if kind not in CODE_KINDS:
        raise CodebookError(f"unknown kind {kind!r}", f"Use one of {', '.join(CODE_KINDS)}.")
    if session.exec(select(Code).where(Code.key == key)).first() is not None:
        raise CodebookError(f"the key {key!r} is taken", "Choose another key.")
    parent_row = _code(session, parent) if parent is not None else None
    position = session.exec(select(func.max(Code.position))).one() or 0
    count = session.exec(select(func.count()).select_from(Code)).one()
    code = Code(
        id=next(fresh_code_ids(session)),
        key=key,
        label_da=label_da.strip(),
        label_en=label_en.strip(),
        parent_id=parent_row.id if parent_row else None,
        kind=kind,
        colour=_check_colour(colour) if colour else PALETTE[int(count) % len(PALETTE)],
        description_da=description_da,
        position=int(position) + 1,
    )
    session.add(code)
    session.flush()
    return code


def add_code(
    project: Project,
    key: str,
    label_da: str,
    parent: str | int | None = None,
    label_en: str = "",
    colour: str | None = None,
    kind: str = "code",
    description_da: str = "",
) -> int:
    """Add a code at the end of its parent's children; returns its id."""
    with project.transaction() as s:
        code = add_code_in(s, key, label_da, parent, label_en, colour, kind, description_da)
        assert code.id is not None
        log_event(s, "", f"add code {key} {label_da.strip()}", "codebook")
        return code.id


def next_key(session: Session, parent: str | int | None, label: str = "") -> str:
    """A free key for a new code: the next ``<parent key>.<n>`` under a parent, a slug of
    the label at the top level (``Lange ventetider`` -> ``lange-ventetider``)."""
    taken = set(session.exec(select(Code.key)))
    if parent is not None:
        base = _code(session, parent).key
        n = 1 + sum(
            1
            for c in session.exec(
                select(Code.id).where(Code.parent_id == _code(session, parent).id)
            )
        )
        while f"{base}.{n}" in taken:
            n += 1
        return f"{base}.{n}"
    slug = re.sub(r"[^\w]+", "-", fold(label)).strip("-")[:40] or "kode"
    key, n = slug, 2
    while key in taken:
        key, n = f"{slug}-{n}", n + 1
    return key


def rename_code(
    project: Project,
    code: str | int,
    label_da: str | None = None,
    label_en: str | None = None,
    key: str | None = None,
) -> None:
    """Change a code's labels and/or key (codings refer to the id, so they follow)."""
    with project.transaction() as s:
        row = _code(s, code)
        if key is not None and key.strip() != row.key:
            key = key.strip()
            if not key:
                raise CodebookError("a code needs a key", "Keys are short: 1.7, ulighed, ...")
            if s.exec(select(Code).where(Code.key == key)).first() is not None:
                raise CodebookError(f"the key {key!r} is taken", "Choose another key.")
            row.key = key
        if label_da is not None:
            if not label_da.strip():
                raise CodebookError("a code needs a (Danish) label", "Give a non-empty label.")
            row.label_da = label_da.strip()
        if label_en is not None:
            row.label_en = label_en.strip()
        s.add(row)
        log_event(s, "", f"rename code {row.key}: {row.label_da}", "codebook")


def move_code(project: Project, code: str | int, new_parent: str | int | None) -> None:
    """Put a code under another parent (None = top level), last among its new siblings."""
    with project.transaction() as s:
        row = _code(s, code)
        parent = _code(s, new_parent) if new_parent is not None else None
        if parent is not None:
            if parent.id == row.id or parent.id in _descendant_ids(s, row.id):
                raise CodebookError(
                    f"cannot move {row.key} under {parent.key}: that is inside {row.key} itself",
                    f"Move {parent.key} out of {row.key} first, or choose another parent.",
                )
        row.parent_id = parent.id if parent else None
        row.position = int(s.exec(select(func.max(Code.position))).one() or 0) + 1
        s.add(row)
        log_event(
            s, "", f"move code {row.key} under {parent.key if parent else 'top level'}", "codebook"
        )


def recolour_code(project: Project, code: str | int, colour: str) -> str:
    """Give a code a new colour (hex); returns the normalised colour."""
    value = _check_colour(colour)
    with project.transaction() as s:
        row = _code(s, code)
        row.colour = value
        s.add(row)
        log_event(s, "", f"recolour code {row.key} {value}", "codebook")
    return value


def merge_codes(project: Project, source: str | int, target: str | int, coder: str) -> int:
    """Merge ``source`` into ``target``: its codings, children, quotes, suggestions and memos
    move to ``target`` and ``source`` is deleted. Undoable. Returns the number of codings moved.
    """
    with project.transaction() as s:
        src = _code(s, source)
        tgt = _code(s, target)
        if src.id == tgt.id:
            raise CodebookError("a code cannot be merged into itself", "Name two different codes.")
        if tgt.id in _descendant_ids(s, src.id):
            raise CodebookError(
                f"cannot merge {src.key} into {tgt.key}: {tgt.key} is inside {src.key}",
                f"Move {tgt.key} out first, or merge the other way round.",
            )
        codings = list(s.exec(select(Coding).where(Coding.code_id == src.id)))
        target_id = stored_id(tgt)
        changed = [(stored_id(c), {"code_id": src.id}, {"code_id": target_id}) for c in codings]
        for c in codings:
            c.code_id = target_id
            s.add(c)
        parents = []
        for child in s.exec(select(Code).where(Code.parent_id == src.id)):
            parents.append([child.id, src.id, tgt.id])
            child.parent_id = tgt.id
            s.add(child)
        moved: dict[str, list[int]] = {"quote": [], "suggestion": [], "memo": []}
        for quote in s.exec(select(Quote).where(Quote.code_id == src.id)):
            moved["quote"].append(stored_id(quote))
            quote.code_id = tgt.id
            s.add(quote)
        for suggestion in s.exec(select(Suggestion).where(Suggestion.code_id == src.id)):
            moved["suggestion"].append(stored_id(suggestion))
            suggestion.code_id = target_id
            s.add(suggestion)
        for memo in s.exec(
            select(Memo).where(Memo.target_kind == "code", Memo.target_id == src.id)
        ):
            moved["memo"].append(stored_id(memo))
            memo.target_id = tgt.id
            s.add(memo)
        snap = code_snapshot(src)
        s.flush()
        extra = {
            "deleted_codes": [snap],
            "parents": parents,
            "moved": moved,
            "source": src.id,
            "target": tgt.id,
        }
        label = f"merge code {src.key} into {tgt.key}"
        record_action(s, coder, label, changed=changed, codebook=extra)
        s.delete(src)
        return len(codings)


def delete_code(project: Project, code: str | int, coder: str, force: bool = False) -> int:
    """Delete a code. With codings it refuses unless ``force`` (then they go too, undoable).

    A code with child codes is never deleted: move or merge the children first. Returns the
    number of codings deleted.
    """
    with project.transaction() as s:
        row = _code(s, code)
        children = s.exec(
            select(func.count()).select_from(Code).where(Code.parent_id == row.id)
        ).one()
        if children:
            raise CodebookError(
                f"{row.key} has {children} child code(s)",
                "Move or merge its children first.",
            )
        codings = list(s.exec(select(Coding).where(Coding.code_id == row.id)))
        if codings and not force:
            raise CodebookError(
                f"{row.key} has {len(codings)} coding(s); deleting it deletes them too",
                "Confirm the delete (`--force` on the command line), or merge the code into "
                "another instead.",
            )
        removed = [coding_snapshot(c) for c in codings]
        for c in codings:
            s.delete(c)
        snap = code_snapshot(row)
        s.flush()
        extra = {"deleted_codes": [snap], "parents": []}
        record_action(s, coder, f"delete code {row.key}", removed=removed, codebook=extra)
        s.delete(row)
        return len(codings)


def undo(project: Project, coder: str) -> str | None:
    """Undo the coder's last action (a coding action, or a code merge/delete)."""
    return history.undo(project, coder)


def redo(project: Project, coder: str) -> str | None:
    """Redo the coder's most recently undone action."""
    return history.redo(project, coder)
