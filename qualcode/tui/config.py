"""User settings of the TUI: the remembered coder and the keymap.

Both live under ``$XDG_CONFIG_HOME/qualcode/`` (default ``~/.config/qualcode/``):
``config.toml`` holds ``coder = "name"``; ``keymap.toml`` holds ``binding_id = "key"`` lines
that rebind any binding of the app (see the help screen for the ids). No Textual here.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from qualcode.safe_write import atomic_write_text


def config_dir() -> Path:
    """Where qualcode keeps per-user settings (XDG first, then ``~/.config``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "qualcode"


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}


def remembered_coder() -> str | None:
    """The coder chosen last time, if any."""
    try:
        value = _read_toml(config_dir() / "config.toml").get("coder")
    except (tomllib.TOMLDecodeError, OSError):
        return None
    return value.strip() if isinstance(value, str) and value.strip() else None


def remember_coder(name: str) -> Path:
    """Store the coder in ``config.toml``, keeping any other top-level string settings."""
    path = config_dir() / "config.toml"
    try:
        data = _read_toml(path)
    except (tomllib.TOMLDecodeError, OSError):
        data = {}
    data["coder"] = name
    lines = []
    for key, value in data.items():
        if isinstance(value, str):
            escaped = value.replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{key} = "{escaped}"')
        elif isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int | float):
            lines.append(f"{key} = {value}")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def load_keymap() -> tuple[dict[str, str], str | None]:
    """``binding_id -> key`` from ``keymap.toml``, and a problem description if it is broken."""
    path = config_dir() / "keymap.toml"
    try:
        data = _read_toml(path)
    except (tomllib.TOMLDecodeError, OSError) as exc:
        return {}, f"{path}: {exc}"
    keymap = {str(k): v for k, v in data.items() if isinstance(v, str)}
    bad = [k for k, v in data.items() if not isinstance(v, str)]
    problem = f"{path}: ignored non-string entries {', '.join(bad)}" if bad else None
    return keymap, problem
