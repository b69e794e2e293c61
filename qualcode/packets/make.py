"""Making packets, all or nothing: files appear only after the database recorded them.

``make_packets`` renders every packet in memory from a read-only snapshot, writes the files
into a temporary folder inside the output folder, records the packets and marks the quotes
``sent`` in one transaction, and only then renames the files into place. A run killed
before the commit leaves no packet in place and nothing recorded; a run killed after it
leaves its recorded files in the temporary folder, and the next ``make_packets`` on that
folder (or ``recover_folder``) moves recorded files into place and deletes the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from sqlmodel import Session, col, select

from qualcode import quotes as quotes_mod
from qualcode.db import Project
from qualcode.errors import ConflictError, PacketError
from qualcode.models import Packet, Participant, ProjectSetting, Quote, new_guid, utcnow
from qualcode.packets.content import (
    FORMATS,
    PROJECT_ID_SETTING,
    RESEARCHER_DIR,
    Isolation,
    build_content,
    file_label,
    packet_language,
    render,
)
from qualcode.participants import resolve_participant
from qualcode.progress import Progress, no_progress
from qualcode.safe_write import TEMP_PREFIX
from qualcode.settings import letter_settings

# For the crash tests: pause at this point (writing the marker file first) until killed.
PAUSE_ENV = "QUALCODE_PACKETS_PAUSE"
PAUSE_FILE_ENV = "QUALCODE_PACKETS_PAUSE_FILE"


def _checkpoint(name: str) -> None:
    if os.environ.get(PAUSE_ENV) != name:
        return
    marker = os.environ.get(PAUSE_FILE_ENV)
    if marker:
        Path(marker).write_text(name, encoding="utf-8")
    while True:  # pragma: no cover - the test kills the process here
        time.sleep(3600)


@dataclass
class _Plan:
    packet: Packet
    person: str
    name: str
    versions: list[tuple[int, int]]
    files: dict[str, bytes]  # relative path in the output folder -> bytes
    researcher_copy: str | None
    redactions: int


def recover_folder(project: Project, out_dir: Path) -> None:
    """Finish or undo what a killed run left in ``out_dir``'s temporary folders."""
    if not out_dir.is_dir():
        return
    temps = [p for p in out_dir.iterdir() if p.is_dir() and p.name.startswith(TEMP_PREFIX)]
    if not temps:
        return
    with project.session() as s:
        recorded = {Path(p).name for p in s.exec(select(Packet.path)) if p}
    for temp in temps:
        for path in sorted(temp.rglob("*")):
            if not path.is_file():
                continue
            rel = path.relative_to(temp)
            stem = rel.name.replace("-researcher.", ".")
            if stem in recorded:
                (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, out_dir / rel)
        shutil.rmtree(temp, ignore_errors=True)


def _plan_packets(
    s: Session, project_name: str, proj_id: str, by_person: dict[int, list[Quote]],
    fmt: str, due: dt.date, silence: bool, researcher_copies: bool, progress: Progress,
    sender: str = "",
) -> list[_Plan]:  # fmt: skip
    isolation = Isolation.read(s)
    plans: list[_Plan] = []
    total = len(by_person)
    for i, (pid, rows) in enumerate(sorted(by_person.items())):
        person = s.get(Participant, pid)
        assert person is not None
        progress(i, total, file_label(person))
        packet = Packet(
            participant_id=pid, due_date=due, language=packet_language(person),
            format=fmt, sent=utcnow(),
        )  # fmt: skip
        name = f"{file_label(person)}-{packet.token[:8].lower()}.{fmt}"
        redactor = isolation.redactor_for(person)
        content = build_content(
            s, person, rows, packet, project_name, proj_id, silence, False, redactor
        )
        content.sender = redactor.redact(sender)
        data = render(content, fmt)
        packet.sha256 = hashlib.sha256(data).hexdigest()
        files = {name: data}
        researcher_copy = None
        if researcher_copies:
            copy = build_content(s, person, rows, packet, project_name, proj_id, silence, True,
                                 redactor)  # fmt: skip
            copy.sender = content.sender
            researcher_copy = f"{RESEARCHER_DIR}/{name.replace(f'.{fmt}', f'-researcher.{fmt}')}"
            files[researcher_copy] = render(copy, fmt)
        plans.append(
            _Plan(
                packet,
                person.name,
                name,
                [(q.id or 0, q.version) for q in rows],
                files,
                researcher_copy,
                redactor.total,
            )  # fmt: skip
        )
    return plans


def _open_quotes(s: Session, participant: str | None, resend: bool) -> dict[int, list[Quote]]:
    statuses = (quotes_mod.CANDIDATE, quotes_mod.SENT) if resend else (quotes_mod.CANDIDATE,)
    stmt = select(Quote).where(col(Quote.status).in_(statuses)).order_by(col(Quote.id))
    if participant is not None:
        person = resolve_participant(s, participant)
        stmt = stmt.where(Quote.participant_id == person.id)
    by_person: dict[int, list[Quote]] = {}
    for q in s.exec(stmt):
        by_person.setdefault(q.participant_id, []).append(q)
    if not by_person:
        for_whom = f" for {participant}" if participant else ""
        raise PacketError(
            f"no open quotes{for_whom}: nothing to send",
            "Add quotes with `qualcode quotes add`"
            + ("" if resend else ", or give --resend to send sent quotes again")
            + ".",
        )
    return by_person


class MadePacket(TypedDict):
    """One packet as `packets make --json` prints it."""

    packet_id: int
    token: str
    participant_id: int
    participant: str
    language: str
    format: str
    path: str
    researcher_copy: str | None
    sha256: str
    due_date: str
    quotes: list[int | None]
    redactions: int


class PacketRow(TypedDict):
    """One packet as `packets list --json` prints it, with its quotes counted by status."""

    packet_id: int | None
    token: str
    participant_id: int
    participant: str
    due_date: str | None
    sent: str | None
    language: str
    format: str
    path: str
    sha256: str
    quotes: dict[str, int]


def _record(
    s: Session, plans: list[_Plan], proj_id: str, out_dir: Path, fmt: str, due: dt.date, who: str
) -> list[MadePacket]:
    current = s.get(ProjectSetting, PROJECT_ID_SETTING)
    if current is None:
        s.add(ProjectSetting(key=PROJECT_ID_SETTING, value=proj_id))
    elif current.value != proj_id:
        raise ConflictError("the project id changed while the packets were made")
    results: list[MadePacket] = []
    for plan in plans:
        packet = Packet(**plan.packet.model_dump(exclude={"id"}))
        packet.path = str(out_dir / plan.name)
        s.add(packet)
        s.flush()
        rows = []
        for qid, version in plan.versions:
            q = s.get(Quote, qid)
            if q is None or q.version != version:
                raise ConflictError(
                    f"quote {qid} changed while the packets were made; no packet was recorded",
                    "Make the packets again.",
                )
            rows.append(q)
        assert packet.id is not None
        quotes_mod.mark_sent(
            s, rows, packet.id, due, who, f"packet {plan.name}, due {due.isoformat()}"
        )
        results.append(
            {
                "packet_id": packet.id,
                "token": packet.token,
                "participant_id": packet.participant_id,
                "participant": plan.person,
                "language": packet.language,
                "format": fmt,
                "path": packet.path,
                "researcher_copy": str(out_dir / plan.researcher_copy)
                if plan.researcher_copy
                else None,
                "sha256": packet.sha256,
                "due_date": due.isoformat(),
                "quotes": [q.id for q in rows],
                "redactions": plan.redactions,
            }
        )
    return results


def make_packets(
    project: Project,
    out_dir: Path,
    due: dt.date,
    fmt: str = "docx",
    participant: str | None = None,
    who: str = "qualcode",
    resend: bool = False,
    researcher_copies: bool = True,
    today: dt.date | None = None,
    progress: Progress = no_progress,
) -> list[MadePacket]:
    """One packet per participant with open quotes; marks those quotes ``sent``.

    All or nothing: see the module docstring. Refuses (ConflictError) if a quote changed
    while the packets were rendered.
    """
    if fmt not in FORMATS:
        raise PacketError(f"unknown packet format {fmt!r}", "Use docx, html or md.")
    today = today or dt.date.today()
    if due < today:
        raise PacketError(
            f"the due date {due.isoformat()} is in the past", "Give a date from today on."
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise PacketError(f"{out_dir} is a file, not a folder")
    recover_folder(project, out_dir)
    silence = quotes_mod.silence_as_consent(project)
    project_name = project.name
    letter = letter_settings(project)
    sender = "\n".join(x for x in (letter.sender_name, letter.sender_institution) if x)
    with project.session() as s:
        stored_id = s.get(ProjectSetting, PROJECT_ID_SETTING)
        proj_id = stored_id.value if stored_id is not None else new_guid()
        by_person = _open_quotes(s, participant, resend)
        plans = _plan_packets(s, project_name, proj_id, by_person, fmt, due, silence,
                              researcher_copies, progress, sender)  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    temp = out_dir / f"{TEMP_PREFIX}{secrets.token_hex(6)}"
    temp.mkdir()
    try:
        for plan in plans:
            for rel, data in plan.files.items():
                (temp / rel).parent.mkdir(parents=True, exist_ok=True)
                with open(temp / rel, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
        _checkpoint("written")
        results = project.write(lambda s: _record(s, plans, proj_id, out_dir, fmt, due, who))
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    _checkpoint("committed")
    for i, plan in enumerate(plans):
        for rel in plan.files:
            (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp / rel, out_dir / rel)
        if i == 0:
            _checkpoint("renamed-one")
    shutil.rmtree(temp, ignore_errors=True)
    progress(len(plans), len(plans), "done")
    return results


def list_packets(project: Project) -> list[PacketRow]:
    """Every packet made: recipient, due date, file and the state of its quotes."""
    with project.session() as s:
        rows = s.exec(select(Packet).order_by(col(Packet.id))).all()
        counts: dict[int, dict[str, int]] = {}
        for pid, status in s.exec(select(Quote.packet_id, Quote.status)):
            if pid is not None:
                counts.setdefault(pid, {}).setdefault(status, 0)
                counts[pid][status] += 1
        people = {p.id: p for p in s.exec(select(Participant))}
        return [
            {
                "packet_id": p.id,
                "token": p.token,
                "participant_id": p.participant_id,
                "participant": people[p.participant_id].name,
                "due_date": p.due_date.isoformat() if p.due_date else None,
                "sent": p.sent.isoformat() if p.sent else None,
                "language": p.language,
                "format": p.format,
                "path": p.path,
                "sha256": p.sha256,
                "quotes": counts.get(p.id or 0, {}),
            }
            for p in rows
        ]
