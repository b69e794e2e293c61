"""The lemma lookup table of ``spacy-lookups-data`` in a form that opens in a millisecond.

spaCy's own ``Lookups`` loads the whole Danish table (553,000 forms) into memory: about
1.5 s and 220 MB per process, paid by every CLI call that lemmatises a query. We read the
same JSON once, store it as an SQLite file in the user's cache folder
(``$QUALCODE_CACHE_DIR``, else ``$XDG_CACHE_HOME/qualcode``, else ``~/.cache/qualcode``),
and afterwards each process opens that file and looks words up one by one (each answer is
cached by the caller). If no cache folder is writable, the table is read into memory as
before. The file is written beside its final name and renamed, so two processes building
it at once never see half a table.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import sqlite3
import tempfile
import threading
import zlib
from functools import lru_cache
from pathlib import Path

_SCHEMA_VERSION = 1


def _source(lang: str) -> Path | None:
    spec = importlib.util.find_spec("spacy_lookups_data")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "data" / f"{lang}_lemma_lookup.json.gz"
    return path if path.exists() else None


def cache_dir() -> Path:
    """Where qualcode keeps data it can rebuild (the lemma tables)."""
    explicit = os.environ.get("QUALCODE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qualcode"


def _read_json(source: Path) -> dict[str, str]:
    data = json.loads(gzip.decompress(source.read_bytes()))
    return {str(k): str(v) for k, v in data.items()}


def _build(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        with con:
            con.execute("CREATE TABLE lemma (form TEXT PRIMARY KEY, lemma TEXT) WITHOUT ROWID")
            con.executemany(
                "INSERT OR REPLACE INTO lemma VALUES (?, ?)", _read_json(source).items()
            )
        con.close()
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _fingerprint(source: Path) -> str:
    """Size and CRC-32 of the packaged table: every install of the same data shares one
    cache file. (Keyed by modification time instead, each new virtual environment built
    another 8 MB copy and none was ever reused.)

    Reading and checksumming the 1.6 MB file costs every process a few milliseconds, so
    the answer is kept in a small stamp file beside the cache, with the source's path, size
    and modification time; while those three are unchanged the stamp is believed."""
    stat = source.stat()
    seen = f"{source}\0{stat.st_size}\0{stat.st_mtime_ns}"
    stamp = cache_dir() / f"lemma_source_{zlib.crc32(str(source).encode()):08x}.stamp"
    try:
        known, _, fingerprint = stamp.read_text(encoding="utf-8").rpartition("\0")
        if known == seen and fingerprint:
            return fingerprint
    except (OSError, UnicodeDecodeError):
        pass
    data = source.read_bytes()
    fingerprint = f"{len(data)}_{zlib.crc32(data):08x}"
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=stamp.name, suffix=".tmp", dir=stamp.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"{seen}\0{fingerprint}")
        os.replace(tmp, stamp)
    except OSError:
        pass  # no writable cache: checksummed again next time
    return fingerprint


class LemmaTable:
    """``form -> lemma`` of one language: ``get(form)`` and ``form in table``."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._lock = threading.Lock()
        self._memory: dict[str, str] | None = None
        self._con: sqlite3.Connection | None = None
        source = _source(lang)
        if source is None:
            self._memory = {}
            return
        name = f"{lang}_lemma_v{_SCHEMA_VERSION}_{_fingerprint(source)}.sqlite"
        target = cache_dir() / name
        try:
            if not target.exists():
                _build(source, target)
            uri = f"{target.as_uri()}?mode=ro"
            self._con = sqlite3.connect(uri, uri=True, check_same_thread=False)
        except (OSError, sqlite3.Error):
            self._memory = _read_json(source)  # no writable cache: the table in memory

    def get(self, form: str) -> str | None:
        if self._memory is not None:
            return self._memory.get(form)
        assert self._con is not None
        with self._lock:
            row = self._con.execute("SELECT lemma FROM lemma WHERE form = ?", (form,)).fetchone()
        return None if row is None else str(row[0])

    def __contains__(self, form: object) -> bool:
        return isinstance(form, str) and self.get(form) is not None


@lru_cache(maxsize=4)
def lemma_table(lang: str) -> LemmaTable:
    """The cached table of a language (``da``, ``en``)."""
    return LemmaTable(lang)
