"""Reading someone else's exchange file safely: a ``.qdpx`` zip or a bare ``.qde`` with its
``Sources/`` folder beside it.

Nothing is extracted to disk, member names that climb out of the archive are refused, sizes
and member counts are bounded, a lying size header cannot blow the memory. A bare ``.qde``
is read the same way through ``FolderArchive``: only files under its own folder are read.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from qualcode.errors import ImportFormatError

# Limits on a .qdpx archive (someone else's file): members, sizes, compression ratio.
MAX_MEMBERS = 20_000
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for members over RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
_CHUNK = 1024 * 1024


def _unsafe_member_name(name: str) -> bool:
    """True for names that would land outside a target folder if extracted (zip-slip)."""
    if not name or "\x00" in name:
        return True
    unified = name.replace("\\", "/")
    if unified.startswith("/") or re.match(r"^[A-Za-z]:", unified):
        return True
    return any(part == ".." for part in unified.split("/"))


class SafeArchive:
    """A zip read in memory only, after its names, count and sizes were checked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = path.name
        try:
            self.zip = zipfile.ZipFile(path)
        except FileNotFoundError as exc:
            raise ImportFormatError(str(path), "no such file") from exc
        except (zipfile.BadZipFile, OSError) as exc:
            raise ImportFormatError(
                str(path),
                "is not a zip archive (a .qdpx file is one)",
                "Export the project again from the other tool as REFI-QDA (.qdpx).",
            ) from exc
        self.budget = MAX_TOTAL_BYTES
        infos = self.zip.infolist()
        if len(infos) > MAX_MEMBERS:
            self.close()
            raise ImportFormatError(
                str(path),
                f"holds {len(infos)} files; qualcode reads at most {MAX_MEMBERS}",
                "This is not an ordinary REFI-QDA archive; check where it came from.",
            )
        declared = 0
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if _unsafe_member_name(info.filename):
                self.close()
                raise ImportFormatError(
                    str(path),
                    f"member {info.filename!r} points outside the archive (zip-slip)",
                    "The archive is damaged or hostile; nothing was imported.",
                )
            if info.flag_bits & 0x1:
                self.close()
                raise ImportFormatError(str(path), f"member {info.filename!r} is encrypted")
            declared += info.file_size
            if info.file_size > MAX_MEMBER_BYTES or declared > MAX_TOTAL_BYTES:
                self.close()
                raise ImportFormatError(
                    str(path),
                    "unpacks to more than qualcode accepts "
                    f"({MAX_MEMBER_BYTES // 2**20} MB a file, {MAX_TOTAL_BYTES // 2**20} MB "
                    "in all)",
                    "This looks like a zip bomb or a very large media archive.",
                )
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                self.close()
                raise ImportFormatError(
                    str(path),
                    f"member {info.filename!r} is compressed more than {MAX_RATIO}:1 (a zip bomb?)",
                    "Nothing was imported.",
                )
            if not info.is_dir():
                self.members[info.filename.replace("\\", "/")] = info

    def close(self) -> None:
        self.zip.close()

    def find(self, name: str) -> str | None:
        """The member called ``name`` (exact, then case-insensitive, then by base name)."""
        name = name.replace("\\", "/").lstrip("/")
        if name in self.members:
            return name
        lowered = {m.lower(): m for m in self.members}
        if name.lower() in lowered:
            return lowered[name.lower()]
        base = PurePosixPath(name).name.lower()
        hits = [m for m in self.members if PurePosixPath(m).name.lower() == base]
        return hits[0] if len(hits) == 1 else None

    def read(self, member: str) -> bytes:
        """A member's bytes, read in chunks so a lying header cannot blow the memory."""
        info = self.members[member]
        limit = min(MAX_MEMBER_BYTES, self.budget)
        out = io.BytesIO()
        try:
            with self.zip.open(info) as fh:
                while True:
                    chunk = fh.read(_CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    if out.tell() > limit:
                        raise ImportFormatError(
                            str(self.path),
                            f"member {member!r} unpacks to more than its header says or "
                            "qualcode accepts (a zip bomb?)",
                            "Nothing was imported.",
                        )
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:  # CRC, truncation
            raise ImportFormatError(str(self.path), f"member {member!r} is damaged: {exc}") from exc
        except RuntimeError as exc:  # encrypted or unsupported
            raise ImportFormatError(str(self.path), f"member {member!r}: {exc}") from exc
        self.budget -= out.tell()
        return out.getvalue()

    def project_member(self) -> tuple[str, list[str]]:
        """The one ``.qde`` file (any name, any folder), with notes about the choice."""
        qde = [m for m in self.members if m.lower().endswith(".qde")]
        if not qde:
            raise ImportFormatError(
                str(self.path),
                "holds no .qde project file",
                "A REFI-QDA archive has project.qde at its root; was this exported as .qdpx?",
            )
        if len(qde) == 1:
            notes = [] if qde[0] == "project.qde" else [f"project file read from {qde[0]!r}"]
            return qde[0], notes
        if "project.qde" in qde:
            others = ", ".join(m for m in qde if m != "project.qde")
            return "project.qde", [f"several .qde files; read project.qde, ignored {others}"]
        raise ImportFormatError(
            str(self.path),
            f"holds {len(qde)} .qde files ({', '.join(sorted(qde)[:5])}); which one is the "
            "project is unclear",
            "Keep one .qde file in the archive.",
        )


class FolderArchive:
    """A bare ``.qde`` file and the files under its folder, read like an archive.

    REFI-QDA tools that write a ``.qde`` without zipping it keep the source texts in a
    ``Sources/`` folder beside it; ``internal://x.txt`` paths are looked up there.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = path.name
        if not path.is_file():
            raise ImportFormatError(str(path), "no such file")
        self.root = path.parent
        self.budget = MAX_TOTAL_BYTES
        self.members: dict[str, Path] = {path.name: path}
        sources = next(
            (d for d in self.root.iterdir() if d.is_dir() and d.name.lower() == "sources"), None
        )
        if sources is not None:
            for n, file in enumerate(sorted(sources.rglob("*"))):
                if n >= MAX_MEMBERS:
                    break
                if file.is_file() and not file.is_symlink():
                    self.members[file.relative_to(self.root).as_posix()] = file

    def close(self) -> None:
        """Nothing to close (files are read whole, one at a time)."""

    def find(self, name: str) -> str | None:
        name = name.replace("\\", "/").lstrip("/")
        if _unsafe_member_name(name):
            return None
        if name in self.members:
            return name
        lowered = {m.lower(): m for m in self.members}
        for candidate in (name.lower(), "sources/" + name.lower()):
            if candidate in lowered:
                return lowered[candidate]
        base = PurePosixPath(name).name.lower()
        hits = [m for m in self.members if PurePosixPath(m).name.lower() == base]
        return hits[0] if len(hits) == 1 else None

    def read(self, member: str) -> bytes:
        file = self.members[member]
        try:
            size = file.stat().st_size
            if size > min(MAX_MEMBER_BYTES, self.budget):
                raise ImportFormatError(
                    str(file), "is larger than qualcode reads from an exchange folder"
                )
            data = file.read_bytes()
        except OSError as exc:
            raise ImportFormatError(str(file), f"cannot read ({exc.strerror})") from exc
        self.budget -= len(data)
        return data

    def project_member(self) -> tuple[str, list[str]]:
        return self.path.name, [f"read the bare project file {self.path.name!r} and its folder"]


Archive = SafeArchive | FolderArchive


def open_archive(path: Path) -> Archive:
    """A ``.qde`` file as a folder archive, anything else as a zip."""
    if path.suffix.lower() == ".qde":
        return FolderArchive(path)
    return SafeArchive(path)


def unsafe_member_name(name: str) -> bool:
    """True for names that would land outside a target folder if extracted (zip-slip)."""
    return _unsafe_member_name(name)
