"""The blind-coding rule on its own: which settings say who sees whose codings.

``visibility`` applies it to queries (and changes the settings); the light read path
(``document_list``) applies it without SQLAlchemy. One rule, read from the
``project_setting`` rows by ``blind_settings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

BLIND = "blind_coding"  # "on" / "off": for the whole project
BLIND_CODER = "blind_coding.coder:"  # + name: "on" for one coder
LEADS = "blind_coding.leads"  # names, comma-separated: they always see everyone
REVIEW = "blind_coding.review"  # "open" once a lead opened review


@dataclass(frozen=True)
class BlindSettings:
    """What the settings say: blind for all, blind coders, leads, review opened."""

    project_wide: bool
    coders: frozenset[str]
    leads: frozenset[str]
    review_open: bool

    def is_blind(self, viewer: str | None) -> bool:
        """Does ``viewer`` see only their own (and reviewed) codings right now?"""
        if self.review_open or (viewer is not None and viewer in self.leads):
            return False
        return self.project_wide or (viewer is not None and viewer in self.coders)

    @property
    def enabled(self) -> bool:
        return self.project_wide or bool(self.coders)


def names(value: str | None) -> frozenset[str]:
    """The names of a comma-separated setting."""
    return frozenset(n.strip() for n in (value or "").split(",") if n.strip())


def blind_settings(rows: Mapping[str, str]) -> BlindSettings:
    """The blind-coding settings from the project's ``key -> value`` settings (any keys)."""
    return BlindSettings(
        project_wide=rows.get(BLIND) == "on",
        coders=frozenset(
            k[len(BLIND_CODER) :]
            for k, v in rows.items()
            if k.startswith(BLIND_CODER) and v == "on"
        ),
        leads=names(rows.get(LEADS)),
        review_open=rows.get(REVIEW) == "open",
    )
