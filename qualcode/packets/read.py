"""Recording the answers in returned packets, all files in one transaction.

What a returned file says is read by ``packets.returned``; here each answer is checked
against the packet it came from and recorded. A file that is not a packet, belongs to
another project, has an edited quote id, or an answer that cannot be read (an unknown word,
or approve and reject both ticked) is refused with the quote id named, and nothing at all
is recorded. An expert who edited the quote cell itself gets ``approved_with_changes`` with
that wording (and its fidelity check), never a silent approval of the old wording.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

from sqlmodel import Session, select

from qualcode import quotes as quotes_mod
from qualcode.consent import MASK
from qualcode.db import Project
from qualcode.errors import PacketError, QualcodeError
from qualcode.models import Packet, Participant, Quote
from qualcode.packets.content import Isolation, PacketRedactor, project_id, quote_ref
from qualcode.packets.returned import (
    ReturnedAnswer,
    ReturnedPacket,
    answer_actions,
    parse_answer,
    parse_returned_docx,
)
from qualcode.progress import Progress, no_progress
from qualcode.rows import stored_id


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _edited_cell(a: ReturnedAnswer, q: Quote, redactor: PacketRedactor | None) -> str | None:
    """The quote cell's new text when the expert edited it, else None."""
    if a.quote_cell is None:
        return None
    cell = a.quote_cell.strip().strip('»«"“”„').strip()
    if not cell:
        return None
    shown = [q.wording]
    if redactor is not None:
        shown.append(redactor.redact(q.wording))
    if any(_same(cell, s.strip()) for s in shown):
        return None
    return cell


def _unreadable(ret: ReturnedPacket, a: ReturnedAnswer) -> PacketError:
    found, _left = answer_actions(a.answer)
    if len(found) > 1:
        why = f"the answer {a.answer.strip()!r} says both " + " and ".join(sorted(found))
    else:
        why = f"cannot read the answer {a.answer.strip()!r}"
    return PacketError(
        f"{ret.path.name}: quote {a.ref}: {why}; nothing was recorded",
        "Write one of Godkend / Godkend med ændringer / Afvis (Approve / Approve with "
        "changes / Reject), or record it with `qualcode quotes respond`.",
    )


class RecordedAnswer(TypedDict):
    """An answer recorded from a returned packet."""

    quote_id: int | None
    status: str
    approved_wording: str | None
    note: str


class PacketProblem(TypedDict):
    """An answer that could not be recorded (the quote is left as it was)."""

    quote_id: int | None
    ref: str
    problem: str


class PacketReport(TypedDict):
    """One returned file as `packets read --json` prints it."""

    file: str
    packet_id: int | None
    token: str
    participant_id: int
    unchanged_file: bool
    recorded: list[RecordedAnswer]
    unanswered: list[int]
    problems: list[PacketProblem]


def read_packets(
    project: Project, paths: list[Path], who: str = "qualcode", progress: Progress = no_progress
) -> list[PacketReport]:
    """Record the answers in returned packets, all files in one transaction.

    A file that is not a packet, belongs to another project or has an edited quote id
    raises ``PacketError`` and nothing at all is recorded. An answer that cannot be read,
    or a quote no longer waiting for an answer, is reported with its id and left as it is.
    """
    parsed = []
    for i, path in enumerate(paths):
        progress(i, len(paths), path.name)
        if path.suffix.lower() != ".docx":
            raise PacketError(
                f"{path.name}: only returned .docx packets can be read",
                "Record answers given in other ways with `qualcode quotes respond`.",
            )
        parsed.append(parse_returned_docx(path))
    seen_tokens: set[str] = set()

    def work(s: Session) -> list[PacketReport]:
        pid = project_id(s)
        isolation = Isolation.read(s)
        reports: list[PacketReport] = []
        for ret in parsed:
            if ret.project_id and ret.project_id != pid:
                raise PacketError(
                    f"{ret.path.name}: this packet belongs to another project; nothing was "
                    "recorded",
                    "Open the project the packet was made from (--project).",
                )
            packet = s.exec(select(Packet).where(Packet.token == ret.token)).first()
            if packet is None:
                raise PacketError(
                    f"{ret.path.name}: unknown packet reference {ret.token}; nothing was recorded",
                    "The packet was made in another project, or the file is not a packet.",
                )
            if ret.token in seen_tokens:
                raise PacketError(f"{ret.path.name}: the same packet was given twice")
            seen_tokens.add(ret.token)
            in_packet = {
                q.id: q
                for q in s.exec(select(Quote).where(Quote.packet_id == packet.id))
                if q.id is not None
            }
            seen: set[int] = set()
            for a in ret.answers:
                q = in_packet.get(a.quote_id) or s.get(Quote, a.quote_id)
                if (
                    q is None
                    or q.participant_id != packet.participant_id
                    or quote_ref(q).split("-")[1] != a.guid4
                    or a.quote_id in seen
                ):
                    raise PacketError(
                        f"{ret.path.name}: quote id {a.ref} was edited or does not belong to "
                        "this packet; nothing was recorded",
                        "Ask the expert for the file again, or record the answers with "
                        "`qualcode quotes respond`.",
                    )
                seen.add(a.quote_id)
                in_packet.setdefault(stored_id(q), q)
            person = s.get(Participant, packet.participant_id)
            redactor = isolation.redactor_for(person) if person is not None else None
            reports.append(_apply_answers(s, ret, packet, in_packet, who, redactor))
        return reports

    result = project.write(work)
    progress(len(paths), len(paths), "done")
    return result


def _apply_answers(
    s: Session, ret: ReturnedPacket, packet: Packet, in_packet: dict[int, Quote], who: str,
    redactor: PacketRedactor | None = None,
) -> PacketReport:  # fmt: skip
    recorded: list[RecordedAnswer] = []
    unanswered: list[int] = []
    problems: list[PacketProblem] = []
    for a in ret.answers:
        q = in_packet[a.quote_id]
        action = parse_answer(a.answer)
        if action is None:
            raise _unreadable(ret, a)
        new = a.new_wording.strip()
        edited = _edited_cell(a, q, redactor)
        if action in ("", "approve") and edited and not new:
            action, new = "revise", edited
        elif action == "" and new:
            action = "revise"
        elif action == "revise" and not new:
            new = edited or ""
        problem = _problem(q, packet, action, new, edited)
        if problem is None and action == "":
            unanswered.append(stored_id(q))
            continue
        if problem is not None:
            problems.append({"quote_id": q.id, "ref": a.ref, "problem": problem})
            continue
        try:
            with s.begin_nested():
                quotes_mod.respond_in(
                    s,
                    q,
                    action,
                    who,
                    text=new or None,
                    note=a.comment.strip(),
                    via=f"packet {ret.path.name}",
                )
        except QualcodeError as exc:
            problems.append({"quote_id": q.id, "ref": a.ref, "problem": exc.message})
            continue
        s.refresh(q)
        recorded.append(
            {
                "quote_id": q.id,
                "status": q.status,
                "approved_wording": q.approved_wording,
                "note": q.response_note,
            }  # fmt: skip
        )
    missing = sorted(
        qid
        for qid, q in in_packet.items()
        if q.packet_id == packet.id and qid not in {a.quote_id for a in ret.answers}
    )
    for qid in missing:
        problems.append({"quote_id": qid, "ref": quote_ref(in_packet[qid]),
                         "problem": "the quote is missing from the returned file"})  # fmt: skip
    return {
        "file": str(ret.path),
        "packet_id": packet.id,
        "token": packet.token,
        "participant_id": packet.participant_id,
        "unchanged_file": ret.sha256 == packet.sha256,
        "recorded": recorded,
        "unanswered": unanswered,
        "problems": problems,
    }


def _problem(q: Quote, packet: Packet, action: str, new: str, edited: str | None) -> str | None:
    """Why this answer cannot be recorded, or None."""
    waiting = (quotes_mod.SENT, quotes_mod.DEEMED_ACCEPTED)
    wording = new or edited or ""
    if action == "revise" and not wording:
        return "the answer asks for changes but the new wording is empty"
    if action == "approve" and new and new != q.wording.strip():
        return "the answer says approve but a new wording is filled in"
    if action != "reject" and edited and MASK in wording:
        return (
            "the quote cell was edited and still holds a redaction mark […]; record the "
            "wording with `qualcode quotes respond --revise`"
        )
    if action == "":
        return None
    if q.packet_id != packet.id:
        return "the quote was sent again in a later packet; read that one"
    if q.status not in waiting:
        return f"the quote is {q.status} and no longer waits for an answer"
    return None
