"""Writing output files so that a crash never leaves half a file under the wanted name.

Every exporter (packets, syntheses, codebook and QDPX exports, backups) writes to a
temporary file in the target's own folder and renames it into place with ``os.replace``,
which is atomic on one file system: a reader, or the next run after a crash, sees either
the old file or the complete new one, never a torn one.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from qualcode.errors import ExportError

TEMP_PREFIX = ".qualcode-tmp-"


def temp_path_for(target: str | os.PathLike[str]) -> Path:
    """A fresh temporary name beside ``target`` (same folder, so ``os.replace`` is atomic)."""
    target = Path(target)
    return target.with_name(f"{TEMP_PREFIX}{secrets.token_hex(6)}-{target.name}")


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_writer(
    path: str | os.PathLike[str], mode: str = "wb", encoding: str | None = None
) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on a clean exit it replaces ``path``.

    On an exception the temporary file is removed and ``path`` is left as it was.
    ``mode`` is ``"wb"`` (bytes) or ``"w"`` (text, UTF-8 unless ``encoding`` says else;
    newlines are written as given).
    """
    if mode not in ("wb", "w"):
        raise ValueError("atomic_writer mode is 'wb' or 'w'")
    target = Path(path)
    if not target.parent.is_dir():
        raise ExportError(
            f"cannot write {target}: folder {target.parent} does not exist",
            "Create the folder first, or choose another --out.",
        )
    if target.is_dir():
        raise ExportError(f"cannot write {target}: it is a folder", "Give a file name.")
    tmp = temp_path_for(target)
    try:
        if mode == "w":
            fh: IO[Any] = open(tmp, "w", encoding=encoding or "utf-8", newline="")  # noqa: SIM115
        else:
            fh = open(tmp, "wb")  # noqa: SIM115
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        _keep_mode(target, tmp)
        os.replace(tmp, target)
    except BaseException:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise
    _fsync_dir(target.parent)


def _keep_mode(target: Path, tmp: Path) -> None:
    """A replaced file keeps its permission bits (a new one gets the usual umask ones)."""
    try:
        os.chmod(tmp, target.stat().st_mode & 0o7777)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` all-or-nothing; returns the path."""
    with atomic_writer(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` all-or-nothing (newlines as given); returns the path."""
    return atomic_write_bytes(path, text.encode(encoding))
