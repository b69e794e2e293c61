"""Typed bases for qualcode's screens: ``self.app`` is the ``QualcodeApp``.

Textual types ``Screen.app`` as a plain ``App``; every qualcode screen reads the project and
the coder from the app and calls its ``guarded``/``notify_error``/``note_own_write``. These
bases narrow the type once, so no screen needs a type-checker suppression to reach them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:  # the app imports the screens; the screens only need its type
    from qualcode.tui.app import QualcodeApp

ResultType = TypeVar("ResultType")


class QualcodeScreen(Screen[ResultType]):
    """A full screen of the qualcode app."""

    @property
    def app(self) -> QualcodeApp:  # narrows Textual's App to ours
        return cast("QualcodeApp", super().app)


class QualcodeModal(ModalScreen[ResultType]):
    """A dialog of the qualcode app that reads the project."""

    @property
    def app(self) -> QualcodeApp:  # narrows Textual's App to ours
        return cast("QualcodeApp", super().app)
