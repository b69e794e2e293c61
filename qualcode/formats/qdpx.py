"""REFI-QDA (QDA-XML 1.0): the one name the rest of qualcode imports for ``.qdpx``, ``.qde``
and ``.qdc`` files.

Pure bytes in and out of plain data classes: ``refi_model`` (the data), ``refi_read`` (safe,
liberal parsing), ``refi_write`` (schema-ordered writing). What a code or a coding becomes
in a project is decided in ``qualcode.exchange``, never here. Each module lists what it
offers in its ``__all__``; this facade offers all of them.
"""

from __future__ import annotations

from qualcode.formats import refi_model, refi_read, refi_write
from qualcode.formats.refi_model import *  # noqa: F403  (its __all__)
from qualcode.formats.refi_read import *  # noqa: F403  (its __all__)
from qualcode.formats.refi_write import *  # noqa: F403  (its __all__)

__all__: list[str] = []
__all__ += refi_model.__all__
__all__ += refi_read.__all__
__all__ += refi_write.__all__
