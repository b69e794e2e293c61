"""Project settings a researcher may change: the name, languages, silence as consent, the
packet defaults and who signs the letter to experts.

Stored as rows of ``ProjectSetting`` (key/value text); every key has a kind, a default and a
validator here, so the CLI (`qualcode settings`), the TUI's settings screen and the packet
letter read one definition.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypedDict

from qualcode.db import Project
from qualcode.errors import QualcodeError
from qualcode.naming import did_you_mean

_TRUE = ("true", "yes", "ja", "1", "on")
_FALSE = ("false", "no", "nej", "0", "off")
LANGUAGES = ("da", "en")


class SettingsError(QualcodeError):
    """An unknown setting, or a value a setting cannot take."""


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its key, kind (text | bool | language | days), default and help."""

    key: str
    kind: str
    default: str
    help: str

    @property
    def choices(self) -> tuple[str, ...]:
        if self.kind == "bool":
            return ("true", "false")
        if self.kind == "language":
            return LANGUAGES
        return ()


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("name", "text", "", "The project's name (in the letter to experts and exports)."),
    SettingSpec("language", "language", "da", "Language of the report: attributions, letters."),
    SettingSpec("codebook_language", "language", "da", "Language of the codebook's labels."),
    SettingSpec(
        "silence_as_consent",
        "bool",
        "false",
        "Quotes not answered by their due date count as accepted (`quotes sweep`).",
    ),
    SettingSpec(
        "packet_due_days", "days", "14", "Days from today to a packet's due date by default."
    ),
    SettingSpec("sender_name", "text", "", "Who signs the letter to experts."),
    SettingSpec("sender_institution", "text", "", "The sender's institution, under the name."),
)
BY_KEY = {spec.key: spec for spec in SPECS}


class SettingDict(TypedDict):
    """One setting as `settings show --json` prints it (built from ``Setting``)."""

    key: str
    value: str
    default: str
    set: bool
    kind: str
    choices: list[str]
    help: str


class SettingChanged(TypedDict):
    """`settings set --json`: the key and the value as stored."""

    key: str
    value: str


@dataclass(frozen=True)
class Setting:
    """A setting's current value beside its definition (what `settings show` lists)."""

    key: str
    value: str
    default: str
    help: str
    kind: str
    choices: tuple[str, ...]
    is_set: bool

    def as_dict(self) -> SettingDict:
        return SettingDict(
            key=self.key,
            value=self.value,
            default=self.default,
            set=self.is_set,
            kind=self.kind,
            choices=list(self.choices),
            help=self.help,
        )


def spec(key: str) -> SettingSpec:
    """The definition of a setting, or an error that names the nearest key."""
    found = BY_KEY.get(key.strip().lower().replace("-", "_"))
    if found is None:
        raise SettingsError(
            f"unknown setting {key!r}",
            (did_you_mean(key, BY_KEY) or "")
            + " Settings: "
            + ", ".join(BY_KEY)
            + " (`qualcode settings show`).",
        )
    return found


def normalise(key: str, value: str) -> str:
    """The value as stored, or a SettingsError that says what the setting takes."""
    definition = spec(key)
    text = value.strip()
    if definition.kind == "bool":
        if text.lower() in _TRUE:
            return "true"
        if text.lower() in _FALSE:
            return "false"
        raise SettingsError(
            f"{definition.key} is true or false, not {value!r}", "Use true or false."
        )
    if definition.kind == "language":
        if text.lower() not in LANGUAGES:
            raise SettingsError(
                f"{definition.key}: {value!r} is not a language qualcode writes",
                "Use da or en.",
            )
        return text.lower()
    if definition.kind == "days":
        if not text.isdigit() or not 1 <= int(text) <= 365:
            raise SettingsError(
                f"{definition.key} is a number of days, not {value!r}", "Give 1 to 365, e.g. 14."
            )
        return str(int(text))
    if definition.key == "name" and not text:
        raise SettingsError("the project name cannot be empty", "Give a name, e.g. 'Kræftplan V'.")
    if len(text) > 300:
        raise SettingsError(
            f"{definition.key} is {len(text)} characters long", "Keep it under 300."
        )
    return text


def list_settings(project: Project) -> list[Setting]:
    """Every setting with its value (the default when it was never set)."""
    stored = project.settings()
    out = []
    for definition in SPECS:
        value = stored.get(definition.key)
        default = project.name if definition.key == "name" else definition.default
        out.append(
            Setting(
                key=definition.key,
                value=value if value is not None else default,
                default=default,
                help=definition.help,
                kind=definition.kind,
                choices=definition.choices,
                is_set=value is not None,
            )
        )
    return out


def setting_rows(project: Project) -> list[SettingDict]:
    """`settings show --json`: every setting as a ``SettingDict``."""
    return [setting.as_dict() for setting in list_settings(project)]


def get_setting(project: Project, key: str) -> str:
    """One setting's value (its default when never set)."""
    definition = spec(key)
    for setting in list_settings(project):
        if setting.key == definition.key:
            return setting.value
    raise AssertionError("unreachable")


def set_setting(project: Project, key: str, value: str) -> str:
    """Validate and store a setting; returns the value as stored."""
    definition = spec(key)
    stored = normalise(definition.key, value)
    project.set_setting(definition.key, stored)
    return stored


def change_setting(project: Project, key: str, value: str) -> SettingChanged:
    """``set_setting``, reported as `settings set --json` prints it (the key as named in
    ``SPECS``, the value as stored)."""
    stored = set_setting(project, key, value)
    return SettingChanged(key=spec(key).key, value=stored)


@dataclass(frozen=True)
class LetterSettings:
    """What the letter to experts needs from the settings (for ``packets``)."""

    project_name: str
    sender_name: str
    sender_institution: str
    due_days: int

    def default_due(self, today: dt.date | None = None) -> dt.date:
        return (today or dt.date.today()) + dt.timedelta(days=self.due_days)


def letter_settings(project: Project) -> LetterSettings:
    """The project name, the sender and the default due days, as the letter uses them."""
    values = {s.key: s.value for s in list_settings(project)}
    return LetterSettings(
        project_name=values["name"],
        sender_name=values["sender_name"],
        sender_institution=values["sender_institution"],
        due_days=int(values["packet_due_days"]),
    )
