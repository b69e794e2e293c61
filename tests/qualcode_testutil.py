"""Helpers shared by tests (imported as a plain module; tests/ is on sys.path)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path


def file_digest(path: Path) -> str:
    """sha256 of a closed SQLite project file (its WAL is checkpointed on close)."""
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0, (
        "project still open: close it before taking its digest"
    )
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_dump(path: Path) -> list[str]:
    """Every row of every table as SQL text: compares two projects' contents."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()
