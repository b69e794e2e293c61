"""The synthesis tests' fixtures; the hand-built project itself is built in ``known``."""

from .known import anyio_backend, known  # noqa: F401 - fixtures for this folder
