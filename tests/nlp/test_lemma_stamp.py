"""The lemma table's cache key: size and CRC-32 of the packaged table, read from a stamp
while the source's path, size and modification time are unchanged."""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import pytest

from qualcode.nlp import lemma_table
from qualcode.nlp.lemma_table import _fingerprint


def _crc(path: Path) -> str:
    data = path.read_bytes()
    return f"{len(data)}_{zlib.crc32(data):08x}"


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUALCODE_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "da_lemma_lookup.json.gz"
    path.write_bytes(b'{"henvisninger": "henvisning"}')
    return path


def test_the_checksum_is_read_once_then_taken_from_the_stamp(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _fingerprint(source) == _crc(source)
    assert len(list((source.parent / "cache").glob("*.stamp"))) == 1

    def no_reading(self: Path) -> bytes:
        raise AssertionError("the source was read although it did not change")

    expected = _crc(source)
    monkeypatch.setattr(Path, "read_bytes", no_reading)
    assert _fingerprint(source) == expected


def test_a_changed_source_of_the_same_size_is_checksummed_again(source: Path) -> None:
    first = _fingerprint(source)
    stat = source.stat()
    source.write_bytes(b'{"henvisninger": "henvisnin!"}')  # same length, other bytes
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert _fingerprint(source) == _crc(source) != first


def test_a_broken_or_foreign_stamp_is_not_believed(source: Path) -> None:
    _fingerprint(source)
    (stamp,) = (source.parent / "cache").glob("*.stamp")
    stamp.write_bytes(b"\xff\xfe not a stamp")
    assert _fingerprint(source) == _crc(source)
    stamp.write_text("/elsewhere\x0012\x0034\x0012_deadbeef", encoding="utf-8")
    assert _fingerprint(source) == _crc(source)


def test_without_a_writable_cache_the_checksum_is_still_right(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = source.parent / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("QUALCODE_CACHE_DIR", str(blocker / "cache"))  # under a file
    assert _fingerprint(source) == _crc(source)
    assert lemma_table.cache_dir() == blocker / "cache"
