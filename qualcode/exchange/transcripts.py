"""Turns with media times as REFI-QDA ``Transcript``s and ``SyncPoint``s, both ways.

REFI-QDA puts a transcript inside an ``AudioSource``/``VideoSource``: a text (a file or
inline) with sync points, each a text position at a media time in milliseconds, and
``TranscriptSelection``s that run from one sync point to another. qualcode keeps a turn's
media times on the turn (``Turn.media_start``/``media_end``, seconds).

- Export: a document whose turns carry media times gets an ``AudioSource`` beside its
  ``TextSource``, whose transcript is the same text file with a sync point at the start and
  at the end of each timed turn. Other tools see the times; qualcode's own import links the
  transcript back to the text source (same file) instead of making a second document.
- Import: a transcript becomes a document (or, sharing its text file with a text source,
  adds to that one); its selections are placed like any other, and its sync points give
  the speaker turns found in the text their times: a turn starts at the time of the last
  sync point at or before its first character and ends at the first one at or after its
  end, as a subtitle cue covers a turn; one speaker's consecutive turns with no sync point
  between them are one turn. Sync points no turn uses are reported.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable

from qualcode.exchange.positions import PositionUnit, SourceText
from qualcode.exchange.summary import ImportSummary
from qualcode.formats import qdpx
from qualcode.formats.parsed import ParsedTurn
from qualcode.formats.qdpx import QMedia, QProject, QSource, QSyncPoint

# A synced turn for export: (start, end, media_start, media_end), offsets in the exported text.
TimedTurn = tuple[int, int, float | None, float | None]


def media_for(
    doc_guid: str,
    name: str,
    text_path: str,
    turns: list[TimedTurn],
    position: Callable[[int], int],
) -> QMedia | None:
    """The ``AudioSource`` that carries a document's turn times (None without any)."""
    points: list[QSyncPoint] = []
    for n, (start, end, media_start, media_end) in enumerate(turns):
        for edge, offset, seconds in (("start", start, media_start), ("end", end, media_end)):
            if seconds is None:
                continue
            points.append(
                QSyncPoint(
                    guid=qdpx.derived_guid("sync-point", doc_guid, str(n), edge),
                    position=position(offset),
                    time_ms=round(seconds * 1000),
                )
            )
    if not points:
        return None
    transcript = QSource(
        guid=qdpx.derived_guid("transcript", doc_guid),
        name=name,
        kind="Transcript",
        text_path=text_path,
        sync_points=points,
    )
    return QMedia(
        guid=qdpx.derived_guid("media", doc_guid),
        name=name,
        kind="AudioSource",
        transcripts=[transcript],
    )


def link_transcripts(qp: QProject) -> None:
    """A transcript whose text file is a text source's (qualcode's own export, and tools
    that write both) adds its sync points and selections to that source."""
    by_path = {
        src.text_path: src for src in qp.sources if src.kind != "Transcript" and src.text_path
    }
    kept: list[QSource] = []
    for src in qp.sources:
        target = by_path.get(src.text_path) if src.kind == "Transcript" and src.text_path else None
        if target is None:
            kept.append(src)
            continue
        target.sync_points.extend(src.sync_points)
        target.selections.extend(src.selections)
        target.note_refs.extend(r for r in src.note_refs if r not in target.note_refs)
        target.media_name = target.media_name or src.media_name
    qp.sources = kept


def skip_sync_points(summary: ImportSummary, src: QSource, why: str, n: int | None = None) -> None:
    count = len(src.sync_points) if n is None else n
    summary.skip("sync_points", f"{src.name!r}: {count} sync points {why}", count)


def place_sync_points(
    src: QSource, st: SourceText, unit: PositionUnit, summary: ImportSummary
) -> list[tuple[int, float]]:
    """``(offset into the stored text, seconds)`` of each sync point that has both; the
    others are reported."""
    placed: list[tuple[int, float]] = []
    for point in src.sync_points:
        offset = st.convert(point.position, unit) if point.position is not None else None
        if offset is None or point.time_ms is None:
            skip_sync_points(
                summary,
                src,
                f"without a usable position or time ({point.guid}: position "
                f"{point.position}, time {point.time_ms})",
                1,
            )
            continue
        placed.append((offset, point.time_ms / 1000))
    return placed


def timed_turns(
    turns: list[ParsedTurn], points: list[tuple[int, float]]
) -> tuple[list[ParsedTurn], int]:
    """The turns with the media times the sync points give them, and how many sync points
    were used."""
    ordered = sorted(points)
    positions = [p for p, _ in ordered]
    used: set[int] = set()
    out: list[ParsedTurn] = []
    for turn in _merge_unsynced(turns, positions):
        first = bisect_right(positions, turn.start) - 1
        last = bisect_left(positions, turn.end)
        media_start = ordered[first][1] if first >= 0 else turn.media_start
        media_end = ordered[last][1] if last < len(ordered) else turn.media_end
        if media_start is not None and media_end is not None and media_end < media_start:
            media_end = None
        used.update(i for i in (first, last) if 0 <= i < len(ordered))
        out.append(ParsedTurn(turn.speaker, turn.start, turn.end, media_start, media_end))
    return out, len(used)


def _merge_unsynced(turns: list[ParsedTurn], positions: list[int]) -> list[ParsedTurn]:
    """Consecutive turns of one speaker with no sync point between them are one turn (a
    speaker's label repeated on each line of a subtitle-like transcript)."""
    merged: list[ParsedTurn] = []
    for turn in turns:
        if merged and merged[-1].speaker == turn.speaker:
            previous = merged[-1]
            between = bisect_left(positions, previous.end) < bisect_right(positions, turn.start)
            if not between:
                merged[-1] = ParsedTurn(turn.speaker, previous.start, turn.end)
                continue
        merged.append(turn)
    return merged
